import MonitoringEngine

/// Measurement: what the run records, from outside what it measures — the metrics and the current reporting
/// interval, agent occupancy, the lock history as the clients saw it, the lock observer watching the engine's events
/// and deliveries, and the engine invariants found broken. Nothing a behaviour decides is read from here, but for the
/// contention injected on purpose, which aims its racing stops at the session the observer sees.
struct Measurement: Sendable {
    var observer: LockObserver
    /// The sessions the last command ended, as the observer saw them; kept to reuse its storage.
    var endedSessions: [(LockObserver.ActiveSession, ConversationID, EndReason, Instant)] = []
    var history: History
    var metrics = RunMetrics()
    var interval = IntervalMetrics(startSeconds: 0)
    var invariantViolations: [String] = []
    var invariantViolationCount = 0
    /// Wall-clock time spent in the engine, when the world has a wall clock.
    var engineWallNanoseconds: UInt64 = 0
    // Occupancy: capacity in use and agents present, integrated over time into the interval.
    var lastIntegration = Instant.zero
    var busyAgentUnits = 0.0
    var presentAgents = 0
    /// Times an agent was found holding more conversations than their capacity, or fewer than none: routing's own
    /// check of itself, which tests read; 0 in a correct world.
    var agentCapacityBreaches = 0

    init(observer: LockObserver, history: History) {
        self.observer = observer
        self.history = history
    }

    /// Counts engine invariants found broken, keeping the first hundred in words.
    mutating func recordViolations(_ found: [String]) {
        invariantViolationCount += found.count
        invariantViolations += found.prefix(max(0, 100 - invariantViolations.count))
    }

    /// Integrates agent occupancy up to `now` (called before every change of it).
    mutating func integrateOccupancy(to now: Instant) {
        let seconds = (now - lastIntegration).seconds
        if seconds > 0 {
            interval.busyAgentSeconds += busyAgentUnits * seconds
            interval.staffedAgentSeconds += Double(presentAgents) * seconds
        }
        lastIntegration = now
    }
}
