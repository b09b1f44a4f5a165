// swift-tools-version: 6.1
import PackageDescription

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
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    ],
    targets: [
        .target(
            name: "MonitoringEngine",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        .target(
            name: "EmbeddedStore",
            dependencies: ["MonitoringEngine", .product(name: "GRDB", package: "GRDB.swift")]
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
            dependencies: ["Scenario", "Simulation", "MonitoringEngine"]
        ),
        .executableTarget(
            name: "BinocularsCLI",
            dependencies: [
                "MonitoringEngine",
                "Simulation",
                "Scenario",
                "Reports",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "MonitoringEngineTests",
            dependencies: [
                "MonitoringEngine",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ]
        ),
        .testTarget(
            name: "EmbeddedStoreTests",
            dependencies: ["EmbeddedStore", "MonitoringEngine", .product(name: "GRDB", package: "GRDB.swift")]
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
