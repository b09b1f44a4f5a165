// The conversation lifecycle: create, queue, alert, connect, messages, transfers, wrap-up, end.

extension MonitoringEngine {
    mutating func createConversation(_ channel: Channel, _ context: ConversationContext) -> Outcome {
        let id = ConversationID(nextConversationNumber)
        nextConversationNumber += 1
        let conversation = Conversation(id: id, channel: channel, context: context, at: outbox.now)
        conversations[id] = conversation
        touched.add(conversation)
        outbox.emit(.conversationCreated(id, channel, customerName: context.customer.name), to: .customer(id))
        return .conversationCreated(id)
    }

    mutating func enqueue(_ id: ConversationID, _ queueID: QueueID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        guard let queue = queues[queueID] else { throw .unknownQueue(queueID) }
        let state = conversations[id]!.state
        guard state == .created || state == .queued else { throw .invalidConversationState(state) }
        placeInQueue(id, queue, at: instant)
        return .done
    }

    mutating func alertAgent(_ id: ConversationID, _ agentID: UserID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let agent = try touchUser(agentID)
        let conversation = conversations[id]!
        guard conversation.state == .queued || conversation.state == .inProgress else {
            throw .invalidConversationState(conversation.state)
        }
        guard !conversation.hasAgentParticipant(agentID) else { throw .agentAlreadyInConversation(agentID) }
        guard conversation.activeSession?.supervisor != agentID else { throw .userMonitorsConversation(agentID) }
        guard conversation.participants.count < configuration.maximumParticipantsPerConversation else {
            throw .limitReached(.participantsPerConversation)
        }
        let participant = conversations[id]!.addParticipant(
            purpose: .agent, mediaRole: .full, user: agentID, name: agent.displayName, state: .alerting, at: instant)
        conversations[id]!.record(.agentAlerted(participant, agentID), at: instant)
        users[agentID]!.addAgentConversation(id)
        outbox.emit(.agentAlerted(id, participant, agentID), to: .user(agentID), at: instant)
        return .participantAdded(participant)
    }

    mutating func connectAgent(_ id: ConversationID, _ participantID: ParticipantID) throws(MonitoringError) -> Outcome
    {
        let instant = try touchConversation(id)
        let participant = try agentParticipant(participantID, of: id)
        guard participant.state == .alerting else { throw .invalidParticipantState(participantID, participant.state) }
        let state = conversations[id]!.state
        guard state == .queued || state == .inProgress else { throw .invalidConversationState(state) }
        touched.add(participant.user!)
        conversations[id]!.setParticipant(participantID, state: .connected, at: instant)
        conversations[id]!.record(.agentConnected(participantID, participant.user!), at: instant)
        let stateChanged = conversations[id]!.setState(.inProgress)
        let conversation = conversations[id]!
        outbox.emit(
            .agentConnected(id, participantID, participant.user!, name: participant.name),
            toParticipantsOf: conversation, at: instant)
        if stateChanged {
            outbox.emit(.conversationStateChanged(id, .inProgress), toParticipantsOf: conversation, at: instant)
        }
        return .done
    }

    mutating func disconnectAgent(_ id: ConversationID, _ participantID: ParticipantID) throws(MonitoringError)
        -> Outcome
    {
        let instant = try touchConversation(id)
        let participant = try agentParticipant(participantID, of: id)
        switch participant.state {
        case .alerting:
            withdrawAlert(id, participant, at: instant)
        case .connected:
            agentLeaves(id, participant, type: .client, at: instant)
        case .wrapUp, .disconnected:
            throw .invalidParticipantState(participantID, participant.state)
        }
        return .done
    }

