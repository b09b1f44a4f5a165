import Foundation
import MonitoringEngine
import Simulation
import Yams

/// The value one variant of a sweep gives one parameter.
public struct SweepSetting: Sendable, Hashable, Codable {
    /// The parameter's name as reports show it (`floor supervisors`), by default its path.
    public var parameter: String
    /// Where in the scenario file the value goes: `supervisorGroups.floor.count`.
    public var path: String
    /// The value as written (`50`, `{constant: 5ms}`), or the factor of a scale (`×1.5`).
    public var label: String
    /// The value as a number, for the axis of a chart: a number, a duration in seconds, or the factor of a
    /// scale; nil for anything else (the chart then shows the values side by side in the order given).
    public var value: Double?
}

/// One variant of a swept scenario: a value for each parameter of the sweep.
public struct Variant: Sendable, Hashable, Codable {
    public var settings: [SweepSetting]

    /// `floor supervisors = 50, arrival rate = ×1.5`.
    public var title: String { settings.map { "\($0.parameter) = \($0.label)" }.joined(separator: ", ") }

    /// A directory name for the variant: its settings with anything but letters, digits, `.`, `=`, `_` and `-`
    /// replaced by `-`: `floor-supervisors=50_arrival-rate=x1.5`.
    public var directoryName: String {
        settings.map { setting in
            Self.slug(setting.parameter) + "=" + Self.slug(setting.label.replacingOccurrences(of: "×", with: "x"))
        }.joined(separator: "_")
    }

    public static func slug(_ text: String) -> String {
        var slug = ""
        for character in text {
            let keep = character.isASCII && (character.isLetter || character.isNumber || ".=-".contains(character))
            let next: Character = keep ? character : "-"
            if next == "-", slug.hasSuffix("-") { continue }
            slug.append(next)
        }
        while slug.hasSuffix("-") { slug.removeLast() }
        while slug.hasPrefix("-") { slug.removeFirst() }
        return slug.isEmpty ? "value" : slug
    }
}

/// A parameter of a `sweep:` block, read from the file.
struct SweepParameter {
    enum Change {
        /// Each value replaces what the file has at the path.
        case values([YAMLNode])
        /// Each factor multiplies every number and duration under the path.
        case scale([(factor: Double, node: YAMLNode)])
    }

    var name: String
    var path: [String]
    var pathNode: YAMLNode
    var change: Change

    var count: Int {
        switch change {
        case .values(let values): values.count
        case .scale(let factors): factors.count
        }
    }
}

enum SweepKeys {
    static let parameter = ["parameter", "name", "values", "scale"]
    /// At most this many parameters in one sweep.
    static let parametersMaximum = 2
    /// At most this many values of one parameter.
    static let valuesMaximum = 100
    /// The longest directory name of a variant: room for the `load-` and `.svg` a chart named after it adds,
    /// inside the 255 bytes a file system allows.
    static let directoryNameMaximum = 200
}

extension ScenarioReader {
    /// The parameters of a `sweep:` list; nil after reporting what was wrong.
    func sweep(_ node: YAMLNode) -> [SweepParameter]? {
        guard let nodes = list(node, at: "sweep", of: "parameters, each {parameter, values} or {parameter, scale}") else { return nil }
        guard (1...SweepKeys.parametersMaximum).contains(nodes.count) else {
            report("a sweep varies one or two parameters, found \(nodes.count)", at: node)
            return nil
        }
        var parameters: [SweepParameter] = []
        var failed = false
        for (index, item) in nodes.enumerated() {
            if let parameter = sweepParameter(item, "sweep[\(index)]") {
                if parameters.contains(where: { $0.path == parameter.path }) {
                    report("sweep[\(index)].parameter \(parameter.path.joined(separator: ".")) is swept twice", at: parameter.pathNode)
                    failed = true
                }
                parameters.append(parameter)
            } else {
                failed = true
            }
        }
        return failed ? nil : parameters
    }

    private func sweepParameter(_ node: YAMLNode, _ path: String) -> SweepParameter? {
        guard let fields = fields(of: node, at: path, keys: SweepKeys.parameter, required: ["parameter"]) else { return nil }
        guard let pathNode = fields["parameter"], let pathText = text(pathNode, expected: "a path such as supervisorGroups.floor.count") else {
            return nil
        }
        let segments = pathText.split(separator: ".", omittingEmptySubsequences: false).map { String($0).trimmingSpaces() }
        guard !segments.contains(where: \.isEmpty) else {
            report(
                "expected a path of keys and list items joined by dots, such as supervisorGroups.floor.count, found \(Self.found(pathNode))",
                at: pathNode)
            return nil
        }
        if segments.first == "sweep" || segments.first == "name" || segments.first == "expect" {
            report("\(path).parameter cannot be \(segments[0]): a sweep varies the simulated world", at: pathNode)
            return nil
        }
        var name = pathText
        if let nameNode = fields["name"], let text = self.name(nameNode, fields.path("name")) { name = text }
        let change: SweepParameter.Change
        switch (fields["values"], fields["scale"]) {
        case (let values?, nil):
            guard let nodes = list(values, at: fields.path("values"), of: "values"), checkCount(nodes.count, values, fields.path("values")) else {
                return nil
            }
            change = .values(nodes)
        case (nil, let scale?):
            guard let nodes = list(scale, at: fields.path("scale"), of: "factors"), checkCount(nodes.count, scale, fields.path("scale")) else {
                return nil
            }
            let factors = nodes.enumerated().compactMap { offset, node in
                positiveNumber(node, "\(fields.path("scale"))[\(offset)]").map { (factor: $0, node: node) }
            }
            guard factors.count == nodes.count else { return nil }
            change = .scale(factors)
        case (_?, _?):
            report("\(path) has both values and scale; give one of them", at: node)
            return nil
        case (nil, nil):
            report("\(path) needs values (a list of values to put at \(pathText)) or scale (a list of factors)", at: node)
            return nil
        }
        return SweepParameter(name: name, path: segments, pathNode: pathNode, change: change)
    }

