import EmbeddedStore
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
    /// What `/metrics` serves.
    public nonisolated let metrics = NodeMetrics()
    /// The engine over the node's aggregates: the store itself in memory; with SQLite, the mirror the views read,
    /// applying each command after the database did and checked to agree with it.
    private var engine: MonitoringEngine
    private var records: NodeRecords
    private var audit: AuditLog
    private var readModel = MonitoringReadModel()
    private let clock: NodeClock
    private var lastInstant = Instant.zero
    private var counters = NodeCounters()
    private var retentionNanoseconds: Int64 {
        let (seconds, attoseconds) = configuration.idempotencyRetention.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }

    /// A node over the store `configuration` names. With SQLite, the aggregates, the audit log, the read model and
    /// the last instant are read back from the file, so a restart resumes every active session and lease.
    public init(configuration: NodeConfiguration, clock: NodeClock = .system) throws {
        self.configuration = configuration
        self.clock = clock
        self.audit = AuditLog(capacity: 1_000_000)
        self.notifications = NotificationHub()
        switch configuration.store {
        case .memory:
            engine = MonitoringEngine(configuration: configuration.engine)
            records = .memory(tokens: [:], answers: IdempotencyAnswers(capacity: configuration.idempotencyCapacity))
        case .sqlite(let path):
            let database = try EmbeddedDatabase(path: path, configuration: configuration.engine)
            engine = MonitoringEngine(configuration: configuration.engine, store: InMemoryStore(snapshot: try database.snapshot()))
            records = .sqlite(database, tokens: [:])
            lastInstant = try database.lastInstant() ?? .zero
            var after: Int64 = 0
            while case let page = try database.events(after: after, limit: 10_000), let last = page.last {
                let events = page.map(\.record)
                audit.append(events)
                readModel.apply(events)
                counters.count(events)
                after = last.sequence
            }
        }
    }

    /// The node's instant for the next command: the clock, never going back (a clock stepped backwards, or a
    /// restart on a machine whose clock is behind, holds the node at its last instant until the clock catches up,
    /// so leases and timelines stay ordered).
    private func nextInstant() -> Instant {
        lastInstant = max(lastInstant, clock.now())
        return lastInstant
    }

    // MARK: Tokens

    /// Who holds `token`, if anyone.
    public func principal(forToken token: String) -> Principal? {
        let hash = BearerToken.hash(token)
        switch records {
        case .memory(let tokens, _):
            return tokens[hash]
        case .sqlite(let database, var tokens):
            if let known = tokens[hash] { return known }
            guard let subject = try? database.subject(forTokenHash: hash) else { return nil }
            let principal = Principal(subject)
            tokens[hash] = principal
            records = .sqlite(database, tokens: tokens)
            return principal
        }
    }

    // MARK: Directory loading

    /// Applies the directory commands (roles, queues, users) of a deployment at its first start, as its
    /// administrator, and issues a token to every user added. A node whose store already has users (a restart)
    /// loads nothing and issues nothing: the tokens handed out at the first start still hold. Stops at the first
    /// refusal, which names the command.
    public func load(directory: [Command]) throws -> [UserToken] {
        guard engine.users.isEmpty else { return [] }
        var issued: [UserToken] = []
        for command in directory {
            var token: String?
            if case .addUser(let user) = command { token = BearerToken.issue() }
            let result = try apply(command, at: nextInstant()) { transaction, result in
                if case .success = result, case .addUser(let user) = command, let token {
                    try transaction.saveToken(BearerToken.hash(token), for: .user(user.id))
                }
                return nil
            }.result
            if case .failure(let error) = result {
                throw ServiceFailure(
                    status: 500, code: "directoryRefused", message: "loading the directory: \(command) was refused: \(error)")
            }
            if case .addUser(let user) = command, let token {
                issued.append(UserToken(user: user.id, name: user.displayName, token: token))
            }
        }
        return issued
    }

    // MARK: Commands

    /// Runs one command for a request and returns its answer, and whether it is a replay of a first answer.
    public func perform(_ request: CommandRequest) throws -> (answer: Answer, replayed: Bool) {
        let now = nextInstant()
        let principalKey = request.principal.map(\.key) ?? "guest"
        if let key = request.idempotencyKey, let stored = try records.answer(principal: principalKey, key: key) {
            guard stored.fingerprint == request.fingerprint else { return (.failure(.idempotencyKeyReused), false) }
            return (Answer(status: stored.status, body: Data(stored.body)), true)
        }
        let command: Command
        do {
            command = try request.command(engine)
        } catch let failure as ServiceFailure {
            return (.failure(failure), false)
        } catch let error as MonitoringError {
            return (.refusal(error), false)
        }
        let token = request.issuesToken.map { _ in BearerToken.issue() }
        let (_, answer) = try apply(command, at: now) { transaction, result in
            let answer: Answer
            switch result {
            case .success(let outcome):
                if let issue = request.issuesToken, let token {
                    try transaction.saveToken(BearerToken.hash(token), for: issue.principal(for: outcome))
                }
                answer = request.render(outcome, transaction.engine, token)
            case .failure(let error):
                answer = .refusal(error)
            }
            if let key = request.idempotencyKey {
                try transaction.save(
                    StoredAnswer(fingerprint: request.fingerprint, status: answer.status, body: Array(answer.body), createdAt: now),
                    principal: principalKey, key: key)
            }
            return answer
        }
        return (answer!, false)
    }

    /// Ends every session whose lease is due (M12), and forgets idempotency answers past their retention; the
    /// lease sweeper calls this on its interval.
    @discardableResult
    public func expireLeases() throws -> Int {
        let now = nextInstant()
        try records.pruneAnswers(before: Instant(nanoseconds: now.nanoseconds - retentionNanoseconds))
        guard case .success(.leasesExpired(let count)) = try apply(.expireLeases, at: now, then: { _, _ in nil }).result
        else { return 0 }
        return count
    }

    /// Applies a command to the store and the engine, then `then` inside the store's transaction (an answer and a
    /// token kept atomically with the command), then hands the events to the audit log, the read model and the
    /// notification topics — only once the command is committed.
    private func apply(
        _ command: Command, at now: Instant,
        then: (inout RecordsTransaction, Result<Outcome, MonitoringError>) throws -> Answer?
    ) throws -> (result: Result<Outcome, MonitoringError>, answer: Answer?) {
        var answer: Answer?
        let result: Result<Outcome, MonitoringError>
        switch records {
        case .memory(var tokens, var answers):
            records = .memory(tokens: [:], answers: IdempotencyAnswers(capacity: 0))
            defer { records = .memory(tokens: tokens, answers: answers) }
            result = engine.execute(command, at: now)
            var transaction = RecordsTransaction(engine: engine, memory: (tokens, answers))
            answer = try then(&transaction, result)
            (tokens, answers) = transaction.memory!
        case .sqlite(let database, _):
            do {
                let applied = try database.apply(command, at: now) { stored, applied in
                    let mirrored = engine.execute(command, at: now)
                    precondition(
                        mirrored == applied.result && engine.events == applied.events,
                        "the node's mirror disagrees with its database on \(command): \(mirrored) against \(applied.result)")
                    var transaction = RecordsTransaction(engine: engine, database: stored)
                    answer = try then(&transaction, applied.result)
                    try stored.setLastInstant(now)
                }
                result = applied.result
            } catch {
                // The database rolled back; the mirror may have applied the command, so it is read again.
                engine = MonitoringEngine(
                    configuration: configuration.engine, store: InMemoryStore(snapshot: try database.snapshot()))
                throw error
            }
        }
        let events = engine.events
        counters.count(events)
        metrics.record(events, activeSessions: counters.activeSessions)
        audit.append(events)
        readModel.apply(events)
        notifications.publish(events: events, deliveries: engine.deliveries)
        return (result, answer)
    }

    // MARK: Reads

    /// A read of the node's state for a view, at the node's instant.
    public func read<T: Sendable>(_ body: (NodeState) throws -> T) rethrows -> T {
        try body(NodeState(engine: engine, readModel: readModel, audit: audit, now: nextInstant()))
    }

    /// What `/health` and `/metrics` report.
    public var status: NodeStatus { NodeStatus(nodeID: configuration.nodeID, counters: counters) }
}

