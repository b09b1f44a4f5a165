import Foundation
import Reports
import Testing

@Suite("The HTML capacity report")
struct HTMLReportTests {
    /// Every attribute value or CSS `url(…)` in the page that names a location.
    static func references(in html: String) -> [String] {
        let pattern =
            #"(?i)(?:\b(?:src|href|xlink:href|action|poster|data|srcset)\s*=\s*["']?([^"'\s>]+))|(?:url\(\s*["']?([^"')]+))|(?:@import\s+["']?([^"';]+))"#
        let expression = try! NSRegularExpression(pattern: pattern)
        let range = NSRange(html.startIndex..., in: html)
        return expression.matches(in: html, range: range).compactMap { match in
            (1...3).lazy.compactMap { Range(match.range(at: $0), in: html).map { String(html[$0]) } }.first
        }
    }

    @Test("report.html is self-contained: nothing in it loads from the network, no scripts, fonts or images from elsewhere")
    func selfContained() throws {
        let html = try ReportFixture.html()
        #expect(html.count > 10_000)
        let remote = Self.references(in: html).filter { $0.lowercased().hasPrefix("http") || $0.hasPrefix("//") }
        #expect(remote.isEmpty, "references to the network: \(remote)")
        #expect(!html.contains("<script"), "the report needs no scripts")
        #expect(!html.contains("<link"), "styles are inline")
        #expect(!html.contains("<img"), "charts are inline SVG, not images")
        // Namespace URIs are identifiers, not loads: the only http text is SVG's.
        let httpMentions = html.components(separatedBy: "http://").count - 1 + html.components(separatedBy: "https://").count - 1
        let namespaces = html.components(separatedBy: "xmlns=\"http://www.w3.org/2000/svg\"").count - 1
        #expect(httpMentions == namespaces)
    }

    @Test("The self-containment check catches a page that loads from the network")
    func checkCatchesRemoteReferences() {
        let bad =
            #"<img src="https://example.com/x.png"><link href='http://cdn.example/s.css'><div style="background: url(https://e.x/i.png)"></div>"#
        #expect(Self.references(in: bad).filter { $0.hasPrefix("http") }.count == 3)
    }

    @Test("Every chart has a title and labelled axes")
    func chartsHaveTitlesAndAxes() throws {
        let html = try ReportFixture.html()
        let charts = html.components(separatedBy: "<svg ").dropFirst().map { $0.components(separatedBy: "</svg>")[0] }
        #expect(charts.count >= 15, "a sweep report has sweep curves, latency, outcomes, the day and the load: found \(charts.count) charts")
        for chart in charts {
            let id = chart.firstMatch(of: /id="([^"]+)"/).map { String($0.1) } ?? "?"
            let title = chart.firstMatch(of: /<title id="[^"]+">([^<]+)<\/title>/).map { String($0.1) } ?? ""
            let visibleTitle = chart.firstMatch(of: /class="chart-title"[^>]*>([^<]+)</).map { String($0.1) } ?? ""
            let xLabel = chart.firstMatch(of: /class="axis-label x-axis-label"[^>]*>([^<]+)</).map { String($0.1) } ?? ""
            let yLabel = chart.firstMatch(of: /class="axis-label y-axis-label"[^>]*>([^<]+)</).map { String($0.1) } ?? ""
            #expect(!title.isEmpty && title == visibleTitle, "chart \(id) has no title")
            #expect(!xLabel.isEmpty, "chart \(id) has no x-axis label")
            #expect(!yLabel.isEmpty, "chart \(id) has no y-axis label")
            #expect(chart.contains("class=\"tick\""), "chart \(id) has no tick labels")
        }
    }

    @Test("The sweep's charts show each objective of expect: as a line, and the report says which variants meet it")
    func objectives() throws {
        let html = try ReportFixture.html()
        #expect(html.contains("objective: contention ≤ 0.050"))
        #expect(html.contains("objective: start monitoring p99 ≤ 1,000 ms"))
        let csv = try String(contentsOf: try ReportFixture.directory().appendingPathComponent("tables/objectives.csv"), encoding: .utf8)
        #expect(csv.hasPrefix("objective,"))
        #expect(csv.split(separator: "\n").count == 4, "one row per objective with a bound: contention, start p99, staleness p99")
    }

    @Test("report.md has the same tables, each also written as CSV")
    func markdownAndCSV() throws {
        let markdown = try String(contentsOf: try ReportFixture.directory().appendingPathComponent("report.md"), encoding: .utf8)
        let html = try ReportFixture.html()
        let tables = try FileManager.default.contentsOfDirectory(atPath: try ReportFixture.directory().appendingPathComponent("tables").path)
        #expect(
            tables.contains("key-figures.csv") && tables.contains("latency.csv") && tables.contains("outcomes.csv")
                && tables.contains("expectations.csv"))
        // The wall-clock table is timing.md's, apart from the deterministic report.
        let timing = try String(contentsOf: try ReportFixture.directory().appendingPathComponent("timing.md"), encoding: .utf8)
        #expect(tables.contains("timing.csv") && timing.contains("(`tables/timing.csv`)"))
        for table in tables where table != "timing.csv" {
            let name = String(table.dropLast(4))
            #expect(markdown.contains("(`tables/\(name).csv`)"), "report.md lacks the table \(name)")
            #expect(html.contains("(tables/\(name).csv)"), "report.html lacks the table \(name)")
        }
        #expect(markdown.contains("binoculars report"), "the report says how to reproduce it")
    }

    @Test("The key figures' intervals in the CSV are the mean ± Student's t half-width over the replications")
    func keyFiguresCSV() throws {
        let csv = try String(contentsOf: try ReportFixture.directory().appendingPathComponent("tables/key-figures.csv"), encoding: .utf8)
        let rows = csv.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
        #expect(
            rows[0] == [
                "variant", "figure", "unit", "mean", "ci95_low", "ci95_high", "half_width", "standard_deviation", "replications", "min", "max",
                "replications_needed",
            ])
        let serviceLevel = try #require(rows.first { $0[1] == "service level" && $0[0] == "floor supervisors = 5" })
        let summaries = try [1, 2].map { seed in
            let url = try ReportFixture.directory().deletingLastPathComponent()
                .appendingPathComponent("supervisor-sweep/floor-supervisors=5/\(seed)/summary.json")
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
            return (object["kpis"] as! [String: Any])["serviceLevel"] as! Double
        }
        let mean = (summaries[0] + summaries[1]) / 2
        let deviation = abs(summaries[0] - summaries[1]) / 2.squareRoot()
        #expect(abs(Double(serviceLevel[3])! - mean) < 1e-6)
        #expect(abs(Double(serviceLevel[6])! - 12.706 * deviation / 2.squareRoot()) < 1e-5)
        #expect(serviceLevel[8] == "2")
    }

    @Test("A seed found twice for one variant counts once: it is the same run again, not another replication")
    func duplicateSeedsCountOnce() throws {
        let runs = try RunRecord.directories(under: [try ReportFixture.directory().deletingLastPathComponent().path])
            .map { try RunRecord.load(directory: $0) }
        #expect(runs.count == 4)
        let copies = runs.map { run in
            var copy = run
            copy.directory += "-copy"
            return copy
        }
        let report = try #require(CapacityReport.reports(from: runs + copies, precision: 0.05).first)
        #expect(report.variants.map(\.runs.count) == [2, 2])
        #expect(report.duplicates.count == 4)
        #expect(report.duplicates.allSatisfy { $0.hasSuffix("-copy") })
    }
}
