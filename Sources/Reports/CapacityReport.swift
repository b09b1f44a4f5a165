import Foundation
import Scenario
import Simulation

/// The runs of one variant of a scenario (the scenario itself outside a sweep), in seed order.
public struct VariantRuns: Sendable {
    public var variant: Variant?
    public var runs: [RunRecord]
    public var title: String { variant?.title ?? runs.first?.info.scenario ?? "" }
}

/// A capacity-planning report over the replications (and the variants of a sweep) of one scenario.
public struct CapacityReport: Sendable {
    public var scenario: String
    public var variants: [VariantRuns]
    /// The relative half-width of the 95% interval the "replications needed" column aims at.
    public var precision: Double
    /// Directories of runs left out because another run of the same variant had the same seed: a seed run twice
    /// is the same run twice, not a second replication.
    public var duplicates: [String] = []

    /// Groups runs by scenario name, then by variant; one report per scenario, in name order.
    public static func reports(from records: [RunRecord], precision: Double) -> [CapacityReport] {
        let byScenario = Dictionary(grouping: records, by: \.info.scenario)
        return byScenario.keys.sorted().map { name in
            let runs = byScenario[name] ?? []
            let byVariant = Dictionary(grouping: runs) { $0.info.variant?.title ?? "" }
            var duplicates: [String] = []
            let variants = byVariant.values.map { runs in
                var seen = Set<UInt64>()
                let unique = runs.sorted { ($0.info.seed, $0.directory) < ($1.info.seed, $1.directory) }.filter { run in
                    if seen.insert(run.info.seed).inserted { return true }
                    duplicates.append(run.directory)
                    return false
                }
                return VariantRuns(variant: runs.first?.info.variant, runs: unique)
            }
            .sorted { Self.order($0.variant, $1.variant) }
            return CapacityReport(scenario: name, variants: variants, precision: precision, duplicates: duplicates.sorted())
        }
    }

    /// Variants in the order of their values: numbers by value, other values by text.
    static func order(_ left: Variant?, _ right: Variant?) -> Bool {
        let lhs = left?.settings ?? []
        let rhs = right?.settings ?? []
        for (a, b) in zip(lhs, rhs) where a.label != b.label {
            if let x = a.value, let y = b.value, x != y { return x < y }
            return a.label < b.label
        }
        return lhs.count < rhs.count
    }

    var isSweep: Bool { variants.contains { $0.variant != nil } }
    var allRuns: [RunRecord] { variants.flatMap(\.runs) }
    var parameters: [String] { variants.first?.variant?.settings.map(\.parameter) ?? [] }

    // MARK: The document

    public func document() -> ReportDocument {
        var blocks: [ReportBlock] = []
        blocks += introduction()
        blocks += correctness()
        blocks += keyFigures()
        if isSweep { blocks += sweepCurves() }
        blocks += latency()
        blocks += outcomes()
        blocks += overTheDay()
        blocks += load()
        blocks += expectations()
        return ReportDocument(title: "Capacity report: \(scenario)", blocks: blocks)
    }

    /// Writes the report's files into `directory`: the deterministic ones (`report.html`, `report.md`,
    /// `summary.json`, `tables/`, `charts/`), byte-identical for the same runs, and the wall-clock ones apart
    /// (`timing.md`, `timing.json`, `tables/timing.csv`).
    public func write(to directory: OutputDirectory) throws {
        try document().write(to: directory, summary: summary())
        let timing = timing()
        try directory.write(Data(MarkdownRenderer.render(timing).utf8), to: "timing.md")
        try directory.write(RunWriter.encode(summary(of: KeyFigure.wallClock)), to: "timing.json")
        let tables = try directory.subdirectory("tables")
        for table in timing.tables {
            try tables.write(Data(table.csv.utf8), to: table.file + ".csv")
        }
    }

    /// The machine-readable summary beside the report: every key figure of every variant as an estimate.
    public func summary() -> ReportSummary { summary(of: KeyFigure.all) }

