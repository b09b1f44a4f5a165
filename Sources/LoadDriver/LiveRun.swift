import AsyncHTTPClient
import Foundation
import HummingbirdWSClient
import Logging
import MonitoringEngine
import NIOCore
import Simulation
import Synchronization

/// A live deployment a load run drives: where its clients send, where their sockets listen, and its users' tokens.
public struct LiveTarget: Sendable {
    /// Where clients send their requests, one base URL per node (a node, or the fault proxy in front of it).
    public var nodes: [String]
    /// Where clients open their notification sockets, one base URL per node (the nodes themselves: the fault proxy
    /// works on whole HTTP exchanges).
    public var sockets: [String]
    /// Every user's token and name, as the deployment issued them when it loaded the scenario's population.
    public var tokens: [(user: UserID, name: String, token: String)]
    /// The user routing acts as.
    public var administrator: UserID

    public init(nodes: [String], sockets: [String]? = nil, tokens: [(user: UserID, name: String, token: String)], administrator: UserID) {
        self.nodes = nodes
        self.sockets = sockets ?? nodes
        self.tokens = tokens
        self.administrator = administrator
    }
}

/// One request of a live run, as its client timed it: the world's instants (from the run's start) when it was due,
/// sent and answered, and the node's own time on it (its `Server-Timing`).
public struct RequestSample: Sendable, Hashable {
    public var operation: String
    public var node: Int
    public var due: Instant
    public var sent: Instant
    public var answered: Instant
    public var nodeMilliseconds: Double?
    /// False when no answer of the engine's came (a transport failure, a proxy's 502).
    public var answeredByEngine: Bool

    public init(
        operation: String, node: Int, due: Instant, sent: Instant, answered: Instant, nodeMilliseconds: Double?, answeredByEngine: Bool
    ) {
        self.operation = operation
        self.node = node
        self.due = due
        self.sent = sent
        self.answered = answered
        self.nodeMilliseconds = nodeMilliseconds
        self.answeredByEngine = answeredByEngine
    }

    /// The header of `requests.csv`, and a sample's line in it (milliseconds from the run's start; the node's time
    /// empty when unknown).
    public static let csvHeader = "operation,node,due_ms,sent_ms,answered_ms,node_ms,answered_by_engine"
    public var csvLine: String {
        func ms(_ instant: Instant) -> String { String(format: "%.3f", Double(instant.nanoseconds) / 1e6) }
        let nodeTime = nodeMilliseconds.map { String(format: "%.3f", $0) } ?? ""
        return [operation, String(node), ms(due), ms(sent), ms(answered), nodeTime, String(answeredByEngine)].joined(separator: ",")
    }
}

/// A fault the scenario scripts for a live run, carried out by whoever owns the deployment's processes.
public enum ScriptedFault: Sendable, Hashable {
    /// Kill the node's process (SIGKILL) and start it again after `downFor` (`cluster.nodeCrashes`).
    case nodeKill(node: Int, downFor: TimeSpan)
    /// Stall the node's process (SIGSTOP) and let it go on (SIGCONT) after `length` (`cluster.partitions`).
    case nodeStall(node: Int, length: TimeSpan)
    /// Stop the store (PostgreSQL, fast) and start it again after `downFor` (`cluster.storeRestarts`).
    case storeRestart(downFor: TimeSpan)

    /// The faults a scenario scripts, by instant.
    public static func scripted(by configuration: WorldConfiguration) -> [(at: Instant, fault: ScriptedFault)] {
        let cluster = configuration.cluster
        let kills = cluster.nodeCrashes.map { (Instant.zero + $0.at, ScriptedFault.nodeKill(node: $0.node, downFor: $0.downFor)) }
        let stalls = cluster.partitions.map { (Instant.zero + $0.at, ScriptedFault.nodeStall(node: $0.node, length: $0.length)) }
        let restarts = cluster.storeRestarts.map { (Instant.zero + $0.at, ScriptedFault.storeRestart(downFor: $0.downFor)) }
        return (kills + stalls + restarts).sorted { $0.0 < $1.0 }.map { (at: $0.0, fault: $0.1) }
    }
}

