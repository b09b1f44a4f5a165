import MonitoringEngine
import Testing

@Suite("While monitoring (M13–M16)")
struct WhileMonitoringTests {
    @Test("M13 starting adds the supervisor as a monitor participant and flags the panel with binoculars")
    func joining() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        let participant = try #require(centre.conversation(id).participant(session.supervisorParticipant))
        #expect(participant.purpose == .user)
        #expect(participant.mediaRole == .monitor)
        #expect(participant.monitoredParticipant == agent)
        #expect(participant.user == Centre.alice)
        let panel = try centre.engine.panel(of: Centre.alice).get()
        #expect(panel == [PanelEntry(conversation: id, channel: .webMessaging, monitoring: true, session: session.id, monitoredParticipant: agent)])
        let agentPanel = try centre.engine.panel(of: Centre.agentAnna).get()
        #expect(agentPanel.map(\.monitoring) == [false])
    }

    /// Plays the same conversation with or without a supervisor monitoring it; returns what the
    /// agent and the customer saw and were told.
    private func play(monitored: Bool) throws -> (AgentView, CustomerView, [EventRecord], [EventRecord]) {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        var session: MonitorSession?
        if monitored {
            session = try centre.session(id, by: Centre.alice)
        } else {
            centre.now = centre.now + .seconds(1)
        }
        centre.must(.typing(id, .customer))
        centre.must(.sendMessage(id, from: .customer, .text, body: "It was order A-17"))
        centre.must(.markRead(id, agent, upTo: 2))
        centre.must(.markRead(id, .customer, upTo: 1))
        if let session {
            if let participant = centre.engine.conversations[id]?.participant(session.supervisorParticipant) {
                #expect(centre.run(.markRead(id, participant.id, upTo: 2)).error == .monitorCannotParticipate)
            }
            centre.must(.renewLease(session.id, by: Centre.alice))
            centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        } else {
            centre.now = centre.now + .seconds(3)
        }
        centre.must(.sendMessage(id, from: agent, .attachment, body: "label.pdf"))
        let agentView = try! centre.engine.agentView(id, participant: agent).get()
        let customerView = try! centre.engine.customerView(id).get()
        let agentStream = centre.streams.stream(of: .user(Centre.agentAnna))
        let customerStream = centre.streams.stream(of: .customer(id))
        return (agentView, customerView, agentStream, customerStream)
    }

    @Test("M14 the agent and the customer see and are told exactly the same with or without a monitor")
    func silent() throws {
        let unmonitored = try play(monitored: false)
        let monitored = try play(monitored: true)
        #expect(monitored.0 == unmonitored.0, "agent's view differs")
        #expect(monitored.1 == unmonitored.1, "customer's view differs")
        #expect(monitored.2 == unmonitored.2, "agent's event stream differs")
        #expect(monitored.3 == unmonitored.3, "customer's event stream differs")
        #expect(!monitored.2.isEmpty && !monitored.3.isEmpty)
    }

    @Test("M14 no monitoring event is delivered to anyone but its supervisor")
    func noMonitoringEventsToOthers() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        _ = centre.start(id, by: Centre.bob)
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        var monitoringNotifications = 0
        for (recipient, stream) in centre.streams.streams {
            for record in stream {
                guard let supervisor = record.event.monitoringSupervisor else { continue }
                monitoringNotifications += 1
                #expect(recipient == .user(supervisor), "\(recipient) was told \(record.event)")
            }
        }
        #expect(monitoringNotifications >= 3)
        #expect(centre.streams.stream(of: .user(Centre.agentAnna)).allSatisfy { !$0.event.isMonitoringEvent })
        #expect(centre.streams.stream(of: .customer(id)).allSatisfy { !$0.event.isMonitoringEvent })
    }

    @Test("M14 the invariant check catches a monitor event delivered to an agent")
    func checkerCatchesLeak() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        // The checker reads only the engine's state and deliveries; a test-only copy of the
        // delivery rule that also told the agent would be flagged.
        let leaked = Delivery(recipient: .user(Centre.agentAnna), eventIndex: 0)
        let violations = centre.engine.checkDeliveries([leaked])
        #expect(violations.map(\.rule) == ["M14"])
    }

    @Test("M15 the monitor sees the whole transcript from the start, new messages, and every contextual panel")
    func seesWhatAgentSees() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        centre.must(.sendMessage(id, from: .customer, .text, body: "before the monitor joined"))
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.sendMessage(id, from: .customer, .text, body: "after the monitor joined"))
        let monitor = try centre.engine.monitorView(session.id, viewer: Centre.alice).get()
        let agentView = try centre.engine.agentView(id, participant: agent).get()
        #expect(monitor.monitoring)
        #expect(monitor.monitoredParticipant == agent)
        #expect(monitor.content == agentView.content)
        #expect(monitor.content.transcript.map(\.body).first == "Hello, my order is late")
        #expect(monitor.content.transcript.count == 4)
        #expect(monitor.content.context.script == "Greet the customer")
        #expect(monitor.content.context.wrapUpCodes == ["resolved", "escalated"])
        #expect(monitor.content.context.participantData == ["orderId": "A-17"])
        #expect(monitor.content.context.journey == ["/orders", "/help"])
        #expect(monitor.content.context.customer.name == "Dana")
        let told = centre.streams.stream(of: .user(Centre.alice)).filter { if case .messageSent = $0.event { true } else { false } }
        #expect(told.count == 1)
        #expect(centre.engine.monitorView(session.id, viewer: Centre.bob).error == .notSessionOwner(session.id, owner: Centre.alice))
    }

    @Test("M16 the monitor cannot send messages, typing, attachments, read receipts or wrap-up codes")
    func noParticipation() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        let monitor = session.supervisorParticipant
        let before = centre.conversation(id)
        #expect(centre.run(.sendMessage(id, from: monitor, .text, body: "hi")).error == .monitorCannotParticipate)
        #expect(centre.run(.sendMessage(id, from: monitor, .attachment, body: "x.png")).error == .monitorCannotParticipate)
        #expect(centre.run(.typing(id, monitor)).error == .monitorCannotParticipate)
        #expect(centre.run(.markRead(id, monitor, upTo: 0)).error == .monitorCannotParticipate)
        #expect(centre.run(.wrapUp(id, monitor, code: "resolved")).error == .monitorCannotParticipate)
        #expect(centre.conversation(id).transcript == before.transcript)
        #expect(centre.conversation(id).timeline == before.timeline)
    }
}
