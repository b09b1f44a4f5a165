import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import HummingbirdWSClient
import Logging
import MonitoringEngine
import NIOCore
import Synchronization
import Testing

@testable import LiveServer

/// Over real sockets on loopback: the node's lock under concurrent requests, retries, late stops, and what each
/// user's notification socket carries.
@Suite("One live node over real HTTP and WebSocket")
struct LiveTests {
    @Test(
        "M8 50 supervisors start on one conversation at once: exactly one succeeds, 49 get 409 naming the holder",
        arguments: StoreUnderTest.allCases)
    func fiftySupervisorsAtOnce(store: StoreUnderTest) async throws {
        let (deployment, directory) = try await store.deployment()
        defer { directory.map { try? FileManager.default.removeItem(at: $0) } }
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let http = HTTPClient(
                eventLoopGroupProvider: .singleton,
                configuration: HTTPClient.Configuration(
                    connectionPool: .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)))
            defer { _ = http.shutdown() }
            let port = try #require(client.port)
            let replies = try await withThrowingTaskGroup(of: (UserID, Reply).self) { group in
                for supervisor in Deployment.supervisors {
                    group.addTask {
                        var request = HTTPClientRequest(
                            url: "http://127.0.0.1:\(port)/api/v2/conversations/messages/\(conversation.id)/monitor")
                        request.method = .POST
                        request.headers.add(name: "Authorization", value: "Bearer \(deployment.token(supervisor))")
                        request.headers.add(name: "Idempotency-Key", value: "start-\(supervisor.rawValue)")
                        let response = try await http.execute(request, timeout: .seconds(30))
                        let body = try await response.body.collect(upTo: 1 << 20)
                        return (supervisor, Reply(status: Int(response.status.code), body: Data(buffer: body), headers: [:]))
                    }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(replies.count == 50)
            let granted = replies.filter { $0.1.status == 201 }
            try #require(granted.count == 1, "granted: \(granted.map(\.0))")
            let holder = granted[0].0
            let refused = replies.filter { $0.1.status == 409 }
            #expect(refused.count == 49)
            for (_, reply) in refused {
                #expect(reply.code == "alreadyMonitored")
                let monitoredBy = reply.json["monitoredBy"] as? [String: Any]
                #expect(monitoredBy?["id"] as? Int == Int(holder.rawValue))
                #expect(monitoredBy?["name"] as? String == "Supervisor \(holder.rawValue - 10)")
            }
        }
    }

