import ArgumentParser
import Foundation
import Reports
import Scenario
import Simulation

extension Defect: ExpressibleByArgument {}

/// The deliberately broken variant to run instead of the real thing: for tests of the checks.
struct DefectOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run a deliberately broken variant, to see the checks catch it: \(Defect.allCases.map(\.rawValue).joined(separator: ", ")).",
            valueName: "variant"))
    var defect: Defect?
}

struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run many seeds of a scenario, each with its own swarm of faults, and check every run.",
        discussion: """
            Each seed keeps or drops every fault and contention knob of the file at random (swarm \
            testing); the file's values are the upper bounds. A run fails when an invariant breaks, \
            the outside lock observer objects, or a conversation's history is not linearizable. On \
            the first failure: the seed, what broke, the command that replays it, and the failing \
            run's files; exit status 1.
            """)

    @Argument(help: "The scenario file.")
    var file: String

    @Option(help: "How many seeds to explore.")
    var seeds = 100

    @Option(help: "The first seed.")
    var from: UInt64 = 1

    @Option(help: "Seeds at once (default: the number of cores).")
    var jobs: Int?

    @OptionGroup var shardOption: ShardOption

    @Option(help: "Directory for the failing run's files.")
    var out = "Results/runs/explore"

    @Flag(
        help:
            "On a failure, reduce the scenario while it still fails on the same rule; write the reduced file and print the commands that fail again on it and its regression entry."
    )
    var shrink = false

    @OptionGroup var defectOption: DefectOption

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        let scenario = try ScenarioFiles(files: [file]).load()[0]
        var base = scenario.configuration
        base.defect = defectOption.defect
        let started = DispatchTime.now().uptimeNanoseconds
        let chosen = shardOption.shard.seeds(of: from..<(from + UInt64(seeds)))
        let progress = ProgressLines(runs: chosen.count, unit: "seed")
        let exploration = Explorer.exploration(
            base, seeds: chosen, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount
        ) { done in progress.done(done) }
        progress.stop()
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let (failure, explored) = (exploration.failure, exploration.explored.count)
        let rate = Double(explored) / max(seconds, 1e-9) * 60
        guard let failure else {
            print(
                "\(scenario.configuration.name): \(Self.summary(exploration, shard: shardOption.shard)) (\(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", rate)) seeds/minute)"
            )
            return
        }
        let conversation = Self.conversationNamed(in: failure.problems.first ?? "").map { " --conversation \($0)" } ?? ""
        let replay =
            "binoculars replay \(file) --seed \(failure.seed) --swarm\(defectOption.defect.map { " --defect \($0.rawValue)" } ?? "") --trace\(conversation)"
        // As given, relative when `--out` is: the printed commands, and those in the reduced file's header, then name
        // no one machine's absolute path.
        let shown = [out.hasSuffix("/") ? String(out.dropLast()) : out, scenario.configuration.name, String(failure.seed)].joined(separator: "/")
        let directory = try OutputDirectory.chosen(out).subdirectory([scenario.configuration.name, String(failure.seed)])
        let info = RunInfo(
            scenario: scenario.configuration.name, source: file, seed: failure.seed, variant: nil,
            command: replay.replacingOccurrences(of: " --trace", with: ""))
        try RunWriter.write(failure.result, expectations: [], info: info, scenarioYAML: scenario.yaml, to: directory)
        print(
            """
            \(scenario.configuration.name): \(Self.summary(exploration, shard: shardOption.shard))
              faults seed \(failure.seed) kept: \(failure.kept.isEmpty ? "none" : failure.kept.joined(separator: ", "))
            \(failure.problems.prefix(10).map { "  " + $0 }.joined(separator: "\n"))
            replay: \(replay)
            files: \(shown)
            """)
        if shrink { try shrinkFailure(base, failure, into: directory, shown: shown) }
        throw ExitCode(1)
    }

    /// `explored 8 seeds (1…8): seed 1 failed: conversation-23: not linearizable (M11); 2 other seeds failed (4, 7); 5 passed`,
    /// or `explored 100 seeds (1…100): all passed, every check held`.
    static func summary(_ exploration: Exploration, shard: Shard = .whole) -> String {
        let seeds = exploration.explored
        let part = shard == .whole ? "" : ", one in \(shard.count): shard \(shard)"
        let range =
            seeds.isEmpty
            ? "no seed (shard \(shard) has none of the range)"
            : seeds.count == 1
                ? "seed \(seeds[0])\(part.isEmpty ? "" : " (shard \(shard))")" : "\(seeds.count) seeds (\(seeds[0])…\(seeds[seeds.count - 1])\(part))"
        guard let failure = exploration.failure else { return "explored \(range): all passed, every check held" }
        var text =
            "explored \(range): seed \(failure.seed) failed"
            + (failure.problems.first.flatMap { $0.split(separator: "\n").first }.map { ": \($0)" } ?? "")
        let others = exploration.failedSeeds.filter { $0 != failure.seed }
        if !others.isEmpty {
            text += "; \(others.count) other seed\(others.count == 1 ? "" : "s") failed (\(others.map(String.init).joined(separator: ", ")))"
        }
        return text + "; \(exploration.passed) passed"
    }

    /// The number of the first conversation a problem names, to trace only that one.
    static func conversationNamed(in problem: String) -> String? {
        guard let range = problem.range(of: "conversation-") else { return nil }
        let digits = problem[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    /// Reduces the failing seed's scenario, writes it beside the failing run's files and prints how to run it
    /// again and make it a regression.
    private func shrinkFailure(_ base: WorldConfiguration, _ failure: SeedVerdict, into directory: OutputDirectory, shown: String) throws {
        let reduced = ReducedScenario(shrinking: failure, of: base, source: file)
        let path = shown + "/reduced.yaml"
        try directory.write(Data(reduced.yaml(path: path).utf8), to: "reduced.yaml")
        let rule = reduced.outcome.verdict.rule.map { ", fails on \($0)" } ?? ""
        print(
            """
            reduced (\(reduced.outcome.steps.count) steps, \(reduced.outcome.verdict.events) events instead of \(failure.events)\(rule)): \(path)
              run: \(reduced.runCommand(path: path))
              replay: \(reduced.replayCommand(path: path))
              as a regression: copy it to Results/regressions/\(reduced.regressionName) and add to Results/regressions.yaml
            \(reduced.regressionEntry(path: "regressions/\(reduced.regressionName)").map { "    " + $0 }.joined(separator: "\n"))
            """)
    }
}

extension Shard: ExpressibleByArgument {
    public init?(argument: String) { self.init(argument) }
}

/// `--shard K/N`: this machine's part of the seeds, for spreading them over N machines.
struct ShardOption: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Run only shard K of N: every Nth seed of the range, from its Kth. N machines with shards 1/N…N/N together run exactly the seeds one machine would; merge their run directories with binoculars report.",
            valueName: "K/N"))
    var shard: Shard = .whole
}
