/// The M/M/c+M queue (Erlang A): Poisson arrivals, exponential service, c servers and exponential patience, so
/// that customers who wait give up at a rate. Unlike Erlang C it is stable at any load, and it is the model a
/// contact centre whose customers abandon is sized by.
///
/// Solved exactly by its birth–death chain: state n is the number of customers present; arrivals move n up at
/// rate λ; n moves down at min(n, c)·μ (service) plus max(n − c, 0)·θ (abandonment). The chain is summed until
/// its terms are negligible, which abandonment guarantees happens.
public struct ErlangA: Sendable, Hashable {
    /// The share of arrivals who find every server busy and wait (arrivals see the time average: PASTA).
    public var probabilityOfWaiting: Double
    /// The share of arrivals who give up before being served: θ·E[queue length] / λ.
    public var abandonmentRate: Double
    /// The share of server time in use: E[busy servers] / c.
    public var occupancy: Double
    /// The mean number of customers waiting.
    public var meanQueueLength: Double

    /// The chain's figures, or nil when an input is out of range.
    ///
    /// - Parameters:
    ///   - arrivalRatePerSecond: λ.
    ///   - meanServiceSeconds: 1/μ.
    ///   - meanPatienceSeconds: 1/θ.
    ///   - servers: c.
    public init?(arrivalRatePerSecond: Double, meanServiceSeconds: Double, meanPatienceSeconds: Double, servers: Int) {
        guard servers >= 1, arrivalRatePerSecond > 0, meanServiceSeconds > 0, meanPatienceSeconds > 0,
            arrivalRatePerSecond.isFinite, meanServiceSeconds.isFinite, meanPatienceSeconds.isFinite
        else { return nil }
        let serviceRate = 1 / meanServiceSeconds
        let abandonRate = 1 / meanPatienceSeconds
        let serverCount = Double(servers)
        // Unnormalised stationary weights, π₀ = 1; a bound on states keeps a pathological input finite.
        var weight = 1.0
        var total = 1.0
        var waiting = 0.0
        var busy = 0.0
        var queue = 0.0
        let stateLimit = 10_000_000
        var state = 0
        while state < stateLimit {
            state += 1
            let present = Double(state)
            let departures = min(present, serverCount) * serviceRate + max(present - serverCount, 0) * abandonRate
            weight *= arrivalRatePerSecond / departures
            total += weight
            busy += weight * min(present, serverCount)
            if state >= servers { waiting += weight }
            queue += weight * max(present - serverCount, 0)
            if state > servers, weight < total * 1e-17 { break }
            if total > 1e200 {
                // Rescale rather than overflow: only ratios of the sums are used.
                weight /= total
                waiting /= total
                busy /= total
                queue /= total
                total = 1
            }
        }
        guard state < stateLimit else { return nil }
        probabilityOfWaiting = waiting / total
        meanQueueLength = queue / total
        abandonmentRate = abandonRate * meanQueueLength / arrivalRatePerSecond
        occupancy = busy / total / serverCount
    }
}
