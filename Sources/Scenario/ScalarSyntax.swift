import MonitoringEngine

/// The text forms of scalar values a scenario accepts: numbers, whole numbers and durations.
enum ScalarSyntax {
    static let nanosecondsPerSecond = 1e9

    /// Nanoseconds in one of each duration unit.
    static let unitNanoseconds: [String: Double] = ["ms": 1e6, "s": 1e9, "m": 6e10, "h": 3.6e12]

    /// A decimal number such as `12`, `-0.5`, `1_000` or `2.5e3`; nil for anything else, infinities and NaN included.
    static func number(_ text: String) -> Double? {
        let digits = text.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || "+-.eE".contains($0)) }),
            digits.contains(where: \.isNumber), let value = Double(digits), value.isFinite
        else { return nil }
        return value
    }

    /// A whole decimal number such as `40` or `1_000_000`.
    static func integer(_ text: String) -> Int? {
        let digits = text.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && ($0.isNumber || "+-".contains($0)) }) else { return nil }
        return Int(digits)
    }

    /// A whole decimal number from 0 to `UInt64.max`.
    static func unsignedInteger(_ text: String) -> UInt64? {
        let digits = text.filter { $0 != "_" }
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }

    /// A duration's number and its unit in nanoseconds, nil when the text has no unit: `250ms`, `1.5h`, `30 s`, `12`.
    static func duration(_ text: String) -> (number: Double, unitNanoseconds: Double?)? {
        let unit = String(text.reversed().prefix(while: \.isLetter).reversed())
        let numberText = text.dropLast(unit.count).trimmingSpaces()
        guard let number = Self.number(numberText) else { return nil }
        if unit.isEmpty { return (number, nil) }
        guard let nanoseconds = unitNanoseconds[unit] else { return nil }
        return (number, nanoseconds)
    }

    /// A length of time as a scenario would write it: in the largest unit that measures it exactly (`8h`,
    /// `90m`, `250ms`), else in seconds.
    static func format(_ span: TimeSpan) -> String {
        let units: [(suffix: String, nanoseconds: Int64)] = [
            ("h", 3_600_000_000_000), ("m", 60_000_000_000), ("s", 1_000_000_000), ("ms", 1_000_000),
        ]
        for unit in units where span.nanoseconds % unit.nanoseconds == 0 {
            return String(span.nanoseconds / unit.nanoseconds) + unit.suffix
        }
        return format(span.seconds) + "s"
    }

    /// A number as a message shows it: whole numbers without a fraction, others as Swift prints them.
    static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
            return String(Int64(value))
        }
        return String(value)
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(self[first...last])
    }
}
