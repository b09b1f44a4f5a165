import MonitoringEngine

/// Where the world's commands go: to the simulated store (a simulation), or out of the world to a driver that sends
/// them to a live deployment and hands the answers and notifications back (`binoculars load`).
public enum Gateway: Sendable, Hashable {
    /// Commands reach the simulated store, over the simulated network, in simulated time.
    case simulated
    /// Commands are handed to a driver (`takeOutbox()`), which sends them, in wall-clock time, and hands back each
    /// answer (`deliver(_:to:)`) and what the deployment notified its clients (`notified(_:_:)`). The driver advances
    /// the world's clock (`advance(to:)`).
    case external
}

/// A command the world's client sends, handed to the driver in external mode.
public struct ExternalCommand: Sendable, Hashable {
    /// Whose answer it is: the driver hands the answer back to it.
    public enum Origin: Sendable, Hashable {
        /// A customer's or an agent's command.
        case client(slot: Int32)
        /// A supervisor's request (a start, a stop, a renewal), by its slot.
        case supervisor(request: Int32)
    }

    public var origin: Origin
    public var command: Command
    /// The `Idempotency-Key` of a supervisor's request: the same for its retries after a time-out (M10).
    public var key: String?
    /// When the client meant to send it, in the world's time: its response time is measured from here.
    public var due: Instant
    /// The node the client talks to, by index, when it has one (a supervisor's console); nil: the driver chooses.
    public var node: Int?
}

/// The external gateway's state: commands waiting for the driver, and what each pending client answer is for.
struct ExternalGateway: Sendable {
    var outbox: [ExternalCommand] = []
    /// When the answer being delivered reached its client, if before the world's clock.
    var answeredAt: Instant?
    var handlers: [AnswerHandler?] = []
    var freeHandlers: [Int32] = []
    /// What the supervisors' consoles show: per conversation, the newest session event a supervisor's socket has
    /// received (by the event's instant), and whether it leaves the conversation monitored.
    var consoles: [ConversationID: (instant: Instant, monitored: Bool)] = [:]

    /// A supervisor's console shows `record`, if it is a session's start or end newer than what it shows.
    mutating func show(_ record: EventRecord) {
        let conversation: ConversationID
        let monitored: Bool
        switch record.event {
        case .monitoringStarted(let id, _, _, _):
            (conversation, monitored) = (id, true)
        case .monitoringEnded(let session, _, _):
            (conversation, monitored) = (session.conversation, false)
        default:
            return
        }
        if let shown = consoles[conversation], shown.instant > record.instant { return }
        consoles[conversation] = (record.instant, monitored)
    }

    mutating func hold(_ handler: AnswerHandler) -> Int32 {
        if let free = freeHandlers.popLast() {
            handlers[Int(free)] = handler
            return free
        }
        handlers.append(handler)
        return Int32(handlers.count - 1)
    }

    mutating func take(_ slot: Int32) -> AnswerHandler? {
        guard slot >= 0, Int(slot) < handlers.count, let handler = handlers[Int(slot)] else { return nil }
        handlers[Int(slot)] = nil
        freeHandlers.append(slot)
        return handler
    }
}

extension World {
    var isExternal: Bool { gateway == .external }

    // MARK: The driver's side

    /// Sets the world up for an external run: its population, arrivals, supervisors and stampedes are scheduled; the
    /// directory is the deployment's, loaded there already; no lease sweep and no simulated crash is scheduled (the
    /// deployment sweeps its own leases; a scripted node crash is the driver's to carry out).
    public mutating func begin() {
        precondition(isExternal, "begin() is for an external run; a simulation runs with run()")
        setUp()
    }

    /// The instant of the next scheduled event, if any lies before the run's end.
    public var nextEventInstant: Instant? {
        guard let next = agenda.peekInstant, next <= end else { return nil }
        return next
    }

    /// The run's end, in the world's time.
    public var endInstant: Instant { end }

    /// Handles every event due by `instant`, then stands at `instant` (never going back).
    public mutating func advance(to instant: Instant) {
        while let next = agenda.peekInstant, next <= min(instant, end) {
            let (at, event) = agenda.popNext()!
            now = max(now, at)
            eventsProcessed += 1
            handle(event)
        }
        now = max(now, min(instant, end))
    }

    /// The commands the clients have sent since the last call, in the order they sent them.
    public mutating func takeOutbox() -> [ExternalCommand] {
        defer { external.outbox.removeAll(keepingCapacity: true) }
        return external.outbox
    }

    /// The answer to a command the driver sent, now; nil when none came (a refused connection, a reset, the driver's
    /// own time-out): the client acts as on a refusal, and a supervisor's request is left to its time-out.
    /// `answeredAt`, when the client read the answer, dates a supervisor's answer in its latency and the history.
    public mutating func deliver(_ answer: Result<Outcome, MonitoringError>?, to origin: ExternalCommand.Origin, answeredAt: Instant? = nil) {
        external.answeredAt = answeredAt
        defer { external.answeredAt = nil }
        engineCommands += 1
        measurement.interval.engineCommands += 1
        switch origin {
        case .client(let slot):
            guard let handler = external.take(slot) else { return }
            if let answer {
                answered(answer, handler)
            } else {
                clientGotNoAnswer(handler)
            }
        case .supervisor(let request):
            supervisorAnswered(Int(request), answer)
        }
    }

