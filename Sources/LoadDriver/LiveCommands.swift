import AsyncHTTPClient
import Foundation
import MonitoringEngine
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// The live side of the world's gateway: sends the commands the world's clients send to a live node over its HTTP
/// API, as the client each comes from, and reads each answer back as the engine's own
/// `Result<Outcome, MonitoringError>` — what the simulated store would have answered.
///
/// Who acts, and with which token:
/// - a customer creates its conversation as a guest and acts with the token that answer carries;
/// - routing (queueing, alerting) acts as the deployment's administrator, and so does the end of a conversation;
/// - an agent acts on its own participant with its own token;
/// - a supervisor starts, renews and stops with its own token;
/// - a user sets their own presence.
///
/// It learns the customers' tokens and which user each agent participant is from the answers it reads.
public final class LiveCommands: Sendable {
    /// Why a command got no answer from the engine.
    public enum Failure: Error, Sendable, Equatable {
        /// The service refused it before the engine was asked (a bad token, a forbidden action, bad input).
        case service(status: Int, code: String, message: String)
        /// No answer came (reset, time-out) to a request that may have reached the node.
        case transport(String)
        /// The node could not be reached at all (refused or timed-out connection): the request never left, so it may
        /// be sent to another node.
        case notConnected(String)
        /// An answer came that is neither an outcome nor a refusal of the engine's.
        case unreadable(status: Int, body: String)
        /// The world's client cannot send this command: no route exists for it, or who would send it is unknown.
        case notSendable(String)
    }

    /// The node's base URL, as `http://127.0.0.1:8080`.
    public let base: String
    private let client: HTTPClient
    private let state: Mutex<State>

    struct State {
        var tokens: [UserID: String]
        var names: [UserID: String]
        var administrator: String
        var customers: [ConversationID: String] = [:]
        var agents: [ConversationID: [ParticipantID: UserID]] = [:]
    }

    /// `tokens` holds every user's token and display name, as the node issued them when it loaded its directory;
    /// `administrator` is the user routing acts as.
    public init(base: String, client: HTTPClient, tokens: [(user: UserID, name: String, token: String)], administrator: UserID) throws {
        self.base = base.hasSuffix("/") ? String(base.dropLast()) : base
        self.client = client
        let byUser = Dictionary(tokens.map { ($0.user, $0.token) }, uniquingKeysWith: { first, _ in first })
        guard let routing = byUser[administrator] else { throw Failure.notSendable("no token for the administrator \(administrator)") }
        state = Mutex(
            State(
                tokens: byUser, names: Dictionary(tokens.map { ($0.user, $0.name) }, uniquingKeysWith: { first, _ in first }),
                administrator: routing))
    }

    /// The token a conversation's customer acts with, once its creation was answered.
    public func customerToken(of conversation: ConversationID) -> String? {
        state.withLock { $0.customers[conversation] }
    }

    /// Sends one command and reads its answer; `key` goes out as its `Idempotency-Key`. `node` is the base URL of the
    /// node (or the fault proxy in front of it) to send it to; nil: `base`.
    public func send(_ command: Command, key: String? = nil, to node: String? = nil, timeout: TimeAmount = .seconds(10)) async -> Result<
        Result<Outcome, MonitoringError>, Failure
    > {
        await sendTimed(command, key: key, to: node, timeout: timeout).answer
    }

