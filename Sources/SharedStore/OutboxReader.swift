import Foundation
import Logging
import MonitoringEngine
import PostgresNIO
import StoredRows

/// One committed command as every node learns of it: its outbox row.
public struct OutboxEntry: Sendable {
    public var sequence: Int64
    /// The instant the command ran at, by the database's clock.
    public var instant: Instant
    /// The node that ran it.
    public var node: String
    public var events: [EventRecord]
    public var deliveries: [Delivery]
}

/// What one read of the outbox brings a node: the entries after its cursor that are certain to be all there are up to
/// the last of them, the current rows of every aggregate they name, and the database's clock at the read.
public struct OutboxBatch: Sendable {
    public var entries: [OutboxEntry]
    public var rows: ReplicatedRows
    public var databaseNow: Instant
    /// Whether more entries wait past this batch (a full page).
    public var more: Bool
}

/// Reads the outbox in sequence order for one node, on a connection of its own, so that a node that missed
/// notifications, or restarted, converges: it reads on from its cursor.
///
/// Sequence numbers are drawn before their transactions commit, so a reader may see 7 committed while 6 is not yet:
/// it stops at such a gap. The gap is either a transaction still in flight, which will fill it, or one that rolled
/// back, which never will. To tell them apart the reader takes a transaction id right after the read that first met
/// the gap (its horizon): every command's transaction takes its id before drawing a number, so whatever drew the
/// missing number had an id below the horizon; once a later snapshot's `xmin` reaches it, every such transaction has
/// ended, and a number still missing was rolled back — the reader steps over it. Each read is one REPEATABLE READ transaction, so the snapshot,
/// the entries and the rows it returns are one consistent state.
public final class OutboxReader: Sendable {
    public static let pageSize = 500

    private let pool: WorkerPool

    public init(location: DatabaseLocation, logger: Logger = Logger(label: "binoculars.outbox")) {
        // A read takes milliseconds: past two seconds its connection is given up on and the next read opens another
        // (after a database restart a statement sent as the connection closed may never be answered).
        pool = WorkerPool(location: location, size: 1, queueMaximum: 256, statementTimeout: .seconds(2), logger: logger)
    }

    deinit { pool.shutdown() }

    public func shutdown() { pool.shutdown() }

    /// The entries after `cursor.sequence`, as far as they are certain, with the rows they name — except the rows
    /// named only by the entries in `installed`, which the reader already has as they were committed.
    public func read(after cursor: OutboxCursor, installed: Set<Int64> = []) async throws -> (OutboxBatch, OutboxCursor) {
        try await pool.run { connection in
            let state = connection.readerState()
            try connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            do {
                var result = try Self.read(after: cursor, installed: installed, on: connection, coding: state.coding)
                try connection.query("COMMIT")
                if let gap = result.1.gap, gap.horizon == 0 {
                    // A gap seen for the first time: its horizon is a transaction id assigned now, after the snapshot
                    // that saw it, so above the id of whatever drew the missing number. (The snapshot's own `xmax` is
                    // the last completed id + 1, which a transaction still running may have reached or passed.)
                    let rows = try connection.query("SELECT pg_current_xact_id()::text").rows
                    result.1.gap?.horizon = UInt64(try rows.first?.decode(String.self) ?? "") ?? 0
                }
                return result
            } catch {
                _ = try? connection.query("ROLLBACK")
                throw error
            }
        }
    }

