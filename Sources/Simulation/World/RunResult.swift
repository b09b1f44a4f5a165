import MonitoringEngine

/// One kind of client-observed outcome, as `RunMetrics` counts it: a value, so that counting an answer builds no
/// string (the engine's error codes are the case names it returns as literals).
enum OutcomeKind: Hashable, Sendable {
    /// Answered with success; a start says whether it granted a session or resumed the supervisor's own.
    case succeeded(OperationFunction, StartSuccess?)
    /// Answered with a refusal, by the engine's error code.
    case refused(OperationFunction, code: String)
    /// Never answered within the client's time-out.
    case timedOut(OperationFunction)
    /// A simulated node crashed.
    case nodeCrash

    /// How a start succeeded.
    enum StartSuccess: String, Hashable, Sendable {
        case granted, resumed
    }

    /// The name in `summary.json`: `start.ok.granted`, `stop.ok`, `start.fail.alreadyMonitored`, `stop.timeout`, `cluster.nodeCrash`.
    var name: String {
        switch self {
        case .succeeded(let function, let start): "\(function.rawValue).ok" + (start.map { ".\($0.rawValue)" } ?? "")
        case .refused(let function, let code): "\(function.rawValue).fail.\(code)"
        case .timedOut(let function): "\(function.rawValue).timeout"
        case .nodeCrash: "cluster.nodeCrash"
        }
    }
}

/// What a run measures as it goes.
public struct RunMetrics: Sendable {
    public var startLatency = LatencyRecorder()
    public var stopLatency = LatencyRecorder()
    public var renewLatency = LatencyRecorder()
    /// From a session's start to a supervisor's console showing it (M26).
    public var staleness = LatencyRecorder()
    /// The same four, for the current reporting interval only; emptied when it closes.
    var intervalStart = LatencyRecorder.coarse()
    var intervalStop = LatencyRecorder.coarse()
    var intervalRenew = LatencyRecorder.coarse()
    var intervalStaleness = LatencyRecorder.coarse()
    /// Client-observed outcomes answered after warm-up, counted by kind; their names are made only when read.
    var outcomeCounts: [OutcomeKind: Int] = [:]
    /// Client-observed outcomes answered after warm-up, by name: e.g. `start.ok.granted`, `start.fail.alreadyMonitored`,
    /// `stop.timeout`, `cluster.nodeCrash`.
    public var outcomes: [String: Int] {
        Dictionary(outcomeCounts.map { ($0.key.name, $0.value) }, uniquingKeysWith: +)
    }
    /// Session ends after warm-up by reason (M17, M18).
    public var endsByReason: [String: Int] = [:]
    /// Automatic ends after warm-up only (M18).
    public var automaticEnds: [String: Int] = [:]
    /// Length of the sessions that ended after warm-up, seconds.
    public var monitoredSeconds = 0.0
    public var intervals: [IntervalMetrics] = []

    mutating func count(_ kind: OutcomeKind) { outcomeCounts[kind, default: 0] += 1 }

    /// Records in place: going through `subscript(latency:)` would copy a histogram's counts on every call.
    mutating func recordLatency(_ function: OperationFunction, _ span: TimeSpan) {
        switch function {
        case .start, .end:
            startLatency.record(span)
            intervalStart.record(span)
        case .stop:
            stopLatency.record(span)
            intervalStop.record(span)
        case .renew:
            renewLatency.record(span)
            intervalRenew.record(span)
        }
    }

    mutating func recordStaleness(_ span: TimeSpan) {
        staleness.record(span)
        intervalStaleness.record(span)
    }

    /// The current interval's latencies; empties their recorders for the next interval.
    mutating func closeIntervalLatency() -> IntervalLatency {
        defer {
            intervalStart.reset()
            intervalStop.reset()
            intervalRenew.reset()
            intervalStaleness.reset()
        }
        return IntervalLatency(
            start: intervalStart.summary, stop: intervalStop.summary, renew: intervalRenew.summary, staleness: intervalStaleness.summary)
    }
}

