import Simulation
import Testing

/// A distribution under test, with its analytic standard deviation where the test checks one.
struct DistributionCase: Sendable, CustomTestStringConvertible {
    let label: String
    let distribution: Distribution
    let standardDeviation: Double?

    var testDescription: String { label }

    static let all: [DistributionCase] = [
        DistributionCase(label: "constant 3.5", distribution: .constant(3.5), standardDeviation: 0),
        DistributionCase(
            label: "uniform 2–8", distribution: .uniform(minimum: 2, maximum: 8), standardDeviation: 6 / 12.squareRoot()),
        DistributionCase(label: "exponential mean 180", distribution: .exponential(mean: 180), standardDeviation: 180),
        DistributionCase(
            label: "normal 100 ± 15", distribution: .normal(mean: 100, standardDeviation: 15), standardDeviation: 15),
        DistributionCase(
            label: "standard normal", distribution: .normal(mean: 0, standardDeviation: 1), standardDeviation: 1),
        DistributionCase(label: "lognormal mu 5 sigma 0.5", distribution: .lognormal(mu: 5, sigma: 0.5), standardDeviation: nil),
        DistributionCase(
            label: "lognormal mean 300 p95 700", distribution: try! .lognormal(mean: 300, percentile95: 700),
            standardDeviation: nil),
        DistributionCase(
            label: "gamma shape 2.5 scale 40", distribution: .gamma(shape: 2.5, scale: 40),
            standardDeviation: 2.5.squareRoot() * 40),
        DistributionCase(
            label: "gamma shape 0.4 scale 10 (boosted)", distribution: .gamma(shape: 0.4, scale: 10),
            standardDeviation: 0.4.squareRoot() * 10),
        DistributionCase(
            label: "erlang 3 phases mean 120", distribution: .erlang(phases: 3, mean: 120),
            standardDeviation: 120 / 3.squareRoot()),
        DistributionCase(
            label: "weighted discrete",
            distribution: .weightedDiscrete([
                .init(value: 10, weight: 1), .init(value: 20, weight: 0), .init(value: 50, weight: 3),
            ]),
            standardDeviation: (0.25 * 30 * 30 + 0.75 * 10 * 10).squareRoot()),
        DistributionCase(
            label: "empirical", distribution: .empirical([3, 1, 4, 1, 5, 9, 2, 6]), standardDeviation: nil),
    ]
}

@Suite("Kernel distributions")
struct KernelDistributionTests {
    static let sampleCount = 200_000

    @Test("the sample mean of 200 000 draws matches the analytic mean", arguments: DistributionCase.all)
    func sampleMeanMatches(_ testCase: DistributionCase) {
        #expect(testCase.distribution.validationError == nil)
        var generator = RandomStreams(rootSeed: 2_024).stream(named: testCase.label)
        var sum = 0.0
        var sumOfSquares = 0.0
        for _ in 0..<Self.sampleCount {
            let value = testCase.distribution.sample(using: &generator)
            sum += value
            sumOfSquares += value * value
        }
        let count = Double(Self.sampleCount)
        let sampleMean = sum / count
        let sampleVariance = max(0, (sumOfSquares - count * sampleMean * sampleMean) / (count - 1))
        let sampleStandardDeviation = sampleVariance.squareRoot()
        let mean = testCase.distribution.mean
        let standardError = sampleStandardDeviation / count.squareRoot()
        let deviation = abs(sampleMean - mean)
        #expect(
            deviation <= 0.01 * abs(mean) || deviation <= 3 * standardError,
            "mean \(sampleMean), expected \(mean) ± \(3 * standardError)")
        if let standardDeviation = testCase.standardDeviation {
            #expect(
                abs(sampleStandardDeviation - standardDeviation) <= 0.02 * standardDeviation + 1e-12,
                "standard deviation \(sampleStandardDeviation), expected \(standardDeviation)")
        }
    }

    @Test("a log-normal fitted to a mean and a 95th percentile has both")
    func lognormalFit() throws {
        let distribution = try Distribution.lognormal(mean: 300, percentile95: 700)
        #expect(abs(distribution.mean - 300) < 1e-9)
        var generator = RandomStreams(rootSeed: 2_024).stream(named: "lognormal percentile")
        var samples = (0..<Self.sampleCount).map { _ in distribution.sample(using: &generator) }
        samples.sort()
        let percentile95 = samples[Int(0.95 * Double(Self.sampleCount))]
        #expect(abs(percentile95 - 700) <= 0.02 * 700, "empirical 95th percentile \(percentile95)")
    }

    @Test("a log-normal fit is refused when no log-normal has that mean and 95th percentile")
    func lognormalFitRefused() {
        #expect(throws: Distribution.LognormalFitError.percentile95NotAboveMean) {
            try Distribution.lognormal(mean: 300, percentile95: 300)
        }
        #expect(throws: Distribution.LognormalFitError.notPositive) {
            try Distribution.lognormal(mean: -1, percentile95: 300)
        }
        do {
            _ = try Distribution.lognormal(mean: 100, percentile95: 500)
            Issue.record("a 95th percentile five times the mean was accepted")
        } catch {
            guard case .percentile95TooFarAboveMean(let maximumRatio) = error else {
                Issue.record("unexpected error \(error)")
                return
            }
            #expect(abs(maximumRatio - 3.8680) < 1e-3)
        }
    }

    @Test("a value of zero weight is never drawn")
    func zeroWeightNeverDrawn() {
        let distribution = Distribution.weightedDiscrete([
            .init(value: 0, weight: 0), .init(value: 1, weight: 2), .init(value: 2, weight: 0),
            .init(value: 3, weight: 1), .init(value: 4, weight: 0),
        ])
        var generator = Xoshiro256StarStar(seed: 5)
        let drawn = Set((0..<10_000).map { _ in distribution.sample(using: &generator) })
        #expect(drawn == [1, 3])
    }

    @Test("empirical draws only observed values")
    func empiricalDrawsObserved() {
        var generator = Xoshiro256StarStar(seed: 5)
        let drawn = Set((0..<10_000).map { _ in Distribution.empirical([2, 7, 7, 11]).sample(using: &generator) })
        #expect(drawn == [2, 7, 11])
    }

    @Test(
        "invalid parameters are explained, valid ones are not",
        arguments: [
            (Distribution.constant(.nan), true),
            (.uniform(minimum: 5, maximum: 1), true),
            (.uniform(minimum: 1, maximum: 1), false),
            (.exponential(mean: -3), true),
            (.exponential(mean: 0), true),
            (.normal(mean: 1, standardDeviation: -1), true),
            (.lognormal(mu: 1, sigma: -0.5), true),
            (.lognormal(mu: .infinity, sigma: 0.5), true),
            (.gamma(shape: 0, scale: 1), true),
            (.gamma(shape: 1, scale: -1), true),
            (.erlang(phases: 0, mean: 10), true),
            (.erlang(phases: 2, mean: -10), true),
            (.weightedDiscrete([]), true),
            (.weightedDiscrete([.init(value: 1, weight: -1), .init(value: 2, weight: 3)]), true),
            (.weightedDiscrete([.init(value: 1, weight: 0)]), true),
            (.weightedDiscrete([.init(value: 1, weight: 0), .init(value: 2, weight: 1)]), false),
            (.empirical([]), true),
            (.empirical([1, .infinity]), true),
            (.empirical([1]), false),
        ])
    func validation(_ distribution: Distribution, isInvalid: Bool) {
        #expect((distribution.validationError != nil) == isInvalid, "\(distribution): \(distribution.validationError ?? "valid")")
    }
}
