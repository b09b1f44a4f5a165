#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

extension Distribution {
    /// How many rejections a rejection sampler tolerates before concluding that its generator is broken.
    ///
    /// With a working generator the polar method rejects with probability 1 − π/4 and Marsaglia–Tsang
    /// with less than 5 %, so reaching this limit means a stuck generator (a test stub returning zeros).
    static let rejectionAttemptsMaximum = 1_000

    /// One draw from the distribution, taking as many outputs of `generator` as the method needs.
    ///
    /// The parameters must be valid (`validationError == nil`); sampling invalid ones is a programmer error.
    public func sample<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Double {
        switch self {
        case .constant(let value):
            return value
        case .uniform(let minimum, let maximum):
            return minimum + (maximum - minimum) * generator.nextUnitInterval()
        case .exponential(let mean):
            return mean * Self.standardExponential(using: &generator)
        case .normal(let mean, let standardDeviation):
            return mean + standardDeviation * Self.standardNormal(using: &generator)
        case .lognormal(let mu, let sigma):
            return exp(mu + sigma * Self.standardNormal(using: &generator))
        case .gamma(let shape, let scale):
            return scale * Self.standardGamma(shape: shape, using: &generator)
        case .erlang(let phases, let mean):
            return mean / Double(phases) * Self.standardGamma(shape: Double(phases), using: &generator)
        case .weightedDiscrete(let values):
            return Self.weightedValue(values, using: &generator)
        case .empirical(let values):
            return values[generator.nextIndex(below: values.count)]
        }
    }

    /// An exponential draw with mean 1, by inversion; 1 − U lies in (0, 1], so the logarithm is finite.
    static func standardExponential<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Double {
        -log(1 - generator.nextUnitInterval())
    }

    /// A standard normal draw by Marsaglia's polar method, discarding the second value it makes.
    ///
    /// Keeping the spare would make a draw depend on the previous one through hidden state; discarding it
    /// costs one logarithm and one square root per draw.
    static func standardNormal<Generator: RandomNumberGenerator>(using generator: inout Generator) -> Double {
        for _ in 0..<rejectionAttemptsMaximum {
            let x = 2 * generator.nextUnitInterval() - 1
            let y = 2 * generator.nextUnitInterval() - 1
            let squaredRadius = x * x + y * y
            if squaredRadius < 1 && squaredRadius > 0 {
                return x * (-2 * log(squaredRadius) / squaredRadius).squareRoot()
            }
        }
        preconditionFailure("the polar method rejected \(rejectionAttemptsMaximum) pairs: the generator is broken")
    }

    /// A gamma draw with scale 1 by Marsaglia and Tsang (2000), boosting shapes below 1 by U^(1/shape).
    static func standardGamma<Generator: RandomNumberGenerator>(shape: Double, using generator: inout Generator) -> Double {
        if shape < 1 {
            let boost = pow(1 - generator.nextUnitInterval(), 1 / shape)
            return standardGamma(shape: shape + 1, using: &generator) * boost
        }
        let d = shape - 1.0 / 3.0
        let c = 1 / (9 * d).squareRoot()
        for _ in 0..<rejectionAttemptsMaximum {
            let x = standardNormal(using: &generator)
            let root = 1 + c * x
            guard root > 0 else { continue }
            let v = root * root * root
            let u = 1 - generator.nextUnitInterval()
            let xSquared = x * x
            if u < 1 - 0.0331 * xSquared * xSquared || log(u) < xSquared / 2 + d * (1 - v + log(v)) {
                return d * v
            }
        }
        preconditionFailure("Marsaglia–Tsang rejected \(rejectionAttemptsMaximum) draws: the generator is broken")
    }

    /// A value drawn with probability proportional to its weight, by a scan of the cumulative weights.
    static func weightedValue<Generator: RandomNumberGenerator>(
        _ values: [WeightedValue], using generator: inout Generator
    ) -> Double {
        let total = values.reduce(0) { $0 + $1.weight }
        let target = generator.nextUnitInterval() * total
        var cumulative = 0.0
        for entry in values {
            cumulative += entry.weight
            if target < cumulative { return entry.value }
        }
        // Rounding can leave the target at the very top; the last value with weight takes it.
        return values.last { $0.weight > 0 }!.value
    }
}
