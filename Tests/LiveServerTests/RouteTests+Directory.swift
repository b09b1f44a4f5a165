import Foundation
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// The directory over the router: roles, users, role assignment, licences, presence, queues and memberships.
@Suite("Directory routes")
struct DirectoryRoutesTests {
    typealias Driver = RouteDriver

    @Test("POST roles is 200; POST users is 201 with a token that works; the new supervisor can monitor")
    func roleAndUser() async throws {
        try await Driver.run { driver in
            let role = try await driver.call(
                .post, "/api/v2/authorization/roles",
                #"{"id": 7, "name": "Night shift", "permissions": ["conversation:message:monitor", "conversation:message:view", "analytics:conversationDetail:view"]}"#,
                token: driver.admin)
            #expect(role.status == 200, "\(role.text)")
            #expect(role.json["type"] as? String == "done")
            let user = try await driver.call(
                .post, "/api/v2/users",
                #"{"id": 200, "displayName": "Nadia", "licence": "cx2", "roles": [7], "presence": "available"}"#,
                token: driver.admin)
            #expect(user.status == 201, "\(user.text)")
            #expect(user.json["userId"] as? Int == 200)
            let token = try #require(user.json["token"] as? String)
            let panel = try await driver.call(.get, "/api/v2/users/200/conversations", token: token)
            #expect(panel.status == 200)
            #expect(panel.text == "[]")
            let conversation = try await driver.inProgress()
            let started = try await driver.start(conversation.id, token: token)
            #expect(started.status == 201, "\(started.text)")
            #expect(started.json["supervisor"] as? Int == 200)
        }
    }

    @Test("A user added with only the required fields is offline and not an administrator")
    func userDefaults() async throws {
        try await Driver.run { driver in
            let user = try await driver.call(
                .post, "/api/v2/users", #"{"id": 201, "displayName": "Omar", "licence": "cx3"}"#, token: driver.admin)
            #expect(user.status == 201)
            let token = try #require(user.json["token"] as? String)
            let audit = try await driver.call(.get, "/api/v2/audit/monitoring", token: token)
            #expect(audit.status == 403)
            #expect(audit.code == "administratorsOnly")
            let conversation = try await driver.inProgress()
            let start = try await driver.start(conversation.id, token: token)
            #expect(start.status == 403, "no role: \(start.text)")
            #expect(start.code == "missingPermission")
        }
    }

    @Test("PUT roles, licence and presence are 200 done; a user sets their own presence, an administrator anyone's")
    func assignments() async throws {
        try await Driver.run { driver in
            let id = Driver.supervisorID(0)
            let roles = try await driver.call(.put, "/api/v2/users/\(id)/roles", #"{"roles": [1, 2]}"#, token: driver.admin)
            #expect(roles.status == 200, "\(roles.text)")
            #expect(roles.json["type"] as? String == "done")
            let licence = try await driver.call(.put, "/api/v2/users/\(id)/licence", #"{"licence": "cx2Digital"}"#, token: driver.admin)
            #expect(licence.status == 200)
            let own = try await driver.call(.put, "/api/v2/users/\(id)/presence", #"{"presence": "meeting"}"#, token: driver.supervisor(0))
            #expect(own.status == 200)
            let conversation = try await driver.inProgress()
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(refused.json["presence"] as? String == "meeting")
            let byAdministrator = try await driver.call(
                .put, "/api/v2/users/\(id)/presence", #"{"presence": "available"}"#, token: driver.admin)
            #expect(byAdministrator.status == 200)
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
        }
    }

    @Test("POST queues and PUT members are 200; M24 the new queue's activity shows the on-queue member and the wrap-up codes apply")
    func queueAndMembers() async throws {
        try await Driver.run { driver in
            let queue = try await driver.call(
                .post, "/api/v2/routing/queues",
                #"{"id": 2, "name": "Billing", "wrapUpCodes": ["refund"], "script": "Greet the customer."}"#, token: driver.admin)
            #expect(queue.status == 200, "\(queue.text)")
            #expect(queue.json["type"] as? String == "done")
            let member = try await driver.call(
                .put, "/api/v2/routing/queues/2/members/\(Driver.agentID(2))", #"{"member": true}"#, token: driver.admin)
            #expect(member.status == 200)
            let activity = try await driver.call(.get, "/api/v2/routing/queues/2/activity", token: driver.supervisor(0))
            #expect(activity.status == 200, "\(activity.text)")
            #expect(activity.json["name"] as? String == "Billing")
            let agents = activity.json["onQueueAgents"] as? [[String: Any]] ?? []
            #expect(agents.map { $0["user"] as? Int } == [Driver.agentID(2)])

            let created = try await driver.created(queued: false)
            #expect(try await driver.call(.post, "\(Driver.base)/\(created.id)/queue", #"{"queueId": 2}"#, token: driver.admin).status == 200)
            let participant = try await driver.alert(created.id, user: Driver.agentID(2))
            try await driver.connect(created.id, participant, token: driver.agent(2))
            let view = try await driver.call(.get, "\(Driver.base)/\(created.id)/participants/\(participant)", token: driver.agent(2))
            let context = view.nested("content")["context"] as? [String: Any]
            #expect(context?["script"] as? String == "Greet the customer.")
            #expect(context?["wrapUpCodes"] as? [String] == ["refund"])

            let removed = try await driver.call(
                .put, "/api/v2/routing/queues/2/members/\(Driver.agentID(2))", #"{"member": false}"#, token: driver.admin)
            #expect(removed.status == 200)
            let after = try await driver.call(.get, "/api/v2/routing/queues/2/activity", token: driver.supervisor(0))
            #expect((after.json["onQueueAgents"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("Directory refusals: an existing user or queue is 409, an unknown role, user or queue is 404")
    func refusals() async throws {
        try await Driver.run { driver in
            let cases: [(Reply, Int, String)] = [
                (
                    try await driver.call(.post, "/api/v2/users", #"{"id": 1, "displayName": "Again", "licence": "cx1"}"#, token: driver.admin),
                    409, "userAlreadyExists"
                ),
                (
                    try await driver.call(.post, "/api/v2/routing/queues", #"{"id": 1, "name": "Again"}"#, token: driver.admin), 409,
                    "queueAlreadyExists"
                ),
                (try await driver.call(.put, "/api/v2/users/11/roles", #"{"roles": [99]}"#, token: driver.admin), 404, "unknownRole"),
                (
                    try await driver.call(
                        .post, "/api/v2/users", #"{"id": 202, "displayName": "X", "licence": "cx1", "roles": [99]}"#, token: driver.admin),
                    404, "unknownRole"
                ),
                (try await driver.call(.put, "/api/v2/users/999/licence", #"{"licence": "cx3"}"#, token: driver.admin), 404, "unknownUser"),
                (try await driver.call(.put, "/api/v2/users/999/roles", #"{"roles": [1]}"#, token: driver.admin), 404, "unknownUser"),
                (try await driver.call(.put, "/api/v2/users/999/presence", #"{"presence": "away"}"#, token: driver.admin), 404, "unknownUser"),
                (try await driver.call(.put, "/api/v2/routing/queues/9/members/1", #"{"member": true}"#, token: driver.admin), 404, "unknownQueue"),
                (try await driver.call(.put, "/api/v2/routing/queues/1/members/999", #"{"member": true}"#, token: driver.admin), 404, "unknownUser"),
            ]
            for (reply, status, code) in cases {
                #expect(reply.status == status, "\(code): \(reply.text)")
                #expect(reply.code == code, "\(reply.text)")
                #expect(reply.json["rule"] is NSNull)
            }
        }
    }
}
