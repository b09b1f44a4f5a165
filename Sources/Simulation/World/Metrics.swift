import Histogram
import MonitoringEngine

/// Latencies of one kind, in microseconds of virtual time, in an HdrHistogram (3 digits).
public struct LatencyRecorder: Sendable {
    var histogram: Histogram<UInt64>

    /// Up to an hour, to three significant digits.
    public init() {
        histogram = Histogram(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    /// Up to ten minutes, to two significant digits: small enough to keep one per reporting interval.
    static func coarse() -> LatencyRecorder {
        var recorder = LatencyRecorder()
        recorder.histogram = Histogram(highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .two)
        recorder.histogram.autoResize = true
        return recorder
    }

    mutating func reset() { histogram.reset() }

    /// Adds what `other` recorded, as if recorded here: replications' latencies pooled into one distribution.
    public mutating func add(_ other: LatencyRecorder) { histogram.add(other.histogram) }

    mutating func record(_ span: TimeSpan) {
        _ = histogram.record(UInt64(max(0, span.nanoseconds / 1_000)))
    }

    /// Percentiles in milliseconds.
    public var summary: LatencySummary {
        let count = Int(histogram.totalCount)
        func milliseconds(_ microseconds: UInt64) -> Double { count == 0 ? 0 : Double(microseconds) / 1_000 }
        return LatencySummary(
            count: count,
            p50: milliseconds(histogram.valueAtPercentile(50)), p90: milliseconds(histogram.valueAtPercentile(90)),
            p99: milliseconds(histogram.valueAtPercentile(99)), p999: milliseconds(histogram.valueAtPercentile(99.9)),
            max: milliseconds(histogram.max), mean: count == 0 ? 0 : (histogram.mean / 1_000 * 1_000).rounded() / 1_000)
    }

    /// `count` evenly spaced quantiles of what was recorded, in milliseconds (the (i + ½)/count-th, for i from 0):
    /// an empirical distribution of it. Empty when nothing was recorded.
    public func quantiles(_ count: Int) -> [Double] {
        guard histogram.totalCount > 0, count > 0 else { return [] }
        return (0..<count).map { index in
            Double(histogram.valueAtPercentile((Double(index) + 0.5) / Double(count) * 100)) / 1_000
        }
    }

    /// The percentiles at which `distribution` reads the latency: a ladder that climbs towards the tail.
    public static let distributionPercentiles: [Double] = [
        0, 10, 20, 30, 40, 50, 60, 70, 75, 80, 85, 90, 92.5, 95, 96, 97, 98, 99, 99.5, 99.7, 99.9, 99.95, 99.99, 100,
    ]

    /// The latency at each of `distributionPercentiles`, in milliseconds; empty when nothing was recorded.
    public var distribution: [LatencyPoint] {
        guard histogram.totalCount > 0 else { return [] }
        return Self.distributionPercentiles.map { percentile in
            let microseconds = percentile == 0 ? histogram.min : percentile == 100 ? histogram.max : histogram.valueAtPercentile(percentile)
            return LatencyPoint(percentile: percentile, milliseconds: Double(microseconds) / 1_000)
        }
    }
}

/// One point of a latency distribution: the latency at or below which `percentile` per cent of the operations fell.
public struct LatencyPoint: Sendable, Hashable, Codable {
    public var percentile: Double
    public var milliseconds: Double

    public init(percentile: Double, milliseconds: Double) {
        self.percentile = percentile
        self.milliseconds = milliseconds
    }
}

/// The latencies of one reporting interval, by operation, in milliseconds.
public struct IntervalLatency: Sendable, Hashable, Codable {
    public var start: LatencySummary
    public var stop: LatencySummary
    public var renew: LatencySummary
    /// From a session's start to a supervisor's console showing it (M26).
    public var staleness: LatencySummary
}

/// Percentiles of one latency, in milliseconds.
public struct LatencySummary: Sendable, Hashable, Codable {
    public var count: Int
    public var p50: Double
    public var p90: Double
    public var p99: Double
    public var p999: Double
    public var max: Double
    public var mean: Double
}

/// Contact-centre and monitoring figures for one reporting interval.
///
/// The customer figures (offered … waits) count the customers who arrived in the interval, whenever they were
/// answered or gave up, so that every ratio of an interval is over one set of customers.
public struct IntervalMetrics: Sendable, Hashable, Codable {
    public var startSeconds: Double
    /// The customers who arrived in the interval, and what came of them.
    public var customers = CustomerFigures()
    /// Agent capacity in use (conversations / capacity) integrated over time, agent-seconds.
    public var busyAgentSeconds = 0.0
    /// Agents present (on queue, or finishing conversations) integrated over time, agent-seconds.
    public var staffedAgentSeconds = 0.0
    public var monitorAttempts = 0
    public var monitorGrants = 0
    public var monitorRefusedAlreadyMonitored = 0
    public var monitoredSeconds = 0.0
    public var concurrentMonitoredMaximum = 0
    /// Commands applied by the engine (in a cluster, transactions at the store).
    public var engineCommands = 0
    /// Supervisors' requests that reached an engine node (repeats and retries included).
    public var nodeRequests = 0
    /// Latency percentiles of the operations answered in this interval.
    public var latency: IntervalLatency?

    public init(startSeconds: Double) { self.startSeconds = startSeconds }

    /// Share of staffed agent capacity in use; nil when no agent was staffed.
    public var occupancy: Double? { staffedAgentSeconds == 0 ? nil : busyAgentSeconds / staffedAgentSeconds }
}

/// A contact centre's customer counts over some span, and the standard KPIs over them.
///
/// Every ratio is over the customers offered in the span (or, for ASA and `serviceLevelOfAnswered`, those of them
/// answered), and is nil when its denominator is zero: a centre with nobody to answer has no service level, not a
/// perfect one.
public struct CustomerFigures: Sendable, Hashable, Codable {
    /// Customers who arrived.
    public var offered = 0
    /// Customers offered to an agent the instant they arrived, without queueing.
    public var offeredAtOnce = 0
    /// Customers connected to an agent.
    public var answered = 0
    public var answeredWithinThreshold = 0
    /// Customers who gave up while queued.
    public var abandoned = 0
    /// Customers who gave up sooner than the short-abandon threshold: left out of the service level.
    public var abandonedShort = 0
    /// Sum of the waits of answered customers, seconds.
    public var waitSecondsTotal = 0.0

    public init(
        offered: Int = 0, offeredAtOnce: Int = 0, answered: Int = 0, answeredWithinThreshold: Int = 0, abandoned: Int = 0,
        abandonedShort: Int = 0, waitSecondsTotal: Double = 0
    ) {
        self.offered = offered
        self.offeredAtOnce = offeredAtOnce
        self.answered = answered
        self.answeredWithinThreshold = answeredWithinThreshold
        self.abandoned = abandoned
        self.abandonedShort = abandonedShort
        self.waitSecondsTotal = waitSecondsTotal
    }

    /// Answered within the threshold ÷ (offered − short abandons).
    public var serviceLevel: Double? { Self.ratio(answeredWithinThreshold, offered - abandonedShort) }
    /// Answered within the threshold ÷ answered: the figure that ignores everyone who gave up.
    public var serviceLevelOfAnswered: Double? { Self.ratio(answeredWithinThreshold, answered) }
    /// Arrivals not offered to an agent at once ÷ arrivals.
    public var probabilityOfWaiting: Double? { Self.ratio(offered - offeredAtOnce, offered) }
    /// Average speed of answer over answered customers, seconds.
    public var averageSpeedOfAnswerSeconds: Double? { answered == 0 ? nil : waitSecondsTotal / Double(answered) }
    /// Abandoned ÷ offered.
    public var abandonmentRate: Double? { Self.ratio(abandoned, offered) }

    public static func + (lhs: CustomerFigures, rhs: CustomerFigures) -> CustomerFigures {
        CustomerFigures(
            offered: lhs.offered + rhs.offered, offeredAtOnce: lhs.offeredAtOnce + rhs.offeredAtOnce, answered: lhs.answered + rhs.answered,
            answeredWithinThreshold: lhs.answeredWithinThreshold + rhs.answeredWithinThreshold, abandoned: lhs.abandoned + rhs.abandoned,
            abandonedShort: lhs.abandonedShort + rhs.abandonedShort, waitSecondsTotal: lhs.waitSecondsTotal + rhs.waitSecondsTotal)
    }

    private static func ratio(_ numerator: Int, _ denominator: Int) -> Double? {
        denominator <= 0 ? nil : Double(numerator) / Double(denominator)
    }
}
