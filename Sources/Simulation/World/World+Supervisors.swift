import MonitoringEngine

extension World {
    func supervisorProfile(_ index: Int) -> SupervisorProfile { supervision.profiles[supervision.supervisors[index].group] }

    private mutating func rest(_ index: Int) {
        supervision.supervisors[index].phase = .idle
        supervision.supervisors[index].generation &+= 1
        let think = seconds(supervisorProfile(index).thinkTime, &supervision.supervisorRandom)
        schedule(.supervisorWakes(Int32(index), generation: supervision.supervisors[index].generation), after: think)
    }

    // MARK: Choosing and starting

    mutating func supervisorWakes(_ index: Int, _ generation: UInt32) {
        guard supervision.supervisors[index].generation == generation, supervision.supervisors[index].phase == .idle else { return }
        guard supervision.supervisors[index].presence == .available, let target = pickConversation(for: index) else {
            rest(index)
            return
        }
        let group = supervisorProfile(index)
        let entryPoint: EntryPoint = chance(group.queueActivityShare, &supervision.supervisorRandom) ? .queueActivity : .interactions
        beginStart(index, target, entryPoint)
    }

    private mutating func beginStart(_ index: Int, _ target: ConversationID, _ entryPoint: EntryPoint) {
        supervision.supervisors[index].phase = .starting
        supervision.supervisors[index].conversation = target
        send(ClientRequest(supervisor: index, operation: .start(target, entryPoint), sentAt: now, attempt: 0))
        if chance(configuration.contention.presenceFlapAroundStartProbability, &supervision.contentionRandom) {
            let offset = TimeSpan(nanoseconds: Int64(supervision.contentionRandom.nextUnitInterval() * 1e8))
            schedule(.presenceFlap(Int32(index), .busy), after: offset)
            schedule(.presenceFlap(Int32(index), .available), after: offset + .seconds(1))
        }
    }

    /// Picks an interaction the supervisor's (possibly stale) view shows as free, by the group's policy.
    private mutating func pickConversation(for index: Int) -> ConversationID? {
        let group = supervisorProfile(index)
        let viewer = supervision.supervisors[index].user
        let node = supervision.supervisors[index].node
        guard cluster.nodes[node].isUp else { return nil }
        let followsButtons = group.followsButtons
        let external = isExternal
        let consoles = self.external.consoles
        func shownFree(_ id: ConversationID) -> Bool {
            guard followsButtons else { return true }
            // A live run's consoles show what the deployment notified its supervisors of, once received.
            if external { return consoles[id]?.monitored != true }
            if case .monitor = cluster.nodes[node].views.button(for: id, viewer: viewer) { return true }
            return false
        }
        var random = supervision.supervisorRandom
        defer { supervision.supervisorRandom = random }
        switch group.policy {
        case .longest:
            // The oldest conversation shown free: a button is looked at only for a conversation older than the
            // best found so far, so a scan of thousands asks for a handful of buttons, not one each.
            var oldest: ConversationID?
            for id in routing.inProgress.elements where oldest.map({ id < $0 }) ?? true {
                if shownFree(id) { oldest = id }
            }
            return oldest
        case .random:
            return randomPick(routing.inProgress, &random, shownFree)
        case .queue(let queue):
            guard let queue else { return nil }
            return randomPick(routing.inProgressByQueue[queue], &random, shownFree)
        case .agentGroup(let groupIndex):
            guard let groupIndex else { return nil }
            return randomPick(routing.inProgress, &random) { id in
                let agent = routing.conversations[Int(id.rawValue - 1)].primaryAgent
                return agent >= 0 && routing.agents[agent].group == groupIndex && shownFree(id)
            }
        }
    }

    /// Up to eight random draws for one the predicate accepts.
    private func randomPick(
        _ set: IndexedSet<ConversationID>, _ random: inout Xoshiro256StarStar, _ accept: (ConversationID) -> Bool
    ) -> ConversationID? {
        guard !set.isEmpty else { return nil }
        for _ in 0..<8 {
            let id = set[random.nextIndex(below: set.count)]
            if accept(id) { return id }
        }
        return nil
    }

    // MARK: Monitoring

