import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// A clock a test moves by hand, so that leases and timelines have known instants.
final class RouteTestClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Instant

    /// Starts at 2025-01-01T00:00:00Z, so RFC 3339 forms read plainly.
    init(start: Instant = .seconds(1_735_689_600)) { current = start }

    var now: Instant { lock.withLock { current } }

    func advance(_ span: TimeSpan) { lock.withLock { current = current + span } }

    var nodeClock: NodeClock { NodeClock { [self] in now } }
}

/// One deployment's router, with the requests the route tests make over and over.
struct RouteDriver {
    let deployment: Deployment
    let api: API

    static let base = "/api/v2/conversations/messages"

    /// Runs `body` against a fresh deployment's router (no sockets).
    static func run(clock: NodeClock = .system, _ body: @escaping @Sendable (RouteDriver) async throws -> Void)
        async throws
    {
        let deployment = try await Deployment(configuration: NodeConfiguration(port: 0), clock: clock)
        try await deployment.application.test(.router) { client in
            try await body(RouteDriver(deployment: deployment, api: API(client: client)))
        }
    }

    // MARK: Tokens

    var admin: String { deployment.token(Deployment.administrator) }
    func agent(_ index: Int) -> String { deployment.token(Deployment.agents[index]) }
    func supervisor(_ index: Int) -> String { deployment.token(Deployment.supervisors[index]) }
    static func agentID(_ index: Int) -> Int { Int(Deployment.agents[index].rawValue) }
    static func supervisorID(_ index: Int) -> Int { Int(Deployment.supervisors[index].rawValue) }

    // MARK: Requests

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil, key: String? = nil,
        headers: HTTPFields = [:]
    ) async throws -> Reply {
        try await api.call(method, path, body, token: token, key: key, headers: headers)
    }

    /// A web-messaging conversation answered by agent `agent` (0-based).
    func inProgress(agent: Int = 0, channel: String = #"{"type": "webMessaging"}"#) async throws -> (
        id: Int, customerToken: String, agentParticipant: Int
    ) {
        try await api.conversationInProgress(deployment, agent: Deployment.agents[agent], channel: channel)
    }

    /// A conversation created by a customer and, when `queued`, placed in the Support queue.
    func created(queued: Bool = true, channel: String = #"{"type": "webMessaging"}"#) async throws -> (
        id: Int, customerToken: String
    ) {
        let created = try await call(.post, Self.base, #"{"channel": \#(channel), "customerName": "Ann"}"#)
        #expect(created.status == 201, "create: \(created.text)")
        let id = try #require(created.json["conversationId"] as? Int)
        let token = try #require(created.json["customerToken"] as? String)
        if queued {
            let reply = try await call(.post, "\(Self.base)/\(id)/queue", #"{"queueId": 1}"#, token: admin)
            #expect(reply.status == 200, "queue: \(reply.text)")
        }
        return (id, token)
    }

    /// Routing alerts `user` (an administrator's request); returns the new participant.
    func alert(_ conversation: Int, user: Int) async throws -> Int {
        let reply = try await call(.post, "\(Self.base)/\(conversation)/alerts", #"{"userId": \#(user)}"#, token: admin)
        #expect(reply.status == 200, "alert: \(reply.text)")
        return try #require(reply.json["participant"] as? Int)
    }

    func connect(_ conversation: Int, _ participant: Int, token: String) async throws {
        let reply = try await call(.post, "\(Self.base)/\(conversation)/participants/\(participant)/connect", token: token)
        #expect(reply.status == 200, "connect: \(reply.text)")
    }

    /// Start monitoring, from a chosen agent participant or with the agent implied.
    func start(_ conversation: Int, token: String, participant: Int? = nil, body: String? = nil, key: String? = nil)
        async throws -> Reply
    {
        let path =
            participant.map { "\(Self.base)/\(conversation)/participants/\($0)/monitor" } ?? "\(Self.base)/\(conversation)/monitor"
        return try await call(.post, path, body, token: token, key: key)
    }

    func stop(_ conversation: Int, session: Int, token: String, from: String? = nil) async throws -> Reply {
        try await call(
            .post, "\(Self.base)/\(conversation)/monitor/sessions/\(session)/stop", from.map { #"{"from": "\#($0)"}"# },
            token: token)
    }

    func renew(_ conversation: Int, session: Int, token: String) async throws -> Reply {
        try await call(.post, "\(Self.base)/\(conversation)/monitor/sessions/\(session)/renew", token: token)
    }

    func monitorView(_ conversation: Int, session: Int, token: String) async throws -> Reply {
        try await call(.get, "\(Self.base)/\(conversation)/monitor/sessions/\(session)", token: token)
    }

    func message(_ conversation: Int, participant: Int, _ text: String, token: String, key: String? = nil) async throws
        -> Reply
    {
        try await call(
            .post, "\(Self.base)/\(conversation)/participants/\(participant)/messages", #"{"body": "\#(text)"}"#,
            token: token, key: key)
    }

    func details(_ conversation: Int, token: String) async throws -> Reply {
        try await call(.get, "/api/v2/conversations/\(conversation)/details", token: token)
    }

    func interactions(token: String) async throws -> Reply {
        try await call(.get, "/api/v2/analytics/interactions", token: token)
    }

    /// The audit log's records, read by the administrator.
    func auditRecords() async throws -> [[String: Any]] {
        let reply = try await call(.get, "/api/v2/audit/monitoring", token: admin)
        #expect(reply.status == 200, "audit: \(reply.text)")
        return reply.json["records"] as? [[String: Any]] ?? []
    }

    /// The audit actions of one conversation, in order, each as `action` or `action:reason`.
    func auditActions(of conversation: Int) async throws -> [String] {
        try await auditRecords().filter { $0["conversation"] as? Int == conversation }.map { record in
            let action = record["action"] as? [String: Any] ?? [:]
            let name = action["action"] as? String ?? "?"
            if let reason = action["reason"] as? String { return "\(name):\(reason)" }
            if let refusal = action["refusal"] as? [String: Any], let code = refusal["code"] as? String {
                return "\(name):\(code)"
            }
            return name
        }
    }

    /// The conversation's timeline event types, as the administrator's details page shows them; monitoring ends
    /// with their reason, as `monitoringEnded:reason`.
    func timeline(_ conversation: Int) async throws -> [String] {
        let reply = try await details(conversation, token: supervisor(49))
        #expect(reply.status == 200, "details: \(reply.text)")
        return (reply.json["timeline"] as? [[String: Any]] ?? []).map { entry in
            let event = entry["event"] as? [String: Any] ?? [:]
            let type = event["type"] as? String ?? "?"
            return (event["reason"] as? String).map { "\(type):\($0)" } ?? type
        }
    }
}

extension Reply {
    /// The `rule` of a refusal, or nil (`null` or absent).
    var ruleId: String? { json["rule"] as? String }

    /// A nested object of the body.
    func nested(_ key: String) -> [String: Any] { json[key] as? [String: Any] ?? [:] }

    /// The body as a list of objects.
    var jsonObjects: [[String: Any]] { list.compactMap { $0 as? [String: Any] } }

    var errorMessage: String { json["message"] as? String ?? "" }
}
