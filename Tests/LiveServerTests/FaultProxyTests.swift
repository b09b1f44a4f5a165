import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LoadDriver
import MonitoringEngine
import NIOCore
import NIOHTTP1
import Testing

@testable import LiveServer

/// The load driver's fault proxy, between a client and a real node on loopback: what it does to requests and answers,
/// and that the node's idempotency holds through it (M10).
@Suite("The fault proxy between clients and a live node")
struct FaultProxyTests {
    @Test("The same seed draws the same faults, each knob at its rate, and a dropped request is neither duplicated nor answered")
    func draws() {
        let settings = FaultSettings(
            requestDelayProbability: 0.3, requestDelayMilliseconds: 10...20, requestDropProbability: 0.1, requestDuplicationProbability: 0.2,
            answerDelayProbability: 0.4, answerDelayMilliseconds: 5...5, answerDropProbability: 0.05)
        var first = FaultDraws(settings: settings, seed: 7)
        var second = FaultDraws(settings: settings, seed: 7)
        var other = FaultDraws(settings: settings, seed: 8)
        let decisions = (0..<20_000).map { _ in first.next() }
        #expect(decisions == (0..<20_000).map { _ in second.next() })
        #expect(decisions != (0..<20_000).map { _ in other.next() })
        func rate(_ predicate: (FaultDecision) -> Bool) -> Double { Double(decisions.count(where: predicate)) / Double(decisions.count) }
        #expect(abs(rate { $0.requestDelayMilliseconds > 0 } - 0.3) < 0.02)
        #expect(abs(rate { $0.dropRequest } - 0.1) < 0.01)
        // Duplicates, answer delays and answer drops are drawn for every request, and cleared for a dropped one.
        #expect(abs(rate { $0.duplicateRequest } - 0.2 * 0.9) < 0.015)
        #expect(abs(rate { $0.dropAnswer } - 0.05 * 0.9) < 0.01)
        #expect(decisions.filter(\.dropRequest).allSatisfy { !$0.duplicateRequest && !$0.dropAnswer && $0.answerDelayMilliseconds == 0 })
        #expect(decisions.allSatisfy { $0.requestDelayMilliseconds == 0 || (10...20).contains($0.requestDelayMilliseconds) })
        #expect(FaultSettings(requestDropProbability: 1.5).problem == "requestDropProbability must be from 0 to 1, not 1.5")
        #expect(settings.problem == nil)
    }

    @Test("M10 a start duplicated on its way reaches the node twice and is applied once: one grant in the audit")
    func duplicatedStart() async throws {
        try await Self.withNodeAndProxy(FaultSettings(requestDuplicationProbability: 1)) { deployment, api, proxy, http in
            let conversation = try await api.conversationInProgress(deployment)
            let reply = try await http.send(
                .POST, proxy.url + "/api/v2/conversations/messages/\(conversation.id)/monitor",
                token: deployment.token(Deployment.supervisors[0]), key: "start-dup")
            #expect(reply.status == 201, "\(reply.text)")
            #expect(proxy.proxy.counts.duplicatedRequests == 1)
            #expect(proxy.proxy.counts.forwarded == 2)
            #expect(try await api.auditActions(deployment, of: conversation.id) == ["attempted", "granted"])
        }
    }

    // The test process may be starved for seconds while the simulation suites run beside it: the tests below wait for
    // what happens rather than for a short deadline, so a slow wake-up changes only how long they take.

    @Test("M10 a start whose answer is dropped never reaches its client, yet was applied, and its retry with the key gets the grant")
    func droppedAnswer() async throws {
        let settings = FaultSettings(answerDropProbability: 1, dropHoldMilliseconds: 1_000)
        try await Self.withNodeAndProxy(settings) { deployment, api, proxy, http in
            let conversation = try await api.conversationInProgress(deployment)
            let path = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            let token = deployment.token(Deployment.supervisors[1])
            // The client waits past the proxy's hold: it gets the proxy's 502, never the node's 201.
            let lost = try await http.send(.POST, proxy.url + path, token: token, key: "start-lost", timeout: .seconds(120))
            #expect(lost.status == 502)
            #expect(lost.text.contains("dropped this answer"))
            #expect(proxy.proxy.counts.droppedAnswers == 1)
            #expect(try await api.auditActions(deployment, of: conversation.id) == ["attempted", "granted"])
            // The retry goes straight to the node: the same key answers the grant again, and nothing new is applied.
            let retry = try await api.call(.post, path, token: token, key: "start-lost")
            #expect(retry.status == 201, "\(retry.text)")
            #expect(retry.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            #expect(try await api.auditActions(deployment, of: conversation.id) == ["attempted", "granted"])
        }
    }

