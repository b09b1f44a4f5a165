import Simulation

/// What the values of a distribution measure: the unit of the configuration field it fills.
///
/// A duration such as `2m` is converted to the field's unit; a plain number is taken as already in it.
enum Quantity {
    /// A time stored in seconds (reply times, think times, patience…).
    case seconds
    /// A time stored in milliseconds (network latencies, the view delay).
    case milliseconds
    /// A count, without unit (messages a customer sends).
    case count

    /// Nanoseconds in one unit of the field; nil for a count.
    var unitNanoseconds: Double? {
        switch self {
        case .seconds: 1e9
        case .milliseconds: 1e6
        case .count: nil
        }
    }
}

extension ScenarioReader {
    static let distributionKinds = [
        "constant", "exponential", "uniform", "normal", "lognormal", "gamma", "erlang", "weightedDiscrete", "empirical",
    ]

    /// A distribution: a one-key mapping naming its kind (`{exponential: {mean: 2m}}`), or a single value, which
    /// is shorthand for `{constant: value}`. Its parameters are checked with `Distribution.validationError`.
    func distribution(_ node: YAMLNode, _ path: String, _ quantity: Quantity) -> Distribution? {
        let decoded: Distribution?
        switch node {
        case .scalar:
            decoded = value(node, path, quantity).map { .constant($0) }
        case .mapping(let mapping):
            guard mapping.count == 1, case let (kindNode, parameters)? = mapping.first.map({ ($0.key, $0.value) }) else {
                report(
                    "expected a distribution: a mapping with one key, its kind (\(Self.distributionKinds.joined(separator: ", "))), found \(mapping.count) keys",
                    at: node)
                return nil
            }
            guard case .scalar(let kind) = kindNode, Self.distributionKinds.contains(kind.string) else {
                report(
                    "expected a distribution: one of \(Self.distributionKinds.joined(separator: ", ")), found \(Self.found(kindNode))",
                    at: kindNode)
                return nil
            }
            decoded = distribution(kind: kind.string, parameters, path + "." + kind.string, quantity)
        case .sequence, .alias:
            report("expected a distribution such as {exponential: {mean: 2m}}, or a value like 30s, found \(Self.found(node))", at: node)
            return nil
        }
        guard let decoded else { return nil }
        if let problem = decoded.validationError {
            report("invalid distribution for \(path): \(problem)", at: node)
            return nil
        }
        return decoded
    }

    private func distribution(kind: String, _ node: YAMLNode, _ path: String, _ quantity: Quantity) -> Distribution? {
        switch kind {
        case "constant":
            return value(node, path, quantity).map { .constant($0) }
        case "exponential":
            guard let fields = fields(of: node, at: path, keys: ["mean"], required: ["mean"]),
                let mean = fields["mean"].flatMap({ value($0, fields.path("mean"), quantity) })
            else { return nil }
            return .exponential(mean: mean)
        case "uniform":
            guard case let (minimum, maximum)? = pair(node, path, "minimum", "maximum", quantity, quantity) else { return nil }
            return .uniform(minimum: minimum, maximum: maximum)
        case "normal":
            guard case let (mean, deviation)? = pair(node, path, "mean", "standardDeviation", quantity, quantity) else { return nil }
            return .normal(mean: mean, standardDeviation: deviation)
        case "lognormal":
            return lognormal(node, path, quantity)
        case "gamma":
            guard case let (shape, scale)? = pair(node, path, "shape", "scale", .count, quantity) else { return nil }
            return .gamma(shape: shape, scale: scale)
        case "erlang":
            guard let fields = fields(of: node, at: path, keys: ["phases", "mean"], required: ["phases", "mean"]) else { return nil }
            let phases = fields["phases"].flatMap { integer($0, fields.path("phases"), minimum: 1) }
            let mean = fields["mean"].flatMap { value($0, fields.path("mean"), quantity) }
            guard let phases, let mean else { return nil }
            return .erlang(phases: phases, mean: mean)
        case "weightedDiscrete":
            return weightedDiscrete(node, path, quantity)
        default:
            guard let items = list(node, at: path, of: "observed values") else { return nil }
            let values = items.enumerated().compactMap { value($0.element, "\(path)[\($0.offset)]", quantity) }
            return values.count == items.count ? .empirical(values) : nil
        }
    }

