import Foundation
import Scenario
import Simulation

extension CapacityReport {
    // MARK: Sweep

    /// A figure a sweep is judged by: one bound of an `expect:` block, or a key figure without a bound.
    struct Objective {
        var figure: KeyFigure
        var expectation: Expectation?

        var label: String {
            guard let expectation, let threshold = expectation.threshold else { return figure.name }
            let bound = expectation.comparison == .atMost ? "≤" : "≥"
            return "\(figure.name) \(bound) \(Figures.number(threshold)) \(figure.unit)"
        }

        /// Whether an estimate meets the bound: on its mean, and on the conservative end of its interval.
        func meets(_ estimate: Estimate, conservatively: Bool) -> Bool? {
            guard let expectation, let threshold = expectation.threshold else { return nil }
            switch expectation.comparison {
            case .atMost: return (conservatively ? estimate.high : estimate.mean) <= threshold
            case .atLeast: return (conservatively ? estimate.low : estimate.mean) >= threshold
            case .holds: return nil
            }
        }
    }

    func objectives() -> [Objective] {
        let expectations = allRuns.first?.scenario.expectations ?? []
        var objectives: [Objective] = []
        for expectation in expectations where expectation.threshold != nil {
            if let figure = KeyFigure.all.first(where: { $0.path == expectation.path }) {
                objectives.append(Objective(figure: figure, expectation: expectation))
            } else {
                let path = expectation.path
                let figure = KeyFigure(name: path, unit: "", path: path) { record in
                    [expectation].evaluate(record.summary).first?.observed
                }
                objectives.append(Objective(figure: figure, expectation: expectation))
            }
        }
        for figure in KeyFigure.headline where !objectives.contains(where: { $0.figure.name == figure.name }) {
            objectives.append(Objective(figure: figure))
        }
        return objectives
    }

    func sweepCurves() -> [ReportBlock] {
        guard let settings = variants.first?.variant?.settings, let primary = settings.first else { return [] }
        let numeric = variants.allSatisfy { $0.variant?.settings.first?.value != nil }
        var primaryLabels: [String] = []
        for group in variants {
            let label = group.variant?.settings.first?.label ?? ""
            if !primaryLabels.contains(label) { primaryLabels.append(label) }
        }
        func x(_ group: VariantRuns) -> Double {
            let setting = group.variant?.settings.first
            return numeric ? setting?.value ?? 0 : Double(primaryLabels.firstIndex(of: setting?.label ?? "") ?? 0)
        }
        // One line per value of the second parameter (one line when there is none).
        let lines = Dictionary(grouping: variants) { $0.variant?.settings.dropFirst().first?.label ?? "" }
        let lineOrder = variants.compactMap { $0.variant?.settings.dropFirst().first?.label ?? "" }.reduce(into: [String]()) {
            if !$0.contains($1) { $0.append($1) }
        }
        let secondName = settings.count > 1 ? settings[1].parameter : nil

        var blocks: [ReportBlock] = [
            .heading(2, "Sweep: \(settings.map(\.parameter).joined(separator: " × "))"),
            .paragraph(
                "Each chart plots one figure against \(primary.parameter)\(secondName.map { ", one line per value of \($0)" } ?? ""), with 95% intervals as error bars. A dashed red line is an objective from the scenario's `expect:` block. An objective is met **with confidence** when the whole interval is on the right side of it."
            ),
        ]
        var answerRows: [[String]] = []
        for objective in objectives() {
            var series: [ChartSeries] = []
            for line in lineOrder {
                let groups = (lines[line] ?? []).sorted { x($0) < x($1) }
                var points: [ChartPoint] = []
                var met: [String] = []
                var metConfidently: [String] = []
                for group in groups {
                    let values = group.runs.values(objective.figure)
                    guard !values.isEmpty else { continue }
                    let estimate = Estimate(values)
                    points.append(
                        ChartPoint(
                            x: x(group), y: estimate.mean, low: estimate.replications > 1 ? estimate.low : nil,
                            high: estimate.replications > 1 ? estimate.high : nil))
                    let label = group.variant?.settings.first?.label ?? ""
                    if objective.meets(estimate, conservatively: false) == true { met.append(label) }
                    if objective.meets(estimate, conservatively: true) == true { metConfidently.append(label) }
                }
                series.append(ChartSeries(name: secondName.map { "\($0) = \(line)" } ?? objective.figure.name, points: points))
                if objective.expectation != nil {
                    answerRows.append([
                        objective.label, secondName.map { "\($0) = \(line)" } ?? "–",
                        met.isEmpty ? "none" : met.joined(separator: ", "),
                        metConfidently.isEmpty ? "none" : metConfidently.joined(separator: ", "),
                    ])
                }
            }
            var chart = LineChart(
                title: (objective.figure.name.prefix(1).uppercased() + objective.figure.name.dropFirst()) + " by \(primary.parameter)",
                xLabel: primary.parameter + (primary.label.hasPrefix("×") ? " (factor)" : ""),
                yLabel: objective.figure.axisLabel, series: series)
            chart.errorBars = true
            chart.xAxis = numeric ? .linear : .categories(primaryLabels)
            if let expectation = objective.expectation, let threshold = expectation.threshold {
                chart.referenceLines = [ReferenceLine(y: threshold, label: "objective: \(objective.label)")]
            }
            if objective.figure.unit.hasPrefix("share") { chart.yCeiling = 1 }
            blocks.append(
                .chart(
                    svg: chart.svg(id: "sweep-" + Variant.slug(objective.figure.name.lowercased())),
                    caption: "\(objective.label), mean and 95% interval for each variant."))
        }
        if !answerRows.isEmpty {
            blocks.append(
                .table(
                    ReportTable(
                        title: "Which values of \(primary.parameter) meet each objective", file: "objectives",
                        columns: ["objective", secondName ?? "line", "met on the mean", "met with confidence (whole 95% interval)"], rows: answerRows)
                ))
        }
        return blocks
    }

