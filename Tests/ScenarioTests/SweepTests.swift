import Foundation
import Scenario
import Simulation
import Testing

@Suite("Sweeps in scenario files")
struct SweepTests {
    static let base = """
        name: sweep-test
        duration: 1h
        queues: [{name: Support}]
        channels:
          - kind: webMessaging
            queue: Support
            ratesPerHour: [100, 200]
            customerReplyTime: {lognormal: {mean: 30s, p95: 90s}}
        agentGroups:
          - {name: support, count: 10, queues: [Support], channels: [webMessaging]}
        supervisorGroups:
          - {name: floor, count: 4}
          - {name: leads, count: 2}

        """

    static func variants(_ sweep: String) throws(ScenarioError) -> [Scenario] {
        try ScenarioLoader.parseVariants(base + sweep, path: "sweep.yaml")
    }

    @Test("values: one variant per value, each with the value in place and named by it")
    func values() throws {
        let variants = try Self.variants("sweep:\n  - {parameter: supervisorGroups.floor.count, name: floor, values: [10, 50, 200]}\n")
        #expect(variants.map { $0.configuration.supervisorGroups[0].count } == [10, 50, 200])
        #expect(variants.map { $0.configuration.supervisorGroups[1].count } == [2, 2, 2], "other groups are left alone")
        #expect(variants.map { $0.variant?.title } == ["floor = 10", "floor = 50", "floor = 200"])
        #expect(variants.map { $0.variant?.directoryName } == ["floor=10", "floor=50", "floor=200"])
        #expect(variants.map { $0.variant?.settings.first?.value } == [10, 50, 200])
        let withoutSweep = try ScenarioLoader.parse(
            Self.base + "sweep:\n  - {parameter: supervisorGroups.floor.count, values: [10]}\n", path: "s.yaml")
        #expect(withoutSweep.configuration.supervisorGroups[0].count == 4, "the file without its sweep")
    }

    @Test("scale: every number and duration under the path is multiplied")
    func scale() throws {
        let variants = try Self.variants("sweep:\n  - {parameter: channels.*, name: load, scale: [0.5, 2]}\n")
        #expect(variants.map(\.configuration.channels[0].ratesPerHour) == [[50, 100], [200, 400]])
        #expect(variants.map { $0.variant?.settings.first?.label } == ["×0.5", "×2"])
        let durations = try Self.variants("sweep:\n  - {parameter: channels.webMessaging.customerReplyTime, scale: [2]}\n")
        let doubled = try Distribution.lognormal(mean: 60, percentile95: 180)
        #expect(durations[0].configuration.channels[0].customerReplyTime == doubled)
    }

    @Test("Two parameters give every combination, the second varying fastest; a missing key is added")
    func twoParameters() throws {
        let variants = try Self.variants(
            "sweep:\n  - {parameter: cluster.nodes, values: [1, 4]}\n  - {parameter: supervisorGroups.leads.count, values: [0, 8]}\n")
        #expect(
            variants.map { [$0.configuration.cluster.nodes, $0.configuration.supervisorGroups[1].count] } == [[1, 0], [1, 8], [4, 0], [4, 8]])
        #expect(variants[3].variant?.directoryName == "cluster.nodes=4_supervisorGroups.leads.count=8")
        #expect(variants[3].yaml.contains("nodes: 4"), "each variant's own YAML, for its scenario.yaml")
        let again = try ScenarioLoader.parse(variants[3].yaml, path: "variant.yaml")
        #expect(again.configuration == variants[3].configuration, "a variant's YAML reads back as the same world")
    }

    @Test("A path that leads nowhere is an error at the parameter, naming what there is")
    func unknownItem() {
        #expect {
            try Self.variants("sweep:\n  - {parameter: supervisorGroups.flor.count, values: [1]}\n")
        } throws: { error in
            let text = "\(error)"
            return text.hasPrefix("sweep.yaml:15:17:") && text.contains("no item \"flor\"") && text.contains("floor, leads")
        }
    }

    @Test("A swept value the scenario cannot take is an error at the value in the sweep")
    func valueOutOfBounds() {
        #expect {
            try Self.variants("sweep:\n  - parameter: cluster.nodes\n    values: [2, 1000]\n")
        } throws: { error in
            "\(error)".hasPrefix("sweep.yaml:16:17:") && "\(error)".contains("at most 64")
        }
    }

    @Test("A sweep of three parameters, or with both values and scale, or with neither, is refused")
    func malformed() {
        let cases = [
            "sweep:\n  - {parameter: a, values: [1]}\n  - {parameter: b, values: [1]}\n  - {parameter: c, values: [1]}\n",
            "sweep:\n  - {parameter: cluster.nodes, values: [1], scale: [2]}\n",
            "sweep:\n  - {parameter: cluster.nodes}\n",
            "sweep:\n  - {parameter: name, values: [x]}\n",
            "sweep:\n  - {parameter: channels.*, scale: [0]}\n",
        ]
        for sweep in cases {
            #expect(throws: ScenarioError.self, "\(sweep)") { try Self.variants(sweep) }
        }
    }

    @Test("The shipped supervisor sweep has five variants that share the file's seed")
    func shipped() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios/supervisor-sweep.yaml")
            .standardized.path
        let variants = try ScenarioLoader.loadVariants(path: path)
        #expect(variants.map { $0.configuration.supervisorGroups.first { $0.name == "floor" }?.count } == [10, 25, 50, 100, 200])
        #expect(Set(variants.map(\.configuration.seed)).count == 1, "common random numbers: every variant starts from the same seed")
    }
}
