import MonitoringEngine

/// Turns the engine commands of a run into lines a person reads, one a command: the simulated instant, the
/// client that sent it (administrator, customer, router, agent, supervisor or the engine's own timer), the
/// command in plain words and its outcome in plain words, e.g.
///
///     00:12:03.250  supervisor floor 3: start monitoring conversation 42 (agent participant 3) from the interactions view → granted, token 7
///
/// It learns names as the run goes (users from `addUser`, agents' participants from `alertAgent`), so it must see
/// every command of the run in order, also those a filter leaves out of the output.
public struct TraceFormatter: Sendable {
    private var userNames: [UserID: String] = [:]
    private var roleNames: [RoleID: String] = [:]
    private var queueNames: [QueueID: String] = [:]
    private var monitorRoles: Set<RoleID> = []
    private var supervisors: Set<UserID> = []
    private var customers: [ConversationID: String] = [:]
    /// The users behind the agent participants of every conversation (kept after it ends: wrap-up comes after).
    private var agents: [ConversationID: [ParticipantID: UserID]] = [:]

    public init() {}

    /// The line for one command and its outcome; records what the command teaches about names.
    public mutating func line(_ instant: Instant, _ command: Command, _ result: Result<Outcome, MonitoringError>) -> String {
        let text = "\(Self.clock(instant))  \(client(of: command)): \(describe(command)) → \(describe(result))"
        learn(command, result)
        return text
    }

    /// `hh:mm:ss.mmm` of simulated time since the run's start (hours go past 24 in a long run).
    public static func clock(_ instant: Instant) -> String {
        let milliseconds = max(0, instant.nanoseconds) / 1_000_000
        let seconds = milliseconds / 1_000
        return "\(pad(seconds / 3_600)):\(pad(seconds / 60 % 60)):\(pad(seconds % 60)).\(pad(milliseconds % 1_000, width: 3))"
    }

    private static func pad(_ value: Int64, width: Int = 2) -> String {
        let digits = String(value)
        return String(repeating: "0", count: max(0, width - digits.count)) + digits
    }

    // MARK: Who sent it

    /// Who sent the command: `administrator`, `customer Ann`, `router`, `agent support 3`, `supervisor floor 2`
    /// or `engine` (lease expiry on its own timer).
    public func client(of command: Command) -> String {
        switch command {
        case .defineRole, .addUser, .assignRoles, .setLicence, .addQueue, .setQueueMembership: "administrator"
        case .setPresence(let user, _): "\(kind(of: user)) \(name(user))"
        case .createConversation(_, let context): "customer" + Self.named(context.customer.name)
        case .abandon(let id): customer(of: id)
        case .enqueue, .alertAgent: "router"
        case .connectAgent(let id, let participant), .disconnectAgent(let id, let participant),
            .transfer(let id, from: let participant, _), .wrapUp(let id, let participant, _):
            agent(participant, in: id)
        case .sendMessage(let id, let participant, _, _), .typing(let id, let participant), .markRead(let id, let participant, _):
            participant == .customer ? customer(of: id) : agent(participant, in: id)
        case .endConversation(let id):
            agents[id].flatMap { $0.sorted { $0.key < $1.key }.first }.map { "agent \(name($0.value))" } ?? "agent"
        case .startMonitoring(_, let supervisor, _, _), .stopMonitoring(_, let supervisor, _), .renewLease(_, let supervisor):
            "supervisor \(name(supervisor))"
        case .expireLeases: "engine"
        }
    }

    // MARK: What it asked

