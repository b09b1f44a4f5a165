import MonitoringEngine

/// Supervision: the supervisors' clients — what each is doing, which node its console talks to, what it holds —
/// and the requests they have on their way. Its behaviours are in `World+Supervisors.swift`.
struct Supervision: Sendable {
    var supervisors: [SupervisorRuntime] = []
    /// Each supervisor group's parameters, by group, read from the configuration once.
    var profiles: [SupervisorProfile] = []
    /// Requests in flight, by slot; a slot is reused once no scheduled event refers to it (`freeRequests`).
    var requests: [ClientRequest] = []
    var freeRequests: [Int32] = []
    /// The serial of the next request, unique in the run: it pairs history lines and de-duplicates at the store.
    var nextRequestSerial = 0
    var supervisorRandom: Xoshiro256StarStar
    /// Draws for the contention injected on purpose: stampedes, duplicate, late and racing stops, presence flaps.
    var contentionRandom: Xoshiro256StarStar

    init(supervisorRandom: Xoshiro256StarStar, contentionRandom: Xoshiro256StarStar) {
        self.supervisorRandom = supervisorRandom
        self.contentionRandom = contentionRandom
    }

    /// Takes a slot for a request and gives it the next serial.
    mutating func allocate(_ request: ClientRequest) -> Int {
        var request = request
        request.serial = nextRequestSerial
        nextRequestSerial += 1
        if let free = freeRequests.popLast() {
            requests[Int(free)] = request
            return Int(free)
        }
        requests.append(request)
        return requests.count - 1
    }

    /// One event about the request was handled; after its last one the slot is reused.
    mutating func release(_ index: Int) {
        requests[index].liveEvents -= 1
        if requests[index].liveEvents == 0 { freeRequests.append(Int32(index)) }
    }
}

/// What a supervisor group's behaviour draws from, with its selection policy's names resolved to indices.
struct SupervisorProfile: Sendable {
    enum Policy: Sendable {
        case random, longest
        /// A queue's index; nil for a name no queue has (the supervisor finds nothing).
        case queue(Int?)
        /// An agent group's index; nil for a name no group has.
        case agentGroup(Int?)
    }

    var thinkTime: Distribution
    var holdTime: Distribution
    var queueActivityShare: Double
    var stopFromInteractionShare: Double
    var vanishProbability: Double
    var followsButtons: Bool
    var policy: Policy
    var presenceChangeInterval: Distribution?
    var presenceChangeLength: Distribution
    var presenceChangeTo: [Presence]

    init(_ group: SupervisorGroup, in configuration: WorldConfiguration) {
        thinkTime = group.thinkTime
        holdTime = group.holdTime
        queueActivityShare = group.queueActivityShare
        stopFromInteractionShare = group.stopFromInteractionShare
        vanishProbability = group.vanishProbability
        followsButtons = group.followsButtons
        switch group.policy {
        case .random: policy = .random
        case .longest: policy = .longest
        case .queue(let name): policy = .queue(configuration.queues.firstIndex { $0.name == name })
        case .agentGroup(let name): policy = .agentGroup(configuration.agentGroups.firstIndex { $0.name == name })
        }
        presenceChangeInterval = group.presenceChangeInterval
        presenceChangeLength = group.presenceChangeLength
        presenceChangeTo = group.presenceChangeTo
    }
}

struct SupervisorRuntime: Sendable {
    enum Phase: Sendable, Equatable {
        /// Thinking before the next attempt.
        case idle
        /// A start is on its way.
        case starting
        case monitoring
        /// A stop is on its way.
        case stopping
        /// The client vanished while monitoring: no renewals, no stop (M12).
        case vanished
    }

    var user: UserID
    var group: Int
    /// The engine node the supervisor's console talks to.
    var node: Int
    var phase = Phase.idle
    var conversation = ConversationID(0)
    var token: UInt64 = 0
    var presence = Presence.available
    /// Bumped whenever the supervisor's session changes, so stale timers are ignored.
    var generation: UInt32 = 0

    init(user: UserID, group: Int, node: Int) {
        self.user = user
        self.group = group
        self.node = node
    }
}

/// A request from a supervisor's client to the engine, over the network.
struct ClientRequest: Sendable {
    enum Operation: Sendable {
        case start(ConversationID, EntryPoint)
        case stop(SessionID, StopSource)
        case renew(SessionID)
    }

    var supervisor: Int
    var operation: Operation
    var sentAt: Instant
    var attempt: Int
    var result: Result<Outcome, MonitoringError>?
    var answered = false
    var timedOut = false
    /// Scheduled events that refer to the request; it is freed after the last.
    var liveEvents = 0
    /// Unique per request, for pairing history lines and for the store's de-duplication.
    var serial = 0
    /// The serial of the request's first attempt, which its retries share: a live run's `Idempotency-Key`.
    var key = -1
    /// The epoch of the node that took the request; a crash since loses the answer.
    var nodeEpoch: UInt32 = 0
    /// A duplicate or late stop is not retried and does not change the supervisor's phase.
    var isEcho = false

    var function: OperationFunction {
        switch operation {
        case .start: .start
        case .stop: .stop
        case .renew: .renew
        }
    }

    var conversation: ConversationID {
        switch operation {
        case .start(let id, _): id
        case .stop(let session, _), .renew(let session): session.conversation
        }
    }

    var token: UInt64? {
        switch operation {
        case .start: nil
        case .stop(let session, _), .renew(let session): session.token
        }
    }
}
