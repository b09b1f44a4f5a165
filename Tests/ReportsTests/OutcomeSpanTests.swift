import Foundation
import Reports
import Testing

/// The report's outcome counts, recomputed from what the clients saw (`history.jsonl`), so a count that covers a
/// different span than the figures beside it (the whole day against after warm-up) cannot slip back in.
@Suite("Outcome counts cover the span the report says")
struct OutcomeSpanTests {
    /// Per outcome group (`start.ok`, `start.fail.alreadyMonitored`, `stop.timeout`, …), the operations a run's
    /// history completed at or after `fromNanoseconds`; automatic ends (`end`) are not requests.
    static func countsFromHistory(_ directory: URL, fromNanoseconds: Int64) throws -> [String: Int] {
        let text = try String(contentsOf: directory.appendingPathComponent("history.jsonl"), encoding: .utf8)
        var counts: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["truncated"] == nil, "the fixture's history must be whole to recount it")
            guard let time = object["time"] as? Int64, time >= fromNanoseconds, let type = object["type"] as? String,
                let function = object["f"] as? String, function != "end"
            else { continue }
            let reason = (object["value"] as? [String: Any])?["reason"] as? String
            switch type {
            case "ok": counts["\(function).ok", default: 0] += 1
            case "fail": counts["\(function).fail.\(reason ?? "?")", default: 0] += 1
            case "info": counts["\(function).timeout", default: 0] += 1
            default: continue
            }
        }
        return counts
    }

    /// Outcome keys folded as the history can tell them apart: every `start.ok.*` is one `start.ok`.
    static func folded(_ outcomes: [String: Int]) -> [String: Int] {
        var result: [String: Int] = [:]
        for (key, count) in outcomes where !key.hasPrefix("cluster.") {
            let parts = key.split(separator: ".")
            let group = parts.count >= 2 && parts[1] == "ok" ? "\(parts[0]).ok" : key
            result[group, default: 0] += count
        }
        return result
    }

    @Test("Each run's outcome counts are exactly the requests its history answered after warm-up, and the report's table is their mean")
    func outcomesAfterWarmUp() throws {
        let reportDirectory = try ReportFixture.directory()
        let runs = try FileManager.default.subpathsOfDirectory(atPath: reportDirectory.path)
            .filter { $0.hasSuffix("history.jsonl") }
            .map { reportDirectory.appendingPathComponent($0).deletingLastPathComponent() }
        #expect(runs.count == 4, "two variants, two replications")
        var historyCountsByVariant: [String: [[String: Int]]] = [:]
        for run in runs {
            let record = try RunRecord.load(directory: run.path)
            let warmUp = Int64(record.summary.warmUpSeconds * 1e9)
            #expect(warmUp > 0)
            let fromHistory = try Self.countsFromHistory(run, fromNanoseconds: warmUp)
            let wholeDay = try Self.countsFromHistory(run, fromNanoseconds: 0)
            #expect(fromHistory["start.ok", default: 0] > 0)
            #expect(wholeDay["start.ok", default: 0] > fromHistory["start.ok", default: 0], "warm-up had grants to leave out")
            #expect(Self.folded(record.summary.outcomes) == fromHistory, "\(run.path)")
            historyCountsByVariant[record.variantTitle, default: []].append(fromHistory)
        }

        // The report's outcomes table: variant, outcome, mean, low, high.
        let csv = try String(contentsOf: reportDirectory.appendingPathComponent("tables/outcomes.csv"), encoding: .utf8)
        var reported: [String: [String: Double]] = [:]
        for line in csv.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            try #require(fields.count == 5)
            let parts = fields[1].split(separator: ".")
            let group = parts.count >= 2 && parts[1] == "ok" ? "\(parts[0]).ok" : fields[1]
            reported[fields[0], default: [:]][group, default: 0] += try #require(Double(fields[2]))
        }
        #expect(reported.count == 2)
        for (variant, runs) in historyCountsByVariant {
            let keys = Set(runs.flatMap(\.keys))
            for key in keys {
                let mean = Double(runs.map { $0[key, default: 0] }.reduce(0, +)) / Double(runs.count)
                let shown = try #require(reported[variant]?[key], "\(variant) \(key) missing from the report")
                #expect(abs(shown - mean) < 1e-6, "\(variant) \(key): report \(shown), history \(mean)")
            }
        }
    }
}
