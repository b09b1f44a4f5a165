/// The supervisor-facing views, as read models fed by the engine's events (M23, M24, M26).
///
/// A read model knows only the events applied to it. A node that applies them late shows a
/// stale view — a `monitor` button for a conversation someone already monitors — and that
/// staleness is what the simulator measures (M26). The engine's own state stays the authority.
public struct MonitoringReadModel: Sendable {
    struct Viewer: Sendable {
        var name: String
        var standing: SupervisorStanding
    }

    struct AgentEntry: Sendable {
        var participant: ParticipantID
        var user: UserID
        var name: String
        var connected: Bool
    }

    struct ConversationEntry: Sendable {
        var channel: Channel
        var state: ConversationState
        var queue: QueueID?
        var createdAt: Instant
        var agents: [AgentEntry]
        var holder: MonitorHolder?
    }

    struct QueueEntry: Sendable {
        var name: String
        var members: [UserID]
        var conversations: Set<ConversationID>
    }

    var viewers: [UserID: Viewer] = [:]
    var conversations: [ConversationID: ConversationEntry] = [:]
    var queues: [QueueID: QueueEntry] = [:]
    var agentConversations: [UserID: Set<ConversationID>] = [:]
    /// The instant of the last event applied.
    public private(set) var appliedThrough: Instant = .zero
    /// How many events were applied.
    public private(set) var appliedCount = 0

    public init() {}

    /// A read model caught up with the engine's state at once, as a node that restarts would
    /// rebuild it from the store before following the event stream again.
    public init(snapshotOf engine: MonitoringEngine, at instant: Instant) {
        for user in engine.users.values {
            viewers[user.id] = Viewer(name: user.displayName, standing: SupervisorStanding(user))
        }
        for queue in engine.queues.values {
            queues[queue.id] = QueueEntry(name: queue.name, members: queue.members, conversations: [])
        }
        for conversation in engine.conversations.all where conversation.state != .ended {
            let agents = conversation.participants.compactMap { participant -> AgentEntry? in
                guard participant.purpose == .agent, participant.state != .disconnected, let user = participant.user else {
                    return nil
                }
                return AgentEntry(participant: participant.id, user: user, name: participant.name, connected: participant.state == .connected)
            }
            conversations[conversation.id] = ConversationEntry(
                channel: conversation.channel, state: conversation.state, queue: conversation.queue,
                createdAt: conversation.createdAt, agents: agents, holder: conversation.activeSession?.holder)
            if let queue = conversation.queue { queues.modifyValue(forKey: queue) { _ = $0.conversations.insert(conversation.id) } }
            for agent in agents { agentConversations[agent.user, default: []].insert(conversation.id) }
        }
        appliedThrough = instant
    }

    public mutating func apply(_ records: some Sequence<EventRecord>) {
        for record in records { apply(record) }
    }

    // MARK: Applying events

    /// Whether applying `event` changes what the views show; a feed may leave out every other event (messages,
    /// typing, read receipts, attempts and denials, resumptions and renewals).
    public static func shows(_ event: Event) -> Bool {
        switch event {
        case .roleDefined, .messageSent, .typing, .readReceipt, .monitorAttempted, .monitorDenied, .monitoringResumed,
            .leaseRenewed:
            false
        default:
            true
        }
    }

