import DequeModule
import MonitoringEngine

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
}

/// An agent participant connected to a conversation, as the agent's client learnt it.
struct ConnectedAgent: Sendable, Equatable {
    var participant: ParticipantID
    var user: UserID
}

extension World {
    // MARK: Set-up

    mutating func setUp() {
        setUpCluster()
        defineDirectory()
        for (index, settings) in configuration.channels.enumerated() {
            let queueIndex = configuration.queues.firstIndex { $0.name == settings.queue } ?? 0
            let pool = poolIndex(queue: queueIndex, kind: settings.kind)
            let arrivals = try! ArrivalProcess(
                ratesPerHour: settings.ratesPerHour, intervalLength: settings.profileInterval, continuation: .holdsLastRate)
            let platforms: Distribution? =
                settings.platforms.isEmpty
                ? nil
                : .weightedDiscrete(settings.platforms.enumerated().map { .init(value: Double($0.offset), weight: $0.element.weight) })
            channels.append(ChannelRuntime(settings: settings, arrivals: arrivals, queue: queueIndex, pool: pool, platforms: platforms))
            scheduleArrival(on: index)
        }
        for index in agents.indices {
            let group = agentGroup(of: index)
            if group.shiftStart > .zero {
                schedule(.shiftStarts(agent: Int32(index)), at: Instant.zero + group.shiftStart)
            } else {
                makeAvailable(index)
                scheduleBreak(index)
            }
            if let length = group.shiftLength {
                schedule(.shiftEnds(agent: Int32(index)), at: Instant.zero + group.shiftStart + length)
            }
        }
        for index in supervisors.indices {
            let group = configuration.supervisorGroups[supervisors[index].group]
            schedule(.supervisorWakes(Int32(index), generation: 0), after: seconds(group.thinkTime, &supervisorRandom))
            if let interval = group.presenceChangeInterval {
                schedule(.presenceChange(Int32(index)), after: seconds(interval, &supervisorRandom))
            }
        }
        for (index, stampede) in configuration.contention.stampedes.enumerated() {
            schedule(.stampede(Int32(index)), at: Instant.zero + stampede.at)
        }
        schedule(.leaseSweep, after: .seconds(1))
        // Reporting intervals start at the end of warm-up; the warm-up is one interval, dropped.
        schedule(.intervalEnds, at: configuration.warmUp > .zero ? warmUpEnd : Instant.zero + configuration.reportingInterval)
    }

    private mutating func defineDirectory() {
        for command in Population.directoryCommands(for: configuration) { execute(command) }
        for index in configuration.queues.indices {
            queueIDs.append(QueueID(UInt64(index + 1)))
            inProgressByQueue.append(IndexedSet())
        }
        var nextUser: UInt64 = 1
        for (groupIndex, group) in configuration.agentGroups.enumerated() {
            let queues = group.queues.compactMap { name in configuration.queues.firstIndex { $0.name == name } }
            var groupPools: [Int] = []
            for queue in queues { for kind in group.channels { groupPools.append(poolIndex(queue: queue, kind: kind)) } }
            for _ in 0..<group.count {
                var agent = AgentRuntime(
                    user: UserID(nextUser), group: groupIndex, capacity: max(1, group.capacity), pools: groupPools, listedIn: [])
                nextUser += 1
                agent.offShift = group.shiftStart != .zero
                agents.append(agent)
            }
        }
        for (groupIndex, group) in configuration.supervisorGroups.enumerated() {
            for _ in 0..<group.count {
                supervisors.append(SupervisorRuntime(user: UserID(nextUser), group: groupIndex, node: supervisors.count % nodes.count))
                nextUser += 1
            }
        }
        presentAgents = agents.count { $0.isPresent }
        for index in agents.indices { agents[index].listedIn = Array(repeating: false, count: pools.count) }
    }

