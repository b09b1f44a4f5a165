import MonitoringEngine

/// What the node counts of the monitoring lock, from the engine's events: grants, refusals by reason, ends by
/// reason, and the sessions active now.
public struct NodeCounters: Sendable, Equatable {
    public private(set) var granted = 0
    public private(set) var resumed = 0
    /// Refusals of a start, by the refusal's code (`alreadyMonitored`, `supervisorNotAvailable`, …).
    public private(set) var refusedByCode: [String: Int] = [:]
    /// Ended sessions by end reason (`leaseExpired` is the lease expiries).
    public private(set) var endedByReason: [String: Int] = [:]
    public private(set) var activeSessions = 0

    mutating func count(_ events: [EventRecord]) {
        for record in events {
            switch record.event {
            case .monitoringStarted:
                granted += 1
                activeSessions += 1
            case .monitoringResumed:
                resumed += 1
            case .monitorDenied(_, _, let error):
                refusedByCode[error.code, default: 0] += 1
            case .monitoringEnded(_, _, let reason):
                endedByReason[reason.rawValue, default: 0] += 1
                activeSessions -= 1
            default:
                break
            }
        }
    }
}

/// The node's health and counters.
public struct NodeStatus: Sendable, Equatable {
    public var nodeID: String
    public var counters: NodeCounters
}
