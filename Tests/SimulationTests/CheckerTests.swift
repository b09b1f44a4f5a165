import MonitoringEngine
import Simulation
import Testing

/// The one conversation's explanation, when the checker found it not linearizable.
private func witness(_ report: LinearizabilityReport) -> NonLinearizableExplanation? {
    report.conversations.first?.verdict.explanation
}

/// The history indices of the explanation's operations, and of the blocked one.
private func indices(_ explanation: NonLinearizableExplanation) -> (operations: [Int], blocked: Int?) {
    (explanation.operations.map(\.invocationIndex), explanation.blocked.map { explanation.operations[$0].invocationIndex })
}

@Suite("Linearizability checker: legal histories")
struct CheckerLegalHistoryTests {
    @Test("M8 M19 grant, stop and grant again in sequence is linearizable")
    func sequential() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.renew(1, token: 1, 20, 30)
        history.stop(1, token: 1, 40, 50)
        history.start(2, 60, 70, granted: 2)
        history.stop(2, token: 2, 80, 90)
        history.start(1, 100, 110, granted: 3)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
        #expect(report.conversations.count == 1)
        #expect(report.checkedOperationCount == 6)
    }

    @Test("M8 concurrent starts with one winner and alreadyMonitored for the rest are linearizable")
    func stampede() {
        var history = CheckerHistoryBuilder()
        // The winner hears last; two losers hear before it and one while it waits.
        history.start(1, 0, 100, granted: 1)
        history.start(2, 5, 40, refused: "alreadyMonitored")
        history.start(3, 10, 45, refused: "alreadyMonitored")
        history.start(4, 20, 120, refused: "alreadyMonitored")
        history.start(5, 25, 60, refused: "supervisorNotAvailable")
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
        #expect(report.checkedOperationCount == 4, "an eligibility refusal constrains nothing")
    }

    @Test("M10 a re-start by the holder returns its token and is linearizable")
    func idempotentRestart() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.start(1, 20, 30, granted: 1)
        history.start(1, 25, 35, granted: 1)
        history.stop(1, token: 1, 40, 50)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("M11 a stale stop of an ended session is answered sessionAlreadyEnded and is linearizable")
    func staleStop() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 30)
        // The duplicate stop, sent with the first, arrives after it.
        history.stop(1, token: 1, 20, 35, refused: "sessionAlreadyEnded")
        history.start(2, 40, 50, granted: 2)
        history.stop(1, token: 1, 60, 70, refused: "sessionAlreadyEnded")
        history.stop(2, token: 1, 61, 71, refused: "notSessionOwner")
        history.stop(2, token: 3, 62, 72, refused: "unknownSession")
        history.stop(2, token: 2, 80, 90)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("a timed-out start that did happen is linearizable")
    func timedOutStartThatHappened() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, timedOutAt: 5_000)
        // Its grant shows: another supervisor is refused, then the lease ends token 1.
        history.start(2, 1_000, 1_100, refused: "alreadyMonitored")
        history.end(1, token: 1, at: 30_000, "leaseExpired")
        history.start(2, 31_000, 31_100, granted: 2)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("a timed-out start that did not happen is linearizable")
    func timedOutStartThatDidNotHappen() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, timedOutAt: 5_000)
        history.start(2, 6_000, 6_100, granted: 1)
        history.stop(2, token: 1, 7_000, 7_100)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("a timed-out start that took effect after its client gave up is linearizable")
    func timedOutStartTakingEffectLate() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, timedOutAt: 5_000)
        // The retry finds the session the first attempt created meanwhile (M10).
        history.start(1, 5_000, 5_100, granted: 1)
        history.stop(1, token: 1, 6_000, 6_100)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("M12 M19 a lease end frees the lock, and the late renewal is refused")
    func leaseEnd() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.renew(1, token: 1, 10_000, 10_050)
        history.end(1, token: 1, at: 40_050, "leaseExpired")
        history.renew(1, token: 1, 40_000, 40_100, refused: "sessionAlreadyEnded")
        history.start(2, 40_060, 40_070, granted: 2)
        history.end(2, token: 2, at: 50_000, "conversationEnded")
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("M11 M18 a stop racing the conversation's end at the same instant is linearizable either way")
    func stopRacingEnd() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 100, 300, refused: "sessionAlreadyEnded")
        history.end(1, token: 1, at: 200, "conversationEnded")
        history.start(1, 400, 410, granted: 2)
        history.stop(1, token: 2, 500, 700)
        history.stop(1, token: 2, 500, 710, refused: "sessionAlreadyEnded")
        history.renew(1, token: 2, 450, 705, refused: "sessionAlreadyEnded")
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("timed-out stops and renewals may or may not have happened")
    func timedOutStopsAndRenewals() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.add(1, .renew, 20, 5_020, .info, token: 1, reason: "timeout")
        history.add(1, .stop, 30, 5_030, .info, token: 1, reason: "timeout")
        history.start(2, 6_000, 6_010, granted: 2)
        history.add(2, .stop, 7_000, 12_000, .info, token: 2, reason: "timeout")
        history.start(3, 13_000, 13_010, refused: "alreadyMonitored")
        // A stop still in flight when the history ends.
        history.add(2, .stop, 14_000, nil, .ok, token: 2)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
    }

    @Test("conversations are checked independently and reported in id order")
    func conversationsIndependent() {
        var history = CheckerHistoryBuilder()
        history.conversation = ConversationID(7)
        history.start(1, 0, 10, granted: 1)
        history.conversation = ConversationID(3)
        history.start(2, 0, 10, granted: 1)
        history.conversation = ConversationID(5)
        history.start(1, 5, 15, granted: 1)
        history.start(2, 6, 16, granted: 2)
        let report = history.check()
        #expect(report.conversations.map(\.conversation) == [3, 5, 7].map { ConversationID($0) })
        #expect(report.linearizableCount == 2)
        #expect(report.notLinearizableCount == 1)
        #expect(report.failures.map(\.conversation) == [ConversationID(5)])
        let sequential = LockHistoryChecker.check(records: history.records, concurrently: false)
        #expect(sequential == report, "the report does not depend on parallelism")
    }
}

