import MonitoringEngine
import Testing

@Suite("Prerequisites and what can be monitored (M1–M7)")
struct PrerequisiteTests {
    @Test("M1 a supervisor without a digital-monitoring licence is refused", arguments: Licence.allCases)
    func licence(licence: Licence) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        centre.must(.setLicence(Centre.alice, licence))
        let result = centre.start(id, by: Centre.alice)
        if licence == .cx1 {
            #expect(result.error == .licenceNotEligible(.cx1))
        } else {
            guard case .success(.monitoringStarted) = result else {
                Issue.record("\(licence) should monitor: \(result)")
                return
            }
        }
    }

    @Test("M2a without conversation:message:monitor a supervisor is refused")
    func monitorPermission() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let role = RoleID(9)
        centre.must(
            .defineRole(
                Role(id: role, name: "Viewer only", permissions: PermissionSet(Permission.allCases.filter { $0 != .conversationMessageMonitor }))))
        centre.must(.assignRoles(Centre.alice, [role]))
        #expect(centre.start(id, by: Centre.alice).error == .missingPermission(.conversationMessageMonitor))
    }

    @Test("M2b without conversation:message:view a supervisor is refused")
    func viewPermission() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let role = RoleID(9)
        centre.must(
            .defineRole(
                Role(id: role, name: "No transcript", permissions: PermissionSet(Permission.allCases.filter { $0 != .conversationMessageView }))))
        centre.must(.assignRoles(Centre.alice, [role]))
        #expect(centre.start(id, by: Centre.alice).error == .missingPermission(.conversationMessageView))
    }

    @Test(
        "M2 each entry point needs its view permission",
        arguments: [
            (EntryPoint.interactions, Permission.analyticsConversationDetailView),
            (.interactionDetails, .analyticsConversationDetailView),
            (.queueActivity, .analyticsQueueObservationView),
            (.queueActivity, .routingQueueView),
        ])
    func entryPointPermission(entryPoint: EntryPoint, missing: Permission) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let role = RoleID(9)
        centre.must(.defineRole(Role(id: role, name: "Partial", permissions: PermissionSet(Permission.allCases.filter { $0 != missing }))))
        centre.must(.assignRoles(Centre.alice, [role]))
        #expect(centre.start(id, by: Centre.alice, via: entryPoint).error == .missingPermission(missing))
        #expect(
            centre.views.interactions(viewer: Centre.alice, now: centre.now).error
                == (missing == .analyticsConversationDetailView ? .missingPermission(missing) : nil))
    }

    @Test("M2 permissions that gate nothing do not block monitoring")
    func documentedButUngated() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let role = RoleID(9)
        let ungated: Set<Permission> = [.reportingAcdView, .reportingInteractionsView, .messagingIntegrationView, .conversationMessageAccept]
        centre.must(.defineRole(Role(id: role, name: "Lean", permissions: PermissionSet(Permission.allCases.filter { !ungated.contains($0) }))))
        centre.must(.assignRoles(Centre.alice, [role]))
        guard case .success(.monitoringStarted) = centre.start(id, by: Centre.alice) else {
            Issue.record("monitoring should start without the reporting permissions")
            return
        }
    }

    @Test("M3 only an available supervisor may start", arguments: Presence.allCases)
    func presence(presence: Presence) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        centre.must(.setPresence(Centre.alice, presence))
        let result = centre.start(id, by: Centre.alice)
        if presence == .available {
            #expect(result.error == nil)
        } else {
            #expect(result.error == .supervisorNotAvailable(presence))
        }
    }

    @Test("M4 only web messaging, third-party messaging and SMS can be monitored", arguments: Channel.allChannels)
    func channel(channel: Channel) throws {
        var centre = Centre()
        let (id, _) = centre.inProgress(channel: channel)
        let result = centre.start(id, by: Centre.alice)
        switch channel {
        case .webMessaging, .messaging, .sms: #expect(result.error == nil)
        case .voice, .callback, .email: #expect(result.error == .channelNotMonitorable(channel))
        }
    }

    @Test("M5 a queued conversation with no agent is not in progress")
    func queued() throws {
        var centre = Centre()
        let id = centre.createQueued()
        _ = centre.must(.alertAgent(id, Centre.agentAnna))
        #expect(centre.start(id, by: Centre.alice).error == .conversationNotInProgress(.queued))
    }

    @Test("M5 a conversation in wrap-up after every agent left is not in progress")
    func wrapUp() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        centre.must(.disconnectAgent(id, agent))
        #expect(centre.conversation(id).state == .wrapUp)
        #expect(centre.start(id, by: Centre.alice).error == .conversationNotInProgress(.wrapUp))
    }

    @Test("M5 an ended or abandoned conversation is not in progress")
    func ended() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        centre.must(.endConversation(id))
        #expect(centre.start(id, by: Centre.alice).error == .conversationNotInProgress(.ended))
        let abandoned = centre.createQueued()
        centre.must(.abandon(abandoned))
        #expect(centre.start(abandoned, by: Centre.alice).error == .conversationNotInProgress(.ended))
        #expect(centre.conversation(abandoned).abandoned)
    }

    @Test("M6 with one agent connected the agent is implied")
    func impliedAgent() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        #expect(session.monitoredParticipant == agent)
        #expect(session.monitoredAgent == Centre.agentAnna)
    }

    @Test("M6 with several agents connected the supervisor must choose one")
    func choiceRequired() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        let ben = centre.connect(Centre.agentBen, to: id)
        let expected = [
            AgentChoice(participant: anna, agent: Centre.agentAnna, name: "Anna"),
            AgentChoice(participant: ben, agent: Centre.agentBen, name: "Ben"),
        ]
        #expect(centre.start(id, by: Centre.alice).error == .agentChoiceRequired(expected))
        let session = try centre.session(id, by: Centre.alice, agent: ben)
        #expect(session.monitoredParticipant == ben)
    }

    @Test(
        "M6 M7 after a long history of monitor participants, agents who join later are still found: a choice is required, and an agent cannot monitor"
    )
    func agentsAfterLongHistory() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        for _ in 0..<50 {
            let session = try centre.session(id, by: Centre.alice)
            centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        }
        #expect(centre.conversation(id).participants.count > 50, "every session added a monitor participant")
        let ben = centre.connect(Centre.agentBen, to: id)
        #expect(
            centre.start(id, by: Centre.alice).error
                == .agentChoiceRequired([
                    AgentChoice(participant: anna, agent: Centre.agentAnna, name: "Anna"),
                    AgentChoice(participant: ben, agent: Centre.agentBen, name: "Ben"),
                ]))
        _ = centre.connect(Centre.bob, to: id)
        centre.must(.setPresence(Centre.bob, .available))
        #expect(centre.start(id, by: Centre.bob, agent: anna).error == .cannotMonitorOwnConversation)
        #expect(centre.engine.checkAllInvariants().isEmpty)
    }

    @Test("M6 choosing a participant that is not a connected agent is refused")
    func notAConnectedAgent() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        #expect(centre.start(id, by: Centre.alice, agent: .customer).error == .notAConnectedAgent(.customer))
        #expect(centre.start(id, by: Centre.alice, agent: ParticipantID(42)).error == .notAConnectedAgent(ParticipantID(42)))
        guard case .participantAdded(let alerting) = centre.must(.alertAgent(id, Centre.agentBen)) else { return }
        #expect(centre.start(id, by: Centre.alice, agent: alerting).error == .notAConnectedAgent(alerting))
        #expect(centre.start(id, by: Centre.alice, agent: agent).error == nil)
    }

    @Test("M7 a supervisor who is an agent of the conversation cannot monitor it")
    func ownConversation() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = centre.connect(Centre.bob, to: id)
        centre.must(.setPresence(Centre.bob, .available))
        let anna = centre.conversation(id).connectedAgents[0].id
        #expect(centre.start(id, by: Centre.bob, agent: anna).error == .cannotMonitorOwnConversation)
    }

    @Test("M7 a monitoring supervisor cannot be added to the conversation as an agent")
    func monitorNotAddedAsAgent() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        #expect(centre.run(.alertAgent(id, Centre.alice)).error == .userMonitorsConversation(Centre.alice))
    }
}
