import Benchmark
import MonitoringEngine

let benchmarks: @Sendable () -> Void = {
    Benchmark("placeholder") { benchmark in
        blackHole(MonitoringEngine())
    }
}
