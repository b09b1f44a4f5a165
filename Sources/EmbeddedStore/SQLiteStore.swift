import Foundation
import GRDB
import MonitoringEngine
import StoredRows

/// The rules' store seam over the SQLite rows of one write transaction: planning reads are queries on the columns kept
/// beside the JSON rows, locks load rows, and the commit writes them back with a version check.
///
/// It holds the `Database` of one `EmbeddedDatabase.apply` only: SQLite's write lock (`BEGIN IMMEDIATE`) is held for
/// the whole command, so the reads of the plan and the loads of the lock see the same state. `AggregateStore`'s methods
/// cannot throw, so the first database error is kept in `failure`, later steps skip the database, and `apply` throws it
/// once `execute` returns, which rolls the transaction back: a command is committed whole or not at all.
public struct SQLiteStore: AggregateStore {
    public typealias Holdings = LoadedRows

    private let access: RowAccess
    /// The version of each conversation and user locked, by lock position (nil when absent): what the commit's
    /// `WHERE version = ?` compares against.
    private var loadedConversations: [UInt64?] = []
    private var loadedUsers: [UInt64?] = []
    /// Whether each queue and role locked was stored, by lock position.
    private var loadedQueues: [Bool] = []
    private var loadedRoles: [Bool] = []

    init(access: RowAccess) {
        self.access = access
    }

    /// The first error a step met; the command must not be committed when there is one.
    public var failure: (any Error)? { access.failure }

    // MARK: Planning reads

    public func sessionsHeld(by user: UserID) -> [SessionID] {
        access.attempt([]) { db, coding in
            guard let id = Int64(exactly: user.rawValue),
                let json = try Data.fetchOne(db.cachedStatement(sql: "SELECT json FROM users WHERE id = ?"), arguments: [id])
            else { return [] }
            return try coding.decoder.decode(User.self, from: json).monitoringSessions
        }
    }

    public func roles(of user: UserID) -> [RoleID] {
        access.attempt([]) { db, _ in
            guard let id = Int64(exactly: user.rawValue) else { return [] }
            let statement = try db.cachedStatement(sql: "SELECT role_id FROM user_roles WHERE user_id = ? ORDER BY role_id")
            return try UInt64.fetchAll(statement, arguments: [id]).map(RoleID.init(rawValue:))
        }
    }

    public func holders(of role: RoleID) -> [UserID] {
        access.attempt([]) { db, _ in
            guard let id = Int64(exactly: role.rawValue) else { return [] }
            let statement = try db.cachedStatement(sql: "SELECT user_id FROM user_roles WHERE role_id = ? ORDER BY user_id")
            return try UInt64.fetchAll(statement, arguments: [id]).map(UserID.init(rawValue:))
        }
    }

    /// The lease column holds only the deadline of the active session, so nothing is stale and nothing is dropped: the
    /// `expireLeases` that asks ends every session returned, and its commit clears their columns.
    public mutating func sessionsDue(at now: Instant, into due: inout [SessionID]) {
        due += access.attempt([]) { db, _ in
            let statement = try db.cachedStatement(
                sql: """
                    SELECT id, lease_token FROM conversations WHERE lease_deadline <= ?
                    ORDER BY lease_deadline, id, lease_token
                    """)
            return try Row.fetchAll(statement, arguments: [now.nanoseconds]).map { row in
                SessionID(conversation: ConversationID(row[0] as UInt64), token: row[1])
            }
        }
    }

    /// Conversations are never removed and a new one is inserted in the same transaction, so the next id after the
    /// highest stored is dense from 1 and never issued twice.
    public mutating func issueConversationID() -> ConversationID {
        ConversationID(
            access.attempt(0) { db, _ in
                try UInt64.fetchOne(db.cachedStatement(sql: "SELECT COALESCE(MAX(id), 0) + 1 FROM conversations")) ?? 1
            })
    }

    // MARK: Locking loads

    /// The transaction is `apply`'s, already begun: there is nothing to open here.
    public mutating func begin(_ transaction: inout Transaction<LoadedRows>) {
        loadedConversations.removeAll(keepingCapacity: true)
        loadedUsers.removeAll(keepingCapacity: true)
        loadedQueues.removeAll(keepingCapacity: true)
        loadedRoles.removeAll(keepingCapacity: true)
    }

    public mutating func lock(conversation id: ConversationID, into transaction: inout Transaction<LoadedRows>) {
        let row = access.loadVersioned(
            Conversation.self, "SELECT version, json FROM conversations WHERE id = ?", id.rawValue, table: "conversations")
        loadedConversations.append(row?.version)
        transaction.conversations.hold(id, row?.value)
    }

