import Foundation
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// The monitoring routes over the router: start (chosen or implied agent), stop, renew, the monitor's view, and
/// every refusal of the engine they can meet.
@Suite("Monitoring routes")
struct MonitoringRoutesTests {
    typealias Driver = RouteDriver

    // MARK: Success

    @Test("M13 a start from a chosen agent is 201 with the session, its lease and renewal advice, and the panel shows binoculars")
    func startFromChosenAgent() async throws {
        let clock = RouteTestClock()
        try await Driver.run(clock: clock.nodeClock) { driver in
            let conversation = try await driver.inProgress()
            let started = try await driver.start(
                conversation.id, token: driver.supervisor(0), participant: conversation.agentParticipant)
            #expect(started.status == 201, "\(started.text)")
            #expect(started.headers[.contentType] == "application/json")
            #expect(started.json["fencingToken"] as? Int == 1)
            #expect(started.nested("session")["token"] as? Int == 1)
            #expect(started.nested("session")["conversation"] as? Int == conversation.id)
            #expect(started.json["conversationId"] as? Int == conversation.id)
            #expect(started.json["supervisor"] as? Int == Driver.supervisorID(0))
            #expect(started.json["monitoredParticipant"] as? Int == conversation.agentParticipant)
            #expect(started.json["monitoredAgent"] as? Int == Driver.agentID(0))
            let monitor = try #require(started.json["monitorParticipant"] as? Int)
            #expect(monitor != conversation.agentParticipant && monitor != 0)
            let startedAt = try #require(started.json["startedAt"] as? Int)
            #expect(startedAt == Int(clock.now.nanoseconds))
            #expect(started.json["leaseExpiresAt"] as? Int == startedAt + 30_000_000_000)
            #expect(started.json["leaseExpiresAtTime"] as? String == "2025-01-01T00:00:30.000Z")
            #expect(started.json["renewEverySeconds"] as? Double == 10)
            #expect(started.json["resumed"] as? Bool == false)

            let panel = try await driver.call(
                .get, "/api/v2/users/\(Driver.supervisorID(0))/conversations", token: driver.supervisor(0))
            #expect(panel.status == 200)
            let entry = try #require(panel.jsonObjects.first)
            #expect(panel.jsonObjects.count == 1)
            #expect(entry["conversation"] as? Int == conversation.id)
            #expect(entry["monitoring"] as? Bool == true)
            #expect(entry["monitoredParticipant"] as? Int == conversation.agentParticipant)
            #expect((entry["session"] as? [String: Any])?["token"] as? Int == 1)
        }
    }

    @Test("M6 M15 an implied start is 201 watching the only agent, and the monitor's view shows the agent's transcript")
    func impliedStartAndMonitorView() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let sent = try await driver.message(
                conversation.id, participant: 0, "hello", token: conversation.customerToken)
            #expect(sent.status == 200)
            let started = try await driver.start(
                conversation.id, token: driver.supervisor(0), body: #"{"entryPoint": "interactionDetails"}"#)
            #expect(started.status == 201, "\(started.text)")
            #expect(started.json["monitoredParticipant"] as? Int == conversation.agentParticipant)

            let view = try await driver.monitorView(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(view.status == 200, "\(view.text)")
            #expect(view.json["monitoring"] as? Bool == true)
            #expect(view.json["monitoredParticipant"] as? Int == conversation.agentParticipant)
            let transcript = view.nested("content")["transcript"] as? [[String: Any]] ?? []
            #expect(transcript.map { $0["body"] as? String } == ["hello"])
            let participants = view.nested("content")["participants"] as? [[String: Any]] ?? []
            #expect(participants.count == 2, "the monitor is not among the participants (M14)")

            let attempted = try await driver.auditRecords().first { ($0["action"] as? [String: Any])?["action"] as? String == "attempted" }
            #expect((attempted?["action"] as? [String: Any])?["entryPoint"] as? String == "interactionDetails")
        }
    }

