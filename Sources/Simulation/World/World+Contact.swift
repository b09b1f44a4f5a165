import DequeModule
import MonitoringEngine

extension World {
    // MARK: Set-up

    mutating func setUp() {
        if isExternal { cluster.setUpNodes() } else { setUpCluster() }
        defineDirectory()
        for (index, settings) in configuration.channels.enumerated() {
            let queueIndex = configuration.queues.firstIndex { $0.name == settings.queue } ?? 0
            let pool = routing.poolIndex(queue: queueIndex, kind: settings.kind)
            let arrivals = try! ArrivalProcess(
                ratesPerHour: settings.ratesPerHour, intervalLength: settings.profileInterval, continuation: .holdsLastRate)
            let platforms: Distribution? =
                settings.platforms.isEmpty
                ? nil
                : .weightedDiscrete(settings.platforms.enumerated().map { .init(value: Double($0.offset), weight: $0.element.weight) })
            routing.channels.append(ChannelRuntime(settings: settings, arrivals: arrivals, queue: queueIndex, pool: pool, platforms: platforms))
            scheduleArrival(on: index)
        }
        for index in routing.agents.indices {
            let group = configuration.agentGroups[routing.agents[index].group]
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
        for index in supervision.supervisors.indices {
            let group = supervisorProfile(index)
            schedule(.supervisorWakes(Int32(index), generation: 0), after: seconds(group.thinkTime, &supervision.supervisorRandom))
            if let interval = group.presenceChangeInterval {
                schedule(.presenceChange(Int32(index)), after: seconds(interval, &supervision.supervisorRandom))
            }
        }
        for (index, stampede) in configuration.contention.stampedes.enumerated() {
            schedule(.stampede(Int32(index)), at: Instant.zero + stampede.at)
        }
        if !isExternal { schedule(.leaseSweep, after: .seconds(1)) }
        // Reporting intervals start at the end of warm-up; the warm-up is one interval, dropped.
        schedule(.intervalEnds, at: configuration.warmUp > .zero ? warmUpEnd : Instant.zero + configuration.reportingInterval)
    }

    private mutating func defineDirectory() {
        // An external run's deployment holds the directory already, loaded from the same population.
        if !isExternal { for command in Population.directoryCommands(for: configuration) { execute(command) } }
        routing.agentProfiles = configuration.agentGroups.map(AgentProfile.init)
        supervision.profiles = configuration.supervisorGroups.map { SupervisorProfile($0, in: configuration) }
        routing.wrapUpCodes = configuration.queues.map { $0.wrapUpCodes.first ?? "done" }
        for index in configuration.queues.indices {
            routing.queueIDs.append(QueueID(UInt64(index + 1)))
            routing.inProgressByQueue.append(IndexedSet())
        }
        var nextUser: UInt64 = 1
        for (groupIndex, group) in configuration.agentGroups.enumerated() {
            let queues = group.queues.compactMap { name in configuration.queues.firstIndex { $0.name == name } }
            var groupPools: [Int] = []
            for queue in queues { for kind in group.channels { groupPools.append(routing.poolIndex(queue: queue, kind: kind)) } }
            for _ in 0..<group.count {
                var agent = AgentRuntime(
                    user: UserID(nextUser), group: groupIndex, capacity: max(1, group.capacity), pools: groupPools, listedIn: [])
                nextUser += 1
                agent.offShift = group.shiftStart != .zero
                routing.agents.append(agent)
            }
        }
        for (groupIndex, group) in configuration.supervisorGroups.enumerated() {
            for _ in 0..<group.count {
                supervision.supervisors.append(
                    SupervisorRuntime(user: UserID(nextUser), group: groupIndex, node: supervision.supervisors.count % cluster.nodes.count))
                nextUser += 1
            }
        }
        measurement.presentAgents = routing.agents.count { $0.isPresent }
        for index in routing.agents.indices { routing.agents[index].listedIn = Array(repeating: false, count: routing.pools.count) }
    }

    private mutating func scheduleArrival(on channel: Int) {
        if let next = routing.channels[channel].arrivals.nextArrival(after: now, using: &routing.arrivalRandom[channel]) {
            schedule(.arrival(channel: Int32(channel)), at: next)
        }
    }

    // MARK: Customers

    mutating func customerArrives(on index: Int) {
        scheduleArrival(on: index)
        let channel = routing.channels[index]
        let kind: Channel
        switch channel.settings.kind {
        case .webMessaging: kind = .webMessaging
        case .sms: kind = .sms
        case .voice: kind = .voice
        case .email: kind = .email
        case .messaging:
            let platform = channel.platforms.map { Int($0.sample(using: &routing.customerRandom)) } ?? 0
            kind = .messaging(channel.settings.platforms.isEmpty ? .whatsApp : channel.settings.platforms[platform].platform)
        }
        let context = ConversationContext(customer: CustomerDetails(name: "Customer"))
        submit(.createConversation(kind, context), then: .conversationCreated(channel: Int32(index)))
    }

    /// The customer's conversation exists: it joins its queue with a first message, and waits.
    private mutating func conversationCreated(_ id: ConversationID, on index: Int) {
        let channel = routing.channels[index]
        submit(.enqueue(id, routing.queueIDs[channel.queue]))
        submit(.sendMessage(id, from: .customer, .text, body: "Hello"))
        let runtime = ConversationRuntime(
            channel: index, pool: channel.pool, arrivedAt: now,
            customerMessagesLeft: max(0, Int(channel.settings.customerMessages.sample(using: &routing.customerRandom).rounded()) - 1),
            transferPending: false, conferencePending: false,
            reportedInterval: countsCustomers ? Int32(measurement.metrics.intervals.count) : -1)
        // Conversations are kept by id. Answers that come back over the link may come in another order than the store
        // numbered them: a later one's place waits, ended, until its own answer comes.
        let slot = Int(id.rawValue - 1)
        if slot == routing.conversations.count {
            routing.conversations.append(runtime)
        } else {
            while routing.conversations.count <= slot { routing.conversations.append(.placeholder) }
            routing.conversations[slot] = runtime
        }
        countCustomer(slot) { $0.offered += 1 }
        if let patience = channel.settings.patience {
            schedule(.abandon(id), after: seconds(patience, &routing.customerRandom))
        }
        routing.pools[channel.pool].waiting.append(id)
        route(channel.pool)
    }

    mutating func customerAbandons(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard routing.conversations[index].phase == .queued, !routing.conversations[index].answered else { return }
        submit(.abandon(id), then: .abandoned(id))
    }

    private mutating func abandoned(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        routing.conversations[index].phase = .ended
        let short = now - routing.conversations[index].arrivedAt < configuration.shortAbandonThreshold
        countCustomer(index) {
            $0.abandoned += 1
            if short { $0.abandonedShort += 1 }
        }
    }

    /// Whether a customer arriving now is counted: the current interval lies after warm-up, so it will be reported.
    var countsCustomers: Bool { measurement.interval.startSeconds >= configuration.warmUp.seconds }

    /// Counts something that happened to a customer in the interval the customer arrived in (nothing for a
    /// customer who arrived before measurement began), so that each interval's ratios are over one set of customers.
    mutating func countCustomer(_ index: Int, _ update: (inout CustomerFigures) -> Void) {
        let slot = Int(routing.conversations[index].reportedInterval)
        guard slot >= 0 else { return }
        if slot < measurement.metrics.intervals.count {
            update(&measurement.metrics.intervals[slot].customers)
        } else {
            update(&measurement.interval.customers)
        }
    }

    mutating func customerReplies(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard routing.conversations[index].phase == .talking else { return }
        submit(.sendMessage(id, from: .customer, .text, body: "Thanks"))
        routing.conversations[index].customerMessagesLeft -= 1
        schedule(
            .agentReplies(id),
            after: seconds(agentProfile(of: routing.conversations[index].primaryAgent).replyTime, &routing.agentRandom) + agentUplink())
    }

    // MARK: Routing and agents

    func agentProfile(of agent: Int) -> AgentProfile { routing.agentProfiles[routing.agents[max(0, agent)].group] }

    /// The time an agent's action takes to reach the engine.
    mutating func agentUplink() -> TimeSpan { milliseconds(configuration.network.agent.upMilliseconds, &cluster.networkRandom) }

    /// Lists an agent with free capacity in each of its pools, and routes waiting customers to them.
    mutating func makeAvailable(_ agent: Int) {
        guard routing.agents[agent].hasCapacity else { return }
        for pool in routing.agents[agent].pools where !routing.agents[agent].listedIn[pool] {
            routing.agents[agent].listedIn[pool] = true
            routing.pools[pool].available.append(Int32(agent))
        }
        for pool in routing.agents[agent].pools { route(pool) }
    }

    /// Offers waiting conversations of a pool to its available agents, oldest first.
    mutating func route(_ pool: Int) {
        while let id = routing.pools[pool].waiting.first {
            let index = Int(id.rawValue - 1)
            guard routing.conversations[index].phase == .queued else {
                routing.pools[pool].waiting.removeFirst()
                continue
            }
            guard let agent = routing.nextAvailableAgent(in: pool) else { return }
            routing.pools[pool].waiting.removeFirst()
            offer(id, to: agent)
        }
    }

    /// Alerts an agent to a waiting conversation, or, as a conference, to one already in progress.
    /// The agent's capacity is taken when the alert is sent, so that routing, going on while the answer is on its way,
    /// does not offer the same capacity twice; a refused alert gives it back.
    private mutating func offer(_ id: ConversationID, to agent: Int, conference: Bool = false) {
        changeAgent(agent) { $0.active += 1 }
        submit(.alertAgent(id, routing.agents[agent].user), then: .alerted(id, agent: Int32(agent), conference: conference))
    }

    private mutating func alerted(_ id: ConversationID, agent: Int, _ participant: ParticipantID, conference: Bool) {
        let index = Int(id.rawValue - 1)
        // Ended (abandoned) while the alert's answer was on its way: the agent's alert is moot.
        guard routing.conversations[index].phase != .ended else {
            alertRefused(agent: agent)
            return
        }
        if !routing.conversations[index].answered, !routing.conversations[index].offeredOnArrival, now == routing.conversations[index].arrivedAt {
            routing.conversations[index].offeredOnArrival = true
            countCustomer(index) { $0.offeredAtOnce += 1 }
        }
        if !conference { routing.conversations[index].phase = .alerting }
        let answer = milliseconds(configuration.network.agent.upMilliseconds, &cluster.networkRandom)
        schedule(.agentAnswers(id, agent: Int32(agent), participant), after: answer)
    }

    mutating func agentAnswers(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        submit(.connectAgent(id, participant), then: .connected(id, agent: Int32(agent), participant))
    }

    private mutating func connected(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        let index = Int(id.rawValue - 1)
        // Ended while the connection's answer was on its way: the end's answer came first, and the agent's wrap-up with it.
        guard routing.conversations[index].phase != .ended else { return }
        if routing.conversations[index].phase == .talking {
            // A conferenced second agent joined.
            schedule(
                .conferenceEnds(id, agent: Int32(agent), participant), after: seconds(agentProfile(of: agent).conferenceTime, &routing.agentRandom))
            return
        }
        if !routing.conversations[index].answered {
            let wait = now - routing.conversations[index].arrivedAt
            let withinThreshold = wait <= configuration.serviceLevelThreshold
            countCustomer(index) {
                $0.answered += 1
                $0.waitSecondsTotal += wait.seconds
                if withinThreshold { $0.answeredWithinThreshold += 1 }
            }
        }
        if !routing.conversations[index].answered {
            let group = agentProfile(of: agent)
            routing.conversations[index].transferPending = chance(group.transferProbability, &routing.agentRandom)
            routing.conversations[index].conferencePending = chance(group.conferenceProbability, &routing.agentRandom)
        }
        routing.conversations[index].answered = true
        routing.conversations[index].phase = .talking
        routing.conversations[index].primaryAgent = agent
        routing.conversations[index].primaryParticipant = participant
        routing.inProgress.insert(id)
        routing.inProgressByQueue[routing.pools[routing.conversations[index].pool].queue].insert(id)
        if let handleTime = configuration.channels[routing.conversations[index].channel].handleTime {
            schedule(.agentCloses(id), after: seconds(handleTime, &routing.customerRandom))
        } else {
            schedule(.agentReplies(id), after: seconds(agentProfile(of: agent).replyTime, &routing.agentRandom) + agentUplink())
        }
    }

    mutating func agentReplies(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard routing.conversations[index].phase == .talking else { return }
        let agent = routing.conversations[index].primaryAgent
        submit(.sendMessage(id, from: routing.conversations[index].primaryParticipant, .text, body: "Let me check"))
        if routing.conversations[index].transferPending {
            routing.conversations[index].transferPending = false
            transfer(id)
            return
        }
        if routing.conversations[index].conferencePending {
            routing.conversations[index].conferencePending = false
            conference(id)
        }
        if routing.conversations[index].customerMessagesLeft > 0 {
            let think = seconds(configuration.channels[routing.conversations[index].channel].customerReplyTime, &routing.customerRandom)
            schedule(.customerReplies(id), after: think + milliseconds(configuration.network.customer.upMilliseconds, &cluster.networkRandom))
        } else {
            scheduleClose(id, after: seconds(agentProfile(of: agent).replyTime, &routing.agentRandom))
        }
    }

    /// Schedules the end of the conversation; sometimes the monitoring supervisor stops at the
    /// very instant the conversation ends (stop-versus-end race).
    private mutating func scheduleClose(_ id: ConversationID, after delay: TimeSpan) {
        if let session = measurement.observer.session(of: id),
            chance(configuration.contention.stopAtConversationEndProbability, &supervision.contentionRandom),
            let supervisor = supervisorIndex(of: session.supervisor)
        {
            // Which of the two lands first at the same instant is drawn from the seed.
            let arrival = raceStop(supervisor, token: session.token, id, after: delay)
            schedule(.agentCloses(id), at: arrival + TimeSpan(nanoseconds: chance(0.5, &supervision.contentionRandom) ? 1 : 0))
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
                let position = routing.conversations[index].connectedAgents.firstIndex { $0.participant > participant }
                routing.conversations[index].connectedAgents.insert(
                    ConnectedAgent(participant: participant, user: user), at: position ?? routing.conversations[index].connectedAgents.endIndex)
            case .agentDisconnected(let id, let participant, let user, _) where user == recipient:
                routing.conversations[Int(id.rawValue - 1)].connectedAgents.removeAll { $0.participant == participant }
            default:
                continue
            }
        }
    }

