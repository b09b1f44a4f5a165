import Foundation
import Scenario
import Simulation
import Testing

@Suite("Writing scenarios back")
struct ScenarioWriterTests {
    static let shipped: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios").standardized
        return ["", "faults"].flatMap { folder in
            let directory = root.appendingPathComponent(folder)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
            return names.filter { $0.hasSuffix(".yaml") }.sorted().map { directory.appendingPathComponent($0).path }
        }
    }()

    @Test("Every shipped scenario, written back as YAML, reads back to the same configuration", arguments: shipped)
    func roundTrip(path: String) throws {
        let original = try ScenarioLoader.load(path: path).configuration
        let text = ScenarioWriter.yaml(original, header: ["written back from \(path)"])
        let reread = try ScenarioLoader.parse(text, path: "written.yaml").configuration
        #expect(reread == original)
    }

    @Test("The shipped scenarios are all found, faults included")
    func found() {
        #expect(Self.shipped.count >= 12)
    }
}
