import ArgumentParser
import Foundation
import MonitoringEngine
import Reports
import Scenario
import Simulation

/// Options shared by the commands that load scenario files.
struct ScenarioFiles: ParsableArguments {
    @Argument(help: "Scenario files (YAML; see docs/scenarios.md).")
    var files: [String]

    /// Loads every file, printing each error as file:line:column; exit status 2 on any. With `variants`, a file
    /// with a `sweep:` gives one scenario per variant; without, its scenario without the sweep.
    func load(variants: Bool = false) throws -> [Scenario] {
        var scenarios: [Scenario] = []
        var failed = false
        for file in files {
            do {
                if variants {
                    scenarios += try ScenarioLoader.loadVariants(path: file)
                } else {
                    scenarios.append(try ScenarioLoader.load(path: file))
                }
            } catch {
                StandardError.write("\(error)\n")
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
        return scenarios
    }
}

struct Check: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Validate scenario files without running them.")

    @OptionGroup var scenarioFiles: ScenarioFiles

    /// Every file is checked: an `ok` line for each valid one (each variant of a sweep), every error of each
    /// invalid one; exit status 2 when any is invalid.
    func run() throws {
        var failed = false
        for file in scenarioFiles.files {
            do {
                for scenario in try ScenarioFiles(files: [file]).load(variants: true) {
                    let variant = scenario.variant.map { ", variant \($0.title)" } ?? ""
                    print(
                        "\(scenario.source): ok (\(scenario.configuration.name)\(variant), \(scenario.expectations.count) expectation\(scenario.expectations.count == 1 ? "" : "s"))"
                    )
                    SizeEstimate.warn(scenario)
                }
            } catch {
                failed = true
            }
        }
        if failed { throw ExitCode(2) }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenario files and write their results.",
        discussion: """
            Each run writes summary.json, history.jsonl, series.csv, latency-distribution.csv, \
            timing.json, run.json, scenario.yaml and report.md to <out>/<scenario>/<seed>/ \
            (<out>/<scenario>/<variant>/<seed>/ for a variant of a sweep). Then each scenario's runs \
            become one report, <out>/<scenario>/report.html with report.md, summary.json and \
            tables/*.csv: every figure as a mean with its 95% confidence interval over the \
            replications, and for a sweep the variants side by side. Every variant of a sweep runs the \
            same seeds (common random numbers). Exit status: 0 every expectation held, 1 an invariant \
            or expectation failed, 2 the input was wrong.
            """)

    @OptionGroup var scenarioFiles: ScenarioFiles

    @Option(help: "Seed of the first replication (default: the file's seed).")
    var seed: UInt64?

    @Option(help: "Independent replications, with consecutive seeds.")
    var replications = 1

    @Option(help: "The report's target precision: the relative half-width of a 95% interval that 'replications needed' aims at.")
    var precision = 0.05

    @Option(help: "Directory for results.")
    var out = "Results/runs"

    @Option(help: "Runs at once (default: the number of cores).")
    var jobs: Int?

    @OptionGroup var shardOption: ShardOption

    @OptionGroup var defectOption: DefectOption

    func validate() throws {
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1") }
        guard replications <= 10_000 else { throw ValidationError("--replications must be at most 10000") }
        guard precision > 0, precision < 1 else { throw ValidationError("--precision must be between 0 and 1, e.g. 0.05 for ±5%") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let scenarios = try scenarioFiles.load(variants: true)
        for scenario in scenarios { SizeEstimate.warn(scenario, runs: replications) }
        let clashes = Self.clashes(scenarios)
        for clash in clashes { StandardError.write("\(clash)\n") }
        if !clashes.isEmpty { throw ExitCode(2) }
        let root = try OutputDirectory.chosen(out)
        // Each scenario's directory is made before any run, so that a name the output directory cannot take is
        // an input error (exit 2) and not a run that fails to write after minutes of work.
        for name in Set(scenarios.map(\.configuration.name)).sorted() {
            do {
                _ = try root.subdirectory(name)
            } catch {
                StandardError.write("\(error)\n")
                throw ExitCode(2)
            }
        }
        var plans: [RunPlan] = []
        for scenario in scenarios {
            let first = seed ?? scenario.configuration.seed
            for replication in shardOption.shard.seeds(of: 0..<UInt64(replications)) {
                plans.append(RunPlan(scenario: scenario, seed: first &+ replication, defect: defectOption.defect))
            }
        }
        let outcomes = await RunPlan.execute(plans, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, out: root)
        StandardOutput.shared.line(RunPlan.table(outcomes))
        let written = Dictionary(grouping: outcomes.filter(\.written)) { $0.plan.scenario.configuration.name }
        for name in written.keys.sorted() {
            let directory = root.url.appendingPathComponent(name)
            do {
                let records = try (written[name] ?? []).map { try RunRecord.load(directory: $0.directory) }
                for report in CapacityReport.reports(from: records, precision: precision) {
                    try report.write(to: root.subdirectory(name))
                }
                StandardOutput.shared.line("report: \(directory.appendingPathComponent("report.html").path)")
            } catch {
                StandardError.write("could not write the report of \(name) to \(directory.path): \(error)\n")
                throw ExitCode(1)
            }
        }
        let failures = outcomes.filter { !$0.passed }
        for failure in failures {
            StandardError.write(
                "FAILED \(failure.plan.scenario.configuration.name) seed \(failure.plan.seed): \(failure.problems.joined(separator: "; "))\n  replay: \(failure.plan.replayCommand)\n"
            )
        }
        if !failures.isEmpty { throw ExitCode(1) }
    }
}

struct Replay: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run one seed of a scenario again, optionally with a call-by-call trace.")

    @Argument(help: "The scenario file.")
    var file: String

    @Option(help: "The seed to replay.")
    var seed: UInt64

    @Flag(help: "Print every engine command and its outcome.")
    var trace = false

    @Option(help: "With --trace, only commands about this conversation number.")
    var conversation: UInt64?

    @Flag(help: "Keep or drop the faults as `binoculars explore` does for this seed.")
    var swarm = false

    @Option(help: "For a file with a sweep: the variant to replay, by its directory name (e.g. nodes=4).")
    var variant: String?

    @OptionGroup var defectOption: DefectOption

    @Option(help: "Directory for results.")
    var out = "Results/runs"

    func run() throws {
        let scenario = try Self.choose(variant, in: ScenarioFiles(files: [file]).load(variants: true), file: file)
        let plan = RunPlan(scenario: scenario, seed: seed, swarm: swarm, defect: defectOption.defect)
        SizeEstimate.warn(scenario)
        let filter = conversation.map { ConversationID($0) }
        var sink: (@Sendable (Instant, Command, Result<Outcome, MonitoringError>) -> Void)?
        if trace {
            let formatter = TraceLine()
            sink = { instant, command, result in
                guard !StandardOutput.shared.readerGone else { return }
                let line = formatter.line(instant, command, result)
                if let filter, !TraceLine.mentions(command, filter) { return }
                StandardOutput.shared.line(line)
            }
        }
        let root = try OutputDirectory.chosen(out)
        let lines = ProgressLines(runs: 1)
        lines.started(0, label: plan.label)
        let outcome = plan.run(out: root, trace: sink, progress: { lines.update(0, $0) })
        lines.stop()
        StandardOutput.shared.line(RunPlan.table([outcome]))
        if !outcome.passed {
            StandardError.write("FAILED: \(outcome.problems.joined(separator: "; "))\n")
            throw ExitCode(1)
        }
    }
}

extension Run {
    /// Scenarios of different files whose names are equal, or differ only in case, would write into one results
    /// directory (on macOS and Windows the case is ignored), each run over the other's: one message for each,
    /// at the later file's name.
    static func clashes(_ scenarios: [Scenario]) -> [String] {
        var first: [String: Scenario] = [:]
        var messages: [String] = []
        for scenario in scenarios {
            let key = scenario.configuration.name.lowercased()
            guard let earlier = first[key] else {
                first[key] = scenario
                continue
            }
            guard earlier.source != scenario.source else { continue }
            let position = scenario.nameLocation?.description ?? scenario.source
            messages.append(
                "\(position): the scenario name \(String(reflecting: scenario.configuration.name)) is also the name of \(String(reflecting: earlier.configuration.name)) in \(earlier.source); their runs would share one results directory (names that differ only in case are one directory on a case-insensitive file system); give one another name"
            )
            first[key] = scenario
        }
        return messages
    }
}

extension OutputDirectory {
    /// The output directory the user chose; exit status 2 when it cannot be made.
    static func chosen(_ path: String) throws -> OutputDirectory {
        do {
            return try OutputDirectory(path)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
    }
}

extension Replay {
    /// The scenario of the named variant, or the file's only scenario; exit status 2 when the name matches none.
    static func choose(_ name: String?, in scenarios: [Scenario], file: String) throws -> Scenario {
        let names = scenarios.compactMap { $0.variant?.directoryName }
        guard let name else {
            guard names.isEmpty else {
                StandardError.write("\(file) sweeps \(names.count) variants; choose one with --variant: \(names.joined(separator: ", "))\n")
                throw ExitCode(2)
            }
            return scenarios[0]
        }
        guard let chosen = scenarios.first(where: { $0.variant?.directoryName == name || $0.variant?.title == name }) else {
            let known = names.isEmpty ? "it has no sweep" : "its variants are \(names.joined(separator: ", "))"
            StandardError.write("\(file) has no variant \(String(reflecting: name)); \(known)\n")
            throw ExitCode(2)
        }
        return chosen
    }
}

extension ScenarioFiles {
    init(files: [String]) {
        self.init()
        self.files = files
    }
}

extension SizeEstimate {
    /// Prints the estimate to stderr when the scenario's run is far larger than the shipped scenarios, before it starts.
    static func warn(_ scenario: Scenario, runs: Int = 1) {
        let estimate = SizeEstimate(scenario.configuration)
        guard estimate.isFarLargerThanUsual else { return }
        #if DEBUG
        // A debug build handles about 11 times fewer events per second (steady-day: 31,648 against 472k–534k).
        let line = estimate.line(slowdown: 11, build: "debug")
        #else
        let line = estimate.line()
        #endif
        let which = scenario.configuration.name + (scenario.variant.map { " \($0.directoryName)" } ?? "")
        StandardError.line(line + " (\(which)\(runs > 1 ? ", each of \(runs) runs" : ""))")
    }
}
