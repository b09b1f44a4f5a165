import Foundation
import Reports
import Testing

@Suite("Nothing is written outside the output directory")
struct OutputDirectoryTests {
    /// A fresh directory holding `out/inner` (the output directory) and room beside it to escape to.
    final class Place {
        let base: URL
        let out: String

        init() throws {
            base = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-out-\(UUID().uuidString)")
            out = base.appendingPathComponent("out/inner").path
            try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        }

        deinit { try? FileManager.default.removeItem(at: base) }

        /// Every path under `base`, relative to it, to show that nothing appeared where it should not.
        var everything: [String] { (FileManager.default.enumerator(atPath: base.path)?.allObjects as? [String] ?? []).sorted() }
    }

    /// The refusal `body` meets, or nil when it goes through.
    static func refusal(_ body: () throws -> Void) -> String? {
        do {
            try body()
            return nil
        } catch {
            return (error as? OutputPathError)?.description ?? "not a refusal: \(error)"
        }
    }

    @Test("a name that climbs out with .. is refused, for a directory and for a file, and nothing is made")
    func parentComponents() throws {
        let place = try Place()
        let root = try OutputDirectory(place.out)
        for name in ["..", "../escaped-dir", "a/../../escaped-dir"] {
            let message = try #require(Self.refusal { _ = try root.subdirectory(name) })
            #expect(message.hasPrefix("refusing to write \(String(reflecting: name)) in \(place.out): "))
            #expect(Self.refusal { try root.write(Data("x".utf8), to: name) } != nil)
        }
        #expect(Self.refusal { _ = try root.subdirectory(["steady-day", "..", ".."]) } != nil)
        #expect(place.everything == ["out", "out/inner", "out/inner/steady-day"])
    }

    @Test("an absolute path given as a name is refused")
    func absolutePath() throws {
        let place = try Place()
        let root = try OutputDirectory(place.out)
        let elsewhere = place.base.appendingPathComponent("escaped-dir").path
        #expect(Self.refusal { _ = try root.subdirectory(elsewhere) }?.contains("a name holds /, which makes it a path") == true)
        #expect(Self.refusal { try root.write(Data("x".utf8), to: elsewhere + "/report.html") } != nil)
        #expect(place.everything == ["out", "out/inner"])
    }

    @Test("a symbolic link chosen as the output directory is followed: the files land in its target")
    func symlinkedOutputDirectory() throws {
        let place = try Place()
        let link = place.base.appendingPathComponent("link").path
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: place.out)
        let run = try OutputDirectory(link).subdirectory(["steady-day", "1"])
        try run.write(Data("{}".utf8), to: "summary.json")
        #expect(FileManager.default.fileExists(atPath: place.out + "/steady-day/1/summary.json"))
        #expect(run.url.path == link + "/steady-day/1", "messages show the path as the user gave it")
    }

    @Test("a symbolic link inside the output directory that leads out of it is refused, as a directory and as a file")
    func symlinkLeadingOut() throws {
        let place = try Place()
        let outside = place.base.appendingPathComponent("escaped-dir").path
        try FileManager.default.createDirectory(atPath: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: place.out + "/steady-day", withDestinationPath: outside)
        try Data("outside".utf8).write(to: URL(fileURLWithPath: outside + "/report.html"))
        try FileManager.default.createSymbolicLink(atPath: place.out + "/report.html", withDestinationPath: outside + "/report.html")
        try FileManager.default.createSymbolicLink(atPath: place.out + "/report.md", withDestinationPath: outside + "/report.md")
        let root = try OutputDirectory(place.out)
        let directory = try #require(Self.refusal { _ = try root.subdirectory(["steady-day", "1"]) })
        #expect(directory == "refusing to write \(place.out)/steady-day: it leads to \(outside), outside the output directory \(root.root)")
        #expect(Self.refusal { try root.write(Data("x".utf8), to: "report.html") }?.contains("outside the output directory") == true)
        #expect(Self.refusal { try root.write(Data("x".utf8), to: "report.md") }?.contains("it leads nowhere") == true, "a link to nothing yet")
        #expect(try FileManager.default.contentsOfDirectory(atPath: outside) == ["report.html"])
        #expect(try String(contentsOfFile: outside + "/report.html", encoding: .utf8) == "outside")
    }

    @Test("a name that differs only in case from one already there is refused, not written over it")
    func differsOnlyInCase() throws {
        let place = try Place()
        let root = try OutputDirectory(place.out)
        try root.subdirectory("Steady-Day").write(Data("first".utf8), to: "summary.json")
        let message = try #require(Self.refusal { _ = try root.subdirectory("steady-day") })
        #expect(message.contains("\"Steady-Day\" is already there, and a case-insensitive file system would take them for one"))
        #expect(Self.refusal { try root.subdirectory("Steady-Day").write(Data("second".utf8), to: "Summary.json") } != nil)
        #expect(try String(contentsOfFile: place.out + "/Steady-Day/summary.json", encoding: .utf8) == "first")
        #expect(Self.refusal { _ = try root.subdirectory("Steady-Day") } == nil, "the same name again is the same directory")
    }

    @Test("names the tool makes itself go where they should")
    func ordinaryNames() throws {
        let place = try Place()
        let run = try OutputDirectory(place.out).subdirectory(["supervisor-sweep", "floor-supervisors=50", "7"])
        try run.write(Data("{}".utf8), to: "run.json")
        try run.write(Data("{ }".utf8), to: "run.json")
        #expect(try String(contentsOfFile: place.out + "/supervisor-sweep/floor-supervisors=50/7/run.json", encoding: .utf8) == "{ }")
    }
}