    /// As `send`, with the node's own time on the request, in milliseconds, from its `Server-Timing: node;dur=…`
    /// header (nil when no answer came or the node gave none).
    public func sendTimed(_ command: Command, key: String? = nil, to node: String? = nil, timeout: TimeAmount = .seconds(10)) async -> (
        answer: Result<Result<Outcome, MonitoringError>, Failure>, nodeMilliseconds: Double?
    ) {
        let request: Request
        do {
            request = try self.request(for: command)
        } catch let failure as Failure {
            return (.failure(failure), nil)
        } catch {
            return (.failure(.notSendable("\(error)")), nil)
        }
        var outgoing = HTTPClientRequest(url: (node.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? base) + request.path)
        outgoing.method = request.method
        if let token = request.token { outgoing.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { outgoing.headers.add(name: "Idempotency-Key", value: key) }
        if let body = request.body {
            outgoing.headers.add(name: "Content-Type", value: "application/json")
            outgoing.body = .bytes(ByteBuffer(data: body))
        }
        let status: Int
        let data: Data
        let timing: Double?
        do {
            let response = try await client.execute(outgoing, deadline: .now() + timeout)
            status = Int(response.status.code)
            timing = Self.nodeMilliseconds(response.headers.first(name: "Server-Timing"))
            data = Data(buffer: try await response.body.collect(upTo: 4 << 20))
        } catch {
            if Self.neverConnected(error) { return (.failure(.notConnected(String(describing: error))), nil) }
            return (.failure(.transport(String(describing: error))), nil)
        }
        return (read(status: status, body: data, for: command), timing)
    }

    /// The `node` metric's duration of a `Server-Timing` header: `node;dur=12.5` is 12.5.
    static func nodeMilliseconds(_ header: String?) -> Double? {
        guard let header else { return nil }
        for metric in header.split(separator: ",") {
            let parts = metric.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.first == "node" else { continue }
            for parameter in parts.dropFirst() where parameter.hasPrefix("dur=") { return Double(parameter.dropFirst(4)) }
        }
        return nil
    }

    /// Whether an error says the connection was never made (so the request never left).
    static func neverConnected(_ error: any Error) -> Bool {
        if error is NIOConnectionError { return true }
        if let error = error as? HTTPClientError, error == .connectTimeout { return true }
        if let error = error as? ChannelError, case .connectTimeout = error { return true }
        if let error = error as? IOError, error.errnoCode == ECONNREFUSED { return true }
        return false
    }

    // MARK: Requests

    struct Request {
        var method: HTTPMethod
        var path: String
        var body: Data?
        var token: String?
    }

    private static let conversations = "/api/v2/conversations/messages"

    func request(for command: Command) throws -> Request {
        let state = self.state.withLock { $0 }
        func user(_ id: UserID) throws -> String {
            guard let token = state.tokens[id] else { throw Failure.notSendable("no token for \(id)") }
            return token
        }
        func participant(_ conversation: ConversationID, _ participant: ParticipantID) throws -> String {
            if participant == .customer {
                guard let token = state.customers[conversation] else { throw Failure.notSendable("no customer token for \(conversation)") }
                return token
            }
            guard let agent = state.agents[conversation]?[participant] else {
                throw Failure.notSendable("participant \(participant.rawValue) of \(conversation) is no agent this driver alerted")
            }
            return try user(agent)
        }
        func path(_ conversation: ConversationID, _ rest: String) -> String { "\(Self.conversations)/\(conversation.rawValue)\(rest)" }
        func on(_ conversation: ConversationID, _ who: ParticipantID, _ action: String) -> String {
            path(conversation, "/participants/\(who.rawValue)/\(action)")
        }
        switch command {
        case .createConversation(let channel, let context):
            var body: [String: any Encodable] = ["channel": channel, "customerName": context.customer.name]
            if !context.participantData.isEmpty { body["participantData"] = context.participantData }
            if !context.journey.isEmpty { body["journey"] = context.journey }
            return Request(method: .POST, path: Self.conversations, body: try Self.json(body))
        case .enqueue(let id, let queue):
            return Request(method: .POST, path: path(id, "/queue"), body: try Self.json(["queueId": queue]), token: state.administrator)
        case .alertAgent(let id, let agent):
            return Request(method: .POST, path: path(id, "/alerts"), body: try Self.json(["userId": agent]), token: state.administrator)
        case .connectAgent(let id, let who):
            return Request(method: .POST, path: on(id, who, "connect"), token: try participant(id, who))
        case .disconnectAgent(let id, let who):
            return Request(method: .POST, path: on(id, who, "disconnect"), token: try participant(id, who))
        case .transfer(let id, let who, let target):
            let body: Data
            switch target {
            case .queue(let queue): body = try Self.json(["queueId": queue])
            case .agent(let agent): body = try Self.json(["userId": agent])
            }
            return Request(method: .POST, path: on(id, who, "transfer"), body: body, token: try participant(id, who))
        case .sendMessage(let id, let who, let kind, let text):
            let body: [String: any Encodable] = ["kind": kind, "body": text]
            return Request(method: .POST, path: on(id, who, "messages"), body: try Self.json(body), token: try participant(id, who))
        case .wrapUp(let id, let who, let code):
            return Request(method: .POST, path: on(id, who, "wrapup"), body: try Self.json(["code": code]), token: try participant(id, who))
        case .endConversation(let id):
            return Request(method: .POST, path: path(id, "/end"), token: state.administrator)
        case .abandon(let id):
            return Request(method: .POST, path: path(id, "/abandon"), token: try participant(id, .customer))
        case .setPresence(let id, let presence):
            return Request(
                method: .PUT, path: "/api/v2/users/\(id.rawValue)/presence", body: try Self.json(["presence": presence]), token: try user(id))
        case .startMonitoring(let id, let supervisor, let agent, let entryPoint):
            let route = agent.map { "/participants/\($0.rawValue)/monitor" } ?? "/monitor"
            return Request(method: .POST, path: path(id, route), body: try Self.json(["entryPoint": entryPoint]), token: try user(supervisor))
        case .stopMonitoring(let session, let supervisor, let source):
            return Request(
                method: .POST, path: path(session.conversation, "/monitor/sessions/\(session.token)/stop"),
                body: try Self.json(["from": source]), token: try user(supervisor))
        case .renewLease(let session, let supervisor):
            return Request(
                method: .POST, path: path(session.conversation, "/monitor/sessions/\(session.token)/renew"), token: try user(supervisor))
        default:
            throw Failure.notSendable("no client of the world sends \(command)")
        }
    }

    static func json(_ fields: [String: any Encodable]) throws -> Data {
        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
        struct Object: Encodable {
            let fields: [String: any Encodable]
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: Key.self)
                for (name, value) in fields { try container.encode(value, forKey: Key(stringValue: name)) }
            }
        }
        return try JSONEncoder().encode(Object(fields: fields))
    }

    // MARK: Answers

    struct Created: Decodable {
        var conversationId: ConversationID
        var customerToken: String
    }

    struct Session: Decodable {
        var session: SessionID
        var supervisor: UserID
        var monitoredParticipant: ParticipantID
        var monitoredAgent: UserID
        var monitorParticipant: ParticipantID
        var startedAt: Instant
        var leaseExpiresAt: Instant
        var resumed: Bool
    }

    struct ServiceRefusal: Decodable {
        var code: String
        var message: String
    }

    func read(status: Int, body: Data, for command: Command) -> Result<Result<Outcome, MonitoringError>, Failure> {
        let decoder = JSONDecoder()
        guard (200..<300).contains(status) else {
            if let error = try? decoder.decode(MonitoringError.self, from: body) { return .success(.failure(error)) }
            if let refusal = try? decoder.decode(ServiceRefusal.self, from: body) {
                return .failure(.service(status: status, code: refusal.code, message: refusal.message))
            }
            return .failure(.unreadable(status: status, body: String(decoding: body.prefix(500), as: UTF8.self)))
        }
        switch command {
        case .createConversation:
            guard let created = try? decoder.decode(Created.self, from: body) else { return unreadable(status, body) }
            state.withLock { $0.customers[created.conversationId] = created.customerToken }
            return .success(.success(.conversationCreated(created.conversationId)))
        case .startMonitoring(_, _, _, let entryPoint):
            guard let answer = try? decoder.decode(Session.self, from: body) else { return unreadable(status, body) }
            let name = state.withLock { $0.names[answer.supervisor] } ?? ""
            let session = MonitorSession(
                id: answer.session, supervisor: answer.supervisor, supervisorName: name, supervisorParticipant: answer.monitorParticipant,
                monitoredParticipant: answer.monitoredParticipant, monitoredAgent: answer.monitoredAgent, entryPoint: entryPoint,
                startedAt: answer.startedAt, leaseExpiresAt: answer.leaseExpiresAt)
            return .success(.success(answer.resumed ? .alreadyMonitoring(session) : .monitoringStarted(session)))
        default:
            guard let outcome = try? decoder.decode(Outcome.self, from: body) else { return unreadable(status, body) }
            if case .alertAgent(let id, let agent) = command, case .participantAdded(let participant) = outcome {
                state.withLock { $0.agents[id, default: [:]][participant] = agent }
            }
            return .success(.success(outcome))
        }
    }

    private func unreadable(_ status: Int, _ body: Data) -> Result<Result<Outcome, MonitoringError>, Failure> {
        .failure(.unreadable(status: status, body: String(decoding: body.prefix(500), as: UTF8.self)))
    }
}