    /// A blind transfer (M18: the monitored agent is "transferred away").
    mutating func transfer(_ id: ConversationID, _ from: ParticipantID, _ target: TransferTarget) throws(MonitoringError)
        -> Outcome
    {
        let instant = try touchConversation(id)
        let participant = try agentParticipant(from, of: id)
        guard participant.state == .connected else { throw .invalidParticipantState(from, participant.state) }
        switch target {
        case .agent(let agentID):
            let agent = try user(agentID)
            guard agent.id != participant.user else { throw .agentAlreadyInConversation(agentID) }
            let conversation = conversations[id]!
            guard !conversation.hasAgentParticipant(agentID) else { throw .agentAlreadyInConversation(agentID) }
            guard conversation.activeSession?.supervisor != agentID else { throw .userMonitorsConversation(agentID) }
            guard conversation.participants.count < configuration.maximumParticipantsPerConversation else {
                throw .limitReached(.participantsPerConversation)
            }
        case .queue(let queueID):
            guard queues[queueID] != nil else { throw .unknownQueue(queueID) }
        }
        conversations[id]!.record(.transferred(from: from, to: target), at: instant)
        agentLeaves(id, participant, type: .transfer, at: instant, settle: false)
        let agentRemains = conversations[id]!.participants.contains(where: \.isConnectedAgent)
        switch target {
        case .agent(let agentID):
            if !agentRemains, conversations[id]!.setState(.queued) {
                outbox.emit(.conversationStateChanged(id, .queued), toParticipantsOf: conversations[id]!, at: instant)
            }
            return try alertAgent(id, agentID)
        case .queue(let queueID):
            if !agentRemains { placeInQueue(id, queues[queueID]!, at: instant) }
            return .done
        }
    }

    mutating func sendMessage(_ id: ConversationID, _ from: ParticipantID, _ kind: MessageKind, _ body: String)
        throws(MonitoringError) -> Outcome
    {
        let instant = try touchConversation(id)
        let sender = try participant(from, of: id)
        let direction = try direction(of: sender, in: conversations[id]!)
        guard conversations[id]!.transcript.count < configuration.maximumMessagesPerConversation else {
            throw .limitReached(.messagesPerConversation)
        }
        let index = conversations[id]!.transcript.count
        let message = Message(index: index, sender: from, direction: direction, kind: kind, body: body, sentAt: instant)
        conversations[id]!.transcript.append(message)
        conversations[id]!.record(.message(index: index, sender: from, direction), at: instant)
        outbox.emit(.messageSent(id, message), toParticipantsOf: conversations[id]!, at: instant)
        return .messageSent(index: index)
    }

    mutating func typing(_ id: ConversationID, _ participantID: ParticipantID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let sender = try participant(participantID, of: id)
        _ = try direction(of: sender, in: conversations[id]!)
        outbox.emit(.typing(id, participantID), toParticipantsOf: conversations[id]!, at: instant, excluding: participantID)
        return .done
    }

    mutating func markRead(_ id: ConversationID, _ participantID: ParticipantID, _ upTo: Int) throws(MonitoringError)
        -> Outcome
    {
        let instant = try touchConversation(id)
        let reader = try participant(participantID, of: id)
        _ = try direction(of: reader, in: conversations[id]!)
        let last = conversations[id]!.transcript.count - 1
        let index = min(upTo, last)
        guard index >= 0, index > (reader.readUpTo ?? -1) else { return .done }
        conversations[id]!.participants[Int(participantID.rawValue)].readUpTo = index
        conversations[id]!.version &+= 1
        outbox.emit(
            .readReceipt(id, participantID, upTo: index), toParticipantsOf: conversations[id]!, at: instant,
            excluding: participantID)
        return .done
    }

    mutating func wrapUp(_ id: ConversationID, _ participantID: ParticipantID, _ code: String) throws(MonitoringError)
        -> Outcome
    {
        let instant = try touchConversation(id)
        let participant = try participant(participantID, of: id)
        if participant.isMonitor { throw .monitorCannotParticipate }
        guard participant.purpose == .agent else { throw .notAnAgent(participantID) }
        guard participant.state == .wrapUp else { throw .invalidParticipantState(participantID, participant.state) }
        let codes = conversations[id]!.context.wrapUpCodes
        guard codes.isEmpty || codes.contains(code) else { throw .unknownWrapUpCode(code) }
        let agentID = participant.user!
        touched.add(agentID)
        conversations[id]!.participants[Int(participantID.rawValue)].wrapUpCode = code
        conversations[id]!.participants[Int(participantID.rawValue)].wrapUpEndedAt = instant
        conversations[id]!.setParticipant(participantID, state: .disconnected, at: instant)
        conversations[id]!.record(.agentWrappedUp(participantID, code: code), at: instant)
        releaseAgent(agentID, from: id)
        outbox.emit(.agentWrappedUp(id, participantID, agentID, code: code), to: .user(agentID), at: instant)
        return .done
    }

