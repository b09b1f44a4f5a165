import HeapModule

/// Limits and timings of the engine.
public struct EngineConfiguration: Hashable, Sendable {
    /// How long a session lives without a renewal (M12).
    public var leaseDuration: TimeSpan
    /// How often a client should renew; advice for clients, not enforced by the engine.
    public var renewalInterval: TimeSpan
    public var maximumSessionsPerConversation: Int
    public var maximumParticipantsPerConversation: Int
    public var maximumMessagesPerConversation: Int

    public init(
        leaseDuration: TimeSpan = .seconds(30), renewalInterval: TimeSpan = .seconds(10),
        maximumSessionsPerConversation: Int = 1_000, maximumParticipantsPerConversation: Int = 1_100,
        maximumMessagesPerConversation: Int = 100_000
    ) {
        self.leaseDuration = leaseDuration
        self.renewalInterval = renewalInterval
        self.maximumSessionsPerConversation = maximumSessionsPerConversation
        self.maximumParticipantsPerConversation = maximumParticipantsPerConversation
        self.maximumMessagesPerConversation = maximumMessagesPerConversation
    }
}

/// The monitoring engine: every rule of `docs/rules.md` as a pure state machine.
///
/// `execute(_:at:)` applies one command at the instant given and returns its outcome; the
/// events it produced and who is notified of them are in `events` and `deliveries` until the
/// next command. The engine reads no clock, draws no random number and does no I/O, so the
/// simulator can drive it deterministically and a server can wrap it unchanged.
public struct MonitoringEngine: Sendable {
    public let configuration: EngineConfiguration

    public internal(set) var users: [UserID: User] = [:]
    public internal(set) var roles: [RoleID: Role] = [:]
    public internal(set) var queues: [QueueID: Queue] = [:]
    public internal(set) var conversations = ConversationTable()
    /// Which users hold each role, so that redefining a role reaches them without a scan.
    var roleHolders: [RoleID: [UserID]] = [:]
    /// Lease deadlines of active sessions; renewals leave stale entries that are skipped.
    var leaseDeadlines = Heap<LeaseDeadline>()

    /// What the last command emitted.
    var outbox = Outbox()
    /// What the last command touched, for the incremental invariant check.
    var touched = TouchedAggregates()

    public init(configuration: EngineConfiguration = EngineConfiguration()) {
        self.configuration = configuration
    }

    /// The events of the last command, in order.
    public var events: [EventRecord] { outbox.events }
    /// Who is notified of the last command's events.
    public var deliveries: [Delivery] { outbox.deliveries }
    /// The conversations the last command read or changed.
    public var touchedConversations: [ConversationID] { touched.conversations.map(\.id) }
    /// The users the last command read or changed.
    public var touchedUsers: [UserID] { touched.users }

    /// Applies one command at `now`.
    ///
    /// On failure the command changed nothing, and its refusal is reported in `events` when it
    /// was a monitoring attempt (M22). A lease that was already due when the command touched
    /// its conversation has still expired (M12): expiry does not wait for a successful command.
    @discardableResult
    public mutating func execute(_ command: Command, at now: Instant) -> Result<Outcome, MonitoringError> {
        outbox.reset(now: now)
        touched.reset()
        do throws(MonitoringError) {
            return .success(try dispatch(command))
        } catch {
            return .failure(error)
        }
    }

    private mutating func dispatch(_ command: Command) throws(MonitoringError) -> Outcome {
        switch command {
        case .defineRole(let role): return defineRole(role)
        case .addUser(let user): return try addUser(user)
        case .assignRoles(let user, let roles): return try assignRoles(user, roles)
        case .setLicence(let user, let licence): return try setLicence(user, licence)
        case .setPresence(let user, let presence): return try setPresence(user, presence)
        case .addQueue(let queue): return try addQueue(queue)
        case .setQueueMembership(let queue, let user, let isMember): return try setQueueMembership(queue, user, isMember)
        case .createConversation(let channel, let context): return createConversation(channel, context)
        case .enqueue(let conversation, let queue): return try enqueue(conversation, queue)
        case .alertAgent(let conversation, let agent): return try alertAgent(conversation, agent)
        case .connectAgent(let conversation, let participant): return try connectAgent(conversation, participant)
        case .disconnectAgent(let conversation, let participant): return try disconnectAgent(conversation, participant)
        case .transfer(let conversation, let from, let target): return try transfer(conversation, from, target)
        case .sendMessage(let conversation, let from, let kind, let body):
            return try sendMessage(conversation, from, kind, body)
        case .typing(let conversation, let participant): return try typing(conversation, participant)
        case .markRead(let conversation, let participant, let upTo): return try markRead(conversation, participant, upTo)
        case .wrapUp(let conversation, let participant, let code): return try wrapUp(conversation, participant, code)
        case .endConversation(let conversation): return try endConversation(conversation, abandoned: false)
        case .abandon(let conversation): return try endConversation(conversation, abandoned: true)
        case .startMonitoring(let conversation, let supervisor, let agent, let entryPoint):
            return try startMonitoring(conversation, supervisor, agent, entryPoint)
        case .stopMonitoring(let session, let supervisor, let source): return try stopMonitoring(session, supervisor, source)
        case .renewLease(let session, let supervisor): return try renewLease(session, supervisor)
        case .expireLeases: return expireLeases()
        }
    }

    // MARK: Lookups shared by the rules

    func user(_ id: UserID) throws(MonitoringError) -> User {
        guard let user = users[id] else { throw .unknownUser(id) }
        return user
    }

