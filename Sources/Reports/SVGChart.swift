import Foundation

/// A point of a chart's series, with an optional 95% confidence interval.
public struct ChartPoint: Sendable, Hashable {
    public var x: Double
    public var y: Double
    public var low: Double?
    public var high: Double?

    public init(x: Double, y: Double, low: Double? = nil, high: Double? = nil) {
        self.x = x
        self.y = y
        self.low = low
        self.high = high
    }
}

public struct ChartSeries: Sendable, Hashable {
    public var name: String
    public var points: [ChartPoint]

    public init(name: String, points: [ChartPoint]) {
        self.name = name
        self.points = points
    }
}

/// A horizontal line across a chart, such as an objective.
public struct ReferenceLine: Sendable, Hashable {
    public var y: Double
    public var label: String
}

/// How a chart's x axis maps values.
public enum ChartXAxis: Sendable, Hashable {
    /// Numbers, with ticks at round values; `format` writes a tick.
    case linear
    /// Hours and minutes of simulated time, from seconds.
    case clock
    /// Percentiles on a "nines" scale: x is −log₁₀(1 − p/100), so 90, 99 and 99.9 are equally spaced.
    case percentile
    /// Values in the order given, each labelled with its text (a sweep's values that are not numbers).
    case categories([String])
}

/// A line chart written as inline SVG: title, labelled axes with readable ticks, a legend, and 95% confidence
/// intervals drawn as a band (time series) or as error bars (a sweep's curve).
public struct LineChart: Sendable {
    public var title: String
    public var xLabel: String
    public var yLabel: String
    public var series: [ChartSeries]
    public var xAxis: ChartXAxis = .linear
    public var referenceLines: [ReferenceLine] = []
    /// Error bars and markers at each point instead of a band: for few points, such as a sweep.
    public var errorBars = false
    /// The y axis starts at 0 unless values go below it.
    public var yFromZero = true
    /// Fixes the top of the y axis, e.g. 1 for shares.
    public var yMaximum: Double?
    /// No interval is drawn above this, e.g. 1 for shares, without fixing the axis there.
    public var yCeiling: Double?
    /// Draws the 95% intervals (as bands, or error bars with `errorBars`).
    public var showIntervals = true

