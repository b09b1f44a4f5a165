import Foundation
import Reports
import Scenario
import Simulation
import Testing

/// Runs a shipped scenario, shortened, and writes its files into a fresh directory.
private func runAndWrite(seed: UInt64) throws -> URL {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios/stop-races.yaml").standardized.path
    let scenario = try ScenarioLoader.load(path: path)
    var configuration = scenario.configuration
    configuration.seed = seed
    configuration.duration = .seconds(1_800)
    var world = World(configuration: configuration, wallClock: { DispatchTime.now().uptimeNanoseconds })
    var result = world.run()
    result.timing.wallSeconds = Double.random(in: 1...2)
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-\(UUID().uuidString)")
    let info = RunInfo(scenario: configuration.name, source: path, seed: seed, variant: nil, command: "binoculars run \(path) --seed \(seed)")
    try RunWriter.write(result, expectations: [], info: info, scenarioYAML: scenario.yaml, to: OutputDirectory(directory.path))
    return directory
}

@Suite("Run outputs")
struct DeterministicOutputTests {
    static let deterministicFiles = [
        "summary.json", "history.jsonl", "series.csv", "latency-distribution.csv", "run.json", "scenario.yaml", "report.md",
    ]

    @Test("The same scenario and seed write byte-identical summary, history, series and report; timing is apart")
    func byteIdentical() throws {
        let first = try runAndWrite(seed: 42)
        let second = try runAndWrite(seed: 42)
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        for file in Self.deterministicFiles {
            let one = try Data(contentsOf: first.appendingPathComponent(file))
            let two = try Data(contentsOf: second.appendingPathComponent(file))
            #expect(one.count > 100, "\(file) is nearly empty")
            #expect(one == two, "\(file) differs between two runs of the same seed")
        }
        let timingOne = try Data(contentsOf: first.appendingPathComponent("timing.json"))
        let timingTwo = try Data(contentsOf: second.appendingPathComponent("timing.json"))
        #expect(timingOne != timingTwo, "wall-clock figures belong in timing.json only")
    }

    @Test("A different seed writes a different history")
    func seedMatters() throws {
        let first = try runAndWrite(seed: 1)
        let second = try runAndWrite(seed: 2)
        defer {
            try? FileManager.default.removeItem(at: first)
            try? FileManager.default.removeItem(at: second)
        }
        let one = try Data(contentsOf: first.appendingPathComponent("history.jsonl"))
        let two = try Data(contentsOf: second.appendingPathComponent("history.jsonl"))
        #expect(one != two)
    }

    @Test("Every history line is a JSON object with index, time, process, type, f and value, in time order")
    func historyFormat() throws {
        let directory = try runAndWrite(seed: 3)
        defer { try? FileManager.default.removeItem(at: directory) }
        let text = try String(contentsOf: directory.appendingPathComponent("history.jsonl"), encoding: .utf8)
        let lines = text.split(separator: "\n")
        #expect(lines.count > 100)
        var previous = Int64.min
        for (number, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "line \(number + 1)")
            #expect(object["index"] as? Int == number)
            let time = try #require(object["time"] as? Int64)
            #expect(time >= previous, "line \(number + 1) goes back in time")
            previous = time
            #expect(["invoke", "ok", "fail", "info"].contains(object["type"] as? String))
            #expect(["start", "stop", "renew", "end"].contains(object["f"] as? String))
            #expect((object["value"] as? [String: Any])?["conversation"] != nil)
        }
    }

    @Test("series.csv has one row per reporting interval after warm-up, with a header")
    func series() throws {
        let directory = try runAndWrite(seed: 4)
        defer { try? FileManager.default.removeItem(at: directory) }
        let rows = try String(contentsOf: directory.appendingPathComponent("series.csv"), encoding: .utf8).split(separator: "\n")
        #expect(
            rows.first?.hasPrefix(
                "interval_start_s,offered,offered_at_once,answered,answered_within_threshold,abandoned,abandoned_short,service_level,") == true)
        let columns = rows.first?.split(separator: ",").count ?? 0
        #expect(rows.dropFirst().allSatisfy { $0.split(separator: ",", omittingEmptySubsequences: false).count == columns })
        // 30 minutes, warm-up 10, intervals of 15 from the end of warm-up: 10–25 and 25–30.
        #expect(rows.dropFirst().map { $0.split(separator: ",")[0] } == ["600", "1500"])
    }
}

@Suite("Absent KPIs in run files")
struct AbsentKPITests {
    /// A centre with no agents: nobody is answered, so the answered-only ratios and occupancy have nothing to be over.
    static func noAgentsResult() -> RunResult {
        let instant = LinkSettings(upMilliseconds: .constant(0), downMilliseconds: .constant(0))
        let configuration = WorldConfiguration(
            name: "no-agents", seed: 2, duration: .seconds(7_200), warmUp: .seconds(3_600), reportingInterval: .seconds(1_800),
            queues: [QueueSettings(name: "Queue")],
            channels: [ChannelSettings(kind: .sms, queue: "Queue", ratesPerHour: [120], patience: .constant(0))],
            agentGroups: [], supervisorGroups: [],
            network: NetworkSettings(supervisor: instant, agent: instant, customer: instant, viewDelayMilliseconds: .constant(0)))
        var world = World(configuration: configuration)
        return world.run()
    }

    @Test("An absent ratio is null in summary.json, an empty cell in series.csv that reads back as no value, and – in report.md")
    func absentRatios() throws {
        let result = Self.noAgentsResult()
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let info = RunInfo(scenario: "no-agents", source: "no-agents.yaml", seed: 2, variant: nil, command: "binoculars run no-agents.yaml")
        try RunWriter.write(result, expectations: [], info: info, scenarioYAML: "", to: OutputDirectory(directory.path))

        let summary = try String(contentsOf: directory.appendingPathComponent("summary.json"), encoding: .utf8)
        #expect(summary.contains("\"serviceLevel\" : 0,"))
        #expect(summary.contains("\"serviceLevelOfAnswered\" : null"))
        #expect(summary.contains("\"averageSpeedOfAnswerSeconds\" : null"))
        #expect(summary.contains("\"occupancy\" : null"))
        #expect(summary.contains("\"abandonmentRate\" : 1,"))

        let csv = try String(contentsOf: directory.appendingPathComponent("series.csv"), encoding: .utf8)
        let table = try NumericTable(csv: csv, file: "series.csv")
        #expect(table.rows.count == 2)
        let levels = try #require(table.column("service_level"))
        #expect(levels == [0, 0])
        let answeredOnly = try #require(table.column("service_level_of_answered"))
        #expect(answeredOnly.allSatisfy { $0.isNaN })

        let report = try String(contentsOf: directory.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(report.contains("| 0 | 1 | – | 1 | – |"), "service level, P(wait), ASA, abandonment, occupancy")
    }
}
