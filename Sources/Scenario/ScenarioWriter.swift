import MonitoringEngine
import Simulation

/// Writes a configuration as a scenario file that `ScenarioLoader` reads back to the same
/// value: used to save a shrunk failing scenario. Numbers are written exactly (shortest form
/// that round-trips), times in the field's unit.
public enum ScenarioWriter {
    /// The file, after `header` as comments. Every line of the header is commented, including the later lines of a
    /// multi-line entry (a failure report): one left bare would be read as YAML and break the file.
    public static func yaml(_ world: WorldConfiguration, header: [String] = []) -> String {
        var lines = header.flatMap { $0.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) }.map { $0.isEmpty ? "#" : "# " + $0 }
        lines += [
            "name: \(quoted(world.name))", "seed: \(world.seed)", "duration: \(span(world.duration))",
            "warmUp: \(span(world.warmUp))", "reportingInterval: \(span(world.reportingInterval))",
            "serviceLevelThreshold: \(span(world.serviceLevelThreshold))", "shortAbandonThreshold: \(span(world.shortAbandonThreshold))",
            "engine: {leaseDuration: \(span(world.engine.leaseDuration)), renewalInterval: \(span(world.engine.renewalInterval)), checkInvariants: \(world.engine.checkInvariants)"
                + (world.engine.thoroughCheckEvery == 0 ? "" : ", thoroughCheckEvery: \(world.engine.thoroughCheckEvery)") + "}",
            "queues:",
        ]
        lines += world.queues.map { "  - {name: \(quoted($0.name)), wrapUpCodes: [\($0.wrapUpCodes.map(quoted).joined(separator: ", "))]}" }
        lines.append(world.channels.isEmpty ? "channels: []" : "channels:")
        lines += world.channels.map(channel)
        lines.append(world.agentGroups.isEmpty ? "agentGroups: []" : "agentGroups:")
        lines += world.agentGroups.map(agentGroup)
        lines.append(world.supervisorGroups.isEmpty ? "supervisorGroups: []" : "supervisorGroups:")
        lines += world.supervisorGroups.map(supervisorGroup)
        lines += network(world.network) + contention(world.contention) + cluster(world.cluster)
        let limits = world.limits
        lines.append(
            "limits: {maximumEvents: \(limits.maximumEvents), maximumPendingEvents: \(limits.maximumPendingEvents), maximumHistoryOperations: \(limits.maximumHistoryOperations)}"
        )
        return lines.joined(separator: "\n") + "\n"
    }

    // MARK: Sections

    private static func channel(_ channel: ChannelSettings) -> String {
        var fields = ["kind: \(channel.kind.rawValue)"]
        if !channel.platforms.isEmpty {
            fields.append("platforms: {" + channel.platforms.map { "\($0.platform.rawValue): \(number($0.weight))" }.joined(separator: ", ") + "}")
        }
        fields += [
            "queue: \(quoted(channel.queue))", "ratesPerHour: [\(channel.ratesPerHour.map(number).joined(separator: ", "))]",
            "profileInterval: \(span(channel.profileInterval))", "patience: \(optional(channel.patience))",
            "customerMessages: \(distribution(channel.customerMessages))", "customerReplyTime: \(distribution(channel.customerReplyTime))",
            "handleTime: \(optional(channel.handleTime))",
        ]
        return "  - {" + fields.joined(separator: ", ") + "}"
    }

    private static func agentGroup(_ group: AgentGroup) -> String {
        let fields = [
            "name: \(quoted(group.name))", "count: \(group.count)", "queues: [\(group.queues.map(quoted).joined(separator: ", "))]",
            "channels: [\(group.channels.map(\.rawValue).joined(separator: ", "))]", "capacity: \(group.capacity)",
            "replyTime: \(distribution(group.replyTime))", "wrapUpTime: \(distribution(group.wrapUpTime))",
            "transferProbability: \(number(group.transferProbability))", "conferenceProbability: \(number(group.conferenceProbability))",
            "conferenceTime: \(distribution(group.conferenceTime))", "breakInterval: \(optional(group.breakInterval))",
            "breakLength: \(optional(group.breakLength))", "shiftStart: \(span(group.shiftStart))",
            "shiftLength: \(group.shiftLength.map(span) ?? "null")",
        ]
        return "  - {" + fields.joined(separator: ", ") + "}"
    }

    private static func supervisorGroup(_ group: SupervisorGroup) -> String {
        let permissions =
            group.permissions == .supervisorRole
            ? "supervisorRole" : "[" + group.permissions.permissions.map { quoted($0.rawValue) }.joined(separator: ", ") + "]"
        let policy: String =
            switch group.policy {
            case .random: "random"
            case .longest: "longest"
            case .queue(let name): "{queue: \(quoted(name))}"
            case .agentGroup(let name): "{agentGroup: \(quoted(name))}"
            }
        let fields = [
            "name: \(quoted(group.name))", "count: \(group.count)", "licence: \(group.licence.rawValue)", "permissions: \(permissions)",
            "thinkTime: \(distribution(group.thinkTime))", "queueActivityShare: \(number(group.queueActivityShare))",
            "policy: \(policy)", "followsButtons: \(group.followsButtons)", "holdTime: \(distribution(group.holdTime))",
            "stopFromInteractionShare: \(number(group.stopFromInteractionShare))", "vanishProbability: \(number(group.vanishProbability))",
            "presenceChangeInterval: \(optional(group.presenceChangeInterval))",
            "presenceChangeLength: \(distribution(group.presenceChangeLength))",
            "presenceChangeTo: [\(group.presenceChangeTo.map(\.rawValue).joined(separator: ", "))]",
        ]
        return "  - {" + fields.joined(separator: ", ") + "}"
    }

    private static func network(_ network: NetworkSettings) -> [String] {
        func link(_ link: LinkSettings) -> String {
            "{up: \(distribution(link.upMilliseconds)), down: \(distribution(link.downMilliseconds)), timeout: \(span(link.timeout)), retries: \(link.retries)}"
        }
        // Written only when not the default, so that files written before the key existed are written the same.
        let answers = network.clientAnswers == .atOnce ? [] : ["  clientAnswers: \(network.clientAnswers.rawValue)"]
        return [
            "network:", "  supervisor: \(link(network.supervisor))", "  agent: \(link(network.agent))",
            "  customer: \(link(network.customer))", "  viewDelay: \(distribution(network.viewDelayMilliseconds))",
        ] + answers
    }

    private static func contention(_ contention: ContentionSettings) -> [String] {
        let stampedes = contention.stampedes.map { stampede in
            "{at: \(span(stampede.at))" + (stampede.every.map { ", every: \(span($0))" } ?? "")
                + ", supervisors: \(stampede.supervisors), window: \(span(stampede.window))}"
        }
        return [
            "contention:", "  stampedes: [\(stampedes.joined(separator: ", "))]",
            "  duplicateStopProbability: \(number(contention.duplicateStopProbability))",
            "  lateStopProbability: \(number(contention.lateStopProbability))",
            "  lateStopDelay: \(distribution(contention.lateStopDelaySeconds))",
            "  stopAtConversationEndProbability: \(number(contention.stopAtConversationEndProbability))",
            "  stopAtTransferProbability: \(number(contention.stopAtTransferProbability))",
            "  presenceFlapAroundStartProbability: \(number(contention.presenceFlapAroundStartProbability))",
            "  latencySpikes: [\(contention.latencySpikes.map(spike).joined(separator: ", "))]",
        ]
    }

    private static func cluster(_ cluster: ClusterSettings) -> [String] {
        // Store restarts are written only when there are some, so that the files written before the key existed are
        // written byte for byte as before.
        let restarts =
            cluster.storeRestarts.isEmpty
            ? []
            : ["  storeRestarts: [\(cluster.storeRestarts.map { "{at: \(span($0.at)), downFor: \(span($0.downFor))}" }.joined(separator: ", "))]"]
        // Likewise the node's workers, only when there are several.
        let workers = cluster.nodeWorkers == 1 ? [] : ["  nodeWorkers: \(cluster.nodeWorkers)"]
        return [
            "cluster:", "  nodes: \(cluster.nodes)", "  storeHop: \(distribution(cluster.storeHopMilliseconds))",
            "  nodeService: \(optional(cluster.nodeServiceMilliseconds))",
        ] + workers + [
            "  messageLossProbability: \(number(cluster.messageLossProbability))",
            "  messageDuplicationProbability: \(number(cluster.messageDuplicationProbability))",
            "  reorder: \(optional(cluster.reorderMilliseconds))",
            "  nodeCrashes: [\(cluster.nodeCrashes.map { "{at: \(span($0.at)), node: \($0.node), downFor: \(span($0.downFor))}" }.joined(separator: ", "))]",
            "  nodeCrashesPerHour: \(number(cluster.nodeCrashesPerHour))",
            "  crashDowntime: \(distribution(cluster.crashDowntimeSeconds))",
            "  partitions: [\(cluster.partitions.map { "{at: \(span($0.at)), length: \(span($0.length)), node: \($0.node)}" }.joined(separator: ", "))]",
        ] + restarts + [
            "  storeLatencySpikes: [\(cluster.storeLatencySpikes.map(spike).joined(separator: ", "))]",
            "  clockSkew: \(distribution(cluster.clockSkewMilliseconds))",
            "  clockDrift: \(distribution(cluster.clockDriftPartsPerMillion))",
        ]
    }

    // MARK: Values

    private static func spike(_ spike: LatencySpike) -> String {
        "{at: \(span(spike.at)), length: \(span(spike.length)), factor: \(number(spike.factor))}"
    }

    /// A distribution with plain numbers, which the reader takes in the field's own unit.
    static func distribution(_ distribution: Distribution) -> String {
        switch distribution {
        case .constant(let value): "{constant: \(number(value))}"
        case .uniform(let minimum, let maximum): "{uniform: {minimum: \(number(minimum)), maximum: \(number(maximum))}}"
        case .exponential(let mean): "{exponential: {mean: \(number(mean))}}"
        case .normal(let mean, let deviation): "{normal: {mean: \(number(mean)), standardDeviation: \(number(deviation))}}"
        case .lognormal(let mu, let sigma): "{lognormal: {mu: \(number(mu)), sigma: \(number(sigma))}}"
        case .gamma(let shape, let scale): "{gamma: {shape: \(number(shape)), scale: \(number(scale))}}"
        case .erlang(let phases, let mean): "{erlang: {phases: \(phases), mean: \(number(mean))}}"
        case .weightedDiscrete(let values):
            "{weightedDiscrete: [" + values.map { "{value: \(number($0.value)), weight: \(number($0.weight))}" }.joined(separator: ", ") + "]}"
        case .empirical(let values): "{empirical: [" + values.map(number).joined(separator: ", ") + "]}"
        }
    }

    private static func optional(_ distribution: Distribution?) -> String { distribution.map(Self.distribution) ?? "null" }

    private static func span(_ span: TimeSpan) -> String {
        span.nanoseconds % 1_000_000 == 0 ? ScalarSyntax.format(span) : ScalarSyntax.format(Double(span.nanoseconds) / 1e9) + "s"
    }

    private static func number(_ value: Double) -> String { ScalarSyntax.format(value) }

    /// Double-quoted, as YAML reads JSON strings.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