    private func checkCount(_ count: Int, _ node: YAMLNode, _ path: String) -> Bool {
        guard (1...SweepKeys.valuesMaximum).contains(count) else {
            report("\(path) must have from 1 to \(SweepKeys.valuesMaximum) entries, found \(count)", at: node)
            return false
        }
        return true
    }

    /// Each variant writes into a directory named after it (`directoryName`); reports, at the sweep, a name too
    /// long for a file system, one starting with `.`, and two variants that would share a directory: their names
    /// are equal once reduced to the characters a directory name keeps, or differ only in case, which a
    /// case-insensitive file system (macOS, Windows) does not tell apart.
    func checkDirectoryNames(_ variants: [Variant], at node: YAMLNode) {
        var seen: [String: Variant] = [:]
        for variant in variants {
            let name = variant.directoryName
            if name.count > SweepKeys.directoryNameMaximum {
                report(
                    "variant \(variant.title) would write to a directory whose name has \(name.count) characters, more than \(SweepKeys.directoryNameMaximum); shorten the parameter's name or its values",
                    at: node)
                return
            }
            if name.hasPrefix(".") {
                report(
                    "variant \(variant.title) would write to a hidden directory \(String(reflecting: name)); a parameter's name must not start with .",
                    at: node)
                return
            }
            if let earlier = seen[name.lowercased()] {
                report(
                    "variants \(earlier.title) and \(variant.title) would write to one directory (\(String(reflecting: earlier.directoryName)) and \(String(reflecting: name)): directory names keep only letters, digits, ., = and -, and some file systems ignore case); give the values names that differ otherwise",
                    at: node)
                return
            }
            seen[name.lowercased()] = variant
        }
    }

    /// The file's tree with the parameter set to its `index`-th value, and that value's setting; nil after
    /// reporting a path that does not lead anywhere.
    func apply(_ parameter: SweepParameter, _ index: Int, to root: YAMLNode) -> (YAMLNode, SweepSetting)? {
        let pathText = parameter.path.joined(separator: ".")
        let setting: SweepSetting
        let transform: (YAMLNode?) -> YAMLNode?
        switch parameter.change {
        case .values(let values):
            let value = values[index]
            setting = SweepSetting(parameter: parameter.name, path: pathText, label: Self.label(value), value: Self.numeric(value))
            transform = { _ in value }
        case .scale(let factors):
            let (factor, factorNode) = factors[index]
            setting = SweepSetting(parameter: parameter.name, path: pathText, label: "×" + ScalarSyntax.format(factor), value: factor)
            transform = { [self] found in
                guard let found else {
                    report("sweep: \(pathText) is not in the file, so there is nothing to scale", at: parameter.pathNode)
                    return nil
                }
                var scaled = 0
                let result = Self.scale(found, by: factor, mark: factorNode.mark, scaled: &scaled)
                if scaled == 0 {
                    report("sweep: \(pathText) holds no number or duration to scale, found \(Self.found(found))", at: parameter.pathNode)
                    return nil
                }
                return result
            }
        }
        guard let changed = substitute(root, parameter.path[...], walked: [], parameter: parameter, transform) else { return nil }
        return (changed, setting)
    }

