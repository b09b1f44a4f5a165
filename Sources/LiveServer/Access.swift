import MonitoringEngine

/// Who may do what, checked against the engine's state before a command is applied: a user acts only as
/// themselves, a participant's commands only by that participant (the customer's only with the conversation's
/// customer token), the directory and routing only by administrators.
enum Access {
    static func user(_ principal: Principal?) throws -> UserID {
        guard case .user(let user)? = principal else {
            throw ServiceFailure.forbidden("this needs a user's token, not a customer's")
        }
        return user
    }

    static func administrator(_ principal: Principal?, _ engine: MonitoringEngine) throws {
        guard isAdministrator(principal, engine) else { throw ServiceFailure.forbidden("only an administrator may do this") }
    }

    static func conversation(_ id: ConversationID, _ engine: MonitoringEngine) throws -> Conversation {
        guard let conversation = engine.conversations[id] else { throw MonitoringError.unknownConversation(id) }
        return conversation
    }

    /// The request acts as `participant` of `conversation`: the customer with the customer token, anyone else as
    /// the user the participant is.
    static func participant(
        _ participant: ParticipantID, of id: ConversationID, _ principal: Principal?, _ engine: MonitoringEngine
    ) throws {
        let conversation = try conversation(id, engine)
        guard let found = conversation.participant(participant) else {
            throw MonitoringError.unknownParticipant(id, participant)
        }
        if participant == .customer {
            guard principal == .customer(id) else {
                throw ServiceFailure.forbidden("only the customer of \(id) may act as its customer participant")
            }
        } else {
            guard let user = found.user, principal == .user(user) else {
                throw ServiceFailure.forbidden("only the user of \(participant) may act as \(participant)")
            }
        }
    }

    /// Whether the request comes from an agent connected to the conversation.
    static func isConnectedAgent(_ principal: Principal?, of conversation: Conversation) -> Bool {
        guard case .user(let user)? = principal else { return false }
        return conversation.participants.contains { $0.user == user && $0.purpose == .agent && $0.state == .connected }
    }

    static func isAdministrator(_ principal: Principal?, _ engine: MonitoringEngine) -> Bool {
        guard case .user(let user)? = principal else { return false }
        return engine.users[user]?.isAdministrator == true
    }
}
