/// The sequential model of one conversation's monitor lock: a mutex with fencing tokens,
/// idempotent re-start and automatic ends (M8, M10, M11, M12, M17, M18, M19).
public struct LockModelState: Sendable, Hashable, CustomStringConvertible {
    /// The session that holds the lock.
    public struct Holder: Sendable, Hashable {
        public var process: Int
        public var token: UInt64

        public init(process: Int, token: UInt64) {
            self.process = process
            self.token = token
        }
    }

    public internal(set) var holder: Holder?
    /// `owners[t - 1]` is the process granted token `t`; tokens are consecutive from 1.
    public internal(set) var owners: [Int] = []

    /// The token the next grant issues; a refusal consumes none.
    public var nextToken: UInt64 { UInt64(owners.count) + 1 }

    public init() {}

    public var description: String {
        let lock = holder.map { "held by process \($0.process) with token \($0.token)" } ?? "free"
        return "\(lock), next token \(nextToken)"
    }

    func wasIssued(_ token: UInt64) -> Bool { token >= 1 && token < nextToken }

    /// The state after `step` takes effect, or nil when it cannot take effect here. An
    /// operation of unknown outcome answers nil where taking effect would change nothing:
    /// then it is as if it never happened.
    func applying(_ step: LockStep) -> LockModelState? {
        let holdsIt = holder == Holder(process: step.process, token: step.token)
        switch step.effect {
        case .grant:
            if holdsIt { return self }
            guard holder == nil, step.token == nextToken else { return nil }
            return granting(to: step.process)
        case .maybeGrant:
            return holder == nil ? granting(to: step.process) : nil
        case .refuseHeld:
            guard let holder, holder.process != step.process else { return nil }
            return self
        case .release, .maybeRelease:
            return holdsIt ? released() : nil
        case .renew:
            return holdsIt ? self : nil
        case .alreadyEnded:
            return wasIssued(step.token) && holder?.token != step.token ? self : nil
        case .notOwner:
            return wasIssued(step.token) && owners[Int(step.token - 1)] != step.process ? self : nil
        case .unknownSession:
            return wasIssued(step.token) ? nil : self
        case .end, .maybeEnd:
            return holder?.token == step.token ? released() : nil
        }
    }

    private func granting(to process: Int) -> LockModelState {
        var next = self
        next.holder = Holder(process: process, token: nextToken)
        next.owners.append(process)
        return next
    }

    private func released() -> LockModelState {
        var next = self
        next.holder = nil
        return next
    }

    /// Why a determined operation cannot take effect in this state, with the rule it breaks.
    func refusal(of operation: PairedLockOperation) -> LockRefusal.Reason {
        let token = operation.token ?? 0
        let process = operation.process
        let neverIssued = LockRefusal.Reason(rule: "M11", text: "token \(token) was never issued")
        switch (operation.function, operation.completion, operation.reason) {
        case (.start, .ok, _):
            if let holder, holder.process != process {
                return .init(rule: "M8", text: "process \(holder.process) holds token \(holder.token)")
            }
            if let holder {
                return .init(rule: "M10", text: "process \(process) already holds token \(holder.token); a re-start returns it")
            }
            let issue = token < nextToken ? "token \(token) was already issued" : "token \(nextToken) would be skipped"
            return .init(rule: "M11", text: "the next token is \(nextToken): \(issue)")
        case (.start, .fail, _):
            guard let holder else { return .init(rule: "M19", text: "nobody holds the conversation") }
            return .init(rule: "M10", text: "process \(process) holds token \(holder.token) itself; a re-start returns it")
        case (.stop, .ok, _), (.renew, .ok, _):
            guard wasIssued(token) else { return neverIssued }
            if let holder, holder.token == token {
                return .init(rule: "M17", text: "token \(token) belongs to process \(holder.process)")
            }
            let current = holder.map { "; process \($0.process) holds token \($0.token)" } ?? ""
            if operation.function == .renew {
                return .init(rule: "M12", text: "session \(token) has already ended and a renewal cannot revive it\(current)")
            }
            return .init(rule: "M11", text: "session \(token) has already ended\(current)")
        case (_, .fail, "sessionAlreadyEnded"):
            guard wasIssued(token) else { return neverIssued }
            return .init(rule: "M11", text: "session \(token) is active")
        case (_, .fail, "notSessionOwner"):
            guard wasIssued(token) else { return neverIssued }
            return .init(rule: "M17", text: "process \(process) owns token \(token)")
        case (_, .fail, "unknownSession"):
            return .init(rule: "M11", text: "token \(token) was issued to process \(owners[Int(token - 1)])")
        default:
            guard let holder else { return .init(rule: "M11", text: "no session is active") }
            return .init(rule: "M11", text: "session \(holder.token) of process \(holder.process) is active, not \(token)")
        }
    }
}

/// An operation as the model sees it: what it did, and when it may take effect.
struct LockStep: Sendable {
    enum Effect: UInt8, Sendable {
        /// A start answered ok with `token`: a grant, or the holder's idempotent re-start (M10).
        case grant
        /// A start of unknown outcome: a grant if the lock was free, else nothing.
        case maybeGrant
        /// A start refused with `alreadyMonitored` (M8).
        case refuseHeld
        /// A stop answered ok.
        case release
        /// A stop of unknown outcome.
        case maybeRelease
        /// A renewal answered ok (M12).
        case renew
        /// A stop or renewal refused with `sessionAlreadyEnded` (M11).
        case alreadyEnded
        /// A stop or renewal refused with `notSessionOwner` (M17).
        case notOwner
        /// A stop or renewal refused with `unknownSession`.
        case unknownSession
        /// An automatic end reported by the engine (M18).
        case end
        /// An automatic end whose report the history lost (truncated).
        case maybeEnd
    }

    var effect: Effect
    var process: Int
    /// 0 for a start of unknown outcome: it would take the next token.
    var token: UInt64
    var invokedAt: Int64
    /// Nil for an operation of unknown outcome: it may take effect at any single point after
    /// its invocation, or never, so nothing waits for it.
    var completedAt: Int64?
    /// Its position among the operations being checked.
    var source: Int

    var isDetermined: Bool { completedAt != nil }

    /// Nil when the operation constrains nothing: an eligibility refusal (legal in any state,
    /// changing nothing), a renewal of unknown outcome, an end reported as failed.
    init?(_ operation: PairedLockOperation, source: Int) {
        process = operation.process
        token = operation.token ?? 0
        invokedAt = operation.invokedAt.nanoseconds
        completedAt = operation.isDetermined ? operation.completedAt?.nanoseconds : nil
        self.source = source
        guard let effect = Self.effect(of: operation) else { return nil }
        self.effect = effect
    }

    private static func effect(of operation: PairedLockOperation) -> Effect? {
        switch (operation.function, operation.completion) {
        case (.start, .ok): return .grant
        case (.start, .fail): return operation.reason == "alreadyMonitored" ? .refuseHeld : nil
        case (.start, _): return .maybeGrant
        case (.stop, .ok): return .release
        case (.stop, .fail), (.renew, .fail): return refusal(operation.reason)
        case (.stop, _): return .maybeRelease
        case (.renew, .ok): return .renew
        case (.renew, _): return nil
        case (.end, .ok): return .end
        case (.end, .fail): return nil
        case (.end, _): return .maybeEnd
        }
    }

    private static func refusal(_ reason: String?) -> Effect? {
        switch reason {
        case "sessionAlreadyEnded": .alreadyEnded
        case "notSessionOwner": .notOwner
        case "unknownSession": .unknownSession
        default: nil
        }
    }
}
