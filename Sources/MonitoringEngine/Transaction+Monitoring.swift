// The exclusive monitor lock: start, idempotent re-start, stop, lease renewal and expiry.

/// Why a Monitor button is disabled without anyone monitoring (M9).
public enum UnavailableReason: Hashable, Sendable {
    case licence(Licence)
    case permission(Permission)
    case presence(Presence)
    case channel(Channel)
    case state(ConversationState)
    case ownConversation
}

/// What a Monitor button shows for one viewer and one conversation (M9).
public enum MonitorButton: Hashable, Sendable {
    /// Enabled.
    case monitor
    /// Disabled: this supervisor monitors the conversation (the viewer themself, if they hold it).
    case monitoredBy(MonitorHolder)
    /// Disabled for this reason.
    case unavailable(UnavailableReason)
}

/// The facts about a supervisor that decide whether they may monitor.
public struct SupervisorStanding: Hashable, Sendable {
    public var id: UserID
    public var licence: Licence
    public var permissions: PermissionSet
    public var presence: Presence

    public init(id: UserID, licence: Licence, permissions: PermissionSet, presence: Presence) {
        self.id = id
        self.licence = licence
        self.permissions = permissions
        self.presence = presence
    }

    public init(_ user: User) {
        self.init(id: user.id, licence: user.licence, permissions: user.permissions, presence: user.presence)
    }
}

/// The eligibility rules M1–M5 and M7, in the order a supervisor should hear about them.
///
/// Both the start command and every Monitor button use this one function, so a button that
/// shows `monitor` promises exactly what the engine will check (up to staleness, M26).
public func monitorRefusal(
    of supervisor: SupervisorStanding, entryPoint: EntryPoint?, channel: Channel, state: ConversationState,
    supervisorIsAgentParticipant: Bool
) -> MonitoringError? {
    guard supervisor.licence.allowsDigitalMonitoring else { return .licenceNotEligible(supervisor.licence) }
    if let missing = supervisor.permissions.firstMissing(of: [.conversationMessageMonitor, .conversationMessageView]) {
        return .missingPermission(missing)
    }
    if let entryPoint, let missing = supervisor.permissions.firstMissing(of: entryPoint.requiredPermissions) {
        return .missingPermission(missing)
    }
    guard supervisor.presence == .available else { return .supervisorNotAvailable(supervisor.presence) }
    guard channel.isMonitorable else { return .channelNotMonitorable(channel) }
    guard state == .inProgress else { return .conversationNotInProgress(state) }
    guard !supervisorIsAgentParticipant else { return .cannotMonitorOwnConversation }
    return nil
}

/// The Monitor button for a viewer (M9): who monitors first, then why the viewer may not.
public func monitorButton(
    for viewer: SupervisorStanding, holder: MonitorHolder?, channel: Channel, state: ConversationState,
    viewerIsAgentParticipant: Bool
) -> MonitorButton {
    if let holder { return .monitoredBy(holder) }
    guard
        let refusal = monitorRefusal(
            of: viewer, entryPoint: nil, channel: channel, state: state,
            supervisorIsAgentParticipant: viewerIsAgentParticipant)
    else { return .monitor }
    switch refusal {
    case .licenceNotEligible(let licence): return .unavailable(.licence(licence))
    case .missingPermission(let permission): return .unavailable(.permission(permission))
    case .supervisorNotAvailable(let presence): return .unavailable(.presence(presence))
    case .channelNotMonitorable(let channel): return .unavailable(.channel(channel))
    case .conversationNotInProgress(let state): return .unavailable(.state(state))
    default: return .unavailable(.ownConversation)
    }
}

extension Transaction {
    /// Starts monitoring, or returns the supervisor's existing session (M10). Every attempt and
    /// its outcome is reported for the audit log (M22).
    mutating func startMonitoring(
        _ id: ConversationID, _ supervisorID: UserID, _ agent: ParticipantID?, _ entryPoint: EntryPoint
    ) throws(MonitoringError) -> Outcome {
        outbox.record(.monitorAttempted(id, supervisor: supervisorID, agent: agent, entryPoint))
        do throws(MonitoringError) {
            let outcome = try grantMonitoring(id, supervisorID, agent, entryPoint)
            return outcome
        } catch {
            let recipient: Recipient? = users[supervisorID] == nil ? nil : .user(supervisorID)
            if let recipient {
                outbox.emit(.monitorDenied(id, supervisor: supervisorID, error), to: recipient)
            } else {
                outbox.record(.monitorDenied(id, supervisor: supervisorID, error))
            }
            throw error
        }
    }