    mutating func agentCloses(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        guard routing.conversations[index].phase == .talking else { return }
        // The agents' clients knew who was connected when the end was sent; the end's own notifications disconnect them.
        submit(.endConversation(id), then: .ended(id, routing.conversations[index].connectedAgents))
    }

    private mutating func ended(_ id: ConversationID, _ connected: [ConnectedAgent]) {
        let index = Int(id.rawValue - 1)
        routing.conversations[index].phase = .ended
        routing.leaveInProgress(id)
        for connection in connected {
            guard let agent = routing.agentIndex(of: connection.user) else { continue }
            schedule(
                .wrapUpDone(id, agent: Int32(agent), connection.participant), after: seconds(agentProfile(of: agent).wrapUpTime, &routing.agentRandom)
            )
        }
    }

    /// A blind transfer back to the queue (M18: the monitored agent is transferred away);
    /// sometimes the supervisor stops at the same instant (stop-versus-transfer race).
    private mutating func transfer(_ id: ConversationID) {
        let index = Int(id.rawValue - 1)
        if let session = measurement.observer.session(of: id),
            chance(configuration.contention.stopAtTransferProbability, &supervision.contentionRandom),
            let supervisor = supervisorIndex(of: session.supervisor)
        {
            _ = raceStop(supervisor, token: session.token, id, after: .zero)
        }
        let agent = routing.conversations[index].primaryAgent
        let participant = routing.conversations[index].primaryParticipant
        submit(
            .transfer(id, from: participant, to: .queue(routing.queueIDs[routing.pools[routing.conversations[index].pool].queue])),
            then: .transferred(id, agent: Int32(agent), participant))
    }

