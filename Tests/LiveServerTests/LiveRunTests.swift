import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LoadDriver
import LocalPostgres
import Logging
import MonitoringEngine
import Scenario
import Simulation
import Testing

@testable import LiveServer

/// `binoculars load`'s run: the world's own behaviours driven in wall-clock time against a live deployment through
/// the world's external gateway, and checked as a simulated run is. A correct deployment holds every check; each
/// deliberately broken one is caught by the run's own checks, not by a test written for it.
@Suite("A live run of a scenario", .serialized)
struct LiveRunTests {
    /// Twenty seconds of a small centre: stampedes on one conversation every three seconds, duplicate and late stops,
    /// supervisors who think for a second or two and hold for a few.
    static func scenario(seconds: Int = 20, extra: String = "") -> String {
        """
        name: live-test
        seed: 3
        duration: \(seconds)s
        warmUp: 0s
        reportingInterval: 5s
        queues: [{name: Support}]
        channels:
          - {kind: webMessaging, queue: Support, ratesPerHour: [3600], customerMessages: {uniform: {minimum: 3, maximum: 8}}, customerReplyTime: {exponential: {mean: 2s}}}
        agentGroups:
          - {name: agents, count: 8, queues: [Support], channels: [webMessaging], capacity: 3, replyTime: {exponential: {mean: 2s}}, wrapUpTime: 1s, transferProbability: 0.1}
        supervisorGroups:
          - {name: floor, count: 8, thinkTime: {exponential: {mean: 1s}}, holdTime: {exponential: {mean: 5s}}}
        engine: {leaseDuration: 30s}
        network:
          supervisor: {timeout: 1s, retries: 2}
        contention:
          stampedes: [{at: 3s, every: 3s, supervisors: 6, window: 50ms}]
          duplicateStopProbability: 0.3
        \(extra)
        """
    }

    static func configuration(_ text: String) throws -> WorldConfiguration {
        try ScenarioLoader.parse(text, path: "live-test.yaml").configuration
    }

    static var logger: Logger {
        var logger = Logger(label: "live-run-test")
        logger.logLevel = .critical
        return logger
    }

    /// Runs `configuration` against nodes `urls` whose population was loaded from it.
    static func run(_ configuration: WorldConfiguration, urls: [String], tokens: [(user: UserID, name: String, token: String)]) async throws
        -> LiveRunReport
    {
        let administrator = try #require(tokens.first { $0.name == "Administrator" }).user
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        do {
            let report = try await LiveRun.run(
                configuration: configuration, target: LiveTarget(nodes: urls, tokens: tokens, administrator: administrator), http: http,
                logger: logger)
            try await http.shutdown()
            return report
        } catch {
            try? await http.shutdown()
            throw error
        }
    }

    /// A node in this process, serving on loopback, loaded with `configuration`'s population.
    static func withNode(
        _ configuration: WorldConfiguration, node settings: NodeConfiguration = NodeConfiguration(port: 0),
        _ body: @Sendable (String, [(user: UserID, name: String, token: String)]) async throws -> Void
    ) async throws {
        let node = try await Node.open(configuration: settings)
        let tokens = try await node.load(directory: Population.directoryCommands(for: configuration, administrator: true))
        try await buildApplication(node: node, logger: logger).test(.live) { client in
            let port = try #require(client.port)
            try await body("http://127.0.0.1:\(port)", tokens.map { ($0.user, $0.name, $0.token) })
        }
        await node.close()
    }

    /// What a run found broken: the world's checks and the audit's.
    static func problems(_ report: LiveRunReport) -> [String] {
        Explorer.problems(of: report.result) + report.auditViolations
    }

    @Test("M8 M10 M11 M14 M17 M18 a correct node holds every check of a live run, through a lossy, duplicating proxy")
    func correctNode() async throws {
        let configuration = try Self.configuration(
            Self.scenario(extra: "cluster: {messageLossProbability: 0.04, messageDuplicationProbability: 0.1, reorder: {exponential: {mean: 10ms}}}"))
        try await Self.withNode(configuration) { url, tokens in
            let report = try await Self.run(configuration, urls: [url], tokens: tokens)
            let summary = report.result.summary
            #expect(Self.problems(report).isEmpty, "\(Self.problems(report).prefix(5))")
            // The run did what it is for: supervisors contended, notifications came, the proxy's faults happened and
            // the audit was compared.
            #expect(summary.outcomes["start.ok.granted", default: 0] >= 5, "\(summary.outcomes)")
            #expect(summary.outcomes["start.fail.alreadyMonitored", default: 0] >= 1, "\(summary.outcomes)")
            #expect(report.notifications > 50)
            // Every customer's socket was open while the customer was there, and carried the agents' messages (and no
            // monitor: M14, checked by the lock observer).
            #expect(report.customerSockets >= 5 && report.customerNotifications > 0, "\(report.customerSockets) \(report.customerNotifications)")
            let proxy = try #require(report.proxy)
            #expect(proxy.duplicatedRequests > 0 && proxy.droppedRequests + proxy.droppedAnswers > 0, "\(proxy)")
            #expect(report.auditUnavailable == nil)
            #expect(report.auditedConversations >= 5)
            // The history has one process per client request stream: no process has two operations outstanding.
            var outstanding = Set<Int>()
            for operation in report.result.history.operations {
                if operation.type == .invoke {
                    #expect(!outstanding.contains(operation.process), "process \(operation.process) invoked twice at #\(operation.index)")
                    outstanding.insert(operation.process)
                } else {
                    outstanding.remove(operation.process)
                }
            }
            #expect(report.result.history.operations.contains { $0.supervisor != nil })
            // Each request's node time came back in its Server-Timing header, for `binoculars calibrate`.
            #expect(report.samples.contains { $0.operation == "start" && ($0.nodeMilliseconds ?? -1) >= 0 })
        }
    }

