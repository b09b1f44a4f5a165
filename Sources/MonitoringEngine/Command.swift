/// Everything the engine can be asked to do. Each command names the aggregates it touches.
public enum Command: Hashable, Sendable {
    // MARK: Directory

    case defineRole(Role)
    case addUser(User)
    case assignRoles(UserID, [RoleID])
    case setLicence(UserID, Licence)
    case setPresence(UserID, Presence)
    case addQueue(Queue)
    case setQueueMembership(QueueID, UserID, isMember: Bool)

    // MARK: Conversation lifecycle

    /// A customer opens a conversation; the outcome names its id.
    case createConversation(Channel, ConversationContext)
    case enqueue(ConversationID, QueueID)
    /// Offers the conversation to an agent (routing, a transfer, or a conference/consult add).
    case alertAgent(ConversationID, UserID)
    /// The alerted agent answers.
    case connectAgent(ConversationID, ParticipantID)
    /// The agent leaves (or an unanswered alert is withdrawn); a connected agent goes to wrap-up.
    case disconnectAgent(ConversationID, ParticipantID)
    /// A blind transfer: the agent leaves and the target is alerted or the conversation queued.
    case transfer(ConversationID, from: ParticipantID, to: TransferTarget)
    case sendMessage(ConversationID, from: ParticipantID, MessageKind, body: String)
    case typing(ConversationID, ParticipantID)
    case markRead(ConversationID, ParticipantID, upTo: Int)
    case wrapUp(ConversationID, ParticipantID, code: String)
    case endConversation(ConversationID)
    /// The customer gave up while queued.
    case abandon(ConversationID)

    // MARK: Monitoring

    /// Start monitoring, optionally from the point of view of a chosen agent participant (M6).
    case startMonitoring(ConversationID, supervisor: UserID, agent: ParticipantID?, via: EntryPoint)
    case stopMonitoring(SessionID, by: UserID, from: StopSource)
    case renewLease(SessionID, by: UserID)
    /// Ends every session whose lease is due at the command's instant (M12).
    case expireLeases
}

/// What a command achieved.
public enum Outcome: Hashable, Sendable {
    case done
    case conversationCreated(ConversationID)
    case participantAdded(ParticipantID)
    case messageSent(index: Int)
    /// A new session was granted (M8).
    case monitoringStarted(MonitorSession)
    /// The supervisor already monitored; the existing session is returned (M10).
    case alreadyMonitoring(MonitorSession)
    case monitoringStopped(SessionID)
    case leaseRenewed(SessionID, until: Instant)
    case leasesExpired(count: Int)
}