    private mutating func transferred(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        let index = Int(id.rawValue - 1)
        guard routing.conversations[index].phase != .ended else {
            // Ended while the transfer's answer was on its way: the transferring agent wraps up; nothing is queued again.
            schedule(.wrapUpDone(id, agent: Int32(agent), participant), after: seconds(agentProfile(of: agent).wrapUpTime, &routing.agentRandom))
            return
        }
        routing.leaveInProgress(id)
        routing.conversations[index].phase = .queued
        routing.conversations[index].primaryAgent = -1
        schedule(.wrapUpDone(id, agent: Int32(agent), participant), after: seconds(agentProfile(of: agent).wrapUpTime, &routing.agentRandom))
        routing.pools[routing.conversations[index].pool].waiting.append(id)
        route(routing.conversations[index].pool)
    }

    /// A second agent joins for a while (M6: monitoring then needs an agent choice).
    private mutating func conference(_ id: ConversationID) {
        let pool = routing.conversations[Int(id.rawValue - 1)].pool
        let primary = routing.conversations[Int(id.rawValue - 1)].primaryAgent
        var candidate = routing.pools[pool].available.first.map(Int.init)
        if candidate == primary { candidate = routing.pools[pool].available.dropFirst().first.map(Int.init) }
        guard let agent = candidate, agent != primary, routing.agents[agent].hasCapacity else { return }
        offer(id, to: agent, conference: true)
    }

