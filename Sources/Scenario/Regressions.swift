import Foundation
import Simulation
import Yams

/// A seed that once failed, kept so that CI replays it on every run.
public struct Regression: Sendable, Hashable {
    /// The scenario file as the command line opens it: a `scenario:` entry's path as written, relative to the
    /// repository; a `reduced:` entry's path resolved against the regression file's directory.
    public var scenario: String
    /// The seed to replay; nil for a reduced file, which runs at its own seed.
    public var seed: UInt64?
    /// Whether the seed's faults were kept or dropped as `binoculars explore` does. Never for a reduced file: the
    /// faults its seed kept are written in.
    public var swarm: Bool
    /// The broken variant that failed, if it was one: then the seed must still fail, so the
    /// checks still catch it. Without a variant the seed found a real bug and must now pass.
    public var defect: Defect?
    /// The rule the variant's failure must break, e.g. `M11`, when the entry names one: failing on another rule is
    /// not the failure that was found.
    public var rule: String?
    /// What it found, in words.
    public var found: String
}

/// `Results/regressions.yaml`: a list of regressions, read with the same `file:line:column`
/// errors as scenario files. An entry names a scenario file and a seed (`binoculars explore`'s
/// failing seed, with `swarm`), or the `reduced.yaml` that `explore --shrink` wrote, copied
/// beside the regression file: a found bug becomes a regression in one step.
public enum RegressionFile {
    static let keys = ["scenario", "reduced", "seed", "swarm", "defect", "rule", "found"]

    public static func load(path: String) throws(ScenarioError) -> [Regression] {
        let text = try FileText.read(path, expected: "a regressions file (.yaml)")
        guard let root = try ScenarioLoader.compose(text, path: path) else { return [] }
        let reader = ScenarioReader(file: path)
        let regressions = reader.items(root, "regressions", of: "regressions") { node, itemPath in
            regression(reader, node, itemPath, file: path)
        }
        if let error = ScenarioLoader.combined(reader.errors) { throw error }
        return regressions ?? []
    }

    private static func regression(_ reader: ScenarioReader, _ node: YAMLNode, _ path: String, file: String) -> Regression? {
        guard let fields = reader.fields(of: node, at: path, keys: keys, required: ["found"]) else { return nil }
        var regression = Regression(scenario: "", seed: nil, swarm: true, defect: nil, rule: nil, found: "")
        switch (fields["scenario"], fields["reduced"]) {
        case (_?, let reduced?):
            reader.report("an entry names a scenario with its seed or a reduced file, not both", at: fields.keyNode("reduced") ?? reduced)
        case (_?, nil):
            if fields["seed"] == nil { reader.report("missing key \"seed\" in \(path): the seed of the scenario to replay", at: node) }
            reader.read(fields, "scenario", into: &regression.scenario) { node, _ in reader.text(node, expected: "a scenario file path") }
        case (nil, let reduced?):
            regression.swarm = false
            if let swarm = fields.keyNode("swarm") {
                reader.report("swarm does not apply to a reduced file: the faults its seed kept are written in", at: swarm)
            }
            if let name = reader.text(reduced, expected: "the path of a reduced scenario file, relative to this file") {
                let directory = (file as NSString).deletingLastPathComponent
                regression.scenario = name.hasPrefix("/") || directory.isEmpty ? name : directory + "/" + name
                if !FileManager.default.fileExists(atPath: regression.scenario) {
                    reader.report("no reduced scenario file \(String(reflecting: name)) (looked for \(regression.scenario))", at: reduced)
                }
            }
        case (nil, nil):
            reader.report("missing key \"scenario\" or \"reduced\" in \(path)", at: node)
        }
        reader.readOptional(fields, "seed", into: &regression.seed, reader.seed)
        reader.read(fields, "swarm", into: &regression.swarm, reader.bool)
        reader.readOptional(fields, "defect", into: &regression.defect) { node, _ in reader.choice(node, "a broken variant") }
        reader.readOptional(fields, "rule", into: &regression.rule) { node, _ in
            guard let rule = reader.text(node, expected: "a rule id such as M11") else { return nil }
            guard Explorer.rule(of: rule) == rule else {
                reader.report("expected a rule id such as M11, found \(String(reflecting: rule))", at: node)
                return nil
            }
            return rule
        }
        if let rule = fields.keyNode("rule"), fields["defect"] == nil {
            reader.report("rule applies to an entry with a defect, which must keep failing on it; without one the seed must pass", at: rule)
        }
        reader.read(fields, "found", into: &regression.found) { node, _ in reader.text(node, expected: "what the seed found, in words") }
        return regression
    }
}