    public mutating func apply(_ record: EventRecord) {
        appliedThrough = max(appliedThrough, record.instant)
        appliedCount += 1
        switch record.event {
        case .userAdded(let id, let name, let licence, let permissions, let presence, _):
            viewers[id] = Viewer(
                name: name, standing: SupervisorStanding(id: id, licence: licence, permissions: permissions, presence: presence))
        case .permissionsChanged(let id, let permissions): viewers.modifyValue(forKey: id) { $0.standing.permissions = permissions }
        case .licenceChanged(let id, let licence): viewers.modifyValue(forKey: id) { $0.standing.licence = licence }
        case .presenceChanged(let id, let presence): viewers.modifyValue(forKey: id) { $0.standing.presence = presence }
        case .queueAdded(let id, let name): queues[id] = QueueEntry(name: name, members: [], conversations: [])
        case .queueMembershipChanged(let id, let user, let isMember):
            queues.modifyValue(forKey: id) { entry in
                entry.members.removeAll { $0 == user }
                if isMember { entry.members.append(user) }
            }
        case .conversationCreated(let id, let channel, _):
            conversations[id] = ConversationEntry(
                channel: channel, state: .created, queue: nil, createdAt: record.instant, agents: [], holder: nil)
        case .conversationQueued(let id, let queue):
            if let previous = conversations[id]?.queue { queues.modifyValue(forKey: previous) { _ = $0.conversations.remove(id) } }
            conversations.modifyValue(forKey: id) { entry in
                entry.queue = queue
                entry.state = .queued
            }
            queues.modifyValue(forKey: queue) { _ = $0.conversations.insert(id) }
        case .conversationStateChanged(let id, let state): conversations.modifyValue(forKey: id) { $0.state = state }
        case .agentAlerted(let id, let participant, let user):
            let name = viewers[user]?.name ?? "\(user)"
            conversations.modifyValue(forKey: id) {
                $0.agents.append(AgentEntry(participant: participant, user: user, name: name, connected: false))
            }
            agentConversations[user, default: []].insert(id)
        case .agentConnected(let id, let participant, _, _): setAgent(participant, of: id, connected: true)
        case .agentDisconnected(let id, let participant, let user, let type):
            if type == .declined { removeAgent(participant, user, from: id) } else { setAgent(participant, of: id, connected: false) }
        case .agentWrappedUp(let id, let participant, let user, _): removeAgent(participant, user, from: id)
        case .conversationEnded(let id, _): removeConversation(id)
        case .monitoringStarted(let id, let holder, _, _): conversations.modifyValue(forKey: id) { $0.holder = holder }
        case .monitoringEnded(let session, _, _):
            conversations.modifyValue(forKey: session.conversation) { entry in
                if entry.holder?.session == session { entry.holder = nil }
            }
        case .roleDefined, .messageSent, .typing, .readReceipt, .monitorAttempted, .monitorDenied, .monitoringResumed,
            .leaseRenewed:
            break
        }
    }

    private mutating func setAgent(_ participant: ParticipantID, of id: ConversationID, connected: Bool) {
        conversations.modifyValue(forKey: id) { entry in
            guard let index = entry.agents.firstIndex(where: { $0.participant == participant }) else { return }
            entry.agents[index].connected = connected
        }
    }

    private mutating func removeAgent(_ participant: ParticipantID, _ user: UserID, from id: ConversationID) {
        conversations.modifyValue(forKey: id) { $0.agents.removeAll { $0.participant == participant } }
        if conversations[id]?.agents.contains(where: { $0.user == user }) != true {
            agentConversations.modifyValue(forKey: user) { _ = $0.remove(id) }
        }
    }

    private mutating func removeConversation(_ id: ConversationID) {
        guard let entry = conversations.removeValue(forKey: id) else { return }
        if let queue = entry.queue { queues.modifyValue(forKey: queue) { _ = $0.conversations.remove(id) } }
        for agent in entry.agents { agentConversations.modifyValue(forKey: agent.user) { _ = $0.remove(id) } }
    }

    // MARK: Views

    /// Who this read model believes monitors the conversation.
    public func holder(of conversation: ConversationID) -> MonitorHolder? { conversations[conversation]?.holder }

    /// The button a viewer sees for one conversation, or nil if the conversation is not shown.
    public func button(for conversation: ConversationID, viewer: UserID) -> MonitorButton? {
        guard let entry = conversations[conversation], let viewer = viewers[viewer] else { return nil }
        return button(entry, viewer)
    }

