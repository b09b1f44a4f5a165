import MonitoringEngine

/// Everything a simulated run needs: the contact centre, its behaviours, the network, the
/// contention to inject, and the run's bounds. A scenario file decodes into this value.
public struct WorldConfiguration: Sendable, Hashable {
    public var name: String
    public var seed: UInt64
    /// Simulated time the run covers, warm-up included.
    public var duration: TimeSpan
    /// Metrics before this instant are not counted (warm-up deletion); invariants always are.
    public var warmUp: TimeSpan
    /// Length of the intervals of `series.csv` and of the per-interval KPIs.
    public var reportingInterval: TimeSpan
    /// The T of "service level: X% answered within T".
    public var serviceLevelThreshold: TimeSpan
    /// Customers who give up sooner than this are short abandons, left out of the service level's denominator
    /// (a customer who hangs up in the first seconds was never really waiting); zero leaves nobody out.
    public var shortAbandonThreshold: TimeSpan
    public var engine: EngineSettings
    public var queues: [QueueSettings]
    public var channels: [ChannelSettings]
    public var agentGroups: [AgentGroup]
    public var supervisorGroups: [SupervisorGroup]
    public var network: NetworkSettings
    public var contention: ContentionSettings
    public var cluster: ClusterSettings
    public var limits: RunLimits
    /// A deliberately broken variant; nil for the real thing.
    public var defect: Defect?

    public init(
        name: String, seed: UInt64 = 1, duration: TimeSpan, warmUp: TimeSpan = .zero,
        reportingInterval: TimeSpan = .seconds(900), serviceLevelThreshold: TimeSpan = .seconds(60),
        shortAbandonThreshold: TimeSpan = .zero,
        engine: EngineSettings = EngineSettings(), queues: [QueueSettings], channels: [ChannelSettings],
        agentGroups: [AgentGroup], supervisorGroups: [SupervisorGroup], network: NetworkSettings = NetworkSettings(),
        contention: ContentionSettings = ContentionSettings(), cluster: ClusterSettings = ClusterSettings(),
        limits: RunLimits = RunLimits(), defect: Defect? = nil
    ) {
        self.cluster = cluster
        self.defect = defect
        self.name = name
        self.seed = seed
        self.duration = duration
        self.warmUp = warmUp
        self.reportingInterval = reportingInterval
        self.serviceLevelThreshold = serviceLevelThreshold
        self.shortAbandonThreshold = shortAbandonThreshold
        self.engine = engine
        self.queues = queues
        self.channels = channels
        self.agentGroups = agentGroups
        self.supervisorGroups = supervisorGroups
        self.network = network
        self.contention = contention
        self.limits = limits
    }
}

/// The engine's own settings (M12).
public struct EngineSettings: Sendable, Hashable {
    public var leaseDuration: TimeSpan
    public var renewalInterval: TimeSpan
    /// Whether the world runs `checkInvariants()` after every engine command.
    public var checkInvariants: Bool
    /// Every this many commands the check is thorough: it also builds the views of the conversations the command
    /// touched and compares them (M14, M15). 0: never; the incremental check runs after every command regardless.
    public var thoroughCheckEvery: Int

    public init(
        leaseDuration: TimeSpan = .seconds(30), renewalInterval: TimeSpan = .seconds(10), checkInvariants: Bool = true,
        thoroughCheckEvery: Int = 0
    ) {
        self.leaseDuration = leaseDuration
        self.renewalInterval = renewalInterval
        self.checkInvariants = checkInvariants
        self.thoroughCheckEvery = thoroughCheckEvery
    }
}

public struct QueueSettings: Sendable, Hashable {
    public var name: String
    public var wrapUpCodes: [String]

    public init(name: String, wrapUpCodes: [String] = ["resolved"]) {
        self.name = name
        self.wrapUpCodes = wrapUpCodes
    }
}

/// The kind of channel customers arrive on; `messaging` draws its platform from a mix.
public enum ChannelKind: String, Sendable, Hashable, CaseIterable {
    case webMessaging, messaging, sms, voice, email
}

