#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A probability distribution of a real quantity (a duration in seconds, a count, a ratio) that a scenario names.
///
/// A value only describes the distribution; `sample(using:)` draws from it with a generator the caller owns,
/// so the same stream and the same distribution always give the same draws.
public enum Distribution: Sendable, Hashable {
    /// Always `value`.
    case constant(Double)
    /// Uniform between `minimum` (inclusive) and `maximum` (exclusive).
    case uniform(minimum: Double, maximum: Double)
    /// Exponential with the given mean.
    case exponential(mean: Double)
    /// Normal (Gaussian); it can draw negative values, which the caller clamps where they make no sense.
    case normal(mean: Double, standardDeviation: Double)
    /// Log-normal: `exp(mu + sigma·Z)` with `Z` standard normal.
    case lognormal(mu: Double, sigma: Double)
    /// Gamma with the given shape (k) and scale (θ); its mean is k·θ.
    case gamma(shape: Double, scale: Double)
    /// Erlang: the sum of `phases` exponential phases whose total has the given mean.
    case erlang(phases: Int, mean: Double)
    /// One of the values, each drawn with probability proportional to its weight.
    case weightedDiscrete([WeightedValue])
    /// One of the observed values, each equally likely (a bootstrap: no value outside those observed is drawn).
    case empirical([Double])

    /// A value of a discrete distribution and its relative weight.
    public struct WeightedValue: Sendable, Hashable {
        /// The value drawn.
        public var value: Double
        /// The relative weight, non-negative; weights need not sum to one.
        public var weight: Double

        /// A value with its weight.
        public init(value: Double, weight: Double) {
            self.value = value
            self.weight = weight
        }
    }

    /// Why a log-normal cannot have a given mean and 95th percentile.
    public enum LognormalFitError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The mean or the 95th percentile is not a positive finite number.
        case notPositive
        /// The 95th percentile is not above the mean; a log-normal's always is.
        case percentile95NotAboveMean
        /// The 95th percentile is more than `maximumRatio` times the mean, which no log-normal reaches.
        case percentile95TooFarAboveMean(maximumRatio: Double)

        /// The explanation a scenario author reads.
        public var description: String {
            switch self {
            case .notPositive:
                "a log-normal needs a positive, finite mean and 95th percentile"
            case .percentile95NotAboveMean:
                "a log-normal's 95th percentile must be above its mean"
            case .percentile95TooFarAboveMean(let maximumRatio):
                "a log-normal's 95th percentile cannot exceed \(maximumRatio) times its mean"
            }
        }
    }

    /// The standard normal's 95th percentile.
    static let standardNormalPercentile95 = 1.6448536269514722

    /// The log-normal with this mean and 95th percentile, as call-centre handle times are usually described.
    ///
    /// Solves ln(p95) = mu + z·sigma and ln(mean) = mu + sigma²/2 with z = 1.6448536, taking the smaller root
    /// of sigma²/2 − z·sigma + ln(p95/mean) = 0 (the larger describes a distribution whose mass sits far below
    /// its mean). A solution exists only when mean < p95 ≤ e^(z²/2)·mean ≈ 3.87·mean.
    public static func lognormal(mean: Double, percentile95: Double) throws(LognormalFitError) -> Distribution {
        guard mean > 0, percentile95 > 0, mean.isFinite, percentile95.isFinite else { throw .notPositive }
        guard percentile95 > mean else { throw .percentile95NotAboveMean }
        let z = standardNormalPercentile95
        let logRatio = log(percentile95) - log(mean)
        let discriminant = z * z - 2 * logRatio
        guard discriminant >= 0 else { throw .percentile95TooFarAboveMean(maximumRatio: exp(z * z / 2)) }
        let sigma = z - discriminant.squareRoot()
        return .lognormal(mu: log(percentile95) - z * sigma, sigma: sigma)
    }

    /// The analytic mean; meaningful only for valid parameters (`validationError == nil`).
    public var mean: Double {
        switch self {
        case .constant(let value):
            value
        case .uniform(let minimum, let maximum):
            (minimum + maximum) / 2
        case .exponential(let mean), .normal(let mean, _), .erlang(_, let mean):
            mean
        case .lognormal(let mu, let sigma):
            exp(mu + sigma * sigma / 2)
        case .gamma(let shape, let scale):
            shape * scale
        case .weightedDiscrete(let values):
            values.reduce(0) { $0 + $1.value * $1.weight } / values.reduce(0) { $0 + $1.weight }
        case .empirical(let values):
            values.reduce(0, +) / Double(values.count)
        }
    }

    /// What is wrong with the parameters, for the scenario parser to report, or nil when they are valid.
    public var validationError: String? {
        switch self {
        case .constant(let value):
            value.isFinite ? nil : "constant: the value must be finite"
        case .uniform(let minimum, let maximum):
            if !minimum.isFinite || !maximum.isFinite {
                "uniform: minimum and maximum must be finite"
            } else if minimum > maximum {
                "uniform: minimum \(minimum) is greater than maximum \(maximum)"
            } else {
                nil
            }
        case .exponential(let mean):
            mean > 0 && mean.isFinite ? nil : "exponential: the mean must be positive and finite, not \(mean)"
        case .normal(let mean, let standardDeviation):
            if !mean.isFinite || !standardDeviation.isFinite {
                "normal: mean and standard deviation must be finite"
            } else if standardDeviation < 0 {
                "normal: the standard deviation must not be negative, not \(standardDeviation)"
            } else {
                nil
            }
        case .lognormal(let mu, let sigma):
            if !mu.isFinite || !sigma.isFinite {
                "lognormal: mu and sigma must be finite"
            } else if sigma < 0 {
                "lognormal: sigma must not be negative, not \(sigma)"
            } else {
                nil
            }
        case .gamma(let shape, let scale):
            shape > 0 && scale > 0 && shape.isFinite && scale.isFinite
                ? nil : "gamma: shape and scale must be positive and finite, not \(shape) and \(scale)"
        case .erlang(let phases, let mean):
            if phases < 1 {
                "erlang: there must be at least one phase, not \(phases)"
            } else if !(mean > 0 && mean.isFinite) {
                "erlang: the mean must be positive and finite, not \(mean)"
            } else {
                nil
            }
        case .weightedDiscrete(let values):
            Self.weightsError(values)
        case .empirical(let values):
            if values.isEmpty {
                "empirical: there must be at least one observed value"
            } else if !values.allSatisfy(\.isFinite) {
                "empirical: every observed value must be finite"
            } else {
                nil
            }
        }
    }

    /// What is wrong with the values and weights of a discrete distribution, or nil.
    private static func weightsError(_ values: [WeightedValue]) -> String? {
        if values.isEmpty {
            return "weightedDiscrete: there must be at least one value"
        }
        if !values.allSatisfy({ $0.value.isFinite }) {
            return "weightedDiscrete: every value must be finite"
        }
        if !values.allSatisfy({ $0.weight >= 0 && $0.weight.isFinite }) {
            return "weightedDiscrete: every weight must be non-negative and finite"
        }
        if !(values.reduce(0) { $0 + $1.weight } > 0) {
            return "weightedDiscrete: at least one weight must be positive"
        }
        return nil
    }
}
