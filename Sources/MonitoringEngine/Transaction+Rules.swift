// The rules' entry point and the lookups they share. Every rule is a function over the aggregates a store loaded
// into the transaction and the instant; see `AggregateStore` for how a command reaches it.

extension Transaction {
    /// Applies one command to the loaded aggregates at the transaction's instant.
    ///
    /// On failure the command changed nothing, and its refusal is reported in `events` when it was a monitoring
    /// attempt (M22). A lease that was already due when the command touched its conversation has still expired
    /// (M12): expiry does not wait for a successful command.
    public mutating func apply(_ command: Command) -> Result<Outcome, MonitoringError> {
        do throws(MonitoringError) {
            return .success(try dispatch(command))
        } catch {
            return .failure(error)
        }
    }

    mutating func dispatch(_ command: Command) throws(MonitoringError) -> Outcome {
        switch command {
        case .defineRole(let role): return defineRole(role)
        case .addUser(let user): return try addUser(user)
        case .assignRoles(let user, let roles): return try assignRoles(user, roles)
        case .setLicence(let user, let licence): return try setLicence(user, licence)
        case .setPresence(let user, let presence): return try setPresence(user, presence)
        case .addQueue(let queue): return try addQueue(queue)
        case .setQueueMembership(let queue, let user, let isMember): return try setQueueMembership(queue, user, isMember)
        case .createConversation(let channel, let context): return createConversation(channel, context)
        case .enqueue(let conversation, let queue): return try enqueue(conversation, queue)
        case .alertAgent(let conversation, let agent): return try alertAgent(conversation, agent)
        case .connectAgent(let conversation, let participant): return try connectAgent(conversation, participant)
        case .disconnectAgent(let conversation, let participant): return try disconnectAgent(conversation, participant)
        case .transfer(let conversation, let from, let target): return try transfer(conversation, from, target)
        case .sendMessage(let conversation, let from, let kind, let body):
            return try sendMessage(conversation, from, kind, body)
        case .typing(let conversation, let participant): return try typing(conversation, participant)
        case .markRead(let conversation, let participant, let upTo): return try markRead(conversation, participant, upTo)
        case .wrapUp(let conversation, let participant, let code): return try wrapUp(conversation, participant, code)
        case .endConversation(let conversation): return try endConversation(conversation, abandoned: false)
        case .abandon(let conversation): return try endConversation(conversation, abandoned: true)
        case .startMonitoring(let conversation, let supervisor, let agent, let entryPoint):
            return try startMonitoring(conversation, supervisor, agent, entryPoint)
        case .stopMonitoring(let session, let supervisor, let source): return try stopMonitoring(session, supervisor, source)
        case .renewLease(let session, let supervisor): return try renewLease(session, supervisor)
        case .expireLeases: return expireLeases()
        }
    }

    // MARK: Lookups shared by the rules

    func user(_ id: UserID) throws(MonitoringError) -> User {
        guard let user = users[id] else { throw .unknownUser(id) }
        return user
    }

    /// Marks a conversation touched by this command, ends its session if the lease is due,
    /// and returns the instant to apply (never earlier than the conversation's last one).
    ///
    /// No copy of a conversation is held across a mutation in the rules: a live copy would make
    /// the mutation copy the conversation's arrays (copy-on-write), at a cost growing with it.
    mutating func touchConversation(_ id: ConversationID) throws(MonitoringError) -> Instant {
        guard conversations.contains(id) else { throw .unknownConversation(id) }
        let lastInstant = conversations[existing: id].lastInstant
        touched.add(conversations[existing: id])
        let instant = max(outbox.now, lastInstant)
        if let index = conversations[existing: id].activeSessionIndex {
            let deadline = conversations[existing: id].sessions[index].leaseExpiresAt
            if deadline <= instant { endSession(in: id, index: index, reason: .leaseExpired, at: deadline) }
        }
        return instant
    }

    mutating func touchUser(_ id: UserID) throws(MonitoringError) -> User {
        let user = try user(id)
        touched.add(id)
        return user
    }

    /// Changes a user in place, so the user's arrays are never copied on write.
    mutating func modifyUser(_ id: UserID, _ change: (inout User) -> Void) {
        users.modifyValue(forKey: id, change)
    }

    func participant(_ id: ParticipantID, of conversation: ConversationID) throws(MonitoringError) -> Participant {
        guard conversations.contains(conversation), let participant = conversations[existing: conversation].participant(id)
        else { throw .unknownParticipant(conversation, id) }
        return participant
    }

    /// Ends a session: the one place a session's end is written (M17, M18, M19).
    mutating func endSession(in conversationID: ConversationID, index: Int, reason: EndReason, at requested: Instant) {
        let instant = max(requested, conversations[existing: conversationID].lastInstant)
        let session = conversations[existing: conversationID].endSession(at: index, reason: reason, instant: instant)
        modifyUser(session.supervisor) { $0.removeMonitoringSession(session.id) }
        touched.add(session.supervisor)
        outbox.emit(
            .monitoringEnded(session.id, supervisor: session.supervisor, reason), to: .user(session.supervisor), at: instant)
    }

    /// Ends the active session of a conversation if the predicate holds for it.
    mutating func endActiveSession(
        of conversationID: ConversationID, reason: EndReason, at instant: Instant,
        if predicate: (MonitorSession) -> Bool = { _ in true }
    ) {
        guard conversations.contains(conversationID), let index = conversations[existing: conversationID].activeSessionIndex,
            predicate(conversations[existing: conversationID].sessions[index])
        else { return }
        endSession(in: conversationID, index: index, reason: reason, at: instant)
    }
}