/// Customers arriving on one channel into one queue.
public struct ChannelSettings: Sendable, Hashable {
    public var kind: ChannelKind
    /// For `messaging`: the platforms and their weights.
    public var platforms: [PlatformWeight]
    public var queue: String
    /// Arrival rates per hour, one per `profileInterval`, from the start of the run; after the
    /// last interval the last rate holds.
    public var ratesPerHour: [Double]
    public var profileInterval: TimeSpan
    /// How long a queued customer waits before abandoning; nil: never abandons.
    public var patience: Distribution?
    /// How many messages the customer sends in the conversation (at least 1).
    public var customerMessages: Distribution
    /// The customer's time to answer an agent's message.
    public var customerReplyTime: Distribution
    /// Seconds from answer to close when set: the conversation is one block of handling (as in
    /// queueing theory) instead of a message exchange.
    public var handleTime: Distribution?

    public init(
        kind: ChannelKind, platforms: [PlatformWeight] = [], queue: String, ratesPerHour: [Double],
        profileInterval: TimeSpan = .seconds(3_600), patience: Distribution? = nil,
        customerMessages: Distribution = .constant(4), customerReplyTime: Distribution = .exponential(mean: 30),
        handleTime: Distribution? = nil
    ) {
        self.handleTime = handleTime
        self.kind = kind
        self.platforms = platforms
        self.queue = queue
        self.ratesPerHour = ratesPerHour
        self.profileInterval = profileInterval
        self.patience = patience
        self.customerMessages = customerMessages
        self.customerReplyTime = customerReplyTime
    }
}

public struct PlatformWeight: Sendable, Hashable {
    public var platform: MessagingPlatform
    public var weight: Double

    public init(platform: MessagingPlatform, weight: Double) {
        self.platform = platform
        self.weight = weight
    }
}

/// A group of identical agents. Times are in seconds when a `Distribution` is used for a time.
public struct AgentGroup: Sendable, Hashable {
    public var name: String
    public var count: Int
    public var queues: [String]
    public var channels: [ChannelKind]
    /// Conversations an agent handles at once.
    public var capacity: Int
    /// Seconds the agent takes to answer a customer message.
    public var replyTime: Distribution
    /// Seconds of wrap-up after the conversation.
    public var wrapUpTime: Distribution
    /// Probability that a conversation is blind-transferred to another agent (M18 transfer).
    public var transferProbability: Double
    /// Probability that a second agent joins for a while (conference/consult, M6).
    public var conferenceProbability: Double
    /// Seconds a conferenced second agent stays.
    public var conferenceTime: Distribution
    /// Breaks: seconds between breaks and their length; nil: no breaks.
    public var breakInterval: Distribution?
    public var breakLength: Distribution?
    /// When the group's agents come on queue (offline before).
    public var shiftStart: TimeSpan
    /// How long they stay; then they go offline after finishing their conversations. nil: to the end.
    public var shiftLength: TimeSpan?

    public init(
        name: String, count: Int, queues: [String], channels: [ChannelKind] = [.webMessaging, .messaging, .sms],
        capacity: Int = 3, replyTime: Distribution = .exponential(mean: 20), wrapUpTime: Distribution = .constant(30),
        transferProbability: Double = 0, conferenceProbability: Double = 0, conferenceTime: Distribution = .constant(60),
        breakInterval: Distribution? = nil, breakLength: Distribution? = nil, shiftStart: TimeSpan = .zero,
        shiftLength: TimeSpan? = nil
    ) {
        self.shiftStart = shiftStart
        self.shiftLength = shiftLength
        self.name = name
        self.count = count
        self.queues = queues
        self.channels = channels
        self.capacity = capacity
        self.replyTime = replyTime
        self.wrapUpTime = wrapUpTime
        self.transferProbability = transferProbability
        self.conferenceProbability = conferenceProbability
        self.conferenceTime = conferenceTime
        self.breakInterval = breakInterval
        self.breakLength = breakLength
    }
}

/// How a supervisor picks the interaction to monitor from the view they use.
public enum SelectionPolicy: Sendable, Hashable {
    case random
    /// The longest-running interaction.
    case longest
    /// A random interaction of this queue.
    case queue(String)
    /// A random interaction handled by an agent of this group.
    case agentGroup(String)
}

