import Foundation
import Scenario
import Simulation
import Testing

@Suite("Engine nodes with a service time")
struct NodeServiceTests {
    /// Sixty supervisors renewing and starting often, through `nodes` nodes that each take `service` per request.
    static func startLatency(nodes: Int, service: String?, workers: Int = 1) throws -> LatencySummary {
        let text = """
            name: node-service
            duration: 40m
            warmUp: 10m
            queues: [{name: Support}]
            channels:
              - {kind: webMessaging, queue: Support, ratesPerHour: [600], customerMessages: {uniform: {minimum: 4, maximum: 8}}, customerReplyTime: {constant: 20s}}
            agentGroups:
              - {name: support, count: 40, queues: [Support], channels: [webMessaging], capacity: 3, replyTime: {constant: 10s}}
            supervisorGroups:
              - {name: floor, count: 60, licence: cx3, thinkTime: {exponential: {mean: 10s}}, holdTime: {exponential: {mean: 30s}}}
            engine: {leaseDuration: 10s, renewalInterval: 2s}
            network:
              supervisor: {up: {constant: 20ms}, down: {constant: 20ms}, timeout: 60s, retries: 0}
            cluster:
              nodes: \(nodes)
              nodeService: \(service.map { "{constant: \($0)}" } ?? "null")
              nodeWorkers: \(workers)
            """
        var world = World(configuration: try ScenarioLoader.parse(text, path: "node-service.yaml").configuration)
        let result = world.run()
        #expect(result.summary.invariants.held)
        return try #require(result.summary.latencyMilliseconds["start"])
    }

    @Test("A node's service time adds to every request, and requests queue behind each other at a busy node")
    func queueing() throws {
        let instant = try Self.startLatency(nodes: 1, service: nil)
        let light = try Self.startLatency(nodes: 4, service: "5ms")
        let busy = try Self.startLatency(nodes: 1, service: "30ms")
        #expect(instant.p50 >= 40 && instant.p50 < 45, "two 20 ms hops: \(instant.p50)")
        #expect(light.p50 >= instant.p50 + 5, "the service time is added: \(light.p50) vs \(instant.p50)")
        #expect(busy.p99 > instant.p99 + 60, "at one busy node requests wait for others: p99 \(busy.p99) vs \(instant.p99)")
    }

    @Test("More nodes share the work: the same service time queues less across four nodes than on one")
    func moreNodesQueueLess() throws {
        let one = try Self.startLatency(nodes: 1, service: "30ms")
        let four = try Self.startLatency(nodes: 4, service: "30ms")
        #expect(four.p99 < one.p99, "p99 with four nodes \(four.p99) ms, with one \(one.p99) ms")
        #expect(four.p50 >= 70, "each request still takes its 30 ms: \(four.p50)")
    }

    @Test("A node with several workers serves requests side by side: a request waits only when every worker is busy")
    func workersServeSideBySide() throws {
        let one = try Self.startLatency(nodes: 1, service: "30ms")
        let four = try Self.startLatency(nodes: 1, service: "30ms", workers: 4)
        let instant = try Self.startLatency(nodes: 1, service: nil)
        #expect(four.p99 < one.p99 - 30, "p99 with four workers \(four.p99) ms, with one \(one.p99) ms")
        #expect(four.p50 >= instant.p50 + 30, "each request still takes its 30 ms: \(four.p50) vs \(instant.p50)")
    }
}
