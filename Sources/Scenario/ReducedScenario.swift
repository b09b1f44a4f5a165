import Simulation

/// A failing seed's scenario, shrunk: the `reduced.yaml` that `binoculars explore --shrink` writes. It is a
/// scenario file like any other: its seed is the failing seed and the faults that seed kept are written in, so it
/// runs without `--swarm`. Its header, every line a comment, says where it came from, the rule it breaks, the
/// commands that fail again, and the entry that makes it a regression.
public struct ReducedScenario: Sendable {
    /// The explored scenario file, as it was named on the command line.
    public var source: String
    /// The failing run exploration found, before shrinking.
    public var original: SeedVerdict
    public var outcome: Shrinker.Outcome
    /// The broken variant explored. A scenario file cannot name one, so the commands carry it.
    public var defect: Defect?

    /// Shrinks `failure`, found by exploring `base` (with its defect, if any).
    public init(shrinking failure: SeedVerdict, of base: WorldConfiguration, source: String, maximumAttempts: Int = 80) {
        let swarmed = Swarm.configuration(base, seed: failure.seed).0
        self.source = source
        original = failure
        outcome = Shrinker.shrink(swarmed, seed: failure.seed, failing: failure, maximumAttempts: maximumAttempts)
        defect = base.defect
    }

    public var seed: UInt64 { original.seed }

    /// The reduced file's text, for the file at `path`.
    public func yaml(path: String) -> String {
        var configuration = outcome.configuration
        configuration.defect = nil
        return ScenarioWriter.yaml(configuration, header: header(path: path))
    }

    /// Runs the file at `path` at its own seed; fails again, on the same rule.
    public func runCommand(path: String) -> String { "binoculars run \(path)\(defectArgument)" }

    /// Replays the failing seed of the file at `path` with a trace; fails again, on the same rule.
    public func replayCommand(path: String) -> String { "binoculars replay \(path) --seed \(seed)\(defectArgument) --trace" }

    /// A name for the file among the committed regressions: the scenario, what broke it and the seed.
    public var regressionName: String { "\(outcome.configuration.name)-\(defect?.rawValue ?? "engine")-seed\(seed).yaml" }

    /// The entry of a regression file that names this file at `path`, relative to the regression file.
    public func regressionEntry(path: String) -> [String] {
        let found = outcome.verdict.problems.first?.split(whereSeparator: \.isNewline).first.map(String.init) ?? "invariants broken"
        let variant = defect.map { ["  defect: \($0.rawValue)"] + (outcome.verdict.rule.map { ["  rule: \($0)"] } ?? []) } ?? []
        return ["- reduced: \(path)"] + variant + ["  found: \(ScenarioWriter.quoted(found))"]
    }

    private var defectArgument: String { defect.map { " --defect \($0.rawValue)" } ?? "" }

    private func header(path: String) -> [String] {
        let steps = outcome.steps.isEmpty ? "nothing could be removed" : outcome.steps.joined(separator: "; ")
        let rule = outcome.verdict.rule.map { "rule \($0)" } ?? "no named rule"
        return [
            "Reduced by `binoculars explore --shrink` from \(source) at seed \(seed)\(defect.map { ", variant \($0.rawValue)" } ?? ""):",
            "\(original.events) events down to \(outcome.verdict.events) in \(outcome.attempts) attempts (\(steps)).",
            "The faults the seed kept are written in: run it without --swarm. It fails on \(rule):",
            (outcome.verdict.problems.first ?? "").split(whereSeparator: \.isNewline).map { "  " + $0 }.joined(separator: "\n"),
            "Run: \(runCommand(path: path))",
            "Replay: \(replayCommand(path: path))",
            "As a regression: copy this file to regressions/\(regressionName) beside the regression file and add",
        ] + regressionEntry(path: "regressions/\(regressionName)").map { "  " + $0 }
    }
}
