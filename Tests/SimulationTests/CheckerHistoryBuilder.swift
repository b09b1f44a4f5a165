import MonitoringEngine
import Simulation

/// Writes lock histories by hand: each operation with its invocation and completion instants
/// (milliseconds), then the lines in time order as a recorder would write them.
struct CheckerHistoryBuilder {
    private struct Line {
        var time: Int64
        var order: Int
        var record: LockHistoryRecord
    }

    private var lines: [Line] = []
    var conversation = ConversationID(1)

    /// An operation invoked at `invoked` ms that completed as `type` at `completed` ms, or
    /// never (nil: still pending when the history ends).
    mutating func add(
        _ process: Int, _ function: OperationFunction, _ invoked: Int64, _ completed: Int64?, _ type: OperationType,
        token: UInt64? = nil, reason: String? = nil, operationID: Int? = nil
    ) {
        append(invoked, process, .invoke, function, token: function == .start ? nil : token, reason: nil, operationID: operationID)
        if let completed { append(completed, process, type, function, token: token, reason: reason, operationID: operationID) }
    }

    mutating func start(_ process: Int, _ invoked: Int64, _ completed: Int64?, granted token: UInt64) {
        add(process, .start, invoked, completed, .ok, token: token)
    }

    mutating func start(_ process: Int, _ invoked: Int64, _ completed: Int64?, refused reason: String) {
        add(process, .start, invoked, completed, .fail, reason: reason)
    }

    /// A start whose client timed out at `gaveUp`: it may or may not have happened.
    mutating func start(_ process: Int, _ invoked: Int64, timedOutAt gaveUp: Int64) {
        add(process, .start, invoked, gaveUp, .info, reason: "timeout")
    }

    mutating func stop(_ process: Int, token: UInt64, _ invoked: Int64, _ completed: Int64?, refused reason: String? = nil) {
        add(process, .stop, invoked, completed, reason == nil ? .ok : .fail, token: token, reason: reason)
    }

    mutating func renew(_ process: Int, token: UInt64, _ invoked: Int64, _ completed: Int64?, refused reason: String? = nil) {
        add(process, .renew, invoked, completed, reason == nil ? .ok : .fail, token: token, reason: reason)
    }

    /// An automatic end the engine reported at `instant` (M18).
    mutating func end(_ process: Int, token: UInt64, at instant: Int64, _ reason: String) {
        add(process, .end, instant, instant, .ok, token: token, reason: reason)
    }

    private mutating func append(
        _ time: Int64, _ process: Int, _ type: OperationType, _ function: OperationFunction, token: UInt64?, reason: String?,
        operationID: Int?
    ) {
        let record = LockHistoryRecord(
            index: 0, time: Instant(nanoseconds: time * 1_000_000), process: process, type: type, function: function,
            conversation: conversation, token: token, reason: reason, operationID: operationID)
        lines.append(Line(time: time, order: lines.count, record: record))
    }

    /// The history lines in time order (at one instant, in the order written), indexed.
    var records: [LockHistoryRecord] {
        lines.sorted { ($0.time, $0.order) < ($1.time, $1.order) }.enumerated().map { index, line in
            var record = line.record
            record.index = index
            return record
        }
    }

    func check(budget: Int = LockHistoryChecker.defaultBudgetPerConversation) -> LinearizabilityReport {
        LockHistoryChecker.check(records: records, budgetPerConversation: budget)
    }
}
