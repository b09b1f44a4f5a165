import Foundation

/// A figure estimated from independent replications: their mean with a 95% confidence interval (Student's t).
public struct Estimate: Sendable, Hashable, Codable {
    public var mean: Double
    /// Half the width of the 95% confidence interval; 0 with fewer than two replications.
    public var halfWidth: Double
    public var standardDeviation: Double
    public var replications: Int
    public var minimum: Double
    public var maximum: Double

    public var low: Double { mean - halfWidth }
    public var high: Double { mean + halfWidth }

    public init(_ values: [Double]) {
        replications = values.count
        minimum = values.min() ?? 0
        maximum = values.max() ?? 0
        guard !values.isEmpty else {
            mean = 0
            halfWidth = 0
            standardDeviation = 0
            return
        }
        let count = Double(values.count)
        mean = values.reduce(0, +) / count
        guard values.count > 1 else {
            halfWidth = 0
            standardDeviation = 0
            return
        }
        let mean = self.mean
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
        standardDeviation = variance.squareRoot()
        halfWidth = Statistics.studentT975(degreesOfFreedom: values.count - 1) * standardDeviation / count.squareRoot()
    }

    /// The replications needed for the interval's half-width to be at most `relativePrecision` of the mean
    /// (Law and Kelton's sequential rule, with the variance estimated from these replications): the smallest
    /// n ≥ the replications made with t(n−1) · s / √n ≤ γ/(1+γ) · |mean|. Nil when the mean is 0 or there are
    /// fewer than two replications to estimate the variance from.
    public func replicationsNeeded(relativePrecision: Double) -> Int? {
        guard replications > 1, mean != 0, relativePrecision > 0 else { return nil }
        let target = relativePrecision / (1 + relativePrecision) * abs(mean)
        var n = replications
        while n < 1_000_000 {
            if Statistics.studentT975(degreesOfFreedom: n - 1) * standardDeviation / Double(n).squareRoot() <= target { return n }
            n += 1
        }
        return n
    }
}

public enum Statistics {
    /// Student's t at 0.975 for 1…30 degrees of freedom.
    private static let t975: [Double] = [
        12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131,
        2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
    ]

    /// The 0.975 quantile of Student's t: from the table up to 30 degrees of freedom, beyond by the
    /// Cornish–Fisher expansion around the normal quantile (error below 0.001 there).
    public static func studentT975(degreesOfFreedom: Int) -> Double {
        precondition(degreesOfFreedom >= 1, "Student's t needs at least one degree of freedom")
        if degreesOfFreedom <= t975.count { return t975[degreesOfFreedom - 1] }
        let z = 1.959964
        let n = Double(degreesOfFreedom)
        let z3 = z * z * z
        let z5 = z3 * z * z
        return z + (z3 + z) / (4 * n) + (5 * z5 + 16 * z3 + 3 * z) / (96 * n * n)
    }
}
