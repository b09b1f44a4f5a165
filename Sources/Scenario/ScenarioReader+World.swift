import MonitoringEngine
import Simulation

/// The keys of each mapping of a scenario file, named as the properties of the configuration they fill.
enum ScenarioKeys {
    static let scenario = [
        "name", "seed", "duration", "warmUp", "reportingInterval", "serviceLevelThreshold", "shortAbandonThreshold", "engine", "queues", "channels",
        "agentGroups", "supervisorGroups", "network", "contention", "cluster", "limits", "expect", "sweep",
    ]
    static let scenarioRequired = ["name", "duration", "queues", "channels", "agentGroups", "supervisorGroups"]
    static let engine = ["leaseDuration", "renewalInterval", "checkInvariants", "thoroughCheckEvery"]
    static let queue = ["name", "wrapUpCodes"]
    static let channel = [
        "kind", "platforms", "queue", "ratesPerHour", "profileInterval", "patience", "customerMessages", "customerReplyTime",
        "handleTime",
    ]
    static let agentGroup = [
        "name", "count", "queues", "channels", "capacity", "replyTime", "wrapUpTime", "transferProbability",
        "conferenceProbability", "conferenceTime", "breakInterval", "breakLength", "shiftStart", "shiftLength",
    ]
    static let supervisorGroup = [
        "name", "count", "licence", "permissions", "thinkTime", "queueActivityShare", "policy", "followsButtons", "holdTime",
        "stopFromInteractionShare", "vanishProbability", "presenceChangeInterval", "presenceChangeLength", "presenceChangeTo",
    ]
    static let network = ["supervisor", "agent", "customer", "viewDelay", "clientAnswers"]
    static let link = ["up", "down", "timeout", "retries"]
    static let contention = [
        "stampedes", "duplicateStopProbability", "lateStopProbability", "lateStopDelay", "stopAtConversationEndProbability",
        "stopAtTransferProbability", "presenceFlapAroundStartProbability", "latencySpikes",
    ]
    static let stampede = ["at", "every", "supervisors", "window"]
    static let cluster = [
        "nodes", "storeHop", "nodeService", "nodeWorkers", "messageLossProbability", "messageDuplicationProbability", "reorder", "nodeCrashes",
        "nodeCrashesPerHour", "crashDowntime", "partitions", "storeRestarts", "storeLatencySpikes", "clockSkew", "clockDrift",
    ]
    static let nodeCrash = ["at", "node", "downFor"]
    static let partition = ["at", "length", "node"]
    static let storeRestart = ["at", "downFor"]
    static let latencySpike = ["at", "length", "factor"]
    static let limits = ["maximumEvents", "maximumPendingEvents", "maximumHistoryOperations"]
}