    private mutating func startSucceeded(_ index: Int, _ session: MonitorSession) {
        supervision.supervisors[index].phase = .monitoring
        supervision.supervisors[index].conversation = session.id.conversation
        supervision.supervisors[index].token = session.id.token
        supervision.supervisors[index].generation &+= 1
        let generation = supervision.supervisors[index].generation
        let group = supervisorProfile(index)
        let hold = seconds(group.holdTime, &supervision.supervisorRandom)
        if chance(group.vanishProbability, &supervision.supervisorRandom) {
            supervision.supervisors[index].phase = .vanished
            schedule(.clientReturns(Int32(index), generation: generation), after: hold)
            return
        }
        schedule(.renewDue(Int32(index), generation: generation), after: configuration.engine.renewalInterval)
        schedule(.holdEnds(Int32(index), generation: generation), after: hold)
    }

    mutating func renewDue(_ index: Int, _ generation: UInt32) {
        guard supervision.supervisors[index].generation == generation, supervision.supervisors[index].phase == .monitoring else { return }
        let session = SessionID(conversation: supervision.supervisors[index].conversation, token: supervision.supervisors[index].token)
        send(ClientRequest(supervisor: index, operation: .renew(session), sentAt: now, attempt: 0))
        schedule(.renewDue(Int32(index), generation: generation), after: configuration.engine.renewalInterval)
    }

    mutating func holdEnds(_ index: Int, _ generation: UInt32) {
        guard supervision.supervisors[index].generation == generation, supervision.supervisors[index].phase == .monitoring else { return }
        let session = SessionID(conversation: supervision.supervisors[index].conversation, token: supervision.supervisors[index].token)
        let source: StopSource = chance(supervisorProfile(index).stopFromInteractionShare, &supervision.supervisorRandom) ? .interaction : .details
        supervision.supervisors[index].phase = .stopping
        send(ClientRequest(supervisor: index, operation: .stop(session, source), sentAt: now, attempt: 0))
        let contention = configuration.contention
        if chance(contention.duplicateStopProbability, &supervision.contentionRandom) {
            send(ClientRequest(supervisor: index, operation: .stop(session, source), sentAt: now, attempt: 0, isEcho: true))
        }
        if chance(contention.lateStopProbability, &supervision.contentionRandom) {
            schedule(
                .lateStop(Int32(index), token: session.token, session.conversation),
                after: seconds(contention.lateStopDelaySeconds, &supervision.contentionRandom))
        }
    }

    mutating func lateStop(_ index: Int, _ token: UInt64, _ id: ConversationID) {
        let session = SessionID(conversation: id, token: token)
        send(ClientRequest(supervisor: index, operation: .stop(session, .interaction), sentAt: now, attempt: 0, isEcho: true))
    }

    /// Sends a stop timed to reach the engine `delay` from now; returns the instant it arrives,
    /// at which the caller schedules the competing end so both land on the same instant.
    mutating func raceStop(_ index: Int, token: UInt64, _ id: ConversationID, after delay: TimeSpan) -> Instant {
        let session = SessionID(conversation: id, token: token)
        let request = supervision.allocate(
            ClientRequest(supervisor: index, operation: .stop(session, .interaction), sentAt: now, attempt: 0, isEcho: true))
        supervision.requests[request].key = supervision.requests[request].serial
        measurement.history.append(now, process: index, .invoke, .stop, conversation: id, token: token, request: supervision.requests[request].serial)
        schedule(.requestArrives(Int32(request)), about: request, after: delay)
        schedule(.requestTimesOut(Int32(request)), about: request, after: configuration.network.supervisor.timeout)
        return now + delay
    }

    /// The engine reported a session's end (M18, M19): the holder's client hears of it.
    mutating func sessionEnded(_ session: LockObserver.ActiveSession, _ id: ConversationID, _ reason: EndReason, at instant: Instant) {
        if measuring {
            // Like every other count of the summary, after warm-up only.
            measurement.metrics.automaticEnds[reason.rawValue, default: 0] +=
                reason == .stoppedFromDetails || reason == .stoppedFromInteraction ? 0 : 1
            measurement.metrics.endsByReason[reason.rawValue, default: 0] += 1
            measurement.interval.monitoredSeconds += (instant - session.startedAt).seconds
            measurement.metrics.monitoredSeconds += (instant - session.startedAt).seconds
        }
        if reason != .stoppedFromDetails && reason != .stoppedFromInteraction {
            let process = supervisorIndex(of: session.supervisor) ?? -1
            let serial = supervision.nextRequestSerial
            supervision.nextRequestSerial += 1
            // Recorded when the store decided it, so the history stays in real-time order (in a live run, at the
            // store's instant of the end, which the notification carries, before it reached the console).
            let decided = isExternal ? min(instant, now) : now
            measurement.history.append(
                decided, process: process, .invoke, .end, conversation: id, token: session.token, reason: reason.rawValue, request: serial)
            measurement.history.append(
                decided, process: process, .ok, .end, conversation: id, token: session.token, reason: reason.rawValue, request: serial)
        }
        guard let index = supervisorIndex(of: session.supervisor) else { return }
        // In a live run the notification has reached the console already.
        let push = isExternal ? .zero : milliseconds(configuration.network.supervisor.downMilliseconds, &cluster.networkRandom)
        schedule(.sessionEndNotice(Int32(index), token: session.token, id), after: push)
    }

