import Foundation
import MonitoringEngine
import Testing

@testable import LiveServer

@Suite("Operating a node: metrics, health, the lease sweeper")
struct OperationsTests {
    @Test("M12 /metrics counts grants, refusals by code, lease expiries and active sessions, and times requests per route")
    func metrics() async throws {
        let clock = RouteTestClock()
        try await RouteDriver.run(clock: clock.nodeClock) { driver in
            let conversation = try await driver.inProgress()
            #expect(try await driver.start(conversation.id, token: driver.supervisor(0)).status == 201)
            #expect(try await driver.start(conversation.id, token: driver.supervisor(1)).status == 409)
            let during = try await driver.api.call(.get, "/metrics").text
            #expect(during.contains("binoculars_monitor_grants_total 1"))
            #expect(during.contains("binoculars_monitor_sessions_active_count 1"))
            #expect(during.contains(#"binoculars_monitor_refusals_total{code="alreadyMonitored"} 1"#))
            #expect(
                during.contains(
                    #"binoculars_http_request_duration_seconds_count{route="/api/v2/conversations/messages/{conversationId}/monitor",method="POST",status="409"} 1"#
                ), "\(during)")

            clock.advance(.seconds(31))
            #expect(try await driver.deployment.node.expireLeases() == 1)
            let after = try await driver.api.call(.get, "/metrics").text
            #expect(after.contains(#"binoculars_monitor_session_ends_total{reason="leaseExpired"} 1"#))
            #expect(after.contains("binoculars_monitor_sessions_active_count 0"))
            let health = try await driver.api.call(.get, "/health")
            #expect(health.status == 200)
            #expect(health.json["activeSessions"] as? Int == 0)
        }
    }

    @Test("M12 the lease sweeper service ends a session whose client stopped renewing")
    func sweeperExpiresLeases() async throws {
        let configuration = NodeConfiguration(
            port: 0, engine: EngineConfiguration(leaseDuration: .seconds(1), renewalInterval: .milliseconds(300)),
            leaseSweepInterval: .milliseconds(50))
        let deployment = try await Deployment(configuration: configuration)
        try await deployment.application.test(.live) { client in
            let api = API(client: client)
            let conversation = try await api.conversationInProgress(deployment)
            let path = "/api/v2/conversations/messages/\(conversation.id)/monitor"
            #expect(try await api.call(.post, path, token: deployment.token(Deployment.supervisors[0])).status == 201)
            // Bounded wait: the lease is one second, the sweep every 50 ms.
            var ended = false
            for _ in 0..<60 where !ended {
                try await Task.sleep(for: .milliseconds(50))
                ended = try await api.call(.post, path, token: deployment.token(Deployment.supervisors[1])).status == 201
            }
            #expect(ended, "a second supervisor could start once the first lease expired")
            let audit = try await api.call(.get, "/api/v2/audit/monitoring", token: deployment.token(Deployment.administrator))
            #expect(audit.text.contains(#""reason":"leaseExpired""#))
        }
    }
}
