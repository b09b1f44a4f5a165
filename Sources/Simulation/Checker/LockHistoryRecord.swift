import MonitoringEngine

/// One history line as the linearizability checker reads it: the fields of a
/// `HistoryOperation`, and the id an invocation shares with its completion when the recorder
/// gives one.
public struct LockHistoryRecord: Sendable, Hashable {
    public var index: Int
    public var time: Instant
    /// The client: a supervisor's console session. A client may have several operations in flight.
    public var process: Int
    public var type: OperationType
    public var function: OperationFunction
    public var conversation: ConversationID
    /// The session's fencing token; on a start, only on its `ok`.
    public var token: UInt64?
    /// Why it failed or ended.
    public var reason: String?
    /// Shared by an invocation and its completion. When both carry one, pairing is exact;
    /// without it, see `PairedLockOperation` for the rule.
    public var operationID: Int?

    public init(
        index: Int, time: Instant, process: Int, type: OperationType, function: OperationFunction,
        conversation: ConversationID, token: UInt64? = nil, reason: String? = nil, operationID: Int? = nil
    ) {
        self.index = index
        self.time = time
        self.process = process
        self.type = type
        self.function = function
        self.conversation = conversation
        self.token = token
        self.reason = reason
        self.operationID = operationID
    }

    public init(_ operation: HistoryOperation, operationID: Int? = nil) {
        self.init(
            index: operation.index, time: operation.time, process: operation.supervisor ?? operation.process, type: operation.type,
            function: operation.function, conversation: operation.conversation, token: operation.token,
            reason: operation.reason, operationID: operationID)
    }
}

/// An invocation and its completion, paired.
///
/// Pairing rule. Records are read in history order, one conversation at a time. A completion
/// pairs with the invocation that has the same `operationID` when both carry one. Otherwise
/// it pairs with the earliest pending invocation of the same key — (process, function,
/// conversation, token), where a start's key has no token because its invocation has none —
/// first in, first out. While invocations of one key overlap, a completion cannot tell which
/// of them it answers if they were invoked at different instants; such a completion's
/// operation is checked from the earliest invocation of the overlapping group
/// (`pairingAmbiguous`). Widening an interval only allows more orders, so an ambiguous
/// pairing never raises a false alarm, at worst it hides a violation inside the overlap.
/// Invocations invoked at the same instant (a stop and its duplicate) are interchangeable
/// and not ambiguous.
public struct PairedLockOperation: Sendable, Hashable, CustomStringConvertible {
    /// The history index of the invocation.
    public var invocationIndex: Int
    /// The history index of the completion, when it was recorded.
    public var completionIndex: Int?
    /// The instant the checker lets the operation take effect from: the invocation's, or the
    /// earliest of an ambiguous group's.
    public var invokedAt: Instant
    /// The invocation's own instant.
    public var recordedInvokedAt: Instant
    /// When the client heard back (for `info`, when it gave up).
    public var completedAt: Instant?
    public var process: Int
    public var function: OperationFunction
    /// `ok`, `fail` or `info`; nil while pending (never completed, or beyond a prefix).
    public var completion: OperationType?
    public var token: UInt64?
    public var reason: String?
    /// Whether `invokedAt` was widened because the completion's invocation is ambiguous.
    public var pairingAmbiguous: Bool

    /// Whether the checker knows the outcome: ok or fail. Info and pending operations may
    /// take effect at any single point after their invocation, or never.
    public var isDetermined: Bool { completion == .ok || completion == .fail }

    /// `#index invoked..completed process p type f token t reason r`, times in exact seconds.
    public var description: String {
        let until = completedAt.map(exactSeconds) ?? "pending"
        var text = "#\(invocationIndex) \(exactSeconds(invokedAt))..\(until) process \(process)"
        text += " \(completion?.rawValue ?? "pending") \(function.rawValue)"
        text += " token " + (token.map { String($0) } ?? "-")
        text += " reason " + (reason ?? "-")
        if pairingAmbiguous {
            text += " (ambiguous pairing: checked from the earliest overlapping invocation;"
            text += " paired in order with the one at \(exactSeconds(recordedInvokedAt)))"
        }
        return text
    }
}

/// A history that cannot be read as operations: the checker's input was malformed.
struct InvalidHistory: Error, Sendable {
    var message: String
}

