import Foundation
import Scenario
import Simulation
import Testing

@Suite("Writing scenarios back")
struct ScenarioWriterTests {
    static let shipped: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios").standardized
        return ["", "faults", "live"].flatMap { folder in
            let directory = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
        }
    }()

    @Test("The shipped scenarios were found, so the round trip below is not run over an empty list")
    func shippedFound() {
        #expect(Self.shipped.count >= 14, "found \(Self.shipped.count) files: is the path to Scenarios/ right?")
        #expect(Self.shipped.contains { $0.hasSuffix("/faults/partition-stop-races.yaml") })
    }

    @Test("Every shipped scenario, written back as YAML, reads back to the same configuration", arguments: shipped)
    func roundTrip(path: String) throws {
        let original = try ScenarioLoader.load(path: path).configuration
        let text = ScenarioWriter.yaml(original, header: ["written back from \(path)"])
        let reread = try ScenarioLoader.parse(text, path: "written.yaml").configuration
        #expect(reread == original)
    }

    @Test("Every line of a multi-line header is written as a comment, so the file reads back to the same configuration")
    func multiLineHeader() throws {
        let original = try ScenarioLoader.load(path: Self.shipped[0]).configuration
        let report = "conversation-7: not linearizable (M8)\n  shortest prefix: 2 operations\n\n    #1 start: ok\r\nkey: value\r- item"
        let text = ScenarioWriter.yaml(original, header: ["Reduced from a file", report])
        let header = text.split(separator: "\n").prefix { !$0.hasPrefix("name:") }
        #expect(header.count == 7)
        #expect(header.allSatisfy { $0.hasPrefix("#") && !$0.contains("\r") }, "\(header)")
        let reread = try ScenarioLoader.parse(text, path: "written.yaml").configuration
        #expect(reread == original)
    }

    @Test("The shipped scenarios are all found, faults included")
    func found() {
        #expect(Self.shipped.count >= 12)
    }
}

@Suite("Scenario bounds")
struct ScenarioBoundTests {
    @Test("Counts, nodes and rates beyond what a run can hold are errors at their position, never a hang")
    func bounds() {
        let text = """
            name: huge
            duration: 1h
            queues: [{name: Q}]
            channels: [{kind: sms, queue: Q, ratesPerHour: [1e12]}]
            agentGroups: [{name: a, count: 1000000000, queues: [Q]}]
            supervisorGroups: [{name: s, count: 200000}]
            cluster: {nodes: 1000, nodeWorkers: 0}
            """
        do {
            _ = try ScenarioLoader.parse(text, path: "huge.yaml")
            Issue.record("an unbounded scenario was accepted")
        } catch {
            let lines = error.description.split(separator: "\n").map(String.init)
            #expect(lines.contains { $0.hasPrefix("huge.yaml:4:") && $0.contains("must be at most 10000000 an hour") })
            #expect(lines.contains { $0.hasPrefix("huge.yaml:5:") && $0.contains("count must be at most 1000000") })
            #expect(lines.contains { $0.hasPrefix("huge.yaml:6:") && $0.contains("count must be at most 100000") })
            #expect(lines.contains { $0.hasPrefix("huge.yaml:7:") && $0.contains("nodes must be at most 64") })
            #expect(lines.contains { $0.hasPrefix("huge.yaml:7:") && $0.contains("nodeWorkers must be at least 1") })
        }
    }
}
