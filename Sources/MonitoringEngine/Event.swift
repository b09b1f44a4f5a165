/// What happened, as the engine reports it to read models, the audit log and users' clients.
public enum Event: Hashable, Sendable {
    // MARK: Directory

    case roleDefined(Role)
    case userAdded(UserID, name: String, Licence, PermissionSet, Presence, isAdministrator: Bool)
    case permissionsChanged(UserID, PermissionSet)
    case licenceChanged(UserID, Licence)
    case presenceChanged(UserID, Presence)
    case queueAdded(QueueID, name: String)
    case queueMembershipChanged(QueueID, UserID, isMember: Bool)

    // MARK: Conversations

    case conversationCreated(ConversationID, Channel, customerName: String)
    case conversationQueued(ConversationID, QueueID)
    case conversationStateChanged(ConversationID, ConversationState)
    case agentAlerted(ConversationID, ParticipantID, UserID)
    case agentConnected(ConversationID, ParticipantID, UserID, name: String)
    case agentDisconnected(ConversationID, ParticipantID, UserID, DisconnectType)
    case agentWrappedUp(ConversationID, ParticipantID, UserID, code: String)
    case messageSent(ConversationID, Message)
    case typing(ConversationID, ParticipantID)
    case readReceipt(ConversationID, ParticipantID, upTo: Int)
    case conversationEnded(ConversationID, abandoned: Bool)

    // MARK: Monitoring (never delivered to an agent or a customer: M14)

    /// A supervisor asked to monitor (M22).
    case monitorAttempted(ConversationID, supervisor: UserID, agent: ParticipantID?, EntryPoint)
    /// The attempt was refused (M22).
    case monitorDenied(ConversationID, supervisor: UserID, MonitoringError)
    /// A session was granted (M22).
    case monitoringStarted(ConversationID, MonitorHolder, monitoredParticipant: ParticipantID, monitoredAgent: UserID)
    /// An idempotent re-start returned the existing session (M10).
    case monitoringResumed(SessionID, supervisor: UserID)
    case leaseRenewed(SessionID, supervisor: UserID, until: Instant)
    /// A session ended, by any path (M19, M22).
    case monitoringEnded(SessionID, supervisor: UserID, EndReason)

    /// Whether the event is about monitoring, which only the monitoring supervisor, the read
    /// models and administrators may see (M14).
    public var isMonitoringEvent: Bool { monitoringSupervisor != nil }

    /// For a monitoring event, the supervisor it is about: the only user who may be told of it.
    public var monitoringSupervisor: UserID? {
        switch self {
        case .monitorAttempted(_, let supervisor, _, _), .monitorDenied(_, let supervisor, _): supervisor
        case .monitoringStarted(_, let holder, _, _): holder.supervisor
        case .monitoringResumed(_, let supervisor), .leaseRenewed(_, let supervisor, _),
            .monitoringEnded(_, let supervisor, _):
            supervisor
        default: nil
        }
    }
}

/// An event with the instant at which the engine applied it.
public struct EventRecord: Hashable, Sendable {
    public var instant: Instant
    public var event: Event
}

/// Someone whose client is notified of events.
public enum Recipient: Hashable, Sendable, CustomStringConvertible {
    case user(UserID)
    /// The customer of a conversation.
    case customer(ConversationID)

    public var description: String {
        switch self {
        case .user(let user): "\(user)"
        case .customer(let conversation): "customer of \(conversation)"
        }
    }
}

/// One notification: the event at `eventIndex` of the last command's events goes to `recipient`.
public struct Delivery: Hashable, Sendable {
    public var recipient: Recipient
    public var eventIndex: Int

    public init(recipient: Recipient, eventIndex: Int) {
        self.recipient = recipient
        self.eventIndex = eventIndex
    }
}
