import Foundation
import MonitoringEngine
import Simulation

/// Fits what a live run measured (`requests.csv` of `binoculars load`) into a scenario's simulated deployment, so that
/// a simulation of the calibrated scenario predicts the live run's latencies.
///
/// From each supervisor request answered by the engine (a start, a stop or a renewal) it takes two figures:
/// - the node's own time on it (its `Server-Timing`), which becomes `cluster.nodeService` — the node's work and the
///   store's, which the node's timing cannot tell apart; `cluster.storeHop` is set to zero so that the store's time is
///   not counted twice;
/// - the rest of its response time, from when it was due to its answer, split evenly between the way there and the
///   way back, which becomes `network.supervisor.up` and `down`: the client's and the network's time, the driver's
///   wait to send included.
///
/// Each is kept as an empirical distribution of at most `quantiles` values, evenly spaced quantiles of what was
/// measured, so that its shape (the tail above all) survives and the file stays short. The other parameters of the
/// scenario are left as they are; `cluster.nodes` is set to the number of nodes the live run drove.
public struct Calibration: Sendable {
    /// One supervisor request of a live run.
    public struct Sample: Sendable, Hashable {
        public var operation: String
        public var responseMilliseconds: Double
        public var nodeMilliseconds: Double

        public init(operation: String, responseMilliseconds: Double, nodeMilliseconds: Double) {
            self.operation = operation
            self.responseMilliseconds = responseMilliseconds
            self.nodeMilliseconds = nodeMilliseconds
        }
    }

    public static let supervisorOperations: Set<String> = ["start", "stop", "renew"]
    public static let quantiles = 200

    public var samples: [Sample]
    /// How many nodes the live run drove.
    public var nodes: Int

    public init(samples: [Sample], nodes: Int) {
        self.samples = samples
        self.nodes = nodes
    }

    /// Reads `requests.csv`: the supervisor requests answered by the engine with the node's time known. A line that is
    /// not one is an error naming the file and the line.
    public static func read(requestsCSV text: String, path: String, nodes: Int) throws(CalibrationError) -> Calibration {
        var samples: [Sample] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let header = lines.first, header == "operation,node,due_ms,sent_ms,answered_ms,node_ms,answered_by_engine" else {
            throw CalibrationError("\(path):1:1: expected the header of a live run's requests.csv")
        }
        for (index, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 7, let due = Double(fields[2]), let answered = Double(fields[4]), fields[6] == "true" || fields[6] == "false"
            else { throw CalibrationError("\(path):\(index + 1):1: expected operation,node,due_ms,sent_ms,answered_ms,node_ms,answered_by_engine") }
            let operation = String(fields[0])
            guard supervisorOperations.contains(operation), fields[6] == "true", let node = Double(fields[5]) else { continue }
            samples.append(Sample(operation: operation, responseMilliseconds: answered - due, nodeMilliseconds: node))
        }
        guard !samples.isEmpty else {
            throw CalibrationError("\(path): no supervisor request answered by the engine with the node's Server-Timing; nothing to fit")
        }
        return Calibration(samples: samples, nodes: nodes)
    }

    /// At most `count` evenly spaced quantiles of `values` (all of them, sorted, when there are fewer).
    static func quantiles(_ values: [Double], count: Int) -> [Double] {
        let sorted = values.sorted()
        guard sorted.count > count else { return sorted }
        return (0..<count).map { index in
            let position = (Double(index) + 0.5) / Double(count) * Double(sorted.count - 1)
            let lower = Int(position.rounded(.down))
            let upper = min(lower + 1, sorted.count - 1)
            let fraction = position - Double(lower)
            return sorted[lower] + (sorted[upper] - sorted[lower]) * fraction
        }
    }

    static func rounded(_ value: Double) -> Double { (value * 1_000).rounded() / 1_000 }

    /// The node's time, as fitted.
    public var nodeService: Distribution {
        .empirical(Self.quantiles(samples.map(\.nodeMilliseconds), count: Self.quantiles).map(Self.rounded))
    }

    /// Each way of the client's and the network's time, as fitted.
    public var hop: Distribution {
        .empirical(
            Self.quantiles(samples.map { max(0, ($0.responseMilliseconds - $0.nodeMilliseconds) / 2) }, count: Self.quantiles).map(Self.rounded))
    }

    /// `configuration` with the measured deployment in place of its modelled one.
    public func calibrated(_ configuration: WorldConfiguration) -> WorldConfiguration {
        var calibrated = configuration
        calibrated.cluster.nodes = max(1, nodes)
        calibrated.cluster.nodeServiceMilliseconds = nodeService
        calibrated.cluster.storeHopMilliseconds = .constant(0)
        calibrated.network.supervisor.upMilliseconds = hop
        calibrated.network.supervisor.downMilliseconds = hop
        return calibrated
    }

    /// One figure of the live run beside the calibrated simulation's.
    public struct Comparison: Sendable, Hashable {
        public var figure: String
        public var live: Double
        public var simulated: Double
        /// (simulated − live) / live; nil when the live figure is zero.
        public var gap: Double? { live == 0 ? nil : (simulated - live) / live }
    }

    /// The start's and the stop's p50 and p99, live and simulated, then the figures of contention beside them (which
    /// are not held to the bound).
    public static func compare(live: RunSummary, simulated: RunSummary) -> (latencies: [Comparison], others: [Comparison]) {
        var latencies: [Comparison] = []
        for operation in ["start", "stop"] {
            guard let measured = live.latencyMilliseconds[operation], let predicted = simulated.latencyMilliseconds[operation] else { continue }
            latencies.append(Comparison(figure: "\(operation) p50 ms", live: measured.p50, simulated: predicted.p50))
            latencies.append(Comparison(figure: "\(operation) p99 ms", live: measured.p99, simulated: predicted.p99))
        }
        func share(_ summary: RunSummary) -> Double {
            let granted = summary.outcomes["start.ok.granted", default: 0]
            let refused = summary.outcomes["start.fail.alreadyMonitored", default: 0]
            return granted + refused == 0 ? 0 : Double(refused) / Double(granted + refused)
        }
        let others = [
            Comparison(
                figure: "starts granted", live: Double(live.outcomes["start.ok.granted", default: 0]),
                simulated: Double(simulated.outcomes["start.ok.granted", default: 0])),
            Comparison(figure: "share of starts refused alreadyMonitored", live: share(live), simulated: share(simulated)),
        ]
        return (latencies, others)
    }
}

public struct CalibrationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
