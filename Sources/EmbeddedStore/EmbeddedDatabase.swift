import Foundation
import GRDB
import MonitoringEngine
import StoredRows

/// The durable embedded store of one live node: every aggregate as a row in one SQLite file, the rules applied through
/// the store seam inside one SQLite transaction per command.
///
/// Synchronous. Writes (`apply`) must come from one thread at a time — the live node's writer queue —, so commands
/// are committed in one order, which is also the order of the `events` table; reads may come from anywhere beside
/// them (`DatabasePool`: in WAL mode a read does not wait for a write in progress).
public final class EmbeddedDatabase: @unchecked Sendable {
    /// One writer connection and a pool of readers.
    let queue: DatabasePool
    private let coding = RowCoding()
    /// Reused from command to command, as the in-memory engine reuses its own, so a command allocates no new storage.
    private var transaction: Transaction<LoadedRows>

    /// Opens (creating and migrating if needed) the database at `path`: WAL journal, synchronous=FULL, so a process
    /// killed with SIGKILL loses no committed transaction.
    public init(path: String, configuration: EngineConfiguration) throws {
        var settings = Configuration()
        settings.journalMode = .wal
        settings.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        queue = try DatabasePool(path: path, configuration: settings)
        try Schema.migrator.migrate(queue)
        transaction = Transaction(configuration: configuration)
    }

    /// Every aggregate, to build the node's in-memory read mirror at start (`InMemoryStore(snapshot:)`).
    public func snapshot() throws -> EngineSnapshot {
        try queue.read { db in
            func rows<Value: Decodable>(_ type: Value.Type, _ table: String) throws -> [Value] {
                try Data.fetchAll(db, sql: "SELECT json FROM \(table) ORDER BY id").map { try coding.decoder.decode(Value.self, from: $0) }
            }
            return EngineSnapshot(
                roles: try rows(Role.self, "roles"), queues: try rows(Queue.self, "queues"), users: try rows(User.self, "users"),
                conversations: try rows(Conversation.self, "conversations"))
        }
    }

    /// Applies one command at `now` in one write transaction: plan, lock, apply, commit through `SQLiteStore`, append
    /// the command's events to the `events` table (the outbox), then call `alongside` inside the same transaction, so
    /// that what must commit atomically with the command (an idempotency answer) does. If `alongside` throws, or the
    /// database fails (`EmbeddedStoreError.lostUpdate` among others), nothing of the command is committed and the error
    /// is thrown. A refused command still commits: a lease the rule found due has expired all the same.
    @discardableResult
    public func apply(
        _ command: Command, at now: Instant, alongside: (StoreTransaction, AppliedCommand) throws -> Void = { _, _ in }
    ) throws -> AppliedCommand {
        try apply(batch: [(command, now)]) { stored, _, applied in try alongside(stored, applied) }[0]
    }

    /// Applies commands one after another in one write transaction — a group commit: one `fsync` for the batch —,
    /// each as `apply(_:at:alongside:)` does, `alongside` told each command's place in the batch. Either every
    /// command of the batch is committed or, if one fails or `alongside` throws, none.
    public func apply(
        batch: [(command: Command, instant: Instant)], alongside: (StoreTransaction, Int, AppliedCommand) throws -> Void
    ) throws -> [AppliedCommand] {
        do {
            return try applyInOneTransaction(batch, alongside: alongside)
        } catch {
            // Rolled back: the versions the batch wrote will be written again with other values.
            coding.decoded.clear()
            throw error
        }
    }

