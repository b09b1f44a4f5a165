import Foundation
import Scenario
import Simulation
import Testing

@Suite("Regression files")
struct RegressionFileTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    /// A directory holding `regressions.yaml` with `text` and a stand-in `regressions/reduced.yaml` beside it (reading
    /// the regression file only looks for it; `binoculars regressions` loads it).
    static func regressionFile(_ text: String) throws -> (path: String, directory: URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("regressions-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("regressions"), withIntermediateDirectories: true)
        try "name: reduced\n".write(to: directory.appendingPathComponent("regressions/reduced.yaml"), atomically: true, encoding: .utf8)
        let path = directory.appendingPathComponent("regressions.yaml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return (path, directory)
    }

    @Test("The committed regression file reads, and its reduced entry names a file beside it that loads, at the file's own seed")
    func committed() throws {
        let regressions = try RegressionFile.load(path: Self.root.appendingPathComponent("Results/regressions.yaml").path)
        let reduced = try #require(regressions.first { !$0.swarm && $0.seed == nil })
        #expect(reduced.scenario.hasSuffix("Results/regressions/partition-stop-races-stopByConversation-seed1.yaml"))
        #expect(reduced.defect == .stopByConversation)
        #expect(reduced.rule == "M11")
        #expect(throws: Never.self) { try ScenarioLoader.load(path: reduced.scenario) }
    }

    @Test("A reduced entry's path is relative to the regression file; its seed is optional and it never swarms")
    func reducedEntry() throws {
        let (path, directory) = try Self.regressionFile(
            """
            - reduced: regressions/reduced.yaml
              defect: stopByConversation
              rule: M11
              found: "conversation-17: not linearizable (M11)"
            - reduced: regressions/reduced.yaml
              seed: 7
              found: a real bug, fixed
            - scenario: Scenarios/faults/partition-stop-races.yaml
              seed: 1
              found: as before, swarmed by default
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        let regressions = try RegressionFile.load(path: path)
        let beside = directory.appendingPathComponent("regressions/reduced.yaml").path
        #expect(regressions.map(\.scenario) == [beside, beside, "Scenarios/faults/partition-stop-races.yaml"])
        #expect(regressions.map(\.seed) == [nil, 7, 1])
        #expect(regressions.map(\.swarm) == [false, false, true])
        #expect(regressions.map(\.defect) == [.stopByConversation, nil, nil])
        #expect(regressions.map(\.rule) == ["M11", nil, nil])
        #expect(regressions[0].found == "conversation-17: not linearizable (M11)")
    }

    @Test("A bad entry is an error at its file, line and column")
    func badEntries() throws {
        let (path, directory) = try Self.regressionFile(
            """
            - scenario: Scenarios/faults/partition-stop-races.yaml
              reduced: regressions/reduced.yaml
              found: both
            - found: neither
            - reduced: regressions/reduced.yaml
              swarm: true
              found: a reduced file swarmed
            - reduced: regressions/missing.yaml
              found: no such file
            - scenario: Scenarios/faults/partition-stop-races.yaml
              found: no seed
            - reduced: regressions/reduced.yaml
              defect: stopByConversation
              rule: the lock
              found: a rule that is not a rule id
            - reduced: regressions/reduced.yaml
              rule: M11
              found: a rule without a variant
            """)
        defer { try? FileManager.default.removeItem(at: directory) }
        do {
            _ = try RegressionFile.load(path: path)
            Issue.record("bad entries were accepted")
        } catch {
            let lines = error.description.split(separator: "\n").map(String.init)
            #expect(lines.count == 7, "\(lines)")
            #expect(lines.contains("\(path):2:3: an entry names a scenario with its seed or a reduced file, not both"))
            #expect(lines.contains("\(path):4:3: missing key \"scenario\" or \"reduced\" in regressions[1]"))
            #expect(lines.contains("\(path):6:3: swarm does not apply to a reduced file: the faults its seed kept are written in"))
            #expect(lines.contains { $0.hasPrefix("\(path):8:12: no reduced scenario file \"regressions/missing.yaml\"") })
            #expect(lines.contains("\(path):10:3: missing key \"seed\" in regressions[4]: the seed of the scenario to replay"))
            #expect(lines.contains("\(path):14:9: expected a rule id such as M11, found \"the lock\""))
            #expect(lines.contains { $0.hasPrefix("\(path):17:3: rule applies to an entry with a defect") })
        }
    }
}