/// The node's own records beside the aggregates: token hashes and idempotency answers.
enum NodeRecords {
    case memory(tokens: [String: Principal], answers: IdempotencyAnswers)
    /// In the database; `tokens` caches the hashes already looked up.
    case sqlite(EmbeddedDatabase, tokens: [String: Principal])

    func answer(principal: String, key: String) throws -> StoredAnswer? {
        switch self {
        case .memory(_, let answers): answers[principal, key]
        case .sqlite(let database, _): try database.answer(principal: principal, key: key)
        }
    }

    mutating func pruneAnswers(before cutoff: Instant) throws {
        switch self {
        case .memory(let tokens, var answers):
            answers.prune(before: cutoff)
            self = .memory(tokens: tokens, answers: answers)
        case .sqlite(let database, _):
            try database.pruneAnswers(before: cutoff)
        }
    }
}

/// What a command's `then` may write, atomically with the command: a token, an answer.
struct RecordsTransaction {
    /// The engine after the command, to draw the answer from.
    let engine: MonitoringEngine
    fileprivate var memory: (tokens: [String: Principal], answers: IdempotencyAnswers)?
    private var database: StoreTransaction?

    init(engine: MonitoringEngine, memory: (tokens: [String: Principal], answers: IdempotencyAnswers)) {
        self.engine = engine
        self.memory = memory
    }

    init(engine: MonitoringEngine, database: StoreTransaction) {
        self.engine = engine
        self.database = database
    }

    mutating func saveToken(_ hash: String, for principal: Principal) throws {
        if let database { try database.saveToken(hash: hash, subject: principal.subject) }
        memory?.tokens[hash] = principal
    }

    mutating func save(_ answer: StoredAnswer, principal: String, key: String) throws {
        if let database { try database.save(answer, principal: principal, key: key) }
        memory?.answers.store(answer, principal: principal, key: key)
    }
}

extension Principal {
    init(_ subject: TokenSubject) {
        switch subject {
        case .user(let user): self = .user(user)
        case .customer(let conversation): self = .customer(conversation)
        }
    }

    var subject: TokenSubject {
        switch self {
        case .user(let user): .user(user)
        case .customer(let conversation): .customer(conversation)
        }
    }

    /// How the principal is named in the idempotency table.
    var key: String {
        switch self {
        case .user(let user): "\(user)"
        case .customer(let conversation): "customer-\(conversation.rawValue)"
        }
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

/// The answers of requests that carried an `Idempotency-Key`, per principal and key, oldest dropped first past
/// the retention or the capacity (a retry later than that is applied again, as a new request).
struct IdempotencyAnswers {
    private struct Key: Hashable {
        var principal: String
        var key: String
    }

    let capacity: Int
    private var answers: [Key: StoredAnswer] = [:]
    private var order: [(Key, Instant)] = []
    private var orderStart = 0

    init(capacity: Int) { self.capacity = capacity }

    subscript(principal: String, key: String) -> StoredAnswer? { answers[Key(principal: principal, key: key)] }

    mutating func store(_ answer: StoredAnswer, principal: String, key: String) {
        let entry = Key(principal: principal, key: key)
        answers[entry] = answer
        order.append((entry, answer.createdAt))
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
