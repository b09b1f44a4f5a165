// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "BinocularsBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [
        .package(name: "Binoculars", path: ".."),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
    ],
    targets: [
        .executableTarget(
            name: "EngineBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "package-benchmark"),
                .product(name: "MonitoringEngine", package: "Binoculars"),
            ],
            path: "Benchmarks/EngineBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]
        ),
    ]
)
