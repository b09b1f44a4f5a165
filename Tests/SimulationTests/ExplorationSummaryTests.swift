import Foundation
import MonitoringEngine
import Simulation
import Testing

@Suite("Exploration: what the explore summary counts")
struct ExplorationSummaryTests {
    @Test("An exploration names every failing seed of its last batch, the lowest first, and counts the seeds that passed")
    func countsFailedAndPassedSeeds() throws {
        var configuration = try faultScenario("partition-stop-races")
        configuration.defect = .stopByConversation
        let seeds: Range<UInt64> = 1..<9
        let exploration = Explorer.exploration(configuration, seeds: seeds, jobs: 2)
        let failure = try #require(exploration.failure)
        #expect(exploration.failedSeeds.first == failure.seed)
        #expect(exploration.failedSeeds == exploration.failedSeeds.sorted())
        #expect(exploration.explored.first == seeds.lowerBound)
        #expect(exploration.passed + exploration.failedSeeds.count == exploration.explored.count)
        for seed in exploration.explored {
            #expect(Explorer.run(configuration, seed: seed).passed == !exploration.failedSeeds.contains(seed), "seed \(seed)")
        }
    }

    @Test("An exploration where every check holds has no failing seed and every seed passed")
    func allPassed() throws {
        let exploration = Explorer.exploration(try faultScenario("partition-stop-races"), seeds: 1..<3, jobs: 2)
        #expect(exploration.failure == nil)
        #expect(exploration.failedSeeds.isEmpty)
        #expect(exploration.passed == 2)
    }
}