    private static func read(after start: OutboxCursor, installed: Set<Int64>, on connection: BlockingConnection, coding: RowCoding)
        throws
        -> (OutboxBatch, OutboxCursor)
    {
        var cursor = start
        guard
            let snapshot = try connection.query(
                """
                SELECT pg_snapshot_xmin(pg_current_snapshot())::text, (extract(epoch FROM clock_timestamp()) * 1000000000)::bigint
                """
            ).rows.first
        else { throw SharedStoreError.stalePlan("no snapshot") }
        let (xminText, clock) = try snapshot.decode((String, Int64).self)
        let xmin = UInt64(xminText) ?? 0
        let rows = try connection.query(
            """
            SELECT sequence, instant, node, events, deliveries, conversations, users, queues, roles FROM outbox
            WHERE sequence > \(cursor.sequence) ORDER BY sequence LIMIT \(pageSize)
            """
        ).rows
        var entries: [OutboxEntry] = []
        var conversations = Set<Int64>()
        var users = Set<Int64>()
        var queues = Set<Int64>()
        var roles = Set<Int64>()
        for row in rows {
            let (sequence, instant, node, events, deliveries, conversationIDs, userIDs, queueIDs, roleIDs) = try row.decode(
                (Int64, Int64, String, Data, Data, [Int64], [Int64], [Int64], [Int64]).self)
            if sequence != cursor.sequence + 1 {
                // A gap before `sequence`: step over it only once every transaction that may hold it has ended.
                if let gap = cursor.gap, gap.from == cursor.sequence + 1, gap.horizon > 0, xmin >= gap.horizon {
                    cursor.gap = nil
                } else {
                    if cursor.gap?.from != cursor.sequence + 1 { cursor.gap = (cursor.sequence + 1, 0) }
                    break
                }
            }
            entries.append(
                OutboxEntry(
                    sequence: sequence, instant: Instant(nanoseconds: instant), node: node,
                    events: try coding.decoder.decode([EventRecord].self, from: events),
                    deliveries: try coding.decoder.decode([Delivery].self, from: deliveries)))
            if !installed.contains(sequence) {
                conversations.formUnion(conversationIDs)
                users.formUnion(userIDs)
                queues.formUnion(queueIDs)
                roles.formUnion(roleIDs)
            }
            cursor.sequence = sequence
            cursor.gap = nil
        }
        func fetch<Value: Decodable>(_ type: Value.Type, _ table: String, _ ids: Set<Int64>) throws -> [Value] {
            guard !ids.isEmpty else { return [] }
            return try connection.query(unsafeSQL: "SELECT body FROM \(table) WHERE id = ANY($1) ORDER BY id", [Array(ids)]).rows.map {
                try coding.decoder.decode(Value.self, from: try $0.decode(Data.self))
            }
        }
        let replicated = ReplicatedRows(
            conversations: try fetch(Conversation.self, "conversations", conversations), users: try fetch(User.self, "users", users),
            queues: try fetch(Queue.self, "queues", queues), roles: try fetch(Role.self, "roles", roles))
        let batch = OutboxBatch(
            entries: entries, rows: replicated, databaseNow: Instant(nanoseconds: clock),
            more: rows.count == pageSize && entries.count == rows.count)
        return (batch, cursor)
    }

    /// Listens on the outbox channel on a connection of its own, calling `wake` for each notification, until the task
    /// is cancelled; reconnects after an error (the database restarting).
    public static func listen(_ location: DatabaseLocation, wake: @escaping @Sendable () -> Void) async {
        let logger = Logger(label: "binoculars.listen")
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: location.configuration, id: 1_000, logger: logger)
                do {
                    // The wake at each (re)connection covers whatever was notified while no one listened.
                    wake()
                    try await connection.listen(on: SharedDatabase.channel) { notifications in
                        for try await _ in notifications { wake() }
                    }
                } catch {}
                try? await connection.close()
            } catch {}
            try? await Task.sleep(for: .milliseconds(250))
        }
    }

    /// The sequence number of the newest outbox entry committed (0 for none): how far a node must read to have seen
    /// everything committed before it asked.
    public func head() async throws -> Int64 {
        try await pool.run { connection in
            try connection.query("SELECT COALESCE(max(sequence), 0) FROM outbox").rows.first?.decode(Int64.self) ?? 0
        }
    }
}

/// How far a node has read the outbox: every entry up to `sequence` is applied or known never to exist; `gap` is the
/// first missing number after it, with the transaction id past which it is known to be rolled back (0 until taken).
public struct OutboxCursor: Sendable {
    public var sequence: Int64 = 0
    var gap: (from: Int64, horizon: UInt64)?

    public init() {}
}

/// The reader's coders, kept with its connection.
final class ReaderState {
    let coding = RowCoding()
}

extension BlockingConnection {
    func readerState() -> ReaderState {
        if let state = attachment as? ReaderState { return state }
        let state = ReaderState()
        attachment = state
        return state
    }
}
