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