    mutating func conferenceEnds(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        guard routing.conversations[Int(id.rawValue - 1)].connectedAgents.contains(where: { $0.participant == participant }) else { return }
        submit(.disconnectAgent(id, participant), then: .disconnected(id, agent: Int32(agent), participant))
    }

    private mutating func disconnected(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        schedule(.wrapUpDone(id, agent: Int32(agent), participant), after: seconds(agentProfile(of: agent).wrapUpTime, &routing.agentRandom))
    }

    mutating func wrapUpDone(_ id: ConversationID, agent: Int, _ participant: ParticipantID) {
        let code = routing.wrapUpCodes[routing.pools[routing.conversations[Int(id.rawValue - 1)].pool].queue]
        submit(.wrapUp(id, participant, code: code))
        releaseCapacity(of: agent)
    }

    /// An alert was refused: the capacity taken for it goes back, and routing goes on from the same place.
    mutating func alertRefused(agent: Int) {
        changeAgent(agent) { $0.active -= 1 }
    }

    mutating func releaseCapacity(of agent: Int) {
        changeAgent(agent) { $0.active -= 1 }
        makeAvailable(agent)
    }

    /// The one place an agent's load or availability changes: occupancy is integrated up to
    /// now first, then its numerator (capacity in use) and denominator (agents present) follow.
    private mutating func changeAgent(_ agent: Int, _ change: (inout AgentRuntime) -> Void) {
        measurement.integrateOccupancy(to: now)
        let before = routing.agents[agent]
        change(&routing.agents[agent])
        let after = routing.agents[agent]
        measurement.busyAgentUnits += Double(after.active - before.active) / Double(after.capacity)
        measurement.presentAgents += (after.isPresent ? 1 : 0) - (before.isPresent ? 1 : 0)
        if after.active > after.capacity || after.active < 0 { measurement.agentCapacityBreaches += 1 }
    }

