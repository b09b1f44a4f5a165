import Foundation
import MonitoringEngine
import Scenario
import Simulation
import Testing

/// A shipped fault scenario, shortened so that a debug build explores it quickly.
func faultScenario(_ name: String) throws -> WorldConfiguration {
    let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios/faults/\(name).yaml").standardized
        .path
    var configuration = try ScenarioLoader.load(path: path).configuration
    configuration.duration = .seconds(900)
    return configuration
}

/// Which fault scenario is meant to expose each broken variant.
let variantScenarios: [(Defect, String)] = [
    (.startFromStaleReadModel, "node-crash-stampede"),
    (.stopByConversation, "partition-stop-races"),
    (.leaseByNodeClock, "skewed-clocks-vanishing"),
    (.keepSessionsWhenOffline, "skewed-clocks-vanishing"),
    (.startWithoutIdempotency, "partition-stop-races"),
    (.tellAgentAboutMonitor, "node-crash-stampede"),
]

/// The seeds every exploration test uses: the real engine must pass them all, every broken
/// variant must fail one of them.
let explorationSeeds: Range<UInt64> = 1..<17

@Suite("Exploration: the checks catch broken variants and pass the real engine")
struct ExplorationTests {
    @Test(
        "M8 M11 M12 the real engine passes every fault scenario on the exploration seeds",
        arguments: ["node-crash-stampede", "skewed-clocks-vanishing", "partition-stop-races"])
    func realEnginePasses(scenario: String) throws {
        let exploration = Explorer.exploration(try faultScenario(scenario), seeds: explorationSeeds, jobs: 2)
        let (failure, explored) = (exploration.failure, exploration.explored.count)
        #expect(failure == nil, "\(failure.map { "seed \($0.seed): \($0.problems.prefix(3))" } ?? "")")
        #expect(explored == explorationSeeds.count)
    }

    @Test("Every deliberately broken variant is caught within the exploration seeds", arguments: variantScenarios.map(\.0))
    func variantCaught(defect: Defect) throws {
        let scenario = variantScenarios.first { $0.0 == defect }!.1
        var configuration = try faultScenario(scenario)
        configuration.defect = defect
        let failure = Explorer.exploration(configuration, seeds: explorationSeeds, jobs: 2).failure
        let verdict = try #require(failure, "\(defect) was not caught by \(scenario) within seeds \(explorationSeeds)")
        #expect(!verdict.problems.isEmpty)
    }

    @Test("A failing seed replays bit for bit: the same history, summary and problems")
    func failingSeedReplays() throws {
        var configuration = try faultScenario("partition-stop-races")
        configuration.defect = .stopByConversation
        let failure = Explorer.exploration(configuration, seeds: explorationSeeds, jobs: 2).failure
        let first = try #require(failure)
        let again = Explorer.run(configuration, seed: first.seed)
        #expect(!again.passed)
        #expect(again.problems == first.problems)
        #expect(again.result.summary == first.result.summary)
        #expect(again.result.history.operations == first.result.history.operations)
        #expect(again.kept == first.kept)
    }

    @Test("Shrinking keeps the failure, on the same rule, and makes the run smaller")
    func shrinking() throws {
        var configuration = try faultScenario("skewed-clocks-vanishing")
        configuration.defect = .keepSessionsWhenOffline
        let found = Explorer.exploration(configuration, seeds: explorationSeeds, jobs: 2).failure
        let failure = try #require(found)
        let swarmed = Swarm.configuration(configuration, seed: failure.seed).0
        let outcome = Shrinker.shrink(swarmed, seed: failure.seed, failing: failure, maximumAttempts: 30)
        #expect(!outcome.verdict.passed)
        #expect(outcome.verdict.rule != nil && outcome.verdict.rule == failure.rule)
        #expect(!outcome.steps.isEmpty)
        #expect(outcome.verdict.events < failure.events)
        #expect(!Explorer.run(outcome.configuration, seed: failure.seed, swarm: false).passed)
    }

    @Test("A problem's rule is the rule id it names: first for an invariant or the observer, in parentheses for linearizability")
    func ruleOfProblem() {
        #expect(Explorer.rule(of: "M18 supervisor-3: went offline and kept monitoring") == "M18")
        #expect(Explorer.rule(of: "M8 conversation-4: session 2 granted while 1 of supervisor-1 is active") == "M8")
        #expect(Explorer.rule(of: "conversation-23: not linearizable (M11)\n  shortest prefix that is not linearizable") == "M11")
        #expect(Explorer.rule(of: "conversation-23: unknown, the search used its budget of 100 steps\n") == nil)
        #expect(Explorer.rule(of: "run stopped early: maximumEvents") == nil)
        #expect(Explorer.rule(of: "Messages: 3") == nil)
    }

    @Test("Swarm selection is a function of the seed and keeps only knobs the file sets")
    func swarm() throws {
        let base = try faultScenario("node-crash-stampede")
        let (one, keptOne) = Swarm.configuration(base, seed: 5)
        let (two, keptTwo) = Swarm.configuration(base, seed: 5)
        #expect(one == two && keptOne == keptTwo)
        #expect(!keptOne.contains("partitions"), "the file sets no partitions")
        let kinds = Set((1...40).map { Swarm.configuration(base, seed: $0).kept })
        #expect(kinds.count > 10, "seeds should draw many different subsets of faults")
    }
}
