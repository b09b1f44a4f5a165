import Simulation

/// `report.md`: a run's figures as tables a person reads.
public enum MarkdownReport {
    public static func render(_ result: RunResult, expectations: [ExpectationOutcome], command: String) -> String {
        let summary = result.summary
        var lines = [
            "# \(summary.scenario), seed \(summary.seed)", "",
            "Reproduce: `\(command)`", "",
            "Simulated \(RunWriter.format(summary.simulatedSeconds)) s (warm-up \(RunWriter.format(summary.warmUpSeconds)) s), "
                + "\(summary.events) events, \(summary.engineCommands) engine commands, \(summary.conversations) conversations, "
                + "\(summary.agents) agents, \(summary.supervisors) supervisors. Stopped: \(summary.stopReason).", "",
            "## Correctness", "",
            summary.invariants.held
                ? "Every invariant held (engine checks after every command, and the outside lock observer)."
                : "**Invariants broken**: \(summary.invariants.engineViolations) engine, \(summary.invariants.observerViolations) observer.",
        ]
        lines += summary.invariants.examples.map { "- \($0)" }
        lines += [
            "", "## Latency seen by supervisors (ms, virtual time)", "", "| operation | count | p50 | p90 | p99 | p99.9 | max |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for name in ["start", "stop", "renew"] {
            guard let latency = summary.latencyMilliseconds[name] else { continue }
            lines.append(
                "| \(name) | \(latency.count) | \(RunWriter.format(latency.p50)) | \(RunWriter.format(latency.p90)) | \(RunWriter.format(latency.p99)) | \(RunWriter.format(latency.p999)) | \(RunWriter.format(latency.max)) |"
            )
        }
        let staleness = summary.stalenessMilliseconds
        lines.append(
            "| staleness (M26) | \(staleness.count) | \(RunWriter.format(staleness.p50)) | \(RunWriter.format(staleness.p90)) | \(RunWriter.format(staleness.p99)) | \(RunWriter.format(staleness.p999)) | \(RunWriter.format(staleness.max)) |"
        )
        lines += [
            "", "## Outcomes", "", "Requests answered and sessions ended after warm-up (`history.jsonl` holds the whole run).", "",
            "| outcome | count |", "|---|---:|",
        ]
        lines += summary.outcomes.sorted { $0.key < $1.key }.map { "| \($0.key) | \($0.value) |" }
        lines += [
            "", "Session ends by reason: " + summary.endsByReason.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
        ]
        lines += ["", "Contention rate (alreadyMonitored / start attempts): \(RunWriter.format(summary.contentionRate))"]
        let kpis = summary.kpis
        lines += [
            "", "## Contact centre", "",
            "Customers who arrived after warm-up; a ratio with nothing to be over is shown as –.", "",
            "| offered | answered | abandoned | service level (\(RunWriter.format(kpis.serviceLevelThresholdSeconds)) s) | P(wait) | ASA (s) | abandonment | occupancy | max concurrent monitored |",
            "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
            "| \(kpis.offered) | \(kpis.answered) | \(kpis.abandoned) | \(ratio(kpis.serviceLevel)) | \(ratio(kpis.probabilityOfWaiting)) | \(ratio(kpis.averageSpeedOfAnswerSeconds)) | \(ratio(kpis.abandonmentRate)) | \(ratio(kpis.occupancy)) | \(kpis.concurrentMonitoredMaximum) |",
        ]
        if !expectations.isEmpty {
            lines += ["", "## Expectations", ""]
            lines += expectations.map { "- \($0.held ? "held" : "**failed**"): \($0.message)" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func ratio(_ value: Double?) -> String { value.map(RunWriter.format) ?? "–" }
}
