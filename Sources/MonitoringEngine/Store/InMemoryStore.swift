import HeapModule

/// The embedded store: every aggregate in memory, with the indexes a database would keep as tables or queries.
///
/// For each command the store lends its tables to the transaction (`Tables`, moved in and out by reference, O(1)),
/// so a rule reads and changes the stored aggregates in place and nothing is copied or moved per aggregate. One
/// command runs at a time, so lending is the lock. The locked ids are still recorded: debug builds and tests check
/// that a rule touches nothing outside its footprint, and the commit updates the indexes from them.
public struct InMemoryStore: AggregateStore, Sendable {
    public typealias Holdings = Tables

    /// The in-memory store's tables as a transaction holds them.
    public enum Tables: AggregateHoldings {
        public static func empty() -> (LentConversations, LentTable<UserID, User>, LentTable<QueueID, Queue>, LentTable<RoleID, Role>) {
            (.init(), .init(), .init(), .init())
        }
    }

    private var tables = Stored()
    /// Which users hold each role. A set: users are added in any order (a million holders added one by one into
    /// a sorted array cost a quadratic setup); `holders(of:)` sorts, for the rare redefinition of a role.
    private var roleHolders: [RoleID: Set<UserID>] = [:]
    /// Lease deadlines of active sessions; a renewal or an end leaves a stale entry that is skipped.
    private var leaseDeadlines = Heap<LeaseDeadline>()
    /// The highest conversation id issued.
    private var lastConversationID: UInt64 = 0
    /// What was locked, in lock order: for a conversation its version and active lease's deadline, and for a user
    /// whose roles the command may change (`Command.changesRoles`) its roles, which the commit compares against.
    private var loadedConversations: [(version: UInt64, deadline: Instant?)] = []
    private var loadedRoles: [(user: UserID, roles: [RoleID]?)] = []

    /// The tables while no command holds them.
    struct Stored: Sendable {
        var conversations = ConversationTable()
        var users: [UserID: User] = [:]
        var queues: [QueueID: Queue] = [:]
        var roles: [RoleID: Role] = [:]
    }

    public init() {}

    public internal(set) var users: [UserID: User] {
        get { tables.users }
        set { tables.users = newValue }
    }
    public var roles: [RoleID: Role] { tables.roles }
    public var queues: [QueueID: Queue] { tables.queues }
    public internal(set) var conversations: ConversationTable {
        get { tables.conversations }
        set { tables.conversations = newValue }
    }

    // MARK: Planning reads

    public func sessionsHeld(by user: UserID) -> [SessionID] { tables.users[user]?.monitoringSessions ?? [] }
    public func roles(of user: UserID) -> [RoleID] { tables.users[user]?.roles ?? [] }
    public func holders(of role: RoleID) -> [UserID] { (roleHolders[role] ?? []).sorted() }

    public mutating func sessionsDue(at now: Instant, into due: inout [SessionID]) {
        while let next = leaseDeadlines.min, next.deadline <= now {
            leaseDeadlines.removeMin()
            // Stale entries (of renewed or ended sessions) are dropped here; a renewed session is due at its own
            // later entry, so the order is that of a heap rebuilt from the sessions alone.
            let id = next.session.conversation
            guard tables.conversations.contains(id), let index = tables.conversations[existing: id].activeSessionIndex,
                tables.conversations[existing: id].sessions[index].id == next.session,
                tables.conversations[existing: id].sessions[index].leaseExpiresAt == next.deadline
            else { continue }
            due.append(next.session)
        }
    }

    public mutating func issueConversationID() -> ConversationID {
        lastConversationID += 1
        return ConversationID(lastConversationID)
    }

    // MARK: Locking

    /// Lends the tables to the transaction.
    public mutating func begin(_ transaction: inout Transaction<Tables>) {
        swap(&tables.conversations, &transaction.conversations.table)
        swap(&tables.users, &transaction.users.table)
        swap(&tables.queues, &transaction.queues.table)
        swap(&tables.roles, &transaction.roles.table)
    }

    public mutating func lock(conversation id: ConversationID, into transaction: inout Transaction<Tables>) {
        var loaded: (version: UInt64, deadline: Instant?) = (0, nil)
        if transaction.conversations.table.contains(id) {
            let table = transaction.conversations.table
            loaded.version = table[existing: id].version
            if let index = table[existing: id].activeSessionIndex { loaded.deadline = table[existing: id].sessions[index].leaseExpiresAt }
        }
        loadedConversations.append(loaded)
        transaction.conversations.lock(id)
    }

    public mutating func lock(user id: UserID, into transaction: inout Transaction<Tables>) {
        if transaction.changesRoles { loadedRoles.append((id, transaction.users.table[id]?.roles)) }
        transaction.users.lock(id)
    }

    public mutating func lock(queue id: QueueID, into transaction: inout Transaction<Tables>) { transaction.queues.lock(id) }
    public mutating func lock(role id: RoleID, into transaction: inout Transaction<Tables>) { transaction.roles.lock(id) }

    // MARK: Commit

