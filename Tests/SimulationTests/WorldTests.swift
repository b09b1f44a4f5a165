import MonitoringEngine
import Simulation
import Testing

/// A small, busy centre: every channel, transfers, conferences, breaks, presence changes,
/// vanishing clients, stampedes and stop races, for an hour.
func smallCentre(seed: UInt64 = 7, duration: TimeSpan = .seconds(3_600)) -> WorldConfiguration {
    WorldConfiguration(
        name: "small-centre", seed: seed, duration: duration, warmUp: .seconds(300), reportingInterval: .seconds(600),
        queues: [QueueSettings(name: "Support"), QueueSettings(name: "Sales")],
        channels: [
            ChannelSettings(kind: .webMessaging, queue: "Support", ratesPerHour: [120], patience: .exponential(mean: 300)),
            ChannelSettings(
                kind: .messaging, platforms: [PlatformWeight(platform: .whatsApp, weight: 3), PlatformWeight(platform: .facebook, weight: 1)],
                queue: "Support", ratesPerHour: [60]),
            ChannelSettings(kind: .sms, queue: "Sales", ratesPerHour: [40]),
            ChannelSettings(kind: .voice, queue: "Sales", ratesPerHour: [10]),
        ],
        agentGroups: [
            AgentGroup(
                name: "support", count: 12, queues: ["Support"], transferProbability: 0.1, conferenceProbability: 0.1,
                breakInterval: .exponential(mean: 1_200), breakLength: .constant(300)),
            AgentGroup(name: "sales", count: 6, queues: ["Sales"], channels: [.sms, .voice], capacity: 2),
        ],
        supervisorGroups: [
            SupervisorGroup(
                name: "floor", count: 6, thinkTime: .exponential(mean: 30), holdTime: .exponential(mean: 90),
                vanishProbability: 0.1, presenceChangeInterval: .exponential(mean: 600), presenceChangeTo: [.busy, .offline]),
            SupervisorGroup(name: "cx1", count: 1, licence: .cx1, thinkTime: .exponential(mean: 60)),
        ],
        contention: ContentionSettings(
            stampedes: [Stampede(at: .seconds(600), every: .seconds(300), supervisors: 4, window: .milliseconds(200))],
            duplicateStopProbability: 0.2, lateStopProbability: 0.1, stopAtConversationEndProbability: 0.3,
            stopAtTransferProbability: 0.5, presenceFlapAroundStartProbability: 0.1,
            latencySpikes: [LatencySpike(at: .seconds(1_800), length: .seconds(120), factor: 200)]))
}

@Suite("The simulated world")
struct WorldTests {
    @Test("A busy hour on every channel keeps every invariant and exercises the monitor lock")
    func busyHour() {
        var world = World(configuration: smallCentre())
        let result = world.run()
        let summary = result.summary
        #expect(summary.invariants.held, "\(summary.invariants.examples)")
        #expect(summary.kpis.offered > 100)
        #expect(summary.kpis.answered > 50)
        #expect(summary.outcomes["start.ok.granted", default: 0] > 10)
        #expect(summary.outcomes["start.fail.alreadyMonitored", default: 0] > 0)
        #expect(summary.outcomes["start.fail.licenceNotEligible", default: 0] > 0)
        #expect(summary.endsByReason["leaseExpired", default: 0] > 0)
        #expect(summary.endsByReason["conversationEnded", default: 0] + summary.endsByReason["monitoredAgentLeft", default: 0] > 0)
        #expect(summary.stalenessMilliseconds.count > 0)
        #expect(summary.stopReason == "completed")
    }

    @Test("The same configuration and seed give byte-identical summaries and histories")
    func determinism() {
        var first = World(configuration: smallCentre(seed: 11))
        var second = World(configuration: smallCentre(seed: 11))
        let one = first.run()
        let two = second.run()
        #expect(one.summary == two.summary)
        #expect(one.history.operations == two.history.operations)
        #expect(one.intervals == two.intervals)
    }

    @Test("A different seed gives a different history")
    func seedsDiffer() {
        var first = World(configuration: smallCentre(seed: 1))
        var second = World(configuration: smallCentre(seed: 2))
        #expect(first.run().history.operations != second.run().history.operations)
    }
}
