import Foundation
import Hummingbird
import HummingbirdWebSocket
import MonitoringEngine
import ServiceLifecycle

/// What a client sends on its notification socket: the topics to add.
struct SubscribeMessage: Decodable {
    var subscribe: [String]
}

/// The channel's own messages, in the platform's envelope.
struct ChannelMessage: Encodable {
    struct Body: Encodable {
        var subscribed: [String]?
        var refused: [String]?
        var message: String?
    }

    var topicName = "channel.metadata"
    var eventBody: Body
}

extension Routes {
    /// `GET /api/v2/notifications`, upgraded to a WebSocket: the bearer token in the `Authorization` header, or in
    /// the `access_token` query parameter for a browser, which cannot set headers on a socket. The client sends
    /// `{"subscribe": ["v2.users.{id}.conversations"]}`; a principal may subscribe to its own topics only (and a user
    /// who may read the views, to the views' topic), and is told which topics were refused. Each of the engine's deliveries to it then arrives as
    /// `{"topicName", "eventBody"}`. A GET without the upgrade is 426 `upgradeRequired`.
    func addNotifications(to router: Router<NodeRequestContext>) {
        let node = self.node
        let reader = self.reader
        router.ws(
            "/api/v2/notifications",
            shouldUpgrade: { request, _ in
                _ = try await Self.socketPrincipal(request, reader: reader, node: node)
                // A plain GET reaches this route too: without the upgrade it would be a 200 with nothing in it.
                guard request.headers[.upgrade]?.lowercased().contains("websocket") == true else {
                    throw ServiceFailure(
                        status: 426, code: "upgradeRequired",
                        message: "this route is a WebSocket: send Connection: Upgrade and Upgrade: websocket")
                }
                return .upgrade([:])
            },
            onUpgrade: { inbound, outbound, context in
                let principal = try await Self.socketPrincipal(context.request, reader: reader, node: node)
                let allowed = await node.topics(of: principal)
                let (id, notifications) = node.notifications.open()
                defer { node.notifications.cancel(id) }
                // On SIGTERM the node closes every socket ("going away") so that the graceful shutdown finishes;
                // a client reconnects to another node or after the restart and reads the state again.
                try await withGracefulShutdownHandler {
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            for await message in notifications {
                                try await outbound.write(.text(String(decoding: message, as: UTF8.self)))
                            }
                            // The subscription ended: the node is going away, or this socket fell too far behind.
                            try await outbound.close(.goingAway, reason: "closed by the node; reconnect and read again")
                        }
                        for try await frame in inbound.messages(maxSize: 16 * 1024) {
                            try await outbound.write(.text(Self.reply(to: frame, id: id, allowed: allowed, node: node, reader: reader)))
                        }
                        group.cancelAll()
                    }
                } onGracefulShutdown: {
                    node.notifications.cancel(id)
                }
            })
    }

    /// The answer to a client's message: the topics subscribed and refused, or how to subscribe.
    private static func reply(
        to frame: WebSocketMessage, id: UInt64, allowed: Set<String>, node: Node, reader: RequestReader
    ) -> String {
        guard case .text(let text) = frame,
            let message = try? JSONDecoder().decode(SubscribeMessage.self, from: Data(text.utf8)),
            message.subscribe.count <= reader.limits.listCountMaximum
        else {
            let body = ChannelMessage.Body(message: "send {\"subscribe\": [topic, …]} with your own topics")
            return String(decoding: WireJSON.encode(ChannelMessage(eventBody: body)), as: UTF8.self)
        }
        let asked = Set(message.subscribe)
        let granted = asked.intersection(allowed)
        node.notifications.subscribe(id, to: granted)
        let body = ChannelMessage.Body(subscribed: granted.sorted(), refused: asked.subtracting(allowed).sorted(), message: nil)
        return String(decoding: WireJSON.encode(ChannelMessage(eventBody: body)), as: UTF8.self)
    }

    private static func socketPrincipal(_ request: Request, reader: RequestReader, node: Node) async throws -> Principal {
        if request.headers[.authorization] != nil { return try await reader.principal(request) }
        guard let token = request.uri.queryParameters["access_token"], let principal = await node.principal(forToken: String(token))
        else { throw ServiceFailure.unauthenticated }
        return principal
    }
}
