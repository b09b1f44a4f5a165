/// A connected agent a supervisor may choose to monitor from (M6).
public struct AgentChoice: Hashable, Sendable, Codable {
    public var participant: ParticipantID
    public var agent: UserID
    public var name: String

    public init(participant: ParticipantID, agent: UserID, name: String) {
        self.participant = participant
        self.agent = agent
        self.name = name
    }
}

/// A limit of the engine; reaching one is a refusal, never a crash or unbounded growth.
public enum EngineLimit: String, Sendable, Codable {
    case sessionsPerConversation
    case participantsPerConversation
    case messagesPerConversation
}

/// Why the engine refused a command. Every refusal carries what a UI needs to explain it.
public enum MonitoringError: Error, Hashable, Sendable, CustomStringConvertible {
    // MARK: Monitoring rules

    /// M1: the supervisor's licence does not include digital monitoring.
    case licenceNotEligible(Licence)
    /// M2: the user lacks a permission the action or view needs.
    case missingPermission(Permission)
    /// M3: monitoring can only start while the supervisor is `available`.
    case supervisorNotAvailable(Presence)
    /// M4: only web messaging, third-party/API messaging and SMS can be monitored.
    case channelNotMonitorable(Channel)
    /// M5: the conversation is not in progress with an agent connected.
    case conversationNotInProgress(ConversationState)
    /// M6: several agents are connected; the supervisor must choose one of these.
    case agentChoiceRequired([AgentChoice])
    /// M6: the chosen participant is not an agent connected to the conversation.
    case notAConnectedAgent(ParticipantID)
    /// M7: the supervisor takes part in the conversation and cannot monitor it.
    case cannotMonitorOwnConversation
    /// M8: another supervisor monitors the conversation, since the given instant.
    case alreadyMonitored(by: MonitorHolder, since: Instant)
    /// M11: the session named has already ended, for this reason; nothing else was ended.
    case sessionAlreadyEnded(SessionID, EndReason)
    /// M16: a monitoring supervisor cannot send anything into the conversation.
    case monitorCannotParticipate
    /// M17: only the supervisor who owns a session may stop or renew it.
    case notSessionOwner(SessionID, owner: UserID)
    /// M22: the audit log is for administrators only.
    case administratorsOnly

    // MARK: Lifecycle and directory

    case unknownUser(UserID)
    case unknownRole(RoleID)
    case unknownQueue(QueueID)
    case unknownConversation(ConversationID)
    case unknownParticipant(ConversationID, ParticipantID)
    /// No session with this id was ever started.
    case unknownSession(SessionID)
    case userAlreadyExists(UserID)
    case queueAlreadyExists(QueueID)
    /// The command needs the conversation in another state.
    case invalidConversationState(ConversationState)
    /// The command needs the participant in another state or of another purpose.
    case invalidParticipantState(ParticipantID, ParticipantState)
    /// The participant is the customer or a monitor where an agent was expected.
    case notAnAgent(ParticipantID)
    /// The user already takes part in the conversation as an agent.
    case agentAlreadyInConversation(UserID)
    /// The user monitors the conversation and so cannot be added to it as an agent.
    case userMonitorsConversation(UserID)
    /// The wrap-up code is not one the conversation's queue offers.
    case unknownWrapUpCode(String)
    /// A bound of the engine was reached.
    case limitReached(EngineLimit)

    /// The rule of `docs/rules.md` a refusal enforces, when it enforces one.
    public var rule: String? {
        switch self {
        case .licenceNotEligible: "M1"
        case .missingPermission: "M2"
        case .supervisorNotAvailable: "M3"
        case .channelNotMonitorable: "M4"
        case .conversationNotInProgress: "M5"
        case .agentChoiceRequired, .notAConnectedAgent: "M6"
        case .cannotMonitorOwnConversation: "M7"
        case .alreadyMonitored: "M8"
        case .sessionAlreadyEnded: "M11"
        case .monitorCannotParticipate: "M16"
        case .notSessionOwner: "M17"
        case .administratorsOnly: "M22"
        default: nil
        }
    }

    /// One line a person can read, e.g. `alreadyMonitored(by: Alice (user-1), since: 13.000s)`.
    public var description: String {
        switch self {
        case .licenceNotEligible(let licence): "licenceNotEligible(\(licence.rawValue))"
        case .missingPermission(let permission): "missingPermission(\(permission))"
        case .supervisorNotAvailable(let presence): "supervisorNotAvailable(\(presence.rawValue))"
        case .channelNotMonitorable(let channel): "channelNotMonitorable(\(channel))"
        case .conversationNotInProgress(let state): "conversationNotInProgress(\(state.rawValue))"
        case .agentChoiceRequired(let choices):
            "agentChoiceRequired(" + choices.map { "\($0.name) (\($0.participant))" }.joined(separator: ", ") + ")"
        case .notAConnectedAgent(let participant): "notAConnectedAgent(\(participant))"
        case .cannotMonitorOwnConversation: "cannotMonitorOwnConversation"
        case .alreadyMonitored(let holder, let since):
            "alreadyMonitored(by: \(holder.supervisorName) (\(holder.supervisor)), since: \(since))"
        case .sessionAlreadyEnded(let session, let reason): "sessionAlreadyEnded(\(session), \(reason.rawValue))"
        case .monitorCannotParticipate: "monitorCannotParticipate"
        case .notSessionOwner(let session, let owner): "notSessionOwner(\(session), owner: \(owner))"
        case .administratorsOnly: "administratorsOnly"
        case .unknownUser(let id): "unknownUser(\(id))"
        case .unknownRole(let id): "unknownRole(\(id))"
        case .unknownQueue(let id): "unknownQueue(\(id))"
        case .unknownConversation(let id): "unknownConversation(\(id))"
        case .unknownParticipant(let conversation, let participant): "unknownParticipant(\(conversation), \(participant))"
        case .unknownSession(let id): "unknownSession(\(id))"
        case .userAlreadyExists(let id): "userAlreadyExists(\(id))"
        case .queueAlreadyExists(let id): "queueAlreadyExists(\(id))"
        case .invalidConversationState(let state): "invalidConversationState(\(state.rawValue))"
        case .invalidParticipantState(let participant, let state): "invalidParticipantState(\(participant), \(state.rawValue))"
        case .notAnAgent(let participant): "notAnAgent(\(participant))"
        case .agentAlreadyInConversation(let id): "agentAlreadyInConversation(\(id))"
        case .userMonitorsConversation(let id): "userMonitorsConversation(\(id))"
        case .unknownWrapUpCode(let code): "unknownWrapUpCode(\(code))"
        case .limitReached(let limit): "limitReached(\(limit.rawValue))"
        }
    }
}
