import Foundation
import Scenario

/// A table of a report: shown in `report.html` and `report.md`, and written as `tables/<file>.csv`.
public struct ReportTable: Sendable {
    public var title: String
    /// The CSV file's name without extension, e.g. `key-figures`.
    public var file: String
    public var columns: [String]
    /// The cells as the report shows them.
    public var rows: [[String]]
    /// The cells as the CSV holds them (plain numbers, no ± or units); the shown rows when nil.
    public var csvColumns: [String]?
    public var csvRows: [[String]]?

    public init(title: String, file: String, columns: [String], rows: [[String]], csvColumns: [String]? = nil, csvRows: [[String]]? = nil) {
        self.title = title
        self.file = file
        self.columns = columns
        self.rows = rows
        self.csvColumns = csvColumns
        self.csvRows = csvRows
    }

    /// RFC 4180: fields with commas, quotes or line breaks are quoted. A `variant` column that is empty in every
    /// row (a report without a sweep) is left out.
    public var csv: String {
        func field(_ text: String) -> String {
            text.contains(where: { ",\"\n\r".contains($0) }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
        }
        var header = csvColumns ?? columns
        var body = csvRows ?? rows
        if let variant = header.firstIndex(of: "variant"), body.allSatisfy({ variant >= $0.count || $0[variant].isEmpty }) {
            header.remove(at: variant)
            body = body.map { row in variant < row.count ? Array(row[..<variant] + row[(variant + 1)...]) : row }
        }
        let lines = [header] + body
        return lines.map { $0.map(field).joined(separator: ",") }.joined(separator: "\n") + "\n"
    }
}

/// The content of a report, in order, rendered as HTML or Markdown.
public indirect enum ReportBlock: Sendable {
    case heading(Int, String)
    case paragraph(String)
    /// Text set as code: a command.
    case code(String)
    case list([String])
    case table(ReportTable)
    /// An SVG chart and the sentence that says what it shows.
    case chart(svg: String, caption: String)
    /// Blocks a reader opens on demand: the details of one variant.
    case details(String, [ReportBlock])
}

public struct ReportDocument: Sendable {
    public var title: String
    public var blocks: [ReportBlock]

    /// Every table, in order, nested ones included.
    public var tables: [ReportTable] {
        func collect(_ blocks: [ReportBlock]) -> [ReportTable] {
            blocks.flatMap { block -> [ReportTable] in
                switch block {
                case .table(let table): [table]
                case .details(_, let inner): collect(inner)
                default: []
                }
            }
        }
        return collect(blocks)
    }

    /// Every chart, in order, nested ones included.
    public var charts: [String] {
        func collect(_ blocks: [ReportBlock]) -> [String] {
            blocks.flatMap { block -> [String] in
                switch block {
                case .chart(let svg, _): [svg]
                case .details(_, let inner): collect(inner)
                default: []
                }
            }
        }
        return collect(blocks)
    }

    /// Writes `report.html`, `report.md`, `summary.json`, `tables/*.csv` and `charts/*.svg` into `directory`.
    public func write(to directory: OutputDirectory, summary: some Encodable) throws {
        let tablesDirectory = try directory.subdirectory("tables")
        let chartsDirectory = try directory.subdirectory("charts")
        for chart in charts {
            guard let id = chart.firstMatch(of: /id="([^"]+)"/)?.1 else { continue }
            // A chart on its own carries its style, for a slide or a README.
            let standalone = chart.replacingOccurrences(
                of: "</title>", with: "</title>\n<style>\(HTMLRenderer.chartStyle)</style>", options: [], range: chart.range(of: "</title>"))
            try chartsDirectory.write(Data(standalone.utf8), to: "\(id).svg")
        }
        try directory.write(Data(HTMLRenderer.render(self).utf8), to: "report.html")
        try directory.write(Data(MarkdownRenderer.render(self).utf8), to: "report.md")
        try directory.write(RunWriter.encode(summary), to: "summary.json")
        var written = Set<String>()
        for table in tables where written.insert(table.file).inserted {
            try tablesDirectory.write(Data(table.csv.utf8), to: table.file + ".csv")
        }
    }
}

/// `report.html`: one file with its style and charts inline, nothing loaded from anywhere.
enum HTMLRenderer {
    static func render(_ document: ReportDocument) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>\(escape(document.title))</title>
            <style>
            \(style)
            </style>
            </head>
            <body>
            <main>
            <h1>\(escape(document.title))</h1>

