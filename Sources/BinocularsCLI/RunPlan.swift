import Foundation
import MonitoringEngine
import Reports
import Scenario
import Simulation

/// One run to do: a scenario at a seed.
struct RunPlan: Sendable {
    var scenario: Scenario
    var seed: UInt64
    /// Faults kept or dropped per seed, as `binoculars explore` does.
    var swarm = false
    var defect: Defect?

    var replayCommand: String {
        "binoculars replay \(scenario.source) --seed \(seed)" + (scenario.variant.map { " --variant \($0.directoryName)" } ?? "")
            + (swarm ? " --swarm" : "") + (defect.map { " --defect \($0.rawValue)" } ?? "") + " --trace"
    }

    /// `steady-day seed 1`, `supervisor-sweep floor-supervisors=50 seed 2`.
    var label: String {
        "\(scenario.configuration.name)\(scenario.variant.map { " \($0.directoryName)" } ?? "") seed \(seed)"
    }

    /// `<out>/<scenario>/<seed>`, or `<out>/<scenario>/<variant>/<seed>` for a variant of a sweep.
    var directoryNames: [String] {
        [scenario.configuration.name] + (scenario.variant.map { [$0.directoryName] } ?? []) + [String(seed)]
    }

    /// Runs the world, writes its files, evaluates its expectations.
    func run(
        out: OutputDirectory, trace: (@Sendable (Instant, Command, Result<Outcome, MonitoringError>) -> Void)? = nil,
        progress: (@Sendable (World.RunProgress) -> Void)? = nil
    ) -> RunOutcome {
        var configuration = swarm ? Swarm.configuration(scenario.configuration, seed: seed).0 : scenario.configuration
        configuration.seed = seed
        configuration.defect = defect
        var world = World(configuration: configuration, wallClock: { DispatchTime.now().uptimeNanoseconds })
        world.trace = trace
        world.progress = progress
        let started = DispatchTime.now().uptimeNanoseconds
        var result = world.run()
        let wallSeconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let end = Instant.zero + configuration.duration
        progress?(World.RunProgress(now: end, end: end, events: result.summary.events))
        result.timing.wallSeconds = wallSeconds
        result.timing.eventsPerSecond = Double(result.summary.events) / max(wallSeconds, 1e-9)
        result.timing.engineCommandsPerSecond = Double(result.summary.engineCommands) / max(wallSeconds, 1e-9)
        result.timing.peakResidentBytes = peakResidentBytes()
        result.timing.allocator = mallocAllocator()
        let expectations = scenario.expectations.map { expectation in
            let evaluated = expectation.evaluate(result.summary)
            return ExpectationOutcome(held: evaluated.held, message: evaluated.message)
        }
        // In a sweep, the bounds of `expect:` are the objectives the report judges each variant by: a variant
        // that misses one is an answer, not a failure. `invariants: hold` stays a check.
        let checked = zip(scenario.expectations, expectations).filter { scenario.variant == nil || $0.0.comparison == .holds }.map(\.1)
        var problems = checked.filter { !$0.held }.map(\.message)
        let broken = Explorer.problems(of: result)
        if !broken.isEmpty { problems.insert("broken: \(broken.prefix(3).joined(separator: " | "))", at: 0) }
        let info = RunInfo(
            scenario: configuration.name, source: scenario.source, seed: seed, variant: scenario.variant,
            command: replayCommand.replacingOccurrences(of: " --trace", with: ""))
        let shown = directoryNames.reduce(out.url) { $0.appendingPathComponent($1) }
        do {
            let directory = try out.subdirectory(directoryNames)
            try RunWriter.write(result, expectations: expectations, info: info, scenarioYAML: scenario.yaml, to: directory)
        } catch {
            problems.append("\(RunOutcome.notWritten) to \(shown.path): \(error)")
        }
        return RunOutcome(plan: self, result: result, problems: problems, directory: shown.path)
    }