    private mutating func poolIndex(queue: Int, kind: ChannelKind) -> Int {
        if let index = pools.firstIndex(where: { $0.queue == queue && $0.kind == kind }) { return index }
        pools.append(Pool(queue: queue, kind: kind))
        return pools.count - 1
    }

    private mutating func scheduleArrival(on channel: Int) {
        if let next = channels[channel].arrivals.nextArrival(after: now, using: &arrivalRandom[channel]) {
            schedule(.arrival(channel: Int32(channel)), at: next)
        }
    }

    // MARK: Customers

    mutating func customerArrives(on index: Int) {
        scheduleArrival(on: index)
        let channel = channels[index]
        let kind: Channel
        switch channel.settings.kind {
        case .webMessaging: kind = .webMessaging
        case .sms: kind = .sms
        case .voice: kind = .voice
        case .email: kind = .email
        case .messaging:
            let platform = channel.platforms.map { Int($0.sample(using: &customerRandom)) } ?? 0
            kind = .messaging(channel.settings.platforms.isEmpty ? .whatsApp : channel.settings.platforms[platform].platform)
        }
        let context = ConversationContext(customer: CustomerDetails(name: "Customer"))
        guard case .success(.conversationCreated(let id)) = execute(.createConversation(kind, context)) else { return }
        execute(.enqueue(id, queueIDs[channel.queue]))
        execute(.sendMessage(id, from: .customer, .text, body: "Hello"))
        conversations.append(
            ConversationRuntime(
                channel: index, pool: channel.pool, arrivedAt: now,
                customerMessagesLeft: max(0, Int(channel.settings.customerMessages.sample(using: &customerRandom).rounded()) - 1),
                transferPending: false, conferencePending: false,
                reportedInterval: countsCustomers ? Int32(metrics.intervals.count) : -1))
        countCustomer(conversations.count - 1) { $0.offered += 1 }
        if let patience = channel.settings.patience {
            schedule(.abandon(id), after: seconds(patience, &customerRandom))
        }
        pools[channel.pool].waiting.append(id)
        route(channel.pool)
    }

    mutating func customerAbandons(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard conversations[index].phase == .queued, !conversations[index].answered else { return }
        guard case .success = execute(.abandon(id)) else { return }
        conversations[index].phase = .ended
        let short = now - conversations[index].arrivedAt < configuration.shortAbandonThreshold
        countCustomer(index) {
            $0.abandoned += 1
            if short { $0.abandonedShort += 1 }
        }
    }

    /// Whether a customer arriving now is counted: the current interval lies after warm-up, so it will be reported.
    var countsCustomers: Bool { interval.startSeconds >= configuration.warmUp.seconds }

    /// Counts something that happened to a customer in the interval the customer arrived in (nothing for a
    /// customer who arrived before measurement began), so that each interval's ratios are over one set of customers.
    mutating func countCustomer(_ index: Int, _ update: (inout CustomerFigures) -> Void) {
        let slot = Int(conversations[index].reportedInterval)
        guard slot >= 0 else { return }
        if slot < metrics.intervals.count {
            update(&metrics.intervals[slot].customers)
        } else {
            update(&interval.customers)
        }
    }

    mutating func customerReplies(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard conversations[index].phase == .talking else { return }
        execute(.sendMessage(id, from: .customer, .text, body: "Thanks"))
        conversations[index].customerMessagesLeft -= 1
        schedule(.agentReplies(id), after: seconds(agentGroup(of: conversations[index].primaryAgent).replyTime, &agentRandom) + agentUplink())
    }

    // MARK: Routing and agents

    func agentGroup(of agent: Int) -> AgentGroup { configuration.agentGroups[agents[max(0, agent)].group] }

    /// The time an agent's action takes to reach the engine.
    mutating func agentUplink() -> TimeSpan { milliseconds(configuration.network.agent.upMilliseconds, &networkRandom) }

