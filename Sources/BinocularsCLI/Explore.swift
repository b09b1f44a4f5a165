import ArgumentParser
import Foundation
import Reports
import Scenario
import Simulation

extension Defect: ExpressibleByArgument {}

/// The deliberately broken variant to run instead of the real thing: for tests of the checks.
struct DefectOption: ParsableArguments {
    @Option(help: ArgumentHelp(
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

    @Option(help: "Directory for the failing run's files.")
    var out = "Results/runs/explore"

    @Flag(help: "On a failure, reduce the scenario while it still fails and write the reduced file.")
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
        let showProgress = isatty(2) == 1
        let (failure, explored) = Explorer.explore(
            base, seeds: from..<(from + UInt64(seeds)), jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount
        ) { done in
            if showProgress { FileHandle.standardError.write(Data("\r\(done)/\(seeds) seeds".utf8)) }
        }
        if showProgress { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let rate = Double(explored) / max(seconds, 1e-9) * 60
        guard let failure else {
            print("\(scenario.configuration.name): \(explored) seeds from \(from), every check held (\(String(format: "%.1f", seconds)) s, \(String(format: "%.0f", rate)) seeds/minute)")
            return
        }
        let conversation = Self.conversationNamed(in: failure.problems.first ?? "").map { " --conversation \($0)" } ?? ""
        let replay = "binoculars replay \(file) --seed \(failure.seed) --swarm\(defectOption.defect.map { " --defect \($0.rawValue)" } ?? "") --trace\(conversation)"
        let directory = try OutputDirectory.chosen(out).subdirectory([scenario.configuration.name, String(failure.seed)])
        let info = RunInfo(
            scenario: scenario.configuration.name, source: file, seed: failure.seed, variant: nil, command: replay.replacingOccurrences(of: " --trace", with: ""))
        try RunWriter.write(failure.result, expectations: [], info: info, scenarioYAML: scenario.yaml, to: directory)
        print("""
            \(scenario.configuration.name): seed \(failure.seed) FAILED after \(explored) seeds (faults kept: \(failure.kept.isEmpty ? "none" : failure.kept.joined(separator: ", ")))
            \(failure.problems.prefix(10).map { "  " + $0 }.joined(separator: "\n"))
            replay: \(replay)
            files: \(directory)
            """)
        if shrink { try shrinkFailure(base, failure, into: directory) }
        throw ExitCode(1)
    }

    /// The number of the first conversation a problem names, to trace only that one.
    static func conversationNamed(in problem: String) -> String? {
        guard let range = problem.range(of: "conversation-") else { return nil }
        let digits = problem[range.upperBound...].prefix { $0.isNumber }
        return digits.isEmpty ? nil : String(digits)
    }

    /// Reduces the failing seed's scenario and writes it beside the failing run's files.
    private func shrinkFailure(_ base: WorldConfiguration, _ failure: SeedVerdict, into directory: OutputDirectory) throws {
        let (swarmed, _) = Swarm.configuration(base, seed: failure.seed)
        let outcome = Shrinker.shrink(swarmed, seed: failure.seed, failing: failure)
        let path = directory.url.appendingPathComponent("reduced.yaml")
        let header = [
            "Reduced from \(file) at seed \(failure.seed) after \(outcome.attempts) attempts: \(outcome.steps.isEmpty ? "nothing could be removed" : outcome.steps.joined(separator: "; ")).",
            "Still fails with: \(outcome.verdict.problems.first ?? "")",
            "Replay: binoculars replay \(path.path) --seed \(failure.seed)\(defectOption.defect.map { " --defect \($0.rawValue)" } ?? "") --trace",
        ]
        try directory.write(Data(ScenarioWriter.yaml(outcome.configuration, header: header).utf8), to: "reduced.yaml")
        print("reduced (\(outcome.steps.count) steps, \(outcome.verdict.events) events instead of \(failure.events)): \(path.path)")
    }
}
