import Foundation
import HummingbirdTesting
import MonitoringEngine
import Testing

@testable import LiveServer

@Suite("Monitoring over the API")
struct MonitoringRouteTests {
    @Test("M8 M9 a second supervisor's start is 409 naming who monitors and since when")
    func secondStartIsRefused() async throws {
        let deployment = try await Deployment()
        try await deployment.application.test(.router) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let first = try await api.call(
                .post, "/api/v2/conversations/messages/\(conversation.id)/monitor",
                token: deployment.token(Deployment.supervisors[0]))
            #expect(first.status == 201)
            #expect(first.json["fencingToken"] as? Int == 1)
            #expect(first.json["monitoredParticipant"] as? Int == conversation.agentParticipant)
            let second = try await api.call(
                .post,
                "/api/v2/conversations/messages/\(conversation.id)/participants/\(conversation.agentParticipant)/monitor",
                token: deployment.token(Deployment.supervisors[1]))
            #expect(second.status == 409)
            #expect(second.code == "alreadyMonitored")
            #expect(second.json["rule"] as? String == "M8")
            let holder = second.json["monitoredBy"] as? [String: Any]
            #expect(holder?["id"] as? Int == Int(Deployment.supervisors[0].rawValue))
            #expect(holder?["name"] as? String == "Supervisor 1")
            #expect(second.json["since"] as? Int == first.json["startedAt"] as? Int)
        }
    }
}
