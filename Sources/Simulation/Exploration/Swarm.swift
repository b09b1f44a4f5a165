/// Swarm testing (Groce et al., 2012): for each explored seed, every fault and contention knob
/// of a scenario is independently kept (as the file sets it) or switched off, drawn from the
/// seed. Different seeds then stress different combinations, which finds more bugs than every
/// fault at once, and the file sets the upper bound of each.
public enum Swarm {
    /// The scenario's configuration for `seed`, with the knobs the seed keeps; also their names.
    public static func configuration(_ base: WorldConfiguration, seed: UInt64) -> (WorldConfiguration, kept: [String]) {
        var random = Xoshiro256StarStar(seed: seed ^ 0x5357_4152_4D00_0000)
        var configuration = base
        configuration.seed = seed
        var kept: [String] = []
        func keep(_ name: String, _ isSet: Bool) -> Bool {
            guard isSet else { return false }
            let keeps = random.nextUnitInterval() < 0.5
            if keeps { kept.append(name) }
            return keeps
        }
        var cluster = configuration.cluster
        if !keep("messageLoss", cluster.messageLossProbability > 0) { cluster.messageLossProbability = 0 }
        if !keep("messageDuplication", cluster.messageDuplicationProbability > 0) { cluster.messageDuplicationProbability = 0 }
        if !keep("reorder", cluster.reorderMilliseconds != nil) { cluster.reorderMilliseconds = nil }
        if !keep("nodeCrashes", !cluster.nodeCrashes.isEmpty) { cluster.nodeCrashes = [] }
        if !keep("randomNodeCrashes", cluster.nodeCrashesPerHour > 0) { cluster.nodeCrashesPerHour = 0 }
        if !keep("partitions", !cluster.partitions.isEmpty) { cluster.partitions = [] }
        if !keep("storeLatencySpikes", !cluster.storeLatencySpikes.isEmpty) { cluster.storeLatencySpikes = [] }
        if !keep("clockSkew", cluster.clockSkewMilliseconds != .constant(0)) { cluster.clockSkewMilliseconds = .constant(0) }
        if !keep("clockDrift", cluster.clockDriftPartsPerMillion != .constant(0)) { cluster.clockDriftPartsPerMillion = .constant(0) }
        configuration.cluster = cluster
        var contention = configuration.contention
        if !keep("stampedes", !contention.stampedes.isEmpty) { contention.stampedes = [] }
        if !keep("duplicateStops", contention.duplicateStopProbability > 0) { contention.duplicateStopProbability = 0 }
        if !keep("lateStops", contention.lateStopProbability > 0) { contention.lateStopProbability = 0 }
        if !keep("stopAtConversationEnd", contention.stopAtConversationEndProbability > 0) { contention.stopAtConversationEndProbability = 0 }
        if !keep("stopAtTransfer", contention.stopAtTransferProbability > 0) { contention.stopAtTransferProbability = 0 }
        if !keep("presenceFlaps", contention.presenceFlapAroundStartProbability > 0) { contention.presenceFlapAroundStartProbability = 0 }
        if !keep("latencySpikes", !contention.latencySpikes.isEmpty) { contention.latencySpikes = [] }
        configuration.contention = contention
        for index in configuration.supervisorGroups.indices {
            let group = configuration.supervisorGroups[index]
            if !keep("vanishing(\(group.name))", group.vanishProbability > 0) { configuration.supervisorGroups[index].vanishProbability = 0 }
            if !keep("presenceChanges(\(group.name))", group.presenceChangeInterval != nil) {
                configuration.supervisorGroups[index].presenceChangeInterval = nil
            }
        }
        return (configuration, kept)
    }
}
