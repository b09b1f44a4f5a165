import Foundation
import HTTPTypes
import Hummingbird
import MonitoringEngine

/// The supervisor's console: HTML, CSS and plain JavaScript shipped in the package (`Sources/LiveServer/Console/`)
/// and served by every node at `/console/`. Nothing is built and nothing is loaded from the network; the page
/// speaks to the node it came from, through the same API and notification socket as any client.
enum ConsoleFiles {
    /// One file of the console, read once from the bundle.
    struct File: Sendable {
        var contentType: String
        var data: Data
    }

    /// The console's files by name; only these are served.
    static let files: [String: File] = {
        let types = [
            "index.html": "text/html; charset=utf-8", "console.css": "text/css; charset=utf-8",
            "console.js": "text/javascript; charset=utf-8", "binoculars.svg": "image/svg+xml",
        ]
        var files: [String: File] = [:]
        for (name, contentType) in types {
            let url = Bundle.module.resourceURL?.appendingPathComponent("Console").appendingPathComponent(name)
            guard let url, let data = try? Data(contentsOf: url) else {
                preconditionFailure("the console's \(name) is missing from the LiveServer bundle")
            }
            files[name] = File(contentType: contentType, data: data)
        }
        return files
    }()

    /// The page may load only its own files and speak only to its own node (its API and its socket).
    static let securityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; "
        + "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    static func response(_ name: String) -> Response {
        guard let file = files[name] else {
            return Answer.failure(.notFound("the console has no file \(name)")).response()
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: file.contentType, .cacheControl: "no-cache", .contentSecurityPolicy: securityPolicy,
                .xContentTypeOptions: "nosniff", HTTPField.Name("Referrer-Policy")!: "no-referrer",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.data)))
    }
}

extension Routes {
    /// The console's page at `/console` (and `/console/`: the router takes them as one path), and its files.
    func addConsole(to router: Router<NodeRequestContext>) {
        router.get("/console") { _, _ in ConsoleFiles.response("index.html") }
        router.get("/console/{file}") { _, context in
            ConsoleFiles.response(context.parameters.get("file") ?? "")
        }
    }

    /// What a console needs to know of its user and of routing: who the token's user is, and the queues.
    func addAccount(to router: Router<NodeRequestContext>) {
        let renewEvery = self.renewEvery
        // The token's own user: name, licence, presence, permissions, and what the console may offer them.
        router.get(
            "/api/v2/users/me",
            use: view { principal, state, _, _ in
                let id = try Access.user(principal)
                guard let user = state.engine.users[id] else { throw MonitoringError.unknownUser(id) }
                return .ok(AccountAnswer(user, renewEvery: renewEvery))
            })
        // The queues, for the Queue Activity view's choice (M24).
        router.get(
            "/api/v2/routing/queues",
            use: view { principal, state, _, _ in
                let id = try Access.user(principal)
                guard let user = state.engine.users[id] else { throw MonitoringError.unknownUser(id) }
                guard user.isAdministrator || user.permissions.contains(.routingQueueView) else {
                    throw MonitoringError.missingPermission(.routingQueueView)
                }
                return .ok(state.engine.queues.values.sorted { $0.id < $1.id }.map { QueueSummary(id: $0.id, name: $0.name) })
            })
    }
}

/// `GET /api/v2/users/me`.
struct AccountAnswer: Encodable {
    var id: UserID
    var name: String
    var licence: Licence
    var presence: Presence
    var permissions: PermissionSet
    var isAdministrator: Bool
    /// Whether the Interactions view and the views' notification topic are open to the user (M23).
    var viewsConversations: Bool
    /// Whether the Queue Activity view is (M24).
    var viewsQueues: Bool
    /// How often a console renews the leases of the sessions it holds (M12).
    var renewEverySeconds: Double

    init(_ user: User, renewEvery: TimeSpan) {
        id = user.id
        name = user.displayName
        licence = user.licence
        presence = user.presence
        permissions = user.permissions
        isAdministrator = user.isAdministrator
        viewsConversations = user.permissions.firstMissing(of: EntryPoint.interactions.requiredPermissions) == nil
        viewsQueues = user.permissions.firstMissing(of: EntryPoint.queueActivity.requiredPermissions) == nil
        renewEverySeconds = renewEvery.seconds
    }
}

/// One queue of `GET /api/v2/routing/queues`.
struct QueueSummary: Encodable {
    var id: QueueID
    var name: String
}
