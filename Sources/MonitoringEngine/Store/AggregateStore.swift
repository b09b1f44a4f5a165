/// Where aggregates live, and how one command is applied to them: the seam between the rules and a database.
///
/// A command is applied in four steps, the same for every store (`execute(_:at:in:)`):
/// 1. **plan** — the command names its aggregates; a few more are found by reading the store without locking
///    (the sessions a user holds, a role's holders, the leases due, a new conversation's id);
/// 2. **lock** — the store loads the named aggregates into a `Transaction` in a fixed order (conversations, then
///    users, then queues, then roles, each by ascending id), so two commands never wait on each other in a cycle;
///    what a locked conversation names (the supervisor of its active session, its agents) is locked next;
/// 3. **apply** — the rule runs over exactly those values and the instant (`Transaction.apply(_:)`), a pure function;
/// 4. **commit** — the store writes back every aggregate the rule changed, checking that nobody else changed it
///    since it was loaded (its `version`), and keeps its own indexes (lease deadlines, role holders) up to date.
///
/// The in-memory store is the embedded default and the simulator's; a database store runs the same steps inside
/// one transaction (`SELECT … FOR UPDATE` in the lock order, `UPDATE … WHERE version = $loaded`). The rules exist
/// once. See docs/persistence.md.
public protocol AggregateStore {
    /// How the store's transactions hold aggregates: loaded rows, or tables lent for the command.
    associatedtype Holdings: AggregateHoldings

    // MARK: Planning reads (not locked)

    /// The sessions a user's panel lists (M13), to lock their conversations before the user.
    func sessionsHeld(by user: UserID) -> [SessionID]
    /// The roles a user holds.
    func roles(of user: UserID) -> [RoleID]
    /// The users holding a role, in id order.
    func holders(of role: RoleID) -> [UserID]
    /// Appends the sessions whose lease deadline is at or before `now`, earliest first (ties by session id). The
    /// store may drop its index entries for them: the `expireLeases` command that asks ends every one.
    mutating func sessionsDue(at now: Instant, into due: inout [SessionID])
    /// A new conversation id, never issued before.
    mutating func issueConversationID() -> ConversationID

    // MARK: Locking loads, in the lock order; an id not stored is loaded as absent

    /// Opens the transaction, after planning and before the first lock (a database's `BEGIN`).
    mutating func begin(_ transaction: inout Transaction<Holdings>)
    mutating func lock(conversation id: ConversationID, into transaction: inout Transaction<Holdings>)
    mutating func lock(user id: UserID, into transaction: inout Transaction<Holdings>)
    mutating func lock(queue id: QueueID, into transaction: inout Transaction<Holdings>)
    mutating func lock(role id: RoleID, into transaction: inout Transaction<Holdings>)

    /// The instant the rule runs at, asked once every row is locked: `planned` (the command's instant) by default. A
    /// store whose clock is the database's reads it here, after the locks, so that a command applied after another on
    /// the same rows is never applied at an earlier instant (docs/shared-store.md); it never goes before `planned`.
    mutating func instantOnceLocked(planned: Instant) -> Instant

    // MARK: Commit

    /// Writes back every aggregate of the transaction (the rule's changes and a lease it found due are kept
    /// even when the command was refused) and releases the locks.
    mutating func commit(_ transaction: inout Transaction<Holdings>)
}

extension AggregateStore {
    public mutating func instantOnceLocked(planned: Instant) -> Instant { planned }

    /// Applies one command at `now`: plan, lock, apply the rule, commit. The events and deliveries are in
    /// `transaction` until the next command; the transaction's storage is reused from command to command.
    public mutating func execute(_ command: Command, at now: Instant, in transaction: inout Transaction<Holdings>)
        -> Result<Outcome, MonitoringError>
    {
        transaction.reset(now: now)
        transaction.changesRoles = command.changesRoles
        lockFootprint(of: command, at: now, into: &transaction)
        transaction.outbox.now = max(now, instantOnceLocked(planned: now))
        let result = transaction.apply(command)
        commit(&transaction)
        return result
    }

    /// Steps 1 and 2: finds and locks every aggregate the command's rule may read or write.
    mutating func lockFootprint(of command: Command, at now: Instant, into transaction: inout Transaction<Holdings>) {
        // The plan's storage is the transaction's, reused from command to command.
        var plan = Footprint()
        swap(&plan, &transaction.plan)
        defer { swap(&plan, &transaction.plan) }
        plan.removeAll()
        plan.name(command, reading: &self, at: now, into: &transaction)
        begin(&transaction)
        plan.conversations.sortWithoutRepeats()
        for id in plan.conversations { lock(conversation: id, into: &transaction) }
        // What the locked conversations name: the supervisor of an active session (whose lease the rule may find
        // due), and the agents a command ends or moves.
        for id in transaction.conversations.ids where transaction.conversations.contains(id) {
            transaction.conversations[existing: id].appendUsers(namedBy: command, to: &plan.users)
        }
        plan.users.sortWithoutRepeats()
        for id in plan.users { lock(user: id, into: &transaction) }
        // The roles whose permissions the rule recomputes for a locked user.
        if command.recomputesPermissions {
            for id in transaction.users.ids where transaction.users.contains(id) {
                plan.roles += transaction.users[existing: id].roles
            }
        }
        plan.queues.sortWithoutRepeats()
        for id in plan.queues { lock(queue: id, into: &transaction) }
        plan.roles.sortWithoutRepeats()
        for id in plan.roles { lock(role: id, into: &transaction) }
    }
}

