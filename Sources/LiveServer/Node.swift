import Foundation
import MonitoringEngine

/// One live node: the engine and everything a command's answer depends on, behind one actor so that commands are
/// applied one at a time, in the order the node's store commits them.
///
/// A command goes: idempotency (a retried key gets the first answer back) → the caller's check of who may do it,
/// against the engine's current state → the engine at the node's instant → the answer, kept under its key → the
/// events to the audit log, the read model and every recipient's notification topic.
public actor Node {
    public let configuration: NodeConfiguration
    /// Where each user's and customer's notifications go.
    public nonisolated let notifications: NotificationHub
    private var engine: MonitoringEngine
    private var audit: AuditLog
    private var readModel = MonitoringReadModel()
    private var tokens: [String: Principal] = [:]
    private var answers: IdempotencyAnswers
    private let clock: NodeClock
    private var lastInstant = Instant.zero
    private var counters = NodeCounters()
    private var retentionNanoseconds: Int64 {
        let (seconds, attoseconds) = configuration.idempotencyRetention.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    public init(configuration: NodeConfiguration, clock: NodeClock = .system) {
        self.configuration = configuration
        self.clock = clock
        self.engine = MonitoringEngine(configuration: configuration.engine)
        self.audit = AuditLog(capacity: 1_000_000)
        self.answers = IdempotencyAnswers(capacity: configuration.idempotencyCapacity)
        self.notifications = NotificationHub()
    }

    /// The node's instant for the next command: the clock, never going back (a clock stepped backwards holds the
    /// node at its last instant until it catches up, so leases and timelines stay ordered).
    private func nextInstant() -> Instant {
        lastInstant = max(lastInstant, clock.now())
        return lastInstant
    }

    // MARK: Tokens

    /// Who holds `token`, if anyone.
    public func principal(forToken token: String) -> Principal? { tokens[BearerToken.hash(token)] }

    /// Issues a new token for `principal`, keeping only its hash.
    func issueToken(for principal: Principal) -> String {
        let token = BearerToken.issue()
        tokens[BearerToken.hash(token)] = principal
        return token
    }

    // MARK: Directory loading

    /// Applies the directory commands (roles, queues, users) of a deployment at start, as its administrator, and
    /// issues a token to every user added. Stops at the first refusal, which names the command.
    public func load(directory: [Command]) throws -> [UserToken] {
        var issued: [UserToken] = []
        for command in directory {
            if case .failure(let error) = apply(command) {
                throw ServiceFailure(
                    status: 500, code: "directoryRefused", message: "loading the directory: \(command) was refused: \(error)")
            }
            if case .addUser(let user) = command {
                issued.append(UserToken(user: user.id, name: user.displayName, token: issueToken(for: .user(user.id))))
            }
        }
        return issued
    }

    // MARK: Commands

    /// Runs one command for a request and returns its answer, and whether it is a replay of a first answer.
    public func perform(_ request: CommandRequest) -> (answer: Answer, replayed: Bool) {
        let now = nextInstant()
        if let key = request.idempotencyKey {
            answers.prune(before: Instant(nanoseconds: now.nanoseconds - retentionNanoseconds))
            if let stored = answers[request.principal, key] {
                guard stored.fingerprint == request.fingerprint else {
                    return (.failure(.idempotencyKeyReused), false)
                }
                return (stored.answer, true)
            }
        }
        let command: Command
        do {
            command = try request.command(engine)
        } catch let failure as ServiceFailure {
            return (.failure(failure), false)
        } catch let error as MonitoringError {
            return (.refusal(error), false)
        } catch {
            return (.failure(.badRequest("\(error)")), false)
        }
        let answer: Answer
        switch apply(command, at: now) {
        case .success(let outcome):
            let token = request.issuesToken.map { issueToken(for: $0.principal(for: outcome)) }
            answer = request.render(outcome, engine, token)
        case .failure(let error):
            answer = .refusal(error)
        }
        if let key = request.idempotencyKey {
            answers.store(
                StoredAnswer(fingerprint: request.fingerprint, answer: answer, storedAt: now), principal: request.principal,
                key: key)
        }
        return (answer, false)
    }

    /// Ends every session whose lease is due (M12); the lease sweeper calls this on its interval.
    @discardableResult
    public func expireLeases() -> Int {
        guard case .success(.leasesExpired(let count)) = apply(.expireLeases) else { return 0 }
        return count
    }

    private func apply(_ command: Command, at instant: Instant? = nil) -> Result<Outcome, MonitoringError> {
        let now = instant ?? nextInstant()
        let result = engine.execute(command, at: now)
        let events = engine.events
        counters.count(events)
        audit.append(events)
        readModel.apply(events)
        notifications.publish(events: events, deliveries: engine.deliveries)
        return result
    }

    // MARK: Reads

    /// A read of the node's state for a view, at the node's instant.
    public func read<T: Sendable>(_ body: (NodeState) throws -> T) rethrows -> T {
        try body(NodeState(engine: engine, readModel: readModel, audit: audit, now: nextInstant()))
    }

    /// What `/health` and `/metrics` report.
    public var status: NodeStatus {
        NodeStatus(nodeID: configuration.nodeID, counters: counters)
    }
}

/// A user's token, handed out once at load.
public struct UserToken: Sendable, Codable, Equatable {
    public var user: UserID
    public var name: String
    public var token: String
}

/// The node's state as a view reads it.
public struct NodeState {
    public let engine: MonitoringEngine
    public let readModel: MonitoringReadModel
    public let audit: AuditLog
    public let now: Instant
}

/// One command a request asks for, with who asks and how its answer is drawn.
public struct CommandRequest: Sendable {
    /// A token the node issues when the command succeeds: to the customer of a new conversation, to a new user.
    public enum TokenIssue: Sendable {
        case customerOfNewConversation
        case newUser(UserID)

        func principal(for outcome: Outcome) -> Principal {
            switch self {
            case .newUser(let user): return .user(user)
            case .customerOfNewConversation:
                guard case .conversationCreated(let id) = outcome else {
                    preconditionFailure("a customer token is issued only for a created conversation, not \(outcome)")
                }
                return .customer(id)
            }
        }
    }

    /// Who asks; nil for a guest (a customer opening a conversation).
    public var principal: Principal?
    public var idempotencyKey: String?
    /// The method, path and body of the request, hashed: a key reused for another request is refused.
    public var fingerprint: String
    /// Checks who may do this against the engine's current state and builds the command; throws a
    /// `ServiceFailure` (403, 404) or a `MonitoringError` to refuse.
    public var command: @Sendable (MonitoringEngine) throws -> Command
    public var issuesToken: TokenIssue?
    /// The success answer, from the outcome, the engine after the command, and an issued token.
    public var render: @Sendable (Outcome, MonitoringEngine, String?) -> Answer
}

/// A first answer kept under its idempotency key.
struct StoredAnswer: Sendable {
    var fingerprint: String
    var answer: Answer
    var storedAt: Instant
}

/// The answers of requests that carried an `Idempotency-Key`, per principal and key, oldest dropped first past
/// the retention or the capacity (a retry later than that is applied again, as a new request).
struct IdempotencyAnswers {
    private struct Key: Hashable {
        var principal: Principal?
        var key: String
    }

    let capacity: Int
    private var answers: [Key: StoredAnswer] = [:]
    private var order: [(Key, Instant)] = []
    private var orderStart = 0

    init(capacity: Int) { self.capacity = capacity }

    subscript(principal: Principal?, key: String) -> StoredAnswer? { answers[Key(principal: principal, key: key)] }

    mutating func store(_ answer: StoredAnswer, principal: Principal?, key: String) {
        let entry = Key(principal: principal, key: key)
        answers[entry] = answer
        order.append((entry, answer.storedAt))
        while answers.count > capacity, orderStart < order.count { dropOldest() }
    }

    mutating func prune(before cutoff: Instant) {
        while orderStart < order.count, order[orderStart].1 < cutoff { dropOldest() }
    }

    private mutating func dropOldest() {
        answers[order[orderStart].0] = nil
        orderStart += 1
        if orderStart > 1024 && orderStart * 2 > order.count {
            order.removeFirst(orderStart)
            orderStart = 0
        }
    }
}
