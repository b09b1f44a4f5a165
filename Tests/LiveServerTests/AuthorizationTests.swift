import Foundation
import HTTPTypes
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// Who may call what: 401 without a token the node issued, 403 when one user acts as another, and the customer's
/// token for the customer's own commands.
@Suite("Authorization over the API")
struct AuthorizationTests {
    typealias Driver = RouteDriver
    static let base = RouteDriver.base

    /// A POST and a GET of each route group.
    static func guarded(_ conversation: Int) -> [(HTTPRequest.Method, String, String?)] {
        [
            (.post, "\(base)/\(conversation)/monitor", nil),
            (.post, "\(base)/\(conversation)/monitor/sessions/1/stop", nil),
            (.post, "\(base)/\(conversation)/monitor/sessions/1/renew", nil),
            (.get, "\(base)/\(conversation)/monitor/sessions/1", nil),
            (.post, "\(base)/\(conversation)/queue", #"{"queueId": 1}"#),
            (.post, "\(base)/\(conversation)/participants/0/messages", #"{"body": "hi"}"#),
            (.post, "\(base)/\(conversation)/end", nil),
            (.get, "\(base)/\(conversation)/participants/1", nil),
            (.get, "\(base)/\(conversation)/customer", nil),
            (.post, "/api/v2/authorization/roles", #"{"id": 5, "name": "R", "permissions": []}"#),
            (.put, "/api/v2/users/11/presence", #"{"presence": "busy"}"#),
            (.get, "/api/v2/users/11/conversations", nil),
            (.get, "/api/v2/conversations/\(conversation)/details", nil),
            (.get, "/api/v2/analytics/interactions", nil),
            (.get, "/api/v2/routing/queues/1/activity", nil),
            (.get, "/api/v2/audit/monitoring", nil),
        ]
    }

    @Test("401 without a token, with another scheme, and with a token the node never issued, on a POST and a GET of each group")
    func unauthenticated() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let forged = BearerToken.issue()
            for (method, path, body) in Self.guarded(conversation.id) {
                let none = try await driver.call(method, path, body)
                #expect(none.status == 401, "\(method) \(path)")
                #expect(none.code == "unauthenticated")
                let basic = try await driver.call(
                    method, path, body, headers: [.authorization: "Basic \(driver.supervisor(0))"])
                #expect(basic.status == 401, "\(method) \(path)")
                let unknown = try await driver.call(method, path, body, token: forged)
                #expect(unknown.status == 401, "\(method) \(path)")
                #expect(unknown.code == "unauthenticated")
                #expect(unknown.json["rule"] is NSNull)
            }
            // Nothing was applied: no monitoring attempt, the conversation still in progress.
            #expect(try await driver.auditRecords().isEmpty)
        }
    }

    @Test("403 when a user sets another user's presence or reads another user's panel")
    func anotherUser() async throws {
        try await Driver.run { driver in
            let presence = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(1))/presence", #"{"presence": "offline"}"#, token: driver.supervisor(0))
            #expect(presence.status == 403)
            #expect(presence.code == "forbidden")
            let panel = try await driver.call(.get, "/api/v2/users/\(Driver.agentID(0))/conversations", token: driver.supervisor(0))
            #expect(panel.status == 403)
            let byAdministrator = try await driver.call(.get, "/api/v2/users/\(Driver.agentID(0))/conversations", token: driver.admin)
            #expect(byAdministrator.status == 403, "a panel is its user's own, even for an administrator")
        }
    }

    @Test("403 when an agent acts as another agent's participant, or reads another agent's view")
    func anotherAgent() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let path = "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)"
            for (route, body) in [
                ("messages", #"{"body": "hi"}"#), ("typing", nil), ("disconnect", nil), ("transfer", #"{"queueId": 1}"#),
                ("read", #"{"upTo": 0}"#), ("wrapup", #"{"code": "resolved"}"#),
            ] {
                let refused = try await driver.call(.post, "\(path)/\(route)", body, token: driver.agent(1))
                #expect(refused.status == 403, "\(route)")
                #expect(refused.code == "forbidden")
            }
            #expect(try await driver.call(.get, path, token: driver.agent(1)).status == 403)
            #expect(try await driver.call(.get, path, token: conversation.customerToken).status == 403)
            #expect(try await driver.call(.post, "\(path)/messages", #"{"body": "hi"}"#, token: driver.admin).status == 403)
        }
    }

    @Test("403 for a customer command with another conversation's customer token or with a user's token")
    func anotherCustomer() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let other = try await driver.created()
            let path = "\(Self.base)/\(conversation.id)/participants/0"
            for token in [other.customerToken, driver.agent(0), driver.admin] {
                let message = try await driver.call(.post, "\(path)/messages", #"{"body": "hi"}"#, token: token)
                #expect(message.status == 403)
                #expect(message.code == "forbidden")
                #expect(try await driver.call(.post, "\(path)/typing", token: token).status == 403)
                #expect(try await driver.call(.get, "\(Self.base)/\(conversation.id)/customer", token: token).status == 403)
            }
            let end = try await driver.call(.post, "\(Self.base)/\(conversation.id)/end", token: other.customerToken)
            #expect(end.status == 403)
            let abandon = try await driver.call(.post, "\(Self.base)/\(other.id)/abandon", token: conversation.customerToken)
            #expect(abandon.status == 403)
        }
    }

