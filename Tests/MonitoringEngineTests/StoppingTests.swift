import MonitoringEngine
import Testing

@Suite("Stopping and automatic ends (M17–M19)")
struct StoppingTests {
    @Test("M17 stopping from the interaction or from details has the same effect, with its own reason", arguments: StopSource.allCases)
    func twoWaysToStop(source: StopSource) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        guard case .success(.monitoringStopped(session.id)) = centre.run(.stopMonitoring(session.id, by: Centre.alice, from: source)) else {
            Issue.record("stop failed")
            return
        }
        #expect(centre.session(session.id).endReason == (source == .interaction ? .stoppedFromInteraction : .stoppedFromDetails))
        #expect(centre.conversation(id).activeSession == nil)
    }

    @Test("M17 only the owner may stop a session")
    func onlyOwnerStops() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        #expect(centre.run(.stopMonitoring(session.id, by: Centre.bob, from: .details)).error == .notSessionOwner(session.id, owner: Centre.alice))
        #expect(centre.session(session.id).isActive)
    }

    @Test("M17 the details page offers Stop Monitoring next to the agent only to the session's owner")
    func stopFromDetails() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        let mine = try centre.engine.interactionDetails(id, viewer: Centre.alice, now: centre.now).get()
        #expect(mine.actions.map(\.stoppableSession) == [session.id])
        #expect(mine.actions.map(\.participant) == [agent])
        let theirs = try centre.engine.interactionDetails(id, viewer: Centre.bob, now: centre.now).get()
        #expect(theirs.actions.map(\.stoppableSession) == [nil])
        #expect(theirs.actions.map(\.button) == [.monitoredBy(session.holder)])
    }

    @Test("M18 the session ends when the conversation ends")
    func conversationEnded() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.endConversation(id))
        #expect(centre.session(session.id).endReason == .conversationEnded)
    }

    @Test("M18 the session ends when the monitored agent disconnects")
    func agentDisconnects() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.disconnectAgent(id, agent))
        #expect(centre.session(session.id).endReason == .monitoredAgentLeft)
    }

    @Test(
        "M18 the session ends when the monitored agent is transferred away, to an agent or a queue",
        arguments: [TransferTarget.agent(Centre.agentBen), .queue(Centre.otherQueue)])
    func agentTransferred(target: TransferTarget) throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.transfer(id, from: agent, to: target))
        #expect(centre.session(session.id).endReason == .monitoredAgentLeft)
        #expect(centre.conversation(id).state == .queued)
    }

    @Test("M18 another agent leaving does not end a session monitoring someone else")
    func otherAgentLeaves() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        let ben = centre.connect(Centre.agentBen, to: id)
        let session = try centre.session(id, by: Centre.alice, agent: anna)
        centre.must(.disconnectAgent(id, ben))
        #expect(centre.session(session.id).isActive)
    }

    @Test("M18 the session ends when the supervisor goes offline")
    func supervisorOffline() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        let one = try centre.session(first, by: Centre.alice)
        let two = try centre.session(second, by: Centre.alice)
        centre.must(.setPresence(Centre.alice, .offline))
        #expect(centre.session(one.id).endReason == .supervisorOffline)
        #expect(centre.session(two.id).endReason == .supervisorOffline)
        #expect(centre.engine.users[Centre.alice]!.monitoringSessions.isEmpty)
        let order = centre.engine.events.map { record -> String in
            switch record.event {
            case .monitoringEnded: "ended"
            case .presenceChanged: "offline"
            default: "other"
            }
        }
        #expect(order == ["ended", "ended", "offline"], "sessions end before the offline presence is reported")
    }

    @Test("M18 other presence changes do not end a started session", arguments: Presence.allCases.filter { $0 != .offline && $0 != .available })
    func otherPresences(presence: Presence) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.setPresence(Centre.alice, presence))
        #expect(centre.session(session.id).isActive)
    }

    @Test("M18 removing the licence ends the session with accessRevoked")
    func licenceRemoved() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.setLicence(Centre.alice, .cx2))
        #expect(centre.session(session.id).isActive)
        centre.must(.setLicence(Centre.alice, .cx1))
        #expect(centre.session(session.id).endReason == .accessRevoked)
    }

    @Test("M18 removing the monitor permission, by role assignment or role edit, ends the session with accessRevoked")
    func permissionRemoved() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        let byAssignment = try centre.session(first, by: Centre.alice)
        let byEdit = try centre.session(second, by: Centre.bob)
        centre.must(.assignRoles(Centre.alice, [Centre.agentRole]))
        #expect(centre.session(byAssignment.id).endReason == .accessRevoked)
        var edited = PermissionSet.supervisorRole
        edited.remove(.conversationMessageMonitor)
        centre.must(.defineRole(Role(id: Centre.supervisorRole, name: "Monitoring supervisor", permissions: edited)))
        #expect(centre.session(byEdit.id).endReason == .accessRevoked)
        #expect(centre.engine.users[Centre.carol]!.permissions == edited)
    }

    @Test("M19 after any end the conversation is free at once and no view shows monitoredBy", arguments: EndReason.allCases)
    func release(reason: EndReason) throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let ben = centre.connect(Centre.agentBen, to: id)
        let session = try centre.session(id, by: Centre.alice, agent: agent)
        switch reason {
        case .stoppedFromInteraction: centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        case .stoppedFromDetails: centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        case .conversationEnded: centre.must(.endConversation(id))
        case .monitoredAgentLeft: centre.must(.disconnectAgent(id, agent))
        case .supervisorOffline: centre.must(.setPresence(Centre.alice, .offline))
        case .accessRevoked: centre.must(.setLicence(Centre.alice, .cx1))
        case .leaseExpired: centre.must(.expireLeases, after: .seconds(31))
        }
        #expect(centre.session(session.id).endReason == reason)
        #expect(centre.views.holder(of: id) == nil)
        #expect(centre.views.button(for: id, viewer: Centre.bob) != .monitoredBy(session.holder))
        #expect(try! centre.engine.panel(of: Centre.alice).get().allSatisfy { !$0.monitoring })
        if reason != .conversationEnded {
            let result = centre.start(id, by: Centre.bob, agent: reason == .monitoredAgentLeft ? ben : agent)
            guard case .success(.monitoringStarted) = result else {
                Issue.record("conversation not free after \(reason): \(result)")
                return
            }
        }
    }
}