/// What a live run measured, beside the world's own results.
public struct LiveRunReport: Sendable {
    /// The world's results: the same summary, series, history and checks as a simulated run's.
    public var result: RunResult
    /// Every request's response time (from when it was due) and service time (from when it was sent), per operation.
    public var latencies: OpenModelLatencies
    /// Requests that got no answer from the engine, by kind (`transport`, `service 401`, …).
    public var failures: [String: Int]
    /// Notifications the sockets received, duplicates across sockets included, and those that arrived later than
    /// the reorder window after their instant.
    public var notifications: Int
    public var lateNotifications: Int
    /// Sockets opened, and reopened after their node closed them.
    public var socketsOpened: Int
    public var socketReconnects: Int
    /// Customers' sockets opened, one per conversation created, each closed when its customer is gone, and the
    /// notifications they received.
    public var customerSockets: Int
    public var customerNotifications: Int
    /// The scripted faults carried out, with the world instant of each.
    public var faults: [(at: Instant, fault: ScriptedFault)]
    /// Every request answered after warm-up (up to `LiveRun.sampleLimit`): what `binoculars calibrate` fits.
    public var samples: [RequestSample]
    /// What the fault proxies in front of the nodes did, summed; nil when the scenario asks for no network faults.
    public var proxy: FaultProxy.Counts?
    /// The deployment's audit log against what the clients sent: a conversation with more monitor attempts than
    /// distinct `Idempotency-Key`s of starts sent for it applied a request twice (M10). Empty when it held.
    public var auditViolations: [String]
    /// The conversations whose audit was compared, and why the comparison could not be made, if it could not.
    public var auditedConversations: Int
    public var auditUnavailable: String?
    /// Staleness (M26) as the supervisors' sockets measured it, from a session's start to each supervisor's first
    /// socket receiving it: `stalenessQuantiles` evenly spaced quantiles, in milliseconds, after warm-up; what
    /// `binoculars calibrate` fits into the simulated view delay.
    public var staleness: [Double]
    /// The driver's own CPU time (user and system) over the run, and the run's wall time, in seconds.
    public var driverCPUSeconds: Double
    public var wallSeconds: Double
}

/// Runs a scenario's world against a live deployment in wall-clock time, through the world's external gateway.
///
/// The world's behaviours are the simulator's own: the driver only sends what the world's clients send
/// (`World.takeOutbox()`), each when it is due, whatever earlier answers are doing (an open model), and hands every
/// answer back (`World.deliver`), with the world's clock set to the wall clock. Each agent and supervisor has a
/// notification socket (on two nodes when there are several, so that a node's death loses none); what they receive
/// is merged in the order of the store's instants, after a reorder window, and handed to the world (`notified`),
/// where the agents hear their connections and the lock observer checks the sessions and M14. The history the
/// world keeps is then checked for linearizability, as a simulated run's is.
///
/// A customer's and an agents' commands about one conversation go one at a time, in order, as one client's would;
/// supervisors' requests go at once, so that races are real. A request a node does not answer is tried on the next
/// node by the client's own retry (the same `Idempotency-Key`), and the node is avoided for a second.
public enum LiveRun {
    /// The most request samples a run keeps.
    public static let sampleLimit = 1_000_000
    /// How long notifications wait to be merged in the order of their instants.
    public static let reorderWindow = TimeSpan.milliseconds(500)
    /// How many quantiles of the staleness measured the report keeps.
    public static let stalenessQuantiles = 200
    /// How long after a lease was due, beyond the lock observer's own slack, the run looks for it ended: the
    /// deployment's sweep, its notification and the reorder window all come between.
    public static let leaseCheckLag = TimeSpan.seconds(2)

