/// The `expect:` block: `invariants: hold`, and `min:` / `max:` mappings of summary paths to bounds.
extension ScenarioReader {
    static let expectKeys = ["invariants", "min", "max"]

    func expectations(_ node: YAMLNode, _ path: String) -> [Expectation]? {
        guard let fields = fields(of: node, at: path, keys: Self.expectKeys) else { return nil }
        var expectations: [Expectation] = []
        if let value = fields["invariants"] {
            if case .scalar(let scalar) = value, scalar.string == "hold" {
                let position = fields.keyNode("invariants").map(location) ?? location(of: value)
                expectations.append(Expectation(path: "invariants.held", comparison: .holds, threshold: nil, location: position))
            } else {
                report("expected hold (the run's invariants must hold), found \(Self.found(value))", at: value)
            }
        }
        if let bounds = fields["min"] {
            expectations += self.bounds(bounds, fields.path("min"), .atLeast)
        }
        if let bounds = fields["max"] {
            expectations += self.bounds(bounds, fields.path("max"), .atMost)
        }
        return expectations
    }

    /// `{kpis.serviceLevel: 0.8, outcomes.start.ok.granted: 1}`: each path is checked against the summary's.
    private func bounds(_ node: YAMLNode, _ path: String, _ comparison: Expectation.Comparison) -> [Expectation] {
        guard case .mapping(let mapping) = node else {
            report("expected a mapping of summary paths to bounds, like {kpis.serviceLevel: 0.8}, found \(Self.found(node))", at: node)
            return []
        }
        return mapping.compactMap { key, value in
            guard let summaryPath = text(key, expected: "a summary path such as kpis.serviceLevel") else { return nil }
            if let problem = SummaryPaths.problem(with: summaryPath) {
                report(problem, at: key)
                return nil
            }
            guard let threshold = number(value, path + "." + summaryPath) else { return nil }
            return Expectation(path: summaryPath, comparison: comparison, threshold: threshold, location: location(of: key))
        }
    }
}
