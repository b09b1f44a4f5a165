import Foundation
import MonitoringEngine
import Scenario
import Simulation
import Testing

@Suite("Size estimate: a warning before a run far larger than usual")
struct SizeEstimateTests {
    static let scenarios = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios").standardized

    static func shipped(_ name: String) throws -> WorldConfiguration {
        try ScenarioLoader.load(path: scenarios.appendingPathComponent("\(name).yaml").path).configuration
    }

    @Test("expected conversations are Σ rate × time of each profile, the last rate holding after it ends")
    func expectedConversations() throws {
        var configuration = try Self.shipped("steady-day")
        configuration.channels = [configuration.channels[0]]
        configuration.channels[0].ratesPerHour = [100, 200]
        configuration.channels[0].profileInterval = .seconds(3_600)
        configuration.duration = .seconds(3 * 3_600)
        #expect(SizeEstimate(configuration).conversations == 500)
        configuration.duration = .seconds(1_800)
        #expect(SizeEstimate(configuration).conversations == 50)
    }

    @Test("steady-day is usual: about its 5,280 conversations and within a factor of two of its 257,007 events")
    func steadyDayIsUsual() throws {
        let estimate = SizeEstimate(try Self.shipped("steady-day"))
        #expect(abs(estimate.conversations - 5_280) < 1)
        #expect(estimate.agents == 32)
        #expect(estimate.supervisors == 17)
        #expect(estimate.events > 257_007 / 2 && estimate.events < 257_007 * 2)
        #expect(!estimate.isFarLargerThanUsual)
    }

    @Test("large-centre is far larger than usual: about 27 s and 1.5 GB in release, as measured")
    func largeCentre() throws {
        let estimate = SizeEstimate(try Self.shipped("large-centre"))
        #expect(estimate.isFarLargerThanUsual)
        #expect(estimate.conversations == 384_000)
        #expect(estimate.seconds > 20 && estimate.seconds < 35)
        #expect(estimate.bytes > 1.3e9 && estimate.bytes < 1.7e9)
        #expect(
            estimate.line()
                == "estimate: about 380,000 conversations, 10,000 agents, 1,000 supervisors, ~11 million events; this may take ~27 s and use ~1.5 GB")
        #expect(estimate.line(slowdown: 11, build: "debug").contains("this may take ~5 min in a debug build"))
    }

    @Test("a million agents is far larger than usual, and takes hours to set up")
    func millionAgents() throws {
        var configuration = try Self.shipped("steady-day")
        configuration.agentGroups[0].count = 1_000_000
        let estimate = SizeEstimate(configuration)
        #expect(estimate.isFarLargerThanUsual)
        #expect(estimate.seconds > 3_600)
        #expect(estimate.line().contains("1 million agents"))
    }

    @Test("no shipped scenario but large-centre gets the warning")
    func shippedScenariosAreUsual() throws {
        let files = try FileManager.default.subpathsOfDirectory(atPath: Self.scenarios.path).filter { $0.hasSuffix(".yaml") }
        #expect(files.count >= 20)
        for file in files {
            for scenario in try ScenarioLoader.loadVariants(path: Self.scenarios.appendingPathComponent(file).path) {
                #expect(SizeEstimate(scenario.configuration).isFarLargerThanUsual == (file == "large-centre.yaml"), "\(file)")
            }
        }
    }
}