    /// Takes the tables back and updates the indexes from what the command changed.
    public mutating func commit(_ transaction: inout Transaction<Tables>) {
        swap(&tables.conversations, &transaction.conversations.table)
        swap(&tables.users, &transaction.users.table)
        swap(&tables.queues, &transaction.queues.table)
        swap(&tables.roles, &transaction.roles.table)
        for (position, id) in transaction.conversations.ids.enumerated() where tables.conversations.contains(id) {
            let loaded = loadedConversations[position]
            assert(tables.conversations[existing: id].version >= loaded.version, "\(id): version went backwards")
            if let index = tables.conversations[existing: id].activeSessionIndex,
                tables.conversations[existing: id].sessions[index].leaseExpiresAt != loaded.deadline
            {
                let session = tables.conversations[existing: id].sessions[index]
                leaseDeadlines.insert(LeaseDeadline(deadline: session.leaseExpiresAt, session: session.id))
            }
            lastConversationID = max(lastConversationID, id.rawValue)
        }
        for (id, before) in loadedRoles {
            let after = tables.users[id]?.roles
            guard after != before else { continue }
            for role in before ?? [] { roleHolders.modifyValue(forKey: role) { _ = $0.remove(id) } }
            for role in after ?? [] { insertHolder(id, of: role) }
        }
        loadedConversations.removeAll(keepingCapacity: true)
        loadedRoles.removeAll(keepingCapacity: true)
    }

    private mutating func insertHolder(_ user: UserID, of role: RoleID) {
        roleHolders[role, default: []].insert(user)
    }

    // MARK: Installing rows another writer committed

    /// Installs rows another writer committed, keeping the indexes: a versioned aggregate (conversation, user) replaces
    /// the mirror's only when its version is newer, so rows read in any order never take the mirror back; queues and
    /// roles, unversioned and changed only by the directory's own commands, replace what is held. Conversations and
    /// users are never deleted by the rules, so nothing is removed.
    public mutating func install(_ rows: ReplicatedRows) {
        for conversation in rows.conversations where (conversations[conversation.id]?.version ?? 0) < conversation.version {
            if let session = conversation.activeSession {
                leaseDeadlines.insert(LeaseDeadline(deadline: session.leaseExpiresAt, session: session.id))
            }
            lastConversationID = max(lastConversationID, conversation.id.rawValue)
            tables.conversations.put(conversation)
        }
        for user in rows.users where (users[user.id]?.version ?? 0) < user.version {
            for role in users[user.id]?.roles ?? [] { roleHolders.modifyValue(forKey: role) { _ = $0.remove(user.id) } }
            for role in user.roles { insertHolder(user.id, of: role) }
            tables.users[user.id] = user
        }
        for queue in rows.queues { tables.queues[queue.id] = queue }
        for role in rows.roles { tables.roles[role.id] = role }
    }

    // MARK: Loading a snapshot

    /// A store holding the aggregates of `snapshot`, with its indexes rebuilt: the holders of each role and the lease
    /// deadline of every active session.
    public init(snapshot: EngineSnapshot) {
        for role in snapshot.roles { tables.roles[role.id] = role }
        for queue in snapshot.queues { tables.queues[queue.id] = queue }
        for user in snapshot.users.sorted(by: { $0.id < $1.id }) {
            tables.users[user.id] = user
            for role in user.roles { insertHolder(user.id, of: role) }
        }
        var deadlines: [LeaseDeadline] = []
        for conversation in snapshot.conversations {
            if let session = conversation.activeSession {
                deadlines.append(LeaseDeadline(deadline: session.leaseExpiresAt, session: session.id))
            }
            lastConversationID = max(lastConversationID, conversation.id.rawValue)
            tables.conversations.put(conversation)
        }
        leaseDeadlines = Heap(deadlines)
    }
}

/// The in-memory store's conversation table, lent to a transaction for one command.
public struct LentConversations: AggregateHolding {
    var table = ConversationTable()
    public private(set) var ids: [ConversationID] = []

    public init() {}

    mutating func lock(_ id: ConversationID) { ids.append(id) }

    @inline(__always)
    private func check(_ id: ConversationID) {
        assert(ids.contains(id), "\(id) is outside the command's footprint")
    }

    public func contains(_ id: ConversationID) -> Bool {
        check(id)
        return table.contains(id)
    }

    public subscript(id: ConversationID) -> Conversation? {
        get {
            check(id)
            return table[id]
        }
        set {
            check(id)
            if let newValue {
                table.put(newValue)
            } else if table.contains(id) {
                _ = table.take(id)
            }
        }
    }

    public subscript(existing id: ConversationID) -> Conversation {
        _read {
            check(id)
            yield table[existing: id]
        }
        _modify {
            check(id)
            yield &table[existing: id]
        }
    }

    public mutating func modifyValue(forKey id: ConversationID, _ change: (inout Conversation) -> Void) {
        check(id)
        guard table.contains(id) else { return }
        change(&table[existing: id])
    }

    public mutating func removeAll() { ids.removeAll(keepingCapacity: true) }
}

/// One of the in-memory store's keyed tables (users, queues, roles), lent to a transaction for one command.
public struct LentTable<ID: Hashable & Sendable, Value: StoredAggregate>: AggregateHolding {
    var table: [ID: Value] = [:]
    public private(set) var ids: [ID] = []

    public init() {}

    mutating func lock(_ id: ID) { ids.append(id) }

    @inline(__always)
    private func check(_ id: ID) {
        assert(ids.contains(id), "\(id) is outside the command's footprint")
    }

    public func contains(_ id: ID) -> Bool {
        check(id)
        return table.index(forKey: id) != nil
    }

    public subscript(id: ID) -> Value? {
        get {
            check(id)
            return table[id]
        }
        set {
            check(id)
            table[id] = newValue
        }
    }

    public subscript(existing id: ID) -> Value {
        _read {
            check(id)
            yield table.values[table.index(forKey: id)!]
        }
        _modify {
            check(id)
            yield &table.values[table.index(forKey: id)!]
        }
    }

    public mutating func modifyValue(forKey id: ID, _ change: (inout Value) -> Void) {
        check(id)
        table.modifyValue(forKey: id, change)
    }

    public mutating func removeAll() { ids.removeAll(keepingCapacity: true) }
}