    /// `node` with the value at `segments` replaced by `transform` of it.
    private func substitute(
        _ node: YAMLNode, _ segments: ArraySlice<String>, walked: [String], parameter: SweepParameter, _ transform: (YAMLNode?) -> YAMLNode?
    ) -> YAMLNode? {
        guard let segment = segments.first else { return transform(node) }
        let rest = segments.dropFirst()
        let here = walked.isEmpty ? "the top level" : walked.joined(separator: ".")
        switch node {
        case .mapping(let mapping):
            var pairs = Array(mapping.map { ($0.key, $0.value) })
            if let index = pairs.firstIndex(where: { $0.0.scalar?.string == segment }) {
                guard let changed = substitute(pairs[index].1, rest, walked: walked + [segment], parameter: parameter, transform) else { return nil }
                pairs[index].1 = changed
            } else {
                // A missing key is added, so that a sweep can set what the file leaves at its default.
                var value: YAMLNode?
                if rest.isEmpty {
                    value = transform(nil)
                } else {
                    value = substitute(.mapping(.init([])), rest, walked: walked + [segment], parameter: parameter, transform)
                }
                guard let value else { return nil }
                pairs.append((YAMLNode(segment), value))
            }
            return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            var items = Array(sequence)
            let chosen: [Int]
            if segment == "*" {
                chosen = Array(items.indices)
            } else if let index = Int(segment), items.indices.contains(index) {
                chosen = [index]
            } else if let index = items.firstIndex(where: { Self.itemName($0) == segment }) {
                chosen = [index]
            } else {
                let names = items.compactMap(Self.itemName)
                let known = names.isEmpty ? "" : "; its items are \(names.joined(separator: ", "))"
                report(
                    "sweep: \(here) has no item \(String(reflecting: segment)) (name an item, give its index from 0, or * for every item)\(known)",
                    at: parameter.pathNode)
                return nil
            }
            for index in chosen {
                guard let changed = substitute(items[index], rest, walked: walked + [segment], parameter: parameter, transform) else { return nil }
                items[index] = changed
            }
            return .sequence(.init(items, sequence.tag, sequence.style, sequence.mark))
        case .scalar, .alias:
            report("sweep: \(here) is \(Self.found(node)), which has no \(String(reflecting: segment)) inside", at: parameter.pathNode)
            return nil
        }
    }

    /// The name of a list item: its `name`, or the `kind` of a channel.
    private static func itemName(_ node: YAMLNode) -> String? {
        guard case .mapping(let mapping) = node else { return nil }
        return (mapping["name"] ?? mapping["kind"])?.scalar?.string
    }

    /// Every number and duration in `node` multiplied by `factor`; whole numbers stay whole (rounded).
    private static func scale(_ node: YAMLNode, by factor: Double, mark: Mark?, scaled: inout Int) -> YAMLNode {
        switch node {
        case .scalar(let scalar):
            if let integer = ScalarSyntax.integer(scalar.string) {
                scaled += 1
                return YAMLNode(String(Int((Double(integer) * factor).rounded())), .implicit, .plain)
                    .marked(mark)
            }
            if let number = ScalarSyntax.number(scalar.string) {
                scaled += 1
                return YAMLNode(ScalarSyntax.format(number * factor), .implicit, .plain).marked(mark)
            }
            if let (number, unit) = ScalarSyntax.duration(scalar.string), let unit {
                scaled += 1
                let span = TimeSpanText.span(number * factor * unit)
                return YAMLNode(span, .implicit, .plain).marked(mark)
            }
            return node
        case .mapping(let mapping):
            let pairs = mapping.map { ($0.key, scale($0.value, by: factor, mark: mark, scaled: &scaled)) }
            return .mapping(.init(pairs, mapping.tag, mapping.style, mapping.mark))
        case .sequence(let sequence):
            let items = sequence.map { scale($0, by: factor, mark: mark, scaled: &scaled) }
            return .sequence(.init(items, sequence.tag, sequence.style, sequence.mark))
        case .alias:
            return node
        }
    }

    /// A value as a report shows it: a scalar's text, anything else in YAML's flow style.
    static func label(_ node: YAMLNode) -> String {
        if case .scalar(let scalar) = node { return scalar.string }
        let flowed = flow(node)
        return ((try? Yams.serialize(node: flowed)) ?? "\(node)").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    private static func flow(_ node: YAMLNode) -> YAMLNode {
        switch node {
        case .mapping(let mapping): .mapping(.init(mapping.map { ($0.key, flow($0.value)) }, mapping.tag, .flow))
        case .sequence(let sequence): .sequence(.init(sequence.map(flow), sequence.tag, .flow))
        case .scalar, .alias: node
        }
    }

    /// A value as a number for a chart's axis: a number, or a duration in seconds.
    static func numeric(_ node: YAMLNode) -> Double? {
        guard case .scalar(let scalar) = node else { return nil }
        if let number = ScalarSyntax.number(scalar.string) { return number }
        if let (number, unit) = ScalarSyntax.duration(scalar.string), let unit { return number * unit / ScalarSyntax.nanosecondsPerSecond }
        return nil
    }
}

/// Durations written back after scaling: whole milliseconds where exact, else seconds with a fraction.
enum TimeSpanText {
    static func span(_ nanoseconds: Double) -> String {
        let rounded = nanoseconds.rounded()
        if rounded.truncatingRemainder(dividingBy: 1e6) == 0 {
            return ScalarSyntax.format(TimeSpan(nanoseconds: Int64(rounded)))
        }
        return ScalarSyntax.format(nanoseconds / 1e9) + "s"
    }
}

extension YAMLNode {
    /// The node with its position set to `mark`, so that an error in a value a sweep made points at the sweep.
    func marked(_ mark: Mark?) -> YAMLNode {
        guard case .scalar(var scalar) = self else { return self }
        scalar.mark = mark
        return .scalar(scalar)
    }
}
