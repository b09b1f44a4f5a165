import AsyncHTTPClient
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// An HTTP proxy on loopback between the load driver's clients and one node, which delays, drops and duplicates
/// requests and answers as its `FaultSettings` say, each request's faults drawn in turn from a seeded stream.
///
/// It works on whole HTTP exchanges, not on bytes: a dropped request is never forwarded, a duplicated one reaches the
/// node twice at once (the client gets the first answer), a dropped answer is applied by the node and thrown away.
/// A client whose request or answer was dropped is held for `dropHoldMilliseconds`, then answered 502, so that with a
/// client time-out below that hold the client sees a time-out. WebSocket notifications do not go through it: clients
/// open them on the node itself.
public final class FaultProxy: Sendable {
    /// What the proxy did, counted as it went.
    public struct Counts: Sendable, Hashable, Codable {
        /// Requests the proxy took from clients.
        public var requests = 0
        /// Requests sent on to the node, duplicates included.
        public var forwarded = 0
        public var delayedRequests = 0
        public var droppedRequests = 0
        public var duplicatedRequests = 0
        public var delayedAnswers = 0
        public var droppedAnswers = 0
        /// Requests the node could not be reached for (refused, reset, timed out): answered 502.
        public var upstreamFailures = 0

        /// Two proxies' counts together.
        public static func + (lhs: Counts, rhs: Counts) -> Counts {
            Counts(
                requests: lhs.requests + rhs.requests, forwarded: lhs.forwarded + rhs.forwarded,
                delayedRequests: lhs.delayedRequests + rhs.delayedRequests, droppedRequests: lhs.droppedRequests + rhs.droppedRequests,
                duplicatedRequests: lhs.duplicatedRequests + rhs.duplicatedRequests, delayedAnswers: lhs.delayedAnswers + rhs.delayedAnswers,
                droppedAnswers: lhs.droppedAnswers + rhs.droppedAnswers, upstreamFailures: lhs.upstreamFailures + rhs.upstreamFailures)
        }
    }

    /// The node's base URL, as `http://127.0.0.1:8080`.
    public let upstream: String
    private let state: Mutex<(draws: FaultDraws, counts: Counts)>
    private let client: HTTPClient
    /// The service group serving, while it runs, so that `shutdown()` can end it gracefully.
    private let serving = Mutex<ServiceGroup?>(nil)
    /// The largest request and answer body the proxy carries.
    static let bodyLimit = 4 << 20

    public init(upstream: String, settings: FaultSettings, seed: UInt64, client: HTTPClient) {
        self.upstream = upstream.hasSuffix("/") ? String(upstream.dropLast()) : upstream
        self.client = client
        state = Mutex((FaultDraws(settings: settings, seed: seed), Counts()))
    }

    public var counts: Counts { state.withLock { $0.counts } }

    /// Serves on `host:port` (0: any free port) until `shutdown()`, or until the task running it is cancelled;
    /// `onRunning` is told the port.
    public func run(host: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        var logger = Logger(label: "binoculars.fault-proxy")
        logger.logLevel = .warning
        let application = Application(
            responder: CallbackResponder { [self] (request: Request, _: BasicRequestContext) in try await self.respond(to: request) },
            configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "binoculars-fault-proxy"),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [application], logger: logger))
        serving.withLock { $0 = group }
        defer { serving.withLock { $0 = nil } }
        try await group.run()
    }

    /// Stops serving: requests under way are finished, and `run` returns.
    public func shutdown() async {
        guard let group = serving.withLock({ $0 }) else { return }
        await group.triggerGracefulShutdown()
    }

    func respond(to request: Request) async throws -> Response {
        let decision = state.withLock { state in
            let decision = state.draws.next()
            state.counts.requests += 1
            if decision.requestDelayMilliseconds > 0 { state.counts.delayedRequests += 1 }
            if decision.dropRequest { state.counts.droppedRequests += 1 }
            if decision.duplicateRequest { state.counts.duplicatedRequests += 1 }
            if decision.answerDelayMilliseconds > 0 { state.counts.delayedAnswers += 1 }
            if decision.dropAnswer { state.counts.droppedAnswers += 1 }
            return decision
        }
        let body = try await request.body.collect(upTo: Self.bodyLimit)
        try await pause(decision.requestDelayMilliseconds)
        if decision.dropRequest { return try await dropped("request") }
        let upstreamRequest = forwardable(request, body: body)
        let answer: Forwarded
        if decision.duplicateRequest {
            async let duplicate = forward(upstreamRequest)
            answer = await forward(upstreamRequest)
            _ = await duplicate
        } else {
            answer = await forward(upstreamRequest)
        }
        if decision.dropAnswer { return try await dropped("answer") }
        try await pause(decision.answerDelayMilliseconds)
        switch answer {
        case .answer(let status, let headers, let body):
            return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: body))
        case .failed(let reason):
            state.withLock { $0.counts.upstreamFailures += 1 }
            return Self.badGateway("the node did not answer: \(reason)")
        }
    }

    private enum Forwarded: Sendable {
        case answer(HTTPResponse.Status, HTTPFields, ByteBuffer)
        case failed(String)
    }

    private func forwardable(_ request: Request, body: ByteBuffer) -> HTTPClientRequest {
        var outgoing = HTTPClientRequest(url: upstream + request.uri.description)
        outgoing.method = HTTPMethod(rawValue: request.method.rawValue)
        for field in request.headers where !Self.hopByHop.contains(field.name.canonicalName) {
            outgoing.headers.add(name: field.name.rawName, value: field.value)
        }
        if body.readableBytes > 0 { outgoing.body = .bytes(body) }
        return outgoing
    }

    private func forward(_ request: HTTPClientRequest) async -> Forwarded {
        state.withLock { $0.counts.forwarded += 1 }
        do {
            let response = try await client.execute(request, timeout: .seconds(60))
            let body = try await response.body.collect(upTo: Self.bodyLimit)
            var headers = HTTPFields()
            for (name, value) in response.headers where !Self.hopByHop.contains(name.lowercased()) {
                if let field = HTTPField.Name(name) { headers.append(HTTPField(name: field, value: value)) }
            }
            return .answer(HTTPResponse.Status(code: Int(response.status.code)), headers, body)
        } catch {
            return .failed(String(describing: error))
        }
    }

    private func pause(_ milliseconds: Double) async throws {
        guard milliseconds > 0 else { return }
        try await Task.sleep(for: .nanoseconds(Int64(milliseconds * 1e6)))
    }

    private func dropped(_ what: String) async throws -> Response {
        let hold = state.withLock { $0.draws.settings.dropHoldMilliseconds }
        try await pause(hold)
        return Self.badGateway("the fault proxy dropped this \(what)")
    }

    static func badGateway(_ message: String) -> Response {
        let body = #"{"code":"badGateway","message":"\#(message.replacingOccurrences(of: "\"", with: "'"))"}"#
        return Response(
            status: .badGateway, headers: [.contentType: "application/json"], body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    /// Headers that belong to one connection, not to the exchange, and are not forwarded.
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade", "te", "trailer", "host", "content-length",
    ]
}
