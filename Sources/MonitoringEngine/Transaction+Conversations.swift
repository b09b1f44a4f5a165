// The conversation lifecycle: create, queue, alert, connect, messages, transfers, wrap-up, end.

extension Transaction {
    mutating func createConversation(_ channel: Channel, _ context: ConversationContext) -> Outcome {
        guard let id = newConversation else { preconditionFailure("createConversation without an id issued by the store") }
        conversations[id] = Conversation(id: id, channel: channel, context: context, at: outbox.now)
        touched.add(conversations[existing: id])
        outbox.emit(.conversationCreated(id, channel, customerName: context.customer.name), to: .customer(id))
        return .conversationCreated(id)
    }

    mutating func enqueue(_ id: ConversationID, _ queueID: QueueID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        guard let queue = queues[queueID] else { throw .unknownQueue(queueID) }
        let state = conversations[existing: id].state
        guard state == .created || state == .queued else { throw .invalidConversationState(state) }
        placeInQueue(id, queue, at: instant)
        return .done
    }

    mutating func alertAgent(_ id: ConversationID, _ agentID: UserID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let agent = try touchUser(agentID)
        let state = conversations[existing: id].state
        guard state == .queued || state == .inProgress else { throw .invalidConversationState(state) }
        try Self.checkAgentMayJoin(agentID, conversations[existing: id], configuration)
        let participant = conversations[existing: id].addParticipant(
            purpose: .agent, mediaRole: .full, user: agentID, name: agent.displayName, state: .alerting, at: instant)
        conversations[existing: id].record(.agentAlerted(participant, agentID), at: instant)
        modifyUser(agentID) { $0.addAgentConversation(id) }
        outbox.emit(.agentAlerted(id, participant, agentID), to: .user(agentID), at: instant)
        return .participantAdded(participant)
    }

    mutating func connectAgent(_ id: ConversationID, _ participantID: ParticipantID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let participant = try agentParticipant(participantID, of: id)
        guard participant.state == .alerting else { throw .invalidParticipantState(participantID, participant.state) }
        let state = conversations[existing: id].state
        guard state == .queued || state == .inProgress else { throw .invalidConversationState(state) }
        touched.add(participant.user!)
        conversations[existing: id].setParticipant(participantID, state: .connected, at: instant)
        conversations[existing: id].record(.agentConnected(participantID, participant.user!), at: instant)
        let stateChanged = conversations[existing: id].setState(.inProgress)
        let conversation = conversations[existing: id]
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
            _ = try user(agentID)
            try Self.checkAgentMayJoin(agentID, conversations[existing: id], configuration)
        case .queue(let queueID):
            guard queues[queueID] != nil else { throw .unknownQueue(queueID) }
        }
        conversations[existing: id].record(.transferred(from: from, to: target), at: instant)
        agentLeaves(id, participant, type: .transfer, at: instant, settle: false)
        let agentRemains = conversations[existing: id].participants.contains(where: \.isConnectedAgent)
        switch target {
        case .agent(let agentID):
            if !agentRemains, conversations[existing: id].setState(.queued) {
                outbox.emit(.conversationStateChanged(id, .queued), toParticipantsOf: conversations[existing: id], at: instant)
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
        let direction = try Self.direction(of: sender, in: conversations[existing: id])
        guard conversations[existing: id].transcript.count < configuration.maximumMessagesPerConversation else {
            throw .limitReached(.messagesPerConversation)
        }
        let index = conversations[existing: id].transcript.count
        let message = Message(index: index, sender: from, direction: direction, kind: kind, body: body, sentAt: instant)
        conversations[existing: id].transcript.append(message)
        conversations[existing: id].record(.message(index: index, sender: from, direction), at: instant)
        outbox.emit(.messageSent(id, message), toParticipantsOf: conversations[existing: id], at: instant)
        return .messageSent(index: index)
    }

    mutating func typing(_ id: ConversationID, _ participantID: ParticipantID) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let sender = try participant(participantID, of: id)
        _ = try Self.direction(of: sender, in: conversations[existing: id])
        outbox.emit(.typing(id, participantID), toParticipantsOf: conversations[existing: id], at: instant, excluding: participantID)
        return .done
    }

