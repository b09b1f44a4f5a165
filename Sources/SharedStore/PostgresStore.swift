import Foundation
import MonitoringEngine
import NIOCore
import PostgresNIO
import StoredRows

/// The rules' store seam over PostgreSQL rows, inside one transaction of one connection (`SharedDatabase.apply`):
/// planning reads are plain reads, each lock is `SELECT … FOR UPDATE` in the seam's order (conversations, users,
/// queues, roles, by ascending id), and the commit writes each changed row back with `WHERE version = $loaded`.
///
/// The isolation level is READ COMMITTED: a locked row is read at its latest committed version, after any writer that
/// held it has committed, so two commands on one conversation are applied one after the other, as on one node. What
/// the plan read without locks (the sessions a user holds, a role's holders) is read again once the rows that guard
/// it are locked; if it changed, the command fails with `stalePlan` and `SharedDatabase` runs it again from the plan.
/// The seam's methods cannot throw: the first error is kept and thrown once `execute` returns, before anything is
/// committed.
struct PostgresStore: AggregateStore {
    typealias Holdings = LoadedRows

    private let access: SharedRowAccess
    private var loadedConversations: [UInt64?] = []
    private var loadedUsers: [UInt64?] = []
    private var loadedQueues: [Bool] = []
    private var loadedRoles: [Bool] = []

    init(access: SharedRowAccess) { self.access = access }

    var failure: (any Error)? { access.failure }

    // MARK: Planning reads

    func sessionsHeld(by user: UserID) -> [SessionID] {
        access.attempt([]) { connection, coding in
            guard let id = Int64(exactly: user.rawValue) else { return [] }
            let rows = try connection.query("SELECT body FROM users WHERE id = \(id)").rows
            guard let row = rows.first else { return [] }
            let sessions = try coding.decoder.decode(User.self, from: try row.decode(Data.self)).monitoringSessions
            access.plannedSessions[user] = sessions
            return sessions
        }
    }

    func roles(of user: UserID) -> [RoleID] {
        access.attempt([]) { connection, _ in
            guard let id = Int64(exactly: user.rawValue) else { return [] }
            return try connection.query("SELECT role_id FROM user_roles WHERE user_id = \(id) ORDER BY role_id").rows.map {
                RoleID(UInt64(try $0.decode(Int64.self)))
            }
        }
    }

    func holders(of role: RoleID) -> [UserID] {
        let holders = readHolders(of: role)
        access.plannedHolders[role] = holders
        return holders
    }

    private func readHolders(of role: RoleID) -> [UserID] {
        access.attempt([]) { connection, _ in
            guard let id = Int64(exactly: role.rawValue) else { return [] }
            return try connection.query("SELECT user_id FROM user_roles WHERE role_id = \(id) ORDER BY user_id").rows.map {
                UserID(UInt64(try $0.decode(Int64.self)))
            }
        }
    }

    /// The due sessions by the database's clock (`now` is not the database's: the instant is read once the rows are
    /// locked, and the rule checks each lease again against it), whose conversations no other transaction holds, locked here and now (`FOR UPDATE SKIP
    /// LOCKED`): two nodes' sweepers never wait on each other and never both end one session — the row another
    /// sweeper holds is skipped, and by the time it is free its lease column no longer matches. The seam locks these
    /// conversations again in its order, which a transaction that already holds them passes at once.
    mutating func sessionsDue(at now: Instant, into due: inout [SessionID]) {
        let clock = access.nodeClock.map { String($0.nanoseconds) } ?? "(extract(epoch FROM clock_timestamp()) * 1000000000)::bigint"
        due += access.attempt([]) { connection, _ in
            try connection.query(
                unsafeSQL: """
                    SELECT id, lease_token FROM conversations
                    WHERE lease_deadline <= \(clock)
                    ORDER BY lease_deadline, id LIMIT 1000 FOR UPDATE SKIP LOCKED
                    """, []
            ).rows.map { row in
                let (id, token) = try row.decode((Int64, Int64).self)
                return SessionID(conversation: ConversationID(UInt64(id)), token: UInt64(token))
            }
        }
    }

