import Simulation
import Testing

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Kernel Erlang C")
struct KernelErlangCTests {
    /// Erlang C by the textbook factorial sum, independent of the recursion under test; only for small c.
    static func directProbabilityOfWaiting(load: Double, servers: Int) -> Double {
        var term = 1.0
        var sumBelowServers = 0.0
        for k in 0..<servers {
            sumBelowServers += term
            term *= load / Double(k + 1)
        }
        let waitingTerm = term * Double(servers) / (Double(servers) - load)
        return waitingTerm / (sumBelowServers + waitingTerm)
    }

    @Test("10 Erlangs on 12 servers wait with probability 0.4494, as the factorial sum says")
    func textbookValue() throws {
        let waiting = try #require(
            ErlangC.probabilityOfWaiting(arrivalRatePerSecond: 10.0 / 180, meanServiceSeconds: 180, servers: 12))
        #expect(abs(waiting - 0.4494) < 5e-5)
        #expect(abs(waiting - Self.directProbabilityOfWaiting(load: 10, servers: 12)) < 1e-12)
    }

    @Test(
        "the recursion agrees with the factorial sum",
        arguments: [
            (0.5, 1), (1.9, 2), (4.0, 5), (10.0, 11), (17.3, 20), (29.9, 30), (40.0, 60),
        ])
    func agreesWithDirectFormula(load: Double, servers: Int) throws {
        let waiting = try #require(
            ErlangC.probabilityOfWaiting(arrivalRatePerSecond: load / 300, meanServiceSeconds: 300, servers: servers))
        #expect(abs(waiting - Self.directProbabilityOfWaiting(load: load, servers: servers)) < 1e-10)
    }

    @Test("service level, average speed of answer and occupancy follow from the probability of waiting")
    func derivedMeasures() throws {
        let rate = 10.0 / 180
        let waiting = Self.directProbabilityOfWaiting(load: 10, servers: 12)
        let serviceLevel = try #require(
            ErlangC.serviceLevel(arrivalRatePerSecond: rate, meanServiceSeconds: 180, servers: 12, withinSeconds: 20))
        let speed = try #require(
            ErlangC.averageSpeedOfAnswerSeconds(arrivalRatePerSecond: rate, meanServiceSeconds: 180, servers: 12))
        let occupancy = try #require(ErlangC.occupancy(arrivalRatePerSecond: rate, meanServiceSeconds: 180, servers: 12))
        #expect(abs(serviceLevel - (1 - waiting * exp(-2.0 * 20 / 180))) < 1e-12)
        #expect(abs(serviceLevel - 0.6402) < 1e-4)
        #expect(abs(speed - waiting * 180 / 2) < 1e-9)
        #expect(abs(speed - 40.45) < 0.01)
        #expect(abs(occupancy - 10.0 / 12) < 1e-12)
    }

    @Test("thousands of servers stay finite, where the factorial sum overflows")
    func largeCentre() throws {
        let waiting = try #require(
            ErlangC.probabilityOfWaiting(arrivalRatePerSecond: 950.0 / 300, meanServiceSeconds: 300, servers: 1_000))
        #expect(waiting > 0 && waiting < 1)
        #expect(Self.directProbabilityOfWaiting(load: 950, servers: 1_000).isNaN)
    }

    @Test("an offered load at or above the servers, or inputs out of range, give no answer")
    func unstable() {
        #expect(ErlangC.probabilityOfWaiting(arrivalRatePerSecond: 12.0 / 180, meanServiceSeconds: 180, servers: 12) == nil)
        #expect(ErlangC.occupancy(arrivalRatePerSecond: 1, meanServiceSeconds: 20, servers: 12) == nil)
        #expect(ErlangC.serviceLevel(arrivalRatePerSecond: 1, meanServiceSeconds: 20, servers: 12, withinSeconds: 20) == nil)
        #expect(ErlangC.averageSpeedOfAnswerSeconds(arrivalRatePerSecond: 1, meanServiceSeconds: 20, servers: 12) == nil)
        #expect(ErlangC.probabilityOfWaiting(arrivalRatePerSecond: 0.01, meanServiceSeconds: 20, servers: 0) == nil)
        #expect(ErlangC.probabilityOfWaiting(arrivalRatePerSecond: 0.01, meanServiceSeconds: 0, servers: 2) == nil)
    }
}
