import MonitoringEngine
import Testing

@Suite("Entry points and staleness (M23–M26)")
struct ViewTests {
    @Test("M23 the Interactions view lists live interactions with channel, queue, agents, duration and a Monitor action per agent")
    func interactionsView() throws {
        var centre = Centre()
        let (web, anna) = centre.inProgress()
        let (whatsApp, _) = centre.inProgress(channel: .messaging(.whatsApp), agent: Centre.agentBen)
        let ended = centre.inProgress(channel: .sms, agent: Centre.agentCleo).0
        centre.must(.endConversation(ended))
        let session = try centre.session(web, by: Centre.alice)
        let rows = try centre.views.interactions(viewer: Centre.bob, now: centre.now).get()
        #expect(rows.map(\.conversation) == [web, whatsApp])
        #expect(rows.map(\.channel) == [.webMessaging, .messaging(.whatsApp)])
        #expect(rows.map(\.queueName) == ["Support", "Support"])
        #expect(rows[0].agents.map(\.name) == ["Anna"])
        #expect(rows[0].agents.map(\.participant) == [anna])
        #expect(rows[0].agents.map(\.button) == [.monitoredBy(session.holder)])
        #expect(rows[1].agents.map(\.button) == [.monitor])
        #expect(rows[0].duration == centre.now - centre.conversation(web).createdAt)
        #expect(centre.views.interactions(viewer: Centre.agentAnna, now: centre.now).error == .missingPermission(.analyticsConversationDetailView))
    }

    @Test("M24 Queue Activity shows the queue's interacting conversations and its on-queue agents with their interactions")
    func queueActivity() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        let session = try centre.session(second, by: Centre.carol)
        centre.must(.setPresence(Centre.agentBen, .onBreak))
        let activity = try centre.views.queueActivity(Centre.queue, viewer: Centre.alice, now: centre.now).get()
        #expect(activity.name == "Support")
        #expect(activity.interacting.map(\.conversation) == [first, second])
        #expect(activity.interacting.map { $0.agents.map(\.button) } == [[.monitor], [.monitoredBy(session.holder)]])
        #expect(activity.onQueueAgents.map(\.name) == ["Anna"])
        #expect(activity.onQueueAgents.first?.interactions.map(\.conversation) == [first])
        let details = try centre.engine.interactionDetails(first, viewer: Centre.alice, now: centre.now).get()
        #expect(details.conversation == first)
        let role = RoleID(9)
        centre.must(
            .defineRole(
                Role(
                    id: role, name: "No queue view",
                    permissions: [.conversationMessageMonitor, .conversationMessageView, .analyticsQueueObservationView])))
        centre.must(.assignRoles(Centre.bob, [role]))
        #expect(centre.views.queueActivity(Centre.queue, viewer: Centre.bob, now: centre.now).error == .missingPermission(.routingQueueView))
    }

    @Test("M25 interaction details split participants into External and Internal, with actions, metrics and timeline")
    func details() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        let ben = centre.connect(Centre.agentBen, to: id)
        let session = try centre.session(id, by: Centre.alice, agent: ben)
        let details = try centre.engine.interactionDetails(id, viewer: Centre.bob, now: centre.now).get()
        #expect(details.external.map(\.name) == ["Dana"])
        #expect(details.internal.map(\.name) == ["Anna", "Ben", "Alice"])
        #expect(details.internal.map(\.monitoring) == [false, false, true])
        #expect(details.actions.map(\.participant) == [anna, ben])
        #expect(details.actions.map(\.button) == [.monitoredBy(session.holder), .monitoredBy(session.holder)])
        #expect(details.metrics.nMonitoringSessions == 1)
        #expect(details.timeline == centre.conversation(id).timeline)
        #expect(
            centre.engine.interactionDetails(id, viewer: Centre.agentAnna, now: centre.now).error
                == .missingPermission(.analyticsConversationDetailView))
    }

    @Test("M26 a read model fed late shows a stale button until the events arrive; staleness is measurable")
    func staleness() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        var lagging = centre.views
        var pending: [EventRecord] = []
        let session = try centre.session(id, by: Centre.alice)
        pending += centre.engine.events
        #expect(lagging.button(for: id, viewer: Centre.bob) == .monitor)
        #expect(lagging.appliedThrough < session.startedAt)
        let deliveredAt = centre.now + .milliseconds(350)
        lagging.apply(pending)
        #expect(lagging.button(for: id, viewer: Centre.bob) == .monitoredBy(session.holder))
        let staleness = deliveredAt - (lagging.holder(of: id)?.since ?? deliveredAt)
        #expect(staleness == .milliseconds(350))
        #expect(lagging.appliedThrough == session.startedAt)
    }
}

@Suite("Read model snapshots")
struct ReadModelSnapshotTests {
    @Test("M26 a read model rebuilt from the engine's state shows what one fed every event shows")
    func snapshotMatchesFeed() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, anna) = centre.inProgress(agent: Centre.agentBen)
        _ = centre.connect(Centre.agentCleo, to: second)
        let session = try centre.session(first, by: Centre.alice)
        _ = try centre.session(second, by: Centre.bob, agent: anna)
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        let ended = centre.inProgress().0
        centre.must(.endConversation(ended))
        let queued = centre.createQueued()
        let rebuilt = MonitoringReadModel(snapshotOf: centre.engine, at: centre.now)
        for viewer in [Centre.alice, Centre.bob, Centre.carol, Centre.agentAnna] {
            #expect(rebuilt.interactions(viewer: viewer, now: centre.now) == centre.views.interactions(viewer: viewer, now: centre.now))
            for queue in [Centre.queue, Centre.otherQueue] {
                #expect(
                    rebuilt.queueActivity(queue, viewer: viewer, now: centre.now)
                        == centre.views.queueActivity(queue, viewer: viewer, now: centre.now))
            }
            for id in [first, second, ended, queued] {
                #expect(rebuilt.button(for: id, viewer: viewer) == centre.views.button(for: id, viewer: viewer))
            }
        }
        #expect(rebuilt.holder(of: second) != nil)
    }
}