    /// Lists an agent with free capacity in each of its pools, and routes waiting customers to them.
    mutating func makeAvailable(_ agent: Int) {
        guard agents[agent].hasCapacity else { return }
        for pool in agents[agent].pools where !agents[agent].listedIn[pool] {
            agents[agent].listedIn[pool] = true
            pools[pool].available.append(Int32(agent))
        }
        for pool in agents[agent].pools { route(pool) }
    }

    /// Offers waiting conversations of a pool to its available agents, oldest first.
    mutating func route(_ pool: Int) {
        while let id = pools[pool].waiting.first {
            let index = Int(id.rawValue - 1)
            guard conversations[index].phase == .queued else {
                pools[pool].waiting.removeFirst()
                continue
            }
            guard let agent = nextAvailableAgent(in: pool) else { return }
            pools[pool].waiting.removeFirst()
            offer(id, to: agent)
        }
    }

    private mutating func nextAvailableAgent(in pool: Int) -> Int? {
        while let candidate = pools[pool].available.first.map(Int.init) {
            if agents[candidate].hasCapacity { return candidate }
            pools[pool].available.removeFirst()
            agents[candidate].listedIn[pool] = false
        }
        return nil
    }

    private mutating func offer(_ id: ConversationID, to agent: Int) {
        guard case .success(.participantAdded(let participant)) = execute(.alertAgent(id, agents[agent].user)) else { return }
        changeAgent(agent) { $0.active += 1 }
        let index = Int(id.rawValue - 1)
        if !conversations[index].answered, !conversations[index].offeredOnArrival, now == conversations[index].arrivedAt {
            conversations[index].offeredOnArrival = true
            countCustomer(index) { $0.offeredAtOnce += 1 }
        }
        conversations[index].phase = .alerting
        let answer = milliseconds(configuration.network.agent.upMilliseconds, &networkRandom)
        schedule(.agentAnswers(id, agent: Int32(agent), participant), after: answer)
    }

    mutating func agentAnswers(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        let index = Int(id.rawValue - 1)
        guard case .success = execute(.connectAgent(id, participant)) else {
            releaseCapacity(of: agent)
            return
        }
        if conversations[index].phase == .talking {
            // A conferenced second agent joined.
            schedule(.conferenceEnds(id, agent: Int32(agent), participant), after: seconds(agentGroup(of: agent).conferenceTime, &agentRandom))
            return
        }
        if !conversations[index].answered {
            let wait = now - conversations[index].arrivedAt
            let withinThreshold = wait <= configuration.serviceLevelThreshold
            countCustomer(index) {
                $0.answered += 1
                $0.waitSecondsTotal += wait.seconds
                if withinThreshold { $0.answeredWithinThreshold += 1 }
            }
        }
        if !conversations[index].answered {
            let group = agentGroup(of: agent)
            conversations[index].transferPending = chance(group.transferProbability, &agentRandom)
            conversations[index].conferencePending = chance(group.conferenceProbability, &agentRandom)
        }
        conversations[index].answered = true
        conversations[index].phase = .talking
        conversations[index].primaryAgent = agent
        conversations[index].primaryParticipant = participant
        inProgress.insert(id)
        inProgressByQueue[pools[conversations[index].pool].queue].insert(id)
        if let handleTime = configuration.channels[conversations[index].channel].handleTime {
            schedule(.agentCloses(id), after: seconds(handleTime, &customerRandom))
        } else {
            schedule(.agentReplies(id), after: seconds(agentGroup(of: agent).replyTime, &agentRandom) + agentUplink())
        }
    }

    mutating func agentReplies(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard conversations[index].phase == .talking else { return }
        let agent = conversations[index].primaryAgent
        execute(.sendMessage(id, from: conversations[index].primaryParticipant, .text, body: "Let me check"))
        if conversations[index].transferPending {
            conversations[index].transferPending = false
            transfer(id)
            return
        }
        if conversations[index].conferencePending {
            conversations[index].conferencePending = false
            conference(id)
        }
        if conversations[index].customerMessagesLeft > 0 {
            let think = seconds(configuration.channels[conversations[index].channel].customerReplyTime, &customerRandom)
            schedule(.customerReplies(id), after: think + milliseconds(configuration.network.customer.upMilliseconds, &networkRandom))
        } else {
            scheduleClose(id, after: seconds(agentGroup(of: agent).replyTime, &agentRandom))
        }
    }

