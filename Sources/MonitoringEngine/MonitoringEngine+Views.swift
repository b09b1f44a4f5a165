// What each person sees of a conversation, read from the authority's state: the agent's, the
// customer's and the monitor's views (M14, M15), the interaction panel (M13), the interaction
// details page with its metrics and timeline (M20, M21, M25).

/// A participant as an agent or a customer sees it. Monitors are never among these (M14).
public struct VisibleParticipant: Hashable, Sendable, Encodable {
    public var id: ParticipantID
    public var purpose: ParticipantPurpose
    public var name: String
    public var state: ParticipantState
    public var readUpTo: Int?
}

/// Everything an agent sees of a conversation (M15): participants, the whole transcript, and
/// the contextual panels.
public struct ConversationContent: Hashable, Sendable, Encodable {
    public var conversation: ConversationID
    public var channel: Channel
    public var state: ConversationState
    public var participants: [VisibleParticipant]
    public var transcript: [Message]
    public var context: ConversationContext
}

/// The monitored agent's own view.
public struct AgentView: Hashable, Sendable, Encodable {
    public var participant: ParticipantID
    public var content: ConversationContent
}

/// The customer's view: the agents who joined and the transcript; never a monitor (M14).
public struct CustomerView: Hashable, Sendable, Encodable {
    public var conversation: ConversationID
    public var participants: [VisibleParticipant]
    public var transcript: [Message]
}

/// The monitoring supervisor's view: the monitored agent's content, flagged as monitoring (M13, M15).
public struct MonitorView: Hashable, Sendable, Encodable {
    public var session: SessionID
    public var monitoring: Bool
    public var monitoredParticipant: ParticipantID
    public var content: ConversationContent
}

/// One conversation in a user's interaction panel; `monitoring` is the binoculars mark (M13).
public struct PanelEntry: Hashable, Sendable, Encodable {
    public var conversation: ConversationID
    public var channel: Channel
    public var monitoring: Bool
    /// For a monitored conversation: the session and the agent participant watched.
    public var session: SessionID?
    public var monitoredParticipant: ParticipantID?
    /// For a conversation the user takes part in as an agent: their own agent participant, whose view they read.
    public var participant: ParticipantID?

    public init(
        conversation: ConversationID, channel: Channel, monitoring: Bool, session: SessionID?,
        monitoredParticipant: ParticipantID?, participant: ParticipantID? = nil
    ) {
        self.conversation = conversation
        self.channel = channel
        self.monitoring = monitoring
        self.session = session
        self.monitoredParticipant = monitoredParticipant
        self.participant = participant
    }
}

/// A participant on the interaction details page (M20, M25).
public struct ParticipantRecord: Hashable, Sendable, Encodable {
    public var participant: ParticipantID
    public var purpose: ParticipantPurpose
    public var name: String
    public var user: UserID?
    public var state: ParticipantState
    /// The binoculars mark of a monitoring supervisor.
    public var monitoring: Bool
    public var monitoredParticipant: ParticipantID?
    public var startedAt: Instant
    public var endedAt: Instant?
}

/// The Monitor / Stop Monitoring action next to an agent on the details page (M9, M17, M25).
public struct AgentAction: Hashable, Sendable, Encodable {
    public var participant: ParticipantID
    public var agentName: String
    public var button: MonitorButton
    /// The session the viewer may stop from here, when the viewer monitors this agent.
    public var stoppableSession: SessionID?
}

/// The interaction details page (M25).
public struct InteractionDetails: Hashable, Sendable, Encodable {
    public var conversation: ConversationID
    public var channel: Channel
    public var state: ConversationState
    public var queue: QueueID?
    /// The customer.
    public var external: [ParticipantRecord]
    /// Agents and monitoring supervisors.
    public var `internal`: [ParticipantRecord]
    public var actions: [AgentAction]
    public var metrics: ConversationMetrics
    public var timeline: [TimelineEntry]
}

/// Monitored time of one session.
public struct SessionTime: Hashable, Sendable, Encodable {
    public var session: SessionID
    public var time: TimeSpan
}