    /// What the deployment notified the clients' sockets, in the order of the events' instants (the store's time, in
    /// the world's clock): each delivery names the user whose socket received the event. The agents hear their own
    /// connections; the lock observer checks the sessions (M8, M11, M12, M18) and that no one but a session's
    /// supervisor is told of it (M14); a session's end reaches its supervisor's console and the history.
    public mutating func notified(_ events: [EventRecord], _ deliveries: [Delivery]) {
        guard !events.isEmpty else { return }
        agentsHear(events, deliveries)
        for delivery in deliveries where delivery.eventIndex < events.count {
            if case .user(let user) = delivery.recipient, supervisorIndex(of: user) != nil { external.show(events[delivery.eventIndex]) }
        }
        var byEvent = [[Delivery]](repeating: [], count: events.count)
        for delivery in deliveries where delivery.eventIndex < events.count {
            byEvent[delivery.eventIndex].append(Delivery(recipient: delivery.recipient, eventIndex: 0))
        }
        for (index, record) in events.enumerated() {
            measurement.endedSessions.removeAll(keepingCapacity: true)
            measurement.observer.observe([record], byEvent[index], at: record.instant, ended: &measurement.endedSessions)
            for (session, conversation, reason, instant) in measurement.endedSessions {
                sessionEnded(session, conversation, reason, at: instant)
            }
        }
        measurement.interval.concurrentMonitoredMaximum = max(
            measurement.interval.concurrentMonitoredMaximum, measurement.observer.activeCount)
    }

    /// A supervisor's socket received `record` (its instant in the world's time) at `instant`, for the first time: its
    /// console shows it at once, before the driver's reorder window hands the event to the checks (`notified`), as a
    /// real console would. A session's start shown to a supervisor after warm-up is measured for staleness (M26), from
    /// the session's start to `instant`, once per supervisor; `recipient` is any socket's, and only a supervisor's
    /// counts.
    public mutating func received(_ record: EventRecord, by recipient: Recipient, at instant: Instant) {
        guard case .user(let user) = recipient, supervisorIndex(of: user) != nil else { return }
        external.show(record)
        if case .monitoringStarted = record.event, record.instant >= warmUpEnd {
            measurement.metrics.recordStaleness(max(.zero, instant - record.instant))
        }
    }

    /// No session may be active past its lease's due instant, plus the sweep's slack, at `instant` (M12): the driver
    /// calls this once it has every notification up to `instant`.
    public mutating func checkLeases(at instant: Instant) {
        measurement.observer.checkLeases(sweptAt: instant)
    }

    /// Ends the run at the world's clock and returns its results, checked as a simulation's are. The history is put
    /// in time order with one process per client request stream (`History.separateProcesses`).
    public mutating func finish() -> RunResult {
        measurement.history.separateProcesses()
        closeInterval()
        return result()
    }

    // MARK: The world's side

    /// A client command leaves for the driver; its answer comes back to `handler`.
    mutating func submitExternally(_ command: Command, then handler: AnswerHandler) {
        let slot = external.hold(handler)
        external.outbox.append(ExternalCommand(origin: .client(slot: slot), command: command, key: nil, due: now, node: nil))
    }

    /// A supervisor's request leaves for the driver, to the supervisor's node; it stays in flight (its slot taken)
    /// until its answer, or the news that none came, is delivered.
    mutating func sendExternally(_ index: Int, _ command: Command, keySuffix: String = "") {
        supervision.requests[index].liveEvents += 1
        let request = supervision.requests[index]
        external.outbox.append(
            ExternalCommand(
                origin: .supervisor(request: Int32(index)), command: command,
                key: "binoculars-\(configuration.seed)-\(request.key)\(keySuffix)", due: now,
                node: supervision.supervisors[request.supervisor].node))
    }

    /// The command a supervisor's request is.
    func command(of request: ClientRequest, agent: ParticipantID? = nil) -> Command {
        let supervisor = supervision.supervisors[request.supervisor].user
        return switch request.operation {
        case .start(let id, let entryPoint): .startMonitoring(id, supervisor: supervisor, agent: agent, via: entryPoint)
        case .stop(let session, let source): .stopMonitoring(session, by: supervisor, from: source)
        case .renew(let session): .renewLease(session, by: supervisor)
        }
    }

    /// A supervisor's answer from the deployment. A start that needs an agent chosen (M6) is sent again at once with
    /// the console's choice, as the simulated store's client does.
    private mutating func supervisorAnswered(_ index: Int, _ answer: Result<Outcome, MonitoringError>?) {
        guard index < supervision.requests.count else { return }
        if case .failure(.agentChoiceRequired(let choices))? = answer, !choices.isEmpty, !supervision.requests[index].timedOut {
            let choice = choices[supervision.supervisorRandom.nextIndex(below: choices.count)]
            sendExternally(index, command(of: supervision.requests[index], agent: choice.participant), keySuffix: "-agent")
            supervision.release(index)
            return
        }
        guard let answer else {
            supervision.release(index)
            return
        }
        if supervision.requests[index].result == nil { supervision.requests[index].result = answer }
        // `responseArrives` releases the slot the answer held.
        responseArrives(index)
    }

    /// No answer came to a customer's or agent's command: the client acts as on a refusal.
    private mutating func clientGotNoAnswer(_ handler: AnswerHandler) {
        switch handler {
        case .alerted(_, let agent, _): alertRefused(agent: Int(agent))
        case .connected(_, let agent, _): releaseCapacity(of: Int(agent))
        default: return
        }
    }
}