/// A group of identical supervisors and how they monitor.
public struct SupervisorGroup: Sendable, Hashable {
    public var name: String
    public var count: Int
    public var licence: Licence
    public var permissions: PermissionSet
    /// Seconds between the end of one monitoring attempt (or session) and the next attempt.
    public var thinkTime: Distribution
    /// Weight of finding interactions through Queue Activity rather than the Interactions view.
    public var queueActivityShare: Double
    public var policy: SelectionPolicy
    /// Whether the supervisor only tries interactions their console shows as `monitor` (M9);
    /// false: they try whatever they pick (a deep link, an API client, a stale console).
    public var followsButtons: Bool
    /// Seconds a session is held before the supervisor stops it.
    public var holdTime: Distribution
    /// Share of stops made from the interaction (the rest from the details page).
    public var stopFromInteractionShare: Double
    /// Probability that the client vanishes while monitoring: no stop, no renewals (M12).
    public var vanishProbability: Double
    /// Presence changes: seconds between them, seconds they last, and to what; nil: none.
    public var presenceChangeInterval: Distribution?
    public var presenceChangeLength: Distribution
    public var presenceChangeTo: [Presence]

    public init(
        name: String, count: Int, licence: Licence = .cx3, permissions: PermissionSet = .supervisorRole,
        thinkTime: Distribution = .exponential(mean: 120), queueActivityShare: Double = 0.3,
        policy: SelectionPolicy = .random, followsButtons: Bool = true, holdTime: Distribution = .exponential(mean: 180),
        stopFromInteractionShare: Double = 0.7, vanishProbability: Double = 0,
        presenceChangeInterval: Distribution? = nil, presenceChangeLength: Distribution = .constant(60),
        presenceChangeTo: [Presence] = [.busy]
    ) {
        self.name = name
        self.count = count
        self.licence = licence
        self.permissions = permissions
        self.thinkTime = thinkTime
        self.queueActivityShare = queueActivityShare
        self.policy = policy
        self.followsButtons = followsButtons
        self.holdTime = holdTime
        self.stopFromInteractionShare = stopFromInteractionShare
        self.vanishProbability = vanishProbability
        self.presenceChangeInterval = presenceChangeInterval
        self.presenceChangeLength = presenceChangeLength
        self.presenceChangeTo = presenceChangeTo
    }
}

/// One direction-pair of the network between a kind of client and the engine. Latencies in
/// milliseconds.
public struct LinkSettings: Sendable, Hashable {
    public var upMilliseconds: Distribution
    public var downMilliseconds: Distribution
    /// A request with no answer after this long is reported unknown and retried.
    public var timeout: TimeSpan
    public var retries: Int

    public init(
        upMilliseconds: Distribution = .lognormal(mu: 3.0, sigma: 0.5), downMilliseconds: Distribution = .lognormal(mu: 3.0, sigma: 0.5),
        timeout: TimeSpan = .seconds(5), retries: Int = 2
    ) {
        self.upMilliseconds = upMilliseconds
        self.downMilliseconds = downMilliseconds
        self.timeout = timeout
        self.retries = retries
    }
}

public struct NetworkSettings: Sendable, Hashable {
    public var supervisor: LinkSettings
    public var agent: LinkSettings
    public var customer: LinkSettings
    /// Milliseconds between an engine event and the supervisors' read model applying it (M26).
    public var viewDelayMilliseconds: Distribution
    /// How the answers to customers' and agents' commands come back (supervisors' always travel their link both ways).
    public var clientAnswers: AnswerDelivery

    public init(
        supervisor: LinkSettings = LinkSettings(), agent: LinkSettings = LinkSettings(), customer: LinkSettings = LinkSettings(),
        viewDelayMilliseconds: Distribution = .lognormal(mu: 5.0, sigma: 0.6), clientAnswers: AnswerDelivery = .atOnce
    ) {
        self.supervisor = supervisor
        self.agent = agent
        self.customer = customer
        self.viewDelayMilliseconds = viewDelayMilliseconds
        self.clientAnswers = clientAnswers
    }
}

/// How an answer to a customer's or an agent's command reaches its client.
public enum AnswerDelivery: String, Sendable, Hashable, CaseIterable {
    /// The instant the command reaches the store: the client's network time is drawn before it sends, on the way up.
    case atOnce
    /// Over the client's link, after a draw of its `downMilliseconds`, as an answer from a live deployment comes: the
    /// world goes on meanwhile, and the client acts on the answer only when it arrives.
    case overTheLink
}

