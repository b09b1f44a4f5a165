import MonitoringEngine
import Scenario
import Simulation
import Testing

/// The world's external gateway (`binoculars load`), driven here by an engine in the test instead of a live
/// deployment: the test hands every command the world sends to the engine, and the answers and the deliveries back,
/// as `LiveRun` does over HTTP and sockets — deterministic, so each property can be required exactly.
@Suite("The world's external gateway")
struct ExternalGatewayTests {
    static let text = """
        name: external
        seed: 7
        duration: 10m
        queues: [{name: Support}]
        channels:
          - {kind: webMessaging, queue: Support, ratesPerHour: [600], customerMessages: {uniform: {minimum: 3, maximum: 8}}, customerReplyTime: {exponential: {mean: 5s}}}
        agentGroups:
          - {name: agents, count: 10, queues: [Support], channels: [webMessaging], capacity: 3, replyTime: {exponential: {mean: 5s}}, transferProbability: 0.1}
        supervisorGroups:
          - {name: floor, count: 8, thinkTime: {exponential: {mean: 5s}}, holdTime: {exponential: {mean: 20s}}}
        network:
          supervisor: {timeout: 1s, retries: 2}
        contention:
          stampedes: [{at: 1m, every: 1m, supervisors: 5, window: 100ms}]
          duplicateStopProbability: 0.3
        """

    struct Drive {
        var result: RunResult
        /// Every supervisor command sent, by its Idempotency-Key.
        var byKey: [String: [Command]]
        var clientCommands: Int
    }

    /// Runs the world against an engine: every 50 ms the world advances and what it sent is applied, in order, at
    /// that instant. A request whose key was seen gets the answer given under it, replayed, as a correct node's
    /// (unless `ignoreKeys`, as a broken one). Every `dropEvery`th supervisor answer is lost (the world hears
    /// nothing); the leaks add a delivery of every monitoring start to its agent or its customer, as a broken
    /// deployment would.
    /// How the supervisors' consoles learn of sessions: from the checks' merged notifications only (`notified`), on
    /// each socket's receipt (`received`, dated `delay` after the event), or never (no supervisor's delivery).
    enum Consoles {
        case notified
        case onReceipt(delay: TimeSpan)
        case never
    }

    static func drive(
        dropEvery: Int = 0, ignoreKeys: Bool = false, leakToAgent: Bool = false, leakToCustomer: Bool = false, consoles: Consoles = .notified
    ) throws -> Drive {
        let configuration = try ScenarioLoader.parse(text, path: "external.yaml").configuration
        var engine = MonitoringEngine(
            configuration: EngineConfiguration(
                leaseDuration: configuration.engine.leaseDuration, renewalInterval: configuration.engine.renewalInterval))
        for command in Population.directoryCommands(for: configuration, administrator: true) { _ = engine.execute(command, at: .zero) }
        var world = World(configuration: configuration, gateway: .external)
        world.begin()
        var byKey: [String: [Command]] = [:]
        var answers: [String: Result<Outcome, MonitoringError>] = [:]
        var supervisorAnswers = 0
        var clientCommands = 0
        var now = Instant.zero
        var nextSweep = Instant.zero + .seconds(1)
        func notify(_ world: inout World) {
            var deliveries = engine.deliveries
            for (index, record) in engine.events.enumerated() {
                guard case .monitoringStarted(let id, _, _, let agent) = record.event else { continue }
                if leakToAgent { deliveries.append(Delivery(recipient: .user(agent), eventIndex: index)) }
                if leakToCustomer { deliveries.append(Delivery(recipient: .customer(id), eventIndex: index)) }
            }
            switch consoles {
            case .notified:
                break
            case .onReceipt(let delay):
                for delivery in deliveries {
                    let record = engine.events[delivery.eventIndex]
                    world.received(record, by: delivery.recipient, at: record.instant + delay)
                }
            case .never:
                deliveries.removeAll { delivery in
                    guard case .user(let user) = delivery.recipient else { return false }
                    return user.rawValue > UInt64(configuration.agentGroups[0].count)
                }
            }
            world.notified(engine.events, deliveries)
        }
        while now < world.endInstant {
            now = now + .milliseconds(50)
            world.advance(to: now)
            if now >= nextSweep {
                _ = engine.execute(.expireLeases, at: now)
                notify(&world)
                world.checkLeases(at: now)
                nextSweep = nextSweep + .seconds(1)
            }
            var outbox = world.takeOutbox()
            while !outbox.isEmpty {
                for command in outbox {
                    let answer: Result<Outcome, MonitoringError>
                    if !ignoreKeys, let key = command.key, let replayed = answers[key] {
                        answer = replayed
                    } else {
                        answer = engine.execute(command.command, at: now)
                        notify(&world)
                        if let key = command.key { answers[key] = answer }
                    }
                    if case .supervisor = command.origin {
                        let key = try #require(command.key)
                        byKey[key, default: []].append(command.command)
                        supervisorAnswers += 1
                        if dropEvery > 0, supervisorAnswers % dropEvery == 0 {
                            world.deliver(nil, to: command.origin)
                            continue
                        }
                    } else {
                        #expect(command.key == nil)
                        clientCommands += 1
                    }
                    world.deliver(answer, to: command.origin, answeredAt: now)
                }
                outbox = world.takeOutbox()
            }
        }
        return Drive(result: world.finish(), byKey: byKey, clientCommands: clientCommands)
    }