    public mutating func lock(user id: UserID, into transaction: inout Transaction<LoadedRows>) {
        let row = access.loadVersioned(User.self, "SELECT version, json FROM users WHERE id = ?", id.rawValue, table: "users")
        loadedUsers.append(row?.version)
        transaction.users.hold(id, row?.value)
    }

    public mutating func lock(queue id: QueueID, into transaction: inout Transaction<LoadedRows>) {
        let queue = access.load(Queue.self, "SELECT json FROM queues WHERE id = ?", id.rawValue)
        loadedQueues.append(queue != nil)
        transaction.queues.hold(id, queue)
    }

    public mutating func lock(role id: RoleID, into transaction: inout Transaction<LoadedRows>) {
        let role = access.load(Role.self, "SELECT json FROM roles WHERE id = ?", id.rawValue)
        loadedRoles.append(role != nil)
        transaction.roles.hold(id, role)
    }

    // MARK: Commit

    /// Writes back every aggregate held, present or removed, and the planning columns that follow from it: a
    /// conversation's lease deadline and a user's roles.
    public mutating func commit(_ transaction: inout Transaction<LoadedRows>) {
        let conversations = transaction.conversations
        for (position, id) in conversations.ids.enumerated() {
            let conversation = conversations[id]
            let lease = conversation?.activeSession
            access.writeVersioned(
                table: "conversations", id: id.rawValue, loaded: loadedConversations[position], conversation,
                columns: ["lease_deadline": lease?.leaseExpiresAt.nanoseconds, "lease_token": lease.map { Int64($0.id.token) }])
        }
        let users = transaction.users
        for (position, id) in users.ids.enumerated() {
            let user = users[id]
            access.writeVersioned(table: "users", id: id.rawValue, loaded: loadedUsers[position], user)
            // Only `addUser` and `assignRoles` change a user's roles: other commands leave the user–role table alone.
            if transaction.changesRoles { access.replaceRoles(of: id, with: user?.roles ?? []) }
        }
        for (position, id) in transaction.queues.ids.enumerated() {
            access.write(table: "queues", id: id.rawValue, wasStored: loadedQueues[position], transaction.queues[id])
        }
        for (position, id) in transaction.roles.ids.enumerated() {
            access.write(table: "roles", id: id.rawValue, wasStored: loadedRoles[position], transaction.roles[id])
        }
    }

    /// An id as an SQLite integer, to write: ids are unsigned 64-bit and SQLite's signed, so an id past `Int64.max`
    /// cannot be stored and fails the command rather than wrapping (a wrapped id would sort before every other). Reads
    /// of such an id find nothing, as no row can have it.
    static func key(_ id: UInt64) throws -> Int64 {
        guard let key = Int64(exactly: id) else { throw EmbeddedStoreError.idOutOfRange(id) }
        return key
    }
}

/// What a store reads and writes through during one write transaction: the connection, the coders, and the first error.
///
/// A class, so that the seam's non-mutating planning reads can record an error too.
final class RowAccess {
    let database: Database
    let coding: RowCoding
    private(set) var failure: (any Error)?

    init(database: Database, coding: RowCoding) {
        self.database = database
        self.coding = coding
    }

    /// Runs one step unless an earlier one failed, keeping its error and answering `fallback` instead: the rule still
    /// runs over what was loaded, but `apply` throws and nothing is committed.
    func attempt<T>(_ fallback: T, _ step: (Database, RowCoding) throws -> T) -> T {
        guard failure == nil else { return fallback }
        do {
            return try step(database, coding)
        } catch {
            failure = error
            return fallback
        }
    }

    /// A versioned row, decoded — or, when the row's version is the one this store last wrote or read for it, the
    /// value kept from then, since a row never changes without its version moving on (decoding a conversation's JSON
    /// is most of what a command costs here).
    func loadVersioned<Value: Decodable>(_ type: Value.Type, _ sql: String, _ id: UInt64, table: String) -> (version: UInt64, value: Value)? {
        attempt(nil) { db, coding in
            guard let key = Int64(exactly: id), let row = try Row.fetchOne(db.cachedStatement(sql: sql), arguments: [key])
            else { return nil }
            let version: UInt64 = row[0]
            if let kept: Value = coding.decoded.value(table, id, version: version) { return (version, kept) }
            let value = try coding.decoder.decode(Value.self, from: row[1] as Data)
            coding.decoded.keep(table, id, version: version, value)
            return (version, value)
        }
    }

