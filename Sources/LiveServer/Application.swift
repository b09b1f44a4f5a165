import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import MonitoringEngine
import ServiceLifecycle

/// The node's router: the API, the notification socket, the console, `/health` and `/openapi.json`.
public func buildRouter(node: Node) -> Router<NodeRequestContext> {
    let router = Router(context: NodeRequestContext.self)
    // Each request's method, path and status, at debug level (`--log-level debug`).
    router.middlewares.add(LogRequestsMiddleware(.debug))
    router.middlewares.add(MetricsMiddleware(metrics: node.metrics))
    router.middlewares.add(FailureMiddleware())
    let routes = Routes(
        node: node, reader: RequestReader(node: node, limits: node.configuration.limits),
        renewEvery: node.configuration.engine.renewalInterval)
    routes.addMonitoring(to: router)
    routes.addLifecycle(to: router)
    routes.addDirectory(to: router)
    routes.addViews(to: router)
    routes.addNotifications(to: router)
    routes.addAccount(to: router)
    routes.addConsole(to: router)
    router.get("/health") { _, _ in
        let status = await node.status
        return Answer.ok(
            HealthAnswer(
                status: "ok", nodeId: status.nodeID, activeSessions: status.activeSessions,
                subscriptions: node.notifications.subscriptionCount)
        ).response()
    }
    router.get("/metrics") { _, _ in
        node.metrics.setActiveSessions(await node.status.activeSessions)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: node.metrics.registry.emitToBuffer())))
    }
    router.get("/openapi.json") { _, _ in
        Answer(status: 200, body: OpenAPIDocument.json).response()
    }
    return router
}

/// A node over the store `configuration` names, as an application (see below).
public func buildApplication(configuration: NodeConfiguration, logger: Logger) throws -> some ApplicationProtocol {
    buildApplication(node: try Node(configuration: configuration), logger: logger)
}

/// The node as an application: its router over HTTP/1.1 with WebSocket upgrade, and the lease sweeper beside it
/// as a service of its own; both stop gracefully on SIGTERM or SIGINT (swift-service-lifecycle), the server
/// finishing the requests in flight.
public func buildApplication(node: Node, logger: Logger, onServerRunning: (@Sendable (Int) async -> Void)? = nil)
    -> some ApplicationProtocol
{
    let configuration = node.configuration
    let router = buildRouter(node: node)
    var application = Application(
        router: router,
        server: .http1WebSocketUpgrade(webSocketRouter: router),
        configuration: ApplicationConfiguration(
            address: .hostname(configuration.host, port: configuration.port), serverName: "binoculars"),
        onServerRunning: { channel in await onServerRunning?(channel.localAddress?.port ?? 0) },
        logger: logger)
    application.addServices(LeaseSweeper(node: node, interval: configuration.leaseSweepInterval, logger: logger))
    return application
}

/// Ends the sessions whose lease is due, on an interval, until the service group shuts down (M12).
struct LeaseSweeper: Service {
    let node: Node
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // A graceful shutdown cancels the wait; the sweeper then returns normally, so the service group ends clean.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                do {
                    let expired = try await node.expireLeases()
                    if expired > 0 { logger.info("leases expired", metadata: ["count": "\(expired)"]) }
                } catch {
                    // The store refused this sweep (the disk, a lost update); the next one tries again.
                    logger.error("lease sweep failed", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}

/// Turns what a route throws into a JSON answer: the service's own refusals as they are, Hummingbird's errors
/// (no such route, a body too large) in the same form, anything else as a 500 that names no internals.
struct FailureMiddleware: RouterMiddleware {
    typealias Context = NodeRequestContext

    func handle(
        _ request: Request, context: NodeRequestContext, next: (Request, NodeRequestContext) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as ServiceFailure {
            return Answer.failure(failure).response()
        } catch let error as MonitoringError {
            return Answer.refusal(error).response()
        } catch let error as HTTPError {
            let status = Int(error.status.code)
            let code = status == 404 ? "notFound" : status == 413 ? "tooLarge" : status == 405 ? "methodNotAllowed" : "badRequest"
            let message = error.body ?? error.status.reasonPhrase
            return Answer.failure(ServiceFailure(status: status, code: code, message: message)).response()
        } catch {
            context.logger.error("request failed", metadata: ["error": "\(error)"])
            return Answer.failure(ServiceFailure(status: 500, code: "internal", message: "the node failed to answer")).response()
        }
    }
}
