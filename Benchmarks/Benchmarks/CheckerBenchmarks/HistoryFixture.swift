import Benchmark
import Dispatch
import MonitoringEngine
import Scenario
import Simulation

/// A lock history of a given number of operations, recorded from a run of a scenario and tiled in time.
///
/// The scenario runs once, as `binoculars run` runs it; its history becomes checker records exactly as `World` hands
/// them to the checker (paired by request). Copies of that history then follow one another in time, as if the day
/// were run again and again by the same supervisors: copy k is shifted by k times (the run's last instant plus a
/// minute), and its conversations and request ids by k times one more than their largest in the run, so that no two
/// copies share a conversation and every conversation keeps its own operations (fencing tokens count from 1 in each
/// conversation, so they stay as they are). The result is cut
/// to exactly `operations` records, which leaves the last operations pending, as in a run whose history filled up.
final class HistoryFixture {
    let records: [LockHistoryRecord]

    init(scenario path: String, operations: Int) throws {
        let scenario = try ScenarioLoader.load(path: HistoryFixture.root + "/" + path)
        var world = World(configuration: scenario.configuration)
        let recorded = world.run().history.operations.map { LockHistoryRecord($0, operationID: $0.request) }
        guard let last = recorded.last else { throw HistoryFixtureError(description: "\(path) recorded no history") }
        let period = last.time.nanoseconds + 60_000_000_000
        let conversations = recorded.map(\.conversation.rawValue).max()! + 1
        let requests = (recorded.compactMap(\.operationID).max() ?? 0) + 1

        var records: [LockHistoryRecord] = []
        records.reserveCapacity(operations)
        var copy = 0
        while records.count < operations {
            for var record in recorded.prefix(operations - records.count) {
                record.index = records.count
                record.time = Instant(nanoseconds: record.time.nanoseconds + Int64(copy) * period)
                record.conversation = ConversationID(record.conversation.rawValue + UInt64(copy) * conversations)
                record.operationID = record.operationID.map { $0 + copy * requests }
                records.append(record)
            }
            copy += 1
        }
        self.records = records

        // The figures only mean something if the check does the work of a linearizable history.
        let report = LockHistoryChecker.check(records: records, concurrently: true)
        guard report.notLinearizableCount == 0, report.invalidCount == 0 else {
            throw HistoryFixtureError(
                description: "\(path) tiled to \(operations) operations: \(report.notLinearizableCount) conversations not "
                    + "linearizable, \(report.invalidCount) malformed")
        }
    }

    /// One check of the whole history, measured; its report is kept from the optimizer.
    func check(_ benchmark: Benchmark, concurrently: Bool) throws {
        for _ in benchmark.scaledIterations {
            blackHole(LockHistoryChecker.check(records: records, concurrently: concurrently))
        }
    }

    /// The repository's root, found from this file's path so that the suite runs from any directory.
    static let root: String = {
        var path = #filePath
        for _ in 0..<4 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()
}

struct HistoryFixtureError: Error, CustomStringConvertible {
    let description: String
}
