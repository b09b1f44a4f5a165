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

/// The monitoring engine, embedded: every rule of `docs/rules.md` over an in-memory store.
///
/// `execute(_:at:)` applies one command at the instant given through the store seam (`AggregateStore`): the
/// command's aggregates are locked in the store, the rule runs over them (`Transaction.apply(_:)`), and they are
/// committed back. The events the command produced and who is notified of them are in `events` and `deliveries`
/// until the next command. The engine reads no clock, draws no random number and does no I/O, so the simulator
/// can drive it deterministically and a server can wrap it unchanged.
public struct MonitoringEngine: Sendable {
    public let configuration: EngineConfiguration
    /// Where the aggregates live.
    public internal(set) var store: InMemoryStore
    /// The last command's transaction: its events, deliveries and what it touched. Reused from command to command.
    var transaction: Transaction<InMemoryStore.Tables>

    public init(configuration: EngineConfiguration = EngineConfiguration()) {
        self.init(configuration: configuration, store: InMemoryStore())
    }

    /// An engine over the aggregates of `store`.
    public init(configuration: EngineConfiguration = EngineConfiguration(), store: InMemoryStore) {
        self.configuration = configuration
        self.store = store
        self.transaction = Transaction(configuration: configuration)
    }

    public var users: [UserID: User] { store.users }
    public var roles: [RoleID: Role] { store.roles }
    public var queues: [QueueID: Queue] { store.queues }
    public var conversations: ConversationTable { store.conversations }

    /// The events of the last command, in order.
    public var events: [EventRecord] { transaction.outbox.events }
    /// Who is notified of the last command's events.
    public var deliveries: [Delivery] { transaction.outbox.deliveries }
    /// The conversations the last command read or changed.
    public var touchedConversations: [ConversationID] { transaction.touched.conversations.map(\.id) }
    /// The users the last command read or changed.
    public var touchedUsers: [UserID] { transaction.touched.users }

    var outbox: Outbox { transaction.outbox }
    var touched: TouchedAggregates { transaction.touched }

    /// Applies one command at `now` (see `Transaction.apply(_:)` for what a refusal leaves).
    @discardableResult
    public mutating func execute(_ command: Command, at now: Instant) -> Result<Outcome, MonitoringError> {
        store.execute(command, at: now, in: &transaction)
    }

    func user(_ id: UserID) throws(MonitoringError) -> User {
        guard let user = store.users[id] else { throw .unknownUser(id) }
        return user
    }

    /// The union of the permissions of `roleIDs`, from the stored roles.
    func permissions(of roleIDs: [RoleID]) -> PermissionSet { PermissionSet(unionOf: roleIDs) { store.roles[$0] } }
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
        var sessionCountBefore: Int = 0
        var participantCountBefore: Int = 0
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
                activeTokenBefore: conversation.activeSessionIndex.map { UInt64($0 + 1) },
                sessionCountBefore: conversation.sessions.count, participantCountBefore: conversation.participants.count))
    }

    mutating func add(_ user: UserID) {
        if !users.contains(user) { users.append(user) }
    }
}
