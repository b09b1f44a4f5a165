import ArgumentParser
import AsyncHTTPClient
import Foundation
import LiveServer
import LoadDriver
import Logging
import MonitoringEngine
import NIOCore
import Reports
import Scenario
import Simulation

/// `binoculars-server load FILE` (also `binoculars load FILE`): the scenario's customers, agents and supervisors, the
/// world's own behaviours, driven in wall-clock time against a live deployment, with the same records and checks as a
/// simulated run.
struct Load: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "load",
        abstract: "Run a scenario's population against a live deployment in real time, with the simulator's checks.",
        discussion: """
            With --spawn-nodes N (the default, one node on memory), a private deployment is started on this \
            machine (--store memory or sqlite for one node, postgres for any number: a PostgreSQL server of its own), \
            loaded with the scenario's population, run against, and torn down. With --target URL[,URL…] and \
            --tokens FILE, a running deployment is used: it must have loaded this scenario's population (binoculars \
            serve --directory FILE --tokens FILE) and have no other clients, and its lease must be the scenario's. \
            The scenario's cluster.nodeCrashes are carried out on spawned nodes as SIGKILL and a restart after \
            downFor. Writes summary.json, history.jsonl, series.csv, report.md, live.json, requests.csv (each request's \
            due, sent and answered instants and the node's own time) and scenario.yaml (the configuration run) to \
            <out>/<scenario>/live/<seed>/. Exit status: 0 every check and expectation held, 1 one failed, 2 the \
            input was wrong.
            """)

    @Argument(help: "A scenario file (YAML; see docs/scenarios.md).")
    var file: String

    @Option(help: "Base URLs of a running deployment's nodes, comma-separated (loopback only in tests).")
    var target: String?

    @Option(help: "With --target: the users' tokens the deployment wrote when it loaded the scenario's population.")
    var tokens: String?

    @Option(help: "Spawn a private deployment of this many nodes (default 1 unless --target).")
    var spawnNodes: Int?

    @Option(help: "The spawned deployment's store: memory, sqlite (one node each) or postgres.")
    var store = "memory"

    @Option(help: "Run this many seconds of the scenario instead of its duration (a load test runs minutes).")
    var duration: Double?

    @Option(help: "Multiply every channel's arrival rate by this.")
    var rateScale = 1.0

    @Option(help: "Multiply every agent and supervisor group's head count by this (spawned deployments only).")
    var populationScale = 1.0

    @Option(help: "The world's seed (default: the file's).")
    var seed: UInt64?

    @Option(help: "Directory for results.")
    var out = "Results/runs"

    @Option(help: "A deliberately broken variant for the spawned nodes (binoculars serve --defect), to see the checks catch it.")
    var defect: NodeDefect?

    func validate() throws {
        if target != nil && spawnNodes != nil { throw ValidationError("--target and --spawn-nodes exclude each other") }
        if target != nil && tokens == nil { throw ValidationError("--target needs --tokens") }
        if let spawnNodes, !(1...16).contains(spawnNodes) { throw ValidationError("--spawn-nodes must be from 1 to 16") }
        guard let chosen = Deployment.Store(rawValue: store) else {
            throw ValidationError("--store must be memory, sqlite or postgres, not \(store)")
        }
        if chosen != .postgres && (spawnNodes ?? 1) > 1 {
            throw ValidationError("--store \(store) holds one node's aggregates: several nodes need --store postgres")
        }
        if let duration, !(duration > 0 && duration <= 86_400) { throw ValidationError("--duration must be from 0 to 86400 seconds") }
        guard rateScale > 0, rateScale <= 1_000 else { throw ValidationError("--rate-scale must be above 0 and at most 1000") }
        guard populationScale > 0, populationScale <= 1_000 else {
            throw ValidationError("--population-scale must be above 0 and at most 1000")
        }
        if target != nil && populationScale != 1 {
            throw ValidationError("--population-scale changes the population a deployment loads: it needs spawned nodes, not --target")
        }
        if let defect, defect != .ignoreIdempotencyKeys, chosen != .postgres || target != nil {
            throw ValidationError("--defect \(defect.rawValue) needs spawned nodes on --store postgres")
        }
    }

    /// Why the scenario's scripted faults cannot be carried out on this deployment, if they cannot.
    static func faultProblem(_ configuration: WorldConfiguration, target: Bool, store: Deployment.Store) -> String? {
        let cluster = configuration.cluster
        let processFaults = !cluster.nodeCrashes.isEmpty || !cluster.partitions.isEmpty || !cluster.storeRestarts.isEmpty
        if target && processFaults {
            return "cluster.nodeCrashes, partitions and storeRestarts act on processes binoculars load started: use --spawn-nodes"
        }
        if !cluster.nodeCrashes.isEmpty && store == .memory {
            return "cluster.nodeCrashes kills nodes, and a node on memory loses everything: use --store sqlite or postgres"
        }
        if !cluster.storeRestarts.isEmpty && store != .postgres {
            return "cluster.storeRestarts restarts the deployment's PostgreSQL: use --store postgres"
        }
        return nil
    }

    func run() async throws {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: file)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        var configuration = scenario.configuration
        if let seed { configuration.seed = seed }
        if let duration { configuration.duration = TimeSpan(nanoseconds: Int64(duration * 1e9)) }
        configuration.warmUp = min(configuration.warmUp, configuration.duration)
        for index in configuration.channels.indices {
            configuration.channels[index].ratesPerHour = configuration.channels[index].ratesPerHour.map { $0 * rateScale }
        }
        for index in configuration.agentGroups.indices {
            configuration.agentGroups[index].count = max(1, Int((Double(configuration.agentGroups[index].count) * populationScale).rounded()))
        }
        for index in configuration.supervisorGroups.indices {
            configuration.supervisorGroups[index].count = max(
                1, Int((Double(configuration.supervisorGroups[index].count) * populationScale).rounded()))
        }
        let chosenStore = Deployment.Store(rawValue: store) ?? .memory
        if let problem = Self.faultProblem(configuration, target: target != nil, store: chosenStore) {
            FileHandle.standardError.write(Data("\(file): \(problem)\n".utf8))
            throw ExitCode(2)
        }
        let root: OutputDirectory
        let directory: OutputDirectory
        do {
            root = try OutputDirectory(out)
            directory = try root.subdirectory([configuration.name, "live", String(configuration.seed)])
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }

        var logger = Logger(label: "binoculars.load")
        logger.logLevel = .warning
        let deployment: Deployment?
        let nodes: [String]
        let tokenList: [UserToken]
        if let target {
            deployment = nil
            nodes = target.split(separator: ",").map { String($0) }
            guard let data = FileManager.default.contents(atPath: tokens ?? ""),
                let read = try? JSONDecoder().decode([UserToken].self, from: data)
            else {
                FileHandle.standardError.write(Data("\(tokens ?? ""): not a tokens file written by binoculars serve --tokens\n".utf8))
                throw ExitCode(2)
            }
            tokenList = read
        } else {
            let count = spawnNodes ?? 1
            FileHandle.standardError.write(Data("binoculars load: starting \(count) node\(count == 1 ? "" : "s") on \(store)\n".utf8))
            var common = [
                "--lease-seconds", String(max(1, Int(configuration.engine.leaseDuration.seconds.rounded()))), "--sweep-milliseconds", "250",
                "--log-level", "warning",
            ]
            if let defect { common += ["--defect", defect.rawValue] }
            do {
                // The nodes load the population the run drives: the file's, with the command line's scales applied.
                let started = try Deployment(nodes: count, store: chosenStore, population: ScenarioWriter.yaml(configuration), common: common)
                deployment = started
                nodes = started.urls
                tokenList = try JSONDecoder().decode([UserToken].self, from: Data(contentsOf: URL(fileURLWithPath: started.tokensPath)))
            } catch {
                FileHandle.standardError.write(Data("binoculars load: could not start the deployment: \(error)\n".utf8))
                throw ExitCode(1)
            }
        }
        defer { deployment?.stop() }
        guard let administrator = tokenList.first(where: { $0.name == "Administrator" })?.user else {
            FileHandle.standardError.write(Data("binoculars load: the tokens name no Administrator\n".utf8))
            throw ExitCode(2)
        }

        var http = HTTPClient.Configuration()
        http.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 64
        // A node that cannot be reached fails its request at once, so that the client goes to another node, rather
        // than waiting in the pool for the node to come back.
        http.connectionPool.retryConnectionEstablishment = false
        http.timeout.connect = .milliseconds(500)
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: http)
        let report: LiveRunReport
        do {
            report = try await LiveRun.run(
                configuration: configuration,
                target: LiveTarget(nodes: nodes, tokens: tokenList.map { ($0.user, $0.name, $0.token) }, administrator: administrator),
                http: client, logger: logger,
                perform: { fault in
                    guard let deployment else { return }
                    func say(_ line: String) { FileHandle.standardError.write(Data("binoculars load: \(line)\n".utf8)) }
                    switch fault {
                    case .nodeStall(let node, let length):
                        guard node >= 0, node < deployment.ports.count else { return }
                        say("SIGSTOP node-\(node + 1)")
                        deployment.signal(node, SIGSTOP)
                        try? await Task.sleep(for: .nanoseconds(length.nanoseconds))
                        deployment.signal(node, SIGCONT)
                        say("SIGCONT node-\(node + 1)")
                    case .storeRestart(let downFor):
                        guard let postgres = deployment.postgres else { return }
                        say("PostgreSQL stopped")
                        let stopped: String? = await Deployment.offThePool {
                            do {
                                try postgres.stop(mode: .fast)
                                return nil
                            } catch { return "\(error)" }
                        }
                        if let stopped { say("PostgreSQL did not stop: \(stopped)") }
                        try? await Task.sleep(for: .nanoseconds(downFor.nanoseconds))
                        guard !Task.isCancelled else { return }
                        let started: String? = await Deployment.offThePool {
                            do {
                                try postgres.start()
                                return nil
                            } catch { return "\(error)" }
                        }
                        say(started.map { "PostgreSQL did not start again: \($0)" } ?? "PostgreSQL started again")
                    case .nodeKill(let node, let downFor):
                        guard node >= 0, node < deployment.ports.count else { return }
                        FileHandle.standardError.write(Data("binoculars load: SIGKILL node-\(node + 1)\n".utf8))
                        await Deployment.offThePool { deployment.kill(node) }
                        try? await Task.sleep(for: .nanoseconds(downFor.nanoseconds))
                        // The run ended while the node was down: the deployment is being torn down.
                        guard !Task.isCancelled else { return }
                        let outcome: String = await Deployment.offThePool {
                            do {
                                try deployment.start(node)
                                return "node-\(node + 1) started again"
                            } catch {
                                return "node-\(node + 1) did not start again: \(error)"
                            }
                        }
                        FileHandle.standardError.write(Data("binoculars load: \(outcome)\n".utf8))
                    }
                },
                progress: { now, end in
                    let second = Int((now - .zero).seconds.rounded())
                    guard second % 10 == 0 else { return }
                    FileHandle.standardError.write(Data("binoculars load: \(second) of \(Int((end - .zero).seconds)) s\n".utf8))
                })
        } catch {
            try? await client.shutdown()
            FileHandle.standardError.write(Data("\nbinoculars load: \(error)\n".utf8))
            throw ExitCode(1)
        }
        try? await client.shutdown()

        let result = report.result
        let expectations = scenario.expectations.map { expectation in
            let evaluated = expectation.evaluate(result.summary)
            return ExpectationOutcome(held: evaluated.held, message: evaluated.message)
        }
        var problems = Explorer.problems(of: result) + report.auditViolations
        problems += expectations.filter { !$0.held }.map(\.message)
        let summary = LiveSummary(report, nodes: nodes, store: target == nil ? store : "target", problems: problems)
        let info = RunInfo(
            scenario: configuration.name, source: scenario.source, seed: configuration.seed, variant: nil,
            command: "binoculars load \(file)" + (target == nil ? " --spawn-nodes \(nodes.count) --store \(store)" : " --target \(target!)"))
        do {
            // The configuration the run used, overrides applied: what `binoculars calibrate` starts from.
            let effective = ScenarioWriter.yaml(
                configuration, header: ["What `\(info.command)` ran: \(file) with the command line's overrides applied."])
            try RunWriter.write(result, expectations: expectations, info: info, scenarioYAML: effective, to: directory)
            try directory.write(RunWriter.encode(summary), to: "live.json")
            let lines = [RequestSample.csvHeader] + report.samples.map(\.csvLine)
            try directory.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: "requests.csv")
        } catch {
            FileHandle.standardError.write(Data("binoculars load: could not write results to \(directory): \(error)\n".utf8))
            throw ExitCode(1)
        }
        print(summary.table)
        print("results: \(directory)")
        if !problems.isEmpty {
            for problem in problems.prefix(10) { print("FAILED: \(problem)") }
            throw ExitCode(1)
        }
    }
}

