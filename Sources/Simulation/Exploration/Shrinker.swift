import MonitoringEngine

/// Reduces a failing scenario while it still fails at the same seed, on the same rule, in no
/// more events: a shorter run, fewer supervisors, agents and customers, fewer nodes and faults.
/// Greedy: each reduction that keeps the failure is kept, until none does or the attempt budget
/// is spent. A reduction that fails on another rule is not kept: the reduced file must show the
/// bug that was found, not another one met on the way.
public enum Shrinker {
    public struct Outcome: Sendable {
        public var configuration: WorldConfiguration
        public var verdict: SeedVerdict
        public var attempts: Int
        /// What was reduced, in order.
        public var steps: [String]
    }

    /// Shrinks `configuration` (swarm already applied) that fails at `seed`.
    public static func shrink(_ configuration: WorldConfiguration, seed: UInt64, failing verdict: SeedVerdict, maximumAttempts: Int = 80) -> Outcome {
        var current = configuration
        var currentVerdict = verdict
        var attempts = 0
        var steps: [String] = []
        var progress = true
        while progress && attempts < maximumAttempts {
            progress = false
            for (name, candidate) in reductions(of: current) where attempts < maximumAttempts {
                attempts += 1
                let trial = Explorer.run(candidate, seed: seed, swarm: false)
                if !trial.passed && trial.rule == currentVerdict.rule && trial.events <= currentVerdict.events {
                    current = candidate
                    currentVerdict = trial
                    steps.append(name)
                    progress = true
                    break
                }
            }
        }
        return Outcome(configuration: current, verdict: currentVerdict, attempts: attempts, steps: steps)
    }

    /// Smaller variants of a configuration, most reducing first.
    static func reductions(of world: WorldConfiguration) -> [(String, WorldConfiguration)] {
        var candidates: [(String, WorldConfiguration)] = []
        func add(_ name: String, _ change: (inout WorldConfiguration) -> Void) {
            var candidate = world
            change(&candidate)
            if candidate != world { candidates.append((name, candidate)) }
        }
        if world.duration > .seconds(120) {
            add("duration halved") {
                $0.duration = TimeSpan(nanoseconds: $0.duration.nanoseconds / 2)
                $0.warmUp = .zero
            }
        }
        for index in world.supervisorGroups.indices where world.supervisorGroups[index].count > 1 {
            add("supervisors of \(world.supervisorGroups[index].name) halved") { $0.supervisorGroups[index].count /= 2 }
        }
        for index in world.agentGroups.indices where world.agentGroups[index].count > 1 {
            add("agents of \(world.agentGroups[index].name) halved") { $0.agentGroups[index].count /= 2 }
        }
        for index in world.channels.indices {
            add("arrivals on channel \(index) halved") { $0.channels[index].ratesPerHour = $0.channels[index].ratesPerHour.map { $0 / 2 } }
        }
        if world.cluster.nodes > 1 {
            add("one node fewer") { world in
                world.cluster.nodes -= 1
                world.cluster.nodeCrashes.removeAll { $0.node >= world.cluster.nodes }
                world.cluster.partitions.removeAll { $0.node >= world.cluster.nodes }
            }
        }
        add("no message loss") { $0.cluster.messageLossProbability = 0 }
        add("no duplication") { $0.cluster.messageDuplicationProbability = 0 }
        add("no reordering") { $0.cluster.reorderMilliseconds = nil }
        add("no scripted crashes") { $0.cluster.nodeCrashes = [] }
        add("no random crashes") { $0.cluster.nodeCrashesPerHour = 0 }
        add("no partitions") { $0.cluster.partitions = [] }
        add("no store latency spikes") { $0.cluster.storeLatencySpikes = [] }
        add("no clock drift") { $0.cluster.clockDriftPartsPerMillion = .constant(0) }
        add("no stampedes") { $0.contention.stampedes = [] }
        add("no duplicate stops") { $0.contention.duplicateStopProbability = 0 }
        add("no late stops") { $0.contention.lateStopProbability = 0 }
        add("no stops at conversation end") { $0.contention.stopAtConversationEndProbability = 0 }
        add("no stops at transfer") { $0.contention.stopAtTransferProbability = 0 }
        add("no presence flaps") { $0.contention.presenceFlapAroundStartProbability = 0 }
        add("no latency spikes") { $0.contention.latencySpikes = [] }
        for index in world.supervisorGroups.indices {
            add("no vanishing in \(world.supervisorGroups[index].name)") { $0.supervisorGroups[index].vanishProbability = 0 }
            add("no presence changes in \(world.supervisorGroups[index].name)") { $0.supervisorGroups[index].presenceChangeInterval = nil }
        }
        return candidates
    }
}
