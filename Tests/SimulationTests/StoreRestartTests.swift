import MonitoringEngine
import Scenario
import Simulation
import Testing

/// `cluster.storeRestarts`: while the store is down no node reaches it; the clients time out and retry, and every
/// check holds.
@Suite("Store restarts")
struct StoreRestartTests {
    static func run(_ restarts: String) throws -> RunSummary {
        let text = """
            name: store-restart
            seed: 2
            duration: 20m
            queues: [{name: Support}]
            channels:
              - {kind: webMessaging, queue: Support, ratesPerHour: [600]}
            agentGroups:
              - {name: agents, count: 20, queues: [Support], channels: [webMessaging], capacity: 3}
            supervisorGroups:
              - {name: floor, count: 10, thinkTime: {exponential: {mean: 10s}}, holdTime: {exponential: {mean: 60s}}}
            network:
              supervisor: {timeout: 1s, retries: 1}
            cluster:
              nodes: 2
            \(restarts)
            """
        var world = World(configuration: try ScenarioLoader.parse(text, path: "store-restart.yaml").configuration)
        return world.run().summary
    }

    @Test("M10 M12 while the store is down the supervisors' requests time out, and every check holds")
    func requestsTimeOutWhileDown() throws {
        let steady = try Self.run("")
        let restarted = try Self.run("  storeRestarts: [{at: 5m, downFor: 2m}, {at: 12m, downFor: 1m}]")
        #expect(steady.invariants.held && restarted.invariants.held, "\(restarted.invariants.examples)")
        let timeouts = { (summary: RunSummary) in summary.outcomes.filter { $0.key.hasSuffix(".timeout") }.values.reduce(0, +) }
        #expect(timeouts(steady) == 0)
        #expect(timeouts(restarted) > 10, "\(restarted.outcomes)")
        #expect(restarted.outcomes["start.ok.granted", default: 0] < steady.outcomes["start.ok.granted", default: 0])
    }

    @Test("A store restart without its downFor is an error at its position")
    func badRestart() {
        let text = """
            name: bad
            duration: 1h
            queues: [{name: Q}]
            channels: [{kind: sms, queue: Q, ratesPerHour: [60]}]
            agentGroups: [{name: a, count: 1, queues: [Q]}]
            supervisorGroups: [{name: s, count: 1}]
            cluster:
              storeRestarts: [{at: 10m}]
            """
        do {
            _ = try ScenarioLoader.parse(text, path: "bad.yaml")
            Issue.record("read a store restart without downFor")
        } catch {
            #expect("\(error)".contains("bad.yaml:8:"), "\(error)")
            #expect("\(error)".contains("downFor"), "\(error)")
        }
    }
}
