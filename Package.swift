// swift-tools-version: 6.1
import Foundation
import PackageDescription

// The binoculars tool links jemalloc when its development files are installed (Debian or Ubuntu: libjemalloc-dev),
// which makes whole runs faster; without them it keeps the system allocator, so a machine without jemalloc builds
// and runs it all the same. BINOCULARS_JEMALLOC=0 in the environment keeps the system allocator even where jemalloc
// is installed. `timing.json` says which allocator a run used. The libraries never link jemalloc.
let jemallocInstalled = [
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so", "/usr/lib/aarch64-linux-gnu/libjemalloc.so", "/usr/lib64/libjemalloc.so",
    "/usr/lib/libjemalloc.so", "/usr/local/lib/libjemalloc.so",
].contains { FileManager.default.fileExists(atPath: $0) }
let linkJemalloc = jemallocInstalled && ProcessInfo.processInfo.environment["BINOCULARS_JEMALLOC"] != "0"

let package = Package(
    name: "Binoculars",
    platforms: [.macOS(.v14)],
    products: [
        .library(name: "MonitoringEngine", targets: ["MonitoringEngine"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .executable(name: "binoculars", targets: ["BinocularsCLI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
    ],
    targets: [
        .target(
            name: "MonitoringEngine",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(
            name: "Simulation",
            dependencies: [
                "MonitoringEngine",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ]
        ),
        .target(
            name: "Scenario",
            dependencies: ["Simulation", "MonitoringEngine", .product(name: "Yams", package: "Yams")]
        ),
        .target(
            name: "Reports",
            dependencies: ["Simulation", "MonitoringEngine"]
        ),
        .executableTarget(
            name: "BinocularsCLI",
            dependencies: [
                "MonitoringEngine",
                "Simulation",
                "Scenario",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: linkJemalloc ? [.linkedLibrary("jemalloc", .when(platforms: [.linux]))] : []
        ),
        .testTarget(
            name: "MonitoringEngineTests",
            dependencies: [
                "MonitoringEngine",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "SimulationTests",
            dependencies: ["Simulation", "MonitoringEngine", "Scenario"]
        ),
        .testTarget(
            name: "ScenarioTests",
            dependencies: ["Scenario", "Simulation", "MonitoringEngine"]
        ),
        .testTarget(
            name: "ReportsTests",
            dependencies: ["Reports", "Scenario", "Simulation", "MonitoringEngine"]
        ),
    ]
)