    mutating func markRead(_ id: ConversationID, _ participantID: ParticipantID, _ upTo: Int) throws(MonitoringError)
        -> Outcome
    {
        let instant = try touchConversation(id)
        let reader = try participant(participantID, of: id)
        _ = try Self.direction(of: reader, in: conversations[existing: id])
        let last = conversations[existing: id].transcript.count - 1
        let index = min(upTo, last)
        guard index >= 0, index > (reader.readUpTo ?? -1) else { return .done }
        conversations[existing: id].participants[Int(participantID.rawValue)].readUpTo = index
        conversations[existing: id].version &+= 1
        outbox.emit(
            .readReceipt(id, participantID, upTo: index), toParticipantsOf: conversations[existing: id], at: instant,
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
        let codes = conversations[existing: id].context.wrapUpCodes
        guard codes.isEmpty || codes.contains(code) else { throw .unknownWrapUpCode(code) }
        let agentID = participant.user!
        touched.add(agentID)
        conversations[existing: id].participants[Int(participantID.rawValue)].wrapUpCode = code
        conversations[existing: id].participants[Int(participantID.rawValue)].wrapUpEndedAt = instant
        conversations[existing: id].setParticipant(participantID, state: .disconnected, at: instant)
        conversations[existing: id].record(.agentWrappedUp(participantID, code: code), at: instant)
        releaseAgent(agentID, from: id)
        outbox.emit(.agentWrappedUp(id, participantID, agentID, code: code), to: .user(agentID), at: instant)
        return .done
    }

    /// Ends the conversation: the customer left or closed it, or abandoned it while queued.
    mutating func endConversation(_ id: ConversationID, abandoned: Bool) throws(MonitoringError) -> Outcome {
        let instant = try touchConversation(id)
        let state = conversations[existing: id].state
        if abandoned {
            guard state == .created || state == .queued else { throw .invalidConversationState(state) }
        } else {
            guard state != .ended else { throw .invalidConversationState(state) }
        }
        endActiveSession(of: id, reason: .conversationEnded, at: instant)
        outbox.emit(.conversationEnded(id, abandoned: abandoned), toParticipantsOf: conversations[existing: id], at: instant)
        for participant in conversations[existing: id].participants where participant.purpose == .agent {
            switch participant.state {
            case .alerting: withdrawAlert(id, participant, at: instant)
            case .connected: agentLeaves(id, participant, type: .endpoint, at: instant, settle: false)
            case .wrapUp, .disconnected: break
            }
        }
        conversations[existing: id].setParticipant(.customer, state: .disconnected, at: instant)
        conversations[existing: id].abandoned = abandoned
        conversations[existing: id].endedAt = instant
        _ = conversations[existing: id].setState(.ended)
        conversations[existing: id].record(.ended(abandoned: abandoned), at: instant)
        return .done
    }

    // MARK: Helpers

    /// An agent joins a conversation once, never while monitoring it (M7), within the limit.
    ///
    /// Static, like every check that reads a held conversation while the rule may change the transaction: an
    /// instance method would make the compiler copy the whole transaction to keep the read exclusive.
    static func checkAgentMayJoin(_ agentID: UserID, _ conversation: Conversation, _ configuration: EngineConfiguration)
        throws(MonitoringError)
    {
        guard !conversation.hasAgentParticipant(agentID) else { throw .agentAlreadyInConversation(agentID) }
        guard conversation.activeSession?.supervisor != agentID else { throw .userMonitorsConversation(agentID) }
        guard conversation.participants.count < configuration.maximumParticipantsPerConversation else {
            throw .limitReached(.participantsPerConversation)
        }
    }

    func agentParticipant(_ id: ParticipantID, of conversation: ConversationID) throws(MonitoringError) -> Participant {
        let participant = try participant(id, of: conversation)
        guard participant.purpose == .agent else { throw .notAnAgent(id) }
        return participant
    }

    /// Who may send into the conversation: the customer, and connected agents; never a monitor (M16).
    static func direction(of sender: Participant, in conversation: Conversation) throws(MonitoringError) -> MessageDirection {
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
        conversations[existing: id].queue = queue.id
        if conversations[existing: id].queuedAt == nil { conversations[existing: id].queuedAt = instant }
        conversations[existing: id].context.script = queue.script
        conversations[existing: id].context.wrapUpCodes = queue.wrapUpCodes
        _ = conversations[existing: id].setState(.queued)
        conversations[existing: id].record(.queued(queue.id), at: instant)
        outbox.emit(.conversationQueued(id, queue.id), toParticipantsOf: conversations[existing: id], at: instant)
    }

    mutating func withdrawAlert(_ id: ConversationID, _ participant: Participant, at instant: Instant) {
        conversations[existing: id].setParticipant(participant.id, state: .disconnected, at: instant)
        conversations[existing: id].participants[Int(participant.id.rawValue)].disconnectType = .declined
        conversations[existing: id].record(.agentDisconnected(participant.id, .declined), at: instant)
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
        outbox.emit(event, toParticipantsOf: conversations[existing: id], at: instant)
        conversations[existing: id].setParticipant(participant.id, state: .wrapUp, at: instant)
        conversations[existing: id].participants[Int(participant.id.rawValue)].disconnectType = type
        conversations[existing: id].record(.agentDisconnected(participant.id, type), at: instant)
        if settle, conversations[existing: id].settleAfterAgentLeft() {
            outbox.emit(.conversationStateChanged(id, .wrapUp), toParticipantsOf: conversations[existing: id], at: instant)
        }
    }

    mutating func releaseAgent(_ agentID: UserID, from id: ConversationID) {
        touched.add(agentID)
        let stillThere = conversations[existing: id].hasAgentParticipant(agentID)
        if !stillThere { modifyUser(agentID) { $0.removeAgentConversation(id) } }
    }
}
