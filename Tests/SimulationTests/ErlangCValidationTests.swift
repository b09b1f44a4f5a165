import MonitoringEngine
import Simulation
import Testing

/// An M/M/c contact centre: Poisson arrivals, exponential handling, one conversation per
/// agent, no network delay, no supervisors; no abandonment, or exponential patience (M/M/c+M) or any other.
func erlangCentre(
    seed: UInt64, agents: Int, ratePerHour: Double, meanHandleSeconds: Double, hours: Int64, patience: Distribution? = nil,
    kind: ChannelKind = .webMessaging, shortAbandonThreshold: TimeSpan = .zero
) -> WorldConfiguration {
    let instant = LinkSettings(upMilliseconds: .constant(0), downMilliseconds: .constant(0))
    return WorldConfiguration(
        name: "erlang-c", seed: seed, duration: .seconds(hours * 3_600), warmUp: .seconds(3_600),
        reportingInterval: .seconds(3_600), serviceLevelThreshold: .seconds(20), shortAbandonThreshold: shortAbandonThreshold,
        queues: [QueueSettings(name: "Queue")],
        channels: [
            ChannelSettings(
                kind: kind, queue: "Queue", ratesPerHour: [ratePerHour], patience: patience, handleTime: .exponential(mean: meanHandleSeconds))
        ],
        agentGroups: agents == 0
            ? [] : [AgentGroup(name: "agents", count: agents, queues: ["Queue"], channels: [kind], capacity: 1, wrapUpTime: .constant(0))],
        supervisorGroups: [],
        network: NetworkSettings(supervisor: instant, agent: instant, customer: instant, viewDelayMilliseconds: .constant(0)))
}

/// Mean and 95% confidence half-width (Student t) of replicated figures.
func confidenceInterval(_ values: [Double]) -> (mean: Double, halfWidth: Double) {
    let count = Double(values.count)
    let mean = values.reduce(0, +) / count
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (count - 1)
    let t975: [Int: Double] = [4: 2.776, 9: 2.262, 19: 2.093]
    return (mean, (t975[values.count - 1] ?? 1.96) * (variance / count).squareRoot())
}

@Suite("Validation against queueing theory")
struct ErlangCValidationTests {
    @Test("With Poisson arrivals, exponential handling and one conversation per agent, service level, P(wait) and ASA agree with Erlang C")
    func erlangC() throws {
        let agents = 10
        let ratePerHour = 96.0
        let meanHandle = 300.0
        let threshold = 20.0
        var serviceLevels: [Double] = []
        var waits: [Double] = []
        var speeds: [Double] = []
        for replication in 0..<20 {
            var world = World(
                configuration: erlangCentre(
                    seed: 100 + UInt64(replication), agents: agents, ratePerHour: ratePerHour, meanHandleSeconds: meanHandle, hours: 41))
            let summary = world.run().summary
            #expect(summary.invariants.held)
            #expect(summary.kpis.abandoned == 0)
            serviceLevels.append(try #require(summary.kpis.serviceLevel))
            waits.append(try #require(summary.kpis.probabilityOfWaiting))
            speeds.append(try #require(summary.kpis.averageSpeedOfAnswerSeconds))
        }
        let rate = ratePerHour / 3_600
        let expectedWait = try #require(ErlangC.probabilityOfWaiting(arrivalRatePerSecond: rate, meanServiceSeconds: meanHandle, servers: agents))
        let expectedLevel = try #require(
            ErlangC.serviceLevel(arrivalRatePerSecond: rate, meanServiceSeconds: meanHandle, servers: agents, withinSeconds: threshold))
        let expectedSpeed = try #require(
            ErlangC.averageSpeedOfAnswerSeconds(arrivalRatePerSecond: rate, meanServiceSeconds: meanHandle, servers: agents))
        for (name, values, expected) in [
            ("P(wait)", waits, expectedWait), ("service level", serviceLevels, expectedLevel), ("ASA", speeds, expectedSpeed),
        ] {
            let (mean, halfWidth) = confidenceInterval(values)
            #expect(abs(mean - expected) <= halfWidth, "\(name): simulated \(mean) ± \(halfWidth), Erlang C \(expected)")
            #expect(halfWidth < 0.25 * max(expected, 0.05), "\(name): interval ±\(halfWidth) too wide to test anything")
        }
    }
}
