import MonitoringEngine

/// Whether a history of monitor-lock operations is linearizable, conversation by
/// conversation. Deterministic: equal histories give equal reports (no wall-clock time).
public struct LinearizabilityReport: Sendable, Hashable, CustomStringConvertible {
    /// One verdict per conversation, in order of conversation id.
    public var conversations: [ConversationCheck]
    /// History lines read.
    public var recordCount: Int
    /// The step budget each conversation's search had.
    public var budgetPerConversation: Int

    public var linearizableCount: Int { conversations.count(where: { $0.verdict == .linearizable }) }
    public var notLinearizableCount: Int { conversations.count(where: { $0.verdict.explanation != nil }) }
    public var unknownCount: Int { conversations.count(where: { $0.verdict == .unknown }) }
    public var invalidCount: Int { conversations.count(where: { $0.verdict.invalidHistory != nil }) }
    /// Paired operations, and among them those that constrain the lock.
    public var operationCount: Int { conversations.reduce(0) { $0 + $1.operationCount } }
    public var checkedOperationCount: Int { conversations.reduce(0) { $0 + $1.checkedOperationCount } }
    public var ambiguousPairingCount: Int { conversations.reduce(0) { $0 + $1.ambiguousPairingCount } }

    /// Every conversation was shown linearizable: none failed, none ran out of budget, none was malformed.
    public var isLinearizable: Bool { conversations.allSatisfy { $0.verdict == .linearizable } }

    /// The conversations that are not shown linearizable.
    public var failures: [ConversationCheck] { conversations.filter { $0.verdict != .linearizable } }

    public var description: String {
        var text = "Linearizability of the monitor lock: \(conversations.count) conversations, "
        text += "\(linearizableCount) linearizable, \(notLinearizableCount) not linearizable, "
        text += "\(unknownCount) unknown (step budget \(budgetPerConversation)), \(invalidCount) malformed; "
        text += "\(recordCount) history lines, \(operationCount) operations, \(checkedOperationCount) constraining the lock, "
        text += "\(ambiguousPairingCount) with an ambiguous pairing\n"
        for failure in failures { text += failure.description }
        return text
    }
}

/// The verdict on one conversation.
public struct ConversationCheck: Sendable, Hashable, CustomStringConvertible {
    public var conversation: ConversationID
    /// Paired operations.
    public var operationCount: Int
    /// Operations that constrain the lock (eligibility refusals and renewals of unknown
    /// outcome constrain nothing and are left out).
    public var checkedOperationCount: Int
    public var ambiguousPairingCount: Int
    /// Search steps the verdict took (deterministic).
    public var searchSteps: Int
    public var verdict: LinearizabilityVerdict

    public var description: String {
        switch verdict {
        case .linearizable:
            return "\(conversation): linearizable\n"
        case .unknown:
            return "\(conversation): unknown, the search used its budget of \(searchSteps) steps\n"
        case .invalidHistory(let message):
            return "\(conversation): malformed history: \(message)\n"
        case .notLinearizable(let explanation):
            return "\(conversation): not linearizable (\(explanation.rule))\n" + explanation.description
        }
    }
}

/// Linearizable, not (with why), unknown (the step budget ran out) or malformed.
public enum LinearizabilityVerdict: Sendable, Hashable {
    case linearizable
    case notLinearizable(NonLinearizableExplanation)
    /// The search reached its step budget: neither shown linearizable nor shown not.
    case unknown
    /// The records cannot be read as operations (a completion without an invocation, a
    /// stop without a token…).
    case invalidHistory(String)

    public var explanation: NonLinearizableExplanation? {
        if case .notLinearizable(let explanation) = self { return explanation }
        return nil
    }

    public var invalidHistory: String? {
        if case .invalidHistory(let message) = self { return message }
        return nil
    }
}

/// Why an operation could not take effect in a state, with the rule that says so.
public struct LockRefusal: Sendable, Hashable, CustomStringConvertible {
    public struct Reason: Sendable, Hashable {
        /// A rule id of `docs/rules.md`, e.g. `M8`.
        public var rule: String
        public var text: String
    }

    /// Its position in `NonLinearizableExplanation.operations`.
    public var operation: Int
    public var reason: Reason

    public var description: String { "\(reason.rule) \(reason.text)" }
}

/// A minimal witness that a conversation's history is not linearizable.
public struct NonLinearizableExplanation: Sendable, Hashable, CustomStringConvertible {
    /// The shortest prefix of the conversation's history, in time, that is already not
    /// linearizable: its operations that constrain the lock, by invocation. An operation
    /// whose completion lies beyond the prefix is pending in it (a pending renewal, which
    /// could change nothing, is left out).
    public var operations: [PairedLockOperation]
    /// The furthest order found in which operations could take effect (positions in
    /// `operations`): the most operations of known outcome, then the fewest of unknown…
    public var linearized: [Int]
    /// …the state it leads to…
    public var state: LockModelState
    /// …and the operation that had to take effect next, before its completion, but could not.
    public var blocked: Int?
    /// Every operation that could not take effect in `state`, the blocked one first.
    public var refusals: [LockRefusal]

    /// The rule the blocked operation breaks in `state`.
    public var rule: String { refusals.first?.reason.rule ?? "?" }

    public var description: String {
        var text = "  shortest prefix that is not linearizable, \(operations.count) operations "
        text += "(invoked..completed, process, type, f, token, reason):\n"
        for operation in operations { text += "    \(operation)\n" }
        let order = linearized.map { "#\(operations[$0].invocationIndex)" }.joined(separator: ", ")
        text += linearized.isEmpty ? "  with none of them taking effect" : "  after \(order) take effect"
        text += ", the lock is \(state), and nothing can take effect next:\n"
        for refusal in refusals {
            let operation = operations[refusal.operation]
            let deadline = refusal.operation == blocked ? " by \(operation.completedAt.map(exactSeconds) ?? "?")" : ""
            text += "    #\(operation.invocationIndex) \(operation.function.rawValue) \(operation.completion?.rawValue ?? "pending")"
            text += " by process \(operation.process)\(deadline): \(refusal)\n"
        }
        return text
    }
}