    @Test("M10 a node that ignores Idempotency-Keys is caught by a live run's audit check, behind a duplicating proxy")
    func ignoredIdempotencyKeysAreCaught() async throws {
        let configuration = try Self.configuration(Self.scenario(seconds: 12, extra: "cluster: {messageDuplicationProbability: 0.5}"))
        var broken = NodeConfiguration(port: 0)
        broken.defect = .ignoreIdempotencyKeys
        try await Self.withNode(configuration, node: broken) { url, tokens in
            let report = try await Self.run(configuration, urls: [url], tokens: tokens)
            #expect(report.auditViolations.contains { $0.hasPrefix("M10 ") }, "\(report.auditViolations.prefix(3))")
        }
    }

    /// Stampedes of twelve starts within 10 ms every second, by supervisors who are idle most of the time.
    static var stampedes: String {
        scenario(seconds: 20).replacingOccurrences(
            of: "{name: floor, count: 8, thinkTime: {exponential: {mean: 1s}}, holdTime: {exponential: {mean: 5s}}}",
            with: "{name: floor, count: 30, thinkTime: {exponential: {mean: 20s}}, holdTime: {exponential: {mean: 1s}}}"
        ).replacingOccurrences(
            of: "stampedes: [{at: 3s, every: 3s, supervisors: 6, window: 50ms}]",
            with: "stampedes: [{at: 2s, every: 1s, supervisors: 12, window: 10ms}]")
    }

    @Test("M8 nodes that start without locking their rows are caught by a live run: two supervisors granted one conversation")
    func startWithoutLockingIsCaught() async throws {
        let text = Self.stampedes
        #expect(text.contains("supervisors: 12") && text.contains("count: 30"))
        let configuration = try Self.configuration(text)
        var cluster = try await TestCluster.start(nodes: 3, extra: ["--defect", "startWithoutLocking"], scenario: text)
        defer { cluster.stop() }
        // A race needs two starts at the database at once: within three runs of twenty stampedes, one is caught.
        var problems: [String] = []
        for _ in 0..<3 where problems.isEmpty {
            let report = try await Self.run(
                configuration, urls: cluster.ports.map { "http://127.0.0.1:\($0)" },
                tokens: cluster.tokens.map { (UserID(UInt64($0.user)), $0.name, $0.token) })
            problems = Self.problems(report)
        }
        #expect(problems.contains { $0.hasPrefix("M8 ") || $0.contains("not linearizable") }, "\(problems.prefix(3))")
        cluster.kill(0)
    }

    @Test("M8 M17 three correct nodes on PostgreSQL hold every check of the same live run")
    func correctClusterHolds() async throws {
        let text = Self.stampedes
        let configuration = try Self.configuration(text)
        let cluster = try await TestCluster.start(nodes: 3, scenario: text)
        defer { cluster.stop() }
        let report = try await Self.run(
            configuration, urls: cluster.ports.map { "http://127.0.0.1:\($0)" },
            tokens: cluster.tokens.map { (UserID(UInt64($0.user)), $0.name, $0.token) })
        #expect(Self.problems(report).isEmpty, "\(Self.problems(report).prefix(5))")
        #expect(report.result.summary.outcomes["start.fail.alreadyMonitored", default: 0] >= 10)
    }

    @Test(
        "M12 a node that decides leases by its own clock, an hour ahead, is caught by a live run; correct, it is not",
        arguments: [NodeDefect.leaseByNodeClock, nil])
    func leaseByNodeClock(_ defect: NodeDefect?) async throws {
        let configuration = try Self.configuration(Self.scenario(seconds: 12))
        let postgres = try LocalPostgres.start()
        defer { postgres.remove() }
        let real = NodeClock.system
        let correct = try await Node.open(configuration: NodeConfiguration(port: 0, nodeID: "correct", store: .postgres(url: postgres.url)))
        let tokens = try await correct.load(directory: Population.directoryCommands(for: configuration, administrator: true))
        var skewed = NodeConfiguration(port: 0, nodeID: "ahead", store: .postgres(url: postgres.url))
        skewed.defect = defect
        let ahead = try await Node.open(
            configuration: skewed, clock: NodeClock { Instant(nanoseconds: real.now().nanoseconds + 3_600_000_000_000) })
        try await buildApplication(node: correct, logger: Self.logger).test(.live) { first in
            try await buildApplication(node: ahead, logger: Self.logger).test(.live) { second in
                let urls = try [#require(first.port), #require(second.port)].map { "http://127.0.0.1:\($0)" }
                let report = try await Self.run(configuration, urls: urls, tokens: tokens.map { ($0.user, $0.name, $0.token) })
                let problems = Self.problems(report)
                if defect == nil {
                    // The node's clock is an hour ahead, but a correct node dates leases and events by the database's.
                    #expect(problems.isEmpty, "\(problems.prefix(5))")
                    #expect(report.result.summary.outcomes["start.ok.granted", default: 0] >= 5)
                } else {
                    // Sessions end an hour early by the broken node's sweeps, dated by its clock: the lock observer sees a
                    // session end out of its lease (M12), or ends and grants out of order (M8, M11).
                    #expect(
                        problems.contains { ["M8 ", "M11 ", "M12 "].contains(where: $0.hasPrefix) || $0.contains("not linearizable") },
                        "\(problems.prefix(3))")
                }
            }
        }
        await ahead.close()
        await correct.close()
    }
}