@Suite("Linearizability checker: illegal histories")
struct CheckerIllegalHistoryTests {
    @Test("M8 a history granting two overlapping sessions is not linearizable")
    func overlappingGrants() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 100, granted: 1)
        history.start(2, 10, 110, granted: 2)
        history.stop(1, token: 1, 200, 210)
        let report = history.check()
        #expect(!report.isLinearizable)
        let explanation = try #require(witness(report), "\(report)")
        #expect(explanation.rule == "M8", "\(explanation)")
        #expect(indices(explanation).operations == [0, 1], "the stop after both grants is not part of the witness")
        #expect(indices(explanation).blocked == 1)
        #expect(explanation.state.holder == LockModelState.Holder(process: 1, token: 1))
        #expect(explanation.linearized == [0])
    }

    @Test("M8 a second grant after the first holder's stop was only invoked is not linearizable")
    func grantBeforeStopTookEffect() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.add(1, .stop, 20, 30, .fail, token: 1, reason: "unknownConversation")
        history.start(2, 40, 50, granted: 2)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M8", "\(explanation)")
    }

    @Test("M11 a history whose grant skips a token is not linearizable")
    func skippedToken() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 30)
        history.start(2, 40, 50, granted: 3)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M11", "\(explanation)")
        #expect(explanation.state.nextToken == 2)
        #expect(explanation.state.holder == nil)
        #expect(indices(explanation).blocked == 4)
        #expect(explanation.description.contains("token 2 would be skipped"), "\(explanation)")
    }

    @Test("M11 a stale stop reported ok is not linearizable")
    func staleStopOK() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 30)
        history.start(2, 40, 50, granted: 2)
        history.stop(1, token: 1, 60, 70)
        history.stop(2, token: 2, 80, 90)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M11", "\(explanation)")
        #expect(explanation.operations.count == 4)
        #expect(explanation.state.holder == LockModelState.Holder(process: 2, token: 2))
        #expect(explanation.description.contains("session 1 has already ended; process 2 holds token 2"), "\(explanation)")
    }

    @Test("M19 a history refusing alreadyMonitored while the lock is free is not linearizable")
    func alreadyMonitoredWhileFree() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 30)
        history.start(2, 40, 50, refused: "alreadyMonitored")
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M19", "\(explanation)")
        #expect(explanation.state.holder == nil)
    }

    @Test("M12 a history renewing a session after its lease ended is not linearizable")
    func renewAfterEnd() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.end(1, token: 1, at: 30_010, "leaseExpired")
        history.renew(1, token: 1, 30_020, 30_030)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M12", "\(explanation)")
        #expect(explanation.linearized.count == 2)
    }

    @Test("M10 a history giving the holder a new token on a second start is not linearizable")
    func restartWithNewToken() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.start(1, 20, 30, granted: 2)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M10", "\(explanation)")
    }

    @Test("M10 a history refusing the holder's own re-start with alreadyMonitored is not linearizable")
    func restartRefused() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.start(1, 20, 30, refused: "alreadyMonitored")
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M10", "\(explanation)")
    }

    @Test("M11 an end of a session that is not the active one is not linearizable")
    func endOfInactiveSession() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 30)
        history.end(1, token: 1, at: 40, "leaseExpired")
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M11", "\(explanation)")
        #expect(explanation.description.contains("no session is active"))
    }

    @Test("M17 a stop by another supervisor reported ok is not linearizable")
    func stopByNonOwner() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(2, token: 1, 20, 30)
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M17", "\(explanation)")
    }

    @Test("the witness is the shortest failing prefix, however long the history goes on")
    func shortestPrefix() throws {
        var history = CheckerHistoryBuilder()
        for round in 0..<20 {
            let base = Int64(round) * 100
            history.start(1, base, base + 10, granted: UInt64(round + 1))
            history.stop(1, token: UInt64(round + 1), base + 20, base + 30)
        }
        // Round 20: a second grant overlaps the first, then the history goes on.
        history.start(1, 2_000, 2_010, granted: 21)
        history.start(2, 2_020, 2_030, granted: 22)
        history.stop(1, token: 21, 2_040, 2_050)
        history.stop(2, token: 22, 2_060, 2_070)
        for round in 23..<40 {
            let base = Int64(round) * 100
            history.start(3, base, base + 10, granted: UInt64(round))
            history.stop(3, token: UInt64(round), base + 20, base + 30)
        }
        let explanation = try #require(witness(history.check()))
        #expect(explanation.rule == "M8")
        #expect(explanation.operations.count == 42)
        #expect(explanation.operations.last?.invocationIndex == 82)
        #expect(explanation.linearized.count == 41)
    }

    @Test("an operation completing beyond the failing prefix is pending in the witness")
    func pendingInWitness() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 15, 1_000)
        history.start(2, 20, 30, refused: "alreadyMonitored")
        history.start(3, 40, 50, granted: 1)
        let explanation = try #require(witness(history.check()))
        // Whether or not the pending stop took effect, token 1 cannot go to process 3; the
        // explanation takes the path with fewest effects of unknown outcome: the stop did not.
        #expect(explanation.rule == "M8", "\(explanation)")
        #expect(explanation.state.holder == LockModelState.Holder(process: 1, token: 1))
        let stop = try #require(explanation.operations.first { $0.function == .stop })
        #expect(stop.completion == nil, "the stop completes after the witness ends")
        #expect(explanation.operations.count == 4)
    }
}