    func load<Value: Decodable>(_ type: Value.Type, _ sql: String, _ id: UInt64) -> Value? {
        attempt(nil) { db, coding in
            guard let key = Int64(exactly: id), let json = try Data.fetchOne(db.cachedStatement(sql: sql), arguments: [key])
            else { return nil }
            return try coding.decoder.decode(Value.self, from: json)
        }
    }

    /// `UPDATE … WHERE id = ? AND version = $loaded` for a row that was stored, `INSERT` for a new one, `DELETE … WHERE
    /// version = $loaded` for one removed: a row another writer changed since it was loaded matches nothing (or is
    /// there already, for an insert), and the command fails with `lostUpdate` instead of overwriting that change.
    func writeVersioned(
        table: String, id: UInt64, loaded: UInt64?, _ value: (some Encodable & Versioned)?,
        columns: KeyValuePairs<String, (any DatabaseValueConvertible)?> = [:]
    ) {
        attempt(()) { db, coding in
            let key = try SQLiteStore.key(id)
            let names = columns.map(\.key)
            let extra = StatementArguments(columns.map(\.value))
            switch (loaded, value) {
            case (nil, nil):
                return
            case (let loaded?, nil):
                try db.cachedStatement(sql: "DELETE FROM \(table) WHERE id = ? AND version = ?").execute(arguments: [key, loaded])
            case (nil, let value?):
                let sql = """
                    INSERT INTO \(table) (id, version, json\(names.map { ", \($0)" }.joined())) \
                    VALUES (?, ?, ?\(String(repeating: ", ?", count: names.count))) ON CONFLICT(id) DO NOTHING
                    """
                try db.cachedStatement(sql: sql).execute(arguments: [key, value.version, try coding.encoder.encode(value)] + extra)
            case (let loaded?, let value?) where value.version == loaded:
                // Unchanged (its version did not move on): nothing to encode; the check that nobody else changed it stays.
                guard
                    try Bool.fetchOne(
                        db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM \(table) WHERE id = ? AND version = ?)"), arguments: [key, loaded])
                        == true
                else { throw EmbeddedStoreError.lostUpdate(table: table, id: id, loadedVersion: loaded) }
                return
            case (let loaded?, let value?):
                let sql = "UPDATE \(table) SET version = ?, json = ?\(names.map { ", \($0) = ?" }.joined()) WHERE id = ? AND version = ?"
                try db.cachedStatement(sql: sql).execute(
                    arguments: [value.version, try coding.encoder.encode(value)] + extra + [key, loaded])
            }
            guard db.changesCount == 1 else { throw EmbeddedStoreError.lostUpdate(table: table, id: id, loadedVersion: loaded) }
            if let value { coding.decoded.keep(table, id, version: value.version, value) } else { coding.decoded.forget(table, id) }
        }
    }

    /// Writes an unversioned row (queues and roles, which only the directory commands change, each naming its own).
    func write(table: String, id: UInt64, wasStored: Bool, _ value: (some Encodable)?) {
        attempt(()) { db, coding in
            let key = try SQLiteStore.key(id)
            if let value {
                let sql = "INSERT INTO \(table) (id, json) VALUES (?, ?) ON CONFLICT(id) DO UPDATE SET json = excluded.json"
                try db.cachedStatement(sql: sql).execute(arguments: [key, try coding.encoder.encode(value)])
            } else if wasStored {
                try db.cachedStatement(sql: "DELETE FROM \(table) WHERE id = ?").execute(arguments: [key])
            }
        }
    }

    /// Keeps the user–role table, which `holders(of:)` and `roles(of:)` read, equal to the user's roles.
    func replaceRoles(of user: UserID, with roles: [RoleID]) {
        attempt(()) { db, _ in
            let key = try SQLiteStore.key(user.rawValue)
            let stored = try UInt64.fetchAll(
                db.cachedStatement(sql: "SELECT role_id FROM user_roles WHERE user_id = ? ORDER BY role_id"), arguments: [key])
            let wanted = Set(roles.map(\.rawValue))
            guard Set(stored) != wanted else { return }
            try db.cachedStatement(sql: "DELETE FROM user_roles WHERE user_id = ?").execute(arguments: [key])
            for role in wanted {
                try db.cachedStatement(sql: "INSERT INTO user_roles (user_id, role_id) VALUES (?, ?)")
                    .execute(arguments: [key, try SQLiteStore.key(role)])
            }
        }
    }
}
