import Foundation
import Logging
import MonitoringEngine
import NIOCore
import PostgresNIO
import StoredRows

/// The PostgreSQL database several live nodes share: every aggregate as a row, each command one transaction.
///
/// A command's transaction (`apply`): `BEGIN` (READ COMMITTED) and the transaction's id, taken at once, so that an
/// outbox number it draws later is always drawn by a transaction with an id (what `OutboxReader` relies on to tell a
/// gap that will fill from one that never will); the idempotency key's advisory lock and stored answer;
/// the store seam's four steps through `PostgresStore` (plan, `SELECT … FOR UPDATE` in the lock order, the rule at the
/// database's clock, versioned writes); the command's events in one outbox row, with the ids of every aggregate it
/// locked, in a statement that also queues the `NOTIFY`; the answer under its key and the token it issued; `COMMIT`. A serialization failure, a deadlock
/// or a stale plan rolls back and runs the command again from the plan, a bounded number of times.
public final class SharedDatabase: Sendable {
    /// The channel every node listens on; a notification only wakes the outbox readers, which read the table.
    public static let channel = "binoculars_outbox"
    /// How many times a command is tried when the database refuses it for contention.
    public static let attemptsMaximum = 8

    public let location: DatabaseLocation
    public let nodeID: String
    /// A deliberately broken variant, chosen only by tests and `--defect`; nil in every real deployment.
    public let defect: SharedStoreDefect?
    let configuration: EngineConfiguration
    let pool: WorkerPool
    /// The rows this node's workers decoded or wrote, by version, shared by all of them.
    let decoded = DecodedRows()

    /// Connects (`connections` at most, each on a worker thread of its own) and migrates the schema.
    public init(
        location: DatabaseLocation, nodeID: String, configuration: EngineConfiguration, connections: Int = 8,
        defect: SharedStoreDefect? = nil, logger: Logger = Logger(label: "binoculars.postgres")
    ) async throws {
        self.location = location
        self.nodeID = nodeID
        self.defect = defect
        self.configuration = configuration
        pool = WorkerPool(location: location, size: connections, logger: logger)
        do {
            _ = try await pool.run { try SharedSchema.migrate($0) }
        } catch {
            pool.shutdown()
            throw error
        }
    }

    deinit { pool.shutdown() }

    /// Closes the connections once the commands already queued are done.
    public func shutdown() { pool.shutdown() }

    /// The database's clock, in nanoseconds since the Unix epoch.
    static func databaseClock(_ connection: BlockingConnection) throws -> Instant {
        let rows = try connection.query("SELECT (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint").rows
        return Instant(nanoseconds: try rows.first?.decode(Int64.self) ?? 0)
    }

    // MARK: Commands

    /// Applies one command in one transaction and returns what it did, or the answer stored under its key.
    public func apply(_ request: SharedCommand) async throws -> SharedApplied {
        let configuration = self.configuration
        let nodeID = self.nodeID
        let decoded = self.decoded
        // The broken variant reads and writes a start's rows without locking them or checking their versions.
        let unlocked: Bool
        if case .startMonitoring = request.command { unlocked = defect == .startWithoutLocking } else { unlocked = false }
        let nodeClock = defect == .leaseByNodeClock ? request.nodeInstant : nil
        return try await pool.run { connection in
            let state = connection.state(configuration, decoded: decoded)
            var attempt = 0
            while true {
                attempt += 1
                do {
                    return try Self.applyOnce(
                        request, on: connection, state: state, nodeID: nodeID, unlocked: unlocked, nodeClock: nodeClock)
                } catch let error where Self.isContention(error) {
                    _ = try? connection.query("ROLLBACK")
                    guard attempt < Self.attemptsMaximum else {
                        throw SharedStoreError.contended(attempts: attempt, lastState: Self.sqlState(of: error) ?? "plan")
                    }
                    // Back off a little, growing, so contenders interleave instead of colliding again at once.
                    usleep(UInt32.random(in: 0...(200 << min(attempt, 6))))
                } catch {
                    _ = try? connection.query("ROLLBACK")
                    throw error
                }
            }
        }
    }

