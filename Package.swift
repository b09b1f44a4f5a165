// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Binoculars",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "MonitoringEngine", targets: ["MonitoringEngine"]),
        .library(name: "Simulation", targets: ["Simulation"]),
        .library(name: "Scenario", targets: ["Scenario"]),
        .executable(name: "binoculars", targets: ["BinocularsCLI"]),
        // The live service, built apart so that the simulator's users do not wait for the server stack.
        .executable(name: "binoculars-server", targets: ["BinocularsServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    ],
    targets: [
        .target(
            name: "MonitoringEngine",
            dependencies: [.product(name: "HeapModule", package: "swift-collections")]
        ),
        // What the database stores share: JSON rows with versions, and the decoded rows kept by version.
        .target(name: "StoredRows", dependencies: ["MonitoringEngine"]),
        .target(
            name: "EmbeddedStore",
            dependencies: ["MonitoringEngine", "StoredRows", .product(name: "GRDB", package: "GRDB.swift")]
        ),
        // The store several live nodes share: PostgreSQL.
        .target(
            name: "SharedStore",
            dependencies: [
                "MonitoringEngine",
                "StoredRows",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
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
        .target(
            name: "LiveServer",
            dependencies: [
                "MonitoringEngine",
                "EmbeddedStore",
                "SharedStore",
                "StoredRows",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            resources: [.copy("openapi.json"), .copy("Console")]
        ),
        // What `binoculars load` drives a live deployment with: the fault proxy between its clients and the nodes.
        .target(
            name: "LoadDriver",
            dependencies: [
                "MonitoringEngine",
                "Simulation",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // A private PostgreSQL server under a temporary directory, for tests and `binoculars-server cluster`.
        .target(name: "LocalPostgres"),
        .executableTarget(
            name: "BinocularsServer",
            dependencies: [
                "LiveServer",
                "LoadDriver",
                "LocalPostgres",
                "Reports",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                "MonitoringEngine",
                "Scenario",
                "Simulation",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(
            name: "LiveServerTests",
            dependencies: [
                "LiveServer",
                "LoadDriver",
                "Scenario",
                "Simulation",
                "LocalPostgres",
                "MonitoringEngine",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HummingbirdWSClient", package: "hummingbird-websocket"),
                .product(name: "HummingbirdWSTesting", package: "hummingbird-websocket"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "LoadDriverTests",
            dependencies: ["LoadDriver"]
        ),
        .testTarget(
            name: "LocalPostgresTests",
            dependencies: ["LocalPostgres"]
        ),
        .testTarget(
            name: "SharedStoreTests",
            dependencies: [
                "SharedStore",
                "LocalPostgres",
                "MonitoringEngine",
                .product(name: "Logging", package: "swift-log"),
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
            dependencies: ["EmbeddedStore", "StoredRows", "MonitoringEngine", .product(name: "GRDB", package: "GRDB.swift")]
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