/// Everything a run produced.
public struct RunResult: Sendable {
    public var summary: RunSummary
    public var history: History
    public var intervals: [IntervalMetrics]
    /// Each latency at a ladder of percentiles (`LatencyRecorder.distributionPercentiles`), by operation.
    public var latencyDistribution: [String: [LatencyPoint]]
    public var timing: RunTiming
}

/// The deterministic summary of a run: `summary.json`.
public struct RunSummary: Sendable, Hashable, Codable {
    public var scenario: String
    public var seed: UInt64
    public var simulatedSeconds: Double
    public var warmUpSeconds: Double
    public var stopReason: String
    public var events: Int
    public var engineCommands: Int
    public var conversations: Int
    public var agents: Int
    public var supervisors: Int
    public var latencyMilliseconds: [String: LatencySummary]
    public var stalenessMilliseconds: LatencySummary
    /// What supervisors' requests answered after warm-up came to (`history.jsonl` holds the whole run).
    public var outcomes: [String: Int]
    /// Session ends after warm-up, by reason.
    public var endsByReason: [String: Int]
    public var automaticEnds: [String: Int]
    public var contentionRate: Double
    public var monitoredSeconds: Double
    public var kpis: KPISummary
    public var invariants: InvariantSummary
    public var historyOperations: Int
    public var historyTruncated: Bool
}

/// The contact-centre KPIs over the customers who arrived after warm-up.
///
/// A ratio whose denominator is zero (nobody offered, nobody answered, no agent staffed) is nil, written `null`
/// in `summary.json`: a centre with nobody to answer has no service level, not a perfect one.
public struct KPISummary: Sendable, Hashable, Codable {
    /// Customers who arrived after warm-up.
    public var offered: Int
    /// Of them, customers connected to an agent.
    public var answered: Int
    /// Of them, customers answered within `serviceLevelThresholdSeconds`.
    public var answeredWithinThreshold: Int
    /// Of them, customers who gave up while queued.
    public var abandoned: Int
    /// Of the abandoned, those who gave up sooner than `shortAbandonThresholdSeconds`.
    public var abandonedShort: Int
    /// Answered within the threshold ÷ (offered − short abandons).
    public var serviceLevel: Double?
    /// Answered within the threshold ÷ answered: blind to everyone who gave up, kept under its own name.
    public var serviceLevelOfAnswered: Double?
    public var serviceLevelThresholdSeconds: Double
    public var shortAbandonThresholdSeconds: Double
    /// Arrivals not offered to an agent at once ÷ arrivals (Erlang C's and Erlang A's P(wait)).
    public var probabilityOfWaiting: Double?
    /// Mean wait of answered customers, seconds.
    public var averageSpeedOfAnswerSeconds: Double?
    /// Abandoned ÷ offered.
    public var abandonmentRate: Double?
    /// Agent capacity in use ÷ capacity staffed, over time.
    public var occupancy: Double?
    public var monitorAttempts: Int
    public var monitorGrants: Int
    public var concurrentMonitoredMaximum: Int

    public init(
        offered: Int, answered: Int, answeredWithinThreshold: Int, abandoned: Int, abandonedShort: Int, serviceLevel: Double?,
        serviceLevelOfAnswered: Double?, serviceLevelThresholdSeconds: Double, shortAbandonThresholdSeconds: Double,
        probabilityOfWaiting: Double?, averageSpeedOfAnswerSeconds: Double?, abandonmentRate: Double?, occupancy: Double?,
        monitorAttempts: Int, monitorGrants: Int, concurrentMonitoredMaximum: Int
    ) {
        self.offered = offered
        self.answered = answered
        self.answeredWithinThreshold = answeredWithinThreshold
        self.abandoned = abandoned
        self.abandonedShort = abandonedShort
        self.serviceLevel = serviceLevel
        self.serviceLevelOfAnswered = serviceLevelOfAnswered
        self.serviceLevelThresholdSeconds = serviceLevelThresholdSeconds
        self.shortAbandonThresholdSeconds = shortAbandonThresholdSeconds
        self.probabilityOfWaiting = probabilityOfWaiting
        self.averageSpeedOfAnswerSeconds = averageSpeedOfAnswerSeconds
        self.abandonmentRate = abandonmentRate
        self.occupancy = occupancy
        self.monitorAttempts = monitorAttempts
        self.monitorGrants = monitorGrants
        self.concurrentMonitoredMaximum = concurrentMonitoredMaximum
    }

