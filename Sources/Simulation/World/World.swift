import DequeModule
import MonitoringEngine

/// The simulated contact centre: customers, agents and supervisors on every channel, the
/// network between their clients and the engine, and the real `MonitoringEngine` they drive.
///
/// It is made of parts, each owning its state: `routing` (customers, queues, agents), `supervision` (the
/// supervisors' clients and their requests), `cluster` (the nodes, the network between clients, nodes and the
/// store, and the store that holds the engine) and `measurement` (metrics, history, the lock observer). The world
/// itself keeps the agenda and the clock, dispatches each event to the behaviour it wakes (`World+Contact.swift`,
/// `World+Supervisors.swift`, `World+Cluster.swift`), and is the gateway (`execute`) through which every command
/// reaches the store and every answer and notification comes back.
///
/// A world is single-threaded and deterministic: the same configuration (seed included)
/// gives the same history, byte for byte. It touches the engine only through its public API.
public struct World: Sendable {
    public let configuration: WorldConfiguration
    /// Where commands go: the simulated store, or a live deployment's driver (`World+External.swift`).
    public let gateway: Gateway
    var external = ExternalGateway()
    var routing: Routing
    var supervision: Supervision
    var cluster: SimulatedCluster
    var measurement: Measurement
    var agenda: Agenda<WorldEvent>
    public internal(set) var now = Instant.zero
    let end: Instant

    public internal(set) var eventsProcessed = 0
    public internal(set) var engineCommands = 0
    public internal(set) var stopReason: StopReason = .completed
    /// Optional wall-clock timer for `timing.json`: nanoseconds from an arbitrary origin.
    var wallClock: (@Sendable () -> UInt64)?
    /// Receives every engine command and its outcome, for `binoculars replay --trace`.
    public var trace: (@Sendable (Instant, Command, Result<Outcome, MonitoringError>) -> Void)?
    /// Told how far the run has got every 65,536 events, for progress lines. It only reads the world: a run
    /// with it gives the same results as one without.
    public var progress: (@Sendable (RunProgress) -> Void)?

    /// Every lock operation as its client saw it.
    public var history: History { measurement.history }
    public var metrics: RunMetrics { measurement.metrics }
    /// The engine invariants found broken, the first hundred in words, and how many in all.
    public var invariantViolations: [String] { measurement.invariantViolations }
    public var invariantViolationCount: Int { measurement.invariantViolationCount }
    /// Wall-clock time spent in the engine, when `wallClock` is set.
    public var engineWallNanoseconds: UInt64 { measurement.engineWallNanoseconds }

    /// How far a run has got, for progress lines.
    public struct RunProgress: Sendable, Hashable {
        /// The simulated instant reached, and the run's end.
        public var now: Instant
        public var end: Instant
        /// Events handled so far.
        public var events: Int

        public init(now: Instant, end: Instant, events: Int) {
            self.now = now
            self.end = end
            self.events = events
        }

        /// The share of simulated time done, 0 to 1.
        public var share: Double { min(1, Double(now.nanoseconds) / Double(max(1, end.nanoseconds))) }
    }

    /// Why a run stopped.
    public enum StopReason: String, Sendable, Codable {
        case completed
        case eventLimitReached
        case pendingEventLimitReached
    }

    public init(configuration: WorldConfiguration, gateway: Gateway = .simulated, wallClock: (@Sendable () -> UInt64)? = nil) {
        self.configuration = configuration
        self.gateway = gateway
        self.wallClock = wallClock
        let streams = RandomStreams(rootSeed: configuration.seed)
        routing = Routing(
            arrivalRandom: configuration.channels.indices.map { streams.stream(named: "arrivals", index: $0) },
            customerRandom: streams.stream(named: "customers"), agentRandom: streams.stream(named: "agents"))
        supervision = Supervision(
            supervisorRandom: streams.stream(named: "supervisors"), contentionRandom: streams.stream(named: "contention"))
        cluster = SimulatedCluster(
            settings: configuration.cluster, store: SimulatedStore(configuration: configuration),
            networkRandom: streams.stream(named: "network"), clusterRandom: streams.stream(named: "cluster"))
        measurement = Measurement(
            observer: LockObserver(leaseDuration: configuration.engine.leaseDuration),
            history: History(capacity: configuration.limits.maximumHistoryOperations))
        agenda = Agenda(capacityLimit: configuration.limits.maximumPendingEvents)
        end = Instant.zero + configuration.duration
    }

    /// Runs the world to its end (or a limit) and returns its results.
    public mutating func run() -> RunResult {
        setUp()
        while let next = agenda.peekInstant, next <= end {
            guard eventsProcessed < configuration.limits.maximumEvents else {
                stopReason = .eventLimitReached
                break
            }
            let (instant, event) = agenda.popNext()!
            now = instant
            eventsProcessed += 1
            handle(event)
            if eventsProcessed & 0xFFFF == 0, let progress {
                progress(RunProgress(now: now, end: end, events: eventsProcessed))
            }
        }
        now = max(now, end)
        closeInterval()
        return result()
    }

