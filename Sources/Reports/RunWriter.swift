import Foundation
import MonitoringEngine
import Scenario
import Simulation

/// Writes a run's files into its directory: the deterministic `summary.json`, `history.jsonl`, `series.csv`,
/// `latency-distribution.csv`, `run.json`, `scenario.yaml` and `report.md`, and the wall-clock `timing.json`.
public enum RunWriter {
    /// Writes every file of one run into `directory`.
    public static func write(
        _ result: RunResult, expectations: [ExpectationOutcome], info: RunInfo, scenarioYAML: String, to directory: OutputDirectory
    ) throws {
        try directory.write(encode(result.summary), to: "summary.json")
        try directory.write(encode(result.timing), to: "timing.json")
        try directory.write(encode(info), to: RunInfo.fileName)
        try directory.write(Data(scenarioYAML.utf8), to: "scenario.yaml")
        try directory.write(historyLines(result.history), to: "history.jsonl")
        try directory.write(Data(seriesCSV(result.intervals).utf8), to: "series.csv")
        try directory.write(Data(distributionCSV(result.latencyDistribution).utf8), to: "latency-distribution.csv")
        try directory.write(Data(MarkdownReport.render(result, expectations: expectations, command: info.command).utf8), to: "report.md")
    }

    /// Pretty JSON with sorted keys, so equal values give equal bytes.
    public static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        var data = try encoder.encode(value)
        data.append(0x0A)
        return data
    }

    /// One JSON object per operation, in the Jepsen/Knossos/Porcupine convention.
    public static func historyLines(_ history: History) -> Data {
        var text = ""
        text.reserveCapacity(history.operations.count * 120)
        for operation in history.operations {
            text += "{\"index\":\(operation.index),\"time\":\(operation.time.nanoseconds),\"process\":\(operation.process),"
            text += "\"type\":\"\(operation.type.rawValue)\",\"f\":\"\(operation.function.rawValue)\",\"value\":{"
            text += "\"request\":\(operation.request),\"conversation\":\(operation.conversation.rawValue)"
            if let supervisor = operation.supervisor { text += ",\"supervisor\":\(supervisor)" }
            if let token = operation.token { text += ",\"session\":\(token)" }
            if let agent = operation.agent { text += ",\"agent\":\(agent.rawValue)" }
            if let reason = operation.reason { text += ",\"reason\":\"\(reason)\"" }
            text += "}}\n"
        }
        if history.droppedCount > 0 {
            text += "{\"truncated\":true,\"dropped\":\(history.droppedCount)}\n"
        }
        return Data(text.utf8)
    }

    /// The operations whose latency `series.csv` and `latency-distribution.csv` give, in column order.
    public static let latencyOperations = ["start", "stop", "renew", "staleness"]
    static let latencyStatistics = ["count", "p50_ms", "p90_ms", "p99_ms", "p999_ms", "max_ms"]

    public static let seriesColumns =
        [
            "interval_start_s", "offered", "offered_at_once", "answered", "answered_within_threshold", "abandoned",
            "abandoned_short", "service_level", "service_level_of_answered", "probability_of_waiting", "asa_s",
            "abandonment_rate", "occupancy", "monitor_attempts", "monitor_grants", "refused_already_monitored",
            "monitored_s", "concurrent_monitored_max", "engine_commands", "node_requests",
        ] + latencyOperations.flatMap { operation in latencyStatistics.map { "\(operation)_\($0)" } }

    /// Per-interval metrics, one row per reporting interval after warm-up; a ratio with nothing to be over is an
    /// empty cell.
    public static func seriesCSV(_ intervals: [IntervalMetrics]) -> String {
        var lines = [seriesColumns.joined(separator: ",")]
        for interval in intervals {
            let customers = interval.customers
            let fields: [String] = [
                format(interval.startSeconds), "\(customers.offered)", "\(customers.offeredAtOnce)", "\(customers.answered)",
                "\(customers.answeredWithinThreshold)", "\(customers.abandoned)", "\(customers.abandonedShort)",
                format(customers.serviceLevel), format(customers.serviceLevelOfAnswered), format(customers.probabilityOfWaiting),
                format(customers.averageSpeedOfAnswerSeconds), format(customers.abandonmentRate), format(interval.occupancy),
                "\(interval.monitorAttempts)",
                "\(interval.monitorGrants)", "\(interval.monitorRefusedAlreadyMonitored)", format(interval.monitoredSeconds),
                "\(interval.concurrentMonitoredMaximum)", "\(interval.engineCommands)", "\(interval.nodeRequests)",
            ]
            let latency = interval.latency.map { [$0.start, $0.stop, $0.renew, $0.staleness] }
            let latencyFields = (latency ?? []).flatMap { summary in
                ["\(summary.count)", format(summary.p50), format(summary.p90), format(summary.p99), format(summary.p999), format(summary.max)]
            }
            lines.append((fields + latencyFields).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Each operation's latency at a ladder of percentiles: `operation,percentile,milliseconds`.
    public static func distributionCSV(_ distribution: [String: [LatencyPoint]]) -> String {
        var lines = ["operation,percentile,milliseconds"]
        for operation in latencyOperations {
            for point in distribution[operation] ?? [] {
                lines.append("\(operation),\(format(point.percentile)),\(format(point.milliseconds))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A ratio as `format` writes it, or an empty string when it is absent.
    public static func format(_ value: Double?) -> String { value.map(format) ?? "" }

    /// A number with at most six decimals and no exponent, identical on every run.
    public static func format(_ value: Double) -> String {
        let scaled = (value * 1e6).rounded()
        let integer = Int64(scaled)
        let sign = integer < 0 ? "-" : ""
        let magnitude = integer.magnitude
        let fraction = magnitude % 1_000_000
        guard fraction != 0 else { return sign + String(magnitude / 1_000_000) }
        var digits = String(fraction)
        digits = String(repeating: "0", count: 6 - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return sign + String(magnitude / 1_000_000) + "." + digits
    }
}

/// What a run was, for the report that reads it later: `run.json`.
public struct RunInfo: Sendable, Hashable, Codable {
    public static let fileName = "run.json"

    public var scenario: String
    /// The scenario file the run came from.
    public var source: String
    public var seed: UInt64
    /// The sweep's values for this run; nil outside a sweep.
    public var variant: Variant?
    /// The command that reproduces this run.
    public var command: String

    public init(scenario: String, source: String, seed: UInt64, variant: Variant?, command: String) {
        self.scenario = scenario
        self.source = source
        self.seed = seed
        self.variant = variant
        self.command = command
    }
}

/// Whether one `expect:` threshold held, in plain words.
public struct ExpectationOutcome: Sendable, Hashable, Codable {
    public var held: Bool
    public var message: String

    public init(held: Bool, message: String) {
        self.held = held
        self.message = message
    }
}