/// `live.json`: what a live run measured beside the world's summary.
struct LiveSummary: Encodable {
    struct Operation: Encodable {
        var operation: String
        var count: Int
        var late: Int
        var missed: Int
        var responseMilliseconds: OpenModelLatencies.Percentiles
        var serviceMilliseconds: OpenModelLatencies.Percentiles
    }

    var nodes: [String]
    var store: String
    var wallSeconds: Double
    var driverCPUSeconds: Double
    var driverCPUShare: Double
    var driverWasBottleneck: Bool
    var operations: [Operation]
    var failures: [String: Int]
    var notifications: Int
    var lateNotifications: Int
    var socketsOpened: Int
    var socketReconnects: Int
    var customerSockets: Int
    var customerNotifications: Int
    var faults: [String]
    var proxy: FaultProxy.Counts?
    var auditedConversations: Int
    var auditUnavailable: String?
    var grants: Int
    var refusedAlreadyMonitored: Int
    /// The staleness the supervisors' sockets measured (M26), from a session's start to each supervisor's first socket
    /// receiving it, and evenly spaced quantiles of it, in milliseconds.
    var stalenessMilliseconds: LatencySummary
    var stalenessQuantilesMilliseconds: [Double]
    var problems: [String]

    init(_ report: LiveRunReport, nodes: [String], store: String, problems: [String]) {
        self.nodes = nodes
        self.store = store
        wallSeconds = report.wallSeconds
        driverCPUSeconds = report.driverCPUSeconds
        driverCPUShare = report.driverCPUSeconds / max(report.wallSeconds, 1e-9)
        driverWasBottleneck = report.latencies.driverWasBottleneck
        operations = report.latencies.operations.map { name in
            let figures = report.latencies.figures(name)
            return Operation(
                operation: name, count: figures.count, late: figures.late, missed: figures.missed, responseMilliseconds: figures.responseTime,
                serviceMilliseconds: figures.serviceTime)
        }
        failures = report.failures
        notifications = report.notifications
        lateNotifications = report.lateNotifications
        socketsOpened = report.socketsOpened
        socketReconnects = report.socketReconnects
        customerSockets = report.customerSockets
        customerNotifications = report.customerNotifications
        proxy = report.proxy
        auditedConversations = report.auditedConversations
        auditUnavailable = report.auditUnavailable
        faults = report.faults.map { "\(String(format: "%.1f", ($0.at - .zero).seconds)) s: \($0.fault)" }
        grants = report.result.summary.outcomes["start.ok.granted", default: 0]
        refusedAlreadyMonitored = report.result.summary.outcomes["start.fail.alreadyMonitored", default: 0]
        stalenessMilliseconds = report.result.summary.stalenessMilliseconds
        stalenessQuantilesMilliseconds = report.staleness
        self.problems = problems
    }

