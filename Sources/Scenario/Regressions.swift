import Foundation
import Simulation
import Yams

/// A seed that once failed, kept so that CI replays it on every run.
public struct Regression: Sendable, Hashable {
    /// The scenario file, relative to the repository.
    public var scenario: String
    public var seed: UInt64
    /// Whether the seed's faults were kept or dropped as `binoculars explore` does.
    public var swarm: Bool
    /// The broken variant that failed, if it was one: then the seed must still fail, so the
    /// checks still catch it. Without a variant the seed found a real bug and must now pass.
    public var defect: Defect?
    /// What it found, in words.
    public var found: String
}

/// `Results/regressions.yaml`: a list of regressions, read with the same `file:line:column`
/// errors as scenario files.
public enum RegressionFile {
    static let keys = ["scenario", "seed", "swarm", "defect", "found"]

    public static func load(path: String) throws(ScenarioError) -> [Regression] {
        let text = try FileText.read(path, expected: "a regressions file (.yaml)")
        let root: YAMLNode?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw ScenarioLoader.syntaxError(error, text: text, path: path)
        }
        guard let root else { return [] }
        let reader = ScenarioReader(file: path)
        let regressions = reader.items(root, "regressions", of: "regressions") { node, itemPath in
            regression(reader, node, itemPath)
        }
        if let error = ScenarioLoader.combined(reader.errors) { throw error }
        return regressions ?? []
    }

    private static func regression(_ reader: ScenarioReader, _ node: YAMLNode, _ path: String) -> Regression? {
        guard let fields = reader.fields(of: node, at: path, keys: keys, required: ["scenario", "seed", "found"]) else { return nil }
        var regression = Regression(scenario: "", seed: 0, swarm: true, defect: nil, found: "")
        reader.read(fields, "scenario", into: &regression.scenario) { node, _ in reader.text(node, expected: "a scenario file path") }
        reader.read(fields, "seed", into: &regression.seed, reader.seed)
        reader.read(fields, "swarm", into: &regression.swarm, reader.bool)
        reader.readOptional(fields, "defect", into: &regression.defect) { node, _ in reader.choice(node, "a broken variant") }
        reader.read(fields, "found", into: &regression.found) { node, _ in reader.text(node, expected: "what the seed found, in words") }
        return regression
    }
}
