import MonitoringEngine
import Testing

@Suite("Conversation lifecycle and aggregates")
struct LifecycleTests {
    @Test("A conversation goes created → queued → in progress → wrap-up → ended")
    func lifecycle() throws {
        var centre = Centre()
        let id = centre.createQueued()
        #expect(centre.conversation(id).state == .queued)
        centre.must(.sendMessage(id, from: .customer, .text, body: "anyone there?"))
        let agent = centre.connect(Centre.agentAnna, to: id)
        #expect(centre.conversation(id).state == .inProgress)
        #expect(try centre.engine.panel(of: Centre.agentAnna).get().map(\.conversation) == [id])
        centre.must(.disconnectAgent(id, agent))
        #expect(centre.conversation(id).state == .wrapUp)
        #expect(centre.run(.wrapUp(id, agent, code: "lost")).error == .unknownWrapUpCode("lost"))
        centre.must(.wrapUp(id, agent, code: "resolved"))
        #expect(try centre.engine.panel(of: Centre.agentAnna).get().isEmpty)
        centre.must(.endConversation(id))
        #expect(centre.conversation(id).state == .ended)
        #expect(centre.run(.endConversation(id)).error == .invalidConversationState(.ended))
        #expect(centre.run(.sendMessage(id, from: .customer, .text, body: "hello?")).error == .invalidConversationState(.ended))
    }

    @Test("A blind transfer to an agent alerts them and the conversation is in progress again once they answer")
    func transferToAgent() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        guard case .participantAdded(let ben) = centre.must(.transfer(id, from: anna, to: .agent(Centre.agentBen))) else {
            Issue.record("transfer did not alert the target")
            return
        }
        #expect(centre.conversation(id).state == .queued)
        #expect(centre.conversation(id).participant(anna)?.disconnectType == .transfer)
        centre.must(.connectAgent(id, ben))
        #expect(centre.conversation(id).state == .inProgress)
        #expect(try centre.session(id, by: Centre.alice).monitoredParticipant == ben)
    }

    @Test("An unanswered alert is withdrawn without wrap-up; an agent cannot be added twice")
    func declinedAlert() {
        var centre = Centre()
        let id = centre.createQueued()
        guard case .participantAdded(let alerting) = centre.must(.alertAgent(id, Centre.agentAnna)) else { return }
        #expect(centre.run(.alertAgent(id, Centre.agentAnna)).error == .agentAlreadyInConversation(Centre.agentAnna))
        centre.must(.disconnectAgent(id, alerting))
        #expect(centre.conversation(id).participant(alerting)?.state == .disconnected)
        #expect(centre.conversation(id).state == .queued)
        _ = centre.connect(Centre.agentAnna, to: id)
    }

    @Test("Only queued conversations can be abandoned")
    func abandonment() {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        #expect(centre.run(.abandon(id)).error == .invalidConversationState(.inProgress))
    }

    @Test("Unknown ids are refused with what was unknown")
    func unknownIds() {
        var centre = Centre()
        let missing = ConversationID(999)
        #expect(centre.run(.enqueue(missing, Centre.queue)).error == .unknownConversation(missing))
        #expect(centre.start(missing, by: Centre.alice).error == .unknownConversation(missing))
        #expect(centre.start(centre.createQueued(), by: UserID(999)).error == .unknownUser(UserID(999)))
        #expect(centre.run(.assignRoles(Centre.alice, [RoleID(77)])).error == .unknownRole(RoleID(77)))
        #expect(centre.run(.addUser(User(id: Centre.alice, displayName: "Again", licence: .cx3))).error == .userAlreadyExists(Centre.alice))
    }

    @Test("Every limit is a refusal: sessions per conversation are bounded")
    func sessionLimit() throws {
        var centre = Centre(configuration: EngineConfiguration(maximumSessionsPerConversation: 2))
        let (id, _) = centre.inProgress()
        for _ in 0..<2 {
            let session = try centre.session(id, by: Centre.alice)
            centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        }
        #expect(centre.start(id, by: Centre.alice).error == .limitReached(.sessionsPerConversation))
    }

    @Test("A command touches only the aggregates it names, and those it owns through them")
    func aggregates() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        _ = centre.inProgress(agent: Centre.agentCleo)
        let session = try centre.session(first, by: Centre.alice)
        #expect(centre.engine.touchedConversations == [first])
        #expect(centre.engine.touchedUsers == [Centre.alice])
        centre.must(.sendMessage(second, from: .customer, .text, body: "hi"))
        #expect(centre.engine.touchedConversations == [second])
        #expect(centre.engine.touchedUsers.isEmpty)
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        #expect(centre.engine.touchedConversations == [first])
        #expect(centre.engine.touchedUsers == [Centre.alice])
        _ = try centre.session(second, by: Centre.alice)
        centre.must(.setPresence(Centre.alice, .offline))
        #expect(centre.engine.touchedConversations == [second])
        #expect(centre.engine.touchedUsers == [Centre.alice])
    }

    @Test("Every change of an aggregate bumps its version, for optimistic concurrency in a store")
    func versions() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let conversationBefore = centre.conversation(id).version
        let userBefore = centre.engine.users[Centre.alice]!.version
        _ = try centre.session(id, by: Centre.alice)
        #expect(centre.conversation(id).version > conversationBefore)
        #expect(centre.engine.users[Centre.alice]!.version > userBefore)
    }

    @Test("The same commands at the same instants give the same state, events and deliveries")
    func determinism() {
        func play() -> MonitoringEngine {
            var centre = Centre()
            let (id, _) = centre.inProgress()
            _ = centre.start(id, by: Centre.bob)
            _ = centre.start(id, by: Centre.alice)
            centre.must(.expireLeases, after: .seconds(40))
            return centre.engine
        }
        let (one, two) = (play(), play())
        #expect(one.conversations == two.conversations)
        #expect(one.users == two.users)
        #expect(one.events == two.events)
        #expect(one.deliveries == two.deliveries)
    }
}
