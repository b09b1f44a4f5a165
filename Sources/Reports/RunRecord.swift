import Foundation
import Scenario
import Simulation

/// One run's results as read back from its directory, for a report over many runs.
public struct RunRecord: Sendable {
    public var directory: String
    public var info: RunInfo
    public var summary: RunSummary
    /// Nil when `timing.json` is missing (it is not needed for anything but the cost figures).
    public var timing: RunTiming?
    /// `series.csv`, by column.
    public var series: NumericTable
    /// `latency-distribution.csv`: each operation's latency at a ladder of percentiles.
    public var distribution: [String: [LatencyPoint]]
    /// The scenario the run simulated, from its `scenario.yaml`.
    public var scenario: Scenario

    /// The variant's title, or the scenario's name outside a sweep.
    public var variantTitle: String { info.variant?.title ?? info.scenario }
}

/// Why a directory could not be read as a run.
public struct RunRecordError: Error, CustomStringConvertible {
    public var description: String

    public init(description: String) { self.description = description }
}

extension RunRecord {
    /// Reads the run in `directory`.
    public static func load(directory: String) throws -> RunRecord {
        let url = URL(fileURLWithPath: directory)
        func data(_ name: String) throws -> Data {
            do {
                return try Data(contentsOf: url.appendingPathComponent(name))
            } catch {
                throw RunRecordError(
                    description: "\(directory): cannot read \(name) (\(error.localizedDescription)); is this a directory written by binoculars run?")
            }
        }
        func decode<Value: Decodable>(_ type: Value.Type, _ name: String) throws -> Value {
            do {
                return try JSONDecoder().decode(type, from: try data(name))
            } catch let error as RunRecordError {
                throw error
            } catch {
                throw RunRecordError(description: "\(directory)/\(name): not a \(type) as binoculars writes it: \(error)")
            }
        }
        let info = try decode(RunInfo.self, RunInfo.fileName)
        // A report writes into a directory named after the scenario, and run.json may come from other hands.
        if let problem = FileName.problem(info.scenario) {
            throw RunRecordError(
                description:
                    "\(directory)/\(RunInfo.fileName): the scenario \(String(reflecting: info.scenario)) cannot name a directory (\(FileName.allowed)): it \(problem)"
            )
        }
        let summary = try decode(RunSummary.self, "summary.json")
        let timing = try? decode(RunTiming.self, "timing.json")
        let seriesText = String(decoding: try data("series.csv"), as: UTF8.self)
        let series = try NumericTable(csv: seriesText, file: "\(directory)/series.csv")
        let distributionText = String(decoding: try data("latency-distribution.csv"), as: UTF8.self)
        let distribution = try parseDistribution(distributionText, file: "\(directory)/latency-distribution.csv")
        let scenarioPath = url.appendingPathComponent("scenario.yaml").path
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: scenarioPath)
        } catch {
            throw RunRecordError(description: "\(error)")
        }
        return RunRecord(
            directory: directory, info: info, summary: summary, timing: timing, series: series, distribution: distribution, scenario: scenario)
    }

    /// Every run directory at or under each of `paths` (a directory holding `run.json`), sorted.
    public static func directories(under paths: [String]) throws -> [String] {
        var found: [String] = []
        let manager = FileManager.default
        for path in paths {
            var isDirectory: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw RunRecordError(description: "\(path): no such directory")
            }
            if manager.fileExists(atPath: path + "/" + RunInfo.fileName) {
                found.append(path)
                continue
            }
            guard let enumerator = manager.enumerator(atPath: path) else { continue }
            for case let relative as String in enumerator where (relative as NSString).lastPathComponent == RunInfo.fileName {
                found.append(path + "/" + (relative as NSString).deletingLastPathComponent)
            }
        }
        return Array(Set(found)).sorted()
    }

    private static func parseDistribution(_ text: String, file: String) throws -> [String: [LatencyPoint]] {
        var distribution: [String: [LatencyPoint]] = [:]
        for (offset, line) in text.split(separator: "\n").enumerated().dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count == 3, let percentile = Double(fields[1]), let milliseconds = Double(fields[2]) else {
                throw RunRecordError(
                    description: "\(file):\(offset + 1): expected operation,percentile,milliseconds, found \(String(reflecting: String(line)))")
            }
            distribution[String(fields[0]), default: []].append(LatencyPoint(percentile: percentile, milliseconds: milliseconds))
        }
        return distribution
    }
}

/// A CSV file of numbers with a header row, read by column.
public struct NumericTable: Sendable {
    public var columns: [String]
    public var rows: [[Double]]

    public init(csv text: String, file: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let header = lines.first else { throw RunRecordError(description: "\(file): empty; expected a header row") }
        columns = header.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        rows = []
        for (offset, line) in lines.dropFirst().enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            // An empty cell is a figure with nothing to be over (a ratio of an interval without customers).
            let values = fields.map { $0.isEmpty ? Double.nan : Double($0) }
            guard values.count <= columns.count, !values.contains(nil) else {
                throw RunRecordError(
                    description: "\(file):\(offset + 2): expected up to \(columns.count) numbers, found \(String(reflecting: String(line)))")
            }
            rows.append(values.map { $0 ?? 0 })
        }
    }

    /// The column's values, one per row; nil when the table has no such column (files from older versions).
    public func column(_ name: String) -> [Double]? {
        guard let index = columns.firstIndex(of: name) else { return nil }
        return rows.map { index < $0.count ? $0[index] : 0 }
    }
}
