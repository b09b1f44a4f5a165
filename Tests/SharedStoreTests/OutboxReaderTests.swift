import Foundation
import LocalPostgres
import Logging
import MonitoringEngine
import Testing

@testable import SharedStore

/// The outbox reader against a real PostgreSQL: outbox numbers are drawn before commit, so the reader must neither
/// skip a number whose transaction is still in flight (a node's views would miss a committed command for good) nor
/// wait for ever on one whose transaction rolled back.
@Suite("The outbox reader's gaps", .serialized)
struct OutboxReaderTests {
    @Test("M26 a gap is waited at while its transaction is in flight, read once it commits, stepped over once it rolls back")
    func gaps() async throws {
        let postgres = try LocalPostgres.start()
        defer { postgres.remove() }
        let location = try DatabaseLocation(url: postgres.url)
        let database = try await SharedDatabase(location: location, nodeID: "test", configuration: EngineConfiguration())
        defer { database.shutdown() }
        let reader = OutboxReader(location: location)
        defer { reader.shutdown() }
        let logger = Logger(label: "test")
        let first = try BlockingConnection(location: location, id: 1, logger: logger)
        let second = try BlockingConnection(location: location, id: 2, logger: logger)
        defer {
            first.close()
            second.close()
        }
        /// Begins a transaction as a command does (its id first) and appends an outbox row; returns its number.
        func append(on connection: BlockingConnection) throws -> Int64 {
            try connection.query("BEGIN")
            try connection.query("SELECT pg_current_xact_id()")
            let rows = try connection.query(
                """
                INSERT INTO outbox (instant, node, events, deliveries, conversations, users, queues, roles)
                VALUES (0, 'test', \(Data("[]".utf8)), \(Data("[]".utf8)), '{}', '{}', '{}', '{}') RETURNING sequence
                """
            ).rows
            return try #require(rows.first).decode(Int64.self)
        }

        var cursor = OutboxCursor()
        // 1 in flight, 2 committed: the reader waits at 1.
        let inFlight = try append(on: first)
        let committed = try append(on: second)
        try second.query("COMMIT")
        #expect(committed == inFlight + 1)
        var (batch, next) = try await reader.read(after: cursor)
        #expect(batch.entries.isEmpty, "nothing past a gap whose transaction is in flight")
        #expect(next.sequence == 0)
        cursor = next
        // Reading again does not step over it either while the transaction is still open.
        (batch, next) = try await reader.read(after: cursor)
        #expect(batch.entries.isEmpty && next.sequence == 0)
        cursor = next
        try first.query("COMMIT")
        (batch, next) = try await reader.read(after: cursor)
        #expect(batch.entries.map(\.sequence) == [inFlight, committed], "both, in order, once the first commits")
        cursor = next

        // 3 rolled back, 4 committed: the reader waits at 3 until the rollback, then steps over it.
        let rolledBack = try append(on: first)
        let after = try append(on: second)
        try second.query("COMMIT")
        (batch, next) = try await reader.read(after: cursor)
        #expect(batch.entries.isEmpty)
        cursor = next
        try first.query("ROLLBACK")
        (batch, next) = try await reader.read(after: cursor)
        #expect(batch.entries.map(\.sequence) == [after], "the rolled-back \(rolledBack) is stepped over")
        #expect(next.sequence == after)
    }
}
