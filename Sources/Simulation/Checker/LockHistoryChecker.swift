import Dispatch
import MonitoringEngine

/// Checks a history of monitor-lock operations, as clients saw them, against the sequential
/// model of the lock (`LockModelState`): is there an order of the operations, each taking
/// effect at one instant between its invocation and its completion, that the model accepts?
///
/// The lock of one conversation is independent of every other's, so the history is split
/// by conversation and each part checked alone (P-compositionality), optionally in parallel;
/// the report keeps conversation order. Each conversation's search is bounded by a step
/// budget: reaching it is the verdict `unknown`, never a hang. Operations may overlap within
/// one client (a duplicate stop, a renewal during a stop); only real-time order counts: an
/// operation completed before another's invocation takes effect before it.
public struct LockHistoryChecker {
    /// Search steps a conversation may take: one step tries one entry of its list. A
    /// conversation found not linearizable is searched again on its prefixes, at most
    /// log2(2 × its operations) + 1 times more, each with the same budget.
    public static let defaultBudgetPerConversation = 250_000

    /// Checks a run's history (`RunResult.history.operations`).
    public static func check(
        _ operations: [HistoryOperation], budgetPerConversation: Int = defaultBudgetPerConversation
    ) -> LinearizabilityReport {
        check(records: operations.map { LockHistoryRecord($0, operationID: $0.request) }, budgetPerConversation: budgetPerConversation)
    }

    /// Checks history records, pairing by operation id where they carry one.
    public static func check(
        records: [LockHistoryRecord], budgetPerConversation: Int = defaultBudgetPerConversation, concurrently: Bool = true
    ) -> LinearizabilityReport {
        var byConversation: [ConversationID: [LockHistoryRecord]] = [:]
        for record in records { byConversation[record.conversation, default: []].append(record) }
        let parts = byConversation.sorted { $0.key < $1.key }
        var checks = [ConversationCheck?](repeating: nil, count: parts.count)
        if concurrently, parts.count > 1 {
            checks.withUnsafeMutableBufferPointer { buffer in
                nonisolated(unsafe) let slots = buffer
                // Each iteration writes its own slot only.
                DispatchQueue.concurrentPerform(iterations: parts.count) { position in
                    slots[position] = checkConversation(parts[position].key, parts[position].value, budget: budgetPerConversation)
                }
            }
        } else {
            for (position, part) in parts.enumerated() {
                checks[position] = checkConversation(part.key, part.value, budget: budgetPerConversation)
            }
        }
        return LinearizabilityReport(
            conversations: checks.map { $0! }, recordCount: records.count, budgetPerConversation: budgetPerConversation)
    }

    /// Checks one conversation's records, in history order.
    static func checkConversation(_ conversation: ConversationID, _ records: [LockHistoryRecord], budget: Int) -> ConversationCheck {
        var check = ConversationCheck(
            conversation: conversation, operationCount: 0, checkedOperationCount: 0, ambiguousPairingCount: 0, searchSteps: 0,
            verdict: .linearizable)
        let operations: [PairedLockOperation]
        do {
            operations = try LockHistoryPairing.pair(records)
        } catch {
            check.verdict = .invalidHistory(error.message)
            return check
        }
        // In the order the prefixes of `shortestFailingPrefix` list them, so that its longest
        // prefix is this very search.
        let constraining = operations.enumerated().filter { LockStep($1, source: 0) != nil }
            .sorted { ($0.element.invokedAt, $0.offset) < ($1.element.invokedAt, $1.offset) }.map(\.element)
        check.operationCount = operations.count
        check.checkedOperationCount = constraining.count
        check.ambiguousPairingCount = operations.count(where: \.pairingAmbiguous)
        var search = LinearizabilitySearch(constraining.enumerated().compactMap { LockStep($1, source: $0) })
        switch search.run(budget: budget, stepsTaken: &check.searchSteps) {
        case .linearizable: check.verdict = .linearizable
        case .budgetExhausted: check.verdict = .unknown
        case .notLinearizable: check.verdict = .notLinearizable(shortestFailingPrefix(of: constraining, budget: budget))
        }
        return check
    }

    /// The shortest prefix in time of a non-linearizable conversation that is already not
    /// linearizable, found by bisection over its invocations and completions.
    ///
    /// Bisection is sound because a prefix of a linearizable history is linearizable (an
    /// operation completed beyond the prefix is of unknown outcome within it). A prefix whose
    /// search runs out of budget counts as linearizable, so the prefix returned is always
    /// shown not linearizable.
    static func shortestFailingPrefix(of operations: [PairedLockOperation], budget: Int) -> NonLinearizableExplanation {
        var events: [(time: Instant, isCompletion: Bool, operation: Int)] = []
        for (position, operation) in operations.enumerated() {
            events.append((operation.invokedAt, false, position))
            if operation.isDetermined, let completedAt = operation.completedAt { events.append((completedAt, true, position)) }
        }
        events.sort { ($0.time, $0.isCompletion ? 1 : 0, $0.operation) < ($1.time, $1.isCompletion ? 1 : 0, $1.operation) }

        func prefix(_ length: Int) -> [PairedLockOperation] {
            let included = events[..<length]
            let completed = Set(included.lazy.filter(\.isCompletion).map(\.operation))
            return included.filter { !$0.isCompletion }.map { event in
                var operation = operations[event.operation]
                if operation.isDetermined, !completed.contains(event.operation) {
                    operation.completion = nil
                    operation.completedAt = nil
                    operation.completionIndex = nil
                    operation.reason = nil
                    if operation.function == .start { operation.token = nil }
                }
                return operation
            }.filter { LockStep($0, source: 0) != nil }
        }
        func search(_ operations: [PairedLockOperation]) -> LinearizabilitySearch.Verdict {
            var search = LinearizabilitySearch(operations.enumerated().compactMap { LockStep($1, source: $0) })
            var steps = 0
            return search.run(budget: budget, stepsTaken: &steps)
        }

        var linearizable = 0
        var failing = events.count
        while failing - linearizable > 1 {
            let middle = (linearizable + failing) / 2
            if case .notLinearizable = search(prefix(middle)) { failing = middle } else { linearizable = middle }
        }
        let witness = prefix(failing)
        guard case .notLinearizable(let deepest) = search(witness) else {
            preconditionFailure("the longest prefix is the search that failed, so bisection ends on a failing prefix")
        }
        var refused = deepest.refused.filter { $0 != deepest.blocking }
        if let blocking = deepest.blocking, deepest.refused.contains(blocking) { refused.insert(blocking, at: 0) }
        return NonLinearizableExplanation(
            operations: witness, linearized: deepest.linearized, state: deepest.state, blocked: deepest.blocking,
            refusals: refused.map { LockRefusal(operation: $0, reason: deepest.state.refusal(of: witness[$0])) })
    }
}