    public init(title: String, xLabel: String, yLabel: String, series: [ChartSeries]) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
    }

    static let width = 760.0
    static let height = 330.0
    static let margin = (left: 78.0, right: 24.0, top: 58.0, bottom: 56.0)

    public func svg(id: String) -> String {
        let legend = series.count > 1 ? series.map(\.name) : []
        let plot = (
            left: Self.margin.left, right: Self.width - Self.margin.right, top: SVGWriter.plotTop(legend: legend),
            bottom: Self.height - Self.margin.bottom
        )
        // A band or bar never reaches past what the values can be: below 0 for a figure that cannot be negative,
        // above a fixed maximum such as 1 for a share.
        let floor = yFromZero && series.allSatisfy { $0.points.allSatisfy { $0.y >= 0 } } ? 0.0 : -Double.infinity
        let ceiling = yMaximum ?? yCeiling ?? .infinity
        let series = self.series.map { line in
            ChartSeries(
                name: line.name,
                points: line.points.map { point in
                    guard showIntervals else { return ChartPoint(x: point.x, y: point.y) }
                    return ChartPoint(
                        x: point.x, y: point.y, low: point.low.map { min(max($0, floor), ceiling) },
                        high: point.high.map { min(max($0, floor), ceiling) })
                })
        }
        let points = series.flatMap(\.points)
        let xValues = points.map(\.x).map(xPosition)
        var yValues = points.flatMap { [$0.y, $0.low ?? $0.y, $0.high ?? $0.y] } + referenceLines.map(\.y)
        if yFromZero { yValues.append(0) }
        if let yMaximum { yValues.append(yMaximum) }
        let yTicks = Ticks.nice(minimum: yValues.min() ?? 0, maximum: yValues.max() ?? 1, count: 5)
        let xTicks: [(value: Double, label: String)]
        switch xAxis {
        case .linear:
            xTicks = Ticks.nice(minimum: xValues.min() ?? 0, maximum: xValues.max() ?? 1, count: 7).values.map { ($0, Ticks.label($0)) }
        case .clock:
            let maximum = xValues.max() ?? 3600
            let minimum = xValues.min() ?? 0
            let step = Ticks.clockStep(span: maximum - minimum)
            let first = (minimum / step).rounded(.up) * step
            xTicks = stride(from: first, through: maximum + 1e-9, by: step).map { ($0, Ticks.clock($0)) }
        case .percentile:
            xTicks = [(0, "0%"), (1, "90%"), (2, "99%"), (3, "99.9%"), (4, "99.99%")].filter { $0.0 <= (xValues.max() ?? 4) + 1e-9 }
        case .categories(let names):
            xTicks = names.enumerated().map { (Double($0.offset), $0.element) }
        }
        var xMinimum = min(xValues.min() ?? 0, xTicks.first?.value ?? 0)
        var xMaximum = max(xValues.max() ?? 1, xTicks.last?.value ?? 1)
        if case .categories = xAxis {
            xMinimum -= 0.5
            xMaximum += 0.5
        }
        if xMaximum <= xMinimum { xMaximum = xMinimum + 1 }
        func sx(_ x: Double) -> Double { plot.left + (x - xMinimum) / (xMaximum - xMinimum) * (plot.right - plot.left) }
        func sy(_ y: Double) -> Double {
            plot.bottom - (y - yTicks.minimum) / (yTicks.maximum - yTicks.minimum) * (plot.bottom - plot.top)
        }

        var svg = SVGWriter(id: id, title: title, width: Self.width, height: Self.height)
        svg.heading(title, legend: legend)
        // Grid and y ticks.
        for tick in yTicks.values {
            svg.line(x1: plot.left, y1: sy(tick), x2: plot.right, y2: sy(tick), className: "grid")
            svg.text(Ticks.label(tick), x: plot.left - 8, y: sy(tick) + 4, anchor: "end", className: "tick")
        }
        for tick in xTicks {
            svg.line(x1: sx(tick.value), y1: plot.bottom, x2: sx(tick.value), y2: plot.bottom + 5, className: "axis")
            svg.text(tick.label, x: sx(tick.value), y: plot.bottom + 19, anchor: "middle", className: "tick")
        }
        svg.line(x1: plot.left, y1: plot.bottom, x2: plot.right, y2: plot.bottom, className: "axis")
        svg.line(x1: plot.left, y1: plot.top, x2: plot.left, y2: plot.bottom, className: "axis")
        svg.axisLabels(x: xLabel, y: yLabel, plot: plot)

        for (index, line) in series.enumerated() {
            let color = Palette.color(index)
            let sorted = line.points.sorted { $0.x < $1.x }
            if !errorBars, sorted.contains(where: { $0.low != nil }) {
                let upper = sorted.map { "\(SVGWriter.number(sx(xPosition($0.x)))),\(SVGWriter.number(sy($0.high ?? $0.y)))" }
                let lower = sorted.reversed().map { "\(SVGWriter.number(sx(xPosition($0.x)))),\(SVGWriter.number(sy($0.low ?? $0.y)))" }
                svg.raw(
                    "<polygon class=\"band\" points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.16\" stroke=\"none\"/>"
                )
            }
            let path = sorted.map { "\(SVGWriter.number(sx(xPosition($0.x)))),\(SVGWriter.number(sy($0.y)))" }.joined(separator: " ")
            svg.raw(
                "<polyline class=\"series\" points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"><title>\(SVGWriter.escape(line.name))</title></polyline>"
            )
            if errorBars || sorted.count == 1 {
                for point in sorted {
                    let x = sx(xPosition(point.x))
                    if let low = point.low, let high = point.high {
                        svg.line(x1: x, y1: sy(low), x2: x, y2: sy(high), className: "error", color: color)
                        svg.line(x1: x - 4, y1: sy(low), x2: x + 4, y2: sy(low), className: "error", color: color)
                        svg.line(x1: x - 4, y1: sy(high), x2: x + 4, y2: sy(high), className: "error", color: color)
                    }
                    svg.raw("<circle cx=\"\(SVGWriter.number(x))\" cy=\"\(SVGWriter.number(sy(point.y)))\" r=\"3.5\" fill=\"\(color)\"/>")
                }
            }
        }
        for reference in referenceLines {
            svg.line(x1: plot.left, y1: sy(reference.y), x2: plot.right, y2: sy(reference.y), className: "objective")
            svg.text(reference.label, x: plot.right - 4, y: sy(reference.y) - 5, anchor: "end", className: "objective-label")
        }
        return svg.finish()
    }

    private func xPosition(_ x: Double) -> Double {
        switch xAxis {
        case .percentile: -log10(max(1e-5, 1 - x / 100))
        case .linear, .clock, .categories: x
        }
    }
}

/// A horizontal bar chart: one group of bars per category, one bar per series, with 95% intervals as whiskers.
public struct BarChart: Sendable {
    public var title: String
    /// What the bars measure, with its unit.
    public var valueLabel: String
    /// What the categories are.
    public var categoryLabel: String
    public var categories: [String]
    /// Per series, one point per category (`y` the value; `low`/`high` the interval).
    public var series: [ChartSeries]

