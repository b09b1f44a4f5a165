import MonitoringEngine
import Testing

@Suite("The exclusive monitor lock (M8–M12)")
struct LockTests {
    @Test("M8 a second supervisor is refused while one monitors, with who and since when")
    func secondSupervisorRefused() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        let result = centre.start(id, by: Centre.bob)
        #expect(result.error == .alreadyMonitored(by: session.holder, since: session.startedAt))
        guard case .alreadyMonitored(let holder, _) = result.error else { return }
        #expect(holder.supervisor == Centre.alice)
        #expect(holder.supervisorName == "Alice")
        #expect(centre.conversation(id).sessions.count == 1)
    }

    @Test("M8 the lock covers every agent of the conversation")
    func lockAcrossAgents() throws {
        var centre = Centre()
        let (id, anna) = centre.inProgress()
        let ben = centre.connect(Centre.agentBen, to: id)
        _ = try centre.session(id, by: Centre.alice, agent: anna)
        guard case .alreadyMonitored = centre.start(id, by: Centre.bob, agent: ben).error else {
            Issue.record("a second supervisor monitored another agent of a monitored conversation")
            return
        }
    }

    @Test("M8 a stampede of supervisors at one instant grants exactly one session")
    func stampede() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        var granted = 0
        for supervisor in [Centre.alice, Centre.bob, Centre.carol] {
            let result = centre.run(.startMonitoring(id, supervisor: supervisor, agent: nil, via: .queueActivity), after: .zero)
            if case .success(.monitoringStarted) = result { granted += 1 }
        }
        #expect(granted == 1)
        #expect(centre.conversation(id).sessions.count == 1)
    }

    @Test("M8 different conversations are monitored independently")
    func independentConversations() throws {
        var centre = Centre()
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        _ = try centre.session(first, by: Centre.alice)
        _ = try centre.session(second, by: Centre.bob)
        #expect(
            centre.start(first, by: Centre.bob).error
                == .alreadyMonitored(by: centre.conversation(first).activeSession!.holder, since: centre.conversation(first).activeSession!.startedAt)
        )
        #expect(centre.engine.users[Centre.alice]!.monitoringSessions.map(\.conversation) == [first])
        #expect(centre.engine.users[Centre.bob]!.monitoringSessions.map(\.conversation) == [second])
    }

    @Test("M9 every button shows monitor, monitoredBy or unavailable with its reason")
    func buttons() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        #expect(centre.views.button(for: id, viewer: Centre.bob) == .monitor)
        let session = try centre.session(id, by: Centre.alice)
        #expect(centre.views.button(for: id, viewer: Centre.bob) == .monitoredBy(session.holder))
        #expect(centre.views.button(for: id, viewer: Centre.alice) == .monitoredBy(session.holder))
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        centre.must(.setPresence(Centre.bob, .busy))
        #expect(centre.views.button(for: id, viewer: Centre.bob) == .unavailable(.presence(.busy)))
        centre.must(.setLicence(Centre.carol, .cx1))
        #expect(centre.views.button(for: id, viewer: Centre.carol) == .unavailable(.licence(.cx1)))
        #expect(centre.views.button(for: id, viewer: Centre.agentAnna) == .unavailable(.licence(.cx1)))
        let (voice, _) = centre.inProgress(channel: .voice, agent: Centre.agentBen)
        #expect(centre.views.button(for: voice, viewer: Centre.alice) == .unavailable(.channel(.voice)))
        let queued = centre.createQueued()
        #expect(centre.views.button(for: queued, viewer: Centre.alice) == .unavailable(.state(.queued)))
    }

    @Test("M9 a stale monitor button that then fails with alreadyMonitored is a correct outcome")
    func staleButton() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        var staleNode = centre.views
        let session = try centre.session(id, by: Centre.alice)
        #expect(staleNode.button(for: id, viewer: Centre.bob) == .monitor)
        #expect(centre.start(id, by: Centre.bob).error == .alreadyMonitored(by: session.holder, since: session.startedAt))
        staleNode.apply(centre.engine.events)
        #expect(centre.views.button(for: id, viewer: Centre.bob) == .monitoredBy(session.holder))
    }

    @Test("M10 the same supervisor asking again gets the existing session back")
    func idempotentRestart() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        guard case .success(.alreadyMonitoring(let again)) = centre.start(id, by: Centre.alice, via: .queueActivity) else {
            Issue.record("a repeated start did not return the existing session")
            return
        }
        #expect(again.id == session.id)
        #expect(centre.conversation(id).sessions.count == 1)
        #expect(centre.conversation(id).participants.filter(\.isMonitor).count == 1)
        centre.must(.setPresence(Centre.alice, .busy))
        guard case .success(.alreadyMonitoring(let retried)) = centre.start(id, by: Centre.alice) else {
            Issue.record("a retry after a presence change did not return the existing session")
            return
        }
        #expect(retried.id == session.id)
    }

    @Test("M11 session tokens increase per conversation and are never reused")
    func fencingTokens() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        var tokens: [UInt64] = []
        for supervisor in [Centre.alice, Centre.bob, Centre.alice, Centre.carol] {
            let session = try centre.session(id, by: supervisor)
            tokens.append(session.id.token)
            centre.must(.stopMonitoring(session.id, by: supervisor, from: .details))
        }
        #expect(tokens == [1, 2, 3, 4])
    }

    @Test("M11 a late stop of an ended session ends nothing else, not a newer session of another supervisor")
    func lateStop() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let old = try centre.session(id, by: Centre.alice)
        centre.must(.stopMonitoring(old.id, by: Centre.alice, from: .interaction))
        let newer = try centre.session(id, by: Centre.bob)
        let late = centre.run(.stopMonitoring(old.id, by: Centre.alice, from: .interaction))
        #expect(late.error == .sessionAlreadyEnded(old.id, .stoppedFromInteraction))
        #expect(centre.conversation(id).activeSession?.id == newer.id)
        #expect(!centre.engine.events.contains { if case .monitoringEnded = $0.event { true } else { false } })
    }

    @Test("M11 a repeated stop reports the first end's reason")
    func repeatedStop() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        #expect(
            centre.run(.stopMonitoring(session.id, by: Centre.alice, from: .interaction)).error
                == .sessionAlreadyEnded(session.id, .stoppedFromDetails))
        #expect(centre.session(session.id).endReason == .stoppedFromDetails)
        #expect(
            centre.run(.stopMonitoring(SessionID(conversation: id, token: 9), by: Centre.alice, from: .details)).error
                == .unknownSession(SessionID(conversation: id, token: 9)))
    }

    @Test("M12 a session whose lease is not renewed ends with leaseExpired")
    func leaseExpires() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        #expect(session.leaseExpiresAt == session.startedAt + .seconds(30))
        centre.now = session.startedAt + .seconds(29)
        guard case .success(.leasesExpired(count: 0)) = centre.run(.expireLeases, after: .zero) else {
            Issue.record("a lease expired early")
            return
        }
        centre.now = session.startedAt + .seconds(30)
        guard case .success(.leasesExpired(count: 1)) = centre.run(.expireLeases, after: .zero) else {
            Issue.record("a due lease did not expire")
            return
        }
        #expect(centre.session(session.id).endReason == .leaseExpired)
        #expect(centre.session(session.id).endedAt == session.leaseExpiresAt)
        #expect(centre.start(id, by: Centre.bob).error == nil)
    }

    @Test("M12 renewing every 10 s keeps the session for as long as the client renews")
    func leaseRenewed() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        for _ in 0..<10 {
            guard case .success(.leaseRenewed(_, let until)) = centre.run(.renewLease(session.id, by: Centre.alice), after: .seconds(10)) else {
                Issue.record("renewal failed")
                return
            }
            #expect(until == centre.now + .seconds(30))
            centre.must(.expireLeases, after: .zero)
        }
        #expect(centre.session(session.id).isActive)
        #expect(centre.run(.renewLease(session.id, by: Centre.bob)).error == .notSessionOwner(session.id, owner: Centre.alice))
    }

    @Test("M12 an expired lease is decided on the next touch of the conversation, even without a sweep")
    func lazyExpiry() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        centre.must(.sendMessage(id, from: agent, .text, body: "still there?"), after: .seconds(45))
        #expect(centre.session(session.id).endReason == .leaseExpired)
        #expect(centre.session(session.id).endedAt == session.leaseExpiresAt)
        let ended = centre.engine.events.first { if case .monitoringEnded = $0.event { true } else { false } }
        #expect(ended?.instant == session.leaseExpiresAt, "the end is reported at the lease deadline, not when it was noticed")
        #expect(centre.run(.renewLease(session.id, by: Centre.alice)).error == .sessionAlreadyEnded(session.id, .leaseExpired))
    }

    @Test("M12 a command with an instant earlier than the conversation's last is applied at the last one")
    func clockSkewClamped() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        let last = centre.conversation(id).lastInstant
        centre.must(.sendMessage(id, from: agent, .text, body: "from a lagging node"), after: .seconds(-20))
        #expect(centre.conversation(id).transcript.last?.sentAt == last)
        #expect(centre.violations.isEmpty)
    }

    @Test("M12 lease length is configuration")
    func leaseConfiguration() throws {
        var centre = Centre(configuration: EngineConfiguration(leaseDuration: .seconds(5), renewalInterval: .seconds(2)))
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        #expect(session.leaseExpiresAt == session.startedAt + .seconds(5))
    }
}