    private func applyInOneTransaction(
        _ batch: [(command: Command, instant: Instant)], alongside: (StoreTransaction, Int, AppliedCommand) throws -> Void
    ) throws -> [AppliedCommand] {
        try queue.writeWithoutTransaction { db in
            var results: [AppliedCommand] = []
            results.reserveCapacity(batch.count)
            // IMMEDIATE takes the write lock before the plan's reads, so the rows the plan finds are still the rows
            // the locks load.
            try db.inTransaction(.immediate) {
                let access = RowAccess(database: db, coding: coding)
                let append = try db.cachedStatement(sql: "INSERT INTO events (instant, json) VALUES (?, ?)")
                for (index, entry) in batch.enumerated() {
                    var store = SQLiteStore(access: access)
                    let result = store.execute(entry.command, at: entry.instant, in: &transaction)
                    if let failure = store.failure { throw failure }
                    for record in transaction.events {
                        try append.execute(arguments: [record.instant.nanoseconds, try coding.encoder.encode(record)])
                    }
                    let applied = AppliedCommand(result: result, events: transaction.events, deliveries: transaction.deliveries)
                    try alongside(StoreTransaction(database: db), index, applied)
                    results.append(applied)
                }
                return .commit
            }
            return results
        }
    }

    /// Events appended after `sequence` (exclusive), oldest first, at most `limit`: to rebuild the audit log and the
    /// read models at start, a page at a time.
    public func events(after sequence: Int64, limit: Int) throws -> [(sequence: Int64, record: EventRecord)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT sequence, json FROM events WHERE sequence > ? ORDER BY sequence LIMIT ?", arguments: [sequence, limit])
                .map { row in (row[0], try coding.decoder.decode(EventRecord.self, from: row[1] as Data)) }
        }
    }

    // MARK: Idempotency answers

    /// The answer stored for a request `key` of `principal`, to replay instead of applying the command again.
    public func answer(principal: String, key: String) throws -> StoredAnswer? {
        try queue.read { try StoreTransaction(database: $0).answer(principal: principal, key: key) }
    }

    /// Removes the answers created before `instant`, so the table stays as large as the replay window; returns how many.
    @discardableResult
    public func pruneAnswers(before instant: Instant) throws -> Int {
        try queue.write { db in
            try db.execute(sql: "DELETE FROM answers WHERE created_at < ?", arguments: [instant.nanoseconds])
            return db.changesCount
        }
    }

    /// Every answer created at or after `instant`, to serve retries from memory after a restart.
    public func answers(since instant: Instant) throws -> [(principal: String, key: String, answer: StoredAnswer)] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT principal, key, fingerprint, status, body, created_at FROM answers WHERE created_at >= ? ORDER BY created_at",
                arguments: [instant.nanoseconds]
            ).map { row in
                let body: Data = row[4]
                return (
                    row[0], row[1],
                    StoredAnswer(fingerprint: row[2], status: row[3], body: Array(body), createdAt: Instant(nanoseconds: row[5]))
                )
            }
        }
    }

    // MARK: Tokens

    /// Every token hash with its subject, to check tokens from memory.
    public func tokens() throws -> [(hash: String, subject: TokenSubject)] {
        try queue.read { db in
            try Row.fetchAll(db, sql: "SELECT hash, kind, subject FROM tokens").map { row in
                (row[0], try TokenSubject(kind: row[1], subject: row[2]))
            }
        }
    }

    /// Records the hash of a token issued for `subject`; the store sees hashes only, never a token.
    public func saveToken(hash: String, subject: TokenSubject) throws {
        try queue.write { try StoreTransaction(database: $0).saveToken(hash: hash, subject: subject) }
    }

    /// Whom the token with this hash was issued for, or nil for a hash never issued.
    public func subject(forTokenHash hash: String) throws -> TokenSubject? {
        try queue.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT kind, subject FROM tokens WHERE hash = ?", arguments: [hash]) else {
                return nil
            }
            return try TokenSubject(kind: row[0], subject: row[1])
        }
    }

    /// Whether any token was issued for `user`: a node bootstraps a user's first token only once.
    public func hasTokens(for user: UserID) throws -> Bool {
        guard let key = Int64(exactly: user.rawValue) else { return false }
        return try queue.read { db in
            try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM tokens WHERE kind = 'user' AND subject = ?)", arguments: [key])
                ?? false
        }
    }

    // MARK: Meta

    /// The last instant the node applied a command at, which it keeps monotonic across restarts; nil before the first.
    public func lastInstant() throws -> Instant? {
        try queue.read { try StoreTransaction(database: $0).lastInstant() }
    }

    /// Records the last instant outside a command (inside one, `StoreTransaction.setLastInstant(_:)` commits with it).
    public func setLastInstant(_ instant: Instant) throws {
        try queue.write { try StoreTransaction(database: $0).setLastInstant(instant) }
    }
}