    @Test("403 for an abandon by an agent or an administrator, and for an end by a supervisor who is not in it")
    func abandonAndEnd() async throws {
        try await Driver.run { driver in
            let queued = try await driver.created()
            for token in [driver.agent(0), driver.admin] {
                let refused = try await driver.call(.post, "\(Self.base)/\(queued.id)/abandon", token: token)
                #expect(refused.status == 403)
                #expect(refused.code == "forbidden")
            }
            let conversation = try await driver.inProgress()
            let end = try await driver.call(.post, "\(Self.base)/\(conversation.id)/end", token: driver.supervisor(0))
            #expect(end.status == 403)
            let notConnected = try await driver.call(.post, "\(Self.base)/\(conversation.id)/end", token: driver.agent(1))
            #expect(notConnected.status == 403)
        }
    }

    @Test("403 for every directory command by a non-administrator")
    func directoryByNonAdministrator() async throws {
        try await Driver.run { driver in
            let commands: [(HTTPRequest.Method, String, String)] = [
                (.post, "/api/v2/authorization/roles", #"{"id": 5, "name": "R", "permissions": []}"#),
                (.post, "/api/v2/users", #"{"id": 300, "displayName": "X", "licence": "cx3"}"#),
                (.put, "/api/v2/users/11/roles", #"{"roles": [1]}"#),
                (.put, "/api/v2/users/11/licence", #"{"licence": "cx1"}"#),
                (.post, "/api/v2/routing/queues", #"{"id": 3, "name": "Q"}"#),
                (.put, "/api/v2/routing/queues/1/members/11", #"{"member": true}"#),
            ]
            let conversation = try await driver.created()
            for (method, path, body) in commands {
                for token in [driver.supervisor(0), driver.agent(0), conversation.customerToken] {
                    let refused = try await driver.call(method, path, body, token: token)
                    #expect(refused.status == 403, "\(method) \(path)")
                    #expect(refused.code == "forbidden")
                }
            }
            // Nothing was applied: user 11 still monitors with licence cx3.
            let inProgress = try await driver.inProgress()
            #expect(try await driver.start(inProgress.id, token: driver.supervisor(0)).status == 201)
        }
    }

    @Test("403 for queueing or alerting by a supervisor, an agent not connected, or the customer")
    func routingBySupervisor() async throws {
        try await Driver.run { driver in
            let created = try await driver.created(queued: false)
            for token in [driver.supervisor(0), driver.agent(0), created.customerToken] {
                let queue = try await driver.call(.post, "\(Self.base)/\(created.id)/queue", #"{"queueId": 1}"#, token: token)
                #expect(queue.status == 403)
                #expect(queue.code == "forbidden")
            }
            let conversation = try await driver.inProgress()
            for token in [driver.supervisor(0), driver.agent(1), conversation.customerToken] {
                let alert = try await driver.call(
                    .post, "\(Self.base)/\(conversation.id)/alerts", #"{"userId": \#(Driver.agentID(2))}"#, token: token)
                #expect(alert.status == 403)
                #expect(alert.code == "forbidden")
            }
        }
    }

    @Test("403 for a customer's token on the monitoring routes and the supervisor views")
    func customerTokenOnUserRoutes() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let token = conversation.customerToken
            for reply in [
                try await driver.start(conversation.id, token: token),
                try await driver.start(conversation.id, token: token, participant: conversation.agentParticipant),
                try await driver.stop(conversation.id, session: 1, token: token),
                try await driver.renew(conversation.id, session: 1, token: token),
                try await driver.monitorView(conversation.id, session: 1, token: token),
                try await driver.details(conversation.id, token: token),
                try await driver.interactions(token: token),
                try await driver.call(.get, "/api/v2/routing/queues/1/activity", token: token),
                try await driver.call(.get, "/api/v2/users/11/conversations", token: token),
                try await driver.call(.put, "/api/v2/users/11/presence", #"{"presence": "busy"}"#, token: token),
            ] {
                #expect(reply.status == 403, "\(reply.text)")
                #expect(reply.code == "forbidden")
            }
        }
    }

    @Test("The customer's token works for the customer's own commands: message, typing, read, customer view, end, abandon")
    func customerOwnCommands() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let path = "\(Self.base)/\(conversation.id)/participants/0"
            let token = conversation.customerToken
            #expect(try await driver.call(.post, "\(path)/messages", #"{"body": "hi"}"#, token: token).status == 200)
            #expect(try await driver.call(.post, "\(path)/typing", token: token).status == 200)
            #expect(try await driver.call(.post, "\(path)/read", #"{"upTo": 0}"#, token: token).status == 200)
            #expect(try await driver.call(.get, "\(Self.base)/\(conversation.id)/customer", token: token).status == 200)
            #expect(try await driver.call(.post, "\(Self.base)/\(conversation.id)/end", token: token).status == 200)
            let queued = try await driver.created()
            #expect(try await driver.call(.post, "\(Self.base)/\(queued.id)/abandon", token: queued.customerToken).status == 200)
        }
    }
}
