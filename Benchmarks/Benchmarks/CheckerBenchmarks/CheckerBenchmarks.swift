import Benchmark
import MonitoringEngine
import Scenario
import Simulation

// The linearizability checker (`LockHistoryChecker.check(records:concurrently:)`) on lock histories of 10^5 and
// 10^6 operations (history lines: invocations and completions). The histories are recorded from runs of scenarios
// and tiled in time (HistoryFixture.swift), all before measuring; one iteration is one check of the whole history.
//
// - SteadyDay: the README's scenario, supervisors monitoring at their own pace.
// - StopRaces: supervisors racing each other to start and stop on the same conversations, the most contended
//   history of the scenarios in Scenarios/ci/.
// A run checks its history on one thread (`concurrently: false`); the library's default checks conversations in
// parallel, measured once on the larger steady-day history.

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .instructions, .mallocCountTotal, .peakMemoryResident],
        maxDuration: .seconds(10),
        maxIterations: 100,
        thresholds: checkerThresholds
    )

    for (source, scenario) in [("SteadyDay", "Scenarios/steady-day.yaml"), ("StopRaces", "Scenarios/ci/stop-races.yaml")] {
        for (label, operations) in [("100k", 100_000), ("1M", 1_000_000)] {
            Benchmark("Check-\(label)Operations-\(source)") { benchmark, history in
                try history.check(benchmark, concurrently: false)
            } setup: {
                try HistoryFixture(scenario: scenario, operations: operations)
            }
        }
    }

    Benchmark("CheckConcurrently-1MOperations-SteadyDay") { benchmark, history in
        try history.check(benchmark, concurrently: true)
    } setup: {
        try HistoryFixture(scenario: "Scenarios/steady-day.yaml", operations: 1_000_000)
    }
}

/// Tolerances for `benchmark thresholds check` around the p90 values committed in Thresholds/, after the policy of
/// EngineBenchmarks: time (wall clock and CPU) fails beyond two and a half times its threshold. The histories are the same in every process, but Swift's per-process hash seeds move the dictionaries'
/// growth a little, so allocations may change by one per cent; peak resident memory is sampled, so it is allowed a
/// fifth.
var checkerThresholds: [BenchmarkMetric: BenchmarkThresholds] {
    [
        .wallClock: .init(relative: [.p90: 150]),
        .cpuTotal: .init(relative: [.p90: 150]),
        .instructions: .init(relative: [.p90: 10]),
        .mallocCountTotal: .init(relative: [.p90: 1]),
        .peakMemoryResident: .init(relative: [.p90: 20]),
    ]
}
