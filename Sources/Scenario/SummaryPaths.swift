import Foundation
import Simulation

/// A value of a run summary's JSON encoding.
enum JSONValue: Decodable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }
}

/// The dotted paths into the JSON encoding of `RunSummary` that an `expect:` block may compare, and how they read.
enum SummaryPaths {
    /// The objects whose keys are not fixed (outcome keys such as `start.ok.granted` contain dots): after their
    /// name, the whole rest of a path is one key, and a key the run never counted counts 0.
    static let countObjects = ["outcomes", "endsByReason", "automaticEnds"]

    /// The keys of the summary's other dictionaries, which the world always fills.
    static let sampleKeys = ["latencyMilliseconds": ["start", "stop", "renew"]]

    /// Every path to a number or a Boolean of the summary, outside `countObjects`, sorted.
    static let known: [String] = {
        guard let sample = try? RunSummary(from: SampleDecoder(sampleKeys: sampleKeys)), let document = try? SummaryPaths.document(of: sample) else {
            return []
        }
        return SummaryPaths.leaves(of: document, prefix: "").sorted()
    }()

    /// A path a scalar leaf sits at, for every number and Boolean of the value.
    private static func leaves(of value: JSONValue, prefix: String) -> [String] {
        switch value {
        case .bool, .number:
            return [prefix]
        case .object(let object):
            return object.flatMap { key, child in
                countObjects.contains(key) && prefix.isEmpty ? [] : leaves(of: child, prefix: prefix.isEmpty ? key : prefix + "." + key)
            }
        case .null, .string, .array:
            return []
        }
    }

    /// The summary as a JSON value, through `JSONEncoder`, as `summary.json` holds it.
    static func document(of summary: RunSummary) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(summary))
    }

    /// What is wrong with a path an expectation names, or nil when the summary has it.
    static func problem(with path: String) -> String? {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        if let first = components.first, countObjects.contains(first) {
            return components.count >= 2 && !components.dropFirst().joined(separator: ".").isEmpty
                ? nil : "\(first) needs a key after it, like \(first == "outcomes" ? "outcomes.start.ok.granted" : first + ".<reason>")"
        }
        guard !known.contains(path) else { return nil }
        let nearest = nearest(to: path).joined(separator: ", ")
        return "unknown summary path \(String(reflecting: path)); nearest valid paths: \(nearest)"
    }

    /// The known paths closest to `path` in edit distance, closest first.
    static func nearest(to path: String, count: Int = 3) -> [String] {
        let candidates = known + countObjects.map { $0 + ".<key>" }
        return
            candidates
            .map { (candidate: $0, distance: editDistance(path, $0)) }
            .sorted { ($0.distance, $0.candidate) < ($1.distance, $1.candidate) }
            .prefix(count)
            .map(\.candidate)
    }

    /// What a path reads in a summary document.
    enum Reading: Equatable {
        case number(Double)
        case bool(Bool)
        /// The path leads to a figure the run could not compute (a ratio with nothing to be over).
        case absent
        /// The path leads nowhere, or to something that is not a number or a Boolean.
        case missing
    }

    static func read(_ path: String, in document: JSONValue) -> Reading {
        let components = path.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        guard let first = components.first, case .object(let root) = document else { return .missing }
        if countObjects.contains(first) {
            guard case .object(let counts)? = root[first] else { return .missing }
            let key = components.dropFirst().joined(separator: ".")
            return reading(counts[key] ?? .number(0))
        }
        var value = document
        for component in components {
            guard case .object(let object) = value, let child = object[component] else { return .missing }
            value = child
        }
        return reading(value)
    }

    private static func reading(_ value: JSONValue) -> Reading {
        switch value {
        case .number(let number): .number(number)
        case .bool(let bool): .bool(bool)
        case .null: .absent
        case .string, .array, .object: .missing
        }
    }

    /// Levenshtein distance over characters.
    static func editDistance(_ lhs: String, _ rhs: String) -> Int {
        let lhs = Array(lhs)
        let rhs = Array(rhs)
        var previous = Array(0...rhs.count)
        for (i, left) in lhs.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: rhs.count)
            for (j, right) in rhs.enumerated() {
                current[j + 1] = min(previous[j + 1] + 1, current[j] + 1, previous[j] + (left == right ? 0 : 1))
            }
            previous = current
        }
        return previous[rhs.count]
    }
}
