import Foundation
import MonitoringEngine

/// Where a live node's instants come from: the wall clock as nanoseconds since the Unix epoch, read at the edge
/// and passed into the engine with each command (the engine reads no clock).
public struct NodeClock: Sendable {
    public var now: @Sendable () -> Instant

    public init(now: @escaping @Sendable () -> Instant) { self.now = now }

    /// The system's real-time clock.
    public static let system = NodeClock {
        var time = timespec()
        clock_gettime(CLOCK_REALTIME, &time)
        return Instant(nanoseconds: Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec))
    }
}

extension Instant {
    /// RFC 3339 in UTC with milliseconds, for the API's readers: `2026-11-30T05:01:02.345Z`.
    public var rfc3339: String {
        let (seconds, nanosecondsOfSecond) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        var whole = time_t(nanosecondsOfSecond < 0 ? seconds - 1 : seconds)
        let milliseconds = (nanosecondsOfSecond < 0 ? nanosecondsOfSecond + 1_000_000_000 : nanosecondsOfSecond) / 1_000_000
        var parts = tm()
        gmtime_r(&whole, &parts)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return padded(parts.tm_year + 1900, 4) + "-" + padded(parts.tm_mon + 1, 2) + "-" + padded(parts.tm_mday, 2) + "T"
            + padded(parts.tm_hour, 2) + ":" + padded(parts.tm_min, 2) + ":" + padded(parts.tm_sec, 2) + "."
            + padded(Int32(milliseconds), 3) + "Z"
    }
}
