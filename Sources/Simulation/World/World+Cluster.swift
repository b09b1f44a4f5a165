import DequeModule
import MonitoringEngine

/// One engine node: up or down, its read model fed late, and its clock.
struct NodeRuntime: Sendable {
    var isUp = true
    /// Bumped by every crash, so answers to requests taken before it are lost.
    var epoch: UInt32 = 0
    var views = MonitoringReadModel()
    /// The position in the world's `ViewLog` of the next event this node's read model applies.
    var viewCursor = 0
    /// Batches of the log on their way to this node's read model: when each is due, and where it ends in the log.
    var feedBatches = Deque<(due: Instant, end: Int)>()
    /// When the node finishes the requests it has taken so far (with `nodeService`).
    var busyUntil = Instant.zero
    var clockSkew: TimeSpan = .zero
    var clockDriftPartsPerMillion = 0.0

    /// The node's own clock reading when the true (store) time is `now`.
    func clock(at now: Instant) -> Instant {
        now + clockSkew + TimeSpan(nanoseconds: Int64(Double(now.nanoseconds) * clockDriftPartsPerMillion / 1e6))
    }
}

extension World {
    var cluster: ClusterSettings { configuration.cluster }

    mutating func setUpCluster() {
        let count = max(1, cluster.nodes)
        for _ in 0..<count {
            var node = NodeRuntime()
            // A node's clock is ahead or behind, by a drawn amount, and runs fast or slow.
            let skew = milliseconds(cluster.clockSkewMilliseconds, &clusterRandom)
            node.clockSkew = chance(0.5, &clusterRandom) ? skew : TimeSpan(nanoseconds: -skew.nanoseconds)
            let drift = max(0, cluster.clockDriftPartsPerMillion.sample(using: &clusterRandom))
            node.clockDriftPartsPerMillion = chance(0.5, &clusterRandom) ? drift : -drift
            nodes.append(node)
        }
        for crash in cluster.nodeCrashes where crash.node >= 0 && crash.node < nodes.count {
            schedule(.nodeCrash(node: Int32(crash.node), downForNanoseconds: crash.downFor.nanoseconds), at: Instant.zero + crash.at)
        }
        for node in nodes.indices { scheduleRandomCrash(node) }
    }

    private mutating func scheduleRandomCrash(_ node: Int) {
        guard cluster.nodeCrashesPerHour > 0 else { return }
        let gap = Distribution.exponential(mean: 3_600 / cluster.nodeCrashesPerHour)
        let downFor = seconds(cluster.crashDowntimeSeconds, &clusterRandom)
        schedule(.nodeCrash(node: Int32(node), downForNanoseconds: downFor.nanoseconds), after: seconds(gap, &clusterRandom))
    }

    /// A node crashes: its in-flight requests and its read model are lost until it restarts.
    mutating func nodeCrashes(_ node: Int, downFor: TimeSpan) {
        guard nodes[node].isUp else { return }
        nodes[node].isUp = false
        nodes[node].epoch &+= 1
        nodes[node].views = MonitoringReadModel()
        nodes[node].feedBatches.removeAll()
        if measuring { metrics.count(.nodeCrash) }
        schedule(.nodeRestart(node: Int32(node)), after: downFor)
    }

    /// A node restarts and rebuilds its read model from the store before following events again.
    mutating func nodeRestarts(_ node: Int) {
        nodes[node].isUp = true
        nodes[node].views = store.readModelSnapshot(at: now)
        nodes[node].viewCursor = viewLog.end
        nodes[node].busyUntil = now
        scheduleRandomCrash(node)
    }

    func isPartitioned(_ node: Int) -> Bool {
        cluster.partitions.contains { partition in
            partition.node == node && now >= Instant.zero + partition.at && now < Instant.zero + partition.at + partition.length
        }
    }

    /// The delay of one message between a client and its node, or nil if the message is lost.
    mutating func clientHop(_ latency: Distribution) -> TimeSpan? {
        if chance(cluster.messageLossProbability, &clusterRandom) { return nil }
        let base = milliseconds(latency, &networkRandom)
        let scaled = TimeSpan(nanoseconds: Int64(Double(base.nanoseconds) * latencyFactor(configuration.contention.latencySpikes)))
        return scaled + reorderDelay()
    }

    /// The delay of one message between a node and the store, or nil if it is lost or the node
    /// is cut off from the store.
    mutating func storeHop(_ node: Int) -> TimeSpan? {
        if isPartitioned(node) || chance(cluster.messageLossProbability, &clusterRandom) { return nil }
        let base = milliseconds(cluster.storeHopMilliseconds, &clusterRandom)
        let scaled = TimeSpan(nanoseconds: Int64(Double(base.nanoseconds) * latencyFactor(cluster.storeLatencySpikes)))
        return scaled + reorderDelay()
    }

    private mutating func reorderDelay() -> TimeSpan {
        guard let reorder = cluster.reorderMilliseconds else { return .zero }
        return milliseconds(reorder, &clusterRandom)
    }

    // MARK: The store, and the deliberately broken variants

    /// Applies a supervisor's lock command at the store, in the store's time, through the gateway: what the store runs
    /// for it (another command before it, or instead of it, under a configured defect), and the answer.
    mutating func executeAtStore(_ command: Command, from node: Int) -> Result<Outcome, MonitoringError> {
        let views = nodes[node].views
        let run = store.run(command, nodeShows: { views.holder(of: $0) }, nodeClock: nodes[node].clock(at: now))
        if let first = run.first { execute(first) }
        return execute(run.command, at: run.at)
    }

    /// With `tellAgentAboutMonitor`, the monitored agent is told of every start (M14).
    func leakedDeliveries(_ events: [EventRecord]) -> [Delivery] {
        guard configuration.defect == .tellAgentAboutMonitor else { return [] }
        return events.indices.compactMap { index in
            guard case .monitoringStarted(_, _, _, let agent) = events[index].event else { return nil }
            return Delivery(recipient: .user(agent), eventIndex: index)
        }
    }

    /// With `keepSessionsWhenOffline`, a supervisor going offline is told to the engine as away.
    func presenceAsApplied(_ user: UserID, _ presence: Presence) -> Presence {
        guard configuration.defect == .keepSessionsWhenOffline, presence == .offline, supervisorIndex(of: user) != nil else {
            return presence
        }
        return .away
    }
}

/// The engine's events that the views show, kept once for every node: each node reads it at its own cursor, and what
/// every node has read is dropped.
struct ViewLog: Sendable {
    private var records = Deque<EventRecord>()
    /// The position of `records.first` in the whole log.
    private var start = 0

    /// The position after the last event.
    var end: Int { start + records.count }

    mutating func append(_ record: EventRecord) { records.append(record) }

    subscript(position: Int) -> EventRecord { records[position - start] }

    /// Drops the events before `position`.
    mutating func drop(before position: Int) {
        let count = min(max(0, position - start), records.count)
        records.removeFirst(count)
        start += count
    }
}
