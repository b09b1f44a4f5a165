import AsyncHTTPClient
import Foundation
import HTTPTypes
import LoadDriver
import Testing

@testable import LiveServer

/// Deliberately broken deployments, started as real node processes on a real PostgreSQL, and the live check that
/// catches each within a bounded number of tries. The variants are chosen only here and by `--defect`.
@Suite("Broken deployments are caught live")
struct BrokenDeploymentTests {
    @Test("M8 starts that read their rows without locking them are caught: a conversation granted to two supervisors within ten stampedes")
    func startWithoutLocking() async throws {
        let cluster = try await TestCluster.start(nodes: 3, extra: ["--defect", "startWithoutLocking"])
        defer { cluster.stop() }
        let supervisors = Array(cluster.tokens.filter { $0.name.hasPrefix("floor ") }.prefix(50))
        try #require(supervisors.count == 50)
        var doubleGrants: [Int] = []
        var stampedes = 0
        // Each stampede: fifty starts on one new conversation at once, spread over the three nodes. A correct
        // deployment grants exactly one (ClusterTests); the check is the clients' own view of M8.
        while doubleGrants.isEmpty && stampedes < 10 {
            stampedes += 1
            let conversation = try await cluster.connectedConversation(agent: "agents \(stampedes)")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, supervisor) in supervisors.enumerated() {
                    let node = cluster.client(index % 3)
                    group.addTask { try await node.call("POST", conversation.base + "/monitor", "{}", token: supervisor.token).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let granted = statuses.count { $0 == 201 }
            if granted > 1 { doubleGrants.append(granted) }
        }
        #expect(!doubleGrants.isEmpty, "\(stampedes) stampedes of 50 starts over 3 nodes, and no conversation granted twice")
    }

    @Test("M10 a node that ignores idempotency keys is caught: a start duplicated on its way is applied twice under one key")
    func ignoreIdempotencyKeys() async throws {
        var configuration = NodeConfiguration(port: 0)
        configuration.defect = .ignoreIdempotencyKeys
        try await FaultProxyTests.withNodeAndProxy(FaultSettings(requestDuplicationProbability: 1), node: configuration) {
            deployment, api, proxy, http in
            let conversation = try await api.conversationInProgress(deployment)
            let path = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            let token = deployment.token(Deployment.supervisors[0])
            let reply = try await http.send(.POST, proxy.url + path, token: token, key: "start-once")
            #expect(reply.status == 201 || reply.status == 200, "\(reply.text)")
            // The check: one key, so at most one attempt in the audit. The broken node applied both copies.
            let attempts = try await api.auditActions(deployment, of: conversation.id).count { $0 == "attempted" }
            #expect(attempts == 2, "attempts under one key: \(attempts)")
            // And a retry is applied again rather than replayed.
            let retry = try await api.call(.post, path, token: token, key: "start-once")
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == nil)
            #expect(try await api.auditActions(deployment, of: conversation.id).count { $0 == "attempted" } == 3)
        }
    }

    @Test(
        "M12 a node deciding leases by its own clock, an hour ahead, is caught: it ends a session not due, whose holder's renewal in time is refused"
    )
    func leaseByNodeClock() async throws {
        try await SharedNodeTests.Pair.run(aheadDefect: .leaseByNodeClock) { pair, behind, _ in
            let supervisor = pair.behind.token(Deployment.supervisors[0])
            let conversation = try await behind.conversationInProgress(pair.behind)
            let base = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            let started = try await behind.call(.post, base, "{}", token: supervisor)
            #expect(started.status == 201, "\(started.text)")
            let token = try #require(started.json["fencingToken"] as? Int)
            // The broken node sweeps: by its clock, an hour ahead, the lease is long due; by the database's it has 30 s.
            // (Its own lease sweeper, running every second, may have got there first.)
            _ = try await pair.ahead.expireLeases()
            // The check, the clients' view of M12: the holder renews well within its lease, and is refused.
            let renewed = try await behind.call(.post, base + "/sessions/\(token)/renew", "{}", token: supervisor)
            #expect(renewed.status == 409, "\(renewed.text)")
            #expect(renewed.code == "sessionAlreadyEnded")
            // And the conversation is free for another supervisor, 30 s early.
            let other = try await behind.call(.post, base, "{}", token: pair.behind.token(Deployment.supervisors[1]))
            #expect(other.status == 201, "\(other.text)")
        }
    }

    @Test("--defect is refused without a shared store, and says what it needs")
    func defectNeedsPostgres() throws {
        let process = Process()
        process.executableURL = try ServerProcess.executable()
        process.arguments = ["--port", "0", "--defect", "startWithoutLocking"]  // memory
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("--defect startWithoutLocking needs --store postgres:URL"), "\(text)")
    }
}
