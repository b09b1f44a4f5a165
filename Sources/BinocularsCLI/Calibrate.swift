import ArgumentParser
import Foundation
import MonitoringEngine
import Reports
import Scenario
import Simulation

/// `binoculars calibrate LIVE_RUN`: fits what a live run measured into the scenario's simulated deployment, writes the
/// calibrated scenario, simulates it, and sets its latencies beside the live run's.
struct Calibrate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Calibrate a scenario's simulated deployment from a live run, and compare the two.",
        discussion: """
            LIVE_RUN is the directory binoculars load wrote (<out>/<scenario>/live/<seed>/). From its requests.csv, \
            the node's own time on each supervisor request becomes cluster.nodeService and the rest of its response \
            time, split evenly each way, network.supervisor.up and down, as empirical distributions; cluster.storeHop \
            becomes 0 (the node's time holds the store's), and cluster.nodeWorkers the requests a live node works on \
            at once (--node-workers; by default its database connections over PostgreSQL, one on memory or SQLite). \
            The calibrated scenario is written to --out (default LIVE_RUN/calibrated.yaml) and simulated over \
            --replications seeds from the live run's, their latencies pooled; the predicted start and stop p50 and \
            p99 are printed beside the live run's, with the gap and the live figure's 95% interval, and written to \
            LIVE_RUN/calibration.md. Exit status: 0 every gap within --tolerance, 1 one past it, 2 bad input.
            """)

    @Argument(help: "The live run's directory, as binoculars load wrote it.")
    var liveRun: String

    @Option(help: "The scenario to calibrate (default: the live run's own scenario.yaml, with its overrides).")
    var scenario: String?

    @Option(help: "Where to write the calibrated scenario (default: LIVE_RUN/calibrated.yaml).")
    var out: String?

    @Option(help: "The largest relative gap allowed between a live and a simulated p50 or p99.")
    var tolerance = 0.25

    @Option(help: "Replications of the calibrated scenario, on consecutive seeds from the live run's, pooled into the prediction.")
    var replications = 20

    @Option(help: "Requests a live node works on at once (default: from the live run's store).")
    var nodeWorkers: Int?

    func validate() throws {
        guard tolerance > 0, tolerance < 10 else { throw ValidationError("--tolerance must be above 0, e.g. 0.25 for 25%") }
        guard (1...1_000).contains(replications) else { throw ValidationError("--replications must be from 1 to 1000") }
        if let nodeWorkers, !(1...1_024).contains(nodeWorkers) { throw ValidationError("--node-workers must be from 1 to 1024") }
    }

    func run() throws {
        let directory = URL(fileURLWithPath: liveRun)
        func fail(_ message: String) -> ExitCode {
            StandardError.write("binoculars calibrate: \(message)\n")
            return ExitCode(2)
        }
        let requestsPath = directory.appendingPathComponent("requests.csv").path
        let summaryPath = directory.appendingPathComponent("summary.json").path
        let livePath = directory.appendingPathComponent("live.json").path
        guard let requests = FileManager.default.contents(atPath: requestsPath) else {
            throw fail("\(requestsPath): no such file; give the directory binoculars load wrote")
        }
        guard let summaryData = FileManager.default.contents(atPath: summaryPath),
            let live = try? JSONDecoder().decode(RunSummary.self, from: summaryData)
        else { throw fail("\(summaryPath): not a run's summary.json") }
        struct LiveNodes: Decodable {
            var nodes: [String]
            var store: String
            var stalenessQuantilesMilliseconds: [Double]?
        }
        guard let liveData = FileManager.default.contents(atPath: livePath), let nodes = try? JSONDecoder().decode(LiveNodes.self, from: liveData)
        else { throw fail("\(livePath): not a live run's live.json") }
        var calibration: Calibration
        let base: Scenario
        do {
            calibration = try Calibration.read(
                requestsCSV: String(decoding: requests, as: UTF8.self), path: requestsPath, nodes: nodes.nodes.count,
                workers: nodeWorkers ?? Calibration.workers(store: nodes.store))
            base = try ScenarioLoader.load(path: scenario ?? directory.appendingPathComponent("scenario.yaml").path)
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        calibration.staleness = nodes.stalenessQuantilesMilliseconds ?? []
        var configuration = calibration.calibrated(base.configuration)
        configuration.seed = live.seed
        let target = out ?? directory.appendingPathComponent("calibrated.yaml").path
        let yaml = ScenarioWriter.yaml(
            configuration,
            header: [
                "Calibrated by `binoculars calibrate \(liveRun)` from \(calibration.samples.count) supervisor requests of a live run on \(nodes.nodes.count) node\(nodes.nodes.count == 1 ? "" : "s"):",
                "cluster.nodeService is the node's own time (Server-Timing), network.supervisor.up and down each half of the rest,",
                "cluster.nodeWorkers the requests a live node works on at once, network.viewDelay the staleness the live sockets measured.",
            ])
        do {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: target))
        } catch {
            throw fail("could not write \(target): \(error)")
        }
        let predicted = Calibration.predict(configuration, replications: replications)
        let (latencies, others) = calibration.compare(live: live.self, predicted: predicted)
        guard !latencies.isEmpty else { throw fail("the live run has no start or stop latencies to compare") }
        func percent(_ gap: Double?) -> String { gap.map { String(format: "%+.0f%%", $0 * 100) } ?? "–" }
        func interval(_ row: Calibration.Comparison) -> String {
            row.liveInterval.map { "\(RunWriter.format($0.lowerBound))–\(RunWriter.format($0.upperBound))" } ?? ""
        }
        let last = live.seed &+ UInt64(predicted.replications - 1)
        var lines = [
            "# Calibration of \(live.scenario), seed \(live.seed)", "",
            "The live run (`\(liveRun)`) beside the prediction of the scenario calibrated from it (`\(target)`): "
                + (predicted.replications == 1
                    ? "one simulation on the same seed."
                    : "\(predicted.replications) simulations on seeds \(live.seed)…\(last), their latencies pooled."),
            "Latencies are response times, from when each request was due. The bound: every gap within ±\(Int((tolerance * 100).rounded()))%.",
            "The live figure's 95% interval (order statistics of requests.csv) shows how much of a gap one live run's sampling can make.",
            "",
            "| Figure | Live | Live 95% interval | Simulated | Gap |", "|---|---|---|---|---|",
        ]
        for row in latencies {
            lines.append(
                "| \(row.figure) | \(RunWriter.format(row.live)) | \(interval(row)) | \(RunWriter.format(row.simulated)) | \(percent(row.gap)) |")
        }
        for row in others {
            lines.append("| \(row.figure) | \(RunWriter.format(row.live)) | | \(RunWriter.format(row.simulated)) | \(percent(row.gap)) |")
        }
        if !predicted.held { lines += ["", "A simulation of the calibrated scenario broke an invariant: see `binoculars run \(target)`."] }
        let past = latencies.filter { ($0.gap.map(abs) ?? 0) > tolerance }
        lines.append("")
        lines.append(
            past.isEmpty
                ? "Every latency within the bound."
                : "Past the bound: " + past.map { "\($0.figure) (\(percent($0.gap)))" }.joined(separator: ", ") + ".")
        let report = lines.joined(separator: "\n") + "\n"
        try? Data(report.utf8).write(to: directory.appendingPathComponent("calibration.md"))
        print(report, terminator: "")
        print("calibrated scenario: \(target)")
        if !past.isEmpty { throw ExitCode(1) }
    }
}