    /// The command in plain words, e.g. `start monitoring conversation 42 (agent participant 3) from the interactions view`.
    public func describe(_ command: Command) -> String {
        switch command {
        case .defineRole(let role):
            "define role \(quoted(role.name)) (\(role.id))"
        case .addUser(let user):
            "add user \(quoted(user.displayName)) (\(user.id)), licence \(user.licence.rawValue), \(user.presence.rawValue)"
        case .assignRoles(let user, let roles):
            "give \(name(user)) the roles " + roles.map { roleNames[$0].map(quoted) ?? $0.description }.joined(separator: ", ")
        case .setLicence(let user, let licence): "give \(name(user)) the licence \(licence.rawValue)"
        case .setPresence(_, let presence): "set presence to \(presence.rawValue)"
        case .addQueue(let queue): "add queue \(quoted(queue.name)) (\(queue.id))"
        case .setQueueMembership(let queue, let user, let isMember):
            isMember ? "add \(name(user)) to queue \(queueName(queue))" : "remove \(name(user)) from queue \(queueName(queue))"
        case .createConversation(let channel, _): "open a conversation on \(Self.describe(channel))"
        case .enqueue(let id, let queue): "queue conversation \(id.rawValue) in \(queueName(queue))"
        case .alertAgent(let id, let user): "offer conversation \(id.rawValue) to agent \(name(user))"
        case .connectAgent(let id, let participant): "answer conversation \(id.rawValue) (participant \(participant.rawValue))"
        case .disconnectAgent(let id, let participant): "leave conversation \(id.rawValue) (participant \(participant.rawValue))"
        case .transfer(let id, let participant, let target):
            "transfer conversation \(id.rawValue) (participant \(participant.rawValue)) to "
                + {
                    switch target {
                    case .agent(let user): "agent \(name(user))"
                    case .queue(let queue): "queue \(queueName(queue))"
                    }
                }()
        case .sendMessage(let id, _, let kind, _):
            "send \(kind == .attachment ? "an attachment" : "a text message") in conversation \(id.rawValue)"
        case .typing(let id, _): "type in conversation \(id.rawValue)"
        case .markRead(let id, _, let upTo): "read conversation \(id.rawValue) up to message \(upTo)"
        case .wrapUp(let id, _, let code): "wrap up conversation \(id.rawValue) with code \(quoted(code))"
        case .endConversation(let id): "end conversation \(id.rawValue)"
        case .abandon(let id): "abandon conversation \(id.rawValue) while queued"
        case .startMonitoring(let id, _, let agent, let entryPoint):
            "start monitoring conversation \(id.rawValue)" + (agent.map { " (agent participant \($0.rawValue))" } ?? "")
                + " from \(Self.describe(entryPoint))"
        case .stopMonitoring(let session, _, let source):
            "stop monitoring conversation \(session.conversation.rawValue), token \(session.token), from the "
                + (source == .interaction ? "interaction" : "interaction details")
        case .renewLease(let session, _):
            "renew the lease on conversation \(session.conversation.rawValue), token \(session.token)"
        case .expireLeases: "end the sessions whose lease is due"
        }
    }

    // MARK: What came of it

    /// The outcome in plain words: `ok`, `granted, token 7`, `refused: already monitored by Sam (since 00:11:58.000) [M8]`.
    public func describe(_ result: Result<Outcome, MonitoringError>) -> String {
        switch result {
        case .success(let outcome): describe(outcome)
        case .failure(let error): "refused: \(describe(error))" + (error.rule.map { " [\($0)]" } ?? "")
        }
    }

    public func describe(_ outcome: Outcome) -> String {
        switch outcome {
        case .done: "ok"
        case .conversationCreated(let id): "ok, conversation \(id.rawValue)"
        case .participantAdded(let participant): "ok, participant \(participant.rawValue)"
        case .messageSent(let index): "ok, message \(index)"
        case .monitoringStarted(let session):
            "granted, token \(session.id.token) (sees agent \(name(session.monitoredAgent)), lease until \(Self.clock(session.leaseExpiresAt)))"
        case .alreadyMonitoring(let session):
            "already monitoring, token \(session.id.token) (since \(Self.clock(session.startedAt)))"
        case .monitoringStopped(let session): "stopped, token \(session.token)"
        case .leaseRenewed(let session, let until): "renewed, token \(session.token), until \(Self.clock(until))"
        case .leasesExpired(let count): count == 1 ? "ok, 1 session ended" : "ok, \(count) sessions ended"
        }
    }