    /// Marks a conversation touched by this command, ends its session if the lease is due,
    /// and returns the instant to apply (never earlier than the conversation's last one).
    ///
    /// No copy of a conversation is held across a mutation in the rules: a live copy would make
    /// the mutation copy the conversation's arrays (copy-on-write), at a cost growing with it.
    mutating func touchConversation(_ id: ConversationID) throws(MonitoringError) -> Instant {
        guard conversations.contains(id) else { throw .unknownConversation(id) }
        let lastInstant = conversations[existing: id].lastInstant
        touched.add(conversations[existing: id])
        let instant = max(outbox.now, lastInstant)
        if let index = conversations[existing: id].activeSessionIndex {
            let deadline = conversations[existing: id].sessions[index].leaseExpiresAt
            if deadline <= instant { endSession(in: id, index: index, reason: .leaseExpired, at: deadline) }
        }
        return instant
    }

    mutating func touchUser(_ id: UserID) throws(MonitoringError) -> User {
        let user = try user(id)
        touched.add(id)
        return user
    }

    /// Changes a user in place, so the user's arrays are never copied on write.
    mutating func modifyUser(_ id: UserID, _ change: (inout User) -> Void) {
        users.modifyValue(forKey: id, change)
    }

    func participant(_ id: ParticipantID, of conversation: ConversationID) throws(MonitoringError) -> Participant {
        guard conversations.contains(conversation), let participant = conversations[existing: conversation].participant(id)
        else { throw .unknownParticipant(conversation, id) }
        return participant
    }

    /// Ends a session: the one place a session's end is written (M17, M18, M19).
    mutating func endSession(in conversationID: ConversationID, index: Int, reason: EndReason, at requested: Instant) {
        let instant = max(requested, conversations[existing: conversationID].lastInstant)
        let session = conversations[existing: conversationID].endSession(at: index, reason: reason, instant: instant)
        modifyUser(session.supervisor) { $0.removeMonitoringSession(session.id) }
        touched.add(session.supervisor)
        outbox.emit(
            .monitoringEnded(session.id, supervisor: session.supervisor, reason), to: .user(session.supervisor), at: instant)
    }

    /// Ends the active session of a conversation if the predicate holds for it.
    mutating func endActiveSession(
        of conversationID: ConversationID, reason: EndReason, at instant: Instant,
        if predicate: (MonitorSession) -> Bool = { _ in true }
    ) {
        guard conversations.contains(conversationID), let index = conversations[existing: conversationID].activeSessionIndex,
            predicate(conversations[existing: conversationID].sessions[index])
        else { return }
        endSession(in: conversationID, index: index, reason: reason, at: instant)
    }
}

/// A lease deadline in the expiry heap, ordered by deadline then session.
struct LeaseDeadline: Comparable, Sendable {
    var deadline: Instant
    var session: SessionID

    static func < (lhs: Self, rhs: Self) -> Bool { (lhs.deadline, lhs.session) < (rhs.deadline, rhs.session) }
}

/// The events and deliveries of one command, kept between commands to reuse their storage.
struct Outbox: Sendable {
    var now: Instant = .zero
    var events: [EventRecord] = []
    var deliveries: [Delivery] = []

    mutating func reset(now: Instant) {
        self.now = now
        events.removeAll(keepingCapacity: true)
        deliveries.removeAll(keepingCapacity: true)
    }

    /// Records an event that only read models and the audit log receive.
    @discardableResult
    mutating func record(_ event: Event, at instant: Instant? = nil) -> Int {
        events.append(EventRecord(instant: instant ?? now, event: event))
        return events.count - 1
    }

    mutating func emit(_ event: Event, to recipient: Recipient, at instant: Instant? = nil) {
        let index = record(event, at: instant)
        deliveries.append(Delivery(recipient: recipient, eventIndex: index))
    }

    /// Emits an event to everyone in the conversation: the customer while the conversation
    /// lasts, every connected agent, and the monitoring supervisor, who sees what the agent sees
    /// (M15); `excluding` is the participant who caused it.
    mutating func emit(
        _ event: Event, toParticipantsOf conversation: Conversation, at instant: Instant, excluding: ParticipantID? = nil
    ) {
        let index = record(event, at: instant)
        if conversation.state != .ended && excluding != .customer {
            deliveries.append(Delivery(recipient: .customer(conversation.id), eventIndex: index))
        }
        for position in conversation.participants.indices.dropFirst()
        where conversation.participants[position].state == .connected
            && conversation.participants[position].id != excluding
        {
            if let user = conversation.participants[position].user {
                deliveries.append(Delivery(recipient: .user(user), eventIndex: index))
            }
        }
    }
}

/// The aggregates one command touched, with what the invariant check needs of their prior state.
struct TouchedAggregates: Sendable {
    struct ConversationMark: Sendable {
        var id: ConversationID
        var timelineCountBefore: Int
        var activeTokenBefore: UInt64?
    }

    var conversations: [ConversationMark] = []
    var users: [UserID] = []

    mutating func reset() {
        conversations.removeAll(keepingCapacity: true)
        users.removeAll(keepingCapacity: true)
    }

    mutating func add(_ conversation: Conversation) {
        guard !conversations.contains(where: { $0.id == conversation.id }) else { return }
        conversations.append(
            ConversationMark(
                id: conversation.id, timelineCountBefore: conversation.timeline.count,
                activeTokenBefore: conversation.activeSession?.id.token))
    }

    mutating func add(_ user: UserID) {
        if !users.contains(user) { users.append(user) }
    }
}
