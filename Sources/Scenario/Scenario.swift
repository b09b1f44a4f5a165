import Foundation
import Simulation
import Yams

/// A scenario file, decoded: the world to simulate and what its run must show.
public struct Scenario: Sendable {
    public var configuration: WorldConfiguration
    public var expectations: [Expectation]
    /// The path of the file it was read from.
    public var source: String
    /// The values this variant of a swept file gives its parameters; nil for a file without `sweep:`.
    public var variant: Variant?
    /// The scenario as YAML: the file's text, or for a variant the file with the variant's values in place.
    public var yaml: String
    /// Where the file gives the scenario's name, for an error about the name (two scenarios sharing a directory).
    public var nameLocation: SourceLocation?

    public init(configuration: WorldConfiguration, expectations: [Expectation], source: String, variant: Variant? = nil, yaml: String = "") {
        self.configuration = configuration
        self.expectations = expectations
        self.source = source
        self.variant = variant
        self.yaml = yaml
    }
}

/// Reads scenario files (YAML; the format is described in `docs/scenarios.md`).
public enum ScenarioLoader {
    /// Errors beyond this many are summed up in one last error, so that a badly broken file stays readable.
    static let errorsReportedMaximum = 100

    /// Reads and decodes the file at `path`; a file with a `sweep:` gives its scenario without the sweep.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        try parse(read(path), path: path)
    }

    /// Reads and decodes the file at `path`: one scenario per variant of its `sweep:`, or the one scenario of a
    /// file without a sweep.
    public static func loadVariants(path: String) throws(ScenarioError) -> [Scenario] {
        try parseVariants(read(path), path: path)
    }

    /// The most bytes a scenario file may have: fifty times the largest shipped scenario, and little enough that
    /// reading a file, whatever it is (`/dev/zero`), never takes more memory than this.
    public static let fileBytesMaximum = 1 << 20

    /// The most values (scalars, lists and mappings) a file may hold once each alias (`*name`) is replaced by what
    /// it names: far above any real scenario, and low enough that a file of nested aliases, each naming ten of the
    /// one before (a "billion laughs"), is refused before it is read for ever.
    public static let valuesMaximum = 100_000

    static let valuesOverflowMessage =
        "the file holds more than \(valuesMaximum) values once each alias (*name) is replaced by what it names; the count passes the limit here"

    /// The most values all the variants of a sweep may hold together: each variant is a file read and written out
    /// whole, so a hundred values of each of two parameters are fine on a file of 200 values, not of 100,000.
    public static let sweepValuesMaximum = 2_000_000

    private static func read(_ path: String) throws(ScenarioError) -> String {
        // One byte past the limit is enough to know the file is too long.
        let data = try FileText.data(path, expected: "a scenario file (.yaml)", upTo: fileBytesMaximum + 1)
        return try text(of: data, path: path)
    }

    /// The bytes of a scenario file as text. A byte that is not UTF-8 is reported at its line and column, like any
    /// other mistake in the file, rather than as a file that cannot be read; so is a file longer than
    /// `fileBytesMaximum`, at the first byte past it.
    public static func text(of data: Data, path: String) throws(ScenarioError) -> String {
        if data.count > fileBytesMaximum {
            let (line, column) = position(ofCharacter: Int.max, in: String(decoding: data.prefix(fileBytesMaximum), as: UTF8.self))
            throw ScenarioError(
                file: path, line: line, column: column, message: "the file goes on past \(fileBytesMaximum) bytes, the most a scenario file may have")
        }
        var line = 1
        var column = 1
        var iterator = data.makeIterator()
        var decoder = UTF8()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput:
                return String(decoding: data, as: UTF8.self)
            case .error:
                throw ScenarioError(file: path, line: line, column: column, message: "expected text in UTF-8, found a byte that is not")
            }
        }
    }

    /// Decodes the text of a scenario file into one scenario per variant of its sweep (see `loadVariants`).
    public static func parseVariants(_ text: String, path: String) throws(ScenarioError) -> [Scenario] {
        let decoded = try decode(text, path: path)
        return decoded.variants.isEmpty ? [decoded.base] : decoded.variants
    }

    /// Decodes the text of a scenario file; `path` names it in errors and in `Scenario.source`.
    ///
    /// The whole file is checked before an error is thrown: the error is the first in the file and carries the
    /// others in `followingErrors`.
    public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
        try decode(text, path: path).base
    }

    /// The YAML of a file as Yams' nodes; nil for an empty file. A file that would pass `valuesMaximum` values once
    /// its aliases are expanded is refused before Yams composes it (see `aliasExpansionPasses`).
    static func compose(_ text: String, path: String) throws(ScenarioError) -> YAMLNode? {
        if let (line, column) = aliasExpansionPasses(valuesMaximum, in: text) {
            throw ScenarioError(file: path, line: line, column: column, message: valuesOverflowMessage)
        }
        do {
            return try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, text: text, path: path)
        }
    }

    /// The file's scenario without its sweep, and one scenario per variant of the sweep (none without one).
    static func decode(_ text: String, path: String) throws(ScenarioError) -> (base: Scenario, variants: [Scenario]) {
        guard let root = try compose(text, path: path) else {
            throw ScenarioError(
                file: path, line: 1, column: 1,
                message: "the file is empty; expected a mapping with the keys \(ScenarioKeys.scenarioRequired.joined(separator: ", "))")
        }
        let reader = ScenarioReader(file: path)
        var sweep: [SweepParameter]?
        var sweepNode: YAMLNode?
        var baseRoot = root
        if case .mapping(let mapping) = root, let node = mapping["sweep"] {
            sweepNode = node
            sweep = reader.sweep(node)
            baseRoot = .mapping(
                .init(mapping.filter { $0.key.scalar?.string != "sweep" }.map { ($0.key, $0.value) }, mapping.tag, mapping.style, mapping.mark))
        }
        let decoded = reader.scenario(baseRoot)
        if let error = combined(reader.errors) { throw error }
        guard case let (configuration, expectations)? = decoded else {
            throw ScenarioError(file: path, line: 1, column: 1, message: "expected a mapping at the top level of the scenario")
        }
        var base = Scenario(configuration: configuration, expectations: expectations, source: path, yaml: text)
        if case .mapping(let mapping) = root, let nameNode = mapping["name"] { base.nameLocation = reader.location(of: nameNode) }
        guard let sweep, let sweepNode else { return (base, []) }
        let variantCount = sweep.map(\.count).reduce(1, *)
        var variantBudget = valuesMaximum
        _ = overflow(baseRoot, budget: &variantBudget)
        let values = valuesMaximum - variantBudget
        guard variantCount * values <= sweepValuesMaximum else {
            throw ScenarioError(
                at: reader.location(of: sweepNode),
                "the sweep makes \(variantCount) variants of a file of \(values) values, more than \(sweepValuesMaximum) values in all; sweep fewer values"
            )
        }
        var variants: [Scenario] = []
        for combination in combinations(sweep.map(\.count)) {
            var variantRoot = baseRoot
            var settings: [SweepSetting] = []
            for (parameter, index) in zip(sweep, combination) {
                guard let (changed, setting) = reader.apply(parameter, index, to: variantRoot) else { break }
                variantRoot = changed
                settings.append(setting)
            }
            guard settings.count == sweep.count, case let (configuration, expectations)? = reader.scenario(variantRoot) else { continue }
            let variant = Variant(settings: settings)
            let header = "# \(configuration.name), variant \(variant.title) of the sweep in \(path)\n"
            let yaml = header + ((try? Yams.serialize(node: variantRoot, width: -1)) ?? "")
            var scenario = Scenario(configuration: configuration, expectations: expectations, source: path, variant: variant, yaml: yaml)
            scenario.nameLocation = base.nameLocation
            variants.append(scenario)
        }
        reader.checkDirectoryNames(variants.compactMap(\.variant), at: sweepNode)
        if let error = combined(reader.errors) { throw error }
        return (base, variants)
    }

    /// The node at which a walk of `node`, each alias followed, has met more than `budget` values; nil when it
    /// meets no more. The walk stops there, so it costs at most `budget` steps whatever the aliases multiply to.
    static func overflow(_ node: YAMLNode, budget: inout Int) -> YAMLNode? {
        budget -= 1
        if budget < 0 { return node }
        switch node {
        case .scalar, .alias:
            return nil
        case .mapping(let mapping):
            for (key, value) in mapping {
                if let found = overflow(key, budget: &budget) ?? overflow(value, budget: &budget) { return found }
            }
            return nil
        case .sequence(let sequence):
            for item in sequence {
                if let found = overflow(item, budget: &budget) { return found }
            }
            return nil
        }
    }

    /// Every combination of one index per parameter, the last parameter varying fastest.
    static func combinations(_ counts: [Int]) -> [[Int]] {
        counts.reduce([[]]) { partial, count in partial.flatMap { prefix in (0..<count).map { prefix + [$0] } } }
    }

    /// The first error in the file, carrying the others in order of position, without repeats; nil for none.
    static func combined(_ errors: [ScenarioError]) -> ScenarioError? {
        var seen = Set<ScenarioError>()
        let ordered = errors.enumerated()
            .sorted { ($0.element.line, $0.element.column, $0.offset) < ($1.element.line, $1.element.column, $1.offset) }
            .map(\.element)
            .filter { seen.insert($0).inserted }
        guard var first = ordered.first else { return nil }
        var following = Array(ordered.dropFirst().prefix(errorsReportedMaximum - 1))
        if ordered.count > errorsReportedMaximum, let last = following.last {
            following.append(
                ScenarioError(
                    file: last.file, line: last.line, column: last.column,
                    message: "\(ordered.count - errorsReportedMaximum) more errors after this one are not shown"))
        }
        first.followingErrors = following
        return first
    }

    /// A YAML syntax error from Yams at its position in the file.
    static func syntaxError(_ error: any Error, text: String, path: String) -> ScenarioError {
        let unknownPosition = (line: 1, column: 1)
        let (mark, message): ((line: Int, column: Int), String)
        switch error as? YamlError {
        case .scanner(let context, let problem, let problemMark, _), .parser(let context, let problem, let problemMark, _),
            .composer(let context, let problem, let problemMark, _):
            mark = (problemMark.line, problemMark.column)
            let during = context.map { " (\($0.text) at \($0.mark.line):\($0.mark.column))" } ?? ""
            message = "invalid YAML: \(problem)\(during)"
        case .reader(let problem, let offset, _, _):
            mark = offset.map { position(ofCharacter: $0, in: text) } ?? unknownPosition
            message = "invalid YAML: \(problem)"
        case .duplicatedKeysInMapping(let duplicates, let context):
            mark = (context.mark.line, context.mark.column)
            let keys = duplicates.map { String(reflecting: $0) }.joined(separator: ", ")
            message = "invalid YAML: key \(keys) appears more than once in one mapping (its first occurrence is here)"
        default:
            mark = unknownPosition
            message = "invalid YAML: \(error)"
        }
        return ScenarioError(file: path, line: max(mark.line, 1), column: max(mark.column, 1), message: message)
    }

    /// The line and column (from 1) of the character at `offset` in `text`.
    static func position(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1
        var column = 1
        for character in text.prefix(max(offset, 0)) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }
}
