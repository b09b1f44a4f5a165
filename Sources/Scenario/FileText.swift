import Foundation

/// Reads the text of a file the user named, with a plain message when it cannot: a directory, a missing file,
/// no permission, or text that is not UTF-8 — never a Foundation error code.
enum FileText {
    /// The file's text; `expected` names what the path should be, e.g. `a scenario file (.yaml)`.
    static func read(_ path: String, expected: String) throws(ScenarioError) -> String {
        guard let text = String(data: try data(path, expected: expected), encoding: .utf8) else {
            throw ScenarioError(file: path, line: 0, column: 0, message: "cannot be read: not UTF-8 text")
        }
        return text
    }

    /// The file's bytes (at most `limit` of them), with the same plain messages as `read`.
    static func data(_ path: String, expected: String, upTo limit: Int? = nil) throws(ScenarioError) -> Data {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw ScenarioError(file: path, line: 0, column: 0, message: "is a directory, expected \(expected)")
        }
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            return try (limit.map { try handle.read(upToCount: $0) } ?? handle.readToEnd()) ?? Data()
        } catch {
            throw ScenarioError(file: path, line: 0, column: 0, message: "cannot be read: \(reason(error, path: path))")
        }
    }

    /// Why reading failed, in words: the system's message for the underlying error number when there is one.
    static func reason(_ error: any Error, path: String) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code))).lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(nsError.code))).lowercased() }
        switch CocoaError.Code(rawValue: nsError.code) {
        case .fileReadNoSuchFile, .fileNoSuchFile: return "no such file"
        case .fileReadNoPermission: return "permission denied"
        case .fileReadInapplicableStringEncoding, .fileReadCorruptFile: return "not UTF-8 text"
        default: break
        }
        // The same checks by hand, for an error that carries no code worth printing.
        if !FileManager.default.fileExists(atPath: path) { return "no such file" }
        if !FileManager.default.isReadableFile(atPath: path) { return "permission denied" }
        return "not UTF-8 text"
    }
}