/// Per-conversation metrics (M20).
public struct ConversationMetrics: Hashable, Sendable, Encodable {
    public var totalDuration: TimeSpan
    public var timeInQueue: TimeSpan
    /// Connected plus wrap-up time of every agent participant.
    public var handleTime: TimeSpan
    public var messagesInbound: Int
    public var messagesOutbound: Int
    /// Monitored time per session, in token order.
    public var tMonitoringPerSession: [SessionTime]
    /// Monitored time summed over sessions.
    public var tMonitoring: TimeSpan
    public var nMonitoringSessions: Int
    /// Sessions that ended within the interval asked for: their count and monitored time.
    public var tMonitoringCompleteCount: Int
    public var tMonitoringComplete: TimeSpan
}

extension Conversation {
    /// The participants an agent or customer sees: everyone but monitors (M14).
    var visibleParticipants: [VisibleParticipant] {
        participants.compactMap { participant in
            participant.isMonitor
                ? nil
                : VisibleParticipant(
                    id: participant.id, purpose: participant.purpose, name: participant.name,
                    state: participant.state, readUpTo: participant.readUpTo)
        }
    }

    func content(visibleParticipants: [VisibleParticipant]) -> ConversationContent {
        ConversationContent(
            conversation: id, channel: channel, state: state, participants: visibleParticipants,
            transcript: transcript, context: context)
    }

    /// M20 metrics as of `now`; `completedIn` selects the sessions counted in `tMonitoringComplete`.
    public func metrics(asOf now: Instant, completedIn interval: Range<Instant>? = nil) -> ConversationMetrics {
        let end = endedAt ?? now
        let firstConnect = participants.compactMap { $0.purpose == .agent ? $0.connectedAt : nil }.min()
        let timeInQueue = queuedAt.map { (firstConnect ?? end) - $0 } ?? .zero
        var handleTime = TimeSpan.zero
        for participant in participants where participant.purpose == .agent {
            guard let connected = participant.connectedAt else { continue }
            handleTime += (participant.wrapUpEndedAt ?? (participant.state == .disconnected ? participant.disconnectedAt : nil) ?? now) - connected
        }
        let perSession = sessions.map { SessionTime(session: $0.id, time: $0.monitoredTime(asOf: now)) }
        let completed = sessions.filter { session in
            guard let endedAt = session.endedAt else { return false }
            return interval?.contains(endedAt) ?? true
        }
        return ConversationMetrics(
            totalDuration: end - createdAt, timeInQueue: timeInQueue, handleTime: handleTime,
            messagesInbound: transcript.count { $0.direction == .inbound },
            messagesOutbound: transcript.count { $0.direction == .outbound },
            tMonitoringPerSession: perSession,
            tMonitoring: perSession.reduce(.zero) { $0 + $1.time },
            nMonitoringSessions: sessions.count,
            tMonitoringCompleteCount: completed.count,
            tMonitoringComplete: completed.reduce(.zero) { $0 + $1.monitoredTime(asOf: now) })
    }
}

extension MonitoringEngine {
    func conversation(_ id: ConversationID) throws(MonitoringError) -> Conversation {
        guard let conversation = conversations[id] else { throw .unknownConversation(id) }
        return conversation
    }

    /// What an agent participant sees (M14: no monitor; M15: what the monitor sees too).
    public func agentView(_ id: ConversationID, participant: ParticipantID) -> Result<AgentView, MonitoringError> {
        Result { () throws(MonitoringError) in try Self.agentView(of: try conversation(id), participant: participant) }
    }

    /// What the customer sees: the customer and the agents, never a monitor (M14).
    public func customerView(_ id: ConversationID) -> Result<CustomerView, MonitoringError> {
        Result { () throws(MonitoringError) in Self.customerView(of: try conversation(id)) }
    }

    // The views are built from a conversation the caller already holds, so that the invariant checks after every
    // command look at exactly what a viewer gets without copying the conversation again for each view.

    static func agentView(of conversation: Conversation, participant: ParticipantID) throws(MonitoringError) -> AgentView {
        guard let agent = conversation.participant(participant), agent.purpose == .agent else {
            throw .notAnAgent(participant)
        }
        return AgentView(participant: participant, content: conversation.content(visibleParticipants: conversation.visibleParticipants))
    }

