import DequeModule
import MonitoringEngine

/// The cluster: the engine nodes, each with its read model fed late and its own clock; the network between the
/// clients, the nodes and the store, with its losses, delays, spikes and partitions; and the store, which holds the
/// engine. Its behaviours (crashes and restarts, the feeds of the read models) are in `World+Cluster.swift` and
/// `World.swift`.
struct SimulatedCluster: Sendable {
    let settings: ClusterSettings
    var store: SimulatedStore
    var nodes: [NodeRuntime] = []
    /// The events the nodes' read models apply, kept once for all of them.
    var viewLog = ViewLog()
    /// Draws for the delays of the clients' links and of the read models' feeds.
    var networkRandom: Xoshiro256StarStar
    /// Draws for the cluster's faults, its store hops and its nodes' clocks and service times.
    var clusterRandom: Xoshiro256StarStar

    init(settings: ClusterSettings, store: SimulatedStore, networkRandom: Xoshiro256StarStar, clusterRandom: Xoshiro256StarStar) {
        self.settings = settings
        self.store = store
        self.networkRandom = networkRandom
        self.clusterRandom = clusterRandom
    }

    /// Starts the nodes (at least one), each with a clock ahead or behind by a drawn amount, running fast or slow.
    mutating func setUpNodes() {
        for _ in 0..<max(1, settings.nodes) {
            var node = NodeRuntime()
            node.busyUntil = Array(repeating: .zero, count: max(1, settings.nodeWorkers))
            let skew = milliseconds(settings.clockSkewMilliseconds, &clusterRandom)
            node.clockSkew = chance(0.5, &clusterRandom) ? skew : TimeSpan(nanoseconds: -skew.nanoseconds)
            let drift = max(0, settings.clockDriftPartsPerMillion.sample(using: &clusterRandom))
            node.clockDriftPartsPerMillion = chance(0.5, &clusterRandom) ? drift : -drift
            nodes.append(node)
        }
    }

    /// A node crashes, losing its read model and the answers to requests it took (its epoch moves on); false if
    /// it was down already.
    mutating func crash(_ node: Int) -> Bool {
        guard nodes[node].isUp else { return false }
        nodes[node].isUp = false
        nodes[node].epoch &+= 1
        nodes[node].views = MonitoringReadModel()
        nodes[node].feedBatches.removeAll()
        return true
    }

    /// A node restarts: it rebuilds its read model from the store and follows the log from its end.
    mutating func restart(_ node: Int, at now: Instant) {
        nodes[node].isUp = true
        nodes[node].views = store.readModelSnapshot(at: now)
        nodes[node].viewCursor = viewLog.end
        nodes[node].busyUntil = Array(repeating: now, count: nodes[node].busyUntil.count)
    }

    func isPartitioned(_ node: Int, at now: Instant) -> Bool {
        settings.partitions.contains { partition in
            partition.node == node && now >= Instant.zero + partition.at && now < Instant.zero + partition.at + partition.length
        }
            || settings.storeRestarts.contains { restart in
                now >= Instant.zero + restart.at && now < Instant.zero + restart.at + restart.downFor
            }
    }

    /// The delay of one message between a client and its node, or nil if the message is lost; `spikes` are the
    /// network's latency spikes.
    mutating func clientHop(_ latency: Distribution, at now: Instant, spikes: [LatencySpike]) -> TimeSpan? {
        if chance(settings.messageLossProbability, &clusterRandom) { return nil }
        let base = milliseconds(latency, &networkRandom)
        let scaled = TimeSpan(nanoseconds: Int64(Double(base.nanoseconds) * latencyFactor(spikes, at: now)))
        return scaled + reorderDelay()
    }

    /// The delay of one message between a node and the store, or nil if it is lost or the node
    /// is cut off from the store.
    mutating func storeHop(_ node: Int, at now: Instant) -> TimeSpan? {
        if isPartitioned(node, at: now) || chance(settings.messageLossProbability, &clusterRandom) { return nil }
        let base = milliseconds(settings.storeHopMilliseconds, &clusterRandom)
        let scaled = TimeSpan(nanoseconds: Int64(Double(base.nanoseconds) * latencyFactor(settings.storeLatencySpikes, at: now)))
        return scaled + reorderDelay()
    }

    private mutating func reorderDelay() -> TimeSpan {
        guard let reorder = settings.reorderMilliseconds else { return .zero }
        return milliseconds(reorder, &clusterRandom)
    }
}

/// How many times slower the spikes under way at `now` make a hop.
func latencyFactor(_ spikes: [LatencySpike], at now: Instant) -> Double {
    var factor = 1.0
    for spike in spikes where now >= Instant.zero + spike.at && now < Instant.zero + spike.at + spike.length {
        factor *= spike.factor
    }
    return factor
}

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
    /// When each of the node's workers finishes the requests it has taken so far (with `nodeService`).
    var busyUntil = [Instant.zero]
    var clockSkew: TimeSpan = .zero
    var clockDriftPartsPerMillion = 0.0

    /// The node's own clock reading when the true (store) time is `now`.
    func clock(at now: Instant) -> Instant {
        now + clockSkew + TimeSpan(nanoseconds: Int64(Double(now.nanoseconds) * clockDriftPartsPerMillion / 1e6))
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
