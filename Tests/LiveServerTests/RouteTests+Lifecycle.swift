import Foundation
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

/// The conversation lifecycle over the router: create, queue, alert, connect, disconnect, transfer, messages,
/// typing, read receipts, wrap-up, end, abandon, and the agent's and customer's views.
@Suite("Lifecycle routes")
struct LifecycleRoutesTests {
    typealias Driver = RouteDriver
    static let base = RouteDriver.base

    @Test("A guest creates a conversation: 201 with its id and a customer token that reads the customer's view")
    func create() async throws {
        try await Driver.run { driver in
            let created = try await driver.call(
                .post, Self.base,
                #"{"channel": {"type": "sms"}, "customerName": "Ann", "participantData": {"order": "42"}, "journey": ["home", "help"]}"#)
            #expect(created.status == 201, "\(created.text)")
            let id = try #require(created.json["conversationId"] as? Int)
            let token = try #require(created.json["customerToken"] as? String)
            #expect(token.hasPrefix("bnc_"))
            let view = try await driver.call(.get, "\(Self.base)/\(id)/customer", token: token)
            #expect(view.status == 200, "\(view.text)")
            #expect(view.json["conversation"] as? Int == id)
            #expect((view.json["participants"] as? [[String: Any]])?.first?["name"] as? String == "Ann")
            #expect((view.json["transcript"] as? [Any])?.isEmpty == true)
        }
    }

    @Test("Queue, alert and connect are 200: done, the new participant, done; the agent's view is then in progress")
    func queueAlertConnect() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.created(queued: false)
            let queued = try await driver.call(.post, "\(Self.base)/\(conversation.id)/queue", #"{"queueId": 1}"#, token: driver.admin)
            #expect(queued.status == 200)
            #expect(queued.json["type"] as? String == "done")
            let details = try await driver.details(conversation.id, token: driver.supervisor(0))
            #expect(details.json["state"] as? String == "queued")
            #expect(details.json["queue"] as? Int == 1)

            let alerted = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/alerts", #"{"userId": \#(Driver.agentID(0))}"#, token: driver.admin)
            #expect(alerted.status == 200)
            #expect(alerted.json["type"] as? String == "participantAdded")
            let participant = try #require(alerted.json["participant"] as? Int)
            #expect(participant == 1)

            let connected = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/\(participant)/connect", token: driver.agent(0))
            #expect(connected.status == 200)
            #expect(connected.json["type"] as? String == "done")
            let view = try await driver.call(.get, "\(Self.base)/\(conversation.id)/participants/\(participant)", token: driver.agent(0))
            #expect(view.status == 200, "\(view.text)")
            #expect(view.json["participant"] as? Int == participant)
            #expect(view.nested("content")["state"] as? String == "inProgress")
            #expect((view.nested("content")["context"] as? [String: Any])?["wrapUpCodes"] as? [String] == ["resolved"])
        }
    }

    @Test("Messages from the customer and the agent are 200 messageSent with their index, and both views' transcripts have them")
    func messages() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let inbound = try await driver.message(conversation.id, participant: 0, "my order", token: conversation.customerToken)
            #expect(inbound.status == 200, "\(inbound.text)")
            #expect(inbound.json["type"] as? String == "messageSent")
            #expect(inbound.json["index"] as? Int == 0)
            let outbound = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/messages",
                #"{"kind": "attachment", "body": "invoice.pdf"}"#, token: driver.agent(0))
            #expect(outbound.status == 200)
            #expect(outbound.json["index"] as? Int == 1)

            let agentView = try await driver.call(
                .get, "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)", token: driver.agent(0))
            let transcript = agentView.nested("content")["transcript"] as? [[String: Any]] ?? []
            #expect(transcript.map { $0["body"] as? String } == ["my order", "invoice.pdf"])
            #expect(transcript.map { $0["direction"] as? String } == ["inbound", "outbound"])
            #expect(transcript.map { $0["kind"] as? String } == ["text", "attachment"])
            let customerView = try await driver.call(.get, "\(Self.base)/\(conversation.id)/customer", token: conversation.customerToken)
            #expect((customerView.json["transcript"] as? [[String: Any]])?.count == 2)
        }
    }

    @Test("Typing and a read receipt are 200 done; the receipt shows as the customer's readUpTo")
    func typingAndRead() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            _ = try await driver.message(conversation.id, participant: conversation.agentParticipant, "hello", token: driver.agent(0))
            let typing = try await driver.call(.post, "\(Self.base)/\(conversation.id)/participants/0/typing", token: conversation.customerToken)
            #expect(typing.status == 200)
            #expect(typing.json["type"] as? String == "done")
            let agentTyping = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/typing", "{}", token: driver.agent(0))
            #expect(agentTyping.status == 200)
            let read = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/0/read", #"{"upTo": 0}"#, token: conversation.customerToken)
            #expect(read.status == 200)
            let view = try await driver.call(.get, "\(Self.base)/\(conversation.id)/customer", token: conversation.customerToken)
            let customer = (view.json["participants"] as? [[String: Any]])?.first { $0["id"] as? Int == 0 }
            #expect(customer?["readUpTo"] as? Int == 0)
        }
    }

    @Test("Disconnect and wrap-up are 200; the timeline has the wrap-up; an unknown code is 422 unknownWrapUpCode")
    func disconnectAndWrapUp() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let path = "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)"
            let left = try await driver.call(.post, "\(path)/disconnect", token: driver.agent(0))
            #expect(left.status == 200)
            let view = try await driver.call(.get, path, token: driver.agent(0))
            #expect(view.nested("content")["state"] as? String == "wrapUp")
            let unknown = try await driver.call(.post, "\(path)/wrapup", #"{"code": "sold"}"#, token: driver.agent(0))
            #expect(unknown.status == 422)
            #expect(unknown.code == "unknownWrapUpCode")
            #expect(unknown.json["wrapUpCode"] as? String == "sold")
            #expect(unknown.json["rule"] is NSNull)
            let wrapped = try await driver.call(.post, "\(path)/wrapup", #"{"code": "resolved"}"#, token: driver.agent(0))
            #expect(wrapped.status == 200, "\(wrapped.text)")
            #expect(try await driver.timeline(conversation.id).suffix(2) == ["agentDisconnected", "agentWrappedUp"])
            let again = try await driver.call(.post, "\(path)/wrapup", #"{"code": "resolved"}"#, token: driver.agent(0))
            #expect(again.status == 409)
            #expect(again.code == "invalidParticipantState")
        }
    }

    @Test("A blind transfer to an agent is 200 participantAdded; to a queue 200 done; naming both or neither is 400")
    func transfers() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let path = "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/transfer"
            for body in [#"{"userId": 2, "queueId": 1}"#, "{}"] {
                let refused = try await driver.call(.post, path, body, token: driver.agent(0))
                #expect(refused.status == 400, "\(body)")
                #expect(refused.code == "badRequest")
            }
            let toAgent = try await driver.call(.post, path, #"{"userId": \#(Driver.agentID(1))}"#, token: driver.agent(0))
            #expect(toAgent.status == 200, "\(toAgent.text)")
            #expect(toAgent.json["type"] as? String == "participantAdded")
            let second = try #require(toAgent.json["participant"] as? Int)
            try await driver.connect(conversation.id, second, token: driver.agent(1))
            let toQueue = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/\(second)/transfer", #"{"queueId": 1}"#, token: driver.agent(1))
            #expect(toQueue.status == 200)
            #expect(toQueue.json["type"] as? String == "done")
            let details = try await driver.details(conversation.id, token: driver.supervisor(0))
            #expect(details.json["state"] as? String == "queued")
        }
    }

    @Test("End by the customer, a connected agent or an administrator is 200; a second end is 409 invalidConversationState")
    func end() async throws {
        try await Driver.run { driver in
            let byCustomer = try await driver.inProgress()
            let byAgent = try await driver.inProgress(agent: 1)
            let byAdministrator = try await driver.inProgress(agent: 2)
            for (id, token) in [(byCustomer.id, byCustomer.customerToken), (byAgent.id, driver.agent(1)), (byAdministrator.id, driver.admin)] {
                let ended = try await driver.call(.post, "\(Self.base)/\(id)/end", token: token)
                #expect(ended.status == 200, "\(ended.text)")
                #expect(ended.json["type"] as? String == "done")
                let details = try await driver.details(id, token: driver.supervisor(0))
                #expect(details.json["state"] as? String == "ended")
            }
            let again = try await driver.call(.post, "\(Self.base)/\(byCustomer.id)/end", token: byCustomer.customerToken)
            #expect(again.status == 409)
            #expect(again.code == "invalidConversationState")
            #expect(again.json["state"] as? String == "ended")
            let late = try await driver.message(byCustomer.id, participant: 0, "hello?", token: byCustomer.customerToken)
            #expect(late.status == 409)
            #expect(late.code == "invalidConversationState")
        }
    }

    @Test("The customer abandons a queued conversation: 200; abandoning one in progress is 409 invalidConversationState")
    func abandon() async throws {
        try await Driver.run { driver in
            let queued = try await driver.created()
            let abandoned = try await driver.call(.post, "\(Self.base)/\(queued.id)/abandon", token: queued.customerToken)
            #expect(abandoned.status == 200, "\(abandoned.text)")
            #expect(try await driver.timeline(queued.id).last == "ended")
            let inProgress = try await driver.inProgress()
            let refused = try await driver.call(.post, "\(Self.base)/\(inProgress.id)/abandon", token: inProgress.customerToken)
            #expect(refused.status == 409)
            #expect(refused.code == "invalidConversationState")
            #expect(refused.json["state"] as? String == "inProgress")
        }
    }

    @Test("Unknown conversations, participants, users and queues are 404 with their code")
    func unknowns() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let cases: [(Reply, String)] = [
                (try await driver.call(.post, "\(Self.base)/999/queue", #"{"queueId": 1}"#, token: driver.admin), "unknownConversation"),
                (try await driver.call(.post, "\(Self.base)/999/alerts", #"{"userId": 1}"#, token: driver.admin), "unknownConversation"),
                (try await driver.call(.post, "\(Self.base)/999/end", token: driver.admin), "unknownConversation"),
                (try await driver.call(.post, "\(Self.base)/999/participants/0/typing", token: driver.agent(0)), "unknownConversation"),
                (try await driver.call(.get, "\(Self.base)/999/participants/1", token: driver.agent(0)), "unknownConversation"),
                (
                    try await driver.call(
                        .post, "\(Self.base)/\(conversation.id)/participants/9/messages", #"{"body": "x"}"#, token: driver.agent(0)),
                    "unknownParticipant"
                ),
                (try await driver.call(.get, "\(Self.base)/\(conversation.id)/participants/9", token: driver.agent(0)), "unknownParticipant"),
                (
                    try await driver.call(.post, "\(Self.base)/\(conversation.id)/alerts", #"{"userId": 999}"#, token: driver.admin),
                    "unknownUser"
                ),
            ]
            for (reply, code) in cases {
                #expect(reply.status == 404, "\(code): \(reply.text)")
                #expect(reply.code == code)
            }
            let queued = try await driver.created(queued: false)
            let unknownQueue = try await driver.call(.post, "\(Self.base)/\(queued.id)/queue", #"{"queueId": 9}"#, token: driver.admin)
            #expect(unknownQueue.status == 404)
            #expect(unknownQueue.code == "unknownQueue")
        }
    }

    @Test("Commands in the wrong state are 409: connect twice, alert an agent already there, queue a conversation in progress")
    func invalidStates() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.inProgress()
            let connectAgain = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/\(conversation.agentParticipant)/connect", token: driver.agent(0))
            #expect(connectAgain.status == 409)
            #expect(connectAgain.code == "invalidParticipantState")
            #expect(connectAgain.json["state"] as? String == "connected")
            let alertAgain = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/alerts", #"{"userId": \#(Driver.agentID(0))}"#, token: driver.admin)
            #expect(alertAgain.status == 409)
            #expect(alertAgain.code == "agentAlreadyInConversation")
            let queue = try await driver.call(.post, "\(Self.base)/\(conversation.id)/queue", #"{"queueId": 1}"#, token: driver.admin)
            #expect(queue.status == 409)
            #expect(queue.code == "invalidConversationState")
            #expect(queue.json["state"] as? String == "inProgress")
        }
    }

    @Test("The customer acting as an agent participant is refused: connecting participant 0 is 422 notAnAgent")
    func notAnAgent() async throws {
        try await Driver.run { driver in
            let conversation = try await driver.created()
            let refused = try await driver.call(
                .post, "\(Self.base)/\(conversation.id)/participants/0/connect", token: conversation.customerToken)
            #expect(refused.status == 422)
            #expect(refused.code == "notAnAgent")
            let view = try await driver.call(.get, "\(Self.base)/\(conversation.id)/participants/0", token: conversation.customerToken)
            #expect(view.status == 422)
            #expect(view.code == "notAnAgent")
        }
    }
}