extension ScenarioReader {
    /// The world a scenario file describes and what its run must show; nil when the top level is not a mapping.
    func scenario(_ root: YAMLNode) -> (WorldConfiguration, [Expectation])? {
        guard let fields = fields(of: root, at: "", keys: ScenarioKeys.scenario, required: ScenarioKeys.scenarioRequired) else {
            return nil
        }
        var world = WorldConfiguration(name: "", duration: .seconds(1), queues: [], channels: [], agentGroups: [], supervisorGroups: [])
        read(fields, "name", into: &world.name, fileName)
        read(fields, "seed", into: &world.seed, seed)
        let duration = fields["duration"].flatMap { positiveTimeSpan($0, "duration") }
        world.duration = duration ?? world.duration
        read(fields, "warmUp", into: &world.warmUp, timeSpan)
        if let node = fields["warmUp"], let duration, world.warmUp >= duration {
            report("warmUp must be shorter than duration (\(ScalarSyntax.format(duration))), found \(Self.found(node))", at: node)
        }
        read(fields, "reportingInterval", into: &world.reportingInterval, positiveTimeSpan)
        // Each reporting interval keeps a row of figures for the whole run: their number is bounded, not just
        // the duration, so that `duration: 100000h` with `reportingInterval: 1ms` is refused rather than run.
        if let duration, let node = fields["reportingInterval"] ?? fields["duration"],
            duration.nanoseconds / max(world.reportingInterval.nanoseconds, 1) > Limits.reportingIntervals
        {
            report(
                "duration \(ScalarSyntax.format(duration)) in reporting intervals of \(ScalarSyntax.format(world.reportingInterval)) makes more than \(Limits.reportingIntervals) intervals; make reportingInterval longer",
                at: node)
        }
        read(fields, "serviceLevelThreshold", into: &world.serviceLevelThreshold, positiveTimeSpan)
        read(fields, "shortAbandonThreshold", into: &world.shortAbandonThreshold, timeSpan)
        read(fields, "engine", into: &world.engine, engine)

        let queueNames = declaredNames(fields["queues"], "queues", of: "queue")
        let agentGroupNames = declaredNames(fields["agentGroups"], "agentGroups", of: "agent group")
        _ = declaredNames(fields["supervisorGroups"], "supervisorGroups", of: "supervisor group")
        read(fields, "queues", into: &world.queues) { node, path in
            if case .sequence(let sequence) = node, sequence.isEmpty {
                report("expected at least one queue, found an empty list", at: node)
            }
            return items(node, path, of: "queues", queue)
        }
        read(fields, "channels", into: &world.channels) { node, path in
            items(node, path, of: "channels") { channel($0, $1, queueNames: queueNames) }
        }
        read(fields, "agentGroups", into: &world.agentGroups) { node, path in
            items(node, path, of: "agent groups") { agentGroup($0, $1, queueNames: queueNames) }
        }
        read(fields, "supervisorGroups", into: &world.supervisorGroups) { node, path in
            items(node, path, of: "supervisor groups") {
                supervisorGroup($0, $1, queueNames: queueNames, agentGroupNames: agentGroupNames)
            }
        }
        checkTotal(fields["agentGroups"], "agentGroups", of: "agents", maximum: Limits.agents)
        checkTotal(fields["supervisorGroups"], "supervisorGroups", of: "supervisors", maximum: Limits.supervisors)
        read(fields, "network", into: &world.network, network)
        read(fields, "contention", into: &world.contention) { contention($0, $1, duration: duration) }
        read(fields, "cluster", into: &world.cluster) { cluster($0, $1, duration: duration) }
        read(fields, "limits", into: &world.limits, limits)
        let expected = fields["expect"].flatMap { expectations($0, "expect") } ?? []
        return (world, expected)
    }

    // MARK: Lists and names

    /// The decoded items of a list; the items that could not be decoded are left out (and reported).
    func items<Item>(_ node: YAMLNode, _ path: String, of what: String, _ decode: (YAMLNode, String) -> Item?) -> [Item]? {
        guard let nodes = list(node, at: path, of: what) else { return nil }
        return nodes.enumerated().compactMap { decode($0.element, "\(path)[\($0.offset)]") }
    }

    /// The names a list declares, as written, whatever else is wrong with its items, so that references to
    /// them are checked even then; reports a name declared twice. Nil when the list is absent or not a list.
    func declaredNames(_ node: YAMLNode?, _ path: String, of what: String) -> [String]? {
        guard case .sequence(let items)? = node else { return nil }
        var first: [String: YAMLNode] = [:]
        var names: [String] = []
        for item in items {
            let nameNode: YAMLNode? =
                switch item {
                case .scalar: item
                case .mapping(let mapping): mapping["name"]
                case .sequence, .alias: nil
                }
            guard let nameNode, case .scalar(let scalar) = nameNode, !Self.isNull(nameNode) else { continue }
            if let earlier = first[scalar.string] {
                let position = location(of: earlier)
                report(
                    "duplicate \(what) name \(String(reflecting: scalar.string)); it is first declared at \(position.line):\(position.column)",
                    at: nameNode)
            } else {
                first[scalar.string] = nameNode
                names.append(scalar.string)
            }
        }
        return names
    }

