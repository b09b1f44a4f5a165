import MonitoringEngine

/// The kind of a history line, after Jepsen: an invocation, then how it completed.
public enum OperationType: String, Sendable, Hashable, Codable {
    case invoke
    /// It happened.
    case ok
    /// It definitely did not happen.
    case fail
    /// Unknown: the client timed out; it may or may not have happened.
    case info
}

/// The operation a history line is about.
public enum OperationFunction: String, Sendable, Hashable, Codable {
    case start, stop, renew
    /// An automatic end (M18), reported by the engine; its reason is in the value.
    case end
}

/// One line of `history.jsonl`: an operation as the client saw it.
public struct HistoryOperation: Sendable, Hashable {
    public var index: Int
    public var time: Instant
    /// The client: a supervisor's console session (its index in the world).
    public var process: Int
    public var type: OperationType
    public var function: OperationFunction
    public var conversation: ConversationID
    /// The session (fencing token), once known.
    public var token: UInt64?
    /// The chosen agent participant, for a start.
    public var agent: ParticipantID?
    /// Why it failed or ended.
    public var reason: String?
    /// The client request this line belongs to: an invocation and its completion share it.
    public var request: Int
    /// The supervisor whose request it is, when `process` is not the supervisor but one of its request streams (a
    /// live run's history, `History.separateProcesses`); the lock's owner is `supervisor ?? process`.
    public var supervisor: Int? = nil
}

/// The lock operations of a run, bounded; past the bound it counts what it dropped.
public struct History: Sendable {
    public let capacity: Int
    public private(set) var operations: [HistoryOperation] = []
    public private(set) var droppedCount = 0

    public init(capacity: Int) { self.capacity = capacity }

    mutating func append(
        _ time: Instant, process: Int, _ type: OperationType, _ function: OperationFunction, conversation: ConversationID,
        token: UInt64? = nil, agent: ParticipantID? = nil, reason: String? = nil, request: Int
    ) {
        guard operations.count < capacity else {
            droppedCount += 1
            return
        }
        operations.append(
            HistoryOperation(
                index: operations.count, time: time, process: process, type: type, function: function,
                conversation: conversation, token: token, agent: agent, reason: reason, request: request))
    }
}

extension History {
    /// Puts the lines in time order (a live run learns an automatic end after the store decided it) and gives each
    /// client request stream its own process, so that no process has two operations outstanding, as Jepsen-style
    /// checkers require: an invocation takes a free process of its supervisor's, its completion frees it, and a
    /// time-out (`info`) retires it, as Jepsen retires a crashed process. Pairing is by request, which stays; the
    /// supervisor, who owns the lock it takes, stays in `supervisor`.
    mutating func separateProcesses() {
        operations.sort { ($0.time, $0.index) < ($1.time, $1.index) }
        var free: [Int: [Int]] = [:]
        var holding: [Int: Int] = [:]
        var next = 0
        for position in operations.indices {
            let operation = operations[position]
            operations[position].index = position
            switch operation.type {
            case .invoke:
                let process: Int
                if let reused = free[operation.process]?.popLast() {
                    process = reused
                } else {
                    process = next
                    next += 1
                }
                holding[operation.request] = process
                operations[position].process = process
                operations[position].supervisor = operation.process
            case .ok, .fail, .info:
                guard let process = holding.removeValue(forKey: operation.request) else { continue }
                operations[position].process = process
                operations[position].supervisor = operation.process
                if operation.type != .info { free[operation.process, default: []].append(process) }
            }
        }
    }
}
