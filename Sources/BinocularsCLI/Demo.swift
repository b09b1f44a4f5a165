import ArgumentParser
import MonitoringEngine

/// Plays one scripted conversation with a contested monitoring session through the real
/// engine and prints what each party saw.
struct Demo: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Play a scripted monitored conversation through the engine and print its timeline.")

    func run() throws {
        var script = DemoScript()
        try script.play()
        print(script.report())
    }
}

/// The demo's contact centre: two supervisors, one agent, one WhatsApp customer.
struct DemoScript {
    static let alice = UserID(1)
    static let bob = UserID(2)
    static let anna = UserID(11)
    static let queue = QueueID(1)

    var engine = MonitoringEngine()
    var views = MonitoringReadModel()
    var audit = AuditLog()
    var streams = NotificationStreams()
    var clock = Instant.zero
    var log: [String] = []
    var conversation = ConversationID(0)

    /// Runs a command `seconds` after the previous one; a refusal is logged, not thrown.
    @discardableResult
    mutating func run(_ command: Command, after seconds: Int64 = 1, _ what: String) throws -> Outcome? {
        clock = clock + .seconds(seconds)
        let result = engine.execute(command, at: clock)
        let violations = engine.checkInvariants()
        guard violations.isEmpty else { throw ValidationError("invariants broken: \(violations)") }
        views.apply(engine.events)
        audit.append(engine.events)
        streams.append(events: engine.events, deliveries: engine.deliveries)
        switch result {
        case .success(let outcome):
            log.append("\(clock)  \(what)")
            return outcome
        case .failure(let error):
            log.append("\(clock)  \(what) → refused: \(error)")
            return nil
        }
    }

    mutating func play() throws {
        try run(.defineRole(Role(id: RoleID(1), name: "Monitoring supervisor", permissions: .supervisorRole)), after: 0, "define the supervisor role")
        try run(.defineRole(Role(id: RoleID(2), name: "Agent", permissions: [.conversationMessageView])), after: 0, "define the agent role")
        try run(
            .addUser(User(id: Self.alice, displayName: "Alice", licence: .cx3, roles: [RoleID(1)], presence: .available)), after: 0,
            "add supervisor Alice (cx3)")
        try run(
            .addUser(User(id: Self.bob, displayName: "Bob", licence: .cx2Digital, roles: [RoleID(1)], presence: .available)), after: 0,
            "add supervisor Bob (cx2Digital)")
        try run(.addUser(User(id: Self.anna, displayName: "Anna", licence: .cx1, roles: [RoleID(2)], presence: .onQueue)), after: 0, "add agent Anna")
        try run(.addQueue(Queue(id: Self.queue, name: "Support", members: [Self.anna], wrapUpCodes: ["resolved"])), after: 0, "add queue Support")
        let context = ConversationContext(customer: CustomerDetails(name: "Dana", address: "+44 20 0000 0000"))
        guard case .conversationCreated(let id) = try run(.createConversation(.messaging(.whatsApp), context), "Dana opens a WhatsApp conversation")
        else {
            throw ValidationError("no conversation")
        }
        conversation = id
        try run(.enqueue(id, Self.queue), "queued in Support")
        guard case .participantAdded(let agent) = try run(.alertAgent(id, Self.anna), after: 4, "Anna is alerted") else {
            throw ValidationError("no agent")
        }
        try run(.connectAgent(id, agent), after: 2, "Anna answers")
        try run(.sendMessage(id, from: .customer, .text, body: "My order A-17 is late"), after: 3, "Dana: My order A-17 is late")
        try run(.startMonitoring(id, supervisor: Self.alice, agent: nil, via: .interactions), after: 2, "Alice starts monitoring from Interactions")
        try run(.startMonitoring(id, supervisor: Self.bob, agent: nil, via: .queueActivity), after: 0, "Bob tries too, from Queue Activity")
        try run(.sendMessage(id, from: agent, .text, body: "Sorry! Checking now"), after: 5, "Anna: Sorry! Checking now")
        let session = SessionID(conversation: id, token: 1)
        try run(.renewLease(session, by: Self.alice), after: 5, "Alice's client renews the lease")
        try run(
            .sendMessage(id, from: engine.conversations[id]!.sessions[0].supervisorParticipant, .text, body: "hi"), after: 1,
            "Alice tries to type into the chat")
        try run(.stopMonitoring(session, by: Self.alice, from: .interaction), after: 10, "Alice stops from the interaction")
        try run(.stopMonitoring(session, by: Self.alice, from: .details), after: 1, "a late duplicate stop arrives")
        try run(.startMonitoring(id, supervisor: Self.bob, agent: nil, via: .interactionDetails), after: 1, "Bob starts from the details page")
        try run(.endConversation(id), after: 20, "Dana leaves; the conversation ends")
        try run(.wrapUp(id, agent, code: "resolved"), after: 10, "Anna wraps up: resolved")
    }

    func report() -> String {
        var lines = ["Binoculars demo: one WhatsApp conversation, monitored silently", "", "What happened:"]
        lines += log.map { "  " + $0 }
        let conversation = engine.conversations[conversation]!
        lines += ["", "Timeline of \(conversation.id) (M21):"]
        lines += conversation.timeline.map { "  \($0.instant)  \(describe($0.event, in: conversation))" }
        let metrics = conversation.metrics(asOf: clock)
        lines += [
            "",
            "Metrics (M20): duration \(metrics.totalDuration), in queue \(metrics.timeInQueue), handle \(metrics.handleTime), "
                + "messages \(metrics.messagesInbound) in / \(metrics.messagesOutbound) out, "
                + "\(metrics.nMonitoringSessions) monitoring sessions, tMonitoring \(metrics.tMonitoring)",
        ]
        let agentHeard = streams.stream(of: .user(Self.anna)).filter(\.event.isMonitoringEvent).count
        let customerHeard = streams.stream(of: .customer(conversation.id)).filter(\.event.isMonitoringEvent).count
        lines += ["Monitoring notifications seen by the agent: \(agentHeard), by the customer: \(customerHeard) (M14)"]
        lines += ["Audit log (M22): \(audit.records.count) records"]
        lines += audit.records.map { "  \($0.instant)  \(name($0.supervisor)) \($0.action)" }
        return lines.joined(separator: "\n")
    }

    private func name(_ user: UserID) -> String { engine.users[user]?.displayName ?? "\(user)" }

    private func describe(_ event: TimelineEvent, in conversation: Conversation) -> String {
        func who(_ participant: ParticipantID) -> String { conversation.participant(participant)?.name ?? "\(participant)" }
        switch event {
        case .created(let channel): return "created on \(channel)"
        case .queued(let queue): return "queued in \(queue)"
        case .agentAlerted(let participant, _): return "\(who(participant)) alerted"
        case .agentConnected(let participant, _): return "\(who(participant)) connected"
        case .message(let index, let sender, let direction): return "message \(index) \(direction) from \(who(sender))"
        case .transferred(let from, let target): return "\(who(from)) transferred to \(target)"
        case .monitoringStarted(let session, let supervisor, let agent):
            return "monitoring started: \(name(supervisor)) watching \(who(agent)) (\(session))"
        case .monitoringEnded(let session, let reason): return "monitoring ended: \(reason) (\(session))"
        case .agentDisconnected(let participant, let type): return "\(who(participant)) disconnected (\(type))"
        case .agentWrappedUp(let participant, let code): return "\(who(participant)) wrapped up: \(code)"
        case .ended(let abandoned): return abandoned ? "abandoned" : "ended"
        }
    }
}
