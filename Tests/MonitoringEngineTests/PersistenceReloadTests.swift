import Foundation
import MonitoringEngine
import Testing

/// A finished run saved to JSON and loaded into a fresh engine; both engines then get the same
/// commands at the same instants and must answer alike.
private struct Reload {
    var original: Centre
    var reloaded: MonitoringEngine
    /// Conversation 1: Alice monitored (token 1, stopped), Bob monitors now (token 2).
    let monitored: ConversationID
    /// Conversation 2: Carol monitors, with a renewed lease.
    let renewed: ConversationID
    /// Conversation 3: ended, with an ended session.
    let ended: ConversationID
    let stale: SessionID
    let bobSession: MonitorSession
    let carolSession: MonitorSession

    init() throws {
        var centre = Centre()
        // Alice is given her role again, so the original engine lists her after Bob and Carol among its holders.
        centre.must(.assignRoles(Centre.alice, [Centre.supervisorRole]))
        let (first, _) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        let (third, _) = centre.inProgress(agent: Centre.agentCleo)
        carolSession = try centre.session(second, by: Centre.carol)
        let alice = try centre.session(first, by: Centre.alice)
        centre.must(.stopMonitoring(alice.id, by: Centre.alice, from: .interaction))
        bobSession = try centre.session(first, by: Centre.bob)
        centre.must(.renewLease(carolSession.id, by: Centre.carol))
        _ = try centre.session(third, by: Centre.alice)
        centre.must(.endConversation(third))
        _ = centre.createQueued()
        #expect(centre.violations.isEmpty)

        let bytes = try JSON.data(centre.engine.snapshot())
        let snapshot = try JSONDecoder().decode(EngineSnapshot.self, from: bytes)
        reloaded = MonitoringEngine(configuration: centre.engine.configuration, snapshot: snapshot)
        original = centre
        monitored = first
        renewed = second
        ended = third
        stale = alice.id
    }

    /// Runs a command on both engines at the same instant; returns the reloaded engine's result
    /// after checking it equals the original's, with the same events, deliveries and invariants.
    @discardableResult
    mutating func both(_ command: Command, after step: TimeSpan = .seconds(1)) -> Result<Outcome, MonitoringError> {
        let expected = original.run(command, after: step)
        let result = reloaded.execute(command, at: original.now)
        #expect(result == expected, "\(command)")
        #expect(reloaded.events == original.engine.events, "events of \(command)")
        #expect(reloaded.deliveries == original.engine.deliveries, "deliveries of \(command)")
        #expect(reloaded.checkInvariants().isEmpty, "invariants after \(command) on the reloaded engine")
        return result
    }
}

@Suite("The persistence format: a finished run reloads and continues (docs/persistence.md)")
struct PersistenceReloadTests {
    @Test("A reloaded engine holds the same aggregates, keeps every invariant and saves the same JSON")
    func sameAggregates() throws {
        let reload = try Reload()
        #expect(reload.reloaded.snapshot() == reload.original.engine.snapshot())
        #expect(reload.reloaded.checkAllInvariants() == [])
        #expect(try JSON.data(reload.reloaded.snapshot()) == JSON.data(reload.original.engine.snapshot()))
        #expect(reload.reloaded.conversations[reload.monitored]?.activeSession == reload.bobSession)
    }