            """
        render(document.blocks, into: &html)
        html += "</main>\n</body>\n</html>\n"
        return html
    }

    private static func render(_ blocks: [ReportBlock], into html: inout String) {
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                let level = min(max(level, 2), 4)
                html += "<h\(level) id=\"\(anchor(text))\">\(escape(text))</h\(level)>\n"
            case .paragraph(let text):
                html += "<p>\(inline(text))</p>\n"
            case .code(let text):
                html += "<pre><code>\(escape(text))</code></pre>\n"
            case .list(let items):
                html += "<ul>\n" + items.map { "<li>\(inline($0))</li>\n" }.joined() + "</ul>\n"
            case .table(let table):
                html +=
                    "<figure class=\"table\"><figcaption>\(escape(table.title)) <span class=\"csv\">(tables/\(escape(table.file)).csv)</span></figcaption>\n<table>\n<thead><tr>"
                html += table.columns.map { "<th>\(escape($0))</th>" }.joined() + "</tr></thead>\n<tbody>\n"
                for row in table.rows {
                    html +=
                        "<tr>"
                        + row.enumerated().map { offset, cell in
                            let numeric = offset > 0 && cell.first.map { $0.isNumber || $0 == "−" || $0 == "-" } == true
                            return numeric ? "<td class=\"number\">\(escape(cell))</td>" : "<td>\(escape(cell))</td>"
                        }.joined() + "</tr>\n"
                }
                html += "</tbody>\n</table>\n</figure>\n"
            case .chart(let svg, let caption):
                html += "<figure class=\"chart\">\n\(svg)\n<figcaption>\(inline(caption))</figcaption>\n</figure>\n"
            case .details(let summary, let inner):
                html += "<details>\n<summary>\(escape(summary))</summary>\n"
                render(inner, into: &html)
                html += "</details>\n"
            }
        }
    }

    /// Text with `code` spans and **bold**, escaped.
    static func inline(_ text: String) -> String {
        var result = ""
        var inCode = false
        var inBold = false
        var characters = Array(text)[...]
        while let character = characters.first {
            characters = characters.dropFirst()
            if character == "`" {
                result += inCode ? "</code>" : "<code>"
                inCode.toggle()
            } else if !inCode, character == "*", characters.first == "*" {
                characters = characters.dropFirst()
                result += inBold ? "</strong>" : "<strong>"
                inBold.toggle()
            } else {
                result += escape(String(character))
            }
        }
        if inCode { result += "</code>" }
        if inBold { result += "</strong>" }
        return result
    }

    static func escape(_ text: String) -> String { SVGWriter.escape(text) }

    static func anchor(_ text: String) -> String { Variant.slug(text.lowercased()) }

    /// The charts' own style, also written into each `charts/*.svg`.
    static let chartStyle = """
        svg.chart { font-family: system-ui, "DejaVu Sans", sans-serif; background: #fff; }
        svg .chart-title { font-size: 15px; font-weight: 600; fill: #1d232b; }
        svg .axis-label { font-size: 12px; fill: #1d232b; }
        svg .tick, svg .legend { font-size: 11px; fill: #5b6673; }
        svg .grid { stroke: #e6e9ed; stroke-width: 1; }
        svg .axis { stroke: #8a94a0; stroke-width: 1; }
        svg .error { stroke-width: 1.5; }
        svg .objective { stroke: #b00020; stroke-width: 1.5; stroke-dasharray: 6 4; }
        svg .objective-label { font-size: 11px; fill: #b00020; }
        """

    static let style = """
        :root { color-scheme: light; --ink: #1d232b; --muted: #5b6673; --rule: #d8dde3; --band: #f4f6f8; }
        body { margin: 0; font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: var(--ink); background: #fff; }
        main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 64px; }
        h1 { font-size: 26px; margin: 0 0 8px; }
        h2 { font-size: 20px; margin: 36px 0 8px; padding-top: 12px; border-top: 1px solid var(--rule); }
        h3 { font-size: 16px; margin: 24px 0 6px; }
        p, li { max-width: 75ch; }
        code, pre { font: 13px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; background: var(--band); border-radius: 3px; }
        code { padding: 1px 4px; }
        pre { padding: 10px 12px; overflow-x: auto; }
        figure { margin: 16px 0 24px; }
        figcaption { color: var(--muted); font-size: 13px; margin: 4px 0; }
        .csv { font-size: 12px; }
        table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
        th, td { border-bottom: 1px solid var(--rule); padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: var(--band); }
        td.number { text-align: right; white-space: nowrap; }
        svg.chart { max-width: 100%; height: auto; }
        \(chartStyle)
        details { margin: 12px 0; border: 1px solid var(--rule); border-radius: 4px; padding: 4px 12px; }
        summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
        .held { color: #1b7f3b; } .failed { color: #b00020; }
        @media print { details { border: none; } }
        """
}

/// `report.md`: the same headings, sentences and tables; charts are in `report.html`.
enum MarkdownRenderer {
    static func render(_ document: ReportDocument) -> String {
        var lines = ["# \(document.title)", ""]
        render(document.blocks, into: &lines, depth: 0)
        return lines.joined(separator: "\n") + "\n"
    }

    private static func render(_ blocks: [ReportBlock], into lines: inout [String], depth: Int) {
        for block in blocks {
            switch block {
            case .heading(let level, let text):
                lines += [String(repeating: "#", count: min(level + depth, 6)) + " " + text, ""]
            case .paragraph(let text):
                lines += [text, ""]
            case .code(let text):
                lines += ["```sh", text, "```", ""]
            case .list(let items):
                lines += items.map { "- " + $0 } + [""]
            case .table(let table):
                lines += ["*\(table.title)* (`tables/\(table.file).csv`)", ""]
                lines.append("| " + table.columns.map(cell).joined(separator: " | ") + " |")
                lines.append("|" + table.columns.enumerated().map { $0.offset == 0 ? "---" : "---:" }.joined(separator: "|") + "|")
                lines += table.rows.map { "| " + $0.map(cell).joined(separator: " | ") + " |" }
                lines.append("")
            case .chart(_, let caption):
                lines += ["*Chart in report.html:* \(caption)", ""]
            case .details(let summary, let inner):
                lines += [String(repeating: "#", count: min(3 + depth, 6)) + " " + summary, ""]
                render(inner, into: &lines, depth: depth + 1)
            }
        }
    }

    private static func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
}