    /// Why the engine refused, in plain words.
    public func describe(_ error: MonitoringError) -> String {
        switch error {
        case .licenceNotEligible(let licence): "the licence \(licence.rawValue) does not include digital monitoring"
        case .missingPermission(let permission): "missing the permission \(permission.rawValue)"
        case .supervisorNotAvailable(let presence): "the supervisor is \(presence.rawValue), not available"
        case .channelNotMonitorable(let channel): "\(Self.describe(channel)) cannot be monitored"
        case .conversationNotInProgress(let state): "the conversation is \(state.rawValue), not in progress with an agent"
        case .agentChoiceRequired(let choices):
            "several agents are connected; choose one of "
                + choices.map { "\($0.name) (participant \($0.participant.rawValue))" }.joined(separator: ", ")
        case .notAConnectedAgent(let participant): "participant \(participant.rawValue) is not a connected agent"
        case .cannotMonitorOwnConversation: "the supervisor takes part in the conversation"
        case .alreadyMonitored(let holder, let since):
            "already monitored by \(holder.supervisorName) (since \(Self.clock(since)))"
        case .sessionAlreadyEnded(let session, let reason): "token \(session.token) has already ended (\(reason.rawValue))"
        case .monitorCannotParticipate: "a monitoring supervisor cannot send anything into the conversation"
        case .notSessionOwner(let session, let owner): "token \(session.token) belongs to \(name(owner))"
        case .administratorsOnly: "for administrators only"
        case .unknownUser(let user): "there is no user \(user)"
        case .unknownRole(let role): "there is no role \(role)"
        case .unknownQueue(let queue): "there is no queue \(queue)"
        case .unknownConversation(let id): "there is no conversation \(id.rawValue)"
        case .unknownParticipant(let id, let participant):
            "conversation \(id.rawValue) has no participant \(participant.rawValue)"
        case .unknownSession(let session):
            "no session with token \(session.token) was started on conversation \(session.conversation.rawValue)"
        case .userAlreadyExists(let user): "the user \(user) already exists"
        case .queueAlreadyExists(let queue): "the queue \(queue) already exists"
        case .invalidConversationState(let state): "the conversation is \(state.rawValue)"
        case .invalidParticipantState(let participant, let state): "participant \(participant.rawValue) is \(state.rawValue)"
        case .notAnAgent(let participant): "participant \(participant.rawValue) is not an agent"
        case .agentAlreadyInConversation(let user): "\(name(user)) is already an agent in the conversation"
        case .userMonitorsConversation(let user): "\(name(user)) monitors the conversation"
        case .unknownWrapUpCode(let code): "the queue offers no wrap-up code \(quoted(code))"
        case .limitReached(let limit): "the engine's limit of \(limit.rawValue) is reached"
        }
    }

    // MARK: Names

    private static func describe(_ channel: Channel) -> String {
        switch channel {
        case .webMessaging: "web messaging"
        case .messaging(let platform): "messaging (\(platform.rawValue))"
        case .sms: "SMS"
        case .voice: "voice"
        case .callback: "callback"
        case .email: "email"
        }
    }

    private static func describe(_ entryPoint: EntryPoint) -> String {
        switch entryPoint {
        case .interactions: "the interactions view"
        case .queueActivity: "the queue activity view"
        case .interactionDetails: "the interaction details page"
        }
    }

    private func name(_ user: UserID) -> String { userNames[user] ?? user.description }
    private func queueName(_ queue: QueueID) -> String { queueNames[queue] ?? queue.description }
    private func quoted(_ text: String) -> String { "\"\(text)\"" }

    private func kind(of user: UserID) -> String { supervisors.contains(user) ? "supervisor" : "agent" }

    /// ` Ann` for a customer with a name of their own; nothing for the placeholder `Customer`.
    private static func named(_ customer: String) -> String {
        customer.isEmpty || customer.lowercased() == "customer" ? "" : " \(customer)"
    }

    private func customer(of id: ConversationID) -> String { "customer" + Self.named(customers[id] ?? "") }

    private func agent(_ participant: ParticipantID, in id: ConversationID) -> String {
        agents[id]?[participant].map { "agent \(name($0))" } ?? "agent (participant \(participant.rawValue))"
    }

    private mutating func learn(_ command: Command, _ result: Result<Outcome, MonitoringError>) {
        switch (command, result) {
        case (.defineRole(let role), .success):
            roleNames[role.id] = role.name
            if role.permissions.contains(.conversationMessageMonitor) { monitorRoles.insert(role.id) }
        case (.addUser(let user), .success):
            userNames[user.id] = user.displayName
            if user.roles.contains(where: monitorRoles.contains) { supervisors.insert(user.id) }
        case (.assignRoles(let user, let roles), .success):
            if roles.contains(where: monitorRoles.contains) { supervisors.insert(user) }
        case (.addQueue(let queue), .success): queueNames[queue.id] = queue.name
        case (.createConversation(_, let context), .success(.conversationCreated(let id))): customers[id] = context.customer.name
        case (.alertAgent(let id, let user), .success(.participantAdded(let participant))): agents[id, default: [:]][participant] = user
        case (.startMonitoring(_, let supervisor, _, _), _): supervisors.insert(supervisor)
        default: break
        }
    }
}
