import MonitoringEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Non-homogeneous Poisson arrivals whose rate is constant within each interval of a daily (or any) profile.
///
/// The profile starts at `origin`; interval i covers [origin + i·length, origin + (i+1)·length). Arrivals are
/// exact, by inverting the cumulative intensity, not by thinning, so a zero-rate interval never sees one.
public struct ArrivalProcess: Sendable, Hashable {
    /// What the rate is after the last interval of the profile.
    public enum Continuation: Sendable, Hashable {
        /// The profile starts again, as a day follows a day.
        case repeatsProfile
        /// The rate stays at the last interval's rate forever.
        case holdsLastRate
        /// The rate is zero: no arrival after the profile ends.
        case stops
    }

    /// Why a rate profile cannot describe arrivals.
    public enum ProfileError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The profile has no interval.
        case noInterval
        /// The interval length is not positive.
        case intervalLengthNotPositive(TimeSpan)
        /// The rate of the interval at `index` is negative or not finite.
        case invalidRate(index: Int, ratePerHour: Double)

        /// The explanation a scenario author reads.
        public var description: String {
            switch self {
            case .noInterval:
                "an arrival profile needs at least one interval"
            case .intervalLengthNotPositive(let length):
                "the arrival profile's interval length must be positive, not \(length)"
            case .invalidRate(let index, let ratePerHour):
                "the arrival rate of interval \(index) must be non-negative and finite, not \(ratePerHour) per hour"
            }
        }
    }

    /// Arrivals per hour in each consecutive interval.
    public let ratesPerHour: [Double]
    /// The length of every interval.
    public let intervalLength: TimeSpan
    /// The instant the first interval starts; no arrival comes before it.
    public let origin: Instant
    /// What the rate is after the last interval.
    public let continuation: Continuation

    /// The expected number of arrivals in each interval (rate × length): the cumulative intensity it adds.
    let intensities: [Double]
    /// The expected number of arrivals in one pass over the whole profile.
    let profileIntensity: Double

    /// A process with this profile; throws when a rate is negative or the profile is empty.
    public init(
        ratesPerHour: [Double], intervalLength: TimeSpan, origin: Instant = .zero, continuation: Continuation
    ) throws(ProfileError) {
        guard !ratesPerHour.isEmpty else { throw .noInterval }
        guard intervalLength.nanoseconds > 0 else { throw .intervalLengthNotPositive(intervalLength) }
        if let index = ratesPerHour.firstIndex(where: { !($0 >= 0 && $0.isFinite) }) {
            throw .invalidRate(index: index, ratePerHour: ratesPerHour[index])
        }
        self.ratesPerHour = ratesPerHour
        self.intervalLength = intervalLength
        self.origin = origin
        self.continuation = continuation
        let hours = intervalLength.seconds / 3_600
        intensities = ratesPerHour.map { $0 * hours }
        profileIntensity = intensities.reduce(0, +)
    }

    /// The first arrival after `instant` (at it, when two arrivals fall in one nanosecond), or nil when the
    /// rate is zero from there on or the arrival lies beyond the range of `Instant`.
    ///
    /// Draws E ~ Exp(1) and walks the intervals from `instant`, subtracting each one's remaining intensity,
    /// until E fits. A repeating profile skips whole passes at each profile boundary, so the walk covers at
    /// most three passes over the profile whatever the rates.
    public func nextArrival<Generator: RandomNumberGenerator>(
        after instant: Instant, using generator: inout Generator
    ) -> Instant? {
        var remaining = Distribution.standardExponential(using: &generator)
        let length = intervalLength.nanoseconds
        let offset = max(0, instant.nanoseconds - origin.nanoseconds)
        var interval = offset / length
        var positionNanoseconds = offset % length
        let count = Int64(ratesPerHour.count)
        // One pass to the first profile boundary, one in which E fits, and one more should rounding leave a sliver.
        for _ in 0..<(3 * count + 1) {
            guard let profileIndex = profileIndex(of: interval) else { return nil }
            let ratePerNanosecond = ratesPerHour[profileIndex] / 3.6e12
            let isLastForever = continuation == .holdsLastRate && profileIndex == ratesPerHour.count - 1
            if isLastForever && ratePerNanosecond == 0 { return nil }
            let available =
                positionNanoseconds == 0
                ? intensities[profileIndex] : ratePerNanosecond * Double(length - positionNanoseconds)
            if ratePerNanosecond > 0 && (remaining <= available || isLastForever) {
                var withinNanoseconds = Double(positionNanoseconds) + remaining / ratePerNanosecond
                if !isLastForever {
                    // `available` and the rate round differently; keep the arrival inside the interval it fits in.
                    withinNanoseconds = min(withinNanoseconds, Double(length - 1))
                }
                return arrivalInstant(interval: interval, plusNanoseconds: withinNanoseconds)
            }
            remaining -= available
            interval += 1
            positionNanoseconds = 0
            if continuation == .repeatsProfile && interval % count == 0 {
                guard profileIntensity > 0 else { return nil }
                let wholePasses = (remaining / profileIntensity).rounded(.down)
                remaining = max(0, remaining - wholePasses * profileIntensity)
                guard let skipped = Int64(exactly: wholePasses * Double(count)) else { return nil }
                let (skippedTo, overflow) = interval.addingReportingOverflow(skipped)
                guard !overflow else { return nil }
                interval = skippedTo
            }
        }
        preconditionFailure("the arrival walk passed its bound of three passes over the profile")
    }

    /// The index into `ratesPerHour` that governs interval `interval`, or nil after the end of a stopping profile.
    private func profileIndex(of interval: Int64) -> Int? {
        let count = Int64(ratesPerHour.count)
        switch continuation {
        case .repeatsProfile: return Int(interval % count)
        case .holdsLastRate: return Int(min(interval, count - 1))
        case .stops: return interval < count ? Int(interval) : nil
        }
    }

    /// The instant `nanoseconds` into interval `interval`, to the nearest nanosecond, or nil beyond `Instant`'s range.
    private func arrivalInstant(interval: Int64, plusNanoseconds nanoseconds: Double) -> Instant? {
        let (intervalStart, multiplyOverflow) = interval.multipliedReportingOverflow(by: intervalLength.nanoseconds)
        let (start, addOverflow) = origin.nanoseconds.addingReportingOverflow(intervalStart)
        guard !multiplyOverflow, !addOverflow, let within = Int64(exactly: nanoseconds.rounded()) else { return nil }
        let (result, overflow) = start.addingReportingOverflow(within)
        return overflow ? nil : Instant(nanoseconds: result)
    }
}
