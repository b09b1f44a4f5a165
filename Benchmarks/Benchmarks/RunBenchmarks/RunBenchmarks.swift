import Benchmark
import Dispatch
import Scenario
import Simulation

// Whole runs of scenarios through the library, as `binoculars run` does them (RunPlan.swift): load the file, build
// the world with a wall clock, run it, every check on (the engine's invariants after every command, the lock
// observer, and the linearizability check of the run's history, which `World.run()` does at its end). One iteration
// is one run; loading the file and building the world happen outside the measured region, as they are outside
// `binoculars run`'s own timing. `simulatedEventsPerSecond` is what `timing.json` reports as `eventsPerSecond`.
//
// The full large centre takes about forty seconds a run, so it runs once (no warm-up); its first hour (thirty
// minutes of warm-up and thirty measured) keeps a large-centre figure within a few seconds.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal, .peakMemoryResident, simulatedEventsPerSecond],
        warmupIterations: 0,
        maxDuration: .seconds(20),
        maxIterations: 5,
        thresholds: runThresholds
    )

    Benchmark("SteadyDay", configuration: .init(warmupIterations: 1)) { benchmark, scenario in
        try measureRun(of: scenario, benchmark)
    } setup: {
        try WholeRun.load("Scenarios/steady-day.yaml")
    }

    Benchmark("LargeCentre-1h", configuration: .init(maxIterations: 3)) { benchmark, scenario in
        try measureRun(of: scenario, benchmark)
    } setup: {
        var scenario = try WholeRun.load("Scenarios/large-centre.yaml")
        scenario.configuration.duration = .seconds(3_600)
        return scenario
    }

    Benchmark("LargeCentre-8h", configuration: .init(maxDuration: .seconds(1), maxIterations: 1)) { benchmark, scenario in
        try measureRun(of: scenario, benchmark)
    } setup: {
        try WholeRun.load("Scenarios/large-centre.yaml")
    }
}

/// Simulated events per second of wall-clock time of `World.run()`, as in `timing.json`.
let simulatedEventsPerSecond = BenchmarkMetric.custom("simulatedEventsPerSecond", polarity: .prefersLarger, useScalingFactor: false)

/// Runs the scenario once as `binoculars run` does, reports its events per second, and fails the benchmark if a
/// check did not hold (the figures of a broken run mean nothing).
func measureRun(of scenario: Scenario, _ benchmark: Benchmark) throws {
    var world = World(configuration: scenario.configuration, wallClock: { DispatchTime.now().uptimeNanoseconds })
    benchmark.startMeasurement()
    let started = DispatchTime.now().uptimeNanoseconds
    let result = world.run()
    let wallNanoseconds = DispatchTime.now().uptimeNanoseconds - started
    benchmark.stopMeasurement()
    benchmark.measurement(simulatedEventsPerSecond, Int(Double(result.summary.events) * 1e9 / Double(max(wallNanoseconds, 1))))
    guard result.summary.invariants.held else {
        throw WholeRunError(description: "\(scenario.configuration.name): a check failed: \(result.summary.invariants.examples.prefix(3))")
    }
    blackHole(result)
}

struct WholeRunError: Error, CustomStringConvertible {
    let description: String
}

enum WholeRun {
    /// The repository's root, found from this file's path so that the suite runs from any directory.
    static let root: String = {
        var path = #filePath
        for _ in 0..<4 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    static func load(_ relativePath: String) throws -> Scenario {
        try ScenarioLoader.load(path: root + "/" + relativePath)
    }
}

/// Tolerances for `benchmark thresholds check` around the p90 values committed in Thresholds/, after the policy of
/// EngineBenchmarks: time (wall clock and CPU) fails beyond two and a half times its threshold; throughput-like
/// figures (events per second) are measured, not checked. A run is deterministic, so its allocations barely move
/// (Swift's per-process hash seeds shift them by a few); peak resident memory is sampled, so it is allowed a fifth.
var runThresholds: [BenchmarkMetric: BenchmarkThresholds] {
    [
        .wallClock: .init(relative: [.p90: 150]),
        .cpuTotal: .init(relative: [.p90: 150]),
        .instructions: .init(relative: [.p90: 10]),
        .mallocCountTotal: .init(relative: [.p90: 1]),
        .peakMemoryResident: .init(relative: [.p90: 20]),
        simulatedEventsPerSecond: .none,
    ]
}