    /// Runs plans across `jobs` workers; results come back in plan order. A progress line goes to stderr every
    /// five seconds while they run.
    static func execute(_ plans: [RunPlan], jobs: Int, out: OutputDirectory) async -> [RunOutcome] {
        let lines = ProgressLines(runs: plans.count)
        defer { lines.stop() }
        return await withTaskGroup(of: (Int, RunOutcome).self) { group in
            var next = 0
            var outcomes = [RunOutcome?](repeating: nil, count: plans.count)
            func launch() {
                let index = next
                let plan = plans[index]
                group.addTask {
                    lines.started(index, label: plan.label)
                    let outcome = plan.run(out: out, progress: { lines.update(index, $0) })
                    lines.finished(index)
                    return (index, outcome)
                }
                next += 1
            }
            while next < min(jobs, plans.count) { launch() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                if next < plans.count { launch() }
            }
            return outcomes.compactMap { $0 }
        }
    }

    static func table(_ outcomes: [RunOutcome]) -> String {
        let variants = outcomes.contains { $0.plan.scenario.variant != nil }
        var rows = [
            ["scenario"] + (variants ? ["variant"] : []) + [
                "seed", "events", "wall s", "events/s", "granted", "refused", "start p99 ms", "staleness p99 ms", "service level", "result",
            ]
        ]
        for outcome in outcomes {
            let summary = outcome.result.summary
            rows.append(
                [summary.scenario] + (variants ? [outcome.plan.scenario.variant?.title ?? ""] : []) + [
                    String(summary.seed), String(summary.events),
                    String(format: "%.2f", outcome.result.timing.wallSeconds),
                    String(format: "%.0f", outcome.result.timing.eventsPerSecond),
                    String(summary.outcomes["start.ok.granted", default: 0]),
                    String(summary.outcomes["start.fail.alreadyMonitored", default: 0]),
                    String(format: "%.1f", summary.latencyMilliseconds["start"]?.p99 ?? 0),
                    String(format: "%.1f", summary.stalenessMilliseconds.p99),
                    summary.kpis.serviceLevel.map { String(format: "%.3f", $0) } ?? "–",
                    outcome.passed ? "ok" : "FAILED",
                ])
        }
        let widths = rows[0].indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }.joined(separator: "\n")
    }
}

struct RunOutcome: Sendable {
    var plan: RunPlan
    var result: RunResult
    var problems: [String]
    var directory: String
    var passed: Bool { problems.isEmpty }
    var written: Bool { !problems.contains { $0.hasPrefix(Self.notWritten) } }

    static let notWritten = "could not write results"
}

/// The process's peak resident memory, in bytes (Linux reports kilobytes).
func peakResidentBytes() -> Int {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return usage.ru_maxrss * 1_024
}

/// "jemalloc" when `malloc` resolves into jemalloc (preloaded with `LD_PRELOAD`, or linked), else "system". The tool
/// links the system allocator: jemalloc made no difference beyond noise (Benchmarks/README.md).
func mallocAllocator() -> String {
    guard let jemalloc = dlopen("libjemalloc.so.2", RTLD_NOW | RTLD_NOLOAD) else { return "system" }
    defer { dlclose(jemalloc) }
    let process = dlopen(nil, RTLD_NOW)
    defer { if let process { dlclose(process) } }
    return dlsym(process, "malloc") == dlsym(jemalloc, "malloc") ? "jemalloc" : "system"
}

/// The lines of a `--trace`, one a command, in plain words (`TraceFormatter`); it sees every command of the run,
/// also those a `--conversation` filter leaves out, to learn the names it prints.
final class TraceLine: @unchecked Sendable {
    private let lock = NSLock()
    private var formatter = TraceFormatter()

    func line(_ instant: Instant, _ command: Command, _ result: Result<Outcome, MonitoringError>) -> String {
        lock.withLock { formatter.line(instant, command, result) }
    }

    static func mentions(_ command: Command, _ conversation: ConversationID) -> Bool {
        switch command {
        case .enqueue(let id, _), .alertAgent(let id, _), .connectAgent(let id, _), .disconnectAgent(let id, _),
            .transfer(let id, _, _), .sendMessage(let id, _, _, _), .typing(let id, _), .markRead(let id, _, _),
            .wrapUp(let id, _, _), .endConversation(let id), .abandon(let id), .startMonitoring(let id, _, _, _):
            id == conversation
        case .stopMonitoring(let session, _, _), .renewLease(let session, _): session.conversation == conversation
        default: false
        }
    }
}
