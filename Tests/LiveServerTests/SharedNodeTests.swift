import Foundation
import Hummingbird
import HummingbirdTesting
import LocalPostgres
import Logging
import MonitoringEngine
import Testing

@testable import LiveServer

/// Two nodes in this process on one real PostgreSQL (started under a temporary directory), their clocks set an hour
/// apart on purpose: whatever a node's clock says, the database's decides.
@Suite("Nodes on a shared PostgreSQL, in process", .serialized)
struct SharedNodeTests {
    /// A node an hour behind and one an hour ahead, on one database; the first loads the directory.
    struct Pair {
        let postgres: LocalPostgres
        let behind: Deployment
        let ahead: Node

        /// `aheadDefect`: a deliberately broken variant for the node an hour ahead (`BrokenDeploymentTests`).
        static func start(aheadDefect: NodeDefect? = nil) async throws -> Pair {
            let postgres = try LocalPostgres.start()
            do {
                let real = NodeClock.system
                func configuration(_ id: String) -> NodeConfiguration {
                    NodeConfiguration(port: 0, nodeID: id, store: .postgres(url: postgres.url))
                }
                let behind = try await Deployment(
                    configuration: configuration("behind"),
                    clock: NodeClock { Instant(nanoseconds: real.now().nanoseconds - 3_600_000_000_000) })
                var aheadConfiguration = configuration("ahead")
                aheadConfiguration.defect = aheadDefect
                let ahead = try await Node.open(
                    configuration: aheadConfiguration,
                    clock: NodeClock { Instant(nanoseconds: real.now().nanoseconds + 3_600_000_000_000) })
                return Pair(postgres: postgres, behind: behind, ahead: ahead)
            } catch {
                postgres.remove()
                throw error
            }
        }

        /// Starts a pair, runs `body` with a client of each node, and stops the pair whether or not `body` throws.
        static func run(aheadDefect: NodeDefect? = nil, _ body: @Sendable (Pair, API, API) async throws -> Void) async throws {
            let pair = try await start(aheadDefect: aheadDefect)
            do {
                try await pair.behind.application.test(.router) { behindClient in
                    try await pair.aheadApplication.test(.router) { aheadClient in
                        try await body(pair, API(client: behindClient), API(client: aheadClient))
                    }
                }
            } catch {
                await pair.stop()
                throw error
            }
            await pair.stop()
        }

        func stop() async {
            await behind.node.close()
            await ahead.close()
            postgres.remove()
        }

        var aheadApplication: some ApplicationProtocol {
            var logger = Logger(label: "live-test")
            logger.logLevel = .warning
            return buildApplication(node: ahead, logger: logger)
        }
    }

    @Test("M12 leases are decided by the database's clock: a node an hour ahead neither dates nor expires a session by its own")
    func leasesByTheDatabaseClock() async throws {
        try await Pair.run { pair, behind, ahead in
            let supervisor = pair.behind.token(Deployment.supervisors[0])
            let conversation = try await behind.conversationInProgress(pair.behind)
            let before = NodeClock.system.now().nanoseconds
            let started = try await ahead.call(
                .post, "/api/v2/conversations/messages/\(conversation.id)/monitor", "{}", token: supervisor)
            #expect(started.status == 201, "\(started.text)")
            let startedAt = try #require(started.json["startedAt"] as? Int64)
            let deadline = try #require(started.json["leaseExpiresAt"] as? Int64)
            #expect(
                abs(startedAt - before) < 5_000_000_000,
                "the session is dated by the database's clock, not the node's an hour ahead (\(startedAt - before) ns off)")
            #expect(deadline - startedAt == 30_000_000_000, "the lease is 30 s from the database's instant")
            // The node an hour ahead sweeps: by its clock the lease is long due, by the database's it is not.
            let expired = try await pair.ahead.expireLeases()
            #expect(expired == 0, "a node's clock ends no lease")
            let refused = try await behind.call(
                .post, "/api/v2/conversations/messages/\(conversation.id)/monitor", "{}",
                token: pair.behind.token(Deployment.supervisors[1]))
            #expect(refused.status == 409, "the session still holds the conversation: \(refused.text)")
        }
    }

    @Test("M8 M10 a start retried with its Idempotency-Key on another node gets the first answer back, not a second session")
    func retryOnAnotherNode() async throws {
        try await Pair.run { pair, behind, ahead in
            let supervisor = pair.behind.token(Deployment.supervisors[0])
            let conversation = try await behind.conversationInProgress(pair.behind)
            let path = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            let first = try await behind.call(.post, path, "{}", token: supervisor, key: "start-retried-elsewhere")
            let retried = try await ahead.call(.post, path, "{}", token: supervisor, key: "start-retried-elsewhere")
            #expect(first.status == 201)
            #expect(retried.status == 201 && retried.body == first.body, "the same bytes: \(retried.text)")
            #expect(retried.headers[.init("Idempotent-Replayed")!] == "true")
            let reused = try await ahead.call(.post, path, #"{"entryPoint": "queueActivity"}"#, token: supervisor, key: "start-retried-elsewhere")
            #expect(reused.status == 422, "a key reused for another request is refused on any node")
        }
    }

    @Test("M9 M26 a session started on one node greys the Monitor button on the other, which reports its staleness")
    func viewsFollowTheOutbox() async throws {
        try await Pair.run { pair, behind, ahead in
            let holder = pair.behind.token(Deployment.supervisors[0])
            let watcher = pair.behind.token(Deployment.supervisors[1])
            let conversation = try await behind.conversationInProgress(pair.behind)
            let started = try await behind.call(
                .post, "/api/v2/conversations/messages/\(conversation.id)/monitor", "{}", token: holder)
            #expect(started.status == 201)
            var button: [String: Any]?
            for _ in 0..<100 {
                let rows = try await ahead.call(.get, "/api/v2/analytics/interactions", token: watcher).list as? [[String: Any]]
                let row = rows?.first { $0["conversation"] as? Int == conversation.id }
                button = (row?["agents"] as? [[String: Any]])?.first?["button"] as? [String: Any]
                if button?["button"] as? String == "monitoredBy" { break }
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(button?["button"] as? String == "monitoredBy", "greyed on the other node: \(String(describing: button))")
            #expect((button?["monitoredBy"] as? [String: Any])?["name"] as? String == "Supervisor 1")
            let metrics = try await ahead.call(.get, "/metrics")
            #expect(metrics.text.contains("binoculars_view_staleness_seconds_count"), "staleness is exported")
            #expect(!metrics.text.contains("binoculars_view_staleness_seconds_count 0\n"), "and measured")
        }
    }
}
