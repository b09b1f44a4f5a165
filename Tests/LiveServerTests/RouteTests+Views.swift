import Foundation
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// The views over the router: the panel, interaction details, Interactions, Queue Activity, the audit log, the
/// agent's and customer's views, `/health` and `/openapi.json`.
@Suite("View routes")
struct ViewRoutesTests {
    typealias Driver = RouteDriver

    @Test("M13 an agent's panel lists their conversation without binoculars; the monitoring supervisor's with them")
    func panels() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let agent = try await driver.call(.get, "/api/v2/users/\(Driver.agentID(0))/conversations", token: driver.agent(0))
            #expect(agent.status == 200)
            #expect(agent.jsonObjects.map { $0["monitoring"] as? Bool } == [false])
            #expect(agent.jsonObjects.first?["conversation"] as? Int == conversation.id)
            #expect((agent.jsonObjects.first?["channel"] as? [String: Any])?["type"] as? String == "webMessaging")
            let supervisor = try await driver.call(
                .get, "/api/v2/users/\(Driver.supervisorID(0))/conversations", token: driver.supervisor(0))
            #expect(supervisor.jsonObjects.map { $0["monitoring"] as? Bool } == [true])
        }
    }

    @Test("M20 M21 M25 interaction details list the monitor in internal with the agent watched, and the timeline has the span")
    func details() async throws {
        let clock = RouteTestClock()
        try await Driver.run(clock: clock.nodeClock) { driver in
            let conversation = try await driver.inProgress()
            _ = try await driver.message(conversation.id, participant: 0, "hi", token: conversation.customerToken)
            clock.advance(.seconds(1))
            let started = try await driver.start(conversation.id, token: driver.supervisor(0))
            let monitor = try #require(started.json["monitorParticipant"] as? Int)
            clock.advance(.seconds(4))
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)

            let details = try await driver.details(conversation.id, token: driver.supervisor(1))
            #expect(details.status == 200, "\(details.text)")
            #expect(details.json["conversation"] as? Int == conversation.id)
            let external = details.json["external"] as? [[String: Any]] ?? []
            #expect(external.map { $0["participant"] as? Int } == [0])
            let internalRecords = details.json["internal"] as? [[String: Any]] ?? []
            let record = try #require(internalRecords.first { $0["participant"] as? Int == monitor })
            #expect(record["monitoring"] as? Bool == true)
            #expect(record["user"] as? Int == Driver.supervisorID(0))
            #expect(record["name"] as? String == "Supervisor 1")
            #expect(record["monitoredParticipant"] as? Int == conversation.agentParticipant)
            #expect(record["startedAt"] as? Int == started.json["startedAt"] as? Int)
            #expect(record["endedAt"] as? Int == Int(clock.now.nanoseconds))
            let agentRecord = internalRecords.first { $0["participant"] as? Int == conversation.agentParticipant }
            #expect(agentRecord?["monitoring"] as? Bool == false)

            let metrics = details.nested("metrics")
            #expect(metrics["nMonitoringSessions"] as? Int == 1)
            #expect(metrics["tMonitoring"] as? Int == 4_000_000_000)
            #expect(metrics["messagesInbound"] as? Int == 1)
            #expect(
                try await driver.timeline(conversation.id) == [
                    "created", "queued", "agentAlerted", "agentConnected", "message", "monitoringStarted",
                    "monitoringEnded:stoppedFromInteraction",
                ])
        }
    }

    @Test("M23 the Interactions view lists the conversation with channel, queue, agent, button and who monitors")
    func interactions() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let queued = try await driver.created()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let reply = try await driver.interactions(token: driver.supervisor(1))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.jsonObjects.map { $0["conversation"] as? Int } == [conversation.id, queued.id])
            let row = reply.jsonObjects[0]
            #expect(row["state"] as? String == "inProgress")
            #expect(row["queueName"] as? String == "Support")
            #expect((row["channel"] as? [String: Any])?["type"] as? String == "webMessaging")
            let holder = row["monitoredBy"] as? [String: Any]
            #expect(holder?["supervisor"] as? Int == Driver.supervisorID(0))
            #expect(holder?["supervisorName"] as? String == "Supervisor 1")
            let agent = try #require((row["agents"] as? [[String: Any]])?.first)
            #expect(agent["user"] as? Int == Driver.agentID(0))
            #expect((agent["button"] as? [String: Any])?["button"] as? String == "monitoredBy")
            let queuedRow = reply.jsonObjects[1]
            #expect(queuedRow["state"] as? String == "queued")
            #expect((queuedRow["agents"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("M24 Queue Activity shows the queue's interacting conversation and its on-queue agents with their interactions")
    func queueActivity() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress(agent: 1)
            _ = try await driver.created()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0), body: #"{"entryPoint": "queueActivity"}"#).status == 201)
            let reply = try await driver.call(.get, "/api/v2/routing/queues/1/activity", token: driver.supervisor(1))
            #expect(reply.status == 200, "\(reply.text)")
            #expect(reply.json["queue"] as? Int == 1)
            #expect(reply.json["name"] as? String == "Support")
            let interacting = reply.json["interacting"] as? [[String: Any]] ?? []
            #expect(interacting.map { $0["conversation"] as? Int } == [conversation.id])
            #expect((interacting.first?["monitoredBy"] as? [String: Any])?["supervisor"] as? Int == Driver.supervisorID(0))
            let agents = reply.json["onQueueAgents"] as? [[String: Any]] ?? []
            #expect(agents.map { $0["user"] as? Int } == Deployment.agents.map { Int($0.rawValue) })
            let busy = agents.first { $0["user"] as? Int == Driver.agentID(1) }
            #expect((busy?["interactions"] as? [[String: Any]])?.map { $0["conversation"] as? Int } == [conversation.id])
        }
    }

    @Test("M23 M24 M25 a viewer without the view's permission is 403 missingPermission; an unknown queue or conversation is 404")
    func viewPermissions() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let interactions = try await driver.interactions(token: driver.agent(0))
            #expect(interactions.status == 403)
            #expect(interactions.code == "missingPermission")
            #expect(interactions.json["permission"] as? String == "analytics:conversationDetail:view")
            let activity = try await driver.call(.get, "/api/v2/routing/queues/1/activity", token: driver.agent(0))
            #expect(activity.status == 403)
            #expect(activity.json["permission"] as? String == "analytics:queueObservation:view")
            let details = try await driver.details(conversation.id, token: driver.agent(0))
            #expect(details.status == 403)
            #expect(details.ruleId == "M2")
            let unknownQueue = try await driver.call(.get, "/api/v2/routing/queues/9/activity", token: driver.supervisor(0))
            #expect(unknownQueue.status == 404)
            #expect(unknownQueue.code == "unknownQueue")
            let unknownConversation = try await driver.details(999, token: driver.supervisor(0))
            #expect(unknownConversation.status == 404)
            #expect(unknownConversation.code == "unknownConversation")
        }
    }

    @Test("M22 the audit log is the administrator's: every attempt, grant, denial and end; 403 administratorsOnly for others")
    func audit() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.start(conversation.id, token: driver.supervisor(1)).status == 409)
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
            #expect(
                try await driver.auditActions(of: conversation.id) == [
                    "attempted", "granted", "attempted", "denied:alreadyMonitored", "ended:stoppedFromInteraction",
                ])
            let records = try await driver.auditRecords()
            #expect(records.map { $0["sequence"] as? Int } == [0, 1, 2, 3, 4])
            #expect(records.map { $0["supervisor"] as? Int }.first == Driver.supervisorID(0))

            for token in [driver.supervisor(0), driver.agent(0)] {
                let refused = try await driver.call(.get, "/api/v2/audit/monitoring", token: token)
                #expect(refused.status == 403)
                #expect(refused.code == "administratorsOnly")
                #expect(refused.ruleId == "M22")
            }
            let customer = try await driver.call(.get, "/api/v2/audit/monitoring", token: conversation.customerToken)
            #expect(customer.status == 403)
            #expect(customer.code == "forbidden")
        }
    }

    @Test("M22 the audit log pages with limit and after, and next names the page after")
    func auditPages() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.start(conversation.id, token: driver.supervisor(1)).status == 409)
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
            let first = try await driver.call(.get, "/api/v2/audit/monitoring?limit=2", token: driver.admin)
            #expect(first.status == 200)
            #expect((first.json["records"] as? [[String: Any]])?.map { $0["sequence"] as? Int } == [0, 1])
            #expect(first.json["next"] as? Int == 1)
            #expect(first.json["droppedCount"] as? Int == 0)
            let second = try await driver.call(.get, "/api/v2/audit/monitoring?limit=2&after=1", token: driver.admin)
            #expect((second.json["records"] as? [[String: Any]])?.map { $0["sequence"] as? Int } == [2, 3])
            let last = try await driver.call(.get, "/api/v2/audit/monitoring?limit=2&after=3", token: driver.admin)
            #expect((last.json["records"] as? [[String: Any]])?.map { $0["sequence"] as? Int } == [4])
            #expect(last.json["next"] == nil)
        }
    }

    @Test("M14 the agent's and the customer's views never list the monitor")
    func silentViews() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let agent = try await driver.call(
                .get, "\(Driver.base)/\(conversation.id)/participants/\(conversation.agentParticipant)", token: driver.agent(0))
            #expect(agent.status == 200)
            let participants = agent.nested("content")["participants"] as? [[String: Any]] ?? []
            #expect(participants.map { $0["purpose"] as? String } == ["customer", "agent"])
            let customer = try await driver.call(.get, "\(Driver.base)/\(conversation.id)/customer", token: conversation.customerToken)
            #expect(customer.status == 200)
            #expect((customer.json["participants"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test("/health reports the node and its active sessions; /openapi.json is the API document")
    func healthAndDocument() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let health = try await driver.call(.get, "/health")
            #expect(health.status == 200)
            #expect(health.json["status"] as? String == "ok")
            #expect(health.json["nodeId"] as? String == "node-1")
            #expect(health.json["activeSessions"] as? Int == 1)
            let document = try await driver.call(.get, "/openapi.json")
            #expect(document.status == 200)
            #expect(document.json["openapi"] != nil)
            #expect(document.json["paths"] is [String: Any])
        }
    }
}