    static func customerView(of conversation: Conversation) -> CustomerView {
        CustomerView(conversation: conversation.id, participants: conversation.visibleParticipants, transcript: conversation.transcript)
    }

    /// What a monitoring supervisor sees: exactly what the monitored agent sees (M15).
    public func monitorView(_ session: SessionID, viewer: UserID) -> Result<MonitorView, MonitoringError> {
        Result { () throws(MonitoringError) in
            let conversation = try conversation(session.conversation)
            guard session.token >= 1, session.token <= UInt64(conversation.sessions.count) else {
                throw .unknownSession(session)
            }
            let record = conversation.sessions[Int(session.token - 1)]
            guard record.supervisor == viewer else { throw .notSessionOwner(session, owner: record.supervisor) }
            if let reason = record.endReason { throw .sessionAlreadyEnded(session, reason) }
            // The monitored agent's content, built by the same visibility function as the agent's own view (M15).
            return MonitorView(
                session: session, monitoring: true, monitoredParticipant: record.monitoredParticipant,
                content: conversation.content(visibleParticipants: conversation.visibleParticipants))
        }
    }

    /// A user's interaction panel: conversations as agent, and monitored ones with binoculars (M13).
    public func panel(of userID: UserID) -> Result<[PanelEntry], MonitoringError> {
        Result { () throws(MonitoringError) in
            let user = try user(userID)
            let asAgent = user.agentConversations.compactMap { id in
                conversations[id].map { conversation in
                    PanelEntry(
                        conversation: id, channel: conversation.channel, monitoring: false, session: nil, monitoredParticipant: nil,
                        participant: conversation.participants.last { $0.user == userID && $0.purpose == .agent }?.id)
                }
            }
            let monitored = user.monitoringSessions.compactMap { session in
                conversations[session.conversation].map {
                    PanelEntry(
                        conversation: session.conversation, channel: $0.channel, monitoring: true, session: session,
                        monitoredParticipant: $0.sessions[Int(session.token - 1)].monitoredParticipant)
                }
            }
            return asAgent + monitored
        }
    }

    /// The interaction details page for a viewer (M25), with metrics (M20) and timeline (M21).
    public func interactionDetails(_ id: ConversationID, viewer viewerID: UserID, now: Instant) -> Result<
        InteractionDetails, MonitoringError
    > {
        Result { () throws(MonitoringError) in
            let viewer = try user(viewerID)
            guard viewer.permissions.contains(.analyticsConversationDetailView) else {
                throw .missingPermission(.analyticsConversationDetailView)
            }
            let conversation = try conversation(id)
            let records = conversation.participants.map { participant in
                ParticipantRecord(
                    participant: participant.id, purpose: participant.purpose, name: participant.name,
                    user: participant.user, state: participant.state, monitoring: participant.isMonitor,
                    monitoredParticipant: participant.monitoredParticipant, startedAt: participant.joinedAt,
                    endedAt: participant.disconnectedAt)
            }
            let holder = conversation.activeSession?.holder
            let button = monitorButton(
                for: SupervisorStanding(viewer), holder: holder, channel: conversation.channel,
                state: conversation.state, viewerIsAgentParticipant: conversation.hasAgentParticipant(viewerID))
            let actions = conversation.participants.filter { $0.purpose == .agent && $0.state == .connected }.map {
                agent in
                let active = conversation.activeSession
                let stoppable = active.flatMap {
                    $0.supervisor == viewerID && $0.monitoredParticipant == agent.id ? $0.id : nil
                }
                return AgentAction(participant: agent.id, agentName: agent.name, button: button, stoppableSession: stoppable)
            }
            return InteractionDetails(
                conversation: id, channel: conversation.channel, state: conversation.state, queue: conversation.queue,
                external: records.filter { $0.purpose == .customer },
                internal: records.filter { $0.purpose != .customer },
                actions: actions, metrics: conversation.metrics(asOf: now), timeline: conversation.timeline)
        }
    }
}