    /// Ends the conversation: the customer left or closed it, or abandoned it while queued.
    mutating func endConversation(_ id: ConversationID, abandoned: Bool) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let state = conversations[id]!.state
        if abandoned {
            guard state == .created || state == .queued else { throw .invalidConversationState(state) }
        } else {
            guard state != .ended else { throw .invalidConversationState(state) }
        }
        endActiveSession(of: id, reason: .conversationEnded, at: instant)
        outbox.emit(.conversationEnded(id, abandoned: abandoned), toParticipantsOf: conversations[id]!, at: instant)
        for participant in conversations[id]!.participants where participant.purpose == .agent {
            switch participant.state {
            case .alerting: withdrawAlert(id, participant, at: instant)
            case .connected: agentLeaves(id, participant, type: .endpoint, at: instant, settle: false)
            case .wrapUp, .disconnected: break
            }
        }
        conversations[id]!.setParticipant(.customer, state: .disconnected, at: instant)
        conversations[id]!.abandoned = abandoned
        conversations[id]!.endedAt = instant
        _ = conversations[id]!.setState(.ended)
        conversations[id]!.record(.ended(abandoned: abandoned), at: instant)
        return .done
    }

    // MARK: Helpers

    func agentParticipant(_ id: ParticipantID, of conversation: ConversationID) throws(MonitoringError) -> Participant {
        let participant = try participant(id, of: conversation)
        guard participant.purpose == .agent else { throw .notAnAgent(id) }
        return participant
    }

    /// Who may send into the conversation: the customer, and connected agents; never a monitor (M16).
    func direction(of sender: Participant, in conversation: Conversation) throws(MonitoringError) -> MessageDirection {
        if sender.isMonitor { throw .monitorCannotParticipate }
        guard conversation.state != .ended else { throw .invalidConversationState(conversation.state) }
        switch sender.purpose {
        case .customer: return .inbound
        case .agent:
            guard sender.state == .connected else { throw .invalidParticipantState(sender.id, sender.state) }
            return .outbound
        case .user: throw .notAnAgent(sender.id)
        }
    }

    mutating func placeInQueue(_ id: ConversationID, _ queue: Queue, at instant: Instant) {
        conversations[id]!.queue = queue.id
        if conversations[id]!.queuedAt == nil { conversations[id]!.queuedAt = instant }
        conversations[id]!.context.script = queue.script
        conversations[id]!.context.wrapUpCodes = queue.wrapUpCodes
        _ = conversations[id]!.setState(.queued)
        conversations[id]!.record(.queued(queue.id), at: instant)
        outbox.emit(.conversationQueued(id, queue.id), toParticipantsOf: conversations[id]!, at: instant)
    }

    mutating func withdrawAlert(_ id: ConversationID, _ participant: Participant, at instant: Instant) {
        conversations[id]!.setParticipant(participant.id, state: .disconnected, at: instant)
        conversations[id]!.participants[Int(participant.id.rawValue)].disconnectType = .declined
        conversations[id]!.record(.agentDisconnected(participant.id, .declined), at: instant)
        releaseAgent(participant.user!, from: id)
        outbox.emit(.agentDisconnected(id, participant.id, participant.user!, .declined), to: .user(participant.user!), at: instant)
    }

    /// A connected agent leaves for wrap-up; a session monitoring them ends (M18 `monitoredAgentLeft`).
    mutating func agentLeaves(
        _ id: ConversationID, _ participant: Participant, type: DisconnectType, at instant: Instant, settle: Bool = true
    ) {
        touched.add(participant.user!)
        endActiveSession(of: id, reason: .monitoredAgentLeft, at: instant) { $0.monitoredParticipant == participant.id }
        let event = Event.agentDisconnected(id, participant.id, participant.user!, type)
        outbox.emit(event, toParticipantsOf: conversations[id]!, at: instant)
        conversations[id]!.setParticipant(participant.id, state: .wrapUp, at: instant)
        conversations[id]!.participants[Int(participant.id.rawValue)].disconnectType = type
        conversations[id]!.record(.agentDisconnected(participant.id, type), at: instant)
        if settle, conversations[id]!.settleAfterAgentLeft() {
            outbox.emit(.conversationStateChanged(id, .wrapUp), toParticipantsOf: conversations[id]!, at: instant)
        }
    }

    mutating func releaseAgent(_ agentID: UserID, from id: ConversationID) {
        touched.add(agentID)
        let stillThere = conversations[id]!.hasAgentParticipant(agentID)
        if !stillThere { users[agentID]?.removeAgentConversation(id) }
    }
}
