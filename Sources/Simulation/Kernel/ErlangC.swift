#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The M/M/c queue's closed forms (Erlang C), against which the simulator's queues are checked and sized.
///
/// Every function takes the arrival rate per second, the mean service (handle) time in seconds and the
/// number of servers (agents), and returns nil when the offered load A = rate × mean service reaches the
/// number of servers (the queue grows without bound) or an input is out of range.
public enum ErlangC {
    /// The probability that an arrival waits, computed through the Erlang B recursion, which stays accurate
    /// for thousands of servers where the factorial sum overflows.
    public static func probabilityOfWaiting(
        arrivalRatePerSecond: Double, meanServiceSeconds: Double, servers: Int
    ) -> Double? {
        guard let load = offeredLoad(arrivalRatePerSecond, meanServiceSeconds, servers) else { return nil }
        var blocking = 1.0
        for server in 1...servers {
            blocking = load * blocking / (Double(server) + load * blocking)
        }
        let serverCount = Double(servers)
        return serverCount * blocking / (serverCount - load * (1 - blocking))
    }

    /// The fraction of arrivals answered within `withinSeconds`: 1 − Pw·exp(−(c − A)·t / mean service).
    public static func serviceLevel(
        arrivalRatePerSecond: Double, meanServiceSeconds: Double, servers: Int, withinSeconds: Double
    ) -> Double? {
        guard withinSeconds >= 0,
            let load = offeredLoad(arrivalRatePerSecond, meanServiceSeconds, servers),
            let waiting = probabilityOfWaiting(
                arrivalRatePerSecond: arrivalRatePerSecond, meanServiceSeconds: meanServiceSeconds, servers: servers)
        else { return nil }
        return 1 - waiting * exp(-(Double(servers) - load) * withinSeconds / meanServiceSeconds)
    }

    /// The mean wait of all arrivals, answered at once or not: Pw·mean service / (c − A).
    public static func averageSpeedOfAnswerSeconds(
        arrivalRatePerSecond: Double, meanServiceSeconds: Double, servers: Int
    ) -> Double? {
        guard let load = offeredLoad(arrivalRatePerSecond, meanServiceSeconds, servers),
            let waiting = probabilityOfWaiting(
                arrivalRatePerSecond: arrivalRatePerSecond, meanServiceSeconds: meanServiceSeconds, servers: servers)
        else { return nil }
        return waiting * meanServiceSeconds / (Double(servers) - load)
    }

    /// The fraction of time a server is busy: A / c.
    public static func occupancy(arrivalRatePerSecond: Double, meanServiceSeconds: Double, servers: Int) -> Double? {
        offeredLoad(arrivalRatePerSecond, meanServiceSeconds, servers).map { $0 / Double(servers) }
    }

    /// The offered load A in Erlangs, or nil when the inputs are out of range or A ≥ c.
    private static func offeredLoad(_ arrivalRatePerSecond: Double, _ meanServiceSeconds: Double, _ servers: Int) -> Double? {
        guard servers >= 1, arrivalRatePerSecond >= 0, meanServiceSeconds > 0,
            arrivalRatePerSecond.isFinite, meanServiceSeconds.isFinite
        else { return nil }
        let load = arrivalRatePerSecond * meanServiceSeconds
        return load < Double(servers) ? load : nil
    }
}