@Suite("Linearizability checker: pairing, budget and malformed input")
struct CheckerPairingTests {
    /// Process 1 stops token 1 at 0 ms and again at 50 ms (a late stop); one answer, refused,
    /// comes at 60 ms, the other, ok, at 100 ms. Process 2 was granted token 2 between 10 and
    /// 40 ms, so only the stop invoked at 0 ms can be the one answered ok. `okAnswersFirst`
    /// gives operation ids saying which stop each answer belongs to; nil gives none.
    private func ambiguousHistory(okAnswersFirst: Bool?) -> [LockHistoryRecord] {
        var history = CheckerHistoryBuilder()
        history.start(1, -100, -90, granted: 1)
        history.start(2, 10, 40, granted: 2)
        var records = history.records
        func line(_ time: Int64, _ type: OperationType, _ reason: String?, _ id: Int?) -> LockHistoryRecord {
            LockHistoryRecord(
                index: 0, time: Instant(nanoseconds: time * 1_000_000), process: 1, type: type, function: .stop,
                conversation: ConversationID(1), token: 1, reason: reason, operationID: id)
        }
        let ids: (first: Int?, late: Int?, ok: Int?, refused: Int?) =
            switch okAnswersFirst {
            case nil: (nil, nil, nil, nil)
            case true?: (1, 2, 1, 2)
            case false?: (1, 2, 2, 1)
            }
        records.insert(line(0, .invoke, nil, ids.first), at: 2)
        records.append(line(50, .invoke, nil, ids.late))
        records.append(line(60, .fail, "sessionAlreadyEnded", ids.refused))
        records.append(line(100, .ok, nil, ids.ok))
        return records.enumerated().map { index, record in
            var record = record
            record.index = index
            return record
        }
    }

