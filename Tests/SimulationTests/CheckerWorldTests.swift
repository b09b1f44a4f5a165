import Foundation
import MonitoringEngine
import Simulation
import Testing

@Suite("Linearizability checker on simulated runs")
struct CheckerWorldTests {
    @Test("M8 M10 M11 M12 M18 a simulated busy hour's history is linearizable", arguments: [1, 7, 23] as [UInt64])
    func worldHistoryIsLinearizable(seed: UInt64) {
        var world = World(configuration: smallCentre(seed: seed))
        let result = world.run()
        let report = LockHistoryChecker.check(result.history.operations)
        #expect(report.recordCount == result.history.operations.count)
        #expect(report.isLinearizable, "seed \(seed): \(report)")
        #expect(report.checkedOperationCount > 100, "seed \(seed): the run exercises the lock")
    }
}

/// Linearizable histories built from a sequential run of the lock model: every operation
/// takes effect at an instant, and its invocation and completion are drawn around it, so
/// that neighbours overlap (about six operations in flight per conversation).
struct SyntheticLockHistory {
    private var random: Xoshiro256StarStar
    private var lines: [(time: Int64, order: Int, record: LockHistoryRecord)] = []

    init(seed: UInt64) { random = Xoshiro256StarStar(seed: seed) }

    static func records(operations: Int, perConversation: Int = 20, seed: UInt64 = 1) -> [LockHistoryRecord] {
        var history = SyntheticLockHistory(seed: seed)
        var conversation: UInt64 = 1
        var written = 0
        while written < operations {
            let count = min(perConversation, operations - written)
            history.conversation(ConversationID(conversation), operations: count)
            written += count
            conversation += 1
        }
        return history.records
    }

    private var records: [LockHistoryRecord] {
        lines.sorted { ($0.time, $0.order) < ($1.time, $1.order) }.enumerated().map { index, line in
            var record = line.record
            record.index = index
            return record
        }
    }

    private mutating func milliseconds(below limit: Int) -> Int64 { Int64(random.nextIndex(below: limit)) * 1_000_000 }

    private mutating func conversation(_ id: ConversationID, operations: Int) {
        var holder: (process: Int, token: UInt64)?
        var issued: [Int] = []
        // Conversations interleave in time, as in a run.
        var instant = milliseconds(below: 600_000)
        for _ in 0..<operations {
            instant += 100_000_000
            let process = 1 + random.nextIndex(below: 5)
            let invoked = instant - milliseconds(below: 300)
            let completed = instant + milliseconds(below: 300)
            let choice = random.nextIndex(below: 100)
            func add(_ process: Int, _ function: OperationFunction, _ type: OperationType, token: UInt64?, reason: String? = nil) {
                let invokeToken = function == .start ? nil : token
                line(invoked, process, .invoke, function, id, invokeToken, nil)
                line(type == .info ? completed + 5_000_000_000 : completed, process, type, function, id, token, reason)
            }
            switch (holder, choice) {
            case (nil, 0..<10):
                add(process, .start, .fail, token: nil, reason: "supervisorNotAvailable")
            case (nil, 10..<20):
                // Timed out; took effect half the time.
                if random.nextIndex(below: 2) == 0 {
                    issued.append(process)
                    holder = (process, UInt64(issued.count))
                }
                add(process, .start, .info, token: nil, reason: "timeout")
            case (nil, 20..<30) where !issued.isEmpty:
                let token = UInt64(1 + random.nextIndex(below: issued.count))
                add(issued[Int(token - 1)], .stop, .fail, token: token, reason: "sessionAlreadyEnded")
            case (nil, _):
                issued.append(process)
                holder = (process, UInt64(issued.count))
                add(process, .start, .ok, token: UInt64(issued.count))
            case (let current?, 0..<30):
                add(current.process, .renew, .ok, token: current.token)
            case (let current?, 30..<45) where process != current.process:
                add(process, .start, .fail, token: nil, reason: "alreadyMonitored")
            case (let current?, 45..<55):
                add(current.process, .start, .ok, token: current.token)
            case (let current?, 55..<60):
                add(current.process, .renew, .info, token: current.token, reason: "timeout")
            case (let current?, 60..<80):
                holder = nil
                add(current.process, .stop, .ok, token: current.token)
            case (let current?, 80..<85):
                holder = nil
                add(current.process, .stop, .info, token: current.token, reason: "timeout")
            case (let current?, _):
                holder = nil
                line(instant, current.process, .invoke, .end, id, current.token, "leaseExpired")
                line(instant, current.process, .ok, .end, id, current.token, "leaseExpired")
            }
        }
    }

    private mutating func line(
        _ time: Int64, _ process: Int, _ type: OperationType, _ function: OperationFunction, _ conversation: ConversationID,
        _ token: UInt64?, _ reason: String?
    ) {
        let record = LockHistoryRecord(
            index: 0, time: Instant(nanoseconds: time), process: process, type: type, function: function,
            conversation: conversation, token: token, reason: reason)
        lines.append((time, lines.count, record))
    }
}

@Suite("Linearizability checker at scale")
struct CheckerScaleTests {
    /// `CHECKER_OPERATIONS` raises the size, e.g. to 1_000_000 in a release build.
    static var operations: Int {
        ProcessInfo.processInfo.environment["CHECKER_OPERATIONS"].flatMap { Int($0) } ?? 100_000
    }

    @Test("10^5 operations over many conversations are checked within the step budget")
    func manyOperations() {
        let records = SyntheticLockHistory.records(operations: Self.operations)
        // Not an assertion on time: the figure is printed for the record only.
        let clock = ContinuousClock()
        let started = clock.now
        let report = LockHistoryChecker.check(records: records)
        let elapsed = clock.now - started
        print("checked \(report.operationCount) operations (\(records.count) lines, \(report.conversations.count) conversations) in \(elapsed)")
        #expect(report.operationCount >= Self.operations)
        #expect(report.unknownCount == 0)
        #expect(report.isLinearizable, "\(report.description.prefix(4_000))")
        #expect(report.conversations.allSatisfy { $0.searchSteps < report.budgetPerConversation })
    }

    @Test("a synthetic history with one forged grant is caught, with its conversation named")
    func forgedGrant() throws {
        var records = SyntheticLockHistory.records(operations: 2_000, seed: 3)
        // Forge: a grant of a token nobody was given (M11) in conversation 40.
        let position = try #require(records.firstIndex { $0.conversation == ConversationID(40) && $0.type == .ok && $0.function == .start })
        records[position].token = 1_000
        let report = LockHistoryChecker.check(records: records)
        #expect(report.failures.map(\.conversation) == [ConversationID(40)], "\(report)")
        #expect(report.failures.first?.verdict.explanation?.rule == "M11", "\(report)")
    }
}
