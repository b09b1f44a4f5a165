import HeapModule

/// The embedded store: every aggregate in memory, with the indexes a database would keep as tables or queries.
///
/// Locking a conversation or a user moves it out of its slot into the transaction (so the rule changes it in place,
/// never copying its arrays), and committing moves it back. One command runs at a time, so an empty slot is the
/// lock; committing checks that the slot is still empty and that a held aggregate's version never went backwards.
public struct InMemoryStore: AggregateStore, Sendable {
    public internal(set) var users: [UserID: User] = [:]
    public private(set) var roles: [RoleID: Role] = [:]
    public private(set) var queues: [QueueID: Queue] = [:]
    public internal(set) var conversations = ConversationTable()
    /// Which users hold each role, in id order.
    private var roleHolders: [RoleID: [UserID]] = [:]
    /// Lease deadlines of active sessions; a renewal or an end leaves a stale entry that is skipped.
    private var leaseDeadlines = Heap<LeaseDeadline>()
    /// The highest conversation id issued.
    private var lastConversationID: UInt64 = 0
    /// What was loaded, position by position in the transaction: the versions (and for a conversation the active
    /// lease's deadline, for a user the roles) the commit compares against.
    private var loadedConversations: [(version: UInt64, deadline: Instant?)] = []
    private var loadedUsers: [(version: UInt64, roles: [RoleID])] = []

    public init() {}

    // MARK: Planning reads

    public func sessionsHeld(by user: UserID) -> [SessionID] { users[user]?.monitoringSessions ?? [] }
    public func roles(of user: UserID) -> [RoleID] { users[user]?.roles ?? [] }
    public func holders(of role: RoleID) -> [UserID] { roleHolders[role] ?? [] }

    public mutating func sessionsDue(at now: Instant, into due: inout [SessionID]) {
        while let next = leaseDeadlines.min, next.deadline <= now {
            leaseDeadlines.removeMin()
            // Stale entries (of renewed or ended sessions) are dropped here; a renewed session is due at its own
            // later entry, so the order is that of a heap rebuilt from the sessions alone.
            guard let conversation = conversations[existing: next.session.conversation, orNil: ()],
                let index = conversation.activeSessionIndex, conversation.sessions[index].id == next.session,
                conversation.sessions[index].leaseExpiresAt == next.deadline
            else { continue }
            due.append(next.session)
        }
    }

    public mutating func issueConversationID() -> ConversationID {
        lastConversationID += 1
        return ConversationID(lastConversationID)
    }

    // MARK: Locking loads

    public mutating func lock(conversation id: ConversationID, into transaction: inout Transaction) {
        guard conversations.contains(id) else {
            loadedConversations.append((0, nil))
            transaction.conversations.holdAbsent(id)
            return
        }
        var deadline: Instant?
        if let index = conversations[existing: id].activeSessionIndex {
            deadline = conversations[existing: id].sessions[index].leaseExpiresAt
        }
        loadedConversations.append((conversations[existing: id].version, deadline))
        transaction.conversations.hold(id, existing: conversations.take(id))
    }

    public mutating func lock(user id: UserID, into transaction: inout Transaction) {
        guard let index = users.index(forKey: id) else {
            loadedUsers.append((0, []))
            transaction.users.holdAbsent(id)
            return
        }
        loadedUsers.append((users.values[index].version, users.values[index].roles))
        // Swapped for the vacant user in place: removing and re-inserting would hash and probe twice.
        var user = User.vacant
        swap(&user, &users.values[index])
        transaction.users.hold(id, existing: user)
    }

    public mutating func lock(queue id: QueueID, into transaction: inout Transaction) {
        transaction.queues.hold(id, queues.removeValue(forKey: id))
    }

    public mutating func lock(role id: RoleID, into transaction: inout Transaction) {
        transaction.roles.hold(id, roles.removeValue(forKey: id))
    }

    // MARK: Commit

    public mutating func commit(_ transaction: inout Transaction) {
        for position in 0..<transaction.conversations.count {
            guard let conversation = transaction.conversations.take(at: position) else { continue }
            let loaded = loadedConversations[position]
            precondition(conversation.version >= loaded.version, "\(conversation.id): version went backwards")
            precondition(!conversations.contains(conversation.id), "\(conversation.id) written while locked")
            if let index = conversation.activeSessionIndex, conversation.sessions[index].leaseExpiresAt != loaded.deadline {
                leaseDeadlines.insert(
                    LeaseDeadline(deadline: conversation.sessions[index].leaseExpiresAt, session: conversation.sessions[index].id))
            }
            lastConversationID = max(lastConversationID, conversation.id.rawValue)
            conversations.put(conversation)
        }
        for position in 0..<transaction.users.count {
            guard let user = transaction.users.take(at: position) else { continue }
            let loaded = loadedUsers[position]
            precondition(user.version >= loaded.version, "\(user.id): version went backwards")
            if user.roles != loaded.roles || loaded.version == 0 {
                for role in loaded.roles { roleHolders.modifyValue(forKey: role) { $0.removeAll { $0 == user.id } } }
                for role in user.roles { insertHolder(user.id, of: role) }
            }
            if let index = users.index(forKey: user.id) {
                users.values[index] = user
            } else {
                users[user.id] = user
            }
        }
        for position in 0..<transaction.queues.count {
            if let queue = transaction.queues.take(at: position) { queues[queue.id] = queue }
        }
        for position in 0..<transaction.roles.count {
            if let role = transaction.roles.take(at: position) { roles[role.id] = role }
        }
        loadedConversations.removeAll(keepingCapacity: true)
        loadedUsers.removeAll(keepingCapacity: true)
    }

    /// Adds a holder to a role's list, kept in id order so that redefining a role reaches holders in id order.
    private mutating func insertHolder(_ user: UserID, of role: RoleID) {
        roleHolders[role, default: []].insertSorted(user)
    }

    // MARK: Loading a snapshot

    /// A store holding the aggregates of `snapshot`, with its indexes rebuilt: the holders of each role and the lease
    /// deadline of every active session.
    public init(snapshot: EngineSnapshot) {
        for role in snapshot.roles { roles[role.id] = role }
        for queue in snapshot.queues { queues[queue.id] = queue }
        for user in snapshot.users.sorted(by: { $0.id < $1.id }) {
            users[user.id] = user
            for role in user.roles { insertHolder(user.id, of: role) }
        }
        var deadlines: [LeaseDeadline] = []
        for conversation in snapshot.conversations {
            if let session = conversation.activeSession {
                deadlines.append(LeaseDeadline(deadline: session.leaseExpiresAt, session: session.id))
            }
            lastConversationID = max(lastConversationID, conversation.id.rawValue)
            conversations.put(conversation)
        }
        leaseDeadlines = Heap(deadlines)
    }
}

extension Array where Element: Comparable {
    /// Inserts into a sorted array unless already present; appending, the common case, costs no search.
    fileprivate mutating func insertSorted(_ element: Element) {
        if let last, last >= element {
            let position = firstIndex { $0 >= element } ?? endIndex
            if position < endIndex && self[position] == element { return }
            insert(element, at: position)
        } else {
            append(element)
        }
    }
}

extension ConversationTable {
    /// The stored conversation, read in place, or nil.
    fileprivate subscript(existing id: ConversationID, orNil _: Void) -> Conversation? {
        contains(id) ? self[existing: id] : nil
    }
}