    /// Reports the `count` at which the groups of a list together pass `maximum`: each group is bounded, and so
    /// is their sum, or a file of thousands of groups could still ask for billions of people.
    func checkTotal(_ node: YAMLNode?, _ path: String, of what: String, maximum: Int) {
        guard case .sequence(let items)? = node else { return }
        var total = 0
        for (index, item) in items.enumerated() {
            guard case .mapping(let mapping) = item, let count = mapping["count"], let text = count.scalar?.string,
                let value = ScalarSyntax.integer(text), value > 0
            else { continue }
            total += min(value, maximum + 1)
            if total > maximum {
                report("\(path)[\(index)].count brings the \(what) of all groups past \(maximum), the most a scenario may have", at: count)
                return
            }
        }
    }

    /// A name that must be one of `names`; any name is accepted when `names` is unknown (nil).
    func reference(_ node: YAMLNode, _ path: String, to names: [String]?, _ what: String) -> String? {
        guard let value = name(node, path) else { return nil }
        if let names, !names.contains(value) {
            let known = names.isEmpty ? "there are none" : "expected one of: " + names.joined(separator: ", ")
            report("unknown \(what) \(String(reflecting: value)) in \(path); \(known)", at: node)
            return nil
        }
        return value
    }

    /// A list of names that must each be one of `names`, with at least one.
    func references(_ node: YAMLNode, _ path: String, to names: [String]?, _ what: String) -> [String]? {
        guard let items = list(node, at: path, of: what + " names") else { return nil }
        guard !items.isEmpty else {
            report("expected at least one \(what) in \(path), found an empty list", at: node)
            return nil
        }
        let values = items.enumerated().compactMap { reference($0.element, "\(path)[\($0.offset)]", to: names, what) }
        return values.count == items.count ? values : nil
    }

    // MARK: Sections

