import Histogram
import MonitoringEngine

/// Latencies of one kind, in microseconds of virtual time, in an HdrHistogram (3 digits).
public struct LatencyRecorder: Sendable {
    var histogram = Histogram<UInt64>(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)

    public init() {}

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
public struct IntervalMetrics: Sendable, Hashable, Codable {
    public var startSeconds: Double
    /// Customers who arrived.
    public var offered = 0
    /// Customers connected to an agent.
    public var answered = 0
    public var answeredWithinThreshold = 0
    /// Customers offered to an agent the instant they arrived, without queueing (Erlang C's 1 − P(wait)).
    public var answeredWithoutWaiting = 0
    public var abandoned = 0
    /// Sum of the waits of answered customers, seconds.
    public var waitSecondsTotal = 0.0
    /// Agent capacity in use (conversations / capacity) integrated over time, agent-seconds.
    public var busyAgentSeconds = 0.0
    /// Agents present (on queue, or finishing conversations) integrated over time, agent-seconds.
    public var staffedAgentSeconds = 0.0
    public var monitorAttempts = 0
    public var monitorGrants = 0
    public var monitorRefusedAlreadyMonitored = 0
    public var monitoredSeconds = 0.0
    public var concurrentMonitoredMaximum = 0
    public var engineCommands = 0

    public init(startSeconds: Double) { self.startSeconds = startSeconds }

    /// Share of answered customers answered within the threshold; 1 when nobody was answered.
    public var serviceLevel: Double { answered == 0 ? 1 : Double(answeredWithinThreshold) / Double(answered) }
    /// Average speed of answer, seconds.
    public var averageSpeedOfAnswerSeconds: Double { answered == 0 ? 0 : waitSecondsTotal / Double(answered) }
    public var abandonmentRate: Double { offered == 0 ? 0 : Double(abandoned) / Double(offered) }
    public var occupancy: Double { staffedAgentSeconds == 0 ? 0 : busyAgentSeconds / staffedAgentSeconds }
}
