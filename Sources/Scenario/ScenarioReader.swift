import MonitoringEngine
import Yams

/// A node of the YAML tree; named apart so a `Node` type elsewhere in the package never shadows it.
typealias YAMLNode = Yams.Node

/// Reads the nodes of one scenario file into values, collecting every error with its position.
///
/// Each reading function returns nil after reporting what was wrong, so that reading goes on and every error of
/// the file is found in one pass.
final class ScenarioReader {
    let file: String
    private(set) var errors: [ScenarioError] = []

    init(file: String) { self.file = file }

    // MARK: Errors

    func location(of node: YAMLNode) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line ?? 1, column: node.mark?.column ?? 1)
    }

    func report(_ message: String, at node: YAMLNode) {
        errors.append(ScenarioError(at: location(of: node), message))
    }

    /// How a found node reads in a message: its text in quotes, or what kind of node it is.
    static func found(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            if isNull(node) { return "nothing" }
            let limit = 60
            let text = scalar.string.count > limit ? String(scalar.string.prefix(limit)) + "…" : scalar.string
            return String(reflecting: text)
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        }
    }

    /// Whether the node is YAML's null: an empty value, `~` or `null`, unquoted.
    static func isNull(_ node: YAMLNode) -> Bool {
        guard case .scalar(let scalar) = node, scalar.style == .plain || scalar.style == .any else { return false }
        return ["", "~", "null", "Null", "NULL"].contains(scalar.string)
    }

    /// How a path reads in a message; the empty path is the top level.
    static func describe(_ path: String) -> String { path.isEmpty ? "the scenario" : path }

    // MARK: Mappings and lists

    /// The values of a mapping's keys, by key.
    struct Fields {
        let path: String
        let values: [String: YAMLNode]
        let keys: [String: YAMLNode]

        subscript(key: String) -> YAMLNode? { values[key] }

        /// The node of a key itself, where an error about the whole entry points.
        func keyNode(_ key: String) -> YAMLNode? { keys[key] }

        /// The path of a key's value, for messages: `agentGroups[0].capacity`.
        func path(_ key: String) -> String { path.isEmpty ? key : path + "." + key }
    }

    /// The node's keys and values; reports a node that is not a mapping, every unknown key (at the key) and every
    /// missing required key (at the mapping).
    func fields(of node: YAMLNode, at path: String, keys: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping for \(Self.describe(path)) with keys \(keys.joined(separator: ", ")), found \(Self.found(node))", at: node)
            return nil
        }
        var values: [String: YAMLNode] = [:]
        var keyNodes: [String: YAMLNode] = [:]
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                report("expected a key name in \(Self.describe(path)), found \(Self.found(key))", at: key)
                continue
            }
            guard keys.contains(scalar.string) else {
                report(
                    "unknown key \(String(reflecting: scalar.string)) in \(Self.describe(path)); expected one of: \(keys.joined(separator: ", "))",
                    at: key)
                continue
            }
            values[scalar.string] = value
            keyNodes[scalar.string] = key
        }
        for key in required where values[key] == nil {
            report("missing key \"\(key)\" in \(Self.describe(path))", at: node)
        }
        return Fields(path: path, values: values, keys: keyNodes)
    }

    /// The items of a list.
    func list(_ node: YAMLNode, at path: String, of what: String) -> [YAMLNode]? {
        guard case .sequence(let sequence) = node else {
            report("expected a list of \(what) for \(path), found \(Self.found(node))", at: node)
            return nil
        }
        return Array(sequence)
    }

    /// Decodes the value of `key`, if present and valid, into `target`.
    func read<Value>(_ fields: Fields, _ key: String, into target: inout Value, _ decode: (YAMLNode, String) -> Value?) {
        guard let node = fields[key], let value = decode(node, fields.path(key)) else { return }
        target = value
    }

    /// Decodes the value of `key` into `target`, where null (`~`, `null` or nothing) means nil.
    func readOptional<Value>(_ fields: Fields, _ key: String, into target: inout Value?, _ decode: (YAMLNode, String) -> Value?) {
        guard let node = fields[key] else { return }
        if Self.isNull(node) {
            target = nil
        } else if let value = decode(node, fields.path(key)) {
            target = value
        }
    }

    // MARK: Scalars

    /// The text of a scalar; reports anything else.
    func text(_ node: YAMLNode, expected: String) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else {
            report("expected \(expected), found \(Self.found(node))", at: node)
            return nil
        }
        return scalar.string
    }

    /// A non-empty name.
    func name(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = text(node, expected: "a name") else { return nil }
        guard !text.isEmpty else {
            report("expected a name, found an empty string", at: node)
            return nil
        }
        return text
    }

    /// A name that becomes part of a file or directory name: `FileName`'s rule, so that no file can make the tool
    /// write outside the directory it was given.
    func fileName(_ node: YAMLNode, _ path: String) -> String? {
        guard let text = name(node, path) else { return nil }
        if let problem = FileName.problem(text) {
            report(
                "expected a name of \(FileName.allowed) (\(path) names a results directory), found \(Self.found(node)), which \(problem)", at: node)
            return nil
        }
        return text
    }

    func bool(_ node: YAMLNode, _ path: String) -> Bool? {
        guard let text = text(node, expected: "true or false") else { return nil }
        switch text {
        case "true", "True", "TRUE": return true
        case "false", "False", "FALSE": return false
        default:
            report("expected true or false, found \(Self.found(node))", at: node)
            return nil
        }
    }

    /// A whole number from `minimum` to `maximum`. Every count has a maximum, so that no file
    /// can make a run allocate without bound or never end.
    func integer(_ node: YAMLNode, _ path: String, minimum: Int, maximum: Int = Int.max) -> Int? {
        guard let text = text(node, expected: "a whole number") else { return nil }
        guard let value = ScalarSyntax.integer(text) else {
            report("expected a whole number, found \(Self.found(node))", at: node)
            return nil
        }
        guard value >= minimum else {
            report("\(path) must be at least \(minimum), found \(value)", at: node)
            return nil
        }
        guard value <= maximum else {
            report("\(path) must be at most \(maximum), found \(value)", at: node)
            return nil
        }
        return value
    }

    /// A finite number.
    func number(_ node: YAMLNode, _ path: String) -> Double? {
        guard let text = text(node, expected: "a number") else { return nil }
        guard let value = ScalarSyntax.number(text) else {
            report("expected a number, found \(Self.found(node))", at: node)
            return nil
        }
        return value
    }

    /// A finite number of at least zero: a rate, a weight, a factor.
    func nonNegativeNumber(_ node: YAMLNode, _ path: String) -> Double? {
        guard let value = number(node, path) else { return nil }
        guard value >= 0 else {
            report("\(path) must not be negative, found \(ScalarSyntax.format(value))", at: node)
            return nil
        }
        return value
    }

    /// A probability, in [0, 1].
    func probability(_ node: YAMLNode, _ path: String) -> Double? { unitInterval(node, path, what: "a probability") }

    /// A share of a whole, in [0, 1].
    func share(_ node: YAMLNode, _ path: String) -> Double? { unitInterval(node, path, what: "a share") }

    private func unitInterval(_ node: YAMLNode, _ path: String, what: String) -> Double? {
        guard let value = number(node, path) else { return nil }
        guard (0...1).contains(value) else {
            report("\(path) is \(what) and must be between 0 and 1, found \(ScalarSyntax.format(value))", at: node)
            return nil
        }
        return value
    }

    /// A seed: a whole number that fits 64 unsigned bits.
    func seed(_ node: YAMLNode, _ path: String) -> UInt64? {
        guard let text = text(node, expected: "a seed"), let value = ScalarSyntax.unsignedInteger(text) else {
            report("expected a seed: a whole number from 0 to \(UInt64.max), found \(Self.found(node))", at: node)
            return nil
        }
        return value
    }

    /// One of an enumeration's raw values.
    func choice<Choice: RawRepresentable & CaseIterable>(_ node: YAMLNode, _ what: String) -> Choice? where Choice.RawValue == String {
        let names = Choice.allCases.map(\.rawValue).joined(separator: ", ")
        guard let text = text(node, expected: "\(what): one of \(names)") else { return nil }
        guard let value = Choice(rawValue: text) else {
            report("expected \(what): one of \(names), found \(Self.found(node))", at: node)
            return nil
        }
        return value
    }

    /// A list of an enumeration's raw values.
    func choices<Choice: RawRepresentable & CaseIterable>(
        _ node: YAMLNode, _ path: String, _ what: String, plural: String
    ) -> [Choice]? where Choice.RawValue == String {
        guard let items = list(node, at: path, of: plural) else { return nil }
        let values: [Choice] = items.compactMap { choice($0, what) }
        return values.count == items.count ? values : nil
    }

    // MARK: Durations

    /// A duration as written (its number and unit, if any), reported unless it parses and is not negative.
    func nonNegativeDuration(_ node: YAMLNode, _ path: String) -> (number: Double, unitNanoseconds: Double?)? {
        guard let text = text(node, expected: Self.durationExpected) else { return nil }
        guard let duration = ScalarSyntax.duration(text) else {
            report("expected \(Self.durationExpected), found \(Self.found(node))", at: node)
            return nil
        }
        guard duration.number >= 0 else {
            report("\(path) must not be negative, found \(Self.found(node))", at: node)
            return nil
        }
        return duration
    }

    static let durationExpected = "a duration like 30s, 250ms, 15m or 8h"

    /// A length of time, zero or more: `250ms`, `30s`, `15m`, `8h`, or a plain number of seconds.
    func timeSpan(_ node: YAMLNode, _ path: String) -> TimeSpan? {
        guard let duration = nonNegativeDuration(node, path) else { return nil }
        let nanoseconds = (duration.number * (duration.unitNanoseconds ?? ScalarSyntax.nanosecondsPerSecond)).rounded()
        guard nanoseconds < 9.2e18 else {
            report("\(path) is too long, found \(Self.found(node))", at: node)
            return nil
        }
        return TimeSpan(nanoseconds: Int64(nanoseconds))
    }

    /// A length of time longer than zero.
    func positiveTimeSpan(_ node: YAMLNode, _ path: String) -> TimeSpan? {
        guard let value = timeSpan(node, path) else { return nil }
        guard value.nanoseconds > 0 else {
            report("\(path) must be longer than 0, found \(Self.found(node))", at: node)
            return nil
        }
        return value
    }
}