    mutating func sessionEndNotice(_ index: Int, _ token: UInt64, _ id: ConversationID) {
        guard supervision.supervisors[index].conversation == id, supervision.supervisors[index].token == token,
            supervision.supervisors[index].phase == .monitoring
        else { return }
        rest(index)
    }

    mutating func clientReturns(_ index: Int, _ generation: UInt32) {
        guard supervision.supervisors[index].generation == generation, supervision.supervisors[index].phase == .vanished else { return }
        rest(index)
    }

    // MARK: Presence

    mutating func presenceChange(_ index: Int) {
        let group = supervisorProfile(index)
        guard !group.presenceChangeTo.isEmpty else { return }
        let presence = group.presenceChangeTo[supervision.supervisorRandom.nextIndex(below: group.presenceChangeTo.count)]
        setPresence(index, presence)
        schedule(.presenceRestore(Int32(index)), after: seconds(group.presenceChangeLength, &supervision.supervisorRandom))
        if let interval = group.presenceChangeInterval {
            schedule(
                .presenceChange(Int32(index)),
                after: seconds(interval, &supervision.supervisorRandom) + seconds(group.presenceChangeLength, &supervision.supervisorRandom))
        }
    }

    mutating func presenceRestore(_ index: Int) { setPresence(index, .available) }

    mutating func presenceFlap(_ index: Int, to presence: Presence) { setPresence(index, presence) }

    private mutating func setPresence(_ index: Int, _ presence: Presence) {
        let user = supervision.supervisors[index].user
        supervision.supervisors[index].presence = presence
        submit(.setPresence(user, presenceAsApplied(user, presence)))
        // In a live run the presence's answer and the sessions' ends are still on their way: the observer checks
        // them when the deployment's notification of the presence comes (M18).
        if presence == .offline, !isExternal { measurement.observer.checkNoSessions(of: user, wentOffline: now) }
    }

    // MARK: Stampedes

    /// K idle supervisors go for one conversation within a window (M8 under contention).
    mutating func stampede(_ index: Int) {
        let settings = configuration.contention.stampedes[index]
        if let every = settings.every { schedule(.stampede(Int32(index)), after: every) }
        guard !routing.inProgress.isEmpty else { return }
        let target = routing.inProgress[supervision.contentionRandom.nextIndex(below: routing.inProgress.count)]
        var chosen = 0
        var tries = 0
        while chosen < settings.supervisors, tries < settings.supervisors * 8, !supervision.supervisors.isEmpty {
            tries += 1
            let supervisor = supervision.contentionRandom.nextIndex(below: supervision.supervisors.count)
            guard supervision.supervisors[supervisor].phase == .idle else { continue }
            supervision.supervisors[supervisor].phase = .starting
            supervision.supervisors[supervisor].generation &+= 1
            chosen += 1
            let offset = TimeSpan(nanoseconds: Int64(supervision.contentionRandom.nextUnitInterval() * Double(settings.window.nanoseconds)))
            schedule(.stampedeAttempt(Int32(supervisor), target), after: offset)
        }
    }

    mutating func stampedeAttempt(_ index: Int, _ target: ConversationID) {
        beginStart(index, target, .interactions)
    }

    // MARK: The network

    /// Schedules an event about a request, counting it so the request is freed only after its last event.
    mutating func schedule(_ event: WorldEvent, about request: Int, after delay: TimeSpan) {
        supervision.requests[request].liveEvents += 1
        schedule(event, after: delay)
    }

