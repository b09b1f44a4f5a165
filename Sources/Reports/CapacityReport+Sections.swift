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
                    points.append(ChartPoint(x: x(group), y: estimate.mean, low: estimate.replications > 1 ? estimate.low : nil, high: estimate.replications > 1 ? estimate.high : nil))
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
            blocks.append(.chart(svg: chart.svg(id: "sweep-" + Variant.slug(objective.figure.name.lowercased())), caption: "\(objective.label), mean and 95% interval for each variant."))
        }
        if !answerRows.isEmpty {
            blocks.append(
                .table(
                    ReportTable(
                        title: "Which values of \(primary.parameter) meet each objective", file: "objectives",
                        columns: ["objective", secondName ?? "line", "met on the mean", "met with confidence (whole 95% interval)"], rows: answerRows)))
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
        let operations = [("start", "start monitoring"), ("stop", "stop monitoring"), ("renew", "lease renewal"), ("staleness", "monitored-by staleness")]
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
                    columns: (isSweep ? ["variant"] : []) + ["operation"] + statistics.map { $0 == "count" ? "operations per run" : "\($0) (ms)" }, rows: rows,
                    csvColumns: ["variant", "operation"] + statistics.flatMap { [$0 + "_mean", $0 + "_ci95_low", $0 + "_ci95_high"] }, csvRows: csv)))

        if isSweep {
            let series = variants.map { ChartSeries(name: $0.title, points: $0.runs.distribution("start")) }
            var chart = LineChart(title: "Start-monitoring latency distribution by variant", xLabel: "percentile", yLabel: "latency (ms)", series: series)
            chart.xAxis = .percentile
            chart.showIntervals = false
            blocks.append(.chart(svg: chart.svg(id: "latency-distribution-variants"), caption: "Start-monitoring latency at each percentile, mean over the replications, one line per variant."))
            let overTime = variants.map { ChartSeries(name: $0.title, points: $0.runs.intervalSeries(SeriesFigure.column("start_p99_ms"))) }
            var timeChart = LineChart(title: "Start-monitoring p99 over the day by variant", xLabel: "simulated time (h:mm)", yLabel: "p99 latency (ms)", series: overTime)
            timeChart.xAxis = .clock
            timeChart.showIntervals = false
            blocks.append(.chart(svg: timeChart.svg(id: "latency-time-variants"), caption: "The 99th percentile of start-monitoring latency in each reporting interval, mean over the replications, one line per variant."))
        }
        return blocks
    }

    /// The latency charts of one variant: each operation's percentiles over the day, and the distribution.
    func latencyCharts(_ group: VariantRuns, id: String) -> [ReportBlock] {
        var blocks: [ReportBlock] = []
        for (operation, name) in [("start", "Start-monitoring"), ("stop", "Stop-monitoring"), ("renew", "Lease-renewal")] {
            let percentiles = [("p50", "p50_ms"), ("p90", "p90_ms"), ("p99", "p99_ms"), ("p99.9", "p999_ms"), ("max", "max_ms")]
            let series = percentiles.map { ChartSeries(name: $0.0, points: group.runs.intervalSeries(SeriesFigure.column("\(operation)_\($0.1)"))) }
            guard series.contains(where: { !$0.points.isEmpty }) else { continue }
            var overTime = LineChart(title: "\(name) latency over the day", xLabel: "simulated time (h:mm)", yLabel: "latency (ms)", series: series)
            overTime.xAxis = .clock
            overTime.showIntervals = false
            blocks.append(
                .chart(
                    svg: overTime.svg(id: "\(id)-latency-time-\(operation)"),
                    caption: "Percentiles of \(name.lowercased()) latency in each reporting interval, means over the replications."))
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
                    csv.append([group.variant?.title ?? "", key, RunWriter.format(estimate.mean), RunWriter.format(estimate.low), RunWriter.format(estimate.high)])
                    series[offset].points.append(
                        ChartPoint(x: Double(rows.count), y: estimate.mean, low: estimate.replications > 1 ? estimate.low : nil, high: estimate.replications > 1 ? estimate.high : nil))
                }
                rows.append(row)
            }
            blocks.append(
                .table(
                    ReportTable(
                        title: title + " (count per run)", file: file, columns: ["outcome"] + (isSweep ? variants.map(\.title) : ["count per run"]), rows: rows,
                        csvColumns: ["variant", "outcome", "mean", "ci95_low", "ci95_high"], csvRows: csv)))
            if index < 2 || keys.count > 1 {
                let chart = BarChart(title: title, valueLabel: "count per run (mean, 95% interval)", categoryLabel: "outcome", categories: keys, series: isSweep ? series : [series[0]])
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
                series: [("p50", "staleness_p50_ms"), ("p99", "staleness_p99_ms")].map { ChartSeries(name: $0.0, points: group.runs.intervalSeries(SeriesFigure.column($0.1))) })
            staleness.xAxis = .clock
            inner.append(.chart(svg: contention.svg(id: "\(id)-contention"), caption: "Share of start attempts refused because another supervisor was monitoring."))
            inner.append(.chart(svg: staleness.svg(id: "\(id)-staleness"), caption: "How long other supervisors' buttons lag behind a start (M26), per interval."))
            for figure in SeriesFigure.kpis {
                var chart = LineChart(
                    title: figure.title, xLabel: "simulated time (h:mm)", yLabel: figure.yLabel,
                    series: [ChartSeries(name: figure.title, points: group.runs.intervalSeries(figure.value))])
                chart.xAxis = .clock
                chart.yMaximum = figure.yMaximum
                inner.append(.chart(svg: chart.svg(id: "\(id)-" + Variant.slug(figure.title.lowercased())), caption: "\(figure.title) per reporting interval."))
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
            columns: ["interval start (h:mm)"] + figures.map(\.0 ), rows: rows,
            csvColumns: ["variant", "interval_start_s"] + figures.map { Variant.slug($0.0.lowercased()) }, csvRows: csv)
    }

    // MARK: Load

    func load() -> [ReportBlock] {
        var blocks: [ReportBlock] = [
            .heading(2, "Engine and store load"),
            .paragraph(
                "Every command the engine applied is one transaction at the store; requests at the engine nodes are supervisors' lock requests as they reach a node, retries and duplicates included. CPU cost per command is the wall time spent inside the engine divided by its commands, on the machine that ran the simulation (`timing.json`), so it varies from machine to machine."
            ),
        ]
        for (offset, group) in variants.enumerated() where !isSweep || offset == 0 || variants.count <= 4 {
            var chart = LineChart(
                title: "Engine and node request rates" + (isSweep ? ": \(group.title)" : ""), xLabel: "simulated time (h:mm)", yLabel: "per simulated second",
                series: SeriesFigure.load.map { ChartSeries(name: $0.title, points: group.runs.intervalSeries($0.value)) })
            chart.xAxis = .clock
            blocks.append(.chart(svg: chart.svg(id: "load" + (group.variant.map { "-" + $0.directoryName } ?? "")), caption: "Commands per simulated second at the engine (store) and at the nodes, per interval."))
        }
        var rows: [[String]] = []
        for group in variants {
            var row = isSweep ? [group.title] : []
            for figure in KeyFigure.cost {
                let values = group.runs.values(figure)
                row.append(values.isEmpty ? "–" : Figures.estimate(Estimate(values)))
            }
            let memory = group.runs.compactMap(\.timing?.peakResidentBytes).map { Double($0) / 1_048_576 }
            row.append(memory.isEmpty ? "–" : Figures.estimate(Estimate(memory)))
            rows.append(row)
        }
        blocks.append(
            .table(
                ReportTable(
                    title: "Load and cost", file: "load",
                    columns: (isSweep ? ["variant"] : []) + [
                        "engine commands / simulated s", "node requests / simulated s", "CPU ns per engine command", "wall s per run", "simulated events / wall s",
                        "peak memory (MiB)",
                    ], rows: rows)))
        return blocks
    }

    // MARK: Expectations

    func expectations() -> [ReportBlock] {
        let expectations = allRuns.first?.scenario.expectations ?? []
        guard !expectations.isEmpty else {
            return [.heading(2, "Expectations"), .paragraph("The scenario states no expectations (`expect:`).")]
        }
        var items: [String] = []
        var rows: [[String]] = []
        for group in variants {
            for expectation in expectations {
                let results = group.runs.map { [expectation].evaluate($0.summary)[0] }
                let held = results.filter(\.held).count
                let observed = results.compactMap(\.observed)
                let range =
                    observed.isEmpty
                    ? "" : observed.min() == observed.max() ? "it was \(Figures.number(observed[0]))" : "it ranged from \(Figures.number(observed.min()!)) to \(Figures.number(observed.max()!))"
                let verdict = held == results.count ? "held in all \(results.count) runs" : held == 0 ? "**failed in every run**" : "**held in only \(held) of \(results.count) runs**"
                let prefix = isSweep ? "\(group.title): " : ""
                items.append("\(prefix)`\(expectation.description)` \(verdict)\(range.isEmpty ? "" : "; " + range) (\(expectation.location)).")
                rows.append([group.variant?.title ?? "", expectation.description, String(held), String(results.count), observed.min().map(RunWriter.format) ?? "", observed.max().map(RunWriter.format) ?? ""])
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