    // MARK: Scheduling and the engine

    mutating func schedule(_ event: WorldEvent, after delay: TimeSpan) {
        schedule(event, at: now + TimeSpan(nanoseconds: max(0, delay.nanoseconds)))
    }

    mutating func schedule(_ event: WorldEvent, at instant: Instant) {
        guard instant <= end else { return }
        if case .rejectedAtCapacity = agenda.schedule(event, at: max(instant, now)) {
            stopReason = .pendingEventLimitReached
        }
    }

    /// The gateway: the one place where a command reaches the store, now (or stamped `instant`), and where its
    /// answer, its events and their deliveries come back to the world. It checks the engine's invariants, tells the
    /// agents what their clients are told, lets the lock observer watch from outside, and feeds every node's read
    /// model with its delay; nothing else in the world reads the store.
    @discardableResult
    mutating func execute(_ command: Command, at instant: Instant? = nil) -> Result<Outcome, MonitoringError> {
        let result: Result<Outcome, MonitoringError>
        let at = instant ?? now
        if let wallClock {
            let started = wallClock()
            result = cluster.store.execute(command, at: at)
            measurement.engineWallNanoseconds &+= wallClock() &- started
        } else {
            result = cluster.store.execute(command, at: at)
        }
        engineCommands += 1
        measurement.interval.engineCommands += 1
        trace?(now, command, result)
        if configuration.engine.checkInvariants {
            let every = configuration.engine.thoroughCheckEvery
            let violations = cluster.store.checkInvariants(thorough: every > 0 && engineCommands % every == 0)
            if !violations.isEmpty { measurement.recordViolations(violations.map { "\($0) after \(command) at \(now)" }) }
        }
        let events = cluster.store.events
        guard !events.isEmpty else { return result }
        let deliveries = cluster.store.deliveries
        agentsHear(events, deliveries)
        measurement.endedSessions.removeAll(keepingCapacity: true)
        let leaked = leakedDeliveries(events)
        measurement.observer.observe(events, leaked.isEmpty ? deliveries : deliveries + leaked, at: now, ended: &measurement.endedSessions)
        for (session, conversation, reason, instant) in measurement.endedSessions {
            sessionEnded(session, conversation, reason, at: instant)
        }
        measurement.interval.concurrentMonitoredMaximum = max(measurement.interval.concurrentMonitoredMaximum, measurement.observer.activeCount)
        feedViews(events)
        return result
    }

    /// Sends the events the views show to every running node's read model, each batch after its own delay, in
    /// order: appended once to the shared log, each node's batch naming where it ends there.
    private mutating func feedViews(_ events: [EventRecord]) {
        for record in events where MonitoringReadModel.shows(record.event) { cluster.viewLog.append(record) }
        for node in cluster.nodes.indices where cluster.nodes[node].isUp {
            let delay = milliseconds(configuration.network.viewDelayMilliseconds, &cluster.networkRandom)
            let due = max(now + delay, cluster.nodes[node].feedBatches.last?.due ?? now)
            let wasEmpty = cluster.nodes[node].feedBatches.isEmpty
            cluster.nodes[node].feedBatches.append((due, cluster.viewLog.end))
            if wasEmpty { schedule(.viewUpdate(node: Int32(node)), at: due) }
        }
        dropReadViews()
    }

    /// Applies the events now due to a node's read model, and measures staleness (M26): from a
    /// session's start to the read model showing it, plus the push to a supervisor's console.
    mutating func applyDueViews(_ node: Int) {
        while let batch = cluster.nodes[node].feedBatches.first, batch.due <= now {
            cluster.nodes[node].feedBatches.removeFirst()
            while cluster.nodes[node].viewCursor < batch.end {
                let record = cluster.viewLog[cluster.nodes[node].viewCursor]
                cluster.nodes[node].viewCursor += 1
                cluster.nodes[node].views.apply(record)
                if case .monitoringStarted(_, let holder, _, _) = record.event, holder.since >= warmUpEnd {
                    let push = milliseconds(configuration.network.supervisor.downMilliseconds, &cluster.networkRandom)
                    measurement.metrics.recordStaleness((now - holder.since) + push)
                }
            }
        }
        if let next = cluster.nodes[node].feedBatches.first { schedule(.viewUpdate(node: Int32(node)), at: next.due) }
        dropReadViews()
    }

    /// Drops from the log what every node still to be fed has read: a node with nothing on its way needs nothing
    /// of it (a node that restarts rebuilds its read model from the store and reads on from the log's end).
    private mutating func dropReadViews() {
        var needed = cluster.viewLog.end
        for node in cluster.nodes.indices where !cluster.nodes[node].feedBatches.isEmpty { needed = min(needed, cluster.nodes[node].viewCursor) }
        cluster.viewLog.drop(before: needed)
    }

    var warmUpEnd: Instant { Instant.zero + configuration.warmUp }
    var measuring: Bool { now >= warmUpEnd }

