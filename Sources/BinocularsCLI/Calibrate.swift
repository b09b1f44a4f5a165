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
            becomes 0 (the node's time holds the store's). The calibrated scenario is written to --out \
            (default LIVE_RUN/calibrated.yaml), simulated with the live run's seed, and its start and stop p50 and \
            p99 are printed beside the live run's, with the gap, and written to LIVE_RUN/calibration.md. Exit \
            status: 0 every gap within --tolerance, 1 one past it, 2 bad input.
            """)

    @Argument(help: "The live run's directory, as binoculars load wrote it.")
    var liveRun: String

    @Option(help: "The scenario to calibrate (default: the live run's own scenario.yaml, with its overrides).")
    var scenario: String?

    @Option(help: "Where to write the calibrated scenario (default: LIVE_RUN/calibrated.yaml).")
    var out: String?

    @Option(help: "The largest relative gap allowed between a live and a simulated p50 or p99.")
    var tolerance = 0.25

    func validate() throws {
        guard tolerance > 0, tolerance < 10 else { throw ValidationError("--tolerance must be above 0, e.g. 0.25 for 25%") }
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
        struct LiveNodes: Decodable { var nodes: [String] }
        guard let liveData = FileManager.default.contents(atPath: livePath), let nodes = try? JSONDecoder().decode(LiveNodes.self, from: liveData)
        else { throw fail("\(livePath): not a live run's live.json") }
        let calibration: Calibration
        let base: Scenario
        do {
            calibration = try Calibration.read(
                requestsCSV: String(decoding: requests, as: UTF8.self), path: requestsPath, nodes: nodes.nodes.count)
            base = try ScenarioLoader.load(path: scenario ?? directory.appendingPathComponent("scenario.yaml").path)
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        var configuration = calibration.calibrated(base.configuration)
        configuration.seed = live.seed
        let target = out ?? directory.appendingPathComponent("calibrated.yaml").path
        let yaml = ScenarioWriter.yaml(
            configuration,
            header: [
                "Calibrated by `binoculars calibrate \(liveRun)` from \(calibration.samples.count) supervisor requests of a live run on \(nodes.nodes.count) node\(nodes.nodes.count == 1 ? "" : "s"):",
                "cluster.nodeService is the node's own time (Server-Timing), network.supervisor.up and down each half of the rest.",
            ])
        do {
            try Data(yaml.utf8).write(to: URL(fileURLWithPath: target))
        } catch {
            throw fail("could not write \(target): \(error)")
        }
        var world = World(configuration: configuration)
        let simulated = world.run().summary
        let (latencies, others) = Calibration.compare(live: live.self, simulated: simulated)
        guard !latencies.isEmpty else { throw fail("the live run has no start or stop latencies to compare") }
        func percent(_ gap: Double?) -> String { gap.map { String(format: "%+.0f%%", $0 * 100) } ?? "–" }
        var lines = [
            "# Calibration of \(live.scenario), seed \(live.seed)", "",
            "The live run (`\(liveRun)`) beside a simulation of the scenario calibrated from it (`\(target)`), on the same seed.",
            "Latencies are response times, from when each request was due. The bound: every gap within ±\(Int((tolerance * 100).rounded()))%.", "",
            "| Figure | Live | Simulated | Gap |", "|---|---|---|---|",
        ]
        for row in latencies + others {
            lines.append("| \(row.figure) | \(RunWriter.format(row.live)) | \(RunWriter.format(row.simulated)) | \(percent(row.gap)) |")
        }
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