    /// Two required parameters of a distribution.
    private func pair(
        _ node: YAMLNode, _ path: String, _ first: String, _ second: String, _ firstQuantity: Quantity, _ secondQuantity: Quantity
    ) -> (Double, Double)? {
        guard let fields = fields(of: node, at: path, keys: [first, second], required: [first, second]) else { return nil }
        let firstValue = fields[first].flatMap { value($0, fields.path(first), firstQuantity) }
        let secondValue = fields[second].flatMap { value($0, fields.path(second), secondQuantity) }
        guard let firstValue, let secondValue else { return nil }
        return (firstValue, secondValue)
    }

    /// `{mean, p95}`, fitted with `Distribution.lognormal(mean:percentile95:)`, or `{mu, sigma}` of the natural
    /// logarithm of the value in the field's unit.
    private func lognormal(_ node: YAMLNode, _ path: String, _ quantity: Quantity) -> Distribution? {
        guard let fields = fields(of: node, at: path, keys: ["mean", "p95", "mu", "sigma"]) else { return nil }
        let fitted = fields["mean"] != nil || fields["p95"] != nil
        let logarithmic = fields["mu"] != nil || fields["sigma"] != nil
        if fitted && logarithmic {
            report("a lognormal takes either mean and p95, or mu and sigma, not both", at: node)
            return nil
        }
        let keys = logarithmic ? ["mu", "sigma"] : ["mean", "p95"]
        let missing = keys.filter { fields[$0] == nil }
        for key in missing {
            report("missing key \"\(key)\" in \(path); a lognormal takes either mean and p95, or mu and sigma", at: node)
        }
        guard missing.isEmpty else { return nil }
        if logarithmic {
            let mu = fields["mu"].flatMap { number($0, fields.path("mu")) }
            let sigma = fields["sigma"].flatMap { number($0, fields.path("sigma")) }
            guard let mu, let sigma else { return nil }
            return .lognormal(mu: mu, sigma: sigma)
        }
        let mean = fields["mean"].flatMap { value($0, fields.path("mean"), quantity) }
        let percentile95 = fields["p95"].flatMap { value($0, fields.path("p95"), quantity) }
        guard let mean, let percentile95 else { return nil }
        do {
            return try Distribution.lognormal(mean: mean, percentile95: percentile95)
        } catch {
            report("invalid distribution for \(path): \(error.description)", at: node)
            return nil
        }
    }

    /// A list of `{value, weight}`.
    private func weightedDiscrete(_ node: YAMLNode, _ path: String, _ quantity: Quantity) -> Distribution? {
        guard let items = list(node, at: path, of: "{value, weight} mappings") else { return nil }
        let values: [Distribution.WeightedValue] = items.enumerated().compactMap { index, item in
            let itemPath = "\(path)[\(index)]"
            guard let fields = fields(of: item, at: itemPath, keys: ["value", "weight"], required: ["value", "weight"]) else { return nil }
            let value = fields["value"].flatMap { self.value($0, fields.path("value"), quantity) }
            let weight = fields["weight"].flatMap { nonNegativeNumber($0, fields.path("weight")) }
            guard let value, let weight else { return nil }
            return Distribution.WeightedValue(value: value, weight: weight)
        }
        return values.count == items.count ? .weightedDiscrete(values) : nil
    }

    /// One value of a distribution in the field's unit: a duration converted to it, or a plain number taken as in it.
    func value(_ node: YAMLNode, _ path: String, _ quantity: Quantity) -> Double? {
        guard let targetNanoseconds = quantity.unitNanoseconds else { return number(node, path) }
        guard let duration = nonNegativeDuration(node, path) else { return nil }
        guard let unitNanoseconds = duration.unitNanoseconds else { return duration.number }
        // Both ratios are whole numbers, so the conversion rounds once: 20ms is exactly 20 milliseconds.
        return unitNanoseconds >= targetNanoseconds
            ? duration.number * (unitNanoseconds / targetNanoseconds)
            : duration.number / (targetNanoseconds / unitNanoseconds)
    }
}