    /// Sends a request to the supervisor's node; the client gives up after its time-out.
    private mutating func send(_ request: ClientRequest) {
        let index = supervision.allocate(request)
        if supervision.requests[index].key < 0 { supervision.requests[index].key = supervision.requests[index].serial }
        let link = configuration.network.supervisor
        // In a live run a retry carries its first attempt's Idempotency-Key: it is the same operation, whose answer
        // may be the first attempt's, replayed. It goes on under the first attempt's invocation, not a new one.
        if !(isExternal && request.attempt > 0) {
            measurement.history.append(
                now, process: request.supervisor, .invoke, request.function, conversation: request.conversation, token: request.token,
                request: supervision.requests[index].serial)
        }
        schedule(.requestTimesOut(Int32(index)), about: index, after: link.timeout)
        // A live run's network is real: the request leaves now.
        guard !isExternal else {
            schedule(.requestArrives(Int32(index)), about: index, after: .zero)
            return
        }
        guard let delay = cluster.clientHop(link.upMilliseconds, at: now, spikes: configuration.contention.latencySpikes) else { return }
        schedule(.requestArrives(Int32(index)), about: index, after: delay)
    }

    /// The request reaches the supervisor's node, which forwards it to the store.
    mutating func requestArrives(_ index: Int) {
        defer { supervision.release(index) }
        guard !isExternal else {
            sendExternally(index, command(of: supervision.requests[index]))
            return
        }
        let node = supervision.supervisors[supervision.requests[index].supervisor].node
        guard cluster.nodes[node].isUp else { return }
        measurement.interval.nodeRequests += 1
        supervision.requests[index].nodeEpoch = cluster.nodes[node].epoch
        // A node with a service time works on `nodeWorkers` requests at a time: a request goes to the worker that is
        // free first, and waits for it.
        var queued = TimeSpan.zero
        if let service = configuration.cluster.nodeServiceMilliseconds {
            var worker = 0
            for index in cluster.nodes[node].busyUntil.indices.dropFirst()
            where cluster.nodes[node].busyUntil[index] < cluster.nodes[node].busyUntil[worker] {
                worker = index
            }
            let done = max(now, cluster.nodes[node].busyUntil[worker]) + milliseconds(service, &cluster.clusterRandom)
            cluster.nodes[node].busyUntil[worker] = done
            queued = done - now
        }
        forwardToStore(index, from: node, after: queued)
        if chance(configuration.cluster.messageDuplicationProbability, &cluster.clusterRandom) { forwardToStore(index, from: node, after: queued) }
    }

    private mutating func forwardToStore(_ index: Int, from node: Int, after queued: TimeSpan) {
        guard let delay = cluster.storeHop(node, at: now) else { return }
        schedule(.requestReachesStore(Int32(index)), about: index, after: queued + delay)
    }

    /// The store applies the request atomically, once: a duplicate delivery gets the first answer.
    mutating func requestReachesStore(_ index: Int) {
        defer { supervision.release(index) }
        if supervision.requests[index].result == nil { supervision.requests[index].result = applyAtStore(supervision.requests[index]) }
        guard let delay = cluster.storeHop(supervision.supervisors[supervision.requests[index].supervisor].node, at: now) else { return }
        schedule(.responseReachesNode(Int32(index)), about: index, after: delay)
    }

    /// The answer reaches the node; a node that crashed since it took the request has lost it.
    mutating func responseReachesNode(_ index: Int) {
        defer { supervision.release(index) }
        let node = supervision.supervisors[supervision.requests[index].supervisor].node
        guard cluster.nodes[node].isUp, cluster.nodes[node].epoch == supervision.requests[index].nodeEpoch else { return }
        guard
            let delay = cluster.clientHop(configuration.network.supervisor.downMilliseconds, at: now, spikes: configuration.contention.latencySpikes)
        else { return }
        schedule(.responseArrives(Int32(index)), about: index, after: delay)
    }

    /// The command a request becomes at the store, with the supervisor's agent choice (M6): the
    /// console shows the agents and the supervisor picks one at once.
    private mutating func applyAtStore(_ request: ClientRequest) -> Result<Outcome, MonitoringError> {
        let supervisor = supervision.supervisors[request.supervisor].user
        let command: Command =
            switch request.operation {
            case .start(let id, let entryPoint): .startMonitoring(id, supervisor: supervisor, agent: nil, via: entryPoint)
            case .stop(let session, let source): .stopMonitoring(session, by: supervisor, from: source)
            case .renew(let session): .renewLease(session, by: supervisor)
            }
        let node = supervision.supervisors[request.supervisor].node
        var result = executeAtStore(command, from: node)
        if case .failure(.agentChoiceRequired(let choices)) = result, case .start(let id, let entryPoint) = request.operation,
            !choices.isEmpty
        {
            let choice = choices[supervision.supervisorRandom.nextIndex(below: choices.count)]
            result = executeAtStore(.startMonitoring(id, supervisor: supervisor, agent: choice.participant, via: entryPoint), from: node)
        }
        return result
    }