    @Test("M10 the same supervisor asking again is 200 resumed with the same fencing token and lease, even when busy")
    func sameSupervisorAgain() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let first = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(first.status == 201)
            let again = try await driver.start(
                conversation.id, token: driver.supervisor(0), participant: conversation.agentParticipant)
            #expect(again.status == 200, "\(again.text)")
            #expect(again.json["resumed"] as? Bool == true)
            #expect(again.json["fencingToken"] as? Int == 1)
            #expect(again.json["leaseExpiresAt"] as? Int == first.json["leaseExpiresAt"] as? Int)

            let busy = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/presence", #"{"presence": "busy"}"#, token: driver.supervisor(0))
            #expect(busy.status == 200)
            let whileBusy = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(whileBusy.status == 200)
            #expect(whileBusy.json["resumed"] as? Bool == true)
            #expect(whileBusy.json["fencingToken"] as? Int == 1)
            #expect(try await driver.auditActions(of: conversation.id) == ["attempted", "granted", "attempted", "resumed", "attempted", "resumed"])
        }
    }

    @Test("M12 a renewal is 200 with a later leaseExpiresAt")
    func renewal() async throws {
        let clock = RouteTestClock()
        try await Driver.run(clock: clock.nodeClock) { driver in
            let conversation = try await driver.inProgress()
            let started = try await driver.start(conversation.id, token: driver.supervisor(0))
            let firstExpiry = try #require(started.json["leaseExpiresAt"] as? Int)
            clock.advance(.seconds(5))
            let renewed = try await driver.renew(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(renewed.status == 200, "\(renewed.text)")
            #expect(renewed.json["type"] as? String == "leaseRenewed")
            #expect(renewed.nested("session")["token"] as? Int == 1)
            #expect(renewed.json["until"] as? Int == firstExpiry + 5_000_000_000)
        }
    }

    @Test("M17 M19 a stop from the interaction is 200, frees the conversation at once and no view shows monitoredBy")
    func stopFromInteraction() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let before = try await driver.interactions(token: driver.supervisor(1))
            let rowBefore = try #require(before.jsonObjects.first { $0["conversation"] as? Int == conversation.id })
            #expect((rowBefore["monitoredBy"] as? [String: Any])?["supervisor"] as? Int == Driver.supervisorID(0))

            let stopped = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(stopped.json["type"] as? String == "monitoringStopped")
            #expect(stopped.nested("session")["token"] as? Int == 1)

            let after = try await driver.interactions(token: driver.supervisor(1))
            let row = try #require(after.jsonObjects.first { $0["conversation"] as? Int == conversation.id })
            #expect(row["monitoredBy"] == nil)
            let agents = row["agents"] as? [[String: Any]] ?? []
            #expect(agents.map { ($0["button"] as? [String: Any])?["button"] as? String } == ["monitor"])
            let panel = try await driver.call(
                .get, "/api/v2/users/\(Driver.supervisorID(0))/conversations", token: driver.supervisor(0))
            #expect(panel.jsonObjects.isEmpty)
            #expect(try await driver.timeline(conversation.id).last == "monitoringEnded:stoppedFromInteraction")

            let next = try await driver.start(conversation.id, token: driver.supervisor(1))
            #expect(next.status == 201)
            #expect(next.json["fencingToken"] as? Int == 2, "M11 tokens increase per conversation")
        }
    }

    @Test("M17 a stop from the details page ends with stoppedFromDetails in the audit log and the timeline")
    func stopFromDetails() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let details = try await driver.details(conversation.id, token: driver.supervisor(0))
            let action = try #require((details.json["actions"] as? [[String: Any]])?.first)
            #expect((action["stoppableSession"] as? [String: Any])?["token"] as? Int == 1)
            let stopped = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0), from: "details")
            #expect(stopped.status == 200, "\(stopped.text)")
            #expect(try await driver.auditActions(of: conversation.id) == ["attempted", "granted", "ended:stoppedFromDetails"])
            #expect(try await driver.timeline(conversation.id).last == "monitoringEnded:stoppedFromDetails")
        }
    }

    // MARK: The lock and its sessions

    @Test("M8 a start on another agent of a monitored conversation is 409 alreadyMonitored with monitoredBy and since")
    func alreadyMonitoredAcrossAgents() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let second = try await driver.alert(conversation.id, user: Driver.agentID(1))
            try await driver.connect(conversation.id, second, token: driver.agent(1))
            let first = try await driver.start(
                conversation.id, token: driver.supervisor(0), participant: conversation.agentParticipant)
            #expect(first.status == 201)
            let refused = try await driver.start(conversation.id, token: driver.supervisor(1), participant: second)
            #expect(refused.status == 409)
            #expect(refused.code == "alreadyMonitored")
            #expect(refused.ruleId == "M8")
            #expect(refused.nested("monitoredBy")["id"] as? Int == Driver.supervisorID(0))
            #expect(refused.json["since"] as? Int == first.json["startedAt"] as? Int)
            #expect((refused.json["sinceTime"] as? String)?.hasSuffix("Z") == true)
            #expect(refused.nested("session")["token"] as? Int == 1)
            #expect(refused.errorMessage.contains("alreadyMonitored"))
        }
    }

    @Test("M11 a second stop is 409 sessionAlreadyEnded with the first end's reason; so are a renewal and the view after it")
    func secondStop() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
            let again = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0), from: "details")
            #expect(again.status == 409)
            #expect(again.code == "sessionAlreadyEnded")
            #expect(again.ruleId == "M11")
            #expect(again.json["reason"] as? String == "stoppedFromInteraction")
            let renew = try await driver.renew(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(renew.status == 409)
            #expect(renew.code == "sessionAlreadyEnded")
            let view = try await driver.monitorView(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(view.status == 409)
            #expect(view.code == "sessionAlreadyEnded")
        }
    }

    @Test("M11 a late stop of an ended session is 409 sessionAlreadyEnded and ends nothing, not a newer session")
    func lateStopEndsNothing() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
            let newer = try await driver.start(conversation.id, token: driver.supervisor(1))
            #expect(newer.json["fencingToken"] as? Int == 2)
            let late = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(late.status == 409)
            #expect(late.code == "sessionAlreadyEnded")
            let view = try await driver.monitorView(conversation.id, session: 2, token: driver.supervisor(1))
            #expect(view.status == 200, "the newer session is still active: \(view.text)")
            #expect(try await driver.auditActions(of: conversation.id).filter { $0.hasPrefix("ended") } == ["ended:stoppedFromInteraction"])
        }
    }

    @Test("M17 another supervisor's stop, renewal or view is 403 notSessionOwner and ends nothing")
    func notSessionOwner() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let stop = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(1))
            #expect(stop.status == 403)
            #expect(stop.code == "notSessionOwner")
            #expect(stop.ruleId == "M17")
            #expect(stop.json["owner"] as? Int == Driver.supervisorID(0))
            let renew = try await driver.renew(conversation.id, session: 1, token: driver.supervisor(1))
            #expect(renew.status == 403)
            #expect(renew.code == "notSessionOwner")
            let view = try await driver.monitorView(conversation.id, session: 1, token: driver.supervisor(1))
            #expect(view.status == 403)
            #expect(view.code == "notSessionOwner")
            #expect(try await driver.monitorView(conversation.id, session: 1, token: driver.supervisor(0)).status == 200)
        }
    }

    @Test("A session or conversation that does not exist is 404 unknownSession or unknownConversation")
    func unknownSessionAndConversation() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            for reply in [
                try await driver.stop(conversation.id, session: 7, token: driver.supervisor(0)),
                try await driver.renew(conversation.id, session: 7, token: driver.supervisor(0)),
                try await driver.monitorView(conversation.id, session: 7, token: driver.supervisor(0)),
            ] {
                #expect(reply.status == 404)
                #expect(reply.code == "unknownSession")
                #expect(reply.json["rule"] is NSNull)
            }
            for reply in [
                try await driver.start(999, token: driver.supervisor(0)),
                try await driver.start(999, token: driver.supervisor(0), participant: 1),
                try await driver.stop(999, session: 1, token: driver.supervisor(0)),
            ] {
                #expect(reply.status == 404)
                #expect(reply.code == "unknownConversation")
            }
        }
    }

    // MARK: Refusals M1–M7

    @Test("M1 a supervisor whose licence is set to cx1 through PUT licence is 403 licenceNotEligible")
    func licence() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let set = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/licence", #"{"licence": "cx1"}"#, token: driver.admin)
            #expect(set.status == 200, "\(set.text)")
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(refused.status == 403)
            #expect(refused.code == "licenceNotEligible")
            #expect(refused.ruleId == "M1")
            #expect(refused.json["licence"] as? String == "cx1")
            #expect(try await driver.auditActions(of: conversation.id) == ["attempted", "denied:licenceNotEligible"])
        }
    }

    @Test("M2 a role without the monitor permission, or without the entry point's view permission, is 403 missingPermission")
    func permissions() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let viewOnly = try await driver.call(
                .post, "/api/v2/authorization/roles",
                #"{"id": 3, "name": "Viewer", "permissions": ["conversation:message:view"]}"#, token: driver.admin)
            #expect(viewOnly.status == 200)
            let assigned = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/roles", #"{"roles": [3]}"#, token: driver.admin)
            #expect(assigned.status == 200)
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(refused.status == 403)
            #expect(refused.code == "missingPermission")
            #expect(refused.ruleId == "M2")
            #expect(refused.json["permission"] as? String == "conversation:message:monitor")

            let monitorOnly = try await driver.call(
                .post, "/api/v2/authorization/roles",
                #"{"id": 4, "name": "Monitor", "permissions": ["conversation:message:monitor", "conversation:message:view", "analytics:conversationDetail:view"]}"#,
                token: driver.admin)
            #expect(monitorOnly.status == 200)
            #expect(
                try await driver.call(
                    .put, "/api/v2/users/\(Driver.supervisorID(1))/roles", #"{"roles": [4]}"#, token: driver.admin
                ).status == 200)
            let fromQueueActivity = try await driver.start(
                conversation.id, token: driver.supervisor(1), body: #"{"entryPoint": "queueActivity"}"#)
            #expect(fromQueueActivity.status == 403)
            #expect(fromQueueActivity.code == "missingPermission")
            #expect(fromQueueActivity.json["permission"] as? String == "analytics:queueObservation:view")
            #expect(try await driver.start(conversation.id, token: driver.supervisor(1)).status == 201)
        }
    }

    @Test("M3 a supervisor whose presence is busy is 409 supervisorNotAvailable")
    func presence() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let busy = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/presence", #"{"presence": "busy"}"#, token: driver.supervisor(0))
            #expect(busy.status == 200)
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(refused.status == 409)
            #expect(refused.code == "supervisorNotAvailable")
            #expect(refused.ruleId == "M3")
            #expect(refused.json["presence"] as? String == "busy")
        }
    }

    @Test("M4 a voice or email conversation is 422 channelNotMonitorable", arguments: ["voice", "email"])
    func channel(type: String) async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress(channel: #"{"type": "\#(type)"}"#)
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(refused.status == 422)
            #expect(refused.code == "channelNotMonitorable")
            #expect(refused.ruleId == "M4")
            #expect(refused.nested("channel")["type"] as? String == type)
        }
    }

    @Test("M4 an SMS or WhatsApp conversation can be monitored", arguments: [#"{"type": "sms"}"#, #"{"type": "messaging", "platform": "whatsApp"}"#])
    func monitorableChannel(channel: String) async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress(channel: channel)
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
        }
    }

    @Test("M5 a created, queued, wrap-up or ended conversation is 409 conversationNotInProgress with its state")
    func notInProgress() async throws {
        try await Driver.run { driver in
            let created = try await driver.created(queued: false)
            let queued = try await driver.created()
            let wrapUp = try await driver.inProgress()
            let left = try await driver.call(
                .post, "\(Driver.base)/\(wrapUp.id)/participants/\(wrapUp.agentParticipant)/disconnect", token: driver.agent(0))
            #expect(left.status == 200)
            let ended = try await driver.inProgress(agent: 1)
            #expect(try await driver.call(.post, "\(Driver.base)/\(ended.id)/end", token: ended.customerToken).status == 200)
            for (id, state) in [(created.id, "created"), (queued.id, "queued"), (wrapUp.id, "wrapUp"), (ended.id, "ended")] {
                let refused = try await driver.start(id, token: driver.supervisor(0))
                #expect(refused.status == 409, "\(state)")
                #expect(refused.code == "conversationNotInProgress")
                #expect(refused.ruleId == "M5")
                #expect(refused.json["state"] as? String == state)
            }
        }
    }

    @Test("M6 with two agents connected an implied start is 409 agentChoiceRequired, and choosing the customer is 422 notAConnectedAgent")
    func agentChoice() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            // The connected agent adds a second agent (a conference).
            let added = try await driver.call(
                .post, "\(Driver.base)/\(conversation.id)/alerts", #"{"userId": \#(Driver.agentID(1))}"#, token: driver.agent(0))
            #expect(added.status == 200, "\(added.text)")
            let second = try #require(added.json["participant"] as? Int)
            try await driver.connect(conversation.id, second, token: driver.agent(1))

            let implied = try await driver.start(conversation.id, token: driver.supervisor(0))
            #expect(implied.status == 409)
            #expect(implied.code == "agentChoiceRequired")
            #expect(implied.ruleId == "M6")
            let choices = implied.json["choices"] as? [[String: Any]] ?? []
            #expect(choices.map { $0["participant"] as? Int } == [conversation.agentParticipant, second])
            #expect(choices.map { $0["agent"] as? Int } == [Driver.agentID(0), Driver.agentID(1)])
            #expect(choices.map { $0["name"] as? String } == ["Agent 1", "Agent 2"])

            let customer = try await driver.start(conversation.id, token: driver.supervisor(0), participant: 0)
            #expect(customer.status == 422)
            #expect(customer.code == "notAConnectedAgent")
            #expect(customer.ruleId == "M6")
            #expect(customer.json["participant"] as? Int == 0)

            let chosen = try await driver.start(conversation.id, token: driver.supervisor(0), participant: second)
            #expect(chosen.status == 201)
            #expect(chosen.json["monitoredAgent"] as? Int == Driver.agentID(1))
        }
    }

    @Test("M7 a supervisor alerted and connected as an agent by routing is 409 cannotMonitorOwnConversation")
    func ownConversation() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let participant = try await driver.alert(conversation.id, user: Driver.supervisorID(0))
            let whileAlerted = try await driver.start(conversation.id, token: driver.supervisor(0), participant: conversation.agentParticipant)
            #expect(whileAlerted.status == 409)
            #expect(whileAlerted.code == "cannotMonitorOwnConversation")
            try await driver.connect(conversation.id, participant, token: driver.supervisor(0))
            let refused = try await driver.start(conversation.id, token: driver.supervisor(0), participant: conversation.agentParticipant)
            #expect(refused.status == 409)
            #expect(refused.code == "cannotMonitorOwnConversation")
            #expect(refused.ruleId == "M7")
        }
    }

    @Test("M7 a monitoring supervisor alerted into the conversation as an agent is 409 userMonitorsConversation")
    func monitorCannotBeAlerted() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let refused = try await driver.call(
                .post, "\(Driver.base)/\(conversation.id)/alerts", #"{"userId": \#(Driver.supervisorID(0))}"#, token: driver.admin)
            #expect(refused.status == 409)
            #expect(refused.code == "userMonitorsConversation")
            #expect(refused.json["user"] as? Int == Driver.supervisorID(0))
        }
    }

    // MARK: While monitoring

    @Test("M16 the supervisor acting as their monitor participant is 403 monitorCannotParticipate and sends nothing")
    func monitorCannotParticipate() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let started = try await driver.start(conversation.id, token: driver.supervisor(0))
            let monitor = try #require(started.json["monitorParticipant"] as? Int)
            let path = "\(Driver.base)/\(conversation.id)/participants/\(monitor)"
            for (route, body) in [
                ("messages", #"{"body": "hi"}"#), ("typing", "{}"), ("read", #"{"upTo": 0}"#), ("wrapup", #"{"code": "resolved"}"#),
            ] {
                let refused = try await driver.call(.post, "\(path)/\(route)", body, token: driver.supervisor(0))
                #expect(refused.status == 403, "\(route): \(refused.text)")
                #expect(refused.code == "monitorCannotParticipate", "\(route)")
                #expect(refused.ruleId == "M16", "\(route)")
            }
            let agentView = try await driver.call(
                .get, "\(Driver.base)/\(conversation.id)/participants/\(conversation.agentParticipant)", token: driver.agent(0))
            #expect((agentView.nested("content")["transcript"] as? [Any])?.isEmpty == true)
        }
    }

    // MARK: Automatic ends (M18)

    @Test("M18 the supervisor going offline through PUT presence ends the session with supervisorOffline")
    func supervisorOffline() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let offline = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/presence", #"{"presence": "offline"}"#, token: driver.supervisor(0))
            #expect(offline.status == 200)
            let view = try await driver.monitorView(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(view.status == 409)
            #expect(view.json["reason"] as? String == "supervisorOffline")
            #expect(try await driver.timeline(conversation.id).last == "monitoringEnded:supervisorOffline")
            #expect(try await driver.start(conversation.id, token: driver.supervisor(1)).status == 201)
        }
    }

    @Test("M18 the monitored agent disconnecting ends the session with monitoredAgentLeft")
    func monitoredAgentLeft() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let left = try await driver.call(
                .post, "\(Driver.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/disconnect",
                token: driver.agent(0))
            #expect(left.status == 200)
            let stop = try await driver.stop(conversation.id, session: 1, token: driver.supervisor(0))
            #expect(stop.status == 409)
            #expect(stop.json["reason"] as? String == "monitoredAgentLeft")
            #expect(try await driver.auditActions(of: conversation.id).last == "ended:monitoredAgentLeft")
        }
    }

    @Test("M18 a blind transfer of the monitored agent to the queue ends the session with monitoredAgentLeft")
    func transferredAway() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let transfer = try await driver.call(
                .post, "\(Driver.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/transfer",
                #"{"queueId": 1}"#, token: driver.agent(0))
            #expect(transfer.status == 200, "\(transfer.text)")
            #expect(try await driver.auditActions(of: conversation.id).last == "ended:monitoredAgentLeft")
        }
    }

    @Test("M18 the conversation ending ends the session with conversationEnded")
    func conversationEnded() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.call(.post, "\(Driver.base)/\(conversation.id)/end", token: conversation.customerToken).status == 200)
            #expect(try await driver.auditActions(of: conversation.id).last == "ended:conversationEnded")
        }
    }

    @Test("M18 setting the supervisor's licence to cx1 ends the session with accessRevoked")
    func accessRevoked() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            let set = try await driver.call(
                .put, "/api/v2/users/\(Driver.supervisorID(0))/licence", #"{"licence": "cx1"}"#, token: driver.admin)
            #expect(set.status == 200)
            #expect(try await driver.auditActions(of: conversation.id).last == "ended:accessRevoked")
        }
    }
}
