// The state changes of the two aggregates, each in one place. The rules decide; these write.

extension Conversation {
    /// The vacant conversation a store's empty slot holds (see `StoredAggregate`).
    init(vacantWithID id: ConversationID) {
        self.init(
            fields: Fields(
                id: id, channel: .sms, createdAt: .zero, state: .ended, queue: nil, queuedAt: nil, endedAt: nil, abandoned: false,
                participants: [], transcript: [], sessions: [], activeSessionIndex: nil, timeline: [],
                context: ConversationContext(customer: CustomerDetails(name: "")), lastInstant: .zero, version: 0))
    }

    init(id: ConversationID, channel: Channel, context: ConversationContext, at instant: Instant) {
        self.init(
            fields: Fields(
                id: id, channel: channel, createdAt: instant, state: .created, queue: nil, queuedAt: nil, endedAt: nil,
                abandoned: false,
                participants: [
                    Participant(
                        id: .customer, purpose: .customer, mediaRole: .full, user: nil, name: context.customer.name,
                        state: .connected, monitoredParticipant: nil, joinedAt: instant, connectedAt: instant)
                ],
                transcript: [], sessions: [], activeSessionIndex: nil,
                timeline: [TimelineEntry(instant: instant, event: .created(channel))], context: context, lastInstant: instant,
                version: 1))
    }

    mutating func record(_ event: TimelineEvent, at instant: Instant) {
        timeline.append(TimelineEntry(instant: instant, event: event))
        lastInstant = instant
        version &+= 1
    }

    mutating func setState(_ newState: ConversationState) -> Bool {
        guard state != newState else { return false }
        state = newState
        return true
    }

    mutating func addParticipant(
        purpose: ParticipantPurpose, mediaRole: MediaRole, user: UserID, name: String, state: ParticipantState,
        monitoring monitored: ParticipantID? = nil, at instant: Instant
    ) -> ParticipantID {
        assert(purpose != .agent || !hasAgentParticipant(user), "\(self.id): \(user) added as an agent twice")
        assert(
            mediaRole != .monitor || activeSessionIndex == nil,
            "\(self.id): a monitor participant added while a session is active (M8)")
        let id = ParticipantID(UInt32(participants.count))
        participants.append(
            Participant(
                id: id, purpose: purpose, mediaRole: mediaRole, user: user, name: name, state: state,
                monitoredParticipant: monitored, joinedAt: instant,
                connectedAt: state == .connected ? instant : nil))
        if purpose == .agent { agentParticipantIDs.append(id) }
        return id
    }

    mutating func setParticipant(_ id: ParticipantID, state newState: ParticipantState, at instant: Instant) {
        let index = Int(id.rawValue)
        assert(participants[index].state != newState, "\(self.id): \(id) set to \(newState) twice")
        participants[index].state = newState
        switch newState {
        case .connected: participants[index].connectedAt = instant
        case .wrapUp: participants[index].disconnectedAt = instant
        case .disconnected:
            if participants[index].disconnectedAt == nil { participants[index].disconnectedAt = instant }
        case .alerting: break
        }
    }

    /// Moves the conversation to wrap-up once no agent is connected any more (M5).
    mutating func settleAfterAgentLeft() -> Bool {
        guard state == .inProgress, !agentParticipantIDs.contains(where: { participants[Int($0.rawValue)].state == .connected }) else {
            return false
        }
        return setState(.wrapUp)
    }

    mutating func startSession(
        supervisor: User, monitored: Participant, entryPoint: EntryPoint, at instant: Instant, lease: TimeSpan
    ) -> MonitorSession {
        assert(activeSessionIndex == nil, "\(id): a session started while \(String(describing: activeSessionIndex)) is active (M8)")
        let participant = addParticipant(
            purpose: .user, mediaRole: .monitor, user: supervisor.id, name: supervisor.displayName, state: .connected,
            monitoring: monitored.id, at: instant)
        let session = MonitorSession(
            id: SessionID(conversation: id, token: UInt64(sessions.count + 1)), supervisor: supervisor.id,
            supervisorName: supervisor.displayName, supervisorParticipant: participant,
            monitoredParticipant: monitored.id, monitoredAgent: monitored.user!, entryPoint: entryPoint,
            startedAt: instant, leaseExpiresAt: instant + lease)
        sessions.append(session)
        activeSessionIndex = sessions.count - 1
        record(.monitoringStarted(session.id, supervisor: supervisor.id, monitoredAgent: monitored.id), at: instant)
        return session
    }

    mutating func endSession(at index: Int, reason: EndReason, instant: Instant) -> MonitorSession {
        assert(sessions[index].endedAt == nil, "\(sessions[index].id): ending an ended session (M11, M19)")
        assert(activeSessionIndex == index, "\(sessions[index].id): ending a session that is not the active one")
        sessions[index].endedAt = instant
        sessions[index].endReason = reason
        activeSessionIndex = nil
        let participant = sessions[index].supervisorParticipant
        setParticipant(participant, state: .disconnected, at: instant)
        participants[Int(participant.rawValue)].disconnectType = .monitorEnded
        record(.monitoringEnded(sessions[index].id, reason), at: instant)
        return sessions[index]
    }

    mutating func renewLease(at index: Int, until deadline: Instant) {
        assert(activeSessionIndex == index && sessions[index].endedAt == nil, "\(sessions[index].id): renewing a session that is not active (M12)")
        sessions[index].leaseExpiresAt = deadline
        version &+= 1
    }
}

extension User {
    mutating func touch() { version &+= 1 }

    mutating func removeMonitoringSession(_ session: SessionID) {
        monitoringSessions.removeAll { $0 == session }
        touch()
    }

    mutating func addMonitoringSession(_ session: SessionID) {
        assert(!monitoringSessions.contains(session), "\(id): \(session) listed twice")
        monitoringSessions.append(session)
        touch()
    }

    mutating func addAgentConversation(_ conversation: ConversationID) {
        if !agentConversations.contains(conversation) { agentConversations.append(conversation) }
        touch()
    }

    mutating func removeAgentConversation(_ conversation: ConversationID) {
        agentConversations.removeAll { $0 == conversation }
        touch()
    }

    /// Whether the user may keep monitoring: licence (M1) and the permissions of M2.
    var mayMonitor: Bool {
        licence.allowsDigitalMonitoring && permissions.contains(.conversationMessageMonitor)
            && permissions.contains(.conversationMessageView)
    }
}