    public init(title: String, valueLabel: String, categoryLabel: String, categories: [String], series: [ChartSeries]) {
        self.title = title
        self.valueLabel = valueLabel
        self.categoryLabel = categoryLabel
        self.categories = categories
        self.series = series
    }

    public func svg(id: String) -> String {
        let barHeight = 14.0
        let groupHeight = max(22.0, Double(series.count) * barHeight + 8)
        let left = 250.0
        let right = LineChart.width - 30
        let top = SVGWriter.plotTop(legend: series.count > 1 ? series.map(\.name) : [])
        let bottom = top + groupHeight * Double(max(categories.count, 1))
        let height = bottom + 56
        let values: [Double] = series.flatMap(\.points).flatMap { point -> [Double] in [point.y, point.high ?? point.y] } + [0]
        let ticks = Ticks.nice(minimum: 0, maximum: values.max() ?? 1, count: 5)
        func sx(_ value: Double) -> Double { left + (value - ticks.minimum) / (ticks.maximum - ticks.minimum) * (right - left) }

        var svg = SVGWriter(id: id, title: title, width: LineChart.width, height: height)
        svg.heading(title, legend: series.count > 1 ? series.map(\.name) : [])
        for tick in ticks.values {
            svg.line(x1: sx(tick), y1: top, x2: sx(tick), y2: bottom, className: "grid")
            svg.text(Ticks.label(tick), x: sx(tick), y: bottom + 18, anchor: "middle", className: "tick")
        }
        for (row, category) in categories.enumerated() {
            let groupTop = top + Double(row) * groupHeight + 4
            svg.text(category, x: left - 8, y: groupTop + groupHeight / 2, anchor: "end", className: "tick")
            for (index, line) in series.enumerated() where row < line.points.count {
                let point = line.points[row]
                let y = groupTop + Double(index) * barHeight
                let color = Palette.color(index)
                svg.raw(
                    "<rect x=\"\(SVGWriter.number(left))\" y=\"\(SVGWriter.number(y))\" width=\"\(SVGWriter.number(max(0, sx(point.y) - left)))\" height=\"\(SVGWriter.number(barHeight - 3))\" fill=\"\(color)\"><title>\(SVGWriter.escape("\(line.name): \(category) \(Ticks.label(point.y))"))</title></rect>"
                )
                if let low = point.low, let high = point.high, high > low {
                    let middle = y + (barHeight - 3) / 2
                    svg.line(x1: sx(low), y1: middle, x2: sx(high), y2: middle, className: "error", color: "#222")
                }
            }
        }
        svg.line(x1: left, y1: bottom, x2: right, y2: bottom, className: "axis")
        svg.line(x1: left, y1: top, x2: left, y2: bottom, className: "axis")
        svg.axisLabels(x: valueLabel, y: categoryLabel, plot: (left: left, right: right, top: top, bottom: bottom), yLabelAt: 14)
        return svg.finish()
    }
}

/// Okabe and Ito's colours, distinguishable with the common kinds of colour blindness.
enum Palette {
    static let colors = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]
    static func color(_ index: Int) -> String { colors[index % colors.count] }
}

/// Builds one SVG element as text.
struct SVGWriter {
    private var body: String
    let id: String

    init(id: String, title: String, width: Double, height: Double) {
        self.id = id
        body = """
            <svg xmlns="http://www.w3.org/2000/svg" class="chart" id="\(id)" role="img" aria-labelledby="\(id)-title" \
            viewBox="0 0 \(Self.number(width)) \(Self.number(height))" width="\(Self.number(width))" height="\(Self.number(height))">\
            <title id="\(id)-title">\(Self.escape(title))</title>
            <rect class="background" width="100%" height="100%" fill="#fff"/>
            """
    }

    mutating func raw(_ text: String) { body += text + "\n" }

    /// The title, and the legend in as many rows as it needs.
    mutating func heading(_ title: String, legend: [String]) {
        text(title, x: 12, y: 22, anchor: "start", className: "chart-title")
        for (index, entry) in Self.legendLayout(legend).enumerated() {
            raw("<rect x=\"\(Self.number(entry.x))\" y=\"\(Self.number(entry.y - 9))\" width=\"14\" height=\"10\" fill=\"\(Palette.color(index))\"/>")
            text(entry.label, x: entry.x + 18, y: entry.y, anchor: "start", className: "legend")
        }
    }

    /// Where each legend entry goes: left to right from under the title, wrapping at the chart's width.
    static func legendLayout(_ names: [String]) -> [(label: String, x: Double, y: Double)] {
        var entries: [(label: String, x: Double, y: Double)] = []
        var x = LineChart.margin.left
        var y = 42.0
        for name in names {
            let label = name.count > 40 ? String(name.prefix(39)) + "…" : name
            let width = 26 + Double(label.count) * 6.6
            if x + width > LineChart.width - 10, x > LineChart.margin.left {
                x = LineChart.margin.left
                y += 16
            }
            entries.append((label, x, y))
            x += width
        }
        return entries
    }

