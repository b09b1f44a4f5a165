import Foundation
import Scenario
import Simulation

/// One key figure of a run, read from its files.
struct KeyFigure: Sendable {
    var name: String
    var unit: String
    /// The `expect:` path that reads the same figure, when there is one.
    var path: String?
    var read: @Sendable (RunRecord) -> Double?

    /// The figure and its unit as a chart's axis names them, short enough to fit beside the plot.
    var axisLabel: String {
        let text = unit.isEmpty ? name : "\(name) (\(unit))"
        return text.count > 38 ? String(text.prefix(37)) + "…" : text
    }

    static func latency(_ operation: String, _ label: String, _ percentile: String, _ value: @escaping @Sendable (LatencySummary) -> Double)
        -> KeyFigure
    {
        KeyFigure(name: "\(label) \(percentile)", unit: "ms", path: "latencyMilliseconds.\(operation).\(percentile)") { record in
            record.summary.latencyMilliseconds[operation].map(value)
        }
    }

    /// Hours after warm-up, over which counts become rates.
    static func measuredHours(_ record: RunRecord) -> Double {
        max(record.summary.simulatedSeconds - record.summary.warmUpSeconds, 1) / 3_600
    }

    // The figures other parts of the report name directly, so that renaming one cannot silently drop it there.
    static let startP99 = latency("start", "start monitoring", "p99", \.p99)
    static let stalenessP99 = KeyFigure(name: "monitored-by staleness p99", unit: "ms", path: "stalenessMilliseconds.p99") {
        $0.summary.stalenessMilliseconds.p99
    }
    static let contention = KeyFigure(name: "contention", unit: "share of starts refused", path: "contentionRate") { $0.summary.contentionRate }
    static let serviceLevel = KeyFigure(name: "service level", unit: "share of offered", path: "kpis.serviceLevel") { $0.summary.kpis.serviceLevel }
    static let engineCommands = KeyFigure(name: "engine (store) commands", unit: "per simulated s", path: nil) {
        Double($0.summary.engineCommands) / max($0.summary.simulatedSeconds, 1)
    }
    static let nodeRequests = KeyFigure(name: "node requests", unit: "per simulated s", path: nil) { record in
        guard let requests = record.series.column("node_requests") else { return nil }
        return requests.reduce(0, +) / (measuredHours(record) * 3_600)
    }
    static let cpuPerCommand = KeyFigure(name: "CPU per engine command", unit: "ns", path: nil) { $0.timing?.engineNanosecondsPerCommand }
    static let wallTime = KeyFigure(name: "wall time of the run", unit: "s", path: nil) { $0.timing?.wallSeconds }
    static let eventsPerSecond = KeyFigure(name: "simulated events", unit: "per wall s", path: nil) { $0.timing?.eventsPerSecond }
    static let peakMemory = KeyFigure(name: "peak memory", unit: "MiB", path: nil) { record in
        record.timing.map { Double($0.peakResidentBytes) / 1_048_576 }
    }

    /// The sweep's headline figures, charted whether or not `expect:` bounds them.
    static let headline = [startP99, contention, stalenessP99, serviceLevel]
    /// The load the simulated deployment put on the engine: deterministic, like every figure of `all`.
    static let load = [engineCommands, nodeRequests]
    /// What simulating cost on the machine that ran it (`timing.json`): differs from run to run, so it is kept out
    /// of the report's deterministic files, in `timing.md`, `timing.json` and `tables/timing.csv`.
    static let wallClock = [cpuPerCommand, wallTime, eventsPerSecond, peakMemory]

    static let all: [KeyFigure] =
        [
            latency("start", "start monitoring", "p50", \.p50),
            latency("start", "start monitoring", "p90", \.p90),
            startP99,
            latency("start", "start monitoring", "p999", \.p999),
            latency("start", "start monitoring", "max", \.max),
            latency("stop", "stop monitoring", "p99", \.p99),
            latency("renew", "lease renewal", "p99", \.p99),
            KeyFigure(name: "monitored-by staleness p50", unit: "ms", path: "stalenessMilliseconds.p50") { $0.summary.stalenessMilliseconds.p50 },
            stalenessP99,
            KeyFigure(name: "monitoring grants", unit: "per hour", path: nil) {
                Double($0.summary.outcomes["start.ok.granted", default: 0]) / measuredHours($0)
            },
            contention,
            KeyFigure(name: "concurrently monitored, max", unit: "conversations", path: "kpis.concurrentMonitoredMaximum") {
                Double($0.summary.kpis.concurrentMonitoredMaximum)
            },
            KeyFigure(name: "offered load", unit: "customers per hour", path: nil) { Double($0.summary.kpis.offered) / measuredHours($0) },
            serviceLevel,
            KeyFigure(name: "probability of waiting", unit: "share of offered", path: "kpis.probabilityOfWaiting") {
                $0.summary.kpis.probabilityOfWaiting
            },
            KeyFigure(name: "average speed of answer", unit: "s", path: "kpis.averageSpeedOfAnswerSeconds") {
                $0.summary.kpis.averageSpeedOfAnswerSeconds
            },
            KeyFigure(name: "abandonment", unit: "share of offered", path: "kpis.abandonmentRate") { $0.summary.kpis.abandonmentRate },
            KeyFigure(name: "occupancy", unit: "share of capacity", path: "kpis.occupancy") { $0.summary.kpis.occupancy },
        ] + load
}