/// Seconds with all nine decimals, so that instants a nanosecond apart print apart.
func exactSeconds(_ instant: Instant) -> String {
    let sign = instant.nanoseconds < 0 ? "-" : ""
    let magnitude = instant.nanoseconds.magnitude
    let fraction = String(magnitude % 1_000_000_000)
    return sign + String(magnitude / 1_000_000_000) + "." + String(repeating: "0", count: 9 - fraction.count) + fraction + "s"
}

/// Pairs one conversation's invocations with their completions (rule on `PairedLockOperation`).
struct LockHistoryPairing {
    private struct Key: Hashable {
        var process: Int
        var function: OperationFunction
        /// Nil for a start: its invocation carries none.
        var token: UInt64?

        init(_ record: LockHistoryRecord) {
            process = record.process
            function = record.function
            token = record.function == .start ? nil : record.token
        }
    }

    /// The invocations of one key that overlap in time, oldest first.
    private struct Group {
        var pending: [Int] = []
        var earliest = Instant.zero
        var ambiguous = false
    }

    private var paired: [PairedLockOperation] = []
    private var groups: [Key: Group] = [:]
    private var pendingByID: [Int: Int] = [:]

    /// The operations, in order of invocation; those never completed are pending.
    static func pair(_ records: [LockHistoryRecord]) throws(InvalidHistory) -> [PairedLockOperation] {
        var pairing = LockHistoryPairing()
        pairing.paired.reserveCapacity(records.count / 2 + 1)
        for record in records {
            guard record.function == .start || record.token != nil else {
                throw InvalidHistory(message: "#\(record.index) \(record.function.rawValue) carries no token")
            }
            if record.type == .invoke { try pairing.invoke(record) } else { try pairing.complete(record) }
        }
        return pairing.paired
    }

    private mutating func invoke(_ record: LockHistoryRecord) throws(InvalidHistory) {
        let position = paired.count
        paired.append(
            PairedLockOperation(
                invocationIndex: record.index, completionIndex: nil, invokedAt: record.time, recordedInvokedAt: record.time,
                completedAt: nil, process: record.process, function: record.function, completion: nil, token: record.token,
                reason: record.reason, pairingAmbiguous: false))
        if let id = record.operationID {
            guard pendingByID.updateValue(position, forKey: id) == nil else {
                throw InvalidHistory(message: "#\(record.index) reuses operation id \(id) of a pending invocation")
            }
            return
        }
        let key = Key(record)
        var group = groups[key] ?? Group()
        if group.pending.isEmpty {
            group.earliest = record.time
            group.ambiguous = false
        } else if paired[group.pending[0]].recordedInvokedAt != record.time {
            group.ambiguous = true
        }
        group.pending.append(position)
        groups[key] = group
    }

    private mutating func complete(_ record: LockHistoryRecord) throws(InvalidHistory) {
        if record.function == .start, record.type == .ok, record.token == nil {
            throw InvalidHistory(message: "#\(record.index) start ok carries no token")
        }
        let (position, widenedTo) = try invocation(of: record)
        guard record.time >= paired[position].recordedInvokedAt else {
            throw InvalidHistory(message: "#\(record.index) completes #\(paired[position].invocationIndex) before its invocation")
        }
        if let widenedTo {
            paired[position].invokedAt = widenedTo
            paired[position].pairingAmbiguous = true
        }
        paired[position].completionIndex = record.index
        paired[position].completedAt = record.time
        paired[position].completion = record.type
        paired[position].token = record.token ?? paired[position].token
        paired[position].reason = record.reason
    }

    /// The pending invocation a completion answers, and the instant to check it from when
    /// that is ambiguous.
    private mutating func invocation(of record: LockHistoryRecord) throws(InvalidHistory) -> (position: Int, widenedTo: Instant?) {
        if let id = record.operationID, let position = pendingByID.removeValue(forKey: id) {
            let invocation = paired[position]
            guard invocation.process == record.process, invocation.function == record.function,
                record.function == .start || invocation.token == record.token
            else {
                throw InvalidHistory(
                    message: "#\(record.index) completes operation id \(id) of another operation (#\(invocation.invocationIndex))")
            }
            return (position, nil)
        }
        let key = Key(record)
        guard var group = groups[key], !group.pending.isEmpty else {
            throw InvalidHistory(
                message: "#\(record.index) \(record.type.rawValue) \(record.function.rawValue) by process \(record.process) "
                    + "has no pending invocation")
        }
        let position = group.pending.removeFirst()
        groups[key] = group
        return (position, group.ambiguous ? group.earliest : nil)
    }
}