    private mutating func grantMonitoring(
        _ id: ConversationID, _ supervisorID: UserID, _ agent: ParticipantID?, _ entryPoint: EntryPoint
    ) throws(MonitoringError) -> Outcome {
        let supervisor = try touchUser(supervisorID)
        let instant = try touchConversation(id)
        if let active = conversations[existing: id].activeSession, active.supervisor == supervisorID {
            outbox.emit(.monitoringResumed(active.id, supervisor: supervisorID), to: .user(supervisorID), at: instant)
            return .alreadyMonitoring(active)
        }
        let monitored = try Self.decideGrant(conversations[existing: id], supervisor, agent, entryPoint, configuration)
        let session = conversations[existing: id].startSession(
            supervisor: supervisor, monitored: monitored, entryPoint: entryPoint, at: instant,
            lease: configuration.leaseDuration)
        modifyUser(supervisorID) { $0.addMonitoringSession(session.id) }
        outbox.emit(
            .monitoringStarted(
                id, session.holder, monitoredParticipant: monitored.id, monitoredAgent: session.monitoredAgent),
            to: .user(supervisorID), at: instant)
        return .monitoringStarted(session)
    }

    /// The rules in the order a refused supervisor hears about them: M1–M5, M7, then the lock
    /// (M8), then the agent choice (M6) and the bound on sessions. Returns the agent to watch.
    private static func decideGrant(
        _ conversation: Conversation, _ supervisor: User, _ agent: ParticipantID?, _ entryPoint: EntryPoint,
        _ configuration: EngineConfiguration
    ) throws(MonitoringError) -> Participant {
        if let refusal = monitorRefusal(
            of: SupervisorStanding(supervisor), entryPoint: entryPoint, channel: conversation.channel,
            state: conversation.state, supervisorIsAgentParticipant: conversation.hasAgentParticipant(supervisor.id))
        {
            throw refusal
        }
        if let active = conversation.activeSession {
            throw .alreadyMonitored(by: active.holder, since: active.startedAt)
        }
        let monitored = try chooseAgent(agent, in: conversation)
        guard conversation.sessions.count < configuration.maximumSessionsPerConversation else {
            throw .limitReached(.sessionsPerConversation)
        }
        return monitored
    }

    /// M6: an implied single agent, or the chosen one, which must be a connected agent.
    private static func chooseAgent(_ choice: ParticipantID?, in conversation: Conversation) throws(MonitoringError)
        -> Participant
    {
        if let choice {
            guard let participant = conversation.participant(choice), participant.isConnectedAgent else {
                throw .notAConnectedAgent(choice)
            }
            return participant
        }
        guard let only = conversation.onlyConnectedAgent else {
            throw .agentChoiceRequired(
                conversation.connectedAgents.map { AgentChoice(participant: $0.id, agent: $0.user!, name: $0.name) })
        }
        return conversation.participants[Int(only.rawValue)]
    }

    /// Looks up a session by id after expiring a due lease, and checks its owner (M11, M17).
    private mutating func ownedSession(_ id: SessionID, by supervisorID: UserID) throws(MonitoringError) -> (
        index: Int, instant: Instant
    ) {
        _ = try touchUser(supervisorID)
        let instant = try touchConversation(id.conversation)
        let sessions = conversations[existing: id.conversation].sessions
        guard id.token >= 1, id.token <= UInt64(sessions.count) else { throw .unknownSession(id) }
        let index = Int(id.token - 1)
        let session = sessions[index]
        guard session.supervisor == supervisorID else { throw .notSessionOwner(id, owner: session.supervisor) }
        if let reason = session.endReason { throw .sessionAlreadyEnded(id, reason) }
        return (index, instant)
    }

    /// Stops the named session only (M11, M17); a late or repeated stop ends nothing else.
    mutating func stopMonitoring(_ id: SessionID, _ supervisorID: UserID, _ source: StopSource) throws(MonitoringError)
        -> Outcome
    {
        let (index, instant) = try ownedSession(id, by: supervisorID)
        endSession(in: id.conversation, index: index, reason: source.endReason, at: instant)
        return .monitoringStopped(id)
    }

    mutating func renewLease(_ id: SessionID, _ supervisorID: UserID) throws(MonitoringError) -> Outcome {
        let (index, instant) = try ownedSession(id, by: supervisorID)
        let deadline = instant + configuration.leaseDuration
        conversations[existing: id.conversation].renewLease(at: index, until: deadline)
        outbox.emit(.leaseRenewed(id, supervisor: supervisorID, until: deadline), to: .user(supervisorID), at: instant)
        return .leaseRenewed(id, until: deadline)
    }

    /// Ends every session whose lease is due (M12), in order of deadline: the sessions the store found due
    /// (`AggregateStore.sessionsDue(at:)`), each still active with a due lease when the rule reaches it.
    mutating func expireLeases() -> Outcome {
        var count = 0
        for session in dueSessions {
            guard conversations.contains(session.conversation),
                let index = conversations[existing: session.conversation].activeSessionIndex,
                conversations[existing: session.conversation].sessions[index].id == session,
                conversations[existing: session.conversation].sessions[index].leaseExpiresAt <= outbox.now
            else { continue }
            // Touching the conversation ends the due session with `leaseExpired`.
            _ = try? touchConversation(session.conversation)
            count += 1
        }
        return .leasesExpired(count: count)
    }
}
