import Foundation
import HummingbirdTesting
import Testing

@testable import LiveServer

/// What the console needs of a node, without a browser: its files, the account and queue routes, and the views'
/// notification topic.
@Suite("The console's routes")
struct ConsoleRouteTests {
    @Test("the console's files are served with their types and a policy that loads nothing from elsewhere; nothing else is")
    func files() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            for (path, type, marker) in [
                ("/console", "text/html; charset=utf-8", "<script src=\"/console/console.js\""),
                ("/console/", "text/html; charset=utf-8", "<script src=\"/console/console.js\""),
                ("/console/console.js", "text/javascript; charset=utf-8", "function monitorControl"),
                ("/console/console.css", "text/css; charset=utf-8", "aria-disabled"),
                ("/console/binoculars.svg", "image/svg+xml", "<svg"),
            ] {
                let reply = try await api.call(.get, path)
                #expect(reply.status == 200, "\(path): \(reply.status)")
                #expect(reply.headers[.contentType] == type, "\(path)")
                #expect(reply.text.contains(marker), "\(path) lacks \(marker)")
                let policy = reply.headers[.contentSecurityPolicy] ?? ""
                #expect(policy.contains("default-src 'none'") && policy.contains("connect-src 'self'"), "\(path): \(policy)")
                for reference in ["src=\"http", "href=\"http", "url(http", "fetch(\"http", "@import"] {
                    #expect(!reply.text.contains(reference), "\(path) loads from another site: \(reference)")
                }
            }
            for path in ["/console/../openapi.json", "/console/Console.swift", "/console/index.htm"] {
                #expect(try await api.call(.get, path).status == 404, "\(path) is served")
            }
        }
    }

    @Test("M2 M23 M24 /users/me tells the console who the token's user is and which views are theirs; an agent's has none")
    func account() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            let supervisor = Deployment.supervisors[0]
            let me = try await api.call(.get, "/api/v2/users/me", token: deployment.token(supervisor))
            #expect(me.status == 200, "\(me.text)")
            #expect(me.json["id"] as? Int == Int(supervisor.rawValue))
            #expect(me.json["name"] as? String == "Supervisor 1")
            #expect(me.json["presence"] as? String == "available")
            #expect(me.json["viewsConversations"] as? Bool == true)
            #expect(me.json["viewsQueues"] as? Bool == true)
            #expect(me.json["renewEverySeconds"] as? Double == 10)
            let agent = try await api.call(.get, "/api/v2/users/me", token: deployment.token(Deployment.agents[0]))
            #expect(agent.json["viewsConversations"] as? Bool == false)
            #expect(agent.json["viewsQueues"] as? Bool == false)
            #expect(try await api.call(.get, "/api/v2/users/me").status == 401)
        }
    }

    @Test("M24 the queues are listed for a user with routing:queue:view, and refused to an agent without it")
    func queues() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            let listed = try await api.call(.get, "/api/v2/routing/queues", token: deployment.token(Deployment.supervisors[0]))
            #expect(listed.status == 200)
            let queues = listed.list.compactMap { $0 as? [String: Any] }
            #expect(queues.count == 1 && queues.first?["name"] as? String == "Support", "\(listed.text)")
            let refused = try await api.call(.get, "/api/v2/routing/queues", token: deployment.token(Deployment.agents[0]))
            #expect(refused.status == 403)
            #expect(refused.code == "missingPermission")
        }
    }

    @Test("M13 an agent's panel names the agent's own participant, which the agent console reads its view with")
    func agentPanelNamesParticipant() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let agent = Deployment.agents[0]
            let panel = try await api.call(.get, "/api/v2/users/\(agent.rawValue)/conversations", token: deployment.token(agent))
            let entry = try #require(panel.list.first as? [String: Any], "\(panel.text)")
            #expect(entry["conversation"] as? Int == conversation.id)
            #expect(entry["participant"] as? Int == conversation.agentParticipant)
            let view = try await api.call(
                .get, "/api/v2/conversations/messages/\(conversation.id)/participants/\(conversation.agentParticipant)",
                token: deployment.token(agent))
            #expect(view.status == 200, "\(view.text)")
        }
    }

    @Test("M14 M23 M26 the views' topic tells a supervisor of a start and a stop, with its lag; an agent may not subscribe")
    func viewsTopic() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let port = try #require(client.port)
            let watcher = Deployment.supervisors[1]
            let views = try await SocketRecorder.open(
                port: port, token: deployment.token(watcher),
                topics: ["v2.users.\(watcher.rawValue).conversations", NotificationHub.viewsTopic])
            #expect(views.refused.isEmpty, "\(views.refused)")
            let agent = Deployment.agents[1]
            let agentSocket = try await SocketRecorder.open(
                port: port, token: deployment.token(agent), topics: ["v2.users.\(agent.rawValue).conversations", NotificationHub.viewsTopic])
            #expect(agentSocket.refused == [NotificationHub.viewsTopic], "an agent subscribed to the views' topic")

            let conversation = try await api.conversationInProgress(deployment)
            let supervisor = deployment.token(Deployment.supervisors[0])
            let base = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            #expect(try await api.call(.post, base, token: supervisor).status == 201)
            try await api.call(.post, base + "/sessions/1/renew", token: supervisor)
            #expect(try await api.call(.post, base + "/sessions/1/stop", #"{"from": "details"}"#, token: supervisor).status == 200)
            try await Task.sleep(for: .milliseconds(300))
            let changes = try await views.close().filter { $0.topic == NotificationHub.viewsTopic }.compactMap { message in
                try? JSONDecoder().decode(ViewNotification.self, from: Data(message.text.utf8)).eventBody
            }
            let monitoring = changes.filter { $0.changes.contains("monitoringStarted") || $0.changes.contains("monitoringEnded") }
            #expect(monitoring.count == 2, "a start and a stop, and not the renewal: \(changes)")
            #expect(monitoring.allSatisfy { $0.conversations.map(\.rawValue) == [UInt64(conversation.id)] }, "\(monitoring)")
            #expect(monitoring.allSatisfy { $0.lagMilliseconds == 0 }, "a node that is its own store shows a change at once")
            #expect(changes.contains { $0.changes.contains("agentConnected") }, "\(changes)")
            #expect(try await agentSocket.close().allSatisfy { $0.topic != NotificationHub.viewsTopic })
        }
    }
}
