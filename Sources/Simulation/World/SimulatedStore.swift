import MonitoringEngine

/// The store every node writes through: the real `MonitoringEngine` over its aggregates, and the deliberately
/// broken variants a scenario may select (`defect`), each changing what the store does around the engine, never the
/// engine itself.
///
/// It is the only part of the world that holds the engine, and it holds it privately: the clients' behaviours, the
/// nodes' read models and the measurement learn what happened only from what `World.execute` (the gateway) hands on —
/// each command's answer, the events it caused and whom they were delivered to — as a real client learns from its
/// answers and notifications. A node that restarts rebuilds its read model from a snapshot, as a real node reads its
/// store.
struct SimulatedStore: Sendable {
    private var engine: MonitoringEngine
    let defect: Defect?

    init(configuration: WorldConfiguration) {
        engine = MonitoringEngine(
            configuration: EngineConfiguration(
                leaseDuration: configuration.engine.leaseDuration, renewalInterval: configuration.engine.renewalInterval))
        defect = configuration.defect
    }

    /// Runs one command at the store's `instant` and answers it; `events` and `deliveries` then hold what it caused.
    mutating func execute(_ command: Command, at instant: Instant) -> Result<Outcome, MonitoringError> {
        engine.execute(command, at: instant)
    }

    /// The engine as a finished run left it, for tests that reload it and carry it on; nothing in a run reads it.
    var engineAfterRun: MonitoringEngine { engine }

    /// The events the last command caused, in order.
    var events: [EventRecord] { engine.events }
    /// Who was told of each of the last command's events.
    var deliveries: [Delivery] { engine.deliveries }

    /// The engine's own consistency checks, over the state the last command left.
    func checkInvariants(thorough: Bool) -> [InvariantViolation] {
        engine.checkInvariants(thorough: thorough)
    }

    /// A read model built from the store as it is now, for a node that restarts.
    func readModelSnapshot(at instant: Instant) -> MonitoringReadModel {
        MonitoringReadModel(snapshotOf: engine, at: instant)
    }

    /// What the store runs for a supervisor's lock command taken by a node: the command whose answer goes back to the
    /// client, stamped `at` (nil: the store's own time), after `first` if there is one. A correct store runs the
    /// command itself, in its own time. A configured defect changes that, reading the store's state as a broken node
    /// would: `nodeShows` gives the holder the node's (late) read model shows, `nodeClock` is the node's own clock.
    func run(
        _ command: Command, nodeShows holder: (ConversationID) -> MonitorHolder?, nodeClock: Instant
    ) -> (first: Command?, command: Command, at: Instant?) {
        switch (defect, command) {
        case (.startFromStaleReadModel, .startMonitoring(let id, let supervisor, _, _)):
            // The start trusts the node's stale read model instead of locking the conversation's row: a session the
            // node does not show is ended to make room.
            if holder(id) == nil, let active = engine.conversations[id]?.activeSession, active.supervisor != supervisor {
                return (.stopMonitoring(active.id, by: active.supervisor, from: .details), command, nil)
            }
        case (.startWithoutIdempotency, .startMonitoring(let id, let supervisor, _, _)):
            // A retried start is not recognised as the same request: the supervisor's own session is ended and a new
            // one begun.
            if let active = engine.conversations[id]?.activeSession, active.supervisor == supervisor {
                return (.stopMonitoring(active.id, by: supervisor, from: .interaction), command, nil)
            }
        case (.stopByConversation, .stopMonitoring(let session, _, let source)):
            // A stop ends whatever session the conversation has now, not the one it names.
            if let active = engine.conversations[session.conversation]?.activeSession {
                return (nil, .stopMonitoring(active.id, by: active.supervisor, from: source), nil)
            }
        case (.leaseByNodeClock, _):
            // Leases are stamped with the node's clock, skewed and drifting, instead of the store's.
            return (nil, command, nodeClock)
        default:
            break
        }
        return (nil, command, nil)
    }
}
