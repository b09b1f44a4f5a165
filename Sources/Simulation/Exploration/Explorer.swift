import Dispatch

/// What one explored seed showed.
public struct SeedVerdict: Sendable {
    public var seed: UInt64
    /// The swarm knobs this seed kept.
    public var kept: [String]
    /// What broke, each naming its rule; empty when every check held.
    public var problems: [String]
    public var events: Int
    public var result: RunResult

    public var passed: Bool { problems.isEmpty }

    /// The rule the first problem breaks, e.g. `M11`; nil when it names none (a run stopped early, a history the
    /// search could not decide). What "the same failure" means when a failing scenario is shrunk or replayed.
    public var rule: String? { problems.first.flatMap(Explorer.rule(of:)) }
}

/// What an exploration found.
public struct Exploration: Sendable {
    /// The verdict of the lowest failing seed, if any.
    public var failure: SeedVerdict?
    /// Every seed that failed, lowest first: all are in the batch where exploration stopped.
    public var failedSeeds: [UInt64]
    /// The seeds that ran, in order: a range, or a shard's part of one.
    public var explored: [UInt64]

    /// How many of the seeds that ran passed every check.
    public var passed: Int { explored.count - failedSeeds.count }
}

/// Runs many seeds of a scenario, each with its own swarm of faults, and checks every run:
/// the engine's invariants after every command, the outside lock observer, and the
/// linearizability of every conversation's lock history.
public enum Explorer {
    /// Runs one seed and checks it.
    public static func run(_ base: WorldConfiguration, seed: UInt64, swarm: Bool = true) -> SeedVerdict {
        let (configuration, kept) = swarm ? Swarm.configuration(base, seed: seed) : (with(base, seed: seed), [])
        var world = World(configuration: configuration)
        let result = world.run()
        return SeedVerdict(seed: seed, kept: kept, problems: problems(of: result), events: result.summary.events, result: result)
    }

    /// Everything that broke in a run, each line naming its rule.
    public static func problems(of result: RunResult) -> [String] {
        var problems = result.summary.invariants.examples
        if !result.summary.invariants.held && problems.isEmpty { problems.append("invariants broken") }
        if result.summary.stopReason != World.StopReason.completed.rawValue {
            problems.append("run stopped early: \(result.summary.stopReason)")
        }
        return problems
    }

    /// The rule id a problem names: first for a broken invariant or the lock observer (`M8 conversation-3: …`), in
    /// parentheses for a history that is not linearizable (`conversation-3: not linearizable (M11)`).
    public static func rule(of problem: String) -> String? {
        func isRule(_ word: Substring) -> Bool { word.count > 1 && word.first == "M" && word.dropFirst().allSatisfy(\.isNumber) }
        if let first = problem.split(separator: " ", maxSplits: 1).first, isRule(first) { return String(first) }
        guard let marker = problem.firstRange(of: ": not linearizable (") else { return nil }
        let word = problem[marker.upperBound...].prefix { $0 != ")" }
        return isRule(word) ? String(word) : nil
    }

    /// Explores `seeds` on `jobs` workers: the verdict of the lowest failing seed, if any, every seed that failed
    /// in its batch, and the seeds that ran. Seeds run in batches of `jobs`; exploration stops after the batch in
    /// which a failure is found, so the seed reported does not depend on timing.
    public static func exploration(
        _ base: WorldConfiguration, seeds: Range<UInt64>, jobs: Int, swarm: Bool = true,
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> Exploration {
        exploration(base, seeds: Array(seeds), jobs: jobs, swarm: swarm, progress: progress)
    }

    /// Explores the seeds given, in order (a shard's part of a range, `Shard.seeds(of:)`), as above.
    public static func exploration(
        _ base: WorldConfiguration, seeds: [UInt64], jobs: Int, swarm: Bool = true,
        progress: (@Sendable (Int) -> Void)? = nil
    ) -> Exploration {
        let workers = max(1, jobs)
        var next = 0
        var explored = 0
        while next < seeds.count {
            let batch = Array(seeds[next..<min(seeds.count, next + workers * 4)])
            let verdicts = Verdicts(count: batch.count)
            DispatchQueue.concurrentPerform(iterations: batch.count) { index in
                verdicts.set(index, run(base, seed: batch[index], swarm: swarm))
            }
            explored += batch.count
            progress?(explored)
            let failed = verdicts.all.filter { !$0.passed }
            if let failure = failed.first {
                return Exploration(failure: failure, failedSeeds: failed.map(\.seed), explored: Array(seeds[..<explored]))
            }
            next += batch.count
        }
        return Exploration(failure: nil, failedSeeds: [], explored: seeds)
    }

    private static func with(_ base: WorldConfiguration, seed: UInt64) -> WorldConfiguration {
        var configuration = base
        configuration.seed = seed
        return configuration
    }
}

/// Results written by concurrent workers, one slot each.
private final class Verdicts: @unchecked Sendable {
    private var slots: [SeedVerdict?]
    private let lock = DispatchSemaphore(value: 1)

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ verdict: SeedVerdict) {
        lock.wait()
        slots[index] = verdict
        lock.signal()
    }

    var all: [SeedVerdict] { slots.compactMap { $0 } }
}