/// Contention injected on purpose.
public struct ContentionSettings: Sendable, Hashable {
    public var stampedes: [Stampede]
    /// Probability that a stop is sent twice (duplicate), and that it is sent again late.
    public var duplicateStopProbability: Double
    public var lateStopProbability: Double
    public var lateStopDelaySeconds: Distribution
    /// Probability that a supervisor stops exactly when the conversation ends / is transferred.
    public var stopAtConversationEndProbability: Double
    public var stopAtTransferProbability: Double
    /// Probability that a supervisor's presence flips to busy and back within 100 ms of a start, racing it.
    public var presenceFlapAroundStartProbability: Double
    public var latencySpikes: [LatencySpike]

    public init(
        stampedes: [Stampede] = [], duplicateStopProbability: Double = 0, lateStopProbability: Double = 0,
        lateStopDelaySeconds: Distribution = .exponential(mean: 5), stopAtConversationEndProbability: Double = 0,
        stopAtTransferProbability: Double = 0, presenceFlapAroundStartProbability: Double = 0,
        latencySpikes: [LatencySpike] = []
    ) {
        self.stampedes = stampedes
        self.duplicateStopProbability = duplicateStopProbability
        self.lateStopProbability = lateStopProbability
        self.lateStopDelaySeconds = lateStopDelaySeconds
        self.stopAtConversationEndProbability = stopAtConversationEndProbability
        self.stopAtTransferProbability = stopAtTransferProbability
        self.presenceFlapAroundStartProbability = presenceFlapAroundStartProbability
        self.latencySpikes = latencySpikes
    }
}

/// K supervisors trying to monitor one conversation within a window, first at `at`, then
/// every `every` (if given).
public struct Stampede: Sendable, Hashable {
    public var at: TimeSpan
    public var every: TimeSpan?
    public var supervisors: Int
    public var window: TimeSpan

    public init(at: TimeSpan, every: TimeSpan? = nil, supervisors: Int, window: TimeSpan) {
        self.at = at
        self.every = every
        self.supervisors = supervisors
        self.window = window
    }
}

/// From `at` for `length`, network latencies are multiplied by `factor` (timeouts and
/// retries follow: a retry storm).
public struct LatencySpike: Sendable, Hashable {
    public var at: TimeSpan
    public var length: TimeSpan
    public var factor: Double

    public init(at: TimeSpan, length: TimeSpan, factor: Double) {
        self.at = at
        self.length = length
        self.factor = factor
    }
}

/// Bounds of a run; reaching one stops the run with a reported outcome.
public struct RunLimits: Sendable, Hashable {
    public var maximumEvents: Int
    public var maximumPendingEvents: Int
    /// Operations kept for `history.jsonl`; beyond, the history is truncated (and says so).
    public var maximumHistoryOperations: Int

    public init(maximumEvents: Int = 2_000_000_000, maximumPendingEvents: Int = 50_000_000, maximumHistoryOperations: Int = 5_000_000) {
        self.maximumEvents = maximumEvents
        self.maximumPendingEvents = maximumPendingEvents
        self.maximumHistoryOperations = maximumHistoryOperations
    }
}

/// Several engine nodes between the supervisors' clients and one transactional store that
/// owns the aggregates and applies each command atomically when it arrives (principle 2 of
/// `docs/architecture.md`), and the faults of that path. One node with an instant store is the embedded
/// engine. Only supervisors' lock traffic crosses it; agents and customers reach the store
/// directly.
public struct ClusterSettings: Sendable, Hashable {
    public var nodes: Int
    /// Milliseconds from a node to the store, and back (drawn per message).
    public var storeHopMilliseconds: Distribution
    /// Milliseconds a node works on each request before passing it to the store, drawn per request; a node
    /// works on one request at a time, in order of arrival, so requests queue at a busy node. Nil: no time.
    public var nodeServiceMilliseconds: Distribution?
    /// How many requests a node works on at once (each for its own `nodeService`): a request waits only when every
    /// worker is busy. One: requests are served one at a time, in order of arrival.
    public var nodeWorkers: Int
    /// Probability that a message on the path (client→node, node→store, store→node) is lost.
    public var messageLossProbability: Double
    /// Probability that a node→store request is delivered twice.
    public var messageDuplicationProbability: Double
    /// Extra milliseconds a message may take, drawn per message, so messages overtake each other.
    public var reorderMilliseconds: Distribution?
    public var nodeCrashes: [NodeCrash]
    /// Crashes drawn per node at this rate, each down for `crashDowntimeSeconds`.
    public var nodeCrashesPerHour: Double
    public var crashDowntimeSeconds: Distribution
    public var partitions: [Partition]
    /// Windows in which the store is down (restarting): no node reaches it.
    public var storeRestarts: [StoreRestart]
    public var storeLatencySpikes: [LatencySpike]
    /// Each node's clock offset in milliseconds and rate error in parts per million, drawn once
    /// per node as magnitudes; each is ahead or behind (fast or slow) at random.
    public var clockSkewMilliseconds: Distribution
    public var clockDriftPartsPerMillion: Distribution

