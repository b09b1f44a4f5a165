import Foundation
import MonitoringEngine
import Scenario
import Testing

@testable import Simulation

/// The world's behaviours with answers that come back later, over the client's link, as a live deployment's do: the
/// gateway's seam for a load driver. The world goes on while an answer is on its way; every check must still hold.
@Suite("Customers' and agents' answers that come back over their link, later")
struct AnswersOverTheLinkTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static var ciScenarios: [String] {
        let directory = root.appendingPathComponent("Scenarios/ci")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".yaml") }.sorted()
    }

    static func configuration(_ name: String, answers: AnswerDelivery) throws -> WorldConfiguration {
        var configuration = try ScenarioLoader.load(path: root.appendingPathComponent("Scenarios/ci/\(name)").path).configuration
        configuration.network.clientAnswers = answers
        return configuration
    }

    @Test(
        "M8 M11 M12 M14 M18 every CI scenario with answers over the link: every check holds, no agent past capacity, customers served as before",
        arguments: ciScenarios)
    func ciScenario(_ name: String) throws {
        var delayed = World(configuration: try Self.configuration(name, answers: .overTheLink))
        let result = delayed.run()
        var atOnce = World(configuration: try Self.configuration(name, answers: .atOnce))
        let reference = atOnce.run()

        #expect(result.summary.invariants.held, "\(name): \(result.summary.invariants.examples)")
        #expect(delayed.measurement.agentCapacityBreaches == 0, "\(name): routing offered capacity it did not have")
        // Answers travelled as events of their own, and clients acted later: the runs differ.
        #expect(result.summary != reference.summary, "\(name)")
        // Every conversation the supervisors may pick is one the agents are talking in.
        for id in delayed.routing.inProgress.elements {
            #expect(delayed.routing.conversations[Int(id.rawValue - 1)].phase == .talking, "\(name): \(id)")
        }
        for agent in delayed.routing.agents { #expect(agent.active >= 0 && agent.active <= agent.capacity, "\(name)") }
        // A few tens of milliseconds on the way back change who waits how long, not how many are served.
        let served = Double(result.summary.kpis.answered)
        let servedBefore = Double(reference.summary.kpis.answered)
        #expect(servedBefore > 0)
        #expect(abs(served - servedBefore) <= 0.1 * servedBefore, "\(name): answered \(served) against \(servedBefore)")
    }

    @Test("The same seed gives the same run, byte for byte, with answers over the link")
    func deterministic() throws {
        let configuration = try Self.configuration("conferences-transfers.yaml", answers: .overTheLink)
        var first = World(configuration: configuration)
        var second = World(configuration: configuration)
        let one = first.run()
        let two = second.run()
        #expect(one.summary == two.summary)
        #expect(one.history.operations == two.history.operations)
        #expect(one.intervals == two.intervals)
    }

    @Test("With answers over the link, a slow answer to an agent shows: customers wait longer for an agent")
    func slowAnswersShow() throws {
        var configuration = try Self.configuration("steady-day.yaml", answers: .overTheLink)
        configuration.network.agent.downMilliseconds = .constant(20_000)
        var world = World(configuration: configuration)
        let slow = world.run()
        var reference = World(configuration: try Self.configuration("steady-day.yaml", answers: .atOnce))
        let fast = reference.run()
        #expect(slow.summary.invariants.held, "\(slow.summary.invariants.examples)")
        #expect(world.measurement.agentCapacityBreaches == 0)
        let slowWait = try #require(slow.summary.kpis.averageSpeedOfAnswerSeconds)
        let fastWait = try #require(fast.summary.kpis.averageSpeedOfAnswerSeconds)
        // Every alert's answer now takes 20 s to reach routing and the agent, and each connection's answer 20 s more.
        #expect(slowWait > fastWait + 15, "average speed of answer \(slowWait) s against \(fastWait) s")
    }
}
