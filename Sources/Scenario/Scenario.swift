import Foundation
import Simulation
import Yams

/// A scenario file, decoded: the world to simulate and what its run must show.
public struct Scenario: Sendable {
    public var configuration: WorldConfiguration
    public var expectations: [Expectation]
    /// The path of the file it was read from.
    public var source: String

    public init(configuration: WorldConfiguration, expectations: [Expectation], source: String) {
        self.configuration = configuration
        self.expectations = expectations
        self.source = source
    }
}

/// Reads scenario files (YAML; the format is described in `docs/scenarios.md`).
public enum ScenarioLoader {
    /// Errors beyond this many are summed up in one last error, so that a badly broken file stays readable.
    static let errorsReportedMaximum = 100

    /// Reads and decodes the file at `path`.
    public static func load(path: String) throws(ScenarioError) -> Scenario {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ScenarioError(file: path, line: 0, column: 0, message: "cannot read the file: \(error.localizedDescription)")
        }
        return try parse(text, path: path)
    }

    /// Decodes the text of a scenario file; `path` names it in errors and in `Scenario.source`.
    ///
    /// The whole file is checked before an error is thrown: the error is the first in the file and carries the
    /// others in `followingErrors`.
    public static func parse(_ text: String, path: String) throws(ScenarioError) -> Scenario {
        let root: YAMLNode?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw syntaxError(error, text: text, path: path)
        }
        guard let root else {
            throw ScenarioError(
                file: path, line: 1, column: 1,
                message: "the file is empty; expected a mapping with the keys \(ScenarioKeys.scenarioRequired.joined(separator: ", "))")
        }
        let reader = ScenarioReader(file: path)
        let decoded = reader.scenario(root)
        if let error = combined(reader.errors) { throw error }
        guard case let (configuration, expectations)? = decoded else {
            throw ScenarioError(file: path, line: 1, column: 1, message: "expected a mapping at the top level of the scenario")
        }
        return Scenario(configuration: configuration, expectations: expectations, source: path)
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