    mutating func responseArrives(_ index: Int) {
        defer { supervision.release(index) }
        guard !supervision.requests[index].timedOut, !supervision.requests[index].answered, let result = supervision.requests[index].result else {
            return
        }
        supervision.requests[index].answered = true
        let request = supervision.requests[index]
        // A live run's answer came when its client read it, a little before the driver handed it on.
        let at = external.answeredAt.map { min($0, now) } ?? now
        if measuring { measurement.metrics.recordLatency(request.function, at - request.sentAt) }
        switch result {
        case .success(let outcome):
            var token = request.token
            if case .monitoringStarted(let session) = outcome { token = session.id.token }
            if case .alreadyMonitoring(let session) = outcome { token = session.id.token }
            measurement.history.append(
                at, process: request.supervisor, .ok, request.function, conversation: request.conversation, token: token,
                request: historyRequest(of: request))
            if measuring { measurement.metrics.count(.succeeded(request.function, startSuccess(outcome))) }
        case .failure(let error):
            measurement.history.append(
                at, process: request.supervisor, .fail, request.function, conversation: request.conversation, token: request.token,
                reason: error.code, request: historyRequest(of: request))
            if measuring { measurement.metrics.count(.refused(request.function, code: error.code)) }
        }
        if case .start = request.operation, measuring {
            measurement.interval.monitorAttempts += 1
            if case .success(.monitoringStarted) = result { measurement.interval.monitorGrants += 1 }
            if case .failure(.alreadyMonitored) = result { measurement.interval.monitorRefusedAlreadyMonitored += 1 }
        }
        guard !request.isEcho else { return }
        handleAnswer(request, result)
    }

    private func startSuccess(_ outcome: Outcome) -> OutcomeKind.StartSuccess? {
        switch outcome {
        case .monitoringStarted: .granted
        case .alreadyMonitoring: .resumed
        default: nil
        }
    }

    private mutating func handleAnswer(_ request: ClientRequest, _ result: Result<Outcome, MonitoringError>) {
        let index = request.supervisor
        switch (request.operation, result) {
        case (.start, .success(.monitoringStarted(let session))), (.start, .success(.alreadyMonitoring(let session))):
            if supervision.supervisors[index].phase == .starting { startSucceeded(index, session) }
        case (.start, _):
            if supervision.supervisors[index].phase == .starting { rest(index) }
        case (.stop, _):
            if supervision.supervisors[index].phase == .stopping { rest(index) }
        case (.renew, .failure):
            if supervision.supervisors[index].phase == .monitoring { rest(index) }
        case (.renew, .success):
            break
        }
    }

    /// The operation a request's history lines belong to: its own, or in a live run its first attempt's, which its
    /// retries continue under the same key.
    func historyRequest(of request: ClientRequest) -> Int {
        isExternal && request.key >= 0 ? request.key : request.serial
    }

    mutating func requestTimesOut(_ index: Int) {
        defer { supervision.release(index) }
        let supervisor = supervision.requests[index].supervisor
        guard !supervision.requests[index].answered else { return }
        supervision.requests[index].timedOut = true
        let request = supervision.requests[index]
        let link = configuration.network.supervisor
        // A live run's operation stays open while its client retries it under the same key.
        if !(isExternal && !request.isEcho && request.attempt < link.retries) {
            measurement.history.append(
                now, process: request.supervisor, .info, request.function, conversation: request.conversation, token: request.token,
                reason: "timeout", request: historyRequest(of: request))
        }
        if measuring { measurement.metrics.count(.timedOut(request.function)) }
        guard !request.isEcho else { return }
        if request.attempt < link.retries {
            var retry = request
            retry.attempt += 1
            retry.sentAt = now
            retry.result = nil
            retry.answered = false
            retry.timedOut = false
            retry.liveEvents = 0
            send(retry)
            return
        }
        switch request.operation {
        case .start: if supervision.supervisors[supervisor].phase == .starting { rest(supervisor) }
        case .stop: if supervision.supervisors[supervisor].phase == .stopping { rest(supervisor) }
        case .renew: break
        }
    }

}
