import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import MonitoringEngine
import NIOCore
import Testing

@testable import LiveServer

/// A small deployment for the live tests: one queue, three agents, fifty supervisors, one administrator, and a
/// token for each.
struct Deployment {
    static let agentRole = RoleID(1)
    static let supervisorRole = RoleID(2)
    static let queue = QueueID(1)
    static let agents = (1...3).map { UserID(UInt64($0)) }
    static let supervisors = (11...60).map { UserID(UInt64($0)) }
    static let administrator = UserID(100)

    static var directory: [Command] {
        var commands: [Command] = [
            .defineRole(Role(id: agentRole, name: "Agent", permissions: [.conversationMessageView, .conversationMessageAccept])),
            .defineRole(
                Role(
                    id: supervisorRole, name: "Supervisor",
                    permissions: [
                        .conversationMessageMonitor, .conversationMessageView, .conversationMessageAccept,
                        .analyticsConversationDetailView, .analyticsQueueObservationView, .routingQueueView,
                    ])),
            .addQueue(Queue(id: queue, name: "Support", wrapUpCodes: ["resolved"])),
        ]
        for (index, agent) in agents.enumerated() {
            commands.append(
                .addUser(User(id: agent, displayName: "Agent \(index + 1)", licence: .cx1, roles: [agentRole], presence: .onQueue)))
            commands.append(.setQueueMembership(queue, agent, isMember: true))
        }
        for (index, supervisor) in supervisors.enumerated() {
            commands.append(
                .addUser(
                    User(
                        id: supervisor, displayName: "Supervisor \(index + 1)", licence: .cx3, roles: [supervisorRole],
                        presence: .available)))
        }
        commands.append(
            .addUser(User(id: administrator, displayName: "Administrator", licence: .cx3, presence: .available, isAdministrator: true)))
        return commands
    }

    let node: Node
    let tokens: [UserID: String]

    init(configuration: NodeConfiguration = NodeConfiguration(port: 0), clock: NodeClock = .system) async throws {
        node = try await Node.open(configuration: configuration, clock: clock)
        tokens = Dictionary(uniqueKeysWithValues: try await node.load(directory: Self.directory).map { ($0.user, $0.token) })
    }

    func token(_ user: UserID) -> String { tokens[user]! }

    var application: some ApplicationProtocol {
        var logger = Logger(label: "live-test")
        logger.logLevel = .warning
        return buildApplication(node: node, logger: logger)
    }
}

/// One answer as a test reads it.
struct Reply {
    var status: Int
    var body: Data
    var headers: HTTPFields

    /// The body as a JSON object.
    var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
    var list: [Any] { (try? JSONSerialization.jsonObject(with: body)) as? [Any] ?? [] }
    var code: String? { json["code"] as? String }
    var text: String { String(decoding: body, as: UTF8.self) }
}

/// Requests to a node through any of Hummingbird's test clients.
struct API {
    let client: any TestClientProtocol

    @discardableResult
    func call(
        _ method: HTTPRequest.Method, _ path: String, _ body: String? = nil, token: String? = nil, key: String? = nil,
        headers extra: HTTPFields = [:]
    ) async throws -> Reply {
        var headers = extra
        if let token { headers[.authorization] = "Bearer \(token)" }
        if let key { headers[HTTPField.Name("Idempotency-Key")!] = key }
        if body != nil { headers[.contentType] = "application/json" }
        return try await client.execute(
            uri: path, method: method, headers: headers, body: body.map { ByteBuffer(string: $0) }
        ) { response in
            Reply(status: Int(response.status.code), body: Data(buffer: response.body), headers: response.headers)
        }
    }

    /// A web-messaging conversation in progress: created by its customer, queued and alerted by routing, answered
    /// by `agent`. Returns its id, the customer's token and the agent's participant.
    func conversationInProgress(_ deployment: Deployment, agent: UserID = Deployment.agents[0], channel: String = #"{"type": "webMessaging"}"#)
        async throws -> (id: Int, customerToken: String, agentParticipant: Int)
    {
        let created = try await call(.post, "/api/v2/conversations/messages", #"{"channel": \#(channel), "customerName": "Ann"}"#)
        #expect(created.status == 201, "create: \(created.text)")
        let id = created.json["conversationId"] as! Int
        let customerToken = created.json["customerToken"] as! String
        let admin = deployment.token(Deployment.administrator)
        let queued = try await call(.post, "/api/v2/conversations/messages/\(id)/queue", #"{"queueId": 1}"#, token: admin)
        #expect(queued.status == 200, "queue: \(queued.text)")
        let alerted = try await call(
            .post, "/api/v2/conversations/messages/\(id)/alerts", #"{"userId": \#(agent.rawValue)}"#, token: admin)
        #expect(alerted.status == 200, "alert: \(alerted.text)")
        let participant = alerted.json["participant"] as! Int
        let connected = try await call(
            .post, "/api/v2/conversations/messages/\(id)/participants/\(participant)/connect", token: deployment.token(agent))
        #expect(connected.status == 200, "connect: \(connected.text)")
        return (id, customerToken, participant)
    }
}
