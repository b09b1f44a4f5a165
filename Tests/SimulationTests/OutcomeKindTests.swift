import Testing

@testable import Simulation

@Suite("Outcome counts keep their summary names")
struct OutcomeKindTests {
    @Test("each counted kind is named in summary.json as before: function, ok or fail with the code, timeout; a node crash")
    func namesInTheSummary() {
        var metrics = RunMetrics()
        metrics.count(.succeeded(.start, .granted))
        metrics.count(.succeeded(.start, .granted))
        metrics.count(.succeeded(.start, .resumed))
        metrics.count(.succeeded(.stop, nil))
        metrics.count(.refused(.start, code: "alreadyMonitored"))
        metrics.count(.timedOut(.renew))
        metrics.count(.nodeCrash)
        #expect(
            metrics.outcomes == [
                "start.ok.granted": 2, "start.ok.resumed": 1, "stop.ok": 1, "start.fail.alreadyMonitored": 1, "renew.timeout": 1,
                "cluster.nodeCrash": 1,
            ])
    }
}