    private enum CodingKeys: String, CodingKey {
        case offered, answered, answeredWithinThreshold, abandoned, abandonedShort, serviceLevel, serviceLevelOfAnswered
        case serviceLevelThresholdSeconds, shortAbandonThresholdSeconds, probabilityOfWaiting, averageSpeedOfAnswerSeconds
        case abandonmentRate, occupancy, monitorAttempts, monitorGrants, concurrentMonitoredMaximum
    }

    /// Every key always, an absent ratio as `null`, so a reader of `summary.json` sees the figure exists.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(offered, forKey: .offered)
        try container.encode(answered, forKey: .answered)
        try container.encode(answeredWithinThreshold, forKey: .answeredWithinThreshold)
        try container.encode(abandoned, forKey: .abandoned)
        try container.encode(abandonedShort, forKey: .abandonedShort)
        try container.encode(serviceLevel, forKey: .serviceLevel)
        try container.encode(serviceLevelOfAnswered, forKey: .serviceLevelOfAnswered)
        try container.encode(serviceLevelThresholdSeconds, forKey: .serviceLevelThresholdSeconds)
        try container.encode(shortAbandonThresholdSeconds, forKey: .shortAbandonThresholdSeconds)
        try container.encode(probabilityOfWaiting, forKey: .probabilityOfWaiting)
        try container.encode(averageSpeedOfAnswerSeconds, forKey: .averageSpeedOfAnswerSeconds)
        try container.encode(abandonmentRate, forKey: .abandonmentRate)
        try container.encode(occupancy, forKey: .occupancy)
        try container.encode(monitorAttempts, forKey: .monitorAttempts)
        try container.encode(monitorGrants, forKey: .monitorGrants)
        try container.encode(concurrentMonitoredMaximum, forKey: .concurrentMonitoredMaximum)
    }
}

public struct InvariantSummary: Sendable, Hashable, Codable {
    /// Every check held: the engine's invariants, the lock observer, and linearizability.
    public var held: Bool
    public var engineViolations: Int
    public var observerViolations: Int
    /// Conversations whose lock history is not linearizable (or is malformed).
    public var nonLinearizableConversations: Int
    /// Conversations the checker could not decide within its step budget.
    public var undecidedConversations: Int
    /// The first violations found, with rule ids.
    public var examples: [String]
}

/// Wall-clock figures of a run: `timing.json`, kept apart so deterministic outputs stay identical.
public struct RunTiming: Sendable, Hashable, Codable {
    public var wallSeconds: Double
    public var eventsPerSecond: Double
    public var engineCommandsPerSecond: Double
    public var engineNanosecondsPerCommand: Double
    /// Wall time of the linearizability check of the run's history.
    public var checkerSeconds: Double
    public var historyOperations: Int
    public var peakResidentBytes: Int
    /// The malloc the process ran with: "system", or "jemalloc" when it was preloaded (`LD_PRELOAD`) or linked.
    public var allocator = "system"
}