    private static func applyOnce(
        _ request: SharedCommand, on connection: BlockingConnection, state: ConnectionState, nodeID: String, unlocked: Bool,
        nodeClock: Instant?
    ) throws -> SharedApplied {
        // Sent without waiting: the statements after them queue behind them, and a failed one fails the rest. The
        // transaction takes its id at once, so that the outbox number it may draw later is always drawn by a
        // transaction with an id below the `xmax` of any snapshot that sees a later number (`OutboxReader`'s gaps).
        // Not folded into a later statement: `pg_current_xact_id()` is STABLE, and the planner drops a stable
        // column nobody reads.
        _ = try connection.send("BEGIN")
        _ = try connection.send("SELECT pg_current_xact_id()")
        if let key = request.idempotency {
            // One transaction at a time per key, on every node: a retry racing its first attempt waits, then replays
            // (two keys that hash alike only wait for each other).
            try connection.query("SELECT pg_advisory_xact_lock(hashtext(\(key.principal)), hashtext(\(key.key)))")
            let rows = try connection.query(
                "SELECT fingerprint, status, body, created_at FROM answers WHERE principal = \(key.principal) AND key = \(key.key)"
            ).rows
            if let row = rows.first {
                let (fingerprint, status, body, created) = try row.decode((String, Int, Data, Int64).self)
                try connection.query("ROLLBACK")
                return .replayed(
                    StoredAnswer(fingerprint: fingerprint, status: status, body: Array(body), createdAt: Instant(nanoseconds: created)))
            }
        }
        let access = SharedRowAccess(connection: connection, coding: state.coding)
        access.unlocked = unlocked
        access.nodeClock = nodeClock
        do {
            return try applyLocked(request, access: access, on: connection, state: state, nodeID: nodeID)
        } catch {
            // Rolled back: the versions this transaction wrote will be written again with other values.
            access.forgetWritten()
            throw error
        }
    }

    private static func applyLocked(
        _ request: SharedCommand, access: SharedRowAccess, on connection: BlockingConnection, state: ConnectionState, nodeID: String
    ) throws -> SharedApplied {
        var store = PostgresStore(access: access)
        // The instant is the database's, read once the rows are locked (`PostgresStore.instantOnceLocked`); nothing is
        // planned by a node's clock (the lease sweep's plan asks the database's clock in its own query).
        let result = store.execute(request.command, at: .zero, in: &state.transaction)
        if let failure = store.failure { throw failure }
        // The rows' writes are sent; the outbox row, the token and the answer queue behind them, and the worker waits
        // once for all of them, checking each, before it commits.
        let transaction = state.transaction
        let applied = AppliedCommand(result: result, events: transaction.events, deliveries: transaction.deliveries)
        // An outbox row for a command that emitted events or changed a row; a sweep that found nothing due writes
        // none, so idle nodes do not wake each other every sweep.
        var outboxRow: EventLoopFuture<PostgresQueryResult>?
        if !transaction.events.isEmpty || access.wroteAny {
            outboxRow = try appendToOutbox(applied, transaction, on: connection, coding: state.coding, nodeID: nodeID)
        }
        let answer = request.answer(result)
        var alongside: [EventLoopFuture<PostgresQueryResult>] = []
        if let token = answer.token {
            let (kind, subject) = try token.subject.row
            alongside.append(try connection.send("INSERT INTO tokens (hash, kind, subject) VALUES (\(token.hash), \(kind), \(subject))"))
        }
        if let key = request.idempotency {
            alongside.append(
                try connection.send(
                    """
                    INSERT INTO answers (principal, key, fingerprint, status, body, created_at)
                    VALUES (\(key.principal), \(key.key), \(key.fingerprint), \(answer.status), \(Data(answer.body)), \(transaction.now.nanoseconds))
                    """))
        }
        access.finishWrites()
        if let failure = store.failure { throw failure }
        let sequence = try outboxRow.map { try connection.wait($0).rows.first?.decode(Int64.self) ?? 0 }
        for future in alongside { try connection.wait(future) }
        try connection.query("COMMIT")
        return .applied(
            applied, status: answer.status, body: answer.body, sequence: sequence, instant: transaction.now,
            rows: committedRows(transaction))
    }

