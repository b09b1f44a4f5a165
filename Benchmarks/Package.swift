// swift-tools-version: 6.1
import PackageDescription

// The benchmark suites of Binoculars, kept in a package of their own so that package-benchmark and its
// malloc interposer never reach what a user of the Binoculars library builds.
let package = Package(
    name: "BinocularsBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Binoculars", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MonitoringEngine", package: "Binoculars"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "KernelBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MonitoringEngine", package: "Binoculars"),
                .product(name: "Simulation", package: "Binoculars"),
            ],
            path: "Benchmarks/KernelBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "RunBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Scenario", package: "Binoculars"),
                .product(name: "Simulation", package: "Binoculars"),
            ],
            path: "Benchmarks/RunBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "CheckerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "MonitoringEngine", package: "Binoculars"),
                .product(name: "Scenario", package: "Binoculars"),
                .product(name: "Simulation", package: "Binoculars"),
            ],
            path: "Benchmarks/CheckerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ]
)