    @Test(
        "M10 a start retried with the same Idempotency-Key, twice at once and once after, is applied once",
        arguments: StoreUnderTest.allCases)
    func retriedStartIsAppliedOnce(store: StoreUnderTest) async throws {
        let (deployment, directory) = try await store.deployment()
        defer { directory.map { try? FileManager.default.removeItem(at: $0) } }
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let supervisor = deployment.token(Deployment.supervisors[0])
            let path = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            async let first = api.call(.post, path, "{}", token: supervisor, key: "retry-1")
            async let second = api.call(.post, path, "{}", token: supervisor, key: "retry-1")
            let (a, b) = try await (first, second)
            let third = try await api.call(.post, path, "{}", token: supervisor, key: "retry-1")
            #expect(a.status == 201 && b.status == 201 && third.status == 201)
            #expect(a.body == b.body && b.body == third.body)
            #expect(third.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
            let audit = try await api.call(.get, "/api/v2/audit/monitoring", token: deployment.token(Deployment.administrator))
            let actions = (audit.json["records"] as? [[String: Any]] ?? []).compactMap { ($0["action"] as? [String: Any])?["action"] as? String }
            #expect(actions == ["attempted", "granted"], "the audit log shows one attempt and one grant: \(actions)")
        }
    }

    @Test("M11 a late stop of an ended session ends nothing: the newer session of another supervisor stays")
    func lateStopEndsNothing() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let base = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            let first = deployment.token(Deployment.supervisors[0])
            let second = deployment.token(Deployment.supervisors[1])
            #expect(try await api.call(.post, base, token: first).status == 201)
            #expect(try await api.call(.post, base + "/sessions/1/stop", #"{"from": "interaction"}"#, token: first).status == 200)
            let newer = try await api.call(.post, base, token: second)
            #expect(newer.status == 201)
            #expect(newer.json["fencingToken"] as? Int == 2)
            let late = try await api.call(.post, base + "/sessions/1/stop", #"{"from": "details"}"#, token: first)
            #expect(late.status == 409)
            #expect(late.code == "sessionAlreadyEnded")
            #expect(late.json["rule"] as? String == "M11")
            let rows = try await api.call(.get, "/api/v2/analytics/interactions", token: second).list
            let row = rows.compactMap { $0 as? [String: Any] }.first { $0["conversation"] as? Int == conversation.id }
            let holder = row?["monitoredBy"] as? [String: Any]
            #expect(holder?["supervisor"] as? Int == Int(Deployment.supervisors[1].rawValue))
            #expect((holder?["session"] as? [String: Any])?["token"] as? Int == 2)
        }
    }

    @Test("M14 through a whole monitored conversation the agent's and customer's sockets carry no monitor event; the supervisor's does")
    func agentSocketIsSilent() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let port = try #require(client.port)
            let agent = Deployment.agents[0]
            let supervisor = Deployment.supervisors[0]
            let other = Deployment.supervisors[1]
            let created = try await api.call(
                .post, "/api/v2/conversations/messages", #"{"channel": {"type": "sms"}, "customerName": "Ann"}"#)
            let id = try #require(created.json["conversationId"] as? Int)
            let customerToken = try #require(created.json["customerToken"] as? String)
            let agentSocket = try await SocketRecorder.open(
                port: port, token: deployment.token(agent), topic: "v2.users.\(agent.rawValue).conversations")
            let customerSocket = try await SocketRecorder.open(
                port: port, token: customerToken, topic: "v2.conversations.\(id).customer")
            let supervisorSocket = try await SocketRecorder.open(
                port: port, token: deployment.token(supervisor), topic: "v2.users.\(supervisor.rawValue).conversations")

            let admin = deployment.token(Deployment.administrator)
            let base = "/api/v2/conversations/messages/\(id)"
            try await api.call(.post, base + "/queue", #"{"queueId": 1}"#, token: admin)
            let alerted = try await api.call(.post, base + "/alerts", #"{"userId": \#(agent.rawValue)}"#, token: admin)
            let participant = try #require(alerted.json["participant"] as? Int)
            let agentToken = deployment.token(agent)
            let agentBase = base + "/participants/\(participant)"
            try await api.call(.post, agentBase + "/connect", token: agentToken)
            try await api.call(.post, base + "/participants/0/messages", #"{"body": "hello"}"#, token: customerToken)
            let started = try await api.call(.post, base + "/monitor", #"{"entryPoint": "interactions"}"#, token: deployment.token(supervisor))
            #expect(started.status == 201)
            try await api.call(.post, base + "/monitor/sessions/1/renew", token: deployment.token(supervisor))
            try await api.call(.post, agentBase + "/messages", #"{"body": "how can I help?"}"#, token: agentToken)
            try await api.call(.post, agentBase + "/typing", token: agentToken)
            try await api.call(.post, base + "/participants/0/read", #"{"upTo": 1}"#, token: customerToken)
            let refused = try await api.call(.post, base + "/monitor", token: deployment.token(other))
            #expect(refused.status == 409)
            try await api.call(.post, base + "/monitor/sessions/1/stop", #"{"from": "interaction"}"#, token: deployment.token(supervisor))
            #expect(try await api.call(.post, base + "/monitor", token: deployment.token(other)).status == 201)
            try await api.call(.post, base + "/participants/0/messages", #"{"body": "thanks"}"#, token: customerToken)
            try await api.call(.post, agentBase + "/disconnect", token: agentToken)
            try await api.call(.post, agentBase + "/wrapup", #"{"code": "resolved"}"#, token: agentToken)
            try await api.call(.post, base + "/end", token: admin)
            // The engine has answered every request above, so every notification is already on its way.
            try await Task.sleep(for: .milliseconds(300))
            let agentMessages = try await agentSocket.close()
            let customerMessages = try await customerSocket.close()
            let supervisorMessages = try await supervisorSocket.close()

            let monitorTypes: Set<String> = [
                "monitorAttempted", "monitorDenied", "monitoringStarted", "monitoringResumed", "leaseRenewed", "monitoringEnded",
            ]
            for (who, messages) in [("agent", agentMessages), ("customer", customerMessages)] {
                let types = messages.map(\.type)
                #expect(types.contains("messageSent"), "the \(who)'s socket carried the conversation: \(types)")
                #expect(types.allSatisfy { !monitorTypes.contains($0) }, "the \(who)'s socket carried a monitor event: \(types)")
                for message in messages {
                    #expect(!message.text.contains("\"monitor\""), "the \(who)'s socket named a monitor: \(message.text)")
                    #expect(
                        !message.text.contains("Supervisor "), "the \(who)'s socket named a supervisor: \(message.text)")
                }
            }
            let supervisorTypes = supervisorMessages.map(\.type)
            #expect(supervisorTypes.contains("monitoringStarted") && supervisorTypes.contains("monitoringEnded"))
            #expect(supervisorTypes.contains("messageSent"), "the monitor sees what the agent sees (M15): \(supervisorTypes)")
        }
    }
}

/// The stores a live test runs on: memory, and SQLite with its group commit (in a temporary directory).
enum StoreUnderTest: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case memory, sqlite

    var testDescription: String { rawValue }

    func deployment() async throws -> (Deployment, URL?) {
        switch self {
        case .memory:
            return (try await Deployment(), nil)
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-live-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            let configuration = NodeConfiguration(port: 0, store: .sqlite(path: directory.appendingPathComponent("node.sqlite").path))
            return (try await Deployment(configuration: configuration), directory)
        }
    }
}

/// A notification socket held open by a test: subscribed to one topic before `open` returns, recording every
/// notification until `close()`.
final class SocketRecorder: Sendable {
    struct Message: Sendable {
        var topic: String
        var type: String
        var text: String
    }

    private final class Inbox: Sendable {
        let messages = Mutex<[Message]>([])
        /// The topics the node refused in its answer to the subscription.
        let refused = Mutex<[String]>([])
    }

    private let inbox = Inbox()
    private let stop = AsyncStream<Void>.makeStream()
    private let task: Task<Void, any Error>

    private init(port: Int, token: String, topics: [String], subscribed: AsyncStream<Void>.Continuation) {
        let inbox = self.inbox
        let stop = self.stop.stream
        task = Task {
            var logger = Logger(label: "socket-recorder")
            logger.logLevel = .warning
            try await WebSocketClient.connect(
                url: "ws://127.0.0.1:\(port)/api/v2/notifications",
                configuration: WebSocketClientConfiguration(additionalHeaders: [.authorization: "Bearer \(token)"]),
                logger: logger
            ) { inbound, outbound, _ in
                let subscribe = try JSONSerialization.data(withJSONObject: ["subscribe": topics])
                try await outbound.write(.text(String(decoding: subscribe, as: UTF8.self)))
                // Closing from this side ends the inbound stream once the node answers the close.
                let closer = Task {
                    for await _ in stop { break }
                    try? await outbound.close(.normalClosure, reason: nil)
                }
                defer { closer.cancel() }
                for try await frame in inbound.messages(maxSize: 1 << 20) {
                    guard case .text(let text) = frame else { continue }
                    let object = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any]
                    let topicName = object?["topicName"] as? String ?? "?"
                    if topicName == "channel.metadata" {
                        let refused = (object?["eventBody"] as? [String: Any])?["refused"] as? [String] ?? []
                        inbox.refused.withLock { $0 = refused }
                        subscribed.yield()
                        continue
                    }
                    let event = (object?["eventBody"] as? [String: Any])?["event"] as? [String: Any]
                    let type = event?["type"] as? String ?? "?"
                    inbox.messages.withLock { $0.append(Message(topic: topicName, type: type, text: text)) }
                }
            }
        }
    }

    static func open(port: Int, token: String, topic: String) async throws -> SocketRecorder {
        try await open(port: port, token: token, topics: [topic])
    }

    static func open(port: Int, token: String, topics: [String]) async throws -> SocketRecorder {
        let (subscribed, continuation) = AsyncStream<Void>.makeStream()
        let recorder = SocketRecorder(port: port, token: token, topics: topics, subscribed: continuation)
        for await _ in subscribed { break }
        return recorder
    }

    /// The topics the node refused to subscribe this socket to.
    var refused: [String] { inbox.refused.withLock { $0 } }

    /// What the socket has carried so far.
    var received: [Message] { inbox.messages.withLock { $0 } }

    /// Closes the socket and returns what it carried.
    func close() async throws -> [Message] {
        stop.continuation.yield()
        try await task.value
        return inbox.messages.withLock { $0 }
    }
}