    /// The command's outbox row: its events and deliveries, and the ids of everything it locked (what a node reads
    /// back into its mirror), then a notification, sent when the transaction commits.
    private static func appendToOutbox(
        _ applied: AppliedCommand, _ transaction: Transaction<LoadedRows>, on connection: BlockingConnection, coding: RowCoding,
        nodeID: String
    ) throws -> EventLoopFuture<PostgresQueryResult> {
        let events = try coding.encoder.encode(applied.events)
        let deliveries = try coding.encoder.encode(applied.deliveries)
        let conversations = try transaction.conversations.ids.map { try PostgresStore.key($0.rawValue) }
        let users = try transaction.users.ids.map { try PostgresStore.key($0.rawValue) }
        let queues = try transaction.queues.ids.map { try PostgresStore.key($0.rawValue) }
        let roles = try transaction.roles.ids.map { try PostgresStore.key($0.rawValue) }
        // The subquery (OFFSET 0 keeps it apart) queues the notification, sent when the transaction commits.
        return try connection.send(
            """
            INSERT INTO outbox (instant, node, events, deliveries, conversations, users, queues, roles)
            SELECT \(transaction.now.nanoseconds), \(nodeID), \(events), \(deliveries), \(conversations), \(users), \(queues), \(roles)
            FROM (SELECT pg_notify(\(channel), '') OFFSET 0) AS first
            RETURNING sequence
            """)
    }

    /// The aggregates as the command committed them: what the node that ran it installs in its mirror at once,
    /// without reading back and decoding the rows it has just written.
    private static func committedRows(_ transaction: Transaction<LoadedRows>) -> ReplicatedRows {
        ReplicatedRows(
            conversations: transaction.conversations.ids.compactMap { transaction.conversations[$0] },
            users: transaction.users.ids.compactMap { transaction.users[$0] },
            queues: transaction.queues.ids.compactMap { transaction.queues[$0] },
            roles: transaction.roles.ids.compactMap { transaction.roles[$0] })
    }

    static func sqlState(of error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Refusals that running the command again may get past: serialization failure, deadlock, a stale plan.
    static func isContention(_ error: any Error) -> Bool {
        if case SharedStoreError.stalePlan = error { return true }
        return ["40001", "40P01"].contains(sqlState(of: error))
    }

    // MARK: Tokens and answers

    /// Whom the token with this hash was issued for, or nil.
    public func subject(forTokenHash hash: String) async throws -> TokenSubject? {
        try await pool.run { connection in
            guard let row = try connection.query("SELECT kind, subject FROM tokens WHERE hash = \(hash)").rows.first else { return nil }
            let (kind, subject) = try row.decode((String, Int64).self)
            return try TokenSubject(kind: kind, subject: subject)
        }
    }

    /// Every token hash with its subject, to check tokens from memory.
    public func tokens() async throws -> [(hash: String, subject: TokenSubject)] {
        try await pool.run { connection in
            try connection.query("SELECT hash, kind, subject FROM tokens").rows.map { row in
                let (hash, kind, subject) = try row.decode((String, String, Int64).self)
                return (hash, try TokenSubject(kind: kind, subject: subject))
            }
        }
    }

    /// Forgets the answers older than `retention` nanoseconds by the database's clock.
    public func pruneAnswers(olderThan retention: Int64) async throws {
        _ = try await pool.run { connection in
            try connection.query(
                "DELETE FROM answers WHERE created_at < (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint - \(retention)")
        }
    }

    /// Whether the directory holds any user: a deployment's directory is loaded once, by the first node to start.
    public func hasUsers() async throws -> Bool {
        try await pool.run { connection in try connection.query("SELECT 1 FROM users LIMIT 1").rows.first != nil }
    }
}

/// One command for the shared database, with what commits beside it.
public struct SharedCommand: Sendable {
    public var command: Command
    /// The request's idempotency key, under its principal, and the fingerprint of its content.
    public var idempotency: (principal: String, key: String, fingerprint: String)?
    /// The answer to the command's result, drawn inside the transaction so that it commits under the key with it,
    /// and the token it issues (whose hash commits with it too).
    public var answer: @Sendable (Result<Outcome, MonitoringError>) -> SharedAnswer
    /// The node's own clock when it sent the command: used only by the broken variant `leaseByNodeClock`.
    public var nodeInstant: Instant?

