import Simulation

/// A bound that a run's summary must respect, from the `expect:` block of a scenario.
public struct Expectation: Sendable, Hashable, CustomStringConvertible {
    public enum Comparison: Sendable, Hashable {
        /// The value must be at least `threshold` (`min:`).
        case atLeast
        /// The value must be at most `threshold` (`max:`).
        case atMost
        /// The Boolean must be true (`invariants: hold`).
        case holds
    }

    /// A dotted path into the JSON encoding of `RunSummary`, e.g. `kpis.serviceLevel` or `outcomes.start.ok.granted`.
    public var path: String
    public var comparison: Comparison
    /// The bound of `atLeast` and `atMost`; nil for `holds`.
    public var threshold: Double?
    /// Where the scenario file states the expectation.
    public var location: SourceLocation

    public init(path: String, comparison: Comparison, threshold: Double?, location: SourceLocation) {
        self.path = path
        self.comparison = comparison
        self.threshold = threshold
        self.location = location
    }

    /// `kpis.serviceLevel at least 0.8`, `invariants.held holds`.
    public var description: String { "\(path) \(expected)" }

    /// Whether the summary meets the expectation, and a sentence saying so.
    public func evaluate(_ summary: RunSummary) -> ExpectationResult {
        do {
            return evaluate(in: try SummaryPaths.document(of: summary))
        } catch {
            return ExpectationResult(
                expectation: self, held: false, observed: nil,
                message: "\(path) could not be read: the summary does not encode to JSON (\(error)) (\(location))")
        }
    }

    func evaluate(in document: JSONValue) -> ExpectationResult {
        let observed: Double
        let shown: String
        switch SummaryPaths.read(path, in: document) {
        case .number(let value):
            observed = value
            shown = ScalarSyntax.format(value)
        case .bool(let value):
            observed = value ? 1 : 0
            shown = String(value)
        case .absent:
            return ExpectationResult(
                expectation: self, held: false, observed: nil,
                message: "\(path) was absent (the run had nothing to compute it over), expected \(expected) (\(location))")
        case .missing:
            return ExpectationResult(
                expectation: self, held: false, observed: nil,
                message: "\(path) is not in the summary, expected \(expected) (\(location))")
        }
        let held: Bool =
            switch comparison {
            case .atLeast: observed >= threshold ?? 0
            case .atMost: observed <= threshold ?? 0
            case .holds: observed != 0
            }
        let message =
            held ? "\(path) was \(shown), \(expected) as expected (\(location))" : "\(path) was \(shown), expected \(expected) (\(location))"
        return ExpectationResult(expectation: self, held: held, observed: observed, message: message)
    }

    /// `at least 0.8`, `at most 500`, `true`.
    private var expected: String {
        switch comparison {
        case .atLeast: "at least \(ScalarSyntax.format(threshold ?? 0))"
        case .atMost: "at most \(ScalarSyntax.format(threshold ?? 0))"
        case .holds: "true"
        }
    }
}

/// The verdict on one expectation.
public struct ExpectationResult: Sendable, Hashable, CustomStringConvertible {
    public var expectation: Expectation
    public var held: Bool
    /// The value the summary had (a Boolean as 1 or 0); nil when the summary lacks the path.
    public var observed: Double?
    /// A sentence in plain words, e.g. `kpis.serviceLevel was 0.734, expected at least 0.8 (Scenarios/steady-day.yaml:41:5)`.
    public var message: String

    public var description: String { message }
}

extension Array where Element == Expectation {
    /// Every expectation's verdict on one summary, encoding the summary once.
    public func evaluate(_ summary: RunSummary) -> [ExpectationResult] {
        guard let document = try? SummaryPaths.document(of: summary) else { return map { $0.evaluate(summary) } }
        return map { $0.evaluate(in: document) }
    }
}
