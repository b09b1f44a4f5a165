/// A position in a scenario file: `path:line:column`, both counted from 1.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// The line, from 1; 0 when the error concerns the whole file (it could not be read).
    public var line: Int
    /// The column in Unicode scalars, from 1; 0 when the error concerns the whole file.
    public var column: Int

    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:column`, or just `file` for a whole-file position.
    public var description: String { line > 0 ? "\(file):\(line):\(column)" : file }
}

/// What is wrong with a scenario file, where, and what was expected there.
///
/// A file is checked completely before it is rejected: the error thrown is the first in the file, and
/// `followingErrors` holds the others, in order of position. `description` prints them all, one a line, as
/// `file:line:column: message`.
public struct ScenarioError: Error, Sendable, Hashable, CustomStringConvertible {
    public var file: String
    /// The line, from 1; 0 when the error concerns the whole file.
    public var line: Int
    /// The column in Unicode scalars, from 1; 0 when the error concerns the whole file.
    public var column: Int
    /// What was expected and what was found, e.g. `expected a duration like 30s, 250ms, 15m or 8h, found "fast"`.
    public var message: String
    /// The other errors found in the same file after this one, in order of position.
    public var followingErrors: [ScenarioError]

    public init(file: String, line: Int, column: Int, message: String, followingErrors: [ScenarioError] = []) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
        self.followingErrors = followingErrors
    }

    init(at location: SourceLocation, _ message: String) {
        self.init(file: location.file, line: location.line, column: location.column, message: message)
    }

    public var location: SourceLocation { SourceLocation(file: file, line: line, column: column) }

    /// Every error found in the file, this one first.
    public var all: ScenarioErrors {
        var first = self
        first.followingErrors = []
        return ScenarioErrors([first] + followingErrors)
    }

    /// `file:line:column: message` for this error, then one line for each following error.
    public var description: String { all.description }

    /// This error's own line.
    var ownLine: String { "\(location): \(message)" }
}

/// Every error found in one scenario file, in order of position.
public struct ScenarioErrors: Sendable, Hashable, RandomAccessCollection, CustomStringConvertible {
    public var errors: [ScenarioError]

    public init(_ errors: [ScenarioError]) { self.errors = errors }

    public var startIndex: Int { errors.startIndex }
    public var endIndex: Int { errors.endIndex }
    public subscript(position: Int) -> ScenarioError { errors[position] }

    /// One error a line, `file:line:column: message`.
    public var description: String { errors.map(\.ownLine).joined(separator: "\n") }
}