    private mutating func scheduleBreak(_ agent: Int) {
        guard let interval = agentProfile(of: agent).breakInterval else { return }
        schedule(.breakStarts(agent: Int32(agent)), after: seconds(interval, &routing.agentRandom))
    }

    /// Changes whether an agent takes conversations, keeping the staffed count and presence right.
    private mutating func setAgent(_ agent: Int, onBreak: Bool? = nil, offShift: Bool? = nil) {
        changeAgent(agent) {
            if let onBreak { $0.onBreak = onBreak }
            if let offShift { $0.offShift = offShift }
        }
        let staffed = routing.agents[agent].isStaffed
        let presence: Presence = routing.agents[agent].offShift ? .offline : routing.agents[agent].onBreak ? .onBreak : .onQueue
        submit(.setPresence(routing.agents[agent].user, presence))
        if staffed { makeAvailable(agent) }
    }

    mutating func breakStarts(_ agent: Int) {
        guard !routing.agents[agent].offShift else { return }
        setAgent(agent, onBreak: true)
        schedule(.breakEnds(agent: Int32(agent)), after: seconds(agentProfile(of: agent).breakLength, &routing.agentRandom))
    }

    mutating func breakEnds(_ agent: Int) {
        setAgent(agent, onBreak: false)
        if !routing.agents[agent].offShift { scheduleBreak(agent) }
    }

    mutating func shiftStarts(_ agent: Int) {
        setAgent(agent, offShift: false)
        scheduleBreak(agent)
    }

    /// The agent takes no new conversations and goes offline; current ones continue to their end.
    mutating func shiftEnds(_ agent: Int) {
        setAgent(agent, onBreak: false, offShift: true)
    }