    @Test("Each conversation and each user encodes and decodes alone, as a row")
    func rows() throws {
        let snapshot = try Reload().original.engine.snapshot()
        #expect(snapshot.conversations.count == 4)
        for conversation in snapshot.conversations {
            #expect(try JSON.roundTrip(conversation) == conversation)
        }
        for user in snapshot.users { #expect(try JSON.roundTrip(user) == user) }
        for role in snapshot.roles { #expect(try JSON.roundTrip(role) == role) }
        for queue in snapshot.queues { #expect(try JSON.roundTrip(queue) == queue) }
    }

    @Test("M11 a start on a reloaded conversation gets the next fencing token")
    func nextFencingToken() throws {
        var reload = try Reload()
        reload.both(.stopMonitoring(reload.bobSession.id, by: Centre.bob, from: .details))
        let result = reload.both(.startMonitoring(reload.monitored, supervisor: Centre.alice, agent: nil, via: .interactions))
        guard case .success(.monitoringStarted(let session)) = result else {
            Issue.record("no session granted after the reload: \(result)")
            return
        }
        #expect(session.id == SessionID(conversation: reload.monitored, token: 3))
    }

    @Test("M8 a second supervisor is still refused after a reload, with the holder's name and since when")
    func lockHeldAcrossReload() throws {
        var reload = try Reload()
        let result = reload.both(.startMonitoring(reload.monitored, supervisor: Centre.alice, agent: nil, via: .interactions))
        #expect(result.error == .alreadyMonitored(by: reload.bobSession.holder, since: reload.bobSession.startedAt))
        guard case .alreadyMonitored(let holder, _) = result.error else { return }
        #expect(holder.supervisorName == "Bob")
    }

    @Test("M10 the holder's start after a reload returns the session it holds")
    func idempotentStartAcrossReload() throws {
        var reload = try Reload()
        let result = reload.both(.startMonitoring(reload.monitored, supervisor: Centre.bob, agent: nil, via: .interactions))
        #expect(result == .success(.alreadyMonitoring(reload.bobSession)))
    }

    @Test("M11 a stale token's stop is refused after a reload and ends nothing")
    func staleStopAcrossReload() throws {
        var reload = try Reload()
        let result = reload.both(.stopMonitoring(reload.stale, by: Centre.alice, from: .interaction))
        #expect(result.error == .sessionAlreadyEnded(reload.stale, .stoppedFromInteraction))
        #expect(reload.reloaded.conversations[reload.monitored]?.activeSession == reload.bobSession)
    }

    @Test("M12 leases due together expire in deadline order after a reload, a renewed one at its renewed deadline")
    func leasesExpireAcrossReload() throws {
        var reload = try Reload()
        let result = reload.both(.expireLeases, after: .seconds(60))
        #expect(result == .success(.leasesExpired(count: 2)))
        let ended = reload.reloaded.events.compactMap { record -> SessionID? in
            guard case .monitoringEnded(let session, _, .leaseExpired) = record.event else { return nil }
            return session
        }
        // Carol's session started first but was renewed: Bob's lease is due before hers.
        #expect(ended == [reload.bobSession.id, reload.carolSession.id])
        #expect(reload.reloaded.events.map(\.instant) == reload.reloaded.events.map(\.instant).sorted())
    }

    @Test("M18 a redefined role revokes its holders' sessions in user id order, before and after a reload")
    func roleHoldersInIDOrder() throws {
        var reload = try Reload()
        reload.both(.stopMonitoring(reload.carolSession.id, by: Centre.carol, from: .details))
        _ = reload.both(.startMonitoring(reload.renewed, supervisor: Centre.alice, agent: nil, via: .interactions))
        reload.both(.defineRole(Role(id: Centre.supervisorRole, name: "Viewer", permissions: [.conversationMessageView])))
        let revoked = reload.reloaded.events.compactMap { record -> UserID? in
            guard case .monitoringEnded(_, let supervisor, .accessRevoked) = record.event else { return nil }
            return supervisor
        }
        #expect(revoked == [Centre.alice, Centre.bob])
    }

    @Test("A reloaded engine continues a run with the same outcomes, events and deliveries")
    func continuesTheRun() throws {
        var reload = try Reload()
        let next = ConversationID(5)
        let commands: [Command] = [
            .startMonitoring(reload.monitored, supervisor: Centre.alice, agent: nil, via: .interactions),
            .stopMonitoring(reload.stale, by: Centre.alice, from: .interaction),
            .renewLease(reload.bobSession.id, by: Centre.bob),
            .sendMessage(reload.monitored, from: .customer, .text, body: "Still there?"),
            .sendMessage(reload.renewed, from: ParticipantID(1), .text, body: "Yes"),
            .createConversation(.sms, ConversationContext(customer: CustomerDetails(name: "Eve"))),
            .enqueue(next, Centre.queue), .alertAgent(next, Centre.agentAnna),
            .startMonitoring(ConversationID(4), supervisor: Centre.alice, agent: nil, via: .queueActivity),
            .setPresence(Centre.carol, .offline),
            .defineRole(Role(id: Centre.supervisorRole, name: "Monitoring supervisor", permissions: [.conversationMessageView])),
            .startMonitoring(reload.renewed, supervisor: Centre.alice, agent: nil, via: .interactions),
            .endConversation(reload.monitored), .expireLeases,
        ]
        for command in commands { reload.both(command) }
        #expect(reload.reloaded.snapshot() == reload.original.engine.snapshot())
        #expect(reload.reloaded.checkAllInvariants() == [])
    }
}
