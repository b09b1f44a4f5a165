import Foundation
import Reports
import Simulation
import Testing

@Suite("Replication statistics")
struct StatisticsTests {
    @Test("Student's t at 0.975 matches the tables, and tends to the normal quantile")
    func studentT() {
        #expect(Statistics.studentT975(degreesOfFreedom: 1) == 12.706)
        #expect(Statistics.studentT975(degreesOfFreedom: 4) == 2.776)
        #expect(Statistics.studentT975(degreesOfFreedom: 30) == 2.042)
        #expect(abs(Statistics.studentT975(degreesOfFreedom: 40) - 2.021) < 0.001)
        #expect(abs(Statistics.studentT975(degreesOfFreedom: 120) - 1.980) < 0.001)
        #expect(abs(Statistics.studentT975(degreesOfFreedom: 100_000) - 1.960) < 0.001)
    }

    @Test("An estimate is the mean with a t-based 95% half-width")
    func estimate() {
        let estimate = Estimate([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(estimate.mean == 5)
        #expect(abs(estimate.standardDeviation - 2.138090) < 1e-6)
        #expect(abs(estimate.halfWidth - 2.365 * 2.138090 / 8.squareRoot()) < 1e-6)
        #expect(Estimate([3]).halfWidth == 0)
        #expect(Estimate([3]).replicationsNeeded(relativePrecision: 0.05) == nil)
    }

    @Test("95% intervals over 5 replications cover the true mean about 95% of the time")
    func coverage() {
        var random = Xoshiro256StarStar(seed: 7)
        let trials = 4_000
        var covered = 0
        for _ in 0..<trials {
            // Exponential samples with mean 10: skewed, as latency percentiles are.
            let values = (0..<5).map { _ in -10 * log(1 - random.nextUnitInterval()) }
            let estimate = Estimate(values)
            if estimate.low <= 10, 10 <= estimate.high { covered += 1 }
        }
        let share = Double(covered) / Double(trials)
        // Skewed data under-cover a little with n = 5; a wrong t (or z) would give about 0.80–0.88.
        #expect(share > 0.88 && share < 0.97, "coverage \(share)")
    }

    @Test("The replications needed reach the requested precision, and no fewer would")
    func replicationsNeeded() throws {
        let values: [Double] = [100, 120, 90, 110, 95]
        let estimate = Estimate(values)
        let needed = try #require(estimate.replicationsNeeded(relativePrecision: 0.02))
        let target = 0.02 / 1.02 * estimate.mean
        func halfWidth(_ n: Int) -> Double { Statistics.studentT975(degreesOfFreedom: n - 1) * estimate.standardDeviation / Double(n).squareRoot() }
        #expect(halfWidth(needed) <= target)
        #expect(halfWidth(needed - 1) > target)
        #expect(estimate.replicationsNeeded(relativePrecision: 0.5) == 5, "already precise enough: the replications made")
    }
}
