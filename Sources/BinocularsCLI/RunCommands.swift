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

    /// Loads every file, printing each error as file:line:column; exit status 2 on any.
    func load() throws -> [Scenario] {
        var scenarios: [Scenario] = []
        var failed = false
        for file in files {
            do {
                scenarios.append(try ScenarioLoader.load(path: file))
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
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

    func run() throws {
        for scenario in try scenarioFiles.load() {
            print("\(scenario.source): ok (\(scenario.configuration.name), \(scenario.expectations.count) expectations)")
        }
    }
}

struct Run: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run scenario files and write their results.",
        discussion: """
            Each run writes summary.json, history.jsonl, series.csv, timing.json and report.md to \
            <out>/<scenario>/<seed>/. Exit status: 0 every expectation held, 1 an invariant or \
            expectation failed, 2 the input was wrong.
            """)

    @OptionGroup var scenarioFiles: ScenarioFiles

    @Option(help: "Seed of the first replication (default: the file's seed).")
    var seed: UInt64?

    @Option(help: "Independent replications, with consecutive seeds.")
    var replications = 1

    @Option(help: "Directory for results.")
    var out = "Results/runs"

    @Option(help: "Runs at once (default: the number of cores).")
    var jobs: Int?

    @OptionGroup var defectOption: DefectOption

    func validate() throws {
        guard replications >= 1 else { throw ValidationError("--replications must be at least 1") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        let scenarios = try scenarioFiles.load()
        var plans: [RunPlan] = []
        for scenario in scenarios {
            let first = seed ?? scenario.configuration.seed
            for replication in 0..<replications {
                plans.append(RunPlan(scenario: scenario, seed: first &+ UInt64(replication), defect: defectOption.defect))
            }
        }
        let outcomes = await RunPlan.execute(plans, jobs: jobs ?? ProcessInfo.processInfo.activeProcessorCount, out: out)
        print(RunPlan.table(outcomes))
        let failures = outcomes.filter { !$0.passed }
        for failure in failures {
            FileHandle.standardError.write(Data("FAILED \(failure.plan.scenario.configuration.name) seed \(failure.plan.seed): \(failure.problems.joined(separator: "; "))\n  replay: \(failure.plan.replayCommand)\n".utf8))
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

    @OptionGroup var defectOption: DefectOption

    @Option(help: "Directory for results.")
    var out = "Results/runs"

    func run() throws {
        let scenario = try ScenarioFiles(files: [file]).load()[0]
        let plan = RunPlan(scenario: scenario, seed: seed, swarm: swarm, defect: defectOption.defect)
        let filter = conversation.map { ConversationID($0) }
        var sink: (@Sendable (Instant, Command, Result<Outcome, MonitoringError>) -> Void)?
        if trace {
            sink = { instant, command, result in
                if let filter, !TraceLine.mentions(command, filter) { return }
                print(TraceLine.format(instant, command, result))
            }
        }
        let outcome = plan.run(out: out, trace: sink)
        print(RunPlan.table([outcome]))
        if !outcome.passed {
            FileHandle.standardError.write(Data("FAILED: \(outcome.problems.joined(separator: "; "))\n".utf8))
            throw ExitCode(1)
        }
    }
}

extension ScenarioFiles {
    init(files: [String]) {
        self.init()
        self.files = files
    }
}