/// The aggregates a command names before it is applied.
struct Footprint: Sendable {
    var conversations: [ConversationID] = []
    var users: [UserID] = []
    var queues: [QueueID] = []
    var roles: [RoleID] = []

    mutating func removeAll() {
        conversations.removeAll(keepingCapacity: true)
        users.removeAll(keepingCapacity: true)
        queues.removeAll(keepingCapacity: true)
        roles.removeAll(keepingCapacity: true)
    }

    /// What the command names, and what the store's planning reads add: the conversations of the sessions a user
    /// holds (a change of presence, licence or roles may end them, M18), a role's holders, the leases due.
    mutating func name<Store: AggregateStore>(
        _ command: Command, reading store: inout Store, at now: Instant, into transaction: inout Transaction<Store.Holdings>
    ) {
        switch command {
        case .defineRole(let role):
            roles.append(role.id)
            transaction.roleHolders = store.holders(of: role.id)
            for holder in transaction.roleHolders { nameUser(holder, withSessionsFrom: store) }
        case .addUser(let user):
            users.append(user.id)
            roles += user.roles
        case .assignRoles(let user, let newRoles):
            nameUser(user, withSessionsFrom: store)
            roles += newRoles
        case .setLicence(let user, _), .setPresence(let user, _):
            nameUser(user, withSessionsFrom: store)
        case .addQueue(let queue):
            queues.append(queue.id)
            users += queue.members
        case .setQueueMembership(let queue, let user, _):
            queues.append(queue)
            users.append(user)
        case .createConversation:
            let id = store.issueConversationID()
            transaction.newConversation = id
            conversations.append(id)
        case .enqueue(let conversation, let queue):
            conversations.append(conversation)
            queues.append(queue)
        case .alertAgent(let conversation, let agent):
            conversations.append(conversation)
            users.append(agent)
        case .transfer(let conversation, _, let target):
            conversations.append(conversation)
            switch target {
            case .agent(let agent): users.append(agent)
            case .queue(let queue): queues.append(queue)
            }
        case .connectAgent(let conversation, _), .disconnectAgent(let conversation, _),
            .sendMessage(let conversation, _, _, _), .typing(let conversation, _), .markRead(let conversation, _, _),
            .wrapUp(let conversation, _, _), .endConversation(let conversation), .abandon(let conversation):
            conversations.append(conversation)
        case .startMonitoring(let conversation, let supervisor, _, _):
            conversations.append(conversation)
            users.append(supervisor)
        case .stopMonitoring(let session, let supervisor, _), .renewLease(let session, let supervisor):
            conversations.append(session.conversation)
            users.append(supervisor)
        case .expireLeases:
            store.sessionsDue(at: now, into: &transaction.dueSessions)
            for session in transaction.dueSessions { conversations.append(session.conversation) }
        }
    }

    private mutating func nameUser(_ user: UserID, withSessionsFrom store: some AggregateStore) {
        users.append(user)
        for session in store.sessionsHeld(by: user) { conversations.append(session.conversation) }
    }
}

extension Command {
    /// Whether the command may change a user's roles.
    var changesRoles: Bool {
        switch self {
        case .addUser, .assignRoles: true
        default: false
        }
    }

    /// Whether the rule recomputes the permissions of the users it locks from their roles.
    var recomputesPermissions: Bool {
        switch self {
        case .defineRole, .assignRoles: true
        default: false
        }
    }
}

extension Conversation {
    /// Appends the users a command on this conversation may read or write besides those it names: the supervisor
    /// of the active session (touching the conversation ends it if its lease is due, M12), and the agents the
    /// command moves (a participant named by id, or every agent still there when the conversation ends).
    func appendUsers(namedBy command: Command, to named: inout [UserID]) {
        if let index = activeSessionIndex { named.append(sessions[index].supervisor) }
        switch command {
        case .connectAgent(_, let participant), .disconnectAgent(_, let participant), .wrapUp(_, let participant, _),
            .transfer(_, let participant, _):
            if Int(participant.rawValue) < participants.count, let user = participants[Int(participant.rawValue)].user {
                named.append(user)
            }
        case .endConversation, .abandon:
            for id in agentParticipantIDs where participants[Int(id.rawValue)].state != .disconnected {
                if let user = participants[Int(id.rawValue)].user { named.append(user) }
            }
        default:
            break
        }
    }
}

extension Array where Element: Comparable {
    /// Sorts in place and drops repeats, keeping the storage: each id of a footprint is locked once, in order,
    /// without asking the transaction whether it already holds it (a scan, quadratic for a lease sweep).
    mutating func sortWithoutRepeats() {
        sort()
        var kept = 0
        for index in indices where kept == 0 || self[index] != self[kept - 1] {
            self[kept] = self[index]
            kept += 1
        }
        removeLast(count - kept)
    }
}