    private func summary(of keyFigures: [KeyFigure]) -> ReportSummary {
        ReportSummary(
            scenario: scenario, precision: precision,
            variants: variants.map { group in
                ReportSummary.VariantSummary(
                    variant: group.variant, seeds: group.runs.map(\.info.seed),
                    figures: keyFigures.compactMap { figure in
                        let values = group.runs.values(figure)
                        guard !values.isEmpty else { return nil }
                        let estimate = Estimate(values)
                        return ReportSummary.Figure(
                            name: figure.name, unit: figure.unit, path: figure.path, estimate: estimate,
                            replicationsNeeded: estimate.replicationsNeeded(relativePrecision: precision))
                    },
                    invariantsHeld: group.runs.allSatisfy(\.summary.invariants.held))
            })
    }

    private func introduction() -> [ReportBlock] {
        let first = allRuns.first
        var blocks: [ReportBlock] = [.heading(2, "The scenario")]
        if let first {
            blocks.append(.paragraph(ScenarioDescription.describe(first.scenario.configuration)))
        }
        let replications = variants.map(\.runs.count)
        let seeds = Array(Set(allRuns.map(\.info.seed))).sorted()
        let seedText =
            seeds.count > 1 && seeds.last! - seeds.first! == UInt64(seeds.count - 1)
            ? "seeds \(seeds.first!)–\(seeds.last!)" : "seed\(seeds.count == 1 ? "" : "s") " + seeds.map(String.init).joined(separator: ", ")
        var method =
            "Each figure is the mean over \(replications.min() == replications.max() ? "\(replications.first ?? 0)" : "\(replications.min() ?? 0)–\(replications.max() ?? 0)") independent replications (\(seedText)) "
        method += "with its 95% confidence interval (Student's t), written mean ± half-width. "
        if let first, first.summary.warmUpSeconds > 0 {
            method += "The first \(Ticks.clock(first.summary.warmUpSeconds)) (h:mm) of each run is warm-up and is left out of every figure. "
        }
        if isSweep {
            let parameterText = variants.first?.variant?.settings.map { "`\($0.path)`" }.joined(separator: " and ") ?? ""
            method +=
                "The sweep varies \(parameterText) over \(variants.count) variants; every variant runs the same seeds, so the variants share their random numbers (common random numbers) and their differences are sharper than independent runs would give."
        }
        blocks.append(.paragraph(method))
        if !duplicates.isEmpty {
            blocks.append(
                .paragraph(
                    "Left out, as a seed already counted (the same run again, not a new replication): \(duplicates.map { "`\($0)`" }.joined(separator: ", "))."
                ))
        }
        blocks.append(.paragraph("To reproduce these runs and this report:"))
        blocks.append(.code(reproduceCommand(seeds: seeds)))
        return blocks
    }

    func reproduceCommand(seeds: [UInt64]) -> String {
        guard let first = allRuns.first else { return "" }
        let consecutive = seeds.count > 1 && seeds.last! - seeds.first! == UInt64(seeds.count - 1)
        let out = URL(fileURLWithPath: first.directory).deletingLastPathComponent().deletingLastPathComponent()
        let outPath = Self.displayPath((isSweep ? out.deletingLastPathComponent() : out).path)
        let run =
            consecutive || seeds.count == 1
            ? "binoculars run \(first.info.source) --seed \(seeds.first!) --replications \(seeds.count) --out \(outPath)"
            : seeds.map { "binoculars run \(first.info.source) --seed \($0) --out \(outPath)" }.joined(separator: "\n")
        return run + "\nbinoculars report \(outPath)/\(scenario)"
    }

    /// A path as a reader would type it here: relative to the working directory when it lies under it, so a report
    /// committed from a checkout names no machine's folders.
    static func displayPath(_ path: String) -> String {
        let base = FileManager.default.currentDirectoryPath
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        guard base != "/", standardized.hasPrefix(base + "/") else { return path }
        return String(standardized.dropFirst(base.count + 1))
    }

    private func correctness() -> [ReportBlock] {
        let broken = allRuns.filter { !$0.summary.invariants.held }
        if broken.isEmpty {
            return [
                .heading(2, "Correctness"),
                .paragraph(
                    "\(allRuns.count == 1 ? "In the one run" : "In all \(Figures.count(allRuns.count, "run"))") every check held: the engine's invariants after every command, the outside lock observer, and the linearizability of every conversation's lock history."
                ),
            ]
        }
        return [
            .heading(2, "Correctness"),
            .paragraph(
                "**\(broken.count) of \(Figures.count(allRuns.count, "run")) broke a check.** The figures of \(broken.count == 1 ? "that run are" : "those runs are") not to be trusted; replay \(broken.count == 1 ? "it" : "them"):"
            ),
            .list(broken.map { "`\($0.info.command) --trace`: \($0.summary.invariants.examples.first ?? "see summary.json")" }),
        ]
    }