    /// The top of the plot under a title and a legend of `names`.
    static func plotTop(legend names: [String]) -> Double {
        max(LineChart.margin.top, (legendLayout(names).last?.y ?? 0) + 16)
    }

    mutating func axisLabels(x: String, y: String, plot: (left: Double, right: Double, top: Double, bottom: Double), yLabelAt: Double = 18) {
        text(x, x: (plot.left + plot.right) / 2, y: plot.bottom + 40, anchor: "middle", className: "axis-label x-axis-label")
        let middle = (plot.top + plot.bottom) / 2
        raw(
            "<text class=\"axis-label y-axis-label\" x=\"\(Self.number(yLabelAt))\" y=\"\(Self.number(middle))\" text-anchor=\"middle\" transform=\"rotate(-90 \(Self.number(yLabelAt)) \(Self.number(middle)))\">\(Self.escape(y))</text>"
        )
    }

    mutating func text(_ content: String, x: Double, y: Double, anchor: String, className: String) {
        raw("<text class=\"\(className)\" x=\"\(Self.number(x))\" y=\"\(Self.number(y))\" text-anchor=\"\(anchor)\">\(Self.escape(content))</text>")
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, className: String, color: String? = nil) {
        let stroke = color.map { " stroke=\"\($0)\"" } ?? ""
        raw(
            "<line class=\"\(className)\" x1=\"\(Self.number(x1))\" y1=\"\(Self.number(y1))\" x2=\"\(Self.number(x2))\" y2=\"\(Self.number(y2))\"\(stroke)/>"
        )
    }

    func finish() -> String { body + "</svg>" }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        return String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// Round tick values and their labels.
enum Ticks {
    /// About `count` ticks at 1, 2 or 5 times a power of ten covering `minimum…maximum` (Heckbert's nice numbers).
    static func nice(minimum: Double, maximum: Double, count: Int) -> (minimum: Double, maximum: Double, values: [Double]) {
        var low = minimum.isFinite ? minimum : 0
        var high = maximum.isFinite ? maximum : 1
        if high - low < 1e-12 {
            high = low == 0 ? 1 : low + abs(low) * 0.5
            low = low == 0 ? 0 : low - abs(low) * 0.5
        }
        let step = niceNumber((high - low) / Double(max(count - 1, 1)), round: true)
        let first = (low / step).rounded(.down) * step
        let last = (high / step).rounded(.up) * step
        let values = stride(from: first, through: last + step * 0.5, by: step).map { abs($0) < step * 1e-9 ? 0 : $0 }
        return (first, last, values)
    }

    private static func niceNumber(_ value: Double, round: Bool) -> Double {
        let exponent = floor(log10(value))
        let fraction = value / pow(10, exponent)
        let nice: Double
        if round {
            nice = fraction < 1.5 ? 1 : fraction < 3 ? 2 : fraction < 7 ? 5 : 10
        } else {
            nice = fraction <= 1 ? 1 : fraction <= 2 ? 2 : fraction <= 5 ? 5 : 10
        }
        return nice * pow(10, exponent)
    }

    /// `0`, `0.25`, `12`, `1.5k`, `2M`.
    static func label(_ value: Double) -> String {
        let magnitude = abs(value)
        if magnitude >= 1e6 { return trimmed(value / 1e6) + "M" }
        if magnitude >= 1e4 { return trimmed(value / 1e3) + "k" }
        return trimmed(value)
    }

    private static func trimmed(_ value: Double) -> String {
        var text = String(format: abs(value) >= 100 ? "%.0f" : abs(value) >= 10 ? "%.1f" : abs(value) >= 1 ? "%.2f" : "%.3f", value)
        if text.contains(".") {
            while text.hasSuffix("0") { text.removeLast() }
            if text.hasSuffix(".") { text.removeLast() }
        }
        return text == "-0" ? "0" : text
    }

    /// Seconds as `h:mm` of simulated time.
    static func clock(_ seconds: Double) -> String {
        let minutes = Int((seconds / 60).rounded())
        return String(format: "%d:%02d", minutes / 60, minutes % 60)
    }

    /// A tick step for `span` seconds of simulated time: 15 min, 30 min, 1 h, 2 h, …
    static func clockStep(span: Double) -> Double {
        for step in [60.0, 300, 900, 1_800, 3_600, 7_200, 14_400, 28_800, 86_400] where span / step <= 9 { return step }
        return 172_800
    }
}