    /// From a sequence: never issued twice, even by transactions that roll back (which leave a gap).
    mutating func issueConversationID() -> ConversationID {
        ConversationID(
            access.attempt(0) { connection, _ in
                UInt64(try connection.query("SELECT nextval('conversation_ids')").rows.first?.decode(Int64.self) ?? 0)
            })
    }

    // MARK: Locking loads

    /// `SharedDatabase.apply` has begun the transaction already.
    mutating func begin(_ transaction: inout Transaction<LoadedRows>) {
        loadedConversations.removeAll(keepingCapacity: true)
        loadedUsers.removeAll(keepingCapacity: true)
        loadedQueues.removeAll(keepingCapacity: true)
        loadedRoles.removeAll(keepingCapacity: true)
    }

    mutating func lock(conversation id: ConversationID, into transaction: inout Transaction<LoadedRows>) {
        let row = access.loadVersioned(Conversation.self, table: "conversations", id.rawValue)
        loadedConversations.append(row?.version)
        transaction.conversations.hold(id, row?.value)
    }

    mutating func lock(user id: UserID, into transaction: inout Transaction<LoadedRows>) {
        let row = access.loadVersioned(User.self, table: "users", id.rawValue)
        loadedUsers.append(row?.version)
        transaction.users.hold(id, row?.value)
        // Now that the user is locked its sessions cannot change: each must be in a conversation already locked.
        if let planned = access.plannedSessions[id], let user = row?.value, user.monitoringSessions != planned {
            access.fail(SharedStoreError.stalePlan("user \(id) holds \(user.monitoringSessions), planned \(planned)"))
        }
    }

    mutating func lock(queue id: QueueID, into transaction: inout Transaction<LoadedRows>) {
        let queue = access.load(Queue.self, table: "queues", id.rawValue)
        loadedQueues.append(queue != nil)
        transaction.queues.hold(id, queue)
    }

    mutating func lock(role id: RoleID, into transaction: inout Transaction<LoadedRows>) {
        let role = access.load(Role.self, table: "roles", id.rawValue)
        loadedRoles.append(role != nil)
        transaction.roles.hold(id, role)
        // A role's holders change only under its lock (`addUser`, `assignRoles` lock every role they add or drop).
        if let planned = access.plannedHolders[id], readHolders(of: id) != planned {
            access.fail(SharedStoreError.stalePlan("the holders of role \(id) changed"))
        }
    }

    /// The database's clock, read once the rows are locked: a command that waited for another's locks runs at an
    /// instant after that one committed, whichever node either ran on. Leases are decided by this clock alone.
    mutating func instantOnceLocked(planned: Instant) -> Instant {
        if let node = access.nodeClock { return node }
        return access.attempt(planned) { connection, _ in try SharedDatabase.databaseClock(connection) }
    }

    // MARK: Commit

    mutating func commit(_ transaction: inout Transaction<LoadedRows>) {
        let conversations = transaction.conversations
        for (position, id) in conversations.ids.enumerated() {
            let conversation = conversations[id]
            let lease = conversation?.activeSession
            access.writeVersioned(
                table: "conversations", id: id.rawValue, loaded: loadedConversations[position], conversation,
                lease: (lease?.leaseExpiresAt.nanoseconds, lease.map { Int64($0.id.token) }))
        }
        let users = transaction.users
        for (position, id) in users.ids.enumerated() {
            let user = users[id]
            access.writeVersioned(table: "users", id: id.rawValue, loaded: loadedUsers[position], user, lease: nil)
            if transaction.changesRoles { access.replaceRoles(of: id, with: user?.roles ?? []) }
        }
        for (position, id) in transaction.queues.ids.enumerated() {
            access.write(table: "queues", id: id.rawValue, wasStored: loadedQueues[position], transaction.queues[id])
        }
        for (position, id) in transaction.roles.ids.enumerated() {
            access.write(table: "roles", id: id.rawValue, wasStored: loadedRoles[position], transaction.roles[id])
        }
    }

    static func key(_ id: UInt64) throws -> Int64 {
        guard let key = Int64(exactly: id) else { throw SharedStoreError.idOutOfRange(id) }
        return key
    }
}