/// A column of `series.csv` shown over the day.
struct SeriesFigure: Sendable {
    var title: String
    var unit: String
    /// The value of one interval of one run; `row` holds the run's `series.csv` columns by name.
    var value: @Sendable (_ row: [String: Double], _ intervalSeconds: Double) -> Double?
    var yMaximum: Double?
    /// The figure as the y axis names it, when the title is too long for it.
    var yShort: String?

    var yLabel: String { "\(yShort ?? title.lowercased()) (\(unit))" }

    static func column(_ name: String) -> @Sendable ([String: Double], Double) -> Double? { { row, _ in row[name] } }

    static func perSecond(_ name: String) -> @Sendable ([String: Double], Double) -> Double? {
        { row, seconds in row[name].map { $0 / max(seconds, 1) } }
    }

    static let kpis: [SeriesFigure] = [
        SeriesFigure(
            title: "Offered load", unit: "customers per hour", value: { row, seconds in row["offered"].map { $0 * 3_600 / max(seconds, 1) } }),
        SeriesFigure(title: "Service level", unit: "share of offered", value: column("service_level"), yMaximum: 1),
        SeriesFigure(title: "Probability of waiting", unit: "share of offered", value: column("probability_of_waiting"), yMaximum: 1),
        SeriesFigure(title: "Average speed of answer", unit: "s", value: column("asa_s")),
        SeriesFigure(title: "Abandonment", unit: "share of offered", value: column("abandonment_rate")),
        SeriesFigure(title: "Occupancy", unit: "share of capacity", value: column("occupancy"), yMaximum: 1),
        SeriesFigure(
            title: "Concurrent monitored conversations (max)", unit: "conversations", value: column("concurrent_monitored_max"),
            yShort: "monitored (max)"),
    ]

    static let contention = SeriesFigure(title: "Contention", unit: "already monitored ÷ start attempts") { row, _ in
        guard let attempts = row["monitor_attempts"], attempts > 0 else { return nil }
        return (row["refused_already_monitored"] ?? 0) / attempts
    }

    static let load: [SeriesFigure] = [
        SeriesFigure(title: "Engine (store) commands", unit: "per simulated s", value: perSecond("engine_commands")),
        SeriesFigure(title: "Requests at the engine nodes", unit: "per simulated s", value: perSecond("node_requests")),
    ]
}

extension Array where Element == RunRecord {
    /// The figure in each run that has it.
    func values(_ figure: KeyFigure) -> [Double] { compactMap(figure.read) }

    /// Per interval (by position), the estimate across runs of `value`; the x of each point is the interval's start.
    func intervalSeries(_ value: ([String: Double], Double) -> Double?) -> [ChartPoint] {
        guard let first = first else { return [] }
        let intervalSeconds = first.scenario.configuration.reportingInterval.seconds
        let count = map(\.series.rows.count).max() ?? 0
        var points: [ChartPoint] = []
        for index in 0..<count {
            var samples: [Double] = []
            var start: Double?
            for record in self where index < record.series.rows.count {
                let row = Dictionary(uniqueKeysWithValues: zip(record.series.columns, record.series.rows[index]))
                start = start ?? row["interval_start_s"]
                if let sample = value(row, intervalSeconds), sample.isFinite { samples.append(sample) }
            }
            guard let start, !samples.isEmpty else { continue }
            let estimate = Estimate(samples)
            points.append(
                ChartPoint(
                    x: start, y: estimate.mean, low: estimate.replications > 1 ? estimate.low : nil,
                    high: estimate.replications > 1 ? estimate.high : nil))
        }
        return points
    }

    /// Per percentile of the ladder, the mean latency across runs of one operation.
    func distribution(_ operation: String) -> [ChartPoint] {
        var byPercentile: [Double: [Double]] = [:]
        for record in self {
            for point in record.distribution[operation] ?? [] where point.percentile < 100 {
                byPercentile[point.percentile, default: []].append(point.milliseconds)
            }
        }
        return byPercentile.keys.sorted().map { percentile in
            let estimate = Estimate(byPercentile[percentile] ?? [])
            return ChartPoint(x: percentile, y: estimate.mean)
        }
    }
}

/// Numbers as the report writes them: three significant digits, thousands grouped.
enum Figures {
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        let magnitude = abs(value)
        if magnitude == 0 { return "0" }
        if magnitude >= 1_000 { return grouped(Int64(value.rounded())) }
        if value == value.rounded(), magnitude < 1e15 { return String(Int64(value)) }
        if magnitude >= 100 { return String(format: "%.0f", value) }
        if magnitude >= 10 { return String(format: "%.1f", value) }
        if magnitude >= 1 { return String(format: "%.2f", value) }
        return String(format: "%.3f", value)
    }

    static func grouped(_ value: Int64) -> String {
        let digits = String(value.magnitude)
        var result = ""
        for (offset, character) in digits.enumerated() {
            if offset > 0, (digits.count - offset) % 3 == 0 { result += "," }
            result.append(character)
        }
        return (value < 0 ? "-" : "") + result
    }

    /// `640 ± 12` or, for one replication, `640`.
    /// `1 run`, `5 runs`: a count and its noun, plural only when it should be.
    static func count(_ count: Int, _ noun: String) -> String { "\(grouped(Int64(count))) \(noun)\(count == 1 ? "" : "s")" }

    static func estimate(_ estimate: Estimate) -> String {
        guard estimate.replications > 0 else { return "–" }
        guard estimate.replications > 1 else { return number(estimate.mean) }
        return number(estimate.mean) + " ± " + number(estimate.halfWidth)
    }
}