    private func button(_ entry: ConversationEntry, _ viewer: Viewer) -> MonitorButton {
        monitorButton(
            for: viewer.standing, holder: entry.holder, channel: entry.channel, state: entry.state,
            viewerIsAgentParticipant: entry.agents.contains { $0.user == viewer.standing.id })
    }

    private func row(_ id: ConversationID, _ entry: ConversationEntry, _ viewer: Viewer, now: Instant) -> InteractionRow {
        let button = button(entry, viewer)
        return InteractionRow(
            conversation: id, channel: entry.channel, state: entry.state, queue: entry.queue,
            queueName: entry.queue.flatMap { queues[$0]?.name }, duration: now - entry.createdAt,
            agents: entry.agents.filter(\.connected).map {
                RowAgent(participant: $0.participant, user: $0.user, name: $0.name, button: button)
            },
            monitoredBy: entry.holder)
    }

    private func viewer(_ id: UserID, needs permissions: PermissionSet) throws(MonitoringError) -> Viewer {
        guard let viewer = viewers[id] else { throw .unknownUser(id) }
        if let missing = viewer.standing.permissions.firstMissing(of: permissions) { throw .missingPermission(missing) }
        return viewer
    }

    /// Performance › Interactions (M23): every conversation not ended, with a Monitor action
    /// per connected agent (M9), in conversation order.
    public func interactions(viewer id: UserID, now: Instant) -> Result<[InteractionRow], MonitoringError> {
        Result { () throws(MonitoringError) in
            let viewer = try viewer(id, needs: EntryPoint.interactions.requiredPermissions)
            return conversations.keys.sorted().map { row($0, conversations[$0]!, viewer, now: now) }
        }
    }

    /// Performance › Queue Activity for one queue (M24).
    public func queueActivity(_ queue: QueueID, viewer id: UserID, now: Instant) -> Result<QueueActivity, MonitoringError> {
        Result { () throws(MonitoringError) in
            let viewer = try viewer(id, needs: EntryPoint.queueActivity.requiredPermissions)
            guard let entry = queues[queue] else { throw .unknownQueue(queue) }
            let interacting = entry.conversations.sorted().compactMap { conversation -> InteractionRow? in
                guard let row = conversations[conversation], row.state == .inProgress else { return nil }
                return self.row(conversation, row, viewer, now: now)
            }
            let onQueue = entry.members.sorted().compactMap { member -> OnQueueAgent? in
                guard let agent = viewers[member], agent.standing.presence == .onQueue else { return nil }
                let current = (agentConversations[member] ?? []).sorted().compactMap { conversation in
                    conversations[conversation].map { row(conversation, $0, viewer, now: now) }
                }
                return OnQueueAgent(user: member, name: agent.name, interactions: current)
            }
            return QueueActivity(queue: queue, name: entry.name, interacting: interacting, onQueueAgents: onQueue)
        }
    }
}

/// An agent on an interaction row, with the Monitor action for them (M9).
public struct RowAgent: Hashable, Sendable, Encodable {
    public var participant: ParticipantID
    public var user: UserID
    public var name: String
    public var button: MonitorButton
}

/// One interaction as the Interactions view and Queue Activity list it (M23, M24).
public struct InteractionRow: Hashable, Sendable, Encodable {
    public var conversation: ConversationID
    public var channel: Channel
    public var state: ConversationState
    public var queue: QueueID?
    public var queueName: String?
    public var duration: TimeSpan
    public var agents: [RowAgent]
    public var monitoredBy: MonitorHolder?
}

/// An on-queue agent in Queue Activity, expanding to their current interactions (M24), each of
/// which leads to the interaction details page.
public struct OnQueueAgent: Hashable, Sendable, Encodable {
    public var user: UserID
    public var name: String
    public var interactions: [InteractionRow]
}

/// Performance › Queue Activity for one queue (M24).
public struct QueueActivity: Hashable, Sendable, Encodable {
    public var queue: QueueID
    public var name: String
    /// The queue's in-progress interactions.
    public var interacting: [InteractionRow]
    public var onQueueAgents: [OnQueueAgent]
}
