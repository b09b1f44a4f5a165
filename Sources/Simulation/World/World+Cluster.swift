import MonitoringEngine

extension World {
    mutating func setUpCluster() {
        cluster.setUpNodes()
        for crash in cluster.settings.nodeCrashes where crash.node >= 0 && crash.node < cluster.nodes.count {
            schedule(.nodeCrash(node: Int32(crash.node), downForNanoseconds: crash.downFor.nanoseconds), at: Instant.zero + crash.at)
        }
        for node in cluster.nodes.indices { scheduleRandomCrash(node) }
    }

    private mutating func scheduleRandomCrash(_ node: Int) {
        guard cluster.settings.nodeCrashesPerHour > 0 else { return }
        let gap = Distribution.exponential(mean: 3_600 / cluster.settings.nodeCrashesPerHour)
        let downFor = seconds(cluster.settings.crashDowntimeSeconds, &cluster.clusterRandom)
        schedule(.nodeCrash(node: Int32(node), downForNanoseconds: downFor.nanoseconds), after: seconds(gap, &cluster.clusterRandom))
    }

    /// A node crashes: its in-flight requests and its read model are lost until it restarts.
    mutating func nodeCrashes(_ node: Int, downFor: TimeSpan) {
        guard cluster.crash(node) else { return }
        if measuring { measurement.metrics.count(.nodeCrash) }
        schedule(.nodeRestart(node: Int32(node)), after: downFor)
    }

    /// A node restarts and rebuilds its read model from the store before following events again.
    mutating func nodeRestarts(_ node: Int) {
        cluster.restart(node, at: now)
        scheduleRandomCrash(node)
    }

    // MARK: The store, and the deliberately broken variants

    /// Applies a supervisor's lock command at the store, in the store's time, through the gateway: what the store runs
    /// for it (another command before it, or instead of it, under a configured defect), and the answer.
    mutating func executeAtStore(_ command: Command, from node: Int) -> Result<Outcome, MonitoringError> {
        // A correct store runs the command as it is: no read model to consult, no node clock to read.
        guard cluster.store.defect != nil else { return execute(command) }
        let views = cluster.nodes[node].views
        let run = cluster.store.run(command, nodeShows: { views.holder(of: $0) }, nodeClock: cluster.nodes[node].clock(at: now))
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