    /// Schedules the end of the conversation; sometimes the monitoring supervisor stops at the
    /// very instant the conversation ends (stop-versus-end race).
    private mutating func scheduleClose(_ id: ConversationID, after delay: TimeSpan) {
        if let session = observer.session(of: id), chance(configuration.contention.stopAtConversationEndProbability, &contentionRandom),
            let supervisor = supervisorIndex(of: session.supervisor)
        {
            // Which of the two lands first at the same instant is drawn from the seed.
            let arrival = raceStop(supervisor, token: session.token, id, after: delay)
            schedule(.agentCloses(id), at: arrival + TimeSpan(nanoseconds: chance(0.5, &contentionRandom) ? 1 : 0))
        } else {
            schedule(.agentCloses(id), after: delay)
        }
    }

    /// What the agents' clients hear of their own participation: an `agentConnected` or `agentDisconnected`
    /// delivered to the agent it names. Behaviours decide from this and from answers, never from the engine's state.
    mutating func agentsHear(_ events: [EventRecord], _ deliveries: [Delivery]) {
        for delivery in deliveries {
            guard case .user(let recipient) = delivery.recipient else { continue }
            switch events[delivery.eventIndex].event {
            case .agentConnected(let id, let participant, let user, _) where user == recipient:
                let index = Int(id.rawValue - 1)
                let position = conversations[index].connectedAgents.firstIndex { $0.participant > participant }
                conversations[index].connectedAgents.insert(
                    ConnectedAgent(participant: participant, user: user), at: position ?? conversations[index].connectedAgents.endIndex)
            case .agentDisconnected(let id, let participant, let user, _) where user == recipient:
                conversations[Int(id.rawValue - 1)].connectedAgents.removeAll { $0.participant == participant }
            default:
                continue
            }
        }
    }

    mutating func agentCloses(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard conversations[index].phase == .talking else { return }
        let connected = conversations[index].connectedAgents
        guard case .success = execute(.endConversation(id)) else { return }
        conversations[index].phase = .ended
        leaveInProgress(id)
        for connection in connected {
            guard let agent = agentIndex(of: connection.user) else { continue }
            schedule(
                .wrapUpDone(id, agent: Int32(agent), connection.participant), after: seconds(agentGroup(of: agent).wrapUpTime, &agentRandom))
        }
    }

    private mutating func leaveInProgress(_ id: ConversationID) {
        inProgress.remove(id)
        inProgressByQueue[pools[conversations[Int(id.rawValue - 1)].pool].queue].remove(id)
    }

    /// A blind transfer back to the queue (M18: the monitored agent is transferred away);
    /// sometimes the supervisor stops at the same instant (stop-versus-transfer race).
    private mutating func transfer(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        if let session = observer.session(of: id), chance(configuration.contention.stopAtTransferProbability, &contentionRandom),
            let supervisor = supervisorIndex(of: session.supervisor)
        {
            _ = raceStop(supervisor, token: session.token, id, after: .zero)
        }
        let agent = conversations[index].primaryAgent
        let participant = conversations[index].primaryParticipant
        guard case .success = execute(.transfer(id, from: participant, to: .queue(queueIDs[pools[conversations[index].pool].queue]))) else { return }
        leaveInProgress(id)
        conversations[index].phase = .queued
        conversations[index].primaryAgent = -1
        schedule(.wrapUpDone(id, agent: Int32(agent), participant), after: seconds(agentGroup(of: agent).wrapUpTime, &agentRandom))
        pools[conversations[index].pool].waiting.append(id)
        route(conversations[index].pool)
    }

