import Foundation
import MonitoringEngine
import Scenario
import Simulation
import Testing

@Suite("Progress: the run loop reports how far it has got without changing the run")
struct ProgressHookTests {
    @Test("a run with a progress hook gives the same results as one without, and is told its progress every 65,536 events")
    func progressChangesNothing() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios/steady-day.yaml").standardized
            .path
        var configuration = try ScenarioLoader.load(path: path).configuration
        configuration.duration = .seconds(4 * 3_600)
        configuration.warmUp = .seconds(600)
        var plain = World(configuration: configuration)
        let without = plain.run()
        let reports = Reports()
        var watched = World(configuration: configuration)
        watched.progress = { reports.append($0) }
        let with = watched.run()
        #expect(with.summary == without.summary)
        #expect(with.history.operations == without.history.operations)
        let seen = reports.all
        #expect(seen.count == with.summary.events / 65_536)
        #expect(seen.map(\.events) == seen.indices.map { ($0 + 1) * 65_536 })
        #expect(seen.allSatisfy { $0.now <= $0.end && $0.end == Instant.zero + configuration.duration && $0.share <= 1 })
        #expect(seen.map(\.now) == seen.map(\.now).sorted())
    }
}

private final class Reports: @unchecked Sendable {
    private let lock = NSLock()
    private var reports: [World.RunProgress] = []
    func append(_ report: World.RunProgress) { lock.withLock { reports.append(report) } }
    var all: [World.RunProgress] { lock.withLock { reports } }
}