extension World {
    func result() -> RunResult {
        let measured = measurement.metrics.intervals
        let customers = measured.reduce(CustomerFigures()) { $0 + $1.customers }
        let busy = measured.reduce(0.0) { $0 + $1.busyAgentSeconds }
        let staffed = measured.reduce(0.0) { $0 + $1.staffedAgentSeconds }
        let attempts = measured.reduce(0) { $0 + $1.monitorAttempts }
        let refused = measured.reduce(0) { $0 + $1.monitorRefusedAlreadyMonitored }
        let kpis = KPISummary(
            offered: customers.offered, answered: customers.answered, answeredWithinThreshold: customers.answeredWithinThreshold,
            abandoned: customers.abandoned, abandonedShort: customers.abandonedShort,
            serviceLevel: customers.serviceLevel.map(rounded), serviceLevelOfAnswered: customers.serviceLevelOfAnswered.map(rounded),
            serviceLevelThresholdSeconds: configuration.serviceLevelThreshold.seconds,
            shortAbandonThresholdSeconds: configuration.shortAbandonThreshold.seconds,
            probabilityOfWaiting: customers.probabilityOfWaiting.map(rounded),
            averageSpeedOfAnswerSeconds: customers.averageSpeedOfAnswerSeconds.map(rounded),
            abandonmentRate: customers.abandonmentRate.map(rounded), occupancy: staffed == 0 ? nil : rounded(busy / staffed),
            monitorAttempts: attempts, monitorGrants: measured.reduce(0) { $0 + $1.monitorGrants },
            concurrentMonitoredMaximum: measured.map(\.concurrentMonitoredMaximum).max() ?? 0)
        let checkStarted = wallClock?() ?? 0
        let linearizability = LockHistoryChecker.check(
            records: measurement.history.operations.map { LockHistoryRecord($0, operationID: $0.request) }, concurrently: false)
        let checkerSeconds = Double((wallClock?() ?? 0) &- checkStarted) / 1e9
        let nonLinearizable = linearizability.notLinearizableCount + linearizability.invalidCount
        let invariants = InvariantSummary(
            held: measurement.invariantViolationCount == 0 && measurement.observer.violationCount == 0 && nonLinearizable == 0,
            engineViolations: measurement.invariantViolationCount, observerViolations: measurement.observer.violationCount,
            nonLinearizableConversations: nonLinearizable, undecidedConversations: linearizability.unknownCount,
            examples: Array(
                (measurement.invariantViolations + measurement.observer.violations + linearizability.failures.prefix(3).map { "\($0)" }).prefix(20)))
        let summary = RunSummary(
            scenario: configuration.name, seed: configuration.seed, simulatedSeconds: (now - Instant.zero).seconds,
            warmUpSeconds: configuration.warmUp.seconds, stopReason: stopReason.rawValue, events: eventsProcessed,
            engineCommands: engineCommands, conversations: routing.conversations.count, agents: routing.agents.count,
            supervisors: supervision.supervisors.count,
            latencyMilliseconds: [
                "start": measurement.metrics.startLatency.summary, "stop": measurement.metrics.stopLatency.summary,
                "renew": measurement.metrics.renewLatency.summary,
            ],
            stalenessMilliseconds: measurement.metrics.staleness.summary, outcomes: measurement.metrics.outcomes,
            endsByReason: measurement.metrics.endsByReason,
            automaticEnds: measurement.metrics.automaticEnds.filter { $0.value > 0 },
            contentionRate: attempts == 0 ? 0 : rounded(Double(refused) / Double(attempts)),
            monitoredSeconds: rounded(measurement.metrics.monitoredSeconds), kpis: kpis, invariants: invariants,
            historyOperations: measurement.history.operations.count, historyTruncated: measurement.history.droppedCount > 0)
        return RunResult(
            summary: summary, history: measurement.history, intervals: measurement.metrics.intervals,
            latencyDistribution: [
                "start": measurement.metrics.startLatency.distribution, "stop": measurement.metrics.stopLatency.distribution,
                "renew": measurement.metrics.renewLatency.distribution, "staleness": measurement.metrics.staleness.distribution,
            ],
            timing: RunTiming(
                wallSeconds: 0, eventsPerSecond: 0, engineCommandsPerSecond: 0,
                engineNanosecondsPerCommand: engineCommands == 0 ? 0 : Double(measurement.engineWallNanoseconds) / Double(engineCommands),
                checkerSeconds: checkerSeconds, historyOperations: measurement.history.operations.count, peakResidentBytes: 0))
    }

    private func rounded(_ value: Double) -> Double { (value * 1e6).rounded() / 1e6 }
}
