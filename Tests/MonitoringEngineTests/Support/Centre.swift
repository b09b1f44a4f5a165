import MonitoringEngine
import Testing

/// A small contact centre around a real engine, for tests: every command is checked against
/// the engine's invariants, and its events feed a read model, the audit log and the streams.
struct Centre {
    static let supervisorRole = RoleID(1)
    static let agentRole = RoleID(2)
    static let queue = QueueID(1)
    static let otherQueue = QueueID(2)

    static let alice = UserID(1)  // supervisor
    static let bob = UserID(2)  // supervisor
    static let carol = UserID(3)  // supervisor
    static let agentAnna = UserID(11)
    static let agentBen = UserID(12)
    static let agentCleo = UserID(13)
    static let admin = UserID(21)

    var engine: MonitoringEngine
    var views = MonitoringReadModel()
    var audit = AuditLog()
    var streams = NotificationStreams()
    var now = Instant.seconds(1_000)
    var violations: [InvariantViolation] = []

    init(configuration: EngineConfiguration = EngineConfiguration()) {
        engine = MonitoringEngine(configuration: configuration)
        must(.defineRole(Role(id: Self.supervisorRole, name: "Monitoring supervisor", permissions: .supervisorRole)))
        must(.defineRole(Role(id: Self.agentRole, name: "Agent", permissions: [.conversationMessageView, .conversationMessageAccept])))
        for (id, name) in [(Self.alice, "Alice"), (Self.bob, "Bob"), (Self.carol, "Carol")] {
            must(.addUser(User(id: id, displayName: name, licence: .cx3, roles: [Self.supervisorRole], presence: .available)))
        }
        for (id, name) in [(Self.agentAnna, "Anna"), (Self.agentBen, "Ben"), (Self.agentCleo, "Cleo")] {
            must(.addUser(User(id: id, displayName: name, licence: .cx1, roles: [Self.agentRole], presence: .onQueue)))
        }
        must(.addUser(User(id: Self.admin, displayName: "Admin", licence: .cx3, roles: [], isAdministrator: true)))
        must(
            .addQueue(
                Queue(
                    id: Self.queue, name: "Support", members: [Self.agentAnna, Self.agentBen], wrapUpCodes: ["resolved", "escalated"],
                    script: "Greet the customer")))
        must(.addQueue(Queue(id: Self.otherQueue, name: "Sales", members: [Self.agentCleo])))
    }

    /// Runs a command one second after the previous one and checks the invariants.
    @discardableResult
    mutating func run(_ command: Command, after step: TimeSpan = .seconds(1)) -> Result<Outcome, MonitoringError> {
        now = now + step
        let result = engine.execute(command, at: now)
        let found = engine.checkInvariants()
        violations += found
        #expect(found.isEmpty, "invariants broken by \(command): \(found)")
        views.apply(engine.events)
        audit.append(engine.events)
        streams.append(events: engine.events, deliveries: engine.deliveries)
        return result
    }

    /// Runs a command that must succeed.
    @discardableResult
    mutating func must(_ command: Command, after step: TimeSpan = .seconds(1)) -> Outcome {
        let result = run(command, after: step)
        guard case .success(let outcome) = result else {
            Issue.record("\(command) failed: \(result)")
            return .done
        }
        return outcome
    }

    /// Opens a conversation, queues it and connects `agent`; returns the conversation and the agent participant.
    mutating func inProgress(channel: Channel = .webMessaging, agent: UserID = agentAnna) -> (ConversationID, ParticipantID) {
        let id = createQueued(channel: channel)
        let participant = connect(agent, to: id)
        must(.sendMessage(id, from: .customer, .text, body: "Hello, my order is late"))
        must(.sendMessage(id, from: participant, .text, body: "Let me look into it"))
        return (id, participant)
    }

    mutating func createQueued(channel: Channel = .webMessaging) -> ConversationID {
        guard
            case .conversationCreated(let id) = must(
                .createConversation(
                    channel,
                    ConversationContext(
                        participantData: ["orderId": "A-17"], customer: CustomerDetails(name: "Dana", address: "+44 20 0000 0000"),
                        journey: ["/orders", "/help"])))
        else { fatalError("no conversation created") }
        must(.enqueue(id, Self.queue))
        return id
    }

    mutating func connect(_ agent: UserID, to id: ConversationID) -> ParticipantID {
        guard case .participantAdded(let participant) = must(.alertAgent(id, agent)) else {
            fatalError("no participant added")
        }
        must(.connectAgent(id, participant))
        return participant
    }

    @discardableResult
    mutating func start(
        _ id: ConversationID, by supervisor: UserID, agent: ParticipantID? = nil, via entryPoint: EntryPoint = .interactions
    ) -> Result<Outcome, MonitoringError> {
        run(.startMonitoring(id, supervisor: supervisor, agent: agent, via: entryPoint))
    }

    /// Starts a session that must be granted and returns it.
    mutating func session(_ id: ConversationID, by supervisor: UserID, agent: ParticipantID? = nil) throws -> MonitorSession {
        let result = start(id, by: supervisor, agent: agent)
        guard case .success(.monitoringStarted(let session)) = result else {
            throw NotGranted(result: result)
        }
        return session
    }

    func conversation(_ id: ConversationID) -> Conversation { engine.conversations[id]! }

    func session(_ id: SessionID) -> MonitorSession { engine.conversations[id.conversation]!.sessions[Int(id.token - 1)] }
}

extension Result {
    /// The error of a failure, for `#expect(result.error == …)`.
    var error: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

struct NotGranted: Error, CustomStringConvertible {
    var result: Result<Outcome, MonitoringError>
    var description: String { "monitoring was not granted: \(result)" }
}