    public init(
        nodes: Int = 1, storeHopMilliseconds: Distribution = .constant(0), nodeServiceMilliseconds: Distribution? = nil,
        nodeWorkers: Int = 1, messageLossProbability: Double = 0,
        messageDuplicationProbability: Double = 0, reorderMilliseconds: Distribution? = nil, nodeCrashes: [NodeCrash] = [],
        nodeCrashesPerHour: Double = 0, crashDowntimeSeconds: Distribution = .constant(30), partitions: [Partition] = [],
        storeRestarts: [StoreRestart] = [],
        storeLatencySpikes: [LatencySpike] = [], clockSkewMilliseconds: Distribution = .constant(0),
        clockDriftPartsPerMillion: Distribution = .constant(0)
    ) {
        self.nodes = nodes
        self.storeHopMilliseconds = storeHopMilliseconds
        self.nodeServiceMilliseconds = nodeServiceMilliseconds
        self.nodeWorkers = nodeWorkers
        self.messageLossProbability = messageLossProbability
        self.messageDuplicationProbability = messageDuplicationProbability
        self.reorderMilliseconds = reorderMilliseconds
        self.nodeCrashes = nodeCrashes
        self.nodeCrashesPerHour = nodeCrashesPerHour
        self.crashDowntimeSeconds = crashDowntimeSeconds
        self.partitions = partitions
        self.storeRestarts = storeRestarts
        self.storeLatencySpikes = storeLatencySpikes
        self.clockSkewMilliseconds = clockSkewMilliseconds
        self.clockDriftPartsPerMillion = clockDriftPartsPerMillion
    }
}

/// Node `node` crashes at `at`, losing its in-flight requests and its read model, and restarts
/// `downFor` later.
public struct NodeCrash: Sendable, Hashable {
    public var at: TimeSpan
    public var node: Int
    public var downFor: TimeSpan

    public init(at: TimeSpan, node: Int, downFor: TimeSpan) {
        self.at = at
        self.node = node
        self.downFor = downFor
    }
}

/// From `at` for `length`, node `node` cannot reach the store (messages both ways are lost).
/// From `at`, the store is down for `downFor` (a restart): every message to or from it is lost.
public struct StoreRestart: Sendable, Hashable {
    public var at: TimeSpan
    public var downFor: TimeSpan

    public init(at: TimeSpan, downFor: TimeSpan) {
        self.at = at
        self.downFor = downFor
    }
}

public struct Partition: Sendable, Hashable {
    public var at: TimeSpan
    public var length: TimeSpan
    public var node: Int

    public init(at: TimeSpan, length: TimeSpan, node: Int) {
        self.at = at
        self.length = length
        self.node = node
    }
}

/// A deliberately broken variant of the cluster or the engine's use, to show that the checks
/// catch it. Never set by a scenario file: only by tests and an explicit command-line flag.
public enum Defect: String, Sendable, Hashable, CaseIterable {
    /// A node answers a start from its (stale) read model: if it shows the conversation free,
    /// it ends whatever session the store holds and grants a new one.
    case startFromStaleReadModel
    /// A stop ends the conversation's current session, whichever session it names (M11).
    case stopByConversation
    /// Commands carry the node's own (skewed) clock, so lease expiry follows one node's clock (M12).
    case leaseByNodeClock
    /// Going offline does not end the supervisor's sessions (M18).
    case keepSessionsWhenOffline
    /// A repeated start ends the holder's session and grants a new one (M10).
    case startWithoutIdempotency
    /// The monitored agent is told when monitoring starts (M14).
    case tellAgentAboutMonitor
}
