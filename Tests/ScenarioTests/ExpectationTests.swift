import Simulation
import Testing

@testable import Scenario

@Suite("Expectations evaluate against a run summary")
struct ExpectationTests {
    /// A summary with a service level of 0.734, a start p99 of 420 ms and invariants that held unless told otherwise.
    ///
    /// It starts from the zero sample the loader lists paths with, so fields added to `RunSummary` later need no change here.
    static func summary(invariantsHeld: Bool = true) throws -> RunSummary {
        var summary = try RunSummary(from: SampleDecoder(sampleKeys: SummaryPaths.sampleKeys))
        summary.scenario = "steady-day"
        summary.latencyMilliseconds["start"]?.p99 = 420
        summary.outcomes = ["start.ok.granted": 12, "start.fail.alreadyMonitored": 3]
        summary.endsByReason = ["conversationEnded": 10]
        summary.contentionRate = 0.2
        summary.kpis.serviceLevel = 0.734
        summary.invariants.held = invariantsHeld
        return summary
    }

    static let file = "Scenarios/steady-day.yaml"

    static func expectations(_ block: String) throws -> [ScenarioExpectation] {
        let text = """
            name: steady-day
            duration: 8h
            queues: [Support]
            channels: []
            agentGroups: []
            supervisorGroups: []
            expect:
            \(block)
            """
        return try ScenarioLoader.parse(text, path: file).expectations
    }

    @Test("a minimum below the value fails and says by how much, where the file states it")
    func minimumFails() throws {
        let expectations = try Self.expectations("  min: {kpis.serviceLevel: 0.8}")
        let result = try #require(expectations.first).evaluate(try Self.summary())
        #expect(!result.held)
        #expect(result.observed == 0.734)
        #expect(result.message == "kpis.serviceLevel was 0.734, expected at least 0.8 (Scenarios/steady-day.yaml:8:9)")
    }

    @Test("a ratio the run had nothing to compute over fails its expectation and says it was absent, never reads as 0 or 1")
    func absentRatioFails() throws {
        var summary = try Self.summary()
        summary.kpis.serviceLevel = nil
        for block in ["  min: {kpis.serviceLevel: 0.8}", "  max: {kpis.serviceLevel: 0.8}"] {
            let result = try #require(try Self.expectations(block).first).evaluate(summary)
            #expect(!result.held)
            #expect(result.observed == nil)
            #expect(
                result.message.hasPrefix("kpis.serviceLevel was absent (the run had nothing to compute it over), expected at most 0.8")
                    || result.message.hasPrefix("kpis.serviceLevel was absent (the run had nothing to compute it over), expected at least 0.8"))
        }
    }

    @Test("a maximum above the value holds")
    func maximumHolds() throws {
        let expectations = try Self.expectations("  max: {latencyMilliseconds.start.p99: 500, contentionRate: 0.1}")
        let results = expectations.evaluate(try Self.summary())
        #expect(results.map(\.held) == [true, false])
        #expect(results[0].message == "latencyMilliseconds.start.p99 was 420, at most 500 as expected (Scenarios/steady-day.yaml:8:9)")
        #expect(results[1].message == "contentionRate was 0.2, expected at most 0.1 (Scenarios/steady-day.yaml:8:45)")
    }

    @Test("outcome keys contain dots, and an outcome the run never counted counts 0")
    func dynamicKeys() throws {
        let expectations = try Self.expectations(
            "  min: {outcomes.start.ok.granted: 10, endsByReason.conversationEnded: 1}\n  max: {outcomes.stop.timeout: 0, automaticEnds.leaseExpired: 0}"
        )
        let results = expectations.evaluate(try Self.summary())
        #expect(results.map(\.held) == [true, true, true, true])
        #expect(results.map(\.observed) == [12, 10, 0, 0])
        let missingButRequired = try Self.expectations("  min: {outcomes.stop.timeout: 1}")
        #expect(missingButRequired.evaluate(try Self.summary()).map(\.held) == [false])
    }

    @Test("invariants: hold holds when the run's invariants held, and fails when they did not")
    func invariants() throws {
        let expectation = try #require(try Self.expectations("  invariants: hold").first)
        #expect(expectation.path == "invariants.held")
        #expect(expectation.comparison == .holds)
        #expect(expectation.threshold == nil)
        let held = expectation.evaluate(try Self.summary())
        #expect(held.held)
        #expect(held.message == "invariants.held was true, true as expected (Scenarios/steady-day.yaml:8:3)")
        let failed = expectation.evaluate(try Self.summary(invariantsHeld: false))
        #expect(!failed.held)
        #expect(failed.message == "invariants.held was false, expected true (Scenarios/steady-day.yaml:8:3)")
    }

    @Test("a Boolean under min or max compares as 1 or 0")
    func booleansAsNumbers() throws {
        let results = try Self.expectations("  max: {historyTruncated: 0}\n  min: {invariants.held: 1}").evaluate(try Self.summary())
        #expect(results.map(\.held) == [true, true])
    }

    @Test("a path the summary lacks at evaluation fails with a message, never a crash")
    func missingPath() throws {
        let expectation = ScenarioExpectation(
            path: "latencyMilliseconds.end.p99", comparison: .atMost, threshold: 10, location: SourceLocation(file: Self.file, line: 3, column: 4))
        let result = expectation.evaluate(try Self.summary())
        #expect(!result.held)
        #expect(result.observed == nil)
        #expect(result.message == "latencyMilliseconds.end.p99 is not in the summary, expected at most 10 (Scenarios/steady-day.yaml:3:4)")
    }

    @Test("every numeric path of the encoded summary is accepted in an expect block")
    func knownPaths() throws {
        let paths = [
            "seed", "events", "simulatedSeconds", "kpis.serviceLevel", "kpis.monitorGrants", "stalenessMilliseconds.p999",
            "latencyMilliseconds.renew.mean", "invariants.engineViolations", "historyOperations", "monitoredSeconds",
        ]
        let block = "  min: {" + paths.map { "\($0): 0" }.joined(separator: ", ") + "}"
        let expectations = try Self.expectations(block)
        #expect(expectations.map(\.path) == paths)
        #expect(expectations.evaluate(try Self.summary()).allSatisfy(\.held))
    }
}
