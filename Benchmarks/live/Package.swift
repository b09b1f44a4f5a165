// swift-tools-version: 6.1
// Hummingbird's plain-route ceiling on this machine, beside which Benchmarks/live/measure.sh reports the live node's
// throughput: a router with one GET that answers a fixed string, nothing else. Built only by measure.sh.
import PackageDescription

let package = Package(
    name: "LiveBenchmarks",
    platforms: [.macOS(.v14)],
    dependencies: [.package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1")],
    targets: [
        .executableTarget(
            name: "PlainRoute", dependencies: [.product(name: "Hummingbird", package: "hummingbird")])
    ]
)
