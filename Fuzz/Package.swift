// swift-tools-version: 6.1
import PackageDescription

// A libFuzzer target for the scenario reader, in a package of its own so that neither `swift build` nor
// `swift test` of Binoculars pays for it. Build and run it with Fuzz/run.sh.
let package = Package(
    name: "BinocularsFuzz",
    platforms: [.macOS(.v15)],
    dependencies: [.package(name: "Binoculars", path: "..")],
    targets: [
        .executableTarget(
            name: "ScenarioFuzz",
            dependencies: [.product(name: "Scenario", package: "Binoculars")],
            path: "ScenarioFuzz"
        )
    ]
)
