import DequeModule
import MonitoringEngine

/// Routing: the customers' conversations, the queues' pools of waiting conversations and available agents, and the
/// agents with their load. What it knows of the engine is what the agents' clients were told: answers, and the
/// agents' own notifications (`connectedAgents`). Its behaviours are in `World+Contact.swift`.
struct Routing: Sendable {
    var channels: [ChannelRuntime] = []
    var queueIDs: [QueueID] = []
    var pools: [Pool] = []
    var agents: [AgentRuntime] = []
    /// Indexed by conversation id − 1.
    var conversations: [ConversationRuntime] = []
    /// Conversations in progress, overall and per queue, for supervisors to pick from.
    var inProgress = IndexedSet<ConversationID>()
    var inProgressByQueue: [IndexedSet<ConversationID>] = []
    /// Each agent group's parameters, by group, and each queue's wrap-up code, by queue: read from the configuration
    /// once, so that an event copies no group.
    var agentProfiles: [AgentProfile] = []
    var wrapUpCodes: [String] = []
    /// Answers on their way back to customers' and agents' clients, by slot (`AnswerDelivery.overTheLink`); a slot is
    /// reused once its answer has arrived.
    var answersInFlight: [(answer: Result<Outcome, MonitoringError>, handler: AnswerHandler)?] = []
    var freeAnswerSlots: [Int32] = []
    // Random streams, one per purpose, so that changing one part does not reshuffle others.
    var arrivalRandom: [Xoshiro256StarStar]
    var customerRandom: Xoshiro256StarStar
    var agentRandom: Xoshiro256StarStar

    init(arrivalRandom: [Xoshiro256StarStar], customerRandom: Xoshiro256StarStar, agentRandom: Xoshiro256StarStar) {
        self.arrivalRandom = arrivalRandom
        self.customerRandom = customerRandom
        self.agentRandom = agentRandom
    }

    /// The pool of a queue and channel kind, made on first use.
    mutating func poolIndex(queue: Int, kind: ChannelKind) -> Int {
        if let index = pools.firstIndex(where: { $0.queue == queue && $0.kind == kind }) { return index }
        pools.append(Pool(queue: queue, kind: kind))
        return pools.count - 1
    }

    /// The first agent listed in a pool who has capacity now; agents listed without it are taken off the list.
    mutating func nextAvailableAgent(in pool: Int) -> Int? {
        while let candidate = pools[pool].available.first.map(Int.init) {
            if agents[candidate].hasCapacity { return candidate }
            pools[pool].available.removeFirst()
            agents[candidate].listedIn[pool] = false
        }
        return nil
    }

    /// The conversation is no longer in progress, overall and in its queue.
    mutating func leaveInProgress(_ id: ConversationID) {
        inProgress.remove(id)
        inProgressByQueue[pools[conversations[Int(id.rawValue - 1)].pool].queue].remove(id)
    }

    /// The agent with this user id; agents are the directory's first users.
    func agentIndex(of user: UserID?) -> Int? {
        guard let user, user.rawValue >= 1, Int(user.rawValue) <= agents.count else { return nil }
        return Int(user.rawValue - 1)
    }
}

/// What an agent group's behaviour draws from.
struct AgentProfile: Sendable {
    var replyTime: Distribution
    var wrapUpTime: Distribution
    var conferenceTime: Distribution
    var breakInterval: Distribution?
    var breakLength: Distribution
    var transferProbability: Double
    var conferenceProbability: Double

    init(_ group: AgentGroup) {
        replyTime = group.replyTime
        wrapUpTime = group.wrapUpTime
        conferenceTime = group.conferenceTime
        breakInterval = group.breakInterval
        breakLength = group.breakLength ?? .constant(900)
        transferProbability = group.transferProbability
        conferenceProbability = group.conferenceProbability
    }
}

/// A channel's arrivals into one queue's pool.
struct ChannelRuntime: Sendable {
    var settings: ChannelSettings
    var arrivals: ArrivalProcess
    var queue: Int
    var pool: Int
    var platforms: Distribution?
}

/// Waiting conversations and agents with free capacity, for one (queue, channel kind).
struct Pool: Sendable {
    var queue: Int
    var kind: ChannelKind
    var waiting = Deque<ConversationID>()
    var available = Deque<Int32>()
}

struct AgentRuntime: Sendable {
    var user: UserID
    var group: Int
    var capacity: Int
    /// Conversations counted against capacity: from alert to the end of wrap-up.
    var active = 0
    var onBreak = false
    var offShift = false
    var pools: [Int]
    /// Pools whose `available` list holds this agent.
    var listedIn: [Bool]

    var isStaffed: Bool { !onBreak && !offShift }
    /// On queue, or still handling conversations after a break or shift began: the
    /// denominator of occupancy.
    var isPresent: Bool { isStaffed || active > 0 }
    var hasCapacity: Bool { isStaffed && active < capacity }
}

struct ConversationRuntime: Sendable {
    enum Phase: Sendable { case queued, alerting, talking, ended }

    var channel: Int
    var pool: Int
    var arrivedAt: Instant
    var phase: Phase = .queued
    var answered = false
    var primaryAgent = -1
    var primaryParticipant = ParticipantID.customer
    var customerMessagesLeft: Int
    var transferPending: Bool
    var conferencePending: Bool
    /// Offered to an agent the instant it arrived: the customer did not wait in queue.
    var offeredOnArrival = false
    /// The reporting interval (an index of `metrics.intervals`) whose customer figures count this customer: the
    /// one it arrived in; -1 for a customer who arrived before measurement began.
    var reportedInterval: Int32 = -1
    /// The agent participants connected now, in participant order, as the agents' own notifications told them
    /// (`agentConnected`, `agentDisconnected`): what the agents' clients know, not the engine's state.
    var connectedAgents: [ConnectedAgent] = []

    /// The place of a conversation whose creation's answer has not come back yet (`AnswerDelivery.overTheLink`).
    static let placeholder = ConversationRuntime(
        channel: 0, pool: 0, arrivedAt: .zero, phase: .ended, customerMessagesLeft: 0, transferPending: false, conferencePending: false)
}

/// An agent participant connected to a conversation, as the agent's client learnt it.
struct ConnectedAgent: Sendable, Equatable {
    var participant: ParticipantID
    var user: UserID
}