    /// A second agent joins for a while (M6: monitoring then needs an agent choice).
    private mutating func conference(_ id: ConversationID) {
        let pool = conversations[Int(id.rawValue - 1)].pool
        let primary = conversations[Int(id.rawValue - 1)].primaryAgent
        var candidate = pools[pool].available.first.map(Int.init)
        if candidate == primary { candidate = pools[pool].available.dropFirst().first.map(Int.init) }
        guard let agent = candidate, agent != primary, agents[agent].hasCapacity else { return }
        offer(id, to: agent)
        conversations[Int(id.rawValue - 1)].phase = .talking
    }

    mutating func conferenceEnds(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        guard conversations[Int(id.rawValue - 1)].connectedAgents.contains(where: { $0.participant == participant }) else { return }
        guard case .success = execute(.disconnectAgent(id, participant)) else { return }
        schedule(.wrapUpDone(id, agent: Int32(agent), participant), after: seconds(agentGroup(of: agent).wrapUpTime, &agentRandom))
    }

    mutating func wrapUpDone(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        let code = configuration.queues[pools[conversations[Int(id.rawValue - 1)].pool].queue].wrapUpCodes.first ?? "done"
        execute(.wrapUp(id, participant, code: code))
        releaseCapacity(of: agent)
    }

    private mutating func releaseCapacity(of agent: Int) {
        changeAgent(agent) { $0.active -= 1 }
        makeAvailable(agent)
    }

    /// The one place an agent's load or availability changes: occupancy is integrated up to
    /// now first, then its numerator (capacity in use) and denominator (agents present) follow.
    private mutating func changeAgent(_ agent: Int, _ change: (inout AgentRuntime) -> Void) {
        integrateOccupancy()
        let before = agents[agent]
        change(&agents[agent])
        let after = agents[agent]
        busyAgentUnits += Double(after.active - before.active) / Double(after.capacity)
        presentAgents += (after.isPresent ? 1 : 0) - (before.isPresent ? 1 : 0)
    }

    private mutating func scheduleBreak(_ agent: Int) {
        guard let interval = agentGroup(of: agent).breakInterval else { return }
        schedule(.breakStarts(agent: Int32(agent)), after: seconds(interval, &agentRandom))
    }

    /// Changes whether an agent takes conversations, keeping the staffed count and presence right.
    private mutating func setAgent(_ agent: Int, onBreak: Bool? = nil, offShift: Bool? = nil) {
        changeAgent(agent) {
            if let onBreak { $0.onBreak = onBreak }
            if let offShift { $0.offShift = offShift }
        }
        let staffed = agents[agent].isStaffed
        let presence: Presence = agents[agent].offShift ? .offline : agents[agent].onBreak ? .onBreak : .onQueue
        execute(.setPresence(agents[agent].user, presence))
        if staffed { makeAvailable(agent) }
    }

    mutating func breakStarts(_ agent: Int) {
        guard !agents[agent].offShift else { return }
        setAgent(agent, onBreak: true)
        schedule(.breakEnds(agent: Int32(agent)), after: seconds(agentGroup(of: agent).breakLength ?? .constant(900), &agentRandom))
    }

    mutating func breakEnds(_ agent: Int) {
        setAgent(agent, onBreak: false)
        if !agents[agent].offShift { scheduleBreak(agent) }
    }

    mutating func shiftStarts(_ agent: Int) {
        setAgent(agent, offShift: false)
        scheduleBreak(agent)
    }

    /// The agent takes no new conversations and goes offline; current ones continue to their end.
    mutating func shiftEnds(_ agent: Int) {
        setAgent(agent, onBreak: false, offShift: true)
    }

    func agentIndex(of user: UserID?) -> Int? {
        guard let user, user.rawValue >= 1, Int(user.rawValue) <= agents.count else { return nil }
        return Int(user.rawValue - 1)
    }

    func supervisorIndex(of user: UserID) -> Int? {
        let index = Int(user.rawValue) - 1 - agents.count
        return index >= 0 && index < supervisors.count ? index : nil
    }
}