    private func keyFigures() -> [ReportBlock] {
        let percent = Int((precision * 100).rounded())
        if !isSweep, let group = variants.first {
            var rows: [[String]] = []
            var csv: [[String]] = []
            for figure in KeyFigure.all {
                let values = group.runs.values(figure)
                guard !values.isEmpty else { continue }
                let estimate = Estimate(values)
                let needed = estimate.replicationsNeeded(relativePrecision: precision)
                rows.append([
                    figure.name, figure.unit, Figures.number(estimate.mean),
                    estimate.replications > 1 ? "\(Figures.number(estimate.low)) – \(Figures.number(estimate.high))" : "–",
                    Figures.number(estimate.minimum), Figures.number(estimate.maximum), needed.map(String.init) ?? "–",
                ])
                csv.append(Self.csvRow(variant: nil, figure, estimate, needed))
            }
            return [
                .heading(2, "Key figures"),
                .paragraph(
                    "The last column says how many replications the 95% interval would need to be within ±\(percent)% of the mean (Law and Kelton's rule, from the variance seen here); it is the number already made when that holds."
                ),
                .table(
                    ReportTable(
                        title: "Key figures", file: "key-figures",
                        columns: ["figure", "unit", "mean", "95% interval", "min", "max", "replications for ±\(percent)%"], rows: rows,
                        csvColumns: Self.csvColumns, csvRows: csv)),
            ]
        }
        var rows: [[String]] = []
        var csv: [[String]] = []
        for figure in KeyFigure.all {
            var row = [figure.name, figure.unit]
            var any = false
            for group in variants {
                let values = group.runs.values(figure)
                if values.isEmpty {
                    row.append("–")
                    continue
                }
                any = true
                let estimate = Estimate(values)
                let needed = estimate.replicationsNeeded(relativePrecision: precision)
                row.append(Figures.estimate(estimate))
                csv.append(Self.csvRow(variant: group.variant, figure, estimate, needed))
            }
            if any { rows.append(row) }
        }
        return [
            .heading(2, "Key figures by variant"),
            .paragraph(
                "Means ± half-widths of the 95% intervals. `tables/key-figures.csv` also gives for each how many replications would bring it within ±\(percent)%."
            ),
            .table(
                ReportTable(
                    title: "Key figures by variant", file: "key-figures", columns: ["figure", "unit"] + variants.map(\.title), rows: rows,
                    csvColumns: Self.csvColumns, csvRows: csv)),
        ]
    }

    static let csvColumns = [
        "variant", "figure", "unit", "mean", "ci95_low", "ci95_high", "half_width", "standard_deviation", "replications", "min", "max",
        "replications_needed",
    ]

    static func csvRow(variant: Variant?, _ figure: KeyFigure, _ estimate: Estimate, _ needed: Int?) -> [String] {
        [
            variant?.title ?? "", figure.name, figure.unit, RunWriter.format(estimate.mean), RunWriter.format(estimate.low),
            RunWriter.format(estimate.high),
            RunWriter.format(estimate.halfWidth), RunWriter.format(estimate.standardDeviation), String(estimate.replications),
            RunWriter.format(estimate.minimum), RunWriter.format(estimate.maximum), needed.map(String.init) ?? "",
        ]
    }
}

/// `summary.json` of a report.
public struct ReportSummary: Sendable, Codable {
    public struct Figure: Sendable, Codable {
        public var name: String
        public var unit: String
        public var path: String?
        public var estimate: Estimate
        public var replicationsNeeded: Int?
    }

    public struct VariantSummary: Sendable, Codable {
        public var variant: Variant?
        public var seeds: [UInt64]
        public var figures: [Figure]
        public var invariantsHeld: Bool
    }

    public var scenario: String
    public var precision: Double
    public var variants: [VariantSummary]
}
