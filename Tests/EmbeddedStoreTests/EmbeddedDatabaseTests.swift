import Foundation
import GRDB
import MonitoringEngine
import StoredRows
import Testing

@testable import EmbeddedStore

/// The durable store of a live node: the same rules through SQLite rows as through the in-memory engine, committed
/// whole or not at all, and still there after the process is gone.
@Suite("The embedded SQLite store: the engine's rules, durable")
struct EmbeddedDatabaseTests {
    @Test("M8 M10 M11 M12 M18 seeded random runs through SQLite give the engine's outcomes, events, deliveries and snapshot")
    func randomRunsMatchTheEngine() throws {
        var commands = 0
        var seen: [String: Int] = [:]
        for seed in UInt64(1)...40 {
            let file = try TemporaryDatabase()
            defer { file.remove() }
            var twin = try Twin(database: try file.open(), configuration: file.configuration)
            var random = SplitMix64(seed: seed)
            for _ in 0..<120 { try twin.randomStep(&random) }
            #expect(try twin.database.snapshot() == twin.engine.snapshot(), "seed \(seed)")
            let stored = try twin.database.events(after: 0, limit: .max)
            #expect(stored.map(\.record) == twin.events, "seed \(seed): the events table is the outbox of every command")
            #expect(stored.map(\.sequence) == Array(1...Int64(stored.count)), "seed \(seed)")
            commands += twin.commands
            for record in twin.events {
                switch record.event {
                case .monitoringStarted: seen["M8 started", default: 0] += 1
                case .monitorDenied(_, _, .alreadyMonitored): seen["M8 refused", default: 0] += 1
                case .monitoringResumed: seen["M10 resumed", default: 0] += 1
                case .monitoringEnded(_, _, .leaseExpired): seen["M12 expired", default: 0] += 1
                case .monitoringEnded(_, _, .stoppedFromInteraction), .monitoringEnded(_, _, .stoppedFromDetails):
                    seen["stopped", default: 0] += 1
                case .permissionsChanged: seen["M18 permissions", default: 0] += 1
                default: break
                }
            }
        }
        #expect(commands > 5_000)
        // The runs exercise what they are named after, not only refusals.
        for rule in ["M8 started", "M8 refused", "M10 resumed", "M12 expired", "stopped", "M18 permissions"] {
            #expect(seen[rule, default: 0] > 20, "\(rule): \(seen)")
        }
    }

