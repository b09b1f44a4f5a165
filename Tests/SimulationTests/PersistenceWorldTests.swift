import Foundation
import MonitoringEngine
import Scenario
import Testing

@testable import Simulation

/// A simulated run's engine, saved as JSON and loaded into a fresh engine, then driven on by the
/// same commands as the original: every aggregate the simulator produced must survive the trip.
@Suite("The persistence format over simulated runs (docs/persistence.md)")
struct PersistenceWorldTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The small centre of `WorldTests`, and shipped scenarios (the second with a skewed-clock cluster), cut to 30 minutes.
    static func configurations() throws -> [WorldConfiguration] {
        var shipped = try ["Scenarios/ci/stop-races.yaml", "Scenarios/ci/skewed-clocks-vanishing.yaml"].map {
            try ScenarioLoader.load(path: root.appendingPathComponent($0).path).configuration
        }
        for index in shipped.indices { shipped[index].duration = .seconds(1_800) }
        return [smallCentre(seed: 11, duration: .seconds(1_800))] + shipped
    }

    @Test("M8 M10 M11 M12 a finished simulated run reloads from JSON and continues with the same outcomes")
    func finishedRunsReload() throws {
        var staleStopsRefused = 0
        for configuration in try Self.configurations() {
            var world = World(configuration: configuration)
            let result = world.run()
            #expect(result.summary.invariants.held, "\(configuration.name)")
            staleStopsRefused += try checkReload(world.cluster.store.engineAfterRun, at: world.now, name: configuration.name)
        }
        #expect(staleStopsRefused > 0, "M11 a stale token's stop was refused across a reload")
    }

    /// Returns how many stale stops were refused.
    private func checkReload(_ engine: MonitoringEngine, at end: Instant, name: String) throws -> Int {
        var original = engine
        let bytes = try JSONEncoder().encode(original.snapshot())
        var reloaded = MonitoringEngine(
            configuration: original.configuration, snapshot: try JSONDecoder().decode(EngineSnapshot.self, from: bytes))
        #expect(reloaded.snapshot() == original.snapshot(), "\(name)")
        #expect(reloaded.checkAllInvariants() == [], "\(name)")

        var now = end
        var refusedAsMonitored = 0
        var staleStopsRefused = 0
        var restarted = 0
        func both(_ command: Command) -> Result<Outcome, MonitoringError> {
            now = now + .milliseconds(1)
            let expected = original.execute(command, at: now)
            let result = reloaded.execute(command, at: now)
            #expect(result == expected, "\(name): \(command)")
            #expect(reloaded.events == original.events, "\(name): events of \(command)")
            #expect(reloaded.deliveries == original.deliveries, "\(name): deliveries of \(command)")
            #expect(reloaded.checkInvariants() == [], "\(name): invariants after \(command)")
            return result
        }

        let supervisors = original.snapshot().users.filter { $0.permissions.contains(.conversationMessageMonitor) }.map(\.id)
        let active = original.snapshot().conversations.compactMap(\.activeSession)
        #expect(!active.isEmpty, "\(name): the run ends with sessions to carry over")
        for session in active {
            let conversation = session.id.conversation
            // M8: anyone else is refused while the session holds the lock (or for an earlier rule).
            for other in supervisors where other != session.supervisor {
                if case .failure(.alreadyMonitored(let holder, _)) = both(
                    .startMonitoring(conversation, supervisor: other, agent: nil, via: .interactions))
                {
                    #expect(holder == session.holder, "\(name): refused with the holder and since when")
                    refusedAsMonitored += 1
                }
            }
            // M10: the holder's own start returns the session it holds.
            #expect(
                both(.startMonitoring(conversation, supervisor: session.supervisor, agent: nil, via: .interactions))
                    == .success(.alreadyMonitoring(reload(session, from: reloaded))), "\(name)")
            // M11: a stop naming an earlier token ends nothing.
            if session.id.token > 1 {
                let stale = SessionID(conversation: conversation, token: session.id.token - 1)
                let owner = reloaded.conversations[conversation]!.sessions[Int(stale.token - 1)].supervisor
                if case .failure(.sessionAlreadyEnded) = both(.stopMonitoring(stale, by: owner, from: .interaction)) {
                    staleStopsRefused += 1
                }
                #expect(reloaded.conversations[conversation]?.activeSession?.id == session.id)
            }
            // M11: after a stop, the next start gets the next fencing token.
            _ = both(.stopMonitoring(session.id, by: session.supervisor, from: .details))
            let start = both(.startMonitoring(conversation, supervisor: session.supervisor, agent: nil, via: .interactions))
            if case .success(.monitoringStarted(let next)) = start {
                #expect(next.id.token == session.id.token + 1, "\(name): the next fencing token")
                restarted += 1
            }
        }
        // M12: every lease left runs out on both engines alike.
        now = now + .seconds(3_600)
        _ = both(.expireLeases)
        #expect(reloaded.snapshot() == original.snapshot(), "\(name)")
        #expect(reloaded.checkAllInvariants() == [], "\(name)")
        #expect(refusedAsMonitored > 0, "\(name): M8 was exercised across the reload")
        #expect(restarted > 0, "\(name): M11 next token was exercised across the reload")
        return staleStopsRefused
    }

    /// The session as the engine holds it now (a lease may have been renewed since).
    private func reload(_ session: MonitorSession, from engine: MonitoringEngine) -> MonitorSession {
        engine.conversations[session.id.conversation]!.sessions[Int(session.id.token - 1)]
    }
}
