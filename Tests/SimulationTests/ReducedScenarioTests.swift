import Foundation
import Scenario
import Simulation
import Testing

/// What `binoculars explore --shrink` leaves behind, driven through the functions the command line uses: a failing
/// seed found, shrunk, written as `reduced.yaml`, then checked, run and replayed as `check`, `run` and `replay` do.
@Suite("A shrunk failing scenario loads and fails again")
struct ReducedScenarioTests {
    @Test(
        "For every broken variant, the reduced file checks and running it or its printed replay fails again on the same rule in no more events",
        arguments: variantScenarios)
    func reducedFailsAgain(defect: Defect, scenario: String) throws {
        var base = try faultScenario(scenario)
        base.defect = defect
        let failure = try #require(Explorer.exploration(base, seeds: explorationSeeds, jobs: 2).failure)
        let rule = try #require(failure.rule, "\(defect) failed naming no rule: \(failure.problems.first ?? "")")
        let reduced = ReducedScenario(shrinking: failure, of: base, source: "Scenarios/faults/\(scenario).yaml")

        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("reduced-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("reduced.yaml").path
        let text = reduced.yaml(path: path)
        try text.write(toFile: path, atomically: true, encoding: .utf8)

        let header = text.split(separator: "\n").prefix { !$0.hasPrefix("name:") }
        #expect(header.allSatisfy { $0.hasPrefix("#") }, "a header line is not a comment")
        #expect(header.contains { $0.contains("It fails on rule \(rule):") })
        #expect(reduced.regressionEntry(path: "regressions/\(reduced.regressionName)").contains("  rule: \(rule)"))

        // `binoculars check`: the file loads, and to the reduced configuration.
        let loaded = try ScenarioLoader.loadVariants(path: path)
        try #require(loaded.count == 1)
        var expected = reduced.outcome.configuration
        expected.defect = nil
        #expect(loaded[0].configuration == expected)

        // `binoculars run reduced.yaml --defect …`: the file's own seed, no swarm.
        let printedRun = reduced.runCommand(path: path)
        #expect(header.contains { $0 == "# Run: \(printedRun)" })
        #expect(printedRun == "binoculars run \(path) --defect \(defect.rawValue)")
        var configuration = loaded[0].configuration
        configuration.defect = defect
        let run = Explorer.run(configuration, seed: configuration.seed, swarm: false)
        #expect(!run.passed)
        #expect(run.rule == rule, "\(run.problems.first ?? "it passed")")
        #expect(run.events <= failure.events)

        // The printed replay, read as `binoculars replay` reads its arguments.
        let printedReplay = reduced.replayCommand(path: path)
        #expect(header.contains { $0 == "# Replay: \(printedReplay)" })
        let replay = try Self.arguments(of: printedReplay, command: "replay", file: path)
        var replayed = try ScenarioLoader.loadVariants(path: path)[0].configuration
        let replayedDefect: Defect = try #require(replay.defect)
        replayed.defect = replayedDefect
        let again = Explorer.run(replayed, seed: try #require(replay.seed), swarm: replay.swarm)
        #expect(!again.passed)
        #expect(again.rule == rule, "\(again.problems.first ?? "it passed")")
        #expect(again.events <= failure.events)
    }

    /// The seed, defect and swarm flag of a printed command, after checking that it names `command` and `file`.
    static func arguments(of printed: String, command: String, file: String) throws -> (seed: UInt64?, defect: Defect?, swarm: Bool) {
        let words = printed.split(separator: " ").map(String.init)
        try #require(words.count >= 3 && words[0] == "binoculars" && words[1] == command && words[2] == file, "\(printed)")
        func value(_ option: String) -> String? { words.firstIndex(of: option).flatMap { $0 + 1 < words.count ? words[$0 + 1] : nil } }
        return (value("--seed").flatMap { UInt64($0) }, value("--defect").flatMap { Defect(rawValue: $0) }, words.contains("--swarm"))
    }
}
