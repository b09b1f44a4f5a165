import Foundation
import Testing

/// The command line, run as a user runs it: a separate process per call.
enum CommandLineTool {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// The `binoculars` executable beside the test bundle, built first if `swift test` did not build it.
    static func executable() throws -> URL {
        let products =
            Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent()
            ?? root.appendingPathComponent(".build/debug")
        let binary = products.appendingPathComponent("binoculars")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            let build = try run(URL(fileURLWithPath: "/usr/bin/env"), ["swift", "build", "--product", "binoculars"], in: root)
            try #require(build.status == 0, "could not build binoculars: \(build.output)")
        }
        return binary
    }

    /// Runs `body` in a fresh directory under the temporary directory, removed afterwards.
    static func withWorkDirectory(_ label: String, _ body: (URL) throws -> Void) throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        try body(work)
    }

    /// Runs a command to its end; its exit status and what it printed (stdout and stderr together).
    @discardableResult
    static func run(_ executable: URL, _ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.currentDirectoryURL = directory
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }
}

@Suite("Report files are deterministic across processes")
struct ReportDeterminismTests {
    /// The report's files a user may commit as a baseline and diff later.
    static let deterministic = ["report.html", "report.md", "summary.json"]

    /// Every deterministic file of a report directory, by path relative to it.
    static func files(in directory: URL) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for name in deterministic {
            files[name] = try Data(contentsOf: directory.appendingPathComponent(name))
        }
        for folder in ["tables", "charts"] {
            for name in try FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(folder).path) where name != "timing.csv"
            {
                files["\(folder)/\(name)"] = try Data(contentsOf: directory.appendingPathComponent(folder).appendingPathComponent(name))
            }
        }
        return files
    }

    @Test("Two processes of binoculars run and of binoculars report write byte-identical report files; wall-clock figures go to timing files")
    func twoProcesses() throws {
        let binary = try CommandLineTool.executable()
        try CommandLineTool.withWorkDirectory("determinism") { work in
            var text = try String(contentsOf: CommandLineTool.root.appendingPathComponent("Scenarios/supervisor-sweep.yaml"), encoding: .utf8)
            text = text.replacingOccurrences(of: "duration: 4h", with: "duration: 40m")
            text = text.replacingOccurrences(of: "warmUp: 30m", with: "warmUp: 10m")
            text = text.replacingOccurrences(of: "values: [10, 25, 50, 100, 200]", with: "values: [5, 40]")
            #expect(text.contains("values: [5, 40]"), "the sweep's values were not replaced")
            try text.write(to: work.appendingPathComponent("sweep.yaml"), atomically: true, encoding: .utf8)

            var reports: [[String: Data]] = []
            var timings: [Data] = []
            for _ in 0..<2 {
                let result = try CommandLineTool.run(binary, ["run", "sweep.yaml", "--replications", "2", "--out", "out"], in: work)
                try #require(result.status == 0, "\(result.output)")
                let directory = work.appendingPathComponent("out/supervisor-sweep")
                reports.append(try Self.files(in: directory))
                timings.append(try Data(contentsOf: directory.appendingPathComponent("timing.json")))
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("timing.md").path))
                #expect(FileManager.default.fileExists(atPath: directory.appendingPathComponent("tables/timing.csv").path))
            }
            #expect(reports[0].count > 20, "tables and charts were written")
            for (name, data) in reports[0] {
                #expect(reports[1][name] == data, "\(name) differs between two processes over the same runs")
            }
            #expect(Set(reports[0].keys) == Set(reports[1].keys))
            #expect(timings[0] != timings[1], "the wall-clock figures of two runs should differ, and live in timing.json")

            // binoculars report over the same runs, from two processes into two directories.
            for out in ["report-a", "report-b"] {
                let result = try CommandLineTool.run(binary, ["report", "out/supervisor-sweep", "--out", out], in: work)
                try #require(result.status == 0, "\(result.output)")
            }
            let first = try Self.files(in: work.appendingPathComponent("report-a"))
            let second = try Self.files(in: work.appendingPathComponent("report-b"))
            #expect(first == second)
            #expect(first == reports[1], "binoculars report rebuilds what binoculars run wrote")

            let html = String(decoding: reports[0]["report.html"] ?? Data(), as: UTF8.self)
            #expect(!html.contains(work.path), "the report names the working directory's own paths relatively")
            #expect(html.contains("sweep.yaml:"), "expectations cite the scenario file's own path and position")
            #expect(!html.contains("wall time of the run"))
        }
    }
}
