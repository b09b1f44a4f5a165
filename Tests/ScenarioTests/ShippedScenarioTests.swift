import Foundation
import MonitoringEngine
import Simulation
import Testing

@testable import Scenario

@Suite("Shipped scenarios")
struct ShippedScenarioTests {
    /// The package's `Scenarios/` folder and its `ci/` subfolder.
    static let scenarioFiles: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folders = ["Scenarios", "Scenarios/ci"].map { root.appendingPathComponent($0).path }
        return folders.flatMap { folder in
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                .sorted()
                .map { folder + "/" + $0 }
        }
    }()

    @Test("the scenario files were found, so the decoding test below is not run over an empty list")
    func scenarioFilesFound() {
        #expect(Self.scenarioFiles.count >= 20, "found \(Self.scenarioFiles.count) files: is the path to Scenarios/ right?")
        #expect(Self.scenarioFiles.contains { $0.hasSuffix("Scenarios/ci/steady-day.yaml") })
    }

    @Test("every scenario file in Scenarios/ decodes without error", arguments: scenarioFiles)
    func decodes(path: String) {
        #expect(throws: Never.self) { try ScenarioLoader.load(path: path) }
    }
}

@Suite("Scenario keys follow the configuration")
struct ScenarioKeyCoverageTests {
    /// Property names whose scenario key drops the unit, because a scenario's values carry their own.
    static let renamed = [
        "upMilliseconds": "up", "downMilliseconds": "down", "viewDelayMilliseconds": "viewDelay", "lateStopDelaySeconds": "lateStopDelay",
        "storeHopMilliseconds": "storeHop", "nodeServiceMilliseconds": "nodeService", "reorderMilliseconds": "reorder",
        "crashDowntimeSeconds": "crashDowntime",
        "clockSkewMilliseconds": "clockSkew", "clockDriftPartsPerMillion": "clockDrift",
    ]
    /// Properties no scenario file may set: a deliberately broken variant is chosen only by
    /// tests and an explicit command-line flag.
    static let notInFiles: Set<String> = ["defect"]

    static func keys(of value: Any) -> [String] {
        Mirror(reflecting: value).children.compactMap(\.label).filter { !notInFiles.contains($0) }.map { renamed[$0] ?? $0 }
    }

    @Test("every property of every configuration type has a key of the same name, and no key lacks a property")
    func everyPropertyHasAKey() {
        let world = WorldConfiguration(name: "", duration: .seconds(1), queues: [], channels: [], agentGroups: [], supervisorGroups: [])
        #expect(Self.keys(of: world) + ["expect", "sweep"] == ScenarioKeys.scenario)
        #expect(Self.keys(of: world.engine) == ScenarioKeys.engine)
        #expect(Self.keys(of: QueueSettings(name: "")) == ScenarioKeys.queue)
        #expect(Set(Self.keys(of: ChannelSettings(kind: .sms, queue: "", ratesPerHour: []))) == Set(ScenarioKeys.channel))
        #expect(Self.keys(of: AgentGroup(name: "", count: 0, queues: [])) == ScenarioKeys.agentGroup)
        #expect(Self.keys(of: SupervisorGroup(name: "", count: 0)) == ScenarioKeys.supervisorGroup)
        #expect(Self.keys(of: world.network) == ScenarioKeys.network)
        #expect(Self.keys(of: world.network.supervisor) == ScenarioKeys.link)
        #expect(Self.keys(of: world.contention) == ScenarioKeys.contention)
        #expect(Self.keys(of: Stampede(at: .zero, supervisors: 1, window: .zero)) == ScenarioKeys.stampede)
        #expect(Self.keys(of: LatencySpike(at: .zero, length: .zero, factor: 1)) == ScenarioKeys.latencySpike)
        #expect(Self.keys(of: world.limits) == ScenarioKeys.limits)
        #expect(Self.keys(of: world.cluster) == ScenarioKeys.cluster)
        #expect(Self.keys(of: NodeCrash(at: .zero, node: 0, downFor: .zero)) == ScenarioKeys.nodeCrash)
        #expect(Self.keys(of: Partition(at: .zero, length: .zero, node: 0)) == ScenarioKeys.partition)
    }
}
