/// The rule for a value that becomes part of a file or directory name the tool writes, such as a scenario's name
/// (`<out>/<name>/`). Scenario files come from other hands, so such a value must be a name and never a path: no
/// `/`, no `..`, nothing absolute, nothing a shell or another file system reads differently.
public enum FileName {
    /// Long enough for any sensible name, and well inside the 255 bytes a file system allows for one component, so
    /// that a variant's directory and a chart named after it still fit.
    public static let maximumLength = 100

    /// What a name may hold, for messages and documentation.
    public static let allowed = "letters, digits, -, _ and . (not first), at most \(maximumLength) characters"

    /// Why `text` cannot be a file name (`starts with .`), or nil when it can.
    ///
    /// Only ASCII letters and digits: other letters have several Unicode spellings that some file systems merge, so
    /// two names that look different could share one directory.
    public static func problem(_ text: String) -> String? {
        if text.isEmpty { return "is empty" }
        if text.unicodeScalars.count > maximumLength {
            return "has \(text.unicodeScalars.count) characters"
        }
        if text.hasPrefix(".") { return "starts with ." }
        if let bad = text.unicodeScalars.first(where: { !isAllowed($0) }) {
            return "holds \(describe(bad))"
        }
        return nil
    }

    private static func isAllowed(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "a"..."z", "A"..."Z", "0"..."9", "-", "_", ".": true
        default: false
        }
    }

    private static func describe(_ scalar: Unicode.Scalar) -> String {
        switch scalar {
        case " ": "a space"
        case "/": "/"
        case "\\": "\\"
        default:
            scalar.properties.isWhitespace || scalar.value < 0x20 || scalar.value == 0x7F
                ? "U+" + String(scalar.value, radix: 16, uppercase: true)
                : String(scalar)
        }
    }
}