    @Test("without operation ids an ambiguous pairing widens the interval instead of raising a false alarm")
    func ambiguousPairingWidens() {
        let report = LockHistoryChecker.check(records: ambiguousHistory(okAnswersFirst: nil))
        #expect(report.isLinearizable, "\(report)")
        #expect(report.ambiguousPairingCount == 2)
    }

    @Test("with operation ids pairing is exact")
    func operationIDsPairExactly() throws {
        let exact = LockHistoryChecker.check(records: ambiguousHistory(okAnswersFirst: true))
        #expect(exact.isLinearizable, "\(exact)")
        #expect(exact.ambiguousPairingCount == 0)
        // The ids say the ok answers the late stop: then process 1 held token 1 while
        // process 2 was granted token 2 (M8).
        let late = LockHistoryChecker.check(records: ambiguousHistory(okAnswersFirst: false))
        let explanation = try #require(late.conversations.first?.verdict.explanation, "\(late)")
        #expect(explanation.rule == "M8", "\(explanation)")
    }
    @Test("stops invoked at the same instant are interchangeable, not ambiguous")
    func duplicatesAtOneInstant() {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 10, granted: 1)
        history.stop(1, token: 1, 20, 40, refused: "sessionAlreadyEnded")
        history.stop(1, token: 1, 20, 30)
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
        #expect(report.ambiguousPairingCount == 0)
    }

    @Test("a search that reaches its step budget is reported unknown, not a hang")
    func budget() {
        var history = CheckerHistoryBuilder()
        for process in 1...12 { history.start(process, 0, timedOutAt: 5_000) }
        history.start(20, 1, 6_000, refused: "alreadyMonitored")
        for process in 1...12 { history.end(process, token: UInt64(process), at: 7_000 + Int64(process), "leaseExpired") }
        let tight = history.check(budget: 10)
        #expect(tight.unknownCount == 1)
        #expect(!tight.isLinearizable)
        #expect(tight.conversations[0].searchSteps == 10)
        #expect(tight.description.contains("unknown"))
        let roomy = history.check()
        #expect(roomy.isLinearizable, "\(roomy)")
    }

    @Test("starts that timed out and never happened are not retried at every free instant")
    func lingeringTimedOutStarts() {
        var history = CheckerHistoryBuilder()
        for process in 100..<150 { history.start(process, 0, timedOutAt: 5_000) }
        for round in 0..<500 {
            let base = 10_000 + Int64(round) * 100
            history.start(1, base, base + 10, granted: UInt64(round + 1))
            history.stop(1, token: UInt64(round + 1), base + 20, base + 30)
        }
        let report = history.check()
        #expect(report.isLinearizable, "\(report)")
        // Each token is process 1's by its own grant, so no timed-out start can have taken it:
        // the search only walks past the 50 of them once per operation (about 51 000 steps),
        // where trying each at every free instant ran out of the 250 000-step budget.
        #expect(report.conversations[0].searchSteps < 60_000, "\(report.conversations[0].searchSteps) steps")
    }

    @Test("a completion without an invocation is a malformed history")
    func completionWithoutInvocation() {
        let record = LockHistoryRecord(
            index: 0, time: .zero, process: 1, type: .ok, function: .stop, conversation: ConversationID(1), token: 1)
        let report = LockHistoryChecker.check(records: [record])
        #expect(report.invalidCount == 1)
        #expect(report.conversations[0].verdict.invalidHistory?.contains("no pending invocation") == true)
    }

    @Test("a stop without a token is a malformed history")
    func stopWithoutToken() {
        let record = LockHistoryRecord(index: 0, time: .zero, process: 1, type: .invoke, function: .stop, conversation: ConversationID(1))
        #expect(LockHistoryChecker.check(records: [record]).invalidCount == 1)
    }

    @Test("the report names the rule and prints the witness one operation a line")
    func reportText() throws {
        var history = CheckerHistoryBuilder()
        history.start(1, 0, 100, granted: 1)
        history.start(2, 10, 110, granted: 2)
        let text = history.check().description
        #expect(text.contains("conversation-1: not linearizable (M8)"), "\(text)")
        #expect(text.contains("#0 0.000000000s..0.100000000s process 1 ok start token 1 reason -"), "\(text)")
        #expect(text.contains("#1 0.010000000s..0.110000000s process 2 ok start token 2 reason -"), "\(text)")
        #expect(text.contains("held by process 1 with token 1, next token 2"), "\(text)")
        #expect(text.contains("M8 process 1 holds token 1"), "\(text)")
    }
}