    @Test("A dropped request never reaches the node: the client is held past its time-out, then answered 502")
    func droppedRequest() async throws {
        try await Self.withNodeAndProxy(FaultSettings(requestDropProbability: 1, dropHoldMilliseconds: 300)) { deployment, api, proxy, http in
            let conversation = try await api.conversationInProgress(deployment)
            let started = ContinuousClock.now
            let reply = try await http.send(
                .POST, proxy.url + "/api/v2/conversations/messages/\(conversation.id)/monitor",
                token: deployment.token(Deployment.supervisors[2]), key: "start-dropped")
            #expect(ContinuousClock.now - started >= .milliseconds(300))
            #expect(reply.status == 502)
            #expect(reply.text.contains("dropped this request"))
            #expect(proxy.proxy.counts.forwarded == 0)
            #expect(try await api.auditActions(deployment, of: conversation.id) == [])
        }
    }

    @Test("Delayed requests and answers arrive no sooner than their delays; a clean proxy passes status, headers and body")
    func delays() async throws {
        let settings = FaultSettings(
            requestDelayProbability: 1, requestDelayMilliseconds: 150...150, answerDelayProbability: 1, answerDelayMilliseconds: 100...100)
        try await Self.withNodeAndProxy(settings) { deployment, _, proxy, http in
            let started = ContinuousClock.now
            let reply = try await http.send(.GET, proxy.url + "/api/v2/users/me", token: deployment.token(Deployment.supervisors[3]))
            #expect(ContinuousClock.now - started >= .milliseconds(250))
            #expect(reply.status == 200)
            #expect(reply.json["name"] as? String == "Supervisor 4", "\(reply.text)")
            #expect(proxy.proxy.counts.delayedRequests == 1)
            #expect(proxy.proxy.counts.delayedAnswers == 1)
        }
        try await Self.withNodeAndProxy(.none) { deployment, _, proxy, http in
            let refused = try await http.send(.GET, proxy.url + "/api/v2/users/me", token: "not-a-token")
            #expect(refused.status == 401)
            #expect(refused.headers[.contentType]?.hasPrefix("application/json") == true)
            #expect(proxy.proxy.counts.requests == 1)
            #expect(proxy.proxy.counts.forwarded == 1)
            #expect(proxy.proxy.counts.upstreamFailures == 0)
        }
    }

    /// A proxy running in front of a node, and its URL.
    struct RunningProxy {
        let proxy: FaultProxy
        let url: String
    }

    /// Runs `body` with a live node on loopback (memory store), a fault proxy in front of it and a client.
    static func withNodeAndProxy(
        _ settings: FaultSettings, node configuration: NodeConfiguration = NodeConfiguration(port: 0),
        _ body: @Sendable (Deployment, API, RunningProxy, HTTPClient) async throws -> Void
    ) async throws {
        let deployment = try await Deployment(configuration: configuration)
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let proxy = FaultProxy(upstream: "http://127.0.0.1:\(port)", settings: settings, seed: 1, client: http)
            let (ports, announce) = AsyncStream.makeStream(of: Int.self)
            let serving = Task { try await proxy.run(onRunning: { announce.yield($0) }) }
            var next = ports.makeAsyncIterator()
            let proxyPort = try #require(await next.next())
            do {
                try await body(deployment, api, RunningProxy(proxy: proxy, url: "http://127.0.0.1:\(proxyPort)"), http)
            } catch {
                await proxy.shutdown()
                _ = await serving.result
                try await http.shutdown()
                throw error
            }
            await proxy.shutdown()
            try await serving.value
            try await http.shutdown()
        }
    }
}

extension HTTPClient {
    /// One request, its answer read whole; throws `HTTPClientError.deadlineExceeded` past `timeout`.
    @discardableResult
    func send(
        _ method: HTTPMethod, _ url: String, token: String? = nil, key: String? = nil, body: String? = nil, timeout: TimeAmount = .seconds(120)
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        let response = try await execute(request, deadline: .now() + timeout)
        let data = try await response.body.collect(upTo: 1 << 20)
        var headers = HTTPFields()
        for (name, value) in response.headers {
            if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
        }
        return Reply(status: Int(response.status.code), body: Data(buffer: data), headers: headers)
    }
}

extension API {
    /// The monitoring audit's actions for one conversation, in order, read straight from the node.
    func auditActions(_ deployment: Deployment, of conversation: Int) async throws -> [String] {
        let reply = try await call(.get, "/api/v2/audit/monitoring", token: deployment.token(Deployment.administrator))
        let records = reply.json["records"] as? [[String: Any]] ?? []
        return records.filter { $0["conversation"] as? Int == conversation }.map { record in
            (record["action"] as? [String: Any])?["action"] as? String ?? "?"
        }
    }
}