/// The write transaction of one command, lent to `apply`'s `alongside`: what is written here commits with the command
/// or not at all. Valid only inside the closure it is passed to.
public struct StoreTransaction {
    private let database: Database

    init(database: Database) {
        self.database = database
    }

    /// The answer stored for a request `key` of `principal`.
    public func answer(principal: String, key: String) throws -> StoredAnswer? {
        let sql = "SELECT fingerprint, status, body, created_at FROM answers WHERE principal = ? AND key = ?"
        guard let row = try Row.fetchOne(database, sql: sql, arguments: [principal, key]) else { return nil }
        return StoredAnswer(
            fingerprint: row[0], status: row[1], body: [UInt8](row[2] as Data), createdAt: Instant(nanoseconds: row[3]))
    }

    /// Stores the answer to a request `key` of `principal`, replacing one stored before.
    public func save(_ answer: StoredAnswer, principal: String, key: String) throws {
        try database.execute(
            sql: """
                INSERT INTO answers (principal, key, fingerprint, status, body, created_at) VALUES (?, ?, ?, ?, ?, ?)
                ON CONFLICT (principal, key) DO UPDATE SET fingerprint = excluded.fingerprint, status = excluded.status,
                    body = excluded.body, created_at = excluded.created_at
                """,
            arguments: [principal, key, answer.fingerprint, answer.status, Data(answer.body), answer.createdAt.nanoseconds])
    }

    /// Records the hash of a token issued for `subject` (a customer's token commits with the conversation it opens).
    public func saveToken(hash: String, subject: TokenSubject) throws {
        let (kind, id) = try subject.row
        try database.execute(
            sql:
                "INSERT INTO tokens (hash, kind, subject) VALUES (?, ?, ?) ON CONFLICT (hash) DO UPDATE SET kind = excluded.kind, subject = excluded.subject",
            arguments: [hash, kind, id])
    }

    /// The last instant the node applied a command at; nil before the first.
    public func lastInstant() throws -> Instant? {
        try Int64.fetchOne(database, sql: "SELECT value FROM meta WHERE name = 'lastInstant'").map(Instant.init(nanoseconds:))
    }

    /// Records the last instant the node applied a command at.
    public func setLastInstant(_ instant: Instant) throws {
        try database.execute(
            sql: "INSERT INTO meta (name, value) VALUES ('lastInstant', ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value",
            arguments: [instant.nanoseconds])
    }
}

extension TokenSubject {
    /// The `kind` and `subject` columns.
    var row: (kind: String, subject: Int64) {
        get throws {
            switch self {
            case .user(let user): ("user", try SQLiteStore.key(user.rawValue))
            case .customer(let conversation): ("customer", try SQLiteStore.key(conversation.rawValue))
            }
        }
    }

    init(kind: String, subject: Int64) throws {
        guard let id = UInt64(exactly: subject) else { throw EmbeddedStoreError.corruptRow(table: "tokens", "subject \(subject)") }
        switch kind {
        case "user": self = .user(UserID(id))
        case "customer": self = .customer(ConversationID(id))
        default: throw EmbeddedStoreError.corruptRow(table: "tokens", "kind \(kind)")
        }
    }
}

/// Why the embedded store refused to commit a command or read a row.
public enum EmbeddedStoreError: Error, Hashable, Sendable {
    /// A row was changed by another writer between its load and the commit: the command is not committed, and applying
    /// it again would plan and load afresh.
    case lostUpdate(table: String, id: UInt64, loadedVersion: UInt64?)
    /// An id past `Int64.max`, which an SQLite integer cannot hold.
    case idOutOfRange(UInt64)
    /// A row the store did not write in a form it reads.
    case corruptRow(table: String, String)
}
