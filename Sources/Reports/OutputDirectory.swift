import Foundation
import Scenario

/// A directory under the output directory the user chose, and the only way the tool makes a path to write to.
///
/// Parts of the paths it writes come from files of other hands: a scenario's name, a variant's values, the
/// `run.json` a report reads. The reader already refuses names that are paths; this is the second line. Every
/// directory and file is made one name at a time, each name is checked to be a single name (not empty, not `.`
/// or `..`, no `/`), and the result is resolved (symbolic links followed) and must lie under the chosen
/// directory, itself resolved once. A name that differs only in case from one already there is refused too: on
/// a case-insensitive file system (macOS, Windows) the two are one, and the second would write over the first.
public struct OutputDirectory: Sendable, CustomStringConvertible {
    /// The chosen directory, symbolic links resolved.
    public let root: String
    /// This directory, symbolic links resolved; `root` or under it.
    public let resolved: String
    /// This directory as the user would write it: the chosen path and the names after it, for messages.
    public let url: URL

    public var description: String { url.path }

    /// The directory the user chose (`--out`), made if missing. It may be anywhere, and a symbolic link: the
    /// user chose it. Only what goes under it is checked.
    public init(_ path: String) throws(OutputPathError) {
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            throw OutputPathError("cannot make the output directory \(path): \(error.localizedDescription)")
        }
        guard let root = Self.resolve(path) else { throw OutputPathError("cannot resolve the output directory \(path)") }
        self.root = root
        self.resolved = root
        self.url = URL(fileURLWithPath: path)
    }

    private init(root: String, resolved: String, url: URL) {
        self.root = root
        self.resolved = resolved
        self.url = url
    }

    /// The directory `name` in this one, made if missing.
    public func subdirectory(_ name: String) throws(OutputPathError) -> OutputDirectory {
        let path = try checkedPath(name)
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
            } catch {
                throw OutputPathError("cannot make \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
            }
        } else if !isDirectory.boolValue {
            throw OutputPathError("\(url.appendingPathComponent(name).path) is already there and is not a directory")
        }
        let resolved = try inside(path, shown: url.appendingPathComponent(name))
        return OutputDirectory(root: root, resolved: resolved, url: url.appendingPathComponent(name))
    }

    /// The directories `names` in turn, each under the one before.
    public func subdirectory(_ names: [String]) throws(OutputPathError) -> OutputDirectory {
        var directory = self
        for name in names { directory = try directory.subdirectory(name) }
        return directory
    }

    /// Writes `data` to the file `name` in this directory, replacing it.
    public func write(_ data: Data, to name: String) throws(OutputPathError) {
        let path = try checkedPath(name)
        if FileManager.default.fileExists(atPath: path) || Self.isSymbolicLink(path) {
            _ = try inside(path, shown: url.appendingPathComponent(name))
        }
        do {
            try data.write(to: URL(fileURLWithPath: path))
        } catch {
            throw OutputPathError("cannot write \(url.appendingPathComponent(name).path): \(error.localizedDescription)")
        }
    }

    /// The path of `name` in this directory, after checking that it is one name and that nothing already there
    /// differs from it only in case.
    private func checkedPath(_ name: String) throws(OutputPathError) -> String {
        if let problem = Self.problem(name) {
            throw OutputPathError("refusing to write \(String(reflecting: name)) in \(url.path): \(problem)")
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: resolved)) ?? []
        if let other = present.first(where: { $0 != name && $0.lowercased() == name.lowercased() }) {
            throw OutputPathError(
                "refusing to write \(String(reflecting: name)) in \(url.path): \(String(reflecting: other)) is already there, and a case-insensitive file system would take them for one; choose another name or another output directory"
            )
        }
        return resolved + "/" + name
    }

    /// `path` resolved, when it lies under the root; an error naming where it leads otherwise.
    private func inside(_ path: String, shown: URL) throws(OutputPathError) -> String {
        guard let target = Self.resolve(path) else {
            throw OutputPathError("refusing to write \(shown.path): it leads nowhere (a dangling symbolic link?)")
        }
        guard target == root || target.hasPrefix(root == "/" ? "/" : root + "/") else {
            throw OutputPathError("refusing to write \(shown.path): it leads to \(target), outside the output directory \(root)")
        }
        return target
    }

    /// Why `name` is not a single name in a directory, or nil.
    static func problem(_ name: String) -> String? {
        if name.isEmpty { return "a name is empty" }
        if name == "." || name == ".." { return "\(name) is not a name but a way out" }
        if name.contains("/") { return "a name holds /, which makes it a path" }
        if name.utf8.contains(0) { return "a name holds a NUL byte" }
        if name.utf8.count > 255 { return "a name longer than 255 bytes" }
        return nil
    }

    /// The absolute path with every symbolic link followed, or nil when it does not exist.
    static func resolve(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    private static func isSymbolicLink(_ path: String) -> Bool {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) != nil
    }
}

/// Why the tool refused to write a path: it would lie outside the output directory, or is not a name.
public struct OutputPathError: Error, Sendable, CustomStringConvertible {
    public var description: String

    public init(_ description: String) { self.description = description }
}