    @Test("events(after:limit:) pages through the outbox oldest first")
    func eventsArePaged() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        let twin = try Twin(database: try file.open(), configuration: file.configuration)
        var pages: [EventRecord] = []
        var last: Int64 = 0
        while case let page = try twin.database.events(after: last, limit: 7), let end = page.last {
            #expect(page.count <= 7)
            pages += page.map(\.record)
            last = end.sequence
        }
        #expect(pages == twin.events)
    }

    @Test("M12 a reopened file holds the same aggregates, and its active sessions expire at their lease deadlines")
    func reopenedFileKeepsEverything() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        let before: EngineSnapshot
        do {
            // The first connection closes when the twin, its last holder, goes out of scope.
            var twin = try Twin(database: try file.open(), configuration: file.configuration)
            var random = SplitMix64(seed: 99)
            for _ in 0..<80 { try twin.randomStep(&random) }
            // A supervisor and an agent the random steps never touched, so that one session is surely active.
            let supervisor = UserID(30)
            let agent = UserID(31)
            try twin.must(
                .addUser(User(id: supervisor, displayName: "Olga", licence: .cx3, roles: [Twin.supervisorRole], presence: .available)))
            try twin.must(.addUser(User(id: agent, displayName: "Pat", licence: .cx1, roles: [Twin.agentRole], presence: .onQueue)))
            let conversation = try twin.inProgress(agent: agent)
            try twin.must(.startMonitoring(conversation, supervisor: supervisor, agent: nil, via: .interactions))
            before = try twin.database.snapshot()
            #expect(before == twin.engine.snapshot())
        }
        let active = before.conversations.compactMap(\.activeSession)
        #expect(!active.isEmpty)

        let reopened = try file.open()
        #expect(try reopened.snapshot() == before)
        let latest = active.map(\.leaseExpiresAt).max()!
        var reloaded = MonitoringEngine(configuration: file.configuration, snapshot: before)
        let expected = reloaded.execute(.expireLeases, at: latest + .seconds(1))
        let applied = try reopened.apply(.expireLeases, at: latest + .seconds(1))
        #expect(applied.result == .success(.leasesExpired(count: active.count)))
        #expect(applied.result == expected)
        #expect(applied.events == reloaded.events)
        let after = try reopened.snapshot()
        for session in active {
            let ended = after.conversations[Int(session.id.conversation.rawValue) - 1].sessions[Int(session.id.token) - 1]
            #expect(ended.endReason == .leaseExpired)
            #expect(ended.endedAt == session.leaseExpiresAt)
        }
        #expect(after == reloaded.snapshot())
    }

    @Test("A command whose alongside throws commits nothing: aggregates, events and answers stay as they were")
    func alongsideThrowingRollsBack() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        let twin = try Twin(database: try file.open(), configuration: file.configuration)
        let database = twin.database
        let before = try database.snapshot()
        let eventsBefore = try database.events(after: 0, limit: .max)
        let answer = StoredAnswer(fingerprint: "f", status: 201, body: Array("{}".utf8), createdAt: twin.now)
        #expect(throws: Abort.self) {
            try database.apply(
                .startMonitoring(ConversationID(1), supervisor: Twin.alice, agent: nil, via: .interactions), at: twin.now + .seconds(1)
            ) { transaction, applied in
                #expect(applied.events.count > 0, "the command was applied inside the transaction")
                try transaction.save(answer, principal: "user:1", key: "k")
                try transaction.setLastInstant(twin.now + .seconds(1))
                throw Abort()
            }
        }
        #expect(try database.snapshot() == before)
        #expect(try database.events(after: 0, limit: .max).map(\.sequence) == eventsBefore.map(\.sequence))
        #expect(try database.answer(principal: "user:1", key: "k") == nil)
        #expect(try database.lastInstant() == nil)
        // The next command runs as if the rolled-back one had never been.
        let applied = try database.apply(
            .startMonitoring(ConversationID(1), supervisor: Twin.alice, agent: nil, via: .interactions), at: twin.now + .seconds(2))
        guard case .success(.monitoringStarted(let session)) = applied.result else {
            Issue.record("\(applied.result)")
            return
        }
        #expect(session.id == SessionID(conversation: ConversationID(1), token: 1))
    }

    @Test("A row changed by another writer between its load and the commit is a lost update, never overwritten")
    func lostUpdateIsDetected() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        let twin = try Twin(database: try file.open(), configuration: file.configuration)
        let conversation = twin.engine.conversations[ConversationID(1)]!
        let newUser = UserID(77)
        try twin.database.queue.write { db in
            let store = SQLiteStore(access: RowAccess(database: db, coding: RowCoding()))
            try checkLostUpdate(store, db, configuration: file.configuration) { store, transaction in
                store.lock(conversation: conversation.id, into: &transaction)
                // Another writer moves the row on after the load.
                try db.execute(sql: "UPDATE conversations SET version = version + 1 WHERE id = ?", arguments: [1])
            }
            #expect(store.failure as? EmbeddedStoreError == .lostUpdate(table: "conversations", id: 1, loadedVersion: conversation.version))
        }
        try twin.database.queue.write { db in
            let store = SQLiteStore(access: RowAccess(database: db, coding: RowCoding()))
            try checkLostUpdate(store, db, configuration: file.configuration) { store, transaction in
                store.lock(user: newUser, into: &transaction)
                transaction.users[newUser] = User(id: newUser, displayName: "Late", licence: .cx1)
                // Another writer inserts the same user after the load found none.
                try db.execute(sql: "INSERT INTO users (id, version, json) VALUES (?, 1, x'7B7D')", arguments: [newUser.rawValue])
            }
            #expect(store.failure as? EmbeddedStoreError == .lostUpdate(table: "users", id: newUser.rawValue, loadedVersion: nil))
        }
        #expect(try twin.database.snapshot() == twin.engine.snapshot(), "the test's writes were rolled back")
    }

    /// Locks through `store`, lets `interfere` write as another writer would, commits, and rolls the test's writes back.
    private func checkLostUpdate(
        _ store: SQLiteStore, _ db: Database, configuration: EngineConfiguration,
        interfere: (inout SQLiteStore, inout Transaction<LoadedRows>) throws -> Void
    ) throws {
        var store = store
        var transaction = Transaction<LoadedRows>(configuration: configuration)
        try db.inSavepoint {
            store.begin(&transaction)
            try interfere(&store, &transaction)
            #expect(store.failure == nil)
            store.commit(&transaction)
            return .rollback
        }
    }

    @Test("Idempotency answers, tokens and the last instant round-trip, survive reopening, and old answers are pruned")
    func answersAndTokensSurviveReopening() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        let first = StoredAnswer(fingerprint: "sha-a", status: 201, body: Array("{\"session\":1}".utf8), createdAt: .seconds(1_000))
        let second = StoredAnswer(fingerprint: "sha-b", status: 409, body: [0, 255, 7], createdAt: .seconds(2_000))
        do {
            let database = try file.open()
            #expect(try database.lastInstant() == nil)
            try database.apply(.defineRole(Role(id: RoleID(1), name: "Supervisor", permissions: .supervisorRole)), at: .seconds(1_000)) {
                transaction, _ in
                try transaction.save(first, principal: "user:1", key: "start-1")
                try transaction.saveToken(hash: "c0ffee", subject: .customer(ConversationID(3)))
                try transaction.setLastInstant(.seconds(1_000))
            }
            try database.apply(.expireLeases, at: .seconds(2_000)) { transaction, _ in
                #expect(try transaction.answer(principal: "user:1", key: "start-1") == first)
                try transaction.save(second, principal: "user:2", key: "start-1")
            }
            try database.saveToken(hash: "beef", subject: .user(UserID(1)))
            try database.setLastInstant(.seconds(2_000))
        }
        let database = try file.open()
        #expect(try database.answer(principal: "user:1", key: "start-1") == first)
        #expect(try database.answer(principal: "user:2", key: "start-1") == second)
        #expect(try database.answer(principal: "user:1", key: "other") == nil)
        #expect(try database.subject(forTokenHash: "beef") == .user(UserID(1)))
        #expect(try database.subject(forTokenHash: "c0ffee") == .customer(ConversationID(3)))
        #expect(try database.subject(forTokenHash: "dead") == nil)
        #expect(try database.hasTokens(for: UserID(1)))
        #expect(try !database.hasTokens(for: UserID(3)), "a customer token of conversation 3 is not user 3's")
        #expect(try database.lastInstant() == .seconds(2_000))
        #expect(try database.pruneAnswers(before: .seconds(1_500)) == 1)
        #expect(try database.answer(principal: "user:1", key: "start-1") == nil)
        #expect(try database.answer(principal: "user:2", key: "start-1") == second)
    }

    @Test("M8 M11 through the durable store: a second start is alreadyMonitored, a stop of an ended session ends nothing")
    func exclusiveLockAndFencing() throws {
        let file = try TemporaryDatabase()
        defer { file.remove() }
        var twin = try Twin(database: try file.open(), configuration: file.configuration)
        let conversation = ConversationID(1)
        guard
            case .monitoringStarted(let first) = try twin.must(.startMonitoring(conversation, supervisor: Twin.alice, agent: nil, via: .interactions))
        else {
            Issue.record("alice was not granted monitoring")
            return
        }
        let refused = try twin.run(.startMonitoring(conversation, supervisor: Twin.bob, agent: nil, via: .interactions))
        #expect(refused == .failure(.alreadyMonitored(by: first.holder, since: first.startedAt)))

        try twin.must(.stopMonitoring(first.id, by: Twin.alice, from: .interaction))
        guard
            case .monitoringStarted(let second) = try twin.must(.startMonitoring(conversation, supervisor: Twin.bob, agent: nil, via: .interactions))
        else {
            Issue.record("bob was not granted monitoring")
            return
        }
        #expect(second.id.token == first.id.token + 1)
        let before = try twin.database.snapshot()
        let eventsBefore = try twin.database.events(after: 0, limit: .max).count
        let stale = try twin.run(.stopMonitoring(first.id, by: Twin.alice, from: .interaction))
        #expect(stale == .failure(.sessionAlreadyEnded(first.id, .stoppedFromInteraction)))
        #expect(try twin.database.snapshot() == before, "the stale stop ended nothing")
        #expect(try twin.database.events(after: 0, limit: .max).count == eventsBefore)
        #expect(try twin.database.snapshot().conversations[0].activeSession?.id == second.id)
        #expect(try twin.database.snapshot() == twin.engine.snapshot())
    }
}

struct Abort: Error {}