    // MARK: Latency

    func latency() -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .heading(2, "Latency seen by supervisors"),
            .paragraph(
                "From the click to the answer on the supervisor's console, in milliseconds of simulated time; staleness is from a session's start to another supervisor's console showing the conversation as monitored (M26)."
            ),
        ]
        let operations = [
            ("start", "start monitoring"), ("stop", "stop monitoring"), ("renew", "lease renewal"), ("staleness", "monitored-by staleness"),
        ]
        var rows: [[String]] = []
        var csv: [[String]] = []
        for group in variants {
            for (key, name) in operations {
                let summaries = group.runs.compactMap { key == "staleness" ? $0.summary.stalenessMilliseconds : $0.summary.latencyMilliseconds[key] }
                guard summaries.contains(where: { $0.count > 0 }) else { continue }
                let columns: [(String, (LatencySummary) -> Double)] = [
                    ("count", { Double($0.count) }), ("p50", \.p50), ("p90", \.p90), ("p99", \.p99), ("p99.9", \.p999), ("max", \.max),
                ]
                let estimates = columns.map { Estimate(summaries.map($0.1)) }
                rows.append((isSweep ? [group.title] : []) + [name] + estimates.map(Figures.estimate))
                csv.append(
                    [group.variant?.title ?? "", name]
                        + estimates.flatMap { [RunWriter.format($0.mean), RunWriter.format($0.low), RunWriter.format($0.high)] })
            }
        }
        let statistics = ["count", "p50", "p90", "p99", "p99.9", "max"]
        blocks.append(
            .table(
                ReportTable(
                    title: "Latency percentiles (ms) per operation", file: "latency",
                    columns: (isSweep ? ["variant"] : []) + ["operation"] + statistics.map { $0 == "count" ? "operations per run" : "\($0) (ms)" },
                    rows: rows,
                    csvColumns: ["variant", "operation"] + statistics.flatMap { [$0 + "_mean", $0 + "_ci95_low", $0 + "_ci95_high"] }, csvRows: csv)))

        if isSweep {
            let series = variants.map { ChartSeries(name: $0.title, points: $0.runs.distribution("start")) }
            var chart = LineChart(
                title: "Start-monitoring latency distribution by variant", xLabel: "percentile", yLabel: "latency (ms)", series: series)
            chart.xAxis = .percentile
            chart.showIntervals = false
            blocks.append(
                .chart(
                    svg: chart.svg(id: "latency-distribution-variants"),
                    caption: "Start-monitoring latency at each percentile, mean over the replications, one line per variant."))
            let overTime = variants.map { ChartSeries(name: $0.title, points: $0.runs.intervalSeries(SeriesFigure.column("start_p99_ms"))) }
            var timeChart = LineChart(
                title: "Start-monitoring p99 over the day by variant", xLabel: "simulated time (h:mm)", yLabel: "p99 latency (ms)", series: overTime)
            timeChart.xAxis = .clock
            timeChart.showIntervals = false
            blocks.append(
                .chart(
                    svg: timeChart.svg(id: "latency-time-variants"),
                    caption:
                        "The 99th percentile of start-monitoring latency in each reporting interval, mean over the replications, one line per variant."
                ))
        }
        return blocks
    }

    /// The latency charts of one variant: each operation's percentiles over the day, and the distribution.
    func latencyCharts(_ group: VariantRuns, id: String) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        for (operation, name) in [("start", "Start-monitoring"), ("stop", "Stop-monitoring"), ("renew", "Lease-renewal")] {
            // p99.9 and the maximum of one interval rest on a handful of operations and lie on top of each other and
            // of p99; the tail is read from the distribution chart below instead.
            let percentiles = [("p50", "p50_ms"), ("p90", "p90_ms"), ("p99", "p99_ms")]
            let series = percentiles.map { ChartSeries(name: $0.0, points: group.runs.intervalSeries(SeriesFigure.column("\(operation)_\($0.1)"))) }
            guard series.contains(where: { !$0.points.isEmpty }) else { continue }
            var overTime = LineChart(title: "\(name) latency over the day", xLabel: "simulated time (h:mm)", yLabel: "latency (ms)", series: series)
            overTime.xAxis = .clock
            overTime.showIntervals = false
            blocks.append(
                .chart(
                    svg: overTime.svg(id: "\(id)-latency-time-\(operation)"),
                    caption:
                        "p50, p90 and p99 of \(name.lowercased()) latency in each reporting interval, means over the replications; the tail (p99.9, max) is in the distribution chart."
                ))
        }
        let operations = [("start", "start monitoring"), ("stop", "stop monitoring"), ("staleness", "monitored-by staleness")]
        var distribution = LineChart(
            title: "Latency distribution", xLabel: "percentile", yLabel: "latency (ms)",
            series: operations.map { ChartSeries(name: $0.1, points: group.runs.distribution($0.0)) }.filter { !$0.points.isEmpty })
        distribution.xAxis = .percentile
        blocks.append(
            .chart(
                svg: distribution.svg(id: "\(id)-latency-distribution"),
                caption: "Latency at each percentile on a scale where 90%, 99% and 99.9% are equally spaced; mean over the replications."))
        return blocks
    }

    // MARK: Outcomes

    func outcomes() -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .heading(2, "Outcomes"),
            .paragraph(
                "What supervisors' requests came to, as counts per run after warm-up: grants, refusals by reason, time-outs; then how monitoring sessions ended, and the automatic ends (M18) among them."
            ),
        ]
        let tables: [(String, String, (RunSummary) -> [String: Int])] = [
            ("Request outcomes", "outcomes", \.outcomes), ("Session ends by reason", "session-ends", \.endsByReason),
            ("Automatic ends by reason (M18)", "automatic-ends", \.automaticEnds),
        ]
        for (index, (title, file, counts)) in tables.enumerated() {
            let keys = Set(allRuns.flatMap { counts($0.summary).keys }).sorted()
            guard !keys.isEmpty else {
                blocks.append(.paragraph("\(title): none in any run."))
                continue
            }
            var rows: [[String]] = []
            var csv: [[String]] = []
            var series = variants.map { ChartSeries(name: $0.title, points: []) }
            for key in keys {
                var row = [key]
                for (offset, group) in variants.enumerated() {
                    let estimate = Estimate(group.runs.map { Double(counts($0.summary)[key, default: 0]) })
                    row.append(Figures.estimate(estimate))
                    csv.append([
                        group.variant?.title ?? "", key, RunWriter.format(estimate.mean), RunWriter.format(estimate.low),
                        RunWriter.format(estimate.high),
                    ])
                    series[offset].points.append(
                        ChartPoint(
                            x: Double(rows.count), y: estimate.mean, low: estimate.replications > 1 ? estimate.low : nil,
                            high: estimate.replications > 1 ? estimate.high : nil))
                }
                rows.append(row)
            }
            blocks.append(
                .table(
                    ReportTable(
                        title: title + " (count per run)", file: file, columns: ["outcome"] + (isSweep ? variants.map(\.title) : ["count per run"]),
                        rows: rows,
                        csvColumns: ["variant", "outcome", "mean", "ci95_low", "ci95_high"], csvRows: csv)))
            if index == 0 {
                // Successes outnumber refusals by orders of magnitude (renewals above all): on one scale every
                // refusal would be an invisible bar, so each gets a chart of its own scale.
                let failed = keys.indices.filter { keys[$0].contains(".fail.") || keys[$0].hasSuffix(".timeout") }
                let succeeded = keys.indices.filter { !failed.contains($0) }
                for (part, indices, name) in [("succeeded", succeeded, "Requests that succeeded"), ("refused", failed, "Refusals and time-outs")]
                where !indices.isEmpty {
                    let partSeries = series.map { whole in
                        ChartSeries(
                            name: whole.name,
                            points: indices.enumerated().map { position, index in
                                var point = whole.points[index]
                                point.x = Double(position)
                                return point
                            })
                    }
                    let chart = BarChart(
                        title: name, valueLabel: "count per run (mean, 95% interval)", categoryLabel: "outcome", categories: indices.map { keys[$0] },
                        series: isSweep ? partSeries : [partSeries[0]])
                    blocks.append(.chart(svg: chart.svg(id: "\(file)-\(part)"), caption: "\(name), mean count per run; whiskers are 95% intervals."))
                }
            } else if index == 1 || keys.count > 1 {
                let chart = BarChart(
                    title: title, valueLabel: "count per run (mean, 95% interval)", categoryLabel: "outcome", categories: keys,
                    series: isSweep ? series : [series[0]])
                blocks.append(.chart(svg: chart.svg(id: file), caption: "\(title), mean count per run; whiskers are 95% intervals."))
            }
        }
        return blocks
    }

    // MARK: Over the day

    func overTheDay() -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .heading(2, "Over the day"),
            .paragraph("Per reporting interval after warm-up: mean over the replications, the band its 95% interval."),
        ]
        for group in variants {
            var inner: [ReportBlock] = []
            let id = group.variant.map { "variant-" + $0.directoryName } ?? "run"
            inner += latencyCharts(group, id: id)
            var contention = LineChart(
                title: "Contention over the day", xLabel: "simulated time (h:mm)", yLabel: "contention (share of starts)",
                series: [ChartSeries(name: "contention", points: group.runs.intervalSeries(SeriesFigure.contention.value))])
            contention.xAxis = .clock
            var staleness = LineChart(
                title: "Monitored-by staleness over the day", xLabel: "simulated time (h:mm)", yLabel: "staleness (ms)",
                series: [("p50", "staleness_p50_ms"), ("p99", "staleness_p99_ms")].map {
                    ChartSeries(name: $0.0, points: group.runs.intervalSeries(SeriesFigure.column($0.1)))
                })
            staleness.xAxis = .clock
            inner.append(
                .chart(
                    svg: contention.svg(id: "\(id)-contention"), caption: "Share of start attempts refused because another supervisor was monitoring."
                ))
            inner.append(
                .chart(
                    svg: staleness.svg(id: "\(id)-staleness"), caption: "How long other supervisors' buttons lag behind a start (M26), per interval.")
            )
            for figure in SeriesFigure.kpis {
                var chart = LineChart(
                    title: figure.title, xLabel: "simulated time (h:mm)", yLabel: figure.yLabel,
                    series: [ChartSeries(name: figure.title, points: group.runs.intervalSeries(figure.value))])
                chart.xAxis = .clock
                chart.yMaximum = figure.yMaximum
                inner.append(
                    .chart(svg: chart.svg(id: "\(id)-" + Variant.slug(figure.title.lowercased())), caption: "\(figure.title) per reporting interval.")
                )
            }
            inner.append(.table(intervalTable(group)))
            if isSweep {
                blocks.append(.details("Variant \(group.title)", inner))
            } else {
                blocks += inner
            }
        }
        return blocks
    }

    func intervalTable(_ group: VariantRuns) -> ReportTable {
        let figures: [(String, SeriesFigure)] =
            SeriesFigure.kpis.map { ($0.title, $0) } + [
                ("Contention", SeriesFigure.contention),
                ("Start p99 (ms)", SeriesFigure(title: "", unit: "", value: SeriesFigure.column("start_p99_ms"))),
                ("Staleness p99 (ms)", SeriesFigure(title: "", unit: "", value: SeriesFigure.column("staleness_p99_ms"))),
            ] + SeriesFigure.load.map { ($0.title + " /s", $0) }
        let columns = figures.map { group.runs.intervalSeries($0.1.value) }
        let starts = Array(Set(columns.flatMap { $0.map(\.x) })).sorted()
        var rows: [[String]] = []
        var csv: [[String]] = []
        for start in starts {
            let values = columns.map { column in column.first { $0.x == start }?.y }
            rows.append([Ticks.clock(start)] + values.map { $0.map(Figures.number) ?? "–" })
            csv.append([group.variant?.title ?? "", RunWriter.format(start)] + values.map { $0.map(RunWriter.format) ?? "" })
        }
        let slug = group.variant.map { "-" + $0.directoryName } ?? ""
        return ReportTable(
            title: "Per interval (means over the replications)\(group.variant.map { ": " + $0.title } ?? "")", file: "intervals" + slug,
            columns: ["interval start (h:mm)"] + figures.map(\.0), rows: rows,
            csvColumns: ["variant", "interval_start_s"] + figures.map { Variant.slug($0.0.lowercased()) }, csvRows: csv)
    }

    // MARK: Load

    func load() -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .heading(2, "Engine and store load"),
            .paragraph(
                "Every command the engine applied is one transaction at the store; requests at the engine nodes are supervisors' lock requests as they reach a node, retries and duplicates included."
            ),
        ]
        for (offset, group) in variants.enumerated() where !isSweep || offset == 0 || variants.count <= 4 {
            var chart = LineChart(
                title: "Engine and node request rates" + (isSweep ? ": \(group.title)" : ""), xLabel: "simulated time (h:mm)",
                yLabel: "per simulated second",
                series: SeriesFigure.load.map { ChartSeries(name: $0.title, points: group.runs.intervalSeries($0.value)) })
            chart.xAxis = .clock
            blocks.append(
                .chart(
                    svg: chart.svg(id: "load" + (group.variant.map { "-" + $0.directoryName } ?? "")),
                    caption: "Commands per simulated second at the engine (store) and at the nodes, per interval."))
        }
        blocks.append(.table(estimateTable(title: "Load", file: "load", figures: KeyFigure.load)))
        blocks.append(.heading(3, "Wall-clock cost"))
        blocks.append(
            .paragraph(
                "What simulating these runs cost — CPU time per engine command, wall time per run, simulated events per wall second, peak memory — depends on the machine and differs from run to run, so it is not in this report, whose files are the same, byte for byte, for the same runs. It is in `timing.md`, `timing.json` and `tables/timing.csv` beside this report."
            ))
        return blocks
    }

    /// The wall-clock cost of the runs: `timing.md`, apart from the deterministic report.
    func timing() -> ReportDocument {
        ReportDocument(
            title: "Wall-clock cost: \(scenario)",
            blocks: [
                .paragraph(
                    "Measured on the machine that ran the simulation (`timing.json` of each run); these figures differ from run to run and from machine to machine. CPU per engine command is the wall time spent inside the engine divided by its commands."
                ),
                .table(estimateTable(title: "Wall-clock cost", file: "timing", figures: KeyFigure.wallClock)),
            ])
    }

    /// One row per variant (or one row), one column per figure, as mean ± half-width; the CSV has one row per
    /// variant and figure with plain numbers.
    private func estimateTable(title: String, file: String, figures: [KeyFigure]) -> ReportTable {
        var rows: [[String]] = []
        var csv: [[String]] = []
        for group in variants {
            var row = isSweep ? [group.title] : []
            for figure in figures {
                let values = group.runs.values(figure)
                guard !values.isEmpty else {
                    row.append("–")
                    continue
                }
                let estimate = Estimate(values)
                row.append(Figures.estimate(estimate))
                csv.append(
                    (isSweep ? [group.title] : []) + [
                        figure.name, figure.unit, RunWriter.format(estimate.mean), RunWriter.format(estimate.low), RunWriter.format(estimate.high),
                    ])
            }
            rows.append(row)
        }
        return ReportTable(
            title: title, file: file, columns: (isSweep ? ["variant"] : []) + figures.map { "\($0.name) (\($0.unit))" }, rows: rows,
            csvColumns: (isSweep ? ["variant"] : []) + ["figure", "unit", "mean", "ci95_low", "ci95_high"], csvRows: csv)
    }

    // MARK: Expectations

    func expectations() -> [ReportBlock] {
        let expectations = allRuns.first?.scenario.expectations ?? []
        guard !expectations.isEmpty else {
            return [.heading(2, "Expectations"), .paragraph("The scenario states no expectations (`expect:`).")]
        }
        // Where the scenario file itself states each expectation: the runs' own copies (`scenario.yaml`) are
        // written anew, so their positions are not the file's.
        let source = allRuns.first?.info.source ?? ""
        let stated = (try? ScenarioLoader.load(path: source))?.expectations
        func location(_ index: Int) -> String {
            guard let stated, index < stated.count, stated[index].path == expectations[index].path else { return "stated in \(source)" }
            return "\(source):\(stated[index].location.line):\(stated[index].location.column)"
        }
        var items: [String] = []
        var rows: [[String]] = []
        for group in variants {
            for (index, expectation) in expectations.enumerated() {
                let results = group.runs.map { [expectation].evaluate($0.summary)[0] }
                let held = results.filter(\.held).count
                let observed = results.compactMap(\.observed)
                let range =
                    observed.isEmpty
                    ? ""
                    : observed.min() == observed.max()
                        ? "it was \(Figures.number(observed[0]))"
                        : "it ranged from \(Figures.number(observed.min()!)) to \(Figures.number(observed.max()!))"
                let verdict =
                    held == results.count
                    ? (held == 1 ? "held in the one run" : "held in all \(Figures.count(held, "run"))")
                    : held == 0
                        ? (results.count == 1 ? "**failed in the one run**" : "**failed in every run**")
                        : "**held in only \(held) of \(Figures.count(results.count, "run"))**"
                let prefix = isSweep ? "\(group.title): " : ""
                items.append("\(prefix)`\(expectation.description)` \(verdict)\(range.isEmpty ? "" : "; " + range) (\(location(index))).")
                rows.append([
                    group.variant?.title ?? "", expectation.description, String(held), String(results.count),
                    observed.min().map(RunWriter.format) ?? "", observed.max().map(RunWriter.format) ?? "",
                ])
            }
        }
        return [
            .heading(2, "Expectations"),
            .list(items),
            .table(
                ReportTable(
                    title: "Expectations, replication by replication", file: "expectations",
                    columns: ["variant", "expectation", "held", "runs", "lowest", "highest"], rows: rows)),
        ]
    }
}