/// What `PostgresStore` reads and writes through during one transaction: the connection, the coders (with the rows
/// they decoded, kept by version), and the first error.
final class SharedRowAccess {
    let connection: BlockingConnection
    let coding: RowCoding
    private(set) var failure: (any Error)?
    /// What the plan read unlocked, checked once the rows guarding it are locked: the sessions of each user it read
    /// them for, and the holders of a role.
    var plannedSessions: [UserID: [SessionID]] = [:]
    var plannedHolders: [RoleID: [UserID]] = [:]
    /// The versioned rows this transaction wrote, to forget from the decoded rows if it rolls back.
    private var written: [(table: String, id: UInt64)] = []
    /// The broken variant `SharedStoreDefect.startWithoutLocking`: rows are read without `FOR UPDATE` and written back
    /// without checking the version they were read at, so two transactions can both decide from the same row.
    var unlocked = false
    /// The broken variant `SharedStoreDefect.leaseByNodeClock`: the node's clock, which dates and finds due leases in
    /// place of the database's.
    var nodeClock: Instant?
    /// Whether the transaction wrote any row (a lease sweep that found nothing due writes none).
    var wroteAny: Bool { !pending.isEmpty || !written.isEmpty }

    func forgetWritten() {
        for row in written { coding.decoded.forget(row.table, row.id) }
        written = []
    }

    /// Writes sent and not yet answered, each with the check its answer must pass (`finishWrites`).
    private var pending: [(EventLoopFuture<PostgresQueryResult>, (PostgresQueryResult) throws -> Void)] = []

    /// Waits for every write sent, in order, and checks each (a versioned write must change exactly one row); the
    /// first failure is kept. The transaction must not be committed before this returns without a failure.
    func finishWrites() {
        let writes = pending
        pending = []
        for (future, check) in writes {
            attempt(()) { connection, _ in try check(try connection.wait(future)) }
        }
    }

    init(connection: BlockingConnection, coding: RowCoding) {
        self.connection = connection
        self.coding = coding
    }

    func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    func attempt<T>(_ fallback: T, _ step: (BlockingConnection, RowCoding) throws -> T) -> T {
        guard failure == nil else { return fallback }
        do {
            return try step(connection, coding)
        } catch {
            failure = error
            return fallback
        }
    }

    func loadVersioned<Value: Decodable>(_ type: Value.Type, table: String, _ id: UInt64) -> (version: UInt64, value: Value)? {
        attempt((version: UInt64, value: Value)?.none) { connection, coding -> (version: UInt64, value: Value)? in
            guard let key = Int64(exactly: id) else { return nil }
            let lock = unlocked ? "" : " FOR UPDATE"
            let rows = try connection.query(unsafeSQL: "SELECT version, body FROM \(table) WHERE id = $1\(lock)", [key]).rows
            guard let row = rows.first else { return nil }
            let (stored, body) = try row.decode((Int64, Data).self)
            let version = UInt64(stored)
            if let kept: Value = coding.decoded.value(table, id, version: version) { return (version, kept) }
            let value = try coding.decoder.decode(Value.self, from: body)
            coding.decoded.keep(table, id, version: version, value)
            return (version, value)
        }
    }

    func load<Value: Decodable>(_ type: Value.Type, table: String, _ id: UInt64) -> Value? {
        attempt(Value?.none) { connection, coding -> Value? in
            guard let key = Int64(exactly: id) else { return nil }
            let lock = unlocked ? "" : " FOR UPDATE"
            let rows = try connection.query(unsafeSQL: "SELECT body FROM \(table) WHERE id = $1\(lock)", [key]).rows
            guard let row = rows.first else { return nil }
            return try coding.decoder.decode(Value.self, from: try row.decode(Data.self))
        }
    }