    /// What the sending and listening tasks share with the run loop.
    final class Shared: Sendable {
        let inbox = Mutex<[Inbox]>([])
        let stop = Mutex(false)
        let opened = Mutex(0)
        /// The conversations whose customer has gone: their sockets close.
        let closed = Mutex(Set<ConversationID>())
    }

    enum Inbox {
        case answer(
            ExternalCommand, Result<Outcome, MonitoringError>?, failure: String?, node: Int, sent: Instant, answered: Instant,
            nodeMilliseconds: Double?)
        /// An event a socket received, when it received it (the wall clock, `realtime()`).
        case notification(Recipient, EventRecord, received: Instant)
        case socketOpened(reconnect: Bool)
    }

    /// The wall clock as an instant since the Unix epoch, as the nodes' clocks read it.
    static func realtime() -> Instant {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Instant(nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }

    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Runs `configuration` (its duration, its seed) against `target`. `faults` are carried out by `perform` at their
    /// instants; `progress` is told the world's instant every second.
    public static func run(
        configuration: WorldConfiguration, target: LiveTarget, http: HTTPClient, logger: Logger,
        perform: @escaping @Sendable (ScriptedFault) async -> Void = { _ in },
        progress: @escaping @Sendable (Instant, Instant) -> Void = { _, _ in }
    ) async throws -> LiveRunReport {
        let commands = try LiveCommands(base: target.nodes[0], client: http, tokens: target.tokens, administrator: target.administrator)
        let shared = Shared()
        var world = World(configuration: configuration, gateway: .external)

        // The users with sockets: every agent and supervisor of the population.
        let agentsAndSupervisors =
            configuration.agentGroups.reduce(0) { $0 + $1.count }
            + configuration.supervisorGroups.reduce(0) { $0 + $1.count }
        let socketUsers = target.tokens.filter { $0.user.rawValue >= 1 && $0.user.rawValue <= UInt64(agentsAndSupervisors) }

        var scripted = ScriptedFault.scripted(by: configuration)
        var performed: [(at: Instant, fault: ScriptedFault)] = []

        return try await withThrowingTaskGroup(of: Void.self) { group in
            // The fault proxies, when the scenario asks for network faults: clients send through them.
            var proxies: [FaultProxy] = []
            var sendTo = target.nodes
            if let settings = proxySettings(for: configuration) {
                let (ports, announce) = AsyncStream.makeStream(of: (Int, Int).self)
                for (index, node) in target.nodes.enumerated() {
                    let proxy = FaultProxy(upstream: node, settings: settings, seed: configuration.seed &+ UInt64(index), client: http)
                    proxies.append(proxy)
                    group.addTask { try await proxy.run(onRunning: { announce.yield((index, $0)) }) }
                }
                var remaining = proxies.count
                for await (index, port) in ports {
                    sendTo[index] = "http://127.0.0.1:\(port)"
                    remaining -= 1
                    if remaining == 0 { break }
                }
            }
            // Sockets first, so that no notification of the run is missed.
            for (position, user) in socketUsers.enumerated() {
                let homes = target.sockets.count > 1 ? [position % target.sockets.count, (position + 1) % target.sockets.count] : [0]
                for home in homes {
                    let bases = Array(target.sockets[home...] + target.sockets[..<home])
                    group.addTask {
                        await Self.listen(bases: bases, recipient: .user(user.user), token: user.token, logger: logger, shared: shared)
                    }
                }
            }
            let expected = socketUsers.count * (target.sockets.count > 1 ? 2 : 1)
            let socketDeadline = ContinuousClock.now + .seconds(60)
            while shared.opened.withLock({ $0 }) < expected, ContinuousClock.now < socketDeadline { try await Task.sleep(for: .milliseconds(20)) }
            guard shared.opened.withLock({ $0 }) >= expected else {
                shared.stop.withLock { $0 = true }
                group.cancelAll()
                throw LiveRunError.socketsDidNotOpen(opened: shared.opened.withLock { $0 }, expected: expected)
            }

            // The world's time starts now, with every socket open: its first events are due from here.
            let origin = realtime()
            let cpuAtStart = cpuSeconds()
            func worldNow() -> Instant { Instant.zero + (realtime() - origin) }
            world.begin()
            var latencies = OpenModelLatencies()
            var samples: [RequestSample] = []
            var failures: [String: Int] = [:]
            var notifications = 0
            var lateNotifications = 0
            var socketsOpened = 0
            var socketReconnects = 0
            var customerSockets = 0
            var customerNotifications = 0
            // A conversation's client commands, one at a time.
            var conversationBusy = Set<ConversationID>()
            var conversationQueue: [ConversationID: [ExternalCommand]] = [:]
            // Notifications waiting for the reorder window, and those already handed on (by instant, to drop echoes).
            var pending: [EventRecord: (order: Int, recipients: [Recipient])] = [:]
            var pendingOrder = 0
            // The events handed on to the world (to drop their echoes), with the sockets that had received each.
            var handedOn: [EventRecord: Set<Recipient>] = [:]
            var horizon = Instant.zero
            var avoidedUntil = [Instant](repeating: .zero, count: target.nodes.count)
            var nextCreateNode = 0
            var lastProgress = Instant.zero

            func node(for command: ExternalCommand) -> Int {
                let count = target.nodes.count
                var preferred: Int
                if let node = command.node {
                    preferred = node % count
                } else if let conversation = Self.conversation(of: command.command) {
                    preferred = Int(conversation.rawValue % UInt64(count))
                } else if case .setPresence(let user, _) = command.command {
                    preferred = Int(user.rawValue % UInt64(count))
                } else {
                    preferred = nextCreateNode % count
                    nextCreateNode += 1
                }
                let now = worldNow()
                for step in 0..<count where avoidedUntil[(preferred + step) % count] <= now { return (preferred + step) % count }
                return preferred
            }

            func send(_ command: ExternalCommand) {
                let chosen = node(for: command)
                let base = sendTo[chosen]
                let timeout: TimeAmount =
                    if case .supervisor = command.origin {
                        .nanoseconds(max(1_000_000_000, configuration.network.supervisor.timeout.nanoseconds * 2))
                    } else { .seconds(10) }
                group.addTask {
                    let sent = Instant.zero + (realtime() - origin)
                    let (answer, nodeMilliseconds) = await commands.sendTimed(command.command, key: command.key, to: base, timeout: timeout)
                    let answered = Instant.zero + (realtime() - origin)
                    let item: Inbox
                    switch answer {
                    case .success(let result):
                        item = .answer(
                            command, result, failure: nil, node: chosen, sent: sent, answered: answered, nodeMilliseconds: nodeMilliseconds)
                    case .failure(let failure):
                        let kind: String =
                            switch failure {
                            case .service(let status, let code, _): "service \(status) \(code)"
                            case .transport: "transport"
                            case .notConnected: "not connected"
                            case .unreadable(let status, _): "unreadable \(status)"
                            case .notSendable: "not sendable"
                            }
                        item = .answer(command, nil, failure: kind, node: chosen, sent: sent, answered: answered, nodeMilliseconds: nil)
                    }
                    shared.inbox.withLock { $0.append(item) }
                }
            }

            var startKeys: [ConversationID: Set<String>] = [:]
            func dispatch(_ command: ExternalCommand) {
                if case .startMonitoring(let conversation, _, _, _) = command.command, let key = command.key {
                    startKeys[conversation, default: []].insert(key)
                }
                if case .client = command.origin, let conversation = Self.conversation(of: command.command) {
                    if conversationBusy.contains(conversation) {
                        conversationQueue[conversation, default: []].append(command)
                        return
                    }
                    conversationBusy.insert(conversation)
                }
                send(command)
            }

            func finished(_ command: ExternalCommand) {
                guard case .client = command.origin, let conversation = Self.conversation(of: command.command) else { return }
                if var queue = conversationQueue[conversation], !queue.isEmpty {
                    var next = queue.removeFirst()
                    // Its client could send it only now, once the one before it was answered: its response time runs
                    // from here, and its wait shows in the one before's.
                    next.due = max(next.due, worldNow())
                    conversationQueue[conversation] = queue.isEmpty ? nil : queue
                    send(next)
                } else {
                    conversationBusy.remove(conversation)
                }
            }

            func handOnNotifications(upTo limit: Instant) {
                let due = pending.filter { $0.key.instant.nanoseconds - origin.nanoseconds <= limit.nanoseconds }
                guard !due.isEmpty else { return }
                // One command's events share its instant, and reach different sockets: among them, a session's end
                // comes first, as the engine emits it before the end of the conversation, the agent or the presence
                // that caused it.
                func rank(_ record: EventRecord) -> Int { if case .monitoringEnded = record.event { 0 } else { 1 } }
                let ordered = due.sorted {
                    ($0.key.instant, rank($0.key), $0.value.order) < ($1.key.instant, rank($1.key), $1.value.order)
                }
                var events: [EventRecord] = []
                var deliveries: [Delivery] = []
                for (record, entry) in ordered {
                    pending[record] = nil
                    handedOn[record] = Set(entry.recipients)
                    var shifted = record
                    shifted.instant = Instant.zero + (record.instant - origin)
                    events.append(shifted)
                    for recipient in Set(entry.recipients) { deliveries.append(Delivery(recipient: recipient, eventIndex: events.count - 1)) }
                }
                world.notified(events, deliveries)
            }

            while true {
                let now = worldNow()
                while let next = scripted.first, next.at <= now {
                    scripted.removeFirst()
                    performed.append((now, next.fault))
                    let fault = next.fault
                    group.addTask { await perform(fault) }
                }
                world.advance(to: now)
                for command in world.takeOutbox() { dispatch(command) }
                let items = shared.inbox.withLock { items in
                    defer { items.removeAll(keepingCapacity: true) }
                    return items
                }
                for item in items {
                    switch item {
                    case .answer(let command, let result, let failure, let chosen, let sent, let answered, let nodeMilliseconds):
                        if let failure {
                            failures[failure, default: 0] += 1
                            if failure == "transport" || failure == "not connected" { avoidedUntil[chosen] = worldNow() + .seconds(1) }
                            // The request never left: the client sends it to another node, if one is not avoided.
                            if failure == "not connected", avoidedUntil.contains(where: { $0 <= worldNow() }) {
                                send(command)
                                continue
                            }
                        }
                        if world.now >= Instant.zero + configuration.warmUp {
                            if samples.count < Self.sampleLimit {
                                samples.append(
                                    RequestSample(
                                        operation: Self.operation(of: command.command), node: chosen, due: command.due, sent: sent,
                                        answered: answered, nodeMilliseconds: nodeMilliseconds, answeredByEngine: result != nil))
                            }
                            latencies.record(
                                Self.operation(of: command.command), due: .nanoseconds((command.due - .zero).nanoseconds),
                                sent: .nanoseconds((sent - .zero).nanoseconds), answered: .nanoseconds((answered - .zero).nanoseconds))
                        }
                        world.advance(to: worldNow())
                        world.deliver(result, to: command.origin, answeredAt: answered)
                        finished(command)
                        // A customer's socket opens with its conversation and closes when the customer is gone (M14 is
                        // checked on it too).
                        switch (command.command, result) {
                        case (.createConversation, .success(.conversationCreated(let id))?):
                            if let token = commands.customerToken(of: id) {
                                let home = Int(id.rawValue % UInt64(target.sockets.count))
                                let bases = Array(target.sockets[home...] + target.sockets[..<home])
                                customerSockets += 1
                                group.addTask {
                                    await Self.listen(bases: bases, recipient: .customer(id), token: token, logger: logger, shared: shared)
                                }
                            }
                        case (.endConversation(let id), .success?), (.abandon(let id), .success?):
                            shared.closed.withLock { _ = $0.insert(id) }
                        default:
                            break
                        }
                    case .notification(let recipient, let record, let received):
                        notifications += 1
                        if case .customer = recipient { customerNotifications += 1 }
                        // A supervisor's console shows a session's start or end when its first socket receives it
                        // (`received` keeps only those, and only supervisors').
                        func show() {
                            guard case .user = recipient else { return }
                            var shifted = record
                            shifted.instant = Instant.zero + (record.instant - origin)
                            world.received(shifted, by: recipient, at: Instant.zero + (received - origin))
                        }
                        if handedOn[record] != nil {
                            if handedOn[record]!.insert(recipient).inserted { show() }
                            continue
                        }
                        if record.instant.nanoseconds - origin.nanoseconds < horizon.nanoseconds { lateNotifications += 1 }
                        if pending[record] == nil {
                            pending[record] = (pendingOrder, [recipient])
                            pendingOrder += 1
                            show()
                        } else {
                            if !pending[record]!.recipients.contains(recipient) { show() }
                            pending[record]!.recipients.append(recipient)
                        }
                    case .socketOpened(let reconnect):
                        socketsOpened += 1
                        if reconnect { socketReconnects += 1 }
                    }
                }
                for command in world.takeOutbox() { dispatch(command) }
                let limit = Instant(nanoseconds: worldNow().nanoseconds - reorderWindow.nanoseconds)
                if limit > horizon {
                    handOnNotifications(upTo: limit)
                    horizon = limit
                    world.checkLeases(at: Instant(nanoseconds: max(0, limit.nanoseconds - leaseCheckLag.nanoseconds)))
                }
                for command in world.takeOutbox() { dispatch(command) }
                if now - lastProgress >= .seconds(1) {
                    lastProgress = now
                    // Echoes of events handed on arrive within the reorder window; 30 s on, none is waited for.
                    handedOn = handedOn.filter { $0.key.instant.nanoseconds - origin.nanoseconds > limit.nanoseconds - 30_000_000_000 }
                    progress(now, world.endInstant)
                }
                if now >= world.endInstant { break }
                let wait = min(world.nextEventInstant.map { $0 - worldNow() } ?? .milliseconds(2), .milliseconds(2))
                if wait > .zero { try await Task.sleep(for: .nanoseconds(wait.nanoseconds)) }
            }
            // The answers still on their way are not waited for; the notifications already here are handed on.
            shared.stop.withLock { $0 = true }
            let end = worldNow()
            for item in shared.inbox.withLock({ $0 }) {
                if case .notification(let recipient, let record, _) = item, handedOn[record] == nil {
                    pending[record, default: (pendingOrder, [])].recipients.append(recipient)
                    pendingOrder += 1
                }
            }
            handOnNotifications(upTo: end + .seconds(3_600))
            var proxyCounts: FaultProxy.Counts?
            if !proxies.isEmpty {
                proxyCounts = proxies.map(\.counts).reduce(FaultProxy.Counts(), +)
                for proxy in proxies { await proxy.shutdown() }
                // Their graceful shutdown finishes the exchanges under way before the tasks are cancelled.
                try? await Task.sleep(for: .milliseconds(500))
            }
            group.cancelAll()
            let result = world.finish()
            // The audit, once what was still on its way has landed and every node has read the shared outbox.
            var auditViolations: [String] = []
            var auditUnavailable: String?
            if !startKeys.isEmpty, let administrator = target.tokens.first(where: { $0.user == target.administrator }) {
                try? await Task.sleep(for: .seconds(2))
                do {
                    let (attempts, dropped) = try await auditAttempts(node: target.sockets[0], token: administrator.token, http: http)
                    if dropped > 0 {
                        auditUnavailable = "the audit log dropped \(dropped) records"
                    } else {
                        for (conversation, keys) in startKeys.sorted(by: { $0.key < $1.key }) {
                            let applied = attempts[conversation, default: 0]
                            if applied > keys.count {
                                auditViolations.append(
                                    "M10 \(conversation): \(applied) monitor attempts in the audit for \(keys.count) start\(keys.count == 1 ? "" : "s") sent under distinct Idempotency-Keys"
                                )
                            }
                        }
                    }
                } catch {
                    auditUnavailable = "\(error)"
                }
            }
            return LiveRunReport(
                result: result, latencies: latencies, failures: failures, notifications: notifications,
                lateNotifications: lateNotifications, socketsOpened: socketsOpened, socketReconnects: socketReconnects,
                customerSockets: customerSockets, customerNotifications: customerNotifications, faults: performed,
                samples: samples, proxy: proxyCounts, auditViolations: auditViolations, auditedConversations: startKeys.count,
                auditUnavailable: auditUnavailable, staleness: world.metrics.staleness.quantiles(Self.stalenessQuantiles),
                driverCPUSeconds: cpuSeconds() - cpuAtStart, wallSeconds: (realtime() - origin).seconds)
        }
    }

    /// The fault proxy's settings for a scenario's network faults, carried out for real between the clients and the
    /// nodes: `cluster.messageLossProbability` drops half its share of requests and half of answers (the client sees a
    /// time-out and retries with the same key), `cluster.messageDuplicationProbability` duplicates requests, and
    /// `cluster.reorder` holds half of the requests for up to twice its mean. Nil when the scenario asks for none.
    public static func proxySettings(for configuration: WorldConfiguration) -> FaultSettings? {
        let cluster = configuration.cluster
        let reorderMean = cluster.reorderMilliseconds.map { max(0, $0.mean) } ?? 0
        guard cluster.messageLossProbability > 0 || cluster.messageDuplicationProbability > 0 || reorderMean > 0 else { return nil }
        return FaultSettings(
            requestDelayProbability: reorderMean > 0 ? 0.5 : 0, requestDelayMilliseconds: 0...(2 * reorderMean),
            requestDropProbability: cluster.messageLossProbability / 2, requestDuplicationProbability: cluster.messageDuplicationProbability,
            answerDropProbability: cluster.messageLossProbability / 2,
            dropHoldMilliseconds: Double(configuration.network.supervisor.timeout.nanoseconds) / 1e6 + 100)
    }

    /// Reads the deployment's whole audit log of monitoring (as `administrator`, from `node`) and counts each
    /// conversation's monitor attempts.
    static func auditAttempts(node: String, token: String, http: HTTPClient) async throws -> (attempts: [ConversationID: Int], dropped: Int) {
        struct Page: Decodable {
            struct Record: Decodable {
                struct Action: Decodable { var action: String }
                var conversation: ConversationID
                var action: Action
            }
            var records: [Record]
            var droppedCount: Int
            var next: Int?
        }
        var attempts: [ConversationID: Int] = [:]
        var after = -1
        var dropped = 0
        for _ in 0..<100_000 {
            var request = HTTPClientRequest(url: "\(node)/api/v2/audit/monitoring?after=\(after)&limit=500")
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            let response = try await http.execute(request, deadline: .now() + .seconds(60))
            let body = try await response.body.collect(upTo: 64 << 20)
            guard response.status.code == 200 else {
                throw LiveRunError.auditUnreadable("status \(response.status.code): \(String(buffer: body).prefix(200))")
            }
            let page = try JSONDecoder().decode(Page.self, from: Data(buffer: body))
            dropped = page.droppedCount
            for record in page.records where record.action.action == "attempted" { attempts[record.conversation, default: 0] += 1 }
            guard let next = page.next else { break }
            after = next
        }
        return (attempts, dropped)
    }

    /// One client's notification socket: a user's (agent's or supervisor's) for the whole run, or a customer's until
    /// its conversation is closed. It opens on the first of `bases` and, whenever it is closed under it, reopens after
    /// 200 ms on the next, until the run stops.
    static func listen(bases: [String], recipient: Recipient, token: String, logger: Logger, shared: Shared) async {
        let topic: String
        let isUser: Bool
        switch recipient {
        case .user(let user):
            topic = "v2.users.\(user.rawValue).conversations"
            isUser = true
        case .customer(let conversation):
            topic = "v2.conversations.\(conversation.rawValue).customer"
            isUser = false
        }
        @Sendable func finished() -> Bool {
            if shared.stop.withLock({ $0 }) { return true }
            if case .customer(let conversation) = recipient { return shared.closed.withLock { $0.contains(conversation) } }
            return false
        }
        var attempt = 0
        let decoder = JSONDecoder()
        struct Envelope: Decodable {
            var topicName: String
        }
        struct Notification: Decodable {
            var topicName: String
            var eventBody: EventRecord
        }
        while !finished(), !Task.isCancelled {
            let first = attempt == 0
            let base = bases[attempt % bases.count]
            attempt += 1
            do {
                try await WebSocketClient.connect(
                    url: base.replacingOccurrences(of: "http://", with: "ws://") + "/api/v2/notifications",
                    configuration: WebSocketClientConfiguration(additionalHeaders: [.authorization: "Bearer \(token)"]), logger: logger
                ) { inbound, outbound, _ in
                    try await outbound.write(.text("{\"subscribe\":[\"\(topic)\"]}"))
                    // Closing from this side ends the inbound stream once the node answers the close.
                    let closer = Task {
                        while !finished() { try await Task.sleep(for: .milliseconds(500)) }
                        try? await outbound.close(.normalClosure, reason: nil)
                    }
                    defer { closer.cancel() }
                    for try await frame in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = frame else { continue }
                        let data = Data(text.utf8)
                        guard let envelope = try? decoder.decode(Envelope.self, from: data) else { continue }
                        if envelope.topicName == "channel.metadata" {
                            if first && isUser { shared.opened.withLock { $0 += 1 } }
                            shared.inbox.withLock { $0.append(.socketOpened(reconnect: !first)) }
                            continue
                        }
                        guard let notification = try? decoder.decode(Notification.self, from: data) else { continue }
                        let received = realtime()
                        shared.inbox.withLock { $0.append(.notification(recipient, notification.eventBody, received: received)) }
                    }
                }
            } catch {
                logger.debug("socket of \(recipient) on \(base) failed: \(error)")
            }
            if finished() { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    static func conversation(of command: Command) -> ConversationID? {
        switch command {
        case .enqueue(let id, _), .alertAgent(let id, _), .connectAgent(let id, _), .disconnectAgent(let id, _),
            .transfer(let id, _, _), .sendMessage(let id, _, _, _), .wrapUp(let id, _, _), .endConversation(let id), .abandon(let id):
            id
        default: nil
        }
    }

    /// The operation a command's latency is kept under: `start`, `stop`, `renew`, `message`, …
    static func operation(of command: Command) -> String {
        switch command {
        case .startMonitoring: "start"
        case .stopMonitoring: "stop"
        case .renewLease: "renew"
        case .sendMessage: "message"
        case .createConversation: "create"
        case .setPresence: "presence"
        default: "routing"
        }
    }
}

public enum LiveRunError: Error, CustomStringConvertible {
    case socketsDidNotOpen(opened: Int, expected: Int)
    case auditUnreadable(String)

    public var description: String {
        switch self {
        case .socketsDidNotOpen(let opened, let expected):
            "only \(opened) of \(expected) notification sockets opened within 60 s: is the deployment up, and are the tokens its own?"
        case .auditUnreadable(let why):
            "the audit log could not be read: \(why)"
        }
    }
}
