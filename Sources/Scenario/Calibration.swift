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
/// And from the staleness the live supervisors' sockets measured (`live.json`), less the push to the console, the
/// nodes' read-model delay, `network.viewDelay`: how late consoles grey a button drives contention.
///
/// Each is kept as an empirical distribution of at most `quantiles` values, evenly spaced quantiles of what was
/// measured, so that its shape (the tail above all) survives and the file stays short. The other parameters of the
/// scenario are left as they are; `cluster.nodes` is set to the number of nodes the live run drove, and
/// `cluster.nodeWorkers` to how many requests a live node works on at once (its database connections), so that the
/// simulated node does not queue requests that the live one served side by side: the node's time as measured holds
/// whatever waiting the live node did.
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
    /// How many requests each live node works on at once.
    public var workers: Int
    /// Evenly spaced quantiles of the staleness the live supervisors' sockets measured (M26), in milliseconds; empty
    /// when the live run measured none.
    public var staleness: [Double] = []

    public init(samples: [Sample], nodes: Int, workers: Int = 1) {
        self.samples = samples
        self.nodes = nodes
        self.workers = workers
    }

    /// How many requests a live node on `store` works on at once: a node over PostgreSQL one per database connection
    /// (8, the nodes' default, which `binoculars load --spawn-nodes` keeps), a node on memory or SQLite one, in
    /// order, as its single writer takes them. A deployment driven with `--target` is taken to run the default.
    public static func workers(store: String) -> Int {
        store == "memory" || store == "sqlite" ? 1 : defaultDatabaseConnections
    }

    /// The nodes' default database connections (`binoculars serve --database-connections`).
    public static let defaultDatabaseConnections = 8

    /// Reads `requests.csv`: the supervisor requests answered by the engine with the node's time known. A line that is
    /// not one is an error naming the file and the line.
    public static func read(requestsCSV text: String, path: String, nodes: Int, workers: Int = 1) throws(CalibrationError) -> Calibration {
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
        return Calibration(samples: samples, nodes: nodes, workers: workers)
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

    /// Each request's client and network time, each way: half of what its response time holds beyond the node's.
    private var hops: [Double] { samples.map { max(0, ($0.responseMilliseconds - $0.nodeMilliseconds) / 2) } }

    /// Each way of the client's and the network's time, as fitted.
    public var hop: Distribution { .empirical(Self.quantiles(hops, count: Self.quantiles).map(Self.rounded)) }

    /// The delay of the nodes' read models, as fitted: the staleness measured, less the push to the console (the
    /// median of a hop), which a simulated console adds; nil when none was measured.
    public var viewDelay: Distribution? {
        guard !staleness.isEmpty else { return nil }
        let sorted = hops.sorted()
        let push = sorted.isEmpty ? 0 : sorted[sorted.count / 2]
        return .empirical(Self.quantiles(staleness.map { max(0, $0 - push) }, count: Self.quantiles).map(Self.rounded))
    }

    /// `configuration` with the measured deployment in place of its modelled one.
    public func calibrated(_ configuration: WorldConfiguration) -> WorldConfiguration {
        var calibrated = configuration
        calibrated.cluster.nodes = max(1, nodes)
        calibrated.cluster.nodeWorkers = max(1, workers)
        calibrated.cluster.nodeServiceMilliseconds = nodeService
        calibrated.cluster.storeHopMilliseconds = .constant(0)
        calibrated.network.supervisor.upMilliseconds = hop
        calibrated.network.supervisor.downMilliseconds = hop
        if let viewDelay { calibrated.network.viewDelayMilliseconds = viewDelay }
        return calibrated
    }

    /// One figure of the live run beside the calibrated simulation's.
    public struct Comparison: Sendable, Hashable {
        public var figure: String
        public var live: Double
        public var simulated: Double
        /// The live figure's 95% confidence interval, for a latency's percentile measured over enough requests.
        public var liveInterval: ClosedRange<Double>? = nil
        /// (simulated − live) / live; nil when the live figure is zero.
        public var gap: Double? { live == 0 ? nil : (simulated - live) / live }
    }

    /// The calibrated scenario simulated over several replications, their latencies pooled: what the model predicts,
    /// with little of one run's sampling noise in it.
    public struct Prediction: Sendable {
        public var replications: Int
        /// Pooled over the replications, after warm-up.
        public var latencyMilliseconds: [String: LatencySummary]
        /// Starts granted, on average per replication.
        public var startsGranted: Double
        /// The share of starts refused `alreadyMonitored`, over all replications.
        public var refusedShare: Double
        /// Whether every replication's invariants and checks held.
        public var held: Bool

        public init(
            replications: Int, latencyMilliseconds: [String: LatencySummary], startsGranted: Double, refusedShare: Double, held: Bool
        ) {
            self.replications = replications
            self.latencyMilliseconds = latencyMilliseconds
            self.startsGranted = startsGranted
            self.refusedShare = refusedShare
            self.held = held
        }
    }

    /// Simulates `configuration` on `replications` consecutive seeds from its own, one after another.
    public static func predict(_ configuration: WorldConfiguration, replications: Int) -> Prediction {
        var latencies: [String: LatencyRecorder] = [:]
        var granted = 0
        var refused = 0
        var held = true
        for replication in 0..<max(1, replications) {
            var replicated = configuration
            replicated.seed = configuration.seed &+ UInt64(replication)
            var world = World(configuration: replicated)
            let summary = world.run().summary
            held = held && summary.invariants.held
            latencies["start", default: LatencyRecorder()].add(world.metrics.startLatency)
            latencies["stop", default: LatencyRecorder()].add(world.metrics.stopLatency)
            latencies["renew", default: LatencyRecorder()].add(world.metrics.renewLatency)
            latencies["staleness", default: LatencyRecorder()].add(world.metrics.staleness)
            granted += summary.outcomes["start.ok.granted", default: 0]
            refused += summary.outcomes["start.fail.alreadyMonitored", default: 0]
        }
        let count = max(1, replications)
        return Prediction(
            replications: count, latencyMilliseconds: latencies.mapValues(\.summary), startsGranted: Double(granted) / Double(count),
            refusedShare: granted + refused == 0 ? 0 : Double(refused) / Double(granted + refused), held: held)
    }

    /// A distribution-free 95% confidence interval of the `percentile` (0…100) of the supervisors' `operation`
    /// response times measured live: the order statistics whose ranks bound the binomial count of requests below
    /// it (normal approximation). Nil when there are too few requests for one.
    public func interval(of operation: String, percentile: Double) -> ClosedRange<Double>? {
        let values = samples.filter { $0.operation == operation }.map(\.responseMilliseconds).sorted()
        let count = Double(values.count)
        let share = percentile / 100
        let spread = 1.96 * (count * share * (1 - share)).squareRoot()
        let lower = Int((count * share - spread).rounded(.down))
        let upper = Int((count * share + spread).rounded(.up))
        guard values.count >= 20, lower >= 0, upper < values.count else { return nil }
        return values[lower]...values[upper]
    }

    /// The start's and the stop's p50 and p99, live and predicted, then the figures of contention beside them (which
    /// are not held to the bound).
    public func compare(live: RunSummary, predicted: Prediction) -> (latencies: [Comparison], others: [Comparison]) {
        var latencies: [Comparison] = []
        for operation in ["start", "stop"] {
            guard let measured = live.latencyMilliseconds[operation], let predicted = predicted.latencyMilliseconds[operation] else { continue }
            latencies.append(
                Comparison(
                    figure: "\(operation) p50 ms", live: measured.p50, simulated: predicted.p50, liveInterval: interval(of: operation, percentile: 50)
                ))
            latencies.append(
                Comparison(
                    figure: "\(operation) p99 ms", live: measured.p99, simulated: predicted.p99, liveInterval: interval(of: operation, percentile: 99)
                ))
        }
        let granted = live.outcomes["start.ok.granted", default: 0]
        let refused = live.outcomes["start.fail.alreadyMonitored", default: 0]
        var others = [
            Comparison(figure: "starts granted", live: Double(granted), simulated: predicted.startsGranted),
            Comparison(
                figure: "share of starts refused alreadyMonitored",
                live: granted + refused == 0 ? 0 : Double(refused) / Double(granted + refused), simulated: predicted.refusedShare),
        ]
        if live.stalenessMilliseconds.count > 0, let simulated = predicted.latencyMilliseconds["staleness"] {
            others.append(Comparison(figure: "staleness p50 ms", live: live.stalenessMilliseconds.p50, simulated: simulated.p50))
            others.append(Comparison(figure: "staleness p99 ms", live: live.stalenessMilliseconds.p99, simulated: simulated.p99))
        }
        return (latencies, others)
    }
}

public struct CalibrationError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
