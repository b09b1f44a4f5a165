import Foundation
import MonitoringEngine
import Simulation

/// A scenario's world in a few sentences, for the top of a report.
enum ScenarioDescription {
    static func describe(_ world: WorldConfiguration) -> String {
        var sentences: [String] = []
        let warmUp = world.warmUp > .zero ? ", the first \(duration(world.warmUp)) of them warm-up" : ""
        sentences.append(
            "**\(world.name)** simulates \(duration(world.duration))\(warmUp), reported in intervals of \(duration(world.reportingInterval)).")
        let channels = world.channels.map { channel in
            let rates = channel.ratesPerHour
            let rate =
                rates.min() == rates.max()
                ? Figures.number(rates.first ?? 0) : "\(Figures.number(rates.min() ?? 0))–\(Figures.number(rates.max() ?? 0))"
            return "\(name(of: channel.kind)) at \(rate) customers an hour into \(channel.queue)"
        }
        sentences.append("Customers arrive on \(list(channels)).")
        let agents = world.agentGroups.reduce(0) { $0 + $1.count }
        let groups = world.agentGroups.map { "\($0.count) in \($0.name) (up to \($0.capacity) conversations each)" }
        sentences.append("\(agents) agents answer them: \(list(groups)).")
        let supervisors = world.supervisorGroups.reduce(0) { $0 + $1.count }
        let supervisorGroups = world.supervisorGroups.map { group in
            "\(group.count) in \(group.name) (licence \(group.licence.rawValue)\(group.followsButtons ? "" : ", using deep links"))"
        }
        sentences.append("\(supervisors) supervisors monitor conversations, one supervisor per conversation at a time: \(list(supervisorGroups)).")
        let cluster = world.cluster
        if cluster.nodes > 1 || cluster.nodeCrashesPerHour > 0 || !cluster.nodeCrashes.isEmpty || !cluster.partitions.isEmpty
            || cluster.messageLossProbability > 0
        {
            var faults: [String] = []
            if cluster.nodeCrashesPerHour > 0 || !cluster.nodeCrashes.isEmpty { faults.append("node crashes") }
            if !cluster.partitions.isEmpty { faults.append("partitions") }
            if cluster.messageLossProbability > 0 { faults.append("message loss") }
            if !cluster.storeLatencySpikes.isEmpty { faults.append("store latency spikes") }
            sentences.append(
                "Supervisors' requests go through \(cluster.nodes) engine node\(cluster.nodes == 1 ? "" : "s") to one transactional store"
                    + (faults.isEmpty ? "." : ", with \(list(faults))."))
        }
        let contention = world.contention
        var injected: [String] = []
        if !contention.stampedes.isEmpty { injected.append("\(contention.stampedes.count) stampede\(contention.stampedes.count == 1 ? "" : "s")") }
        if contention.stopAtConversationEndProbability > 0 { injected.append("stop-versus-end races") }
        if contention.stopAtTransferProbability > 0 { injected.append("stop-versus-transfer races") }
        if contention.presenceFlapAroundStartProbability > 0 { injected.append("presence flaps") }
        if contention.duplicateStopProbability > 0 || contention.lateStopProbability > 0 { injected.append("duplicate and late stops") }
        if !injected.isEmpty { sentences.append("Contention is injected: \(list(injected)).") }
        let shortAbandons =
            world.shortAbandonThreshold > .zero
            ? " less those who gave up within \(duration(world.shortAbandonThreshold))" : ""
        sentences.append(
            "Service level is the share of every customer offered after warm-up\(shortAbandons) answered within "
                + "\(duration(world.serviceLevelThreshold)); P(wait) and abandonment are shares of every offered customer too.")
        return sentences.joined(separator: " ")
    }

    static func name(of kind: ChannelKind) -> String {
        switch kind {
        case .webMessaging: "web messaging"
        case .messaging: "third-party messaging"
        case .sms: "SMS"
        case .voice: "voice"
        case .email: "email"
        }
    }

    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: "nothing"
        case 1: items[0]
        default: items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    /// `8 h`, `30 min`, `45 s`.
    static func duration(_ span: TimeSpan) -> String {
        let seconds = span.seconds
        if seconds >= 3_600, seconds.truncatingRemainder(dividingBy: 3_600) == 0 { return "\(Int(seconds / 3_600)) h" }
        if seconds >= 60, seconds.truncatingRemainder(dividingBy: 60) == 0 { return "\(Int(seconds / 60)) min" }
        return "\(Figures.number(seconds)) s"
    }
}
