import EmbeddedStore
import Foundation
import MonitoringEngine
import SharedStore
import StoredRows

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
    /// which applies each command first and which the database must agree with when it commits the command.
    var engine: MonitoringEngine
    var tokens: [String: Principal] = [:]
    private var answers: IdempotencyAnswers
    var audit = AuditLog(capacity: 1_000_000)
    var readModel = MonitoringReadModel()
    let clock: NodeClock
    var lastInstant = Instant.zero
    /// With SQLite: commits the applied commands in batches, off the actor (group commit).
    private let writer: SQLiteWriter?
    private var log = CommitLog()
    /// With PostgreSQL: the shared database, and how this node follows its outbox (`Node+Shared.swift`).
    let shared: SharedDatabase?
    var following: OutboxFollowing?
    var retentionNanoseconds: Int64 { Self.nanoseconds(configuration.idempotencyRetention) }

    static func nanoseconds(_ duration: Duration) -> Int64 {
        duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000
    }

    /// A node over the store `configuration` names. With SQLite, the aggregates, the audit log, the read model, the
    /// token hashes, the recent idempotency answers and the last instant are read back from the file, so a restart
    /// resumes every active session and lease.
    public init(configuration: NodeConfiguration, clock: NodeClock = .system) throws {
        try self.init(configuration: configuration, clock: clock, shared: nil)
    }

    init(configuration: NodeConfiguration, clock: NodeClock, shared: SharedDatabase?) throws {
        self.configuration = configuration
        self.shared = shared
        self.clock = clock
        self.notifications = NotificationHub()
        var answers = IdempotencyAnswers(capacity: configuration.idempotencyCapacity)
        switch configuration.store {
        case .memory:
            engine = MonitoringEngine(configuration: configuration.engine)
            writer = nil
        case .postgres:
            guard shared != nil else {
                throw ServiceFailure(status: 500, code: "storeUnavailable", message: "a node on PostgreSQL is opened with Node.open")
            }
            // The mirror starts empty and is filled from the outbox before the node serves (`Node.open`).
            engine = MonitoringEngine(configuration: configuration.engine)
            writer = nil
        case .sqlite(let path):
            let database = try EmbeddedDatabase(path: path, configuration: configuration.engine)
            engine = MonitoringEngine(configuration: configuration.engine, store: InMemoryStore(snapshot: try database.snapshot()))
            writer = SQLiteWriter(database: database)
            lastInstant = try database.lastInstant() ?? .zero
            let replayed = try Self.replayEvents(of: database)
            (audit, readModel) = (replayed.audit, replayed.readModel)
            for (hash, subject) in try database.tokens() { tokens[hash] = Principal(subject) }
            let cutoff = Instant(nanoseconds: clock.now().nanoseconds - Self.nanoseconds(configuration.idempotencyRetention))
            for (principal, key, answer) in try database.answers(since: cutoff) {
                answers.store(answer, sequence: 0, principal: principal, key: key)
            }
        }
        self.answers = answers
    }

    /// The audit log and the read model, rebuilt from the store's events table.
    private static func replayEvents(of database: EmbeddedDatabase) throws -> (audit: AuditLog, readModel: MonitoringReadModel) {
        var audit = AuditLog(capacity: 1_000_000)
        var readModel = MonitoringReadModel()
        var after: Int64 = 0
        while case let page = try database.events(after: after, limit: 10_000), let last = page.last {
            let events = page.map(\.record)
            audit.append(events)
            readModel.apply(events)
            after = last.sequence
        }
        return (audit, readModel)
    }

    /// The node's instant for the next command: the clock, never going back (a clock stepped backwards, or a
    /// restart on a machine whose clock is behind, holds the node at its last instant until the clock catches up,
    /// so leases and timelines stay ordered).
    func nextInstant() -> Instant {
        // On a shared database the node reads the database's clock (by the offset its last outbox read measured), so
        // its views date what they show as the database dated it.
        let now = Instant(nanoseconds: clock.now().nanoseconds + (following?.clockOffset ?? 0))
        lastInstant = max(lastInstant, now)
        return lastInstant
    }

    // MARK: Tokens

    /// Who holds `token`, if anyone.
    /// Who holds `token`, if anyone. With PostgreSQL a token another node issued is looked up there once.
    public func principal(forToken token: String) async -> Principal? {
        let hash = BearerToken.hash(token)
        if let known = tokens[hash] { return known }
        guard let shared, let subject = try? await shared.subject(forTokenHash: hash) else { return nil }
        tokens[hash] = Principal(subject)
        return tokens[hash]
    }

    /// The notification topics `principal` may subscribe to, as the node's engine knows its user now.
    public func topics(of principal: Principal) -> Set<String> { NotificationHub.topics(of: principal, engine: engine) }

    // MARK: Directory loading

    /// Applies the directory commands (roles, queues, users) of a deployment at its first start, as its
    /// administrator, and issues a token to every user added. A node whose store already has users (a restart)
    /// loads nothing and issues nothing: the tokens handed out at the first start still hold. Stops at the first
    /// refusal, which names the command.
    public func load(directory: [Command]) async throws -> [UserToken] {
        if let shared { return try await loadShared(directory: directory, into: shared) }
        guard engine.users.isEmpty else { return [] }
        var issued: [UserToken] = []
        for command in directory {
            let now = nextInstant()
            let result = engine.execute(command, at: now)
            if case .failure(let error) = result {
                throw ServiceFailure(
                    status: 500, code: "directoryRefused", message: "loading the directory: \(command) was refused: \(error)")
            }
            var token: IssuedToken?
            if case .addUser(let user) = command {
                let text = BearerToken.issue()
                token = IssuedToken(hash: BearerToken.hash(text), principal: .user(user.id))
                issued.append(UserToken(user: user.id, name: user.displayName, token: text))
            }
            record(command, result, at: now, answer: nil, token: token)
        }
        try await durable(log.applied)
        return issued
    }

    // MARK: Commands

    /// Runs one command for a request and returns its answer, and whether it is a replay of a first answer. The
    /// answer is returned only once the command is durable (with SQLite, once its batch is committed), so no
    /// client ever sees an effect a crash could take back.
    public func perform(_ request: CommandRequest) async throws -> (answer: Answer, replayed: Bool) {
        var request = request
        if configuration.defect == .ignoreIdempotencyKeys { request.idempotencyKey = nil }
        if let shared { return try await performShared(request, on: shared) }
        let now = nextInstant()
        let principalKey = request.principal.map(\.key) ?? "guest"
        if let key = request.idempotencyKey, let (stored, sequence) = try storedAnswer(principal: principalKey, key: key) {
            guard stored.fingerprint == request.fingerprint else { return (.failure(.idempotencyKeyReused), false) }
            try await durable(sequence)
            return (Answer(status: stored.status, body: Data(stored.body)), true)
        }
        let command: Command
        do {
            command = try request.command(engine)
        } catch let failure as ServiceFailure {
            try await durable(log.applied)
            return (.failure(failure), false)
        } catch let error as MonitoringError {
            try await durable(log.applied)
            return (.refusal(error), false)
        }
        let result = engine.execute(command, at: now)
        var token: IssuedToken?
        let answer: Answer
        switch result {
        case .success(let outcome):
            var text: String?
            if let issue = request.issuesToken {
                let issued = BearerToken.issue()
                token = IssuedToken(hash: BearerToken.hash(issued), principal: issue.principal(for: outcome))
                text = issued
            }
            answer = request.render(outcome, text)
        case .failure(let error):
            answer = .refusal(error)
        }
        let stored = request.idempotencyKey.map { key in
            KeyedAnswer(
                principal: principalKey, key: key,
                answer: StoredAnswer(fingerprint: request.fingerprint, status: answer.status, body: Array(answer.body), createdAt: now))
        }
        let sequence = record(command, result, at: now, answer: stored, token: token)
        try await durable(sequence)
        return (answer, false)
    }

    /// Ends every session whose lease is due (M12), and forgets idempotency answers past their retention; the
    /// lease sweeper calls this on its interval.
    @discardableResult
    public func expireLeases() async throws -> Int {
        if let shared { return try await expireLeasesShared(on: shared) }
        let now = nextInstant()
        let cutoff = Instant(nanoseconds: now.nanoseconds - retentionNanoseconds)
        answers.prune(before: cutoff)
        try await writer?.prune(before: cutoff)
        let result = engine.execute(.expireLeases, at: now)
        try await durable(record(.expireLeases, result, at: now, answer: nil, token: nil))
        guard case .success(.leasesExpired(let count)) = result else { return 0 }
        return count
    }

    /// Takes the command the mirror just applied into the node's records — counters, metrics, audit log, read
    /// model, token, answer — and into the commit log; in memory it is durable at once and its notifications go
    /// out, with SQLite they go out when its batch commits.
    @discardableResult
    private func record(
        _ command: Command, _ result: Result<Outcome, MonitoringError>, at now: Instant, answer: KeyedAnswer?,
        token: IssuedToken?
    ) -> UInt64 {
        let events = engine.events
        let deliveries = engine.deliveries
        metrics.record(events)
        audit.append(events)
        readModel.apply(events)
        if let token { tokens[token.hash] = token.principal }
        let sequence = log.apply()
        if let answer { answers.store(answer.answer, sequence: sequence, principal: answer.principal, key: answer.key) }
        guard writer != nil else {
            log.commit(through: sequence)
            notifications.publish(events: events, deliveries: deliveries)
            return sequence
        }
        log.pending.append(
            PendingCommand(
                sequence: sequence, command: command, instant: now, expected: result, events: events, deliveries: deliveries,
                answer: answer, token: token))
        if !log.flushing {
            log.flushing = true
            Task { await flush() }
        }
        return sequence
    }

    /// Commits the pending commands in batches until none is left; the actor is free while a batch is written, so
    /// the commands that arrive meanwhile make the next batch.
    private func flush() async {
        guard let writer else { return }
        while !log.pending.isEmpty {
            let batch = Array(log.pending.prefix(SQLiteWriter.batchMaximum))
            log.pending.removeFirst(batch.count)
            do {
                try await writer.commit(batch, lastInstant: lastInstant)
            } catch {
                recover(from: error, writer: writer)
                break
            }
            // A view shows a command once its batch is durable: that wait is the view's staleness here (M26).
            let committedAt = clock.now().nanoseconds
            for command in batch {
                let lag = Duration.nanoseconds(max(committedAt - command.instant.nanoseconds, 0))
                notifications.publish(events: command.events, deliveries: command.deliveries, lag: lag)
            }
            log.commit(through: batch[batch.count - 1].sequence)
        }
        log.flushing = false
    }

    /// The store refused a batch (the disk, a corrupt row): nothing of it or after it is committed, yet the mirror
    /// applied them. Every request waiting is answered 503, and the mirror and the records are read back from the
    /// file; a node that cannot read its file stops.
    private func recover(from error: any Error, writer: SQLiteWriter) {
        log.failAll(ServiceFailure(status: 503, code: "storeUnavailable", message: "the node's store failed: \(error)"))
        do {
            engine = MonitoringEngine(
                configuration: configuration.engine, store: InMemoryStore(snapshot: try writer.database.snapshot()))
            (audit, readModel) = try Self.replayEvents(of: writer.database)
        } catch {
            preconditionFailure("the node can read its store neither to commit nor to recover: \(error)")
        }
    }

    /// Returns once everything applied up to `sequence` is durable.
    private func durable(_ sequence: UInt64) async throws {
        guard log.committed < sequence else { return }
        try await withCheckedThrowingContinuation { continuation in log.wait(for: sequence, continuation) }
    }

    /// The first answer under a key, and the sequence of its command (0 when it was committed before this run).
    private func storedAnswer(principal: String, key: String) throws -> (StoredAnswer, UInt64)? {
        if let found = answers[principal, key] { return found }
        guard let writer, let stored = try writer.database.answer(principal: principal, key: key) else { return nil }
        return (stored, 0)
    }

    // MARK: Reads

    /// A read of the node's state for a view, at the node's instant, answered once everything it may show is
    /// durable.
    public func read<T: Sendable>(_ body: (NodeState) throws -> T) async throws -> T {
        if shared != nil { return try body(NodeState(engine: engine, readModel: readModel, audit: audit, now: nextInstant())) }
        let value = try body(NodeState(engine: engine, readModel: readModel, audit: audit, now: nextInstant()))
        try await durable(log.applied)
        return value
    }

    /// What `/health` reports and `/metrics` gauges. Sessions are counted from the users' panels when asked (a
    /// scrape), not kept beside them on every command.
    public var status: NodeStatus {
        NodeStatus(
            nodeID: configuration.nodeID,
            activeSessions: engine.users.values.reduce(0) { $0 + $1.monitoringSessions.count })
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
    /// The success answer, from the outcome and an issued token.
    public var render: @Sendable (Outcome, String?) -> Answer
}

/// The answers of requests that carried an `Idempotency-Key`, per principal and key, with the sequence of the
/// command they answered (a retry waits for it to be durable too), oldest dropped first past the retention or the
/// capacity. With SQLite, an answer dropped here is still found in the database for the retention.
struct IdempotencyAnswers {
    private struct Key: Hashable {
        var principal: String
        var key: String
    }

    let capacity: Int
    private var answers: [Key: (answer: StoredAnswer, sequence: UInt64)] = [:]
    private var order: [(Key, Instant)] = []
    private var orderStart = 0

    init(capacity: Int) { self.capacity = capacity }

    subscript(principal: String, key: String) -> (StoredAnswer, UInt64)? {
        answers[Key(principal: principal, key: key)].map { ($0.answer, $0.sequence) }
    }

    mutating func store(_ answer: StoredAnswer, sequence: UInt64, principal: String, key: String) {
        let entry = Key(principal: principal, key: key)
        answers[entry] = (answer, sequence)
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