    var table: String {
        var lines = [
            "live run: \(nodes.count) node\(nodes.count == 1 ? "" : "s") (\(store)), \(String(format: "%.1f", wallSeconds)) s, driver CPU \(String(format: "%.0f", driverCPUShare * 100))% of one core\(driverWasBottleneck ? " — THE DRIVER WAS THE BOTTLENECK" : "")",
            "starts granted \(grants), refused alreadyMonitored \(refusedAlreadyMonitored); notifications \(notifications) (\(lateNotifications) late); sockets \(socketsOpened) (\(socketReconnects) reopened), \(customerSockets) of them customers' (\(customerNotifications) notifications)",
        ]
        if !faults.isEmpty { lines.append("faults: " + faults.joined(separator: "; ")) }
        if let proxy {
            lines.append(
                "fault proxy: \(proxy.requests) requests, \(proxy.droppedRequests) dropped, \(proxy.droppedAnswers) answers dropped, \(proxy.duplicatedRequests) duplicated, \(proxy.delayedRequests) delayed"
            )
        }
        lines.append(
            "audit: \(auditedConversations) conversations' monitor attempts compared with the keys sent"
                + (auditUnavailable.map { " — not compared: \($0)" } ?? ""))
        if !failures.isEmpty {
            lines.append("no answer: " + failures.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        }
        if stalenessMilliseconds.count > 0 {
            lines.append(
                String(
                    format: "staleness, a session's start to a supervisor's socket: p50 %.1f ms, p99 %.1f ms (%d)", stalenessMilliseconds.p50,
                    stalenessMilliseconds.p99, stalenessMilliseconds.count))
        }
        lines.append("operation  count  late  missed  response p50/p99 ms  service p50/p99 ms")
        for operation in operations {
            lines.append(
                "\(operation.operation.padding(toLength: 9, withPad: " ", startingAt: 0))  \(String(operation.count).padding(toLength: 5, withPad: " ", startingAt: 0))  \(String(operation.late).padding(toLength: 4, withPad: " ", startingAt: 0))  \(String(operation.missed).padding(toLength: 6, withPad: " ", startingAt: 0))  "
                    + String(
                        format: "%8.1f / %-8.1f    %8.1f / %-8.1f", operation.responseMilliseconds.p50, operation.responseMilliseconds.p99,
                        operation.serviceMilliseconds.p50, operation.serviceMilliseconds.p99))
        }
        return lines.joined(separator: "\n")
    }
}