    public init(
        command: Command, idempotency: (principal: String, key: String, fingerprint: String)?,
        answer: @escaping @Sendable (Result<Outcome, MonitoringError>) -> SharedAnswer
    ) {
        self.command = command
        self.idempotency = idempotency
        self.answer = answer
    }
}

public struct SharedAnswer: Sendable {
    public var status: Int
    public var body: [UInt8]
    public var token: (hash: String, subject: TokenSubject)?

    public init(status: Int, body: [UInt8], token: (hash: String, subject: TokenSubject)?) {
        self.status = status
        self.body = body
        self.token = token
    }
}

/// What a command did in the shared database: applied (with its answer, its outbox sequence if it wrote one, the
/// instant it ran at, and the aggregates as it committed them), or answered before under its idempotency key.
public enum SharedApplied: Sendable {
    case applied(AppliedCommand, status: Int, body: [UInt8], sequence: Int64?, instant: Instant, rows: ReplicatedRows)
    case replayed(StoredAnswer)
}

/// What a worker keeps from command to command: the coders with their decoded rows, and the transaction's storage.
final class ConnectionState {
    let coding: RowCoding
    var transaction: Transaction<LoadedRows>

    init(_ configuration: EngineConfiguration, decoded: DecodedRows) {
        coding = RowCoding(decoded: decoded)
        transaction = Transaction(configuration: configuration)
    }
}

extension BlockingConnection {
    func state(_ configuration: EngineConfiguration, decoded: DecodedRows) -> ConnectionState {
        if let state = attachment as? ConnectionState { return state }
        let state = ConnectionState(configuration, decoded: decoded)
        attachment = state
        return state
    }
}

extension TokenSubject {
    var row: (kind: String, subject: Int64) {
        get throws {
            switch self {
            case .user(let user): ("user", try PostgresStore.key(user.rawValue))
            case .customer(let conversation): ("customer", try PostgresStore.key(conversation.rawValue))
            }
        }
    }

    init(kind: String, subject: Int64) throws {
        guard let id = UInt64(exactly: subject), kind == "user" || kind == "customer" else {
            throw SharedStoreError.corruptRow(table: "tokens", "\(kind) \(subject)")
        }
        self = kind == "user" ? .user(UserID(id)) : .customer(ConversationID(id))
    }
}

/// The deliberately broken variants of the shared store, for tests and `--defect` only: each is a bug the checks of
/// a live run must catch.
public enum SharedStoreDefect: String, Sendable, CaseIterable {
    /// A start reads the conversation's and the supervisor's rows without locking them and writes them back without
    /// checking their versions: two starts on one conversation, on two nodes at once, can both be granted (M8).
    case startWithoutLocking
    /// Leases are dated, and found due, by the node's own clock instead of the database's: a node whose clock is
    /// ahead ends sessions whose leases are not due (M12).
    case leaseByNodeClock
}