    /// As the embedded store: `UPDATE … WHERE version = $loaded`, `INSERT … ON CONFLICT DO NOTHING`, `DELETE … WHERE
    /// version = $loaded`, each of which must change exactly one row, or the command fails with `lostUpdate`. An
    /// unchanged row is not written: its lock, held since it was loaded, is what guarantees nobody changed it.
    func writeVersioned(
        table: String, id: UInt64, loaded: UInt64?, _ value: (some Encodable & Versioned)?, lease: (Int64?, Int64?)?
    ) {
        attempt(()) { connection, coding in
            let key = try PostgresStore.key(id)
            let result: EventLoopFuture<PostgresQueryResult>
            switch (loaded, value) {
            case (nil, nil):
                return
            case (let loaded?, nil):
                result = try connection.send(unsafeSQL: "DELETE FROM \(table) WHERE id = $1 AND version = $2", [key, Int64(loaded)])
            case (nil, let value?):
                let body = try coding.encoder.encode(value)
                if let lease {
                    result = try connection.send(
                        unsafeSQL: """
                            INSERT INTO \(table) (id, version, body, lease_deadline, lease_token) VALUES ($1, $2, $3, $4, $5)
                            ON CONFLICT (id) DO NOTHING
                            """, [key, Int64(value.version), body, lease.0, lease.1])
                } else {
                    result = try connection.send(
                        unsafeSQL: "INSERT INTO \(table) (id, version, body) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING",
                        [key, Int64(value.version), body])
                }
            case (let loaded?, let value?) where value.version == loaded:
                return
            case (_?, let value?) where unlocked:
                // The broken variant overwrites whatever is there.
                let body = try coding.encoder.encode(value)
                if let lease {
                    result = try connection.send(
                        unsafeSQL: "UPDATE \(table) SET version = $1, body = $2, lease_deadline = $3, lease_token = $4 WHERE id = $5",
                        [Int64(value.version), body, lease.0, lease.1, key])
                } else {
                    result = try connection.send(
                        unsafeSQL: "UPDATE \(table) SET version = $1, body = $2 WHERE id = $3", [Int64(value.version), body, key])
                }
            case (let loaded?, let value?):
                let body = try coding.encoder.encode(value)
                if let lease {
                    result = try connection.send(
                        unsafeSQL: """
                            UPDATE \(table) SET version = $1, body = $2, lease_deadline = $3, lease_token = $4
                            WHERE id = $5 AND version = $6
                            """, [Int64(value.version), body, lease.0, lease.1, key, Int64(loaded)])
                } else {
                    result = try connection.send(
                        unsafeSQL: "UPDATE \(table) SET version = $1, body = $2 WHERE id = $3 AND version = $4",
                        [Int64(value.version), body, key, Int64(loaded)])
                }
            }
            pending.append(
                (
                    result,
                    { result in
                        guard connection.changed(by: result) == 1 else {
                            throw SharedStoreError.lostUpdate(table: table, id: id, loadedVersion: loaded)
                        }
                        if let value { coding.decoded.keep(table, id, version: value.version, value) } else { coding.decoded.forget(table, id) }
                    }
                ))
            written.append((table, id))
        }
    }

    func write(table: String, id: UInt64, wasStored: Bool, _ value: (some Encodable)?) {
        attempt(()) { connection, coding in
            let key = try PostgresStore.key(id)
            if let value {
                pending.append(
                    (
                        try connection.send(
                            unsafeSQL: "INSERT INTO \(table) (id, body) VALUES ($1, $2) ON CONFLICT (id) DO UPDATE SET body = excluded.body",
                            [key, try coding.encoder.encode(value)]), { _ in }
                    ))
            } else if wasStored {
                pending.append((try connection.send(unsafeSQL: "DELETE FROM \(table) WHERE id = $1", [key]), { _ in }))
            }
        }
    }

    func replaceRoles(of user: UserID, with roles: [RoleID]) {
        attempt(()) { connection, _ in
            let key = try PostgresStore.key(user.rawValue)
            let wanted = try roles.map { try PostgresStore.key($0.rawValue) }
            try connection.query("DELETE FROM user_roles WHERE user_id = \(key) AND NOT (role_id = ANY(\(wanted)))")
            try connection.query(
                "INSERT INTO user_roles (user_id, role_id) SELECT \(key), unnest(\(wanted)::bigint[]) ON CONFLICT DO NOTHING")
        }
    }
}
