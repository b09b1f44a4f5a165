/// A point in time, in integer nanoseconds since an origin the caller chooses.
///
/// The engine never reads a clock: every command carries the instant at which it is applied.
public struct Instant: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = Instant(nanoseconds: 0)

    public static func seconds(_ seconds: Int64) -> Instant { Instant(nanoseconds: seconds * 1_000_000_000) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: Instant, rhs: TimeSpan) -> Instant { Instant(nanoseconds: lhs.nanoseconds + rhs.nanoseconds) }
    public static func - (lhs: Instant, rhs: Instant) -> TimeSpan { TimeSpan(nanoseconds: lhs.nanoseconds - rhs.nanoseconds) }

    public var description: String { TimeSpan(nanoseconds: nanoseconds).description }
}

/// A length of time in integer nanoseconds.
public struct TimeSpan: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var nanoseconds: Int64

    public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    public static let zero = TimeSpan(nanoseconds: 0)
    public static func seconds(_ seconds: Int64) -> TimeSpan { TimeSpan(nanoseconds: seconds * 1_000_000_000) }
    public static func milliseconds(_ milliseconds: Int64) -> TimeSpan { TimeSpan(nanoseconds: milliseconds * 1_000_000) }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.nanoseconds < rhs.nanoseconds }
    public static func + (lhs: TimeSpan, rhs: TimeSpan) -> TimeSpan { TimeSpan(nanoseconds: lhs.nanoseconds + rhs.nanoseconds) }
    public static func += (lhs: inout TimeSpan, rhs: TimeSpan) { lhs.nanoseconds += rhs.nanoseconds }

    public var seconds: Double { Double(nanoseconds) / 1e9 }

    /// Seconds with millisecond precision, e.g. `12.345s`; exact, so output stays deterministic.
    public var description: String {
        let sign = nanoseconds < 0 ? "-" : ""
        let magnitude = nanoseconds.magnitude
        let milliseconds = magnitude / 1_000_000
        let fraction = String(milliseconds % 1000)
        return sign + String(milliseconds / 1000) + "." + String(repeating: "0", count: 3 - fraction.count) + fraction + "s"
    }
}