    @Test("M8 M11 M17 M18 the world's behaviours through the external gateway, against an engine, hold every check")
    func holds() throws {
        let drive = try Self.drive()
        let summary = drive.result.summary
        #expect(summary.invariants.held, "\(summary.invariants.examples)")
        #expect(summary.outcomes["start.ok.granted", default: 0] >= 20, "\(summary.outcomes)")
        #expect(summary.outcomes["start.fail.alreadyMonitored", default: 0] >= 5, "\(summary.outcomes)")
        #expect(summary.kpis.answered > 50, "\(summary.kpis)")
        #expect(drive.clientCommands > 500)
        // Sessions ended by the engine (by the conversation's end, the agent's transfer) reach the history.
        #expect(drive.result.history.operations.contains { $0.function == .end })
    }

    @Test("M26 a live console shows a session once a supervisor's socket receives it, and the staleness is measured from the start")
    func consolesShowOnReceipt() throws {
        let onReceipt = try Self.drive(consoles: .onReceipt(delay: .milliseconds(30))).result.summary
        let notified = try Self.drive().result.summary
        let never = try Self.drive(consoles: .never).result.summary
        #expect(onReceipt.invariants.held, "\(onReceipt.invariants.examples)")
        // Each supervisor's receipt of a start after warm-up is measured once, 30 ms after the start.
        #expect(onReceipt.stalenessMilliseconds.count >= onReceipt.outcomes["start.ok.granted", default: 0])
        #expect(abs(onReceipt.stalenessMilliseconds.p50 - 30) < 0.1 && abs(onReceipt.stalenessMilliseconds.p99 - 30) < 0.1)
        #expect(notified.stalenessMilliseconds.count == 0, "no socket's receipt, no staleness")
        // Consoles that are never told grey no button: the supervisors who follow them are refused far more often.
        func refused(_ summary: RunSummary) -> Int { summary.outcomes["start.fail.alreadyMonitored", default: 0] }
        #expect(refused(never) > 2 * refused(onReceipt), "never told: \(refused(never)), told on receipt: \(refused(onReceipt))")
        #expect(refused(never) > 2 * refused(notified), "never told: \(refused(never)), told when notified: \(refused(notified))")
    }

    @Test("M10 a supervisor's request and its retries after a time-out carry one Idempotency-Key, and every check holds")
    func retriesShareTheirKey() throws {
        let drive = try Self.drive(dropEvery: 7)
        #expect(drive.result.summary.invariants.held, "\(drive.result.summary.invariants.examples)")
        let retried = drive.byKey.filter { $0.value.count > 1 }
        #expect(retried.count >= 5, "\(retried.count) keys sent more than once")
        // A retry is the same command: the same start, stop or renewal, by the same supervisor.
        for (key, commands) in retried { #expect(Set(commands.map { "\($0)" }).count == 1, "\(key): \(commands)") }
        #expect(drive.result.summary.outcomes.contains { $0.key.hasSuffix(".timeout") && $0.value > 0 })
    }

    @Test("M10 a deployment that applies a retried request again, its first answer lost, is caught by linearizability")
    func ignoredKeysAreCaught() throws {
        let drive = try Self.drive(dropEvery: 7, ignoreKeys: true)
        let examples = drive.result.summary.invariants.examples
        #expect(drive.result.summary.invariants.nonLinearizableConversations > 0, "\(examples.prefix(3))")
    }

    @Test("M14 a monitoring start delivered to the monitored agent's or the customer's socket is a violation", arguments: [false, true])
    func leaksAreCaught(_ toCustomer: Bool) throws {
        let drive = try Self.drive(leakToAgent: !toCustomer, leakToCustomer: toCustomer)
        #expect(!drive.result.summary.invariants.held)
        let examples = drive.result.summary.invariants.examples
        #expect(examples.contains { $0.hasPrefix("M14 ") && $0.contains(toCustomer ? "customer of" : "user-") }, "\(examples.prefix(3))")
    }

    @Test("A live run's history is in time order, with one process per client request stream and its supervisor named")
    func historyForJepsen() throws {
        let history = try Self.drive(dropEvery: 5).result.history.operations
        #expect(zip(history, history.dropFirst()).allSatisfy { $0.time <= $1.time })
        var outstanding = Set<Int>()
        for operation in history {
            if operation.type == .invoke {
                #expect(!outstanding.contains(operation.process), "process \(operation.process) has two operations outstanding")
                outstanding.insert(operation.process)
            } else {
                outstanding.remove(operation.process)
            }
            if operation.function != .end { #expect(operation.supervisor != nil) }
        }
        // A request that timed out retires its process: later requests of its supervisor go on another.
        #expect(Set(history.map(\.process)).count > 8)
    }
}