    func supervisorIndex(of user: UserID) -> Int? {
        let index = Int(user.rawValue) - 1 - routing.agents.count
        return index >= 0 && index < supervision.supervisors.count ? index : nil
    }
}

// MARK: - Answers

/// What a customer's or an agent's client does once its command is answered: the rest of a behaviour, kept as a
/// value, like the world's events, so that an answer can come back at once (from the simulated store) or later
/// (from a live deployment, over HTTP) and be handled the same way.
enum AnswerHandler: Sendable {
    /// Nothing the client does next depends on the answer: a message, a wrap-up, a presence change.
    case ignored
    /// A customer's new conversation: it joins its channel's queue.
    case conversationCreated(channel: Int32)
    case abandoned(ConversationID)
    /// An agent alerted to a conversation, as its first agent or, in a conference, a second one.
    case alerted(ConversationID, agent: Int32, conference: Bool)
    case connected(ConversationID, agent: Int32, ParticipantID)
    /// The end of a conversation, with the agents its clients knew to be connected when they sent it.
    case ended(ConversationID, [ConnectedAgent])
    case transferred(ConversationID, agent: Int32, ParticipantID)
    case disconnected(ConversationID, agent: Int32, ParticipantID)

    /// Whose link the answer comes back on; nil when nothing waits for it.
    enum Link { case customer, agent }

    var link: Link? {
        switch self {
        case .ignored: nil
        case .conversationCreated, .abandoned: .customer
        case .alerted, .connected, .ended, .transferred, .disconnected: .agent
        }
    }
}

extension World {
    /// The customers' and agents' side of the gateway: a client's command leaves for the store and its answer comes
    /// back to `answered(_:_:)` with what the client meant to do next. Their network time is drawn before the command
    /// is sent (the delay of the event that sends it), so in the simulator the answer comes back at the same instant;
    /// a live driver calls `answered` when the response arrives.
    mutating func submit(_ command: Command, then handler: AnswerHandler = .ignored) {
        guard !isExternal else {
            submitExternally(command, then: handler)
            return
        }
        let answer = execute(command)
        guard configuration.network.clientAnswers == .overTheLink, let link = handler.link else {
            answered(answer, handler)
            return
        }
        let down = link == .customer ? configuration.network.customer.downMilliseconds : configuration.network.agent.downMilliseconds
        let delay = milliseconds(down, &cluster.networkRandom)
        let slot: Int
        if let free = routing.freeAnswerSlots.popLast() {
            slot = Int(free)
            routing.answersInFlight[slot] = (answer, handler)
        } else {
            slot = routing.answersInFlight.count
            routing.answersInFlight.append((answer, handler))
        }
        schedule(.answerArrives(Int32(slot)), after: delay)
    }

    /// An answer that came back over its client's link.
    mutating func answerArrives(_ slot: Int) {
        guard let (answer, handler) = routing.answersInFlight[slot] else { return }
        routing.answersInFlight[slot] = nil
        routing.freeAnswerSlots.append(Int32(slot))
        answered(answer, handler)
    }

    /// A client's answer, handed to the behaviour that waits for it. A refused command changes nothing the client
    /// knows, except an agent's connection, whose capacity goes back.
    mutating func answered(_ answer: Result<Outcome, MonitoringError>, _ handler: AnswerHandler) {
        switch (handler, answer) {
        case (.ignored, _):
            return
        case (.conversationCreated(let channel), .success(.conversationCreated(let id))):
            conversationCreated(id, on: Int(channel))
        case (.abandoned(let id), .success):
            abandoned(id)
        case (.alerted(let id, let agent, let conference), .success(.participantAdded(let participant))):
            alerted(id, agent: Int(agent), participant, conference: conference)
        case (.alerted(_, let agent, _), _):
            alertRefused(agent: Int(agent))
        case (.connected(let id, let agent, let participant), .success):
            connected(id, agent: Int(agent), participant)
        case (.connected(_, let agent, _), .failure):
            releaseCapacity(of: Int(agent))
        case (.ended(let id, let connected), .success):
            ended(id, connected)
        case (.transferred(let id, let agent, let participant), .success):
            transferred(id, agent: Int(agent), participant)
        case (.disconnected(let id, let agent, let participant), .success):
            disconnected(id, agent: Int(agent), participant)
        default:
            return
        }
    }
}
