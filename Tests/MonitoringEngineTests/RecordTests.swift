import MonitoringEngine
import Testing

@Suite("After monitoring: details, metrics, timeline, audit (M20–M22)")
struct RecordTests {
    /// A conversation of known shape: queued 5 s, handled, monitored 20 s then 10 s, ended.
    private func recordedConversation() throws -> (Centre, ConversationID, ParticipantID, [MonitorSession]) {
        var centre = Centre()
        let id = centre.createQueued()
        guard case .participantAdded(let agent) = centre.must(.alertAgent(id, Centre.agentAnna), after: .seconds(4)) else {
            fatalError()
        }
        centre.must(.connectAgent(id, agent))
        centre.must(.sendMessage(id, from: .customer, .text, body: "hi"))
        let first = try centre.session(id, by: Centre.alice)
        centre.must(.sendMessage(id, from: agent, .text, body: "hello"), after: .seconds(10))
        centre.must(.stopMonitoring(first.id, by: Centre.alice, from: .interaction), after: .seconds(10))
        let second = try centre.session(id, by: Centre.bob)
        centre.must(.sendMessage(id, from: .customer, .text, body: "thanks"))
        centre.must(.endConversation(id), after: .seconds(9))
        centre.must(.wrapUp(id, agent, code: "resolved"), after: .seconds(15))
        return (centre, id, agent, [centre.session(first.id), centre.session(second.id)])
    }

    @Test("M20 the details list the monitoring supervisors with binoculars, times and monitored agent")
    func participantsRecorded() throws {
        let (centre, id, agent, sessions) = try recordedConversation()
        let details = try centre.engine.interactionDetails(id, viewer: Centre.carol, now: centre.now).get()
        let monitors = details.internal.filter(\.monitoring)
        #expect(monitors.map(\.name) == ["Alice", "Bob"])
        #expect(monitors.map(\.startedAt) == sessions.map(\.startedAt))
        #expect(monitors.map(\.endedAt) == sessions.map(\.endedAt))
        #expect(monitors.allSatisfy { $0.monitoredParticipant == agent })
        #expect(details.external.map(\.purpose) == [.customer])
        #expect(details.internal.filter { $0.purpose == .agent }.map(\.name) == ["Anna"])
    }

    @Test("M20 the metrics count duration, queue, handle time, messages and monitoring")
    func metrics() throws {
        let (centre, id, _, sessions) = try recordedConversation()
        let conversation = centre.conversation(id)
        let metrics = conversation.metrics(asOf: centre.now)
        #expect(metrics.totalDuration == .seconds(1 + 4 + 1 + 1 + 1 + 10 + 10 + 1 + 1 + 9))
        #expect(metrics.timeInQueue == .seconds(5))
        #expect(metrics.handleTime == .seconds(33 + 15))
        #expect(metrics.messagesInbound == 2)
        #expect(metrics.messagesOutbound == 1)
        #expect(metrics.nMonitoringSessions == 2)
        #expect(metrics.tMonitoringPerSession.map(\.time) == [.seconds(20), .seconds(10)])
        #expect(metrics.tMonitoring == .seconds(30))
        #expect(metrics.tMonitoringCompleteCount == 2)
        let firstOnly = conversation.metrics(asOf: centre.now, completedIn: sessions[0].startedAt..<sessions[1].startedAt)
        #expect(firstOnly.tMonitoringCompleteCount == 1)
        #expect(firstOnly.tMonitoringComplete == .seconds(20))
    }

    @Test("M21 the timeline shows every event in order, monitoring as a span, no rejected attempts")
    func timeline() throws {
        var (centre, id, agent, sessions) = try recordedConversation()
        _ = centre.start(id, by: Centre.carol)
        let timeline = centre.conversation(id).timeline
        #expect(zip(timeline, timeline.dropFirst()).allSatisfy { $0.instant <= $1.instant })
        let kinds = timeline.map { entry -> String in
            switch entry.event {
            case .created: "created"
            case .queued: "queued"
            case .agentAlerted: "alerted"
            case .agentConnected: "connected"
            case .message: "message"
            case .transferred: "transferred"
            case .monitoringStarted(_, let supervisor, let monitored):
                supervisor == Centre.alice || supervisor == Centre.bob ? (monitored == agent ? "monitorStart" : "wrongAgent") : "unexpected"
            case .monitoringEnded(_, let reason): "monitorEnd(\(reason))"
            case .agentDisconnected: "disconnected"
            case .agentWrappedUp: "wrappedUp"
            case .ended: "ended"
            }
        }
        #expect(
            kinds == [
                "created", "queued", "alerted", "connected", "message", "monitorStart", "message",
                "monitorEnd(stoppedFromInteraction)", "monitorStart", "message", "monitorEnd(conversationEnded)",
                "disconnected", "ended", "wrappedUp",
            ])
        let spans = sessions.map { ($0.startedAt, $0.endedAt!) }
        #expect(spans.allSatisfy { $0.0 < $0.1 })
    }

    @Test("M22 every attempt, grant, denial with reason and end is in the audit log, for administrators only")
    func audit() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        _ = centre.start(id, by: Centre.bob)
        _ = centre.start(id, by: Centre.alice)
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        let records = try centre.audit.records(visibleTo: centre.engine.users[Centre.admin]!).get()
        let actions = records.map(\.action)
        #expect(
            actions == [
                .attempted(agent: nil, .interactions),
                .granted(session: session.id, monitoredParticipant: session.monitoredParticipant),
                .attempted(agent: nil, .interactions),
                .denied(.alreadyMonitored(by: session.holder, since: session.startedAt)),
                .attempted(agent: nil, .interactions),
                .resumed(session: session.id),
                .ended(session: session.id, .stoppedFromDetails),
            ])
        #expect(records.map(\.supervisor) == [Centre.alice, Centre.alice, Centre.bob, Centre.bob, Centre.alice, Centre.alice, Centre.alice])
        #expect(records.map(\.sequence) == Array(0..<7))
        #expect(centre.audit.records(visibleTo: centre.engine.users[Centre.agentAnna]!).error == .administratorsOnly)
        #expect(centre.audit.records(visibleTo: centre.engine.users[Centre.bob]!).error == .administratorsOnly)
    }

    @Test("M22 the audit log is bounded and reports what it dropped")
    func auditBounded() throws {
        var centre = Centre()
        centre.audit = AuditLog(capacity: 3)
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        _ = centre.start(id, by: Centre.bob)
        #expect(centre.audit.records.count == 3)
        #expect(centre.audit.droppedCount == 1)
    }
}