    func engine(_ node: YAMLNode, _ path: String) -> EngineSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.engine) else { return nil }
        var engine = EngineSettings()
        read(fields, "leaseDuration", into: &engine.leaseDuration, positiveTimeSpan)
        read(fields, "renewalInterval", into: &engine.renewalInterval, positiveTimeSpan)
        read(fields, "checkInvariants", into: &engine.checkInvariants, bool)
        read(fields, "thoroughCheckEvery", into: &engine.thoroughCheckEvery) { integer($0, $1, minimum: 0) }
        return engine
    }

    /// A queue: `{name, wrapUpCodes}`, or just its name.
    func queue(_ node: YAMLNode, _ path: String) -> QueueSettings? {
        if case .scalar = node {
            return name(node, path).map { QueueSettings(name: $0) }
        }
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.queue, required: ["name"]) else { return nil }
        var queue = QueueSettings(name: "")
        read(fields, "name", into: &queue.name, name)
        read(fields, "wrapUpCodes", into: &queue.wrapUpCodes) { node, path in
            guard let codes = items(node, path, of: "wrap-up codes", name) else { return nil }
            if codes.isEmpty { report("expected at least one wrap-up code in \(path), found an empty list", at: node) }
            return codes.isEmpty ? nil : codes
        }
        return queue
    }

    func channel(_ node: YAMLNode, _ path: String, queueNames: [String]?) -> ChannelSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.channel, required: ["kind", "queue", "ratesPerHour"]) else {
            return nil
        }
        var channel = ChannelSettings(kind: .webMessaging, queue: "", ratesPerHour: [])
        let kind: ChannelKind? = fields["kind"].flatMap { choice($0, "a channel kind") }
        channel.kind = kind ?? channel.kind
        read(fields, "queue", into: &channel.queue) { reference($0, $1, to: queueNames, "queue") }
        read(fields, "ratesPerHour", into: &channel.ratesPerHour, rates)
        read(fields, "profileInterval", into: &channel.profileInterval, positiveTimeSpan)
        readOptional(fields, "patience", into: &channel.patience) { distribution($0, $1, .seconds) }
        read(fields, "customerMessages", into: &channel.customerMessages) { distribution($0, $1, .count) }
        read(fields, "customerReplyTime", into: &channel.customerReplyTime) { distribution($0, $1, .seconds) }
        readOptional(fields, "handleTime", into: &channel.handleTime) { distribution($0, $1, .seconds) }
        if let node = fields.keyNode("platforms"), let kind, kind != .messaging {
            report("platforms apply only to channels of kind messaging, and \(path) is \(kind.rawValue)", at: node)
        } else {
            read(fields, "platforms", into: &channel.platforms, platforms)
        }
        return channel
    }

    /// Arrivals per hour: a list with one rate per profile interval, or a single rate.
    func rates(_ node: YAMLNode, _ path: String) -> [Double]? {
        if case .scalar = node {
            return rate(node, path).map { [$0] }
        }
        guard let items = list(node, at: path, of: "arrival rates per hour") else { return nil }
        guard !items.isEmpty else {
            report("expected at least one arrival rate in \(path), found an empty list", at: node)
            return nil
        }
        let rates = items.enumerated().compactMap { rate($0.element, "\(path)[\($0.offset)]") }
        return rates.count == items.count ? rates : nil
    }

    /// One arrival rate per hour, from 0 to `Limits.ratePerHour`.
    private func rate(_ node: YAMLNode, _ path: String) -> Double? {
        guard let value = nonNegativeNumber(node, path) else { return nil }
        guard value <= Limits.ratePerHour else {
            report("\(path) must be at most \(ScalarSyntax.format(Limits.ratePerHour)) an hour, found \(ScalarSyntax.format(value))", at: node)
            return nil
        }
        return value
    }

    /// Messaging platforms and their weights: `{whatsApp: 0.6, facebook: 0.4}`.
    func platforms(_ node: YAMLNode, _ path: String) -> [PlatformWeight]? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping of platforms to weights, like {whatsApp: 0.6, facebook: 0.4}, found \(Self.found(node))", at: node)
            return nil
        }
        let weights: [PlatformWeight] = mapping.compactMap { key, value in
            let platform: MessagingPlatform? = choice(key, "a messaging platform")
            let weight = nonNegativeNumber(value, path + "." + (key.string ?? ""))
            guard let platform, let weight else { return nil }
            return PlatformWeight(platform: platform, weight: weight)
        }
        guard weights.count == mapping.count else { return nil }
        if !weights.isEmpty, !weights.contains(where: { $0.weight > 0 }) {
            report("at least one platform weight in \(path) must be positive", at: node)
            return nil
        }
        return weights
    }

    func agentGroup(_ node: YAMLNode, _ path: String, queueNames: [String]?) -> AgentGroup? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.agentGroup, required: ["name", "count", "queues"]) else {
            return nil
        }
        var group = AgentGroup(name: "", count: 0, queues: [])
        read(fields, "name", into: &group.name, name)
        read(fields, "count", into: &group.count) { integer($0, $1, minimum: 0, maximum: Limits.agentsPerGroup) }
        read(fields, "queues", into: &group.queues) { references($0, $1, to: queueNames, "queue") }
        read(fields, "channels", into: &group.channels) { choices($0, $1, "a channel kind", plural: "channel kinds") }
        read(fields, "capacity", into: &group.capacity) { integer($0, $1, minimum: 1, maximum: 100) }
        read(fields, "replyTime", into: &group.replyTime) { distribution($0, $1, .seconds) }
        read(fields, "wrapUpTime", into: &group.wrapUpTime) { distribution($0, $1, .seconds) }
        read(fields, "transferProbability", into: &group.transferProbability, probability)
        read(fields, "conferenceProbability", into: &group.conferenceProbability, probability)
        read(fields, "conferenceTime", into: &group.conferenceTime) { distribution($0, $1, .seconds) }
        readOptional(fields, "breakInterval", into: &group.breakInterval) { distribution($0, $1, .seconds) }
        readOptional(fields, "breakLength", into: &group.breakLength) { distribution($0, $1, .seconds) }
        read(fields, "shiftStart", into: &group.shiftStart, timeSpan)
        readOptional(fields, "shiftLength", into: &group.shiftLength, timeSpan)
        return group
    }

    func supervisorGroup(_ node: YAMLNode, _ path: String, queueNames: [String]?, agentGroupNames: [String]?) -> SupervisorGroup? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.supervisorGroup, required: ["name", "count"]) else {
            return nil
        }
        var group = SupervisorGroup(name: "", count: 0)
        read(fields, "name", into: &group.name, name)
        read(fields, "count", into: &group.count) { integer($0, $1, minimum: 0, maximum: Limits.supervisorsPerGroup) }
        read(fields, "licence", into: &group.licence) { node, _ in choice(node, "a licence") }
        read(fields, "permissions", into: &group.permissions, permissions)
        read(fields, "thinkTime", into: &group.thinkTime) { distribution($0, $1, .seconds) }
        read(fields, "queueActivityShare", into: &group.queueActivityShare, share)
        read(fields, "policy", into: &group.policy) { policy($0, $1, queueNames: queueNames, agentGroupNames: agentGroupNames) }
        read(fields, "followsButtons", into: &group.followsButtons, bool)
        read(fields, "holdTime", into: &group.holdTime) { distribution($0, $1, .seconds) }
        read(fields, "stopFromInteractionShare", into: &group.stopFromInteractionShare, share)
        read(fields, "vanishProbability", into: &group.vanishProbability, probability)
        readOptional(fields, "presenceChangeInterval", into: &group.presenceChangeInterval) { distribution($0, $1, .seconds) }
        read(fields, "presenceChangeLength", into: &group.presenceChangeLength) { distribution($0, $1, .seconds) }
        read(fields, "presenceChangeTo", into: &group.presenceChangeTo) { node, path in
            guard let presences: [Presence] = choices(node, path, "a presence", plural: "presences") else { return nil }
            if presences.isEmpty { report("expected at least one presence in \(path), found an empty list", at: node) }
            return presences.isEmpty ? nil : presences
        }
        return group
    }

    /// `supervisorRole` (every permission of the role), or a list of permissions such as `conversation:message:monitor`.
    func permissions(_ node: YAMLNode, _ path: String) -> PermissionSet? {
        if case .scalar(let scalar) = node, scalar.string == "supervisorRole" {
            return .supervisorRole
        }
        guard case .sequence = node else {
            report(
                "expected supervisorRole or a list of permissions such as [conversation:message:monitor, conversation:message:view], found \(Self.found(node))",
                at: node)
            return nil
        }
        let permissions: [Permission]? = choices(node, path, "a permission", plural: "permissions")
        return permissions.map { PermissionSet($0) }
    }

    /// `random`, `longest`, `{queue: name}` or `{agentGroup: name}`.
    func policy(_ node: YAMLNode, _ path: String, queueNames: [String]?, agentGroupNames: [String]?) -> SelectionPolicy? {
        let expected = "a selection policy: random, longest, {queue: name} or {agentGroup: name}"
        switch node {
        case .scalar(let scalar) where scalar.string == "random":
            return .random
        case .scalar(let scalar) where scalar.string == "longest":
            return .longest
        case .mapping(let mapping) where mapping.count == 1:
            guard let fields = fields(of: node, at: path, keys: ["queue", "agentGroup"]) else { return nil }
            if let queue = fields["queue"] {
                return reference(queue, fields.path("queue"), to: queueNames, "queue").map { .queue($0) }
            }
            if let group = fields["agentGroup"] {
                return reference(group, fields.path("agentGroup"), to: agentGroupNames, "agent group").map { .agentGroup($0) }
            }
            return nil
        case .mapping(let mapping):
            report("expected \(expected), found a mapping with \(mapping.count) keys", at: node)
            return nil
        default:
            report("expected \(expected), found \(Self.found(node))", at: node)
            return nil
        }
    }

    func network(_ node: YAMLNode, _ path: String) -> NetworkSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.network) else { return nil }
        var network = NetworkSettings()
        read(fields, "supervisor", into: &network.supervisor, link)
        read(fields, "agent", into: &network.agent, link)
        read(fields, "customer", into: &network.customer, link)
        read(fields, "viewDelay", into: &network.viewDelayMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "clientAnswers", into: &network.clientAnswers) { node, _ in choice(node, "how clients' answers come back") }
        return network
    }

    func link(_ node: YAMLNode, _ path: String) -> LinkSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.link) else { return nil }
        var link = LinkSettings()
        read(fields, "up", into: &link.upMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "down", into: &link.downMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "timeout", into: &link.timeout, positiveTimeSpan)
        read(fields, "retries", into: &link.retries) { integer($0, $1, minimum: 0, maximum: 100) }
        return link
    }

    /// Contention to inject; `duration`, when known, bounds the instants of stampedes and spikes.
    func contention(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> ContentionSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.contention) else { return nil }
        var contention = ContentionSettings()
        read(fields, "stampedes", into: &contention.stampedes) { node, path in
            items(node, path, of: "stampedes") { stampede($0, $1, duration: duration) }
        }
        read(fields, "duplicateStopProbability", into: &contention.duplicateStopProbability, probability)
        read(fields, "lateStopProbability", into: &contention.lateStopProbability, probability)
        read(fields, "lateStopDelay", into: &contention.lateStopDelaySeconds) { distribution($0, $1, .seconds) }
        read(fields, "stopAtConversationEndProbability", into: &contention.stopAtConversationEndProbability, probability)
        read(fields, "stopAtTransferProbability", into: &contention.stopAtTransferProbability, probability)
        read(fields, "presenceFlapAroundStartProbability", into: &contention.presenceFlapAroundStartProbability, probability)
        read(fields, "latencySpikes", into: &contention.latencySpikes) { node, path in
            items(node, path, of: "latency spikes") { latencySpike($0, $1, duration: duration) }
        }
        return contention
    }

    func stampede(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> Stampede? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.stampede, required: ["at", "supervisors", "window"]) else {
            return nil
        }
        let at = fields["at"].flatMap { instant($0, fields.path("at"), duration: duration) }
        let every = fields["every"].flatMap { positiveTimeSpan($0, fields.path("every")) }
        let supervisors = fields["supervisors"].flatMap { integer($0, fields.path("supervisors"), minimum: 1, maximum: Limits.supervisorsPerGroup) }
        let window = fields["window"].flatMap { timeSpan($0, fields.path("window")) }
        guard let at, let supervisors, let window else { return nil }
        return Stampede(at: at, every: every, supervisors: supervisors, window: window)
    }

    func latencySpike(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> LatencySpike? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.latencySpike, required: ScenarioKeys.latencySpike) else {
            return nil
        }
        let at = fields["at"].flatMap { instant($0, fields.path("at"), duration: duration) }
        let length = fields["length"].flatMap { positiveTimeSpan($0, fields.path("length")) }
        let factor = fields["factor"].flatMap { positiveNumber($0, fields.path("factor")) }
        guard let at, let length, let factor else { return nil }
        return LatencySpike(at: at, length: length, factor: factor)
    }

    /// An offset from the start of the run that falls before its end.
    func instant(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> TimeSpan? {
        guard let at = timeSpan(node, path) else { return nil }
        if let duration, at >= duration {
            report("\(path) must fall before the end of the run (duration \(ScalarSyntax.format(duration))), found \(Self.found(node))", at: node)
            return nil
        }
        return at
    }

    /// A finite number greater than zero.
    func positiveNumber(_ node: YAMLNode, _ path: String) -> Double? {
        guard let value = number(node, path) else { return nil }
        guard value > 0 else {
            report("\(path) must be greater than 0, found \(ScalarSyntax.format(value))", at: node)
            return nil
        }
        return value
    }

    /// Engine nodes, the store and their faults (issue: lock correctness under faults).
    func cluster(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> ClusterSettings? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.cluster) else { return nil }
        var cluster = ClusterSettings()
        read(fields, "nodes", into: &cluster.nodes) { integer($0, $1, minimum: 1, maximum: Limits.nodes) }
        read(fields, "storeHop", into: &cluster.storeHopMilliseconds) { distribution($0, $1, .milliseconds) }
        readOptional(fields, "nodeService", into: &cluster.nodeServiceMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "nodeWorkers", into: &cluster.nodeWorkers) { integer($0, $1, minimum: 1, maximum: Limits.nodeWorkers) }
        read(fields, "messageLossProbability", into: &cluster.messageLossProbability, probability)
        read(fields, "messageDuplicationProbability", into: &cluster.messageDuplicationProbability, probability)
        readOptional(fields, "reorder", into: &cluster.reorderMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "nodeCrashes", into: &cluster.nodeCrashes) { node, path in
            items(node, path, of: "node crashes") { nodeCrash($0, $1, duration: duration) }
        }
        read(fields, "nodeCrashesPerHour", into: &cluster.nodeCrashesPerHour) { node, path in
            guard let value = number(node, path) else { return nil }
            guard value >= 0 else {
                report("\(path) must not be negative, found \(ScalarSyntax.format(value))", at: node)
                return nil
            }
            return value
        }
        read(fields, "crashDowntime", into: &cluster.crashDowntimeSeconds) { distribution($0, $1, .seconds) }
        read(fields, "partitions", into: &cluster.partitions) { node, path in
            items(node, path, of: "partitions") { partition($0, $1, duration: duration) }
        }
        read(fields, "storeRestarts", into: &cluster.storeRestarts) { node, path in
            items(node, path, of: "store restarts") { storeRestart($0, $1, duration: duration) }
        }
        read(fields, "storeLatencySpikes", into: &cluster.storeLatencySpikes) { node, path in
            items(node, path, of: "latency spikes") { latencySpike($0, $1, duration: duration) }
        }
        read(fields, "clockSkew", into: &cluster.clockSkewMilliseconds) { distribution($0, $1, .milliseconds) }
        read(fields, "clockDrift", into: &cluster.clockDriftPartsPerMillion) { distribution($0, $1, .count) }
        return cluster
    }

    func nodeCrash(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> NodeCrash? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.nodeCrash, required: ScenarioKeys.nodeCrash) else {
            return nil
        }
        let at = fields["at"].flatMap { instant($0, fields.path("at"), duration: duration) }
        let index = fields["node"].flatMap { integer($0, fields.path("node"), minimum: 0, maximum: Limits.nodes - 1) }
        let downFor = fields["downFor"].flatMap { positiveTimeSpan($0, fields.path("downFor")) }
        guard let at, let index, let downFor else { return nil }
        return NodeCrash(at: at, node: index, downFor: downFor)
    }

    func storeRestart(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> StoreRestart? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.storeRestart, required: ScenarioKeys.storeRestart) else {
            return nil
        }
        let at = fields["at"].flatMap { instant($0, fields.path("at"), duration: duration) }
        let downFor = fields["downFor"].flatMap { positiveTimeSpan($0, fields.path("downFor")) }
        guard let at, let downFor else { return nil }
        return StoreRestart(at: at, downFor: downFor)
    }

    func partition(_ node: YAMLNode, _ path: String, duration: TimeSpan?) -> Partition? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.partition, required: ScenarioKeys.partition) else {
            return nil
        }
        let at = fields["at"].flatMap { instant($0, fields.path("at"), duration: duration) }
        let length = fields["length"].flatMap { positiveTimeSpan($0, fields.path("length")) }
        let index = fields["node"].flatMap { integer($0, fields.path("node"), minimum: 0, maximum: Limits.nodes - 1) }
        guard let at, let length, let index else { return nil }
        return Partition(at: at, length: length, node: index)
    }

    func limits(_ node: YAMLNode, _ path: String) -> RunLimits? {
        guard let fields = fields(of: node, at: path, keys: ScenarioKeys.limits) else { return nil }
        var limits = RunLimits()
        read(fields, "maximumEvents", into: &limits.maximumEvents) { integer($0, $1, minimum: 1) }
        read(fields, "maximumPendingEvents", into: &limits.maximumPendingEvents) { integer($0, $1, minimum: 1, maximum: Limits.pendingEvents) }
        read(fields, "maximumHistoryOperations", into: &limits.maximumHistoryOperations) {
            integer($0, $1, minimum: 0, maximum: Limits.historyOperations)
        }
        return limits
    }
}

/// The largest values a scenario file may ask for: each keeps a run's memory and time bounded.
enum Limits {
    static let agentsPerGroup = 1_000_000
    static let supervisorsPerGroup = 100_000
    /// Agents and supervisors of all groups together.
    static let agents = 1_000_000
    static let supervisors = 100_000
    static let reportingIntervals = 100_000
    static let nodes = 64
    static let nodeWorkers = 1_024
    static let pendingEvents = 500_000_000
    static let historyOperations = 50_000_000
    static let ratePerHour = 10_000_000.0
}