    // MARK: Dispatch

    mutating func handle(_ event: WorldEvent) {
        switch event {
        case .arrival(let channel): customerArrives(on: Int(channel))
        case .abandon(let id): customerAbandons(id)
        case .agentAnswers(let id, let agent, let participant): agentAnswers(id, agent: Int(agent), participant)
        case .agentReplies(let id): agentReplies(id)
        case .customerReplies(let id): customerReplies(id)
        case .agentCloses(let id): agentCloses(id)
        case .conferenceEnds(let id, let agent, let participant): conferenceEnds(id, agent: Int(agent), participant)
        case .wrapUpDone(let id, let agent, let participant): wrapUpDone(id, agent: Int(agent), participant)
        case .breakStarts(let agent): breakStarts(Int(agent))
        case .breakEnds(let agent): breakEnds(Int(agent))
        case .shiftStarts(let agent): shiftStarts(Int(agent))
        case .shiftEnds(let agent): shiftEnds(Int(agent))
        case .supervisorWakes(let supervisor, let generation): supervisorWakes(Int(supervisor), generation)
        case .holdEnds(let supervisor, let generation): holdEnds(Int(supervisor), generation)
        case .renewDue(let supervisor, let generation): renewDue(Int(supervisor), generation)
        case .sessionEndNotice(let supervisor, let token, let id): sessionEndNotice(Int(supervisor), token, id)
        case .clientReturns(let supervisor, let generation): clientReturns(Int(supervisor), generation)
        case .presenceChange(let supervisor): presenceChange(Int(supervisor))
        case .presenceRestore(let supervisor): presenceRestore(Int(supervisor))
        case .presenceFlap(let supervisor, let presence): presenceFlap(Int(supervisor), to: presence)
        case .lateStop(let supervisor, let token, let id): lateStop(Int(supervisor), token, id)
        case .stampede(let index): stampede(Int(index))
        case .stampedeAttempt(let supervisor, let id): stampedeAttempt(Int(supervisor), id)
        case .requestArrives(let request): requestArrives(Int(request))
        case .requestReachesStore(let request): requestReachesStore(Int(request))
        case .responseReachesNode(let request): responseReachesNode(Int(request))
        case .responseArrives(let request): responseArrives(Int(request))
        case .requestTimesOut(let request): requestTimesOut(Int(request))
        case .nodeCrash(let node, let downFor): nodeCrashes(Int(node), downFor: TimeSpan(nanoseconds: downFor))
        case .nodeRestart(let node): nodeRestarts(Int(node))
        case .answerArrives(let slot): answerArrives(Int(slot))
        case .viewUpdate(let node): applyDueViews(Int(node))
        case .leaseSweep: leaseSweep()
        case .intervalEnds: intervalEnds()
        }
    }

    mutating func leaseSweep() {
        execute(.expireLeases)
        measurement.observer.checkLeases(sweptAt: now)
        schedule(.leaseSweep, after: .seconds(1))
    }

    // MARK: Intervals

    mutating func intervalEnds() {
        closeInterval()
        measurement.interval = IntervalMetrics(startSeconds: (now - Instant.zero).seconds)
        measurement.interval.concurrentMonitoredMaximum = measurement.observer.activeCount
        schedule(.intervalEnds, after: configuration.reportingInterval)
    }

    /// Closes the current interval; it is reported if it lies after warm-up and is not empty.
    mutating func closeInterval() {
        measurement.integrateOccupancy(to: now)
        let lasted = (now - Instant.zero).seconds > measurement.interval.startSeconds
        let latency = measurement.metrics.closeIntervalLatency()
        if lasted, measurement.interval.startSeconds >= configuration.warmUp.seconds {
            measurement.interval.latency = latency
            measurement.metrics.intervals.append(measurement.interval)
        }
    }

    // MARK: Helpers

}

// The world's sampling helpers are free functions, not methods: a method called with one of the world's own
// random streams inout (`seconds(d, &agentRandom)`) reads `self` while that stream is being modified, and Swift
// copies the whole world to keep the two accesses apart. Measured: a tenth of a run went to those copies.

/// A duration drawn from `distribution`, in seconds.
func seconds(_ distribution: Distribution, _ random: inout Xoshiro256StarStar) -> TimeSpan {
    TimeSpan(nanoseconds: Int64((max(0, distribution.sample(using: &random)) * 1e9).rounded()))
}

/// A duration drawn from `distribution`, in milliseconds.
func milliseconds(_ distribution: Distribution, _ random: inout Xoshiro256StarStar) -> TimeSpan {
    TimeSpan(nanoseconds: Int64((max(0, distribution.sample(using: &random)) * 1e6).rounded()))
}

/// True with `probability`; draws nothing when the probability is 0, so an unused knob leaves the stream alone.
func chance(_ probability: Double, _ random: inout Xoshiro256StarStar) -> Bool {
    probability > 0 && random.nextUnitInterval() < probability
}
