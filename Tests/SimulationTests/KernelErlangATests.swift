import Simulation
import Testing

@Suite("Kernel Erlang A")
struct KernelErlangATests {
    @Test("With patience far longer than any wait, Erlang A's P(wait) and occupancy are Erlang C's")
    func patientCustomersAreErlangC() throws {
        let rate = 10.0 / 180
        let chain = try #require(ErlangA(arrivalRatePerSecond: rate, meanServiceSeconds: 180, meanPatienceSeconds: 1e12, servers: 12))
        let waiting = try #require(ErlangC.probabilityOfWaiting(arrivalRatePerSecond: rate, meanServiceSeconds: 180, servers: 12))
        #expect(abs(chain.probabilityOfWaiting - waiting) < 1e-6)
        #expect(abs(chain.occupancy - 10.0 / 12) < 1e-6)
        #expect(chain.abandonmentRate < 1e-6)
    }

    @Test("Every arrival is served or abandons: served rate + abandonment rate = arrival rate, at loads under and over capacity")
    func flowBalance() throws {
        for (rate, servers) in [(200.0 / 3_600, 10), (400.0 / 3_600, 10), (3.0, 400), (0.001, 1)] {
            let chain = try #require(ErlangA(arrivalRatePerSecond: rate, meanServiceSeconds: 180, meanPatienceSeconds: 120, servers: servers))
            let served = chain.occupancy * Double(servers) / 180
            #expect(abs(served + chain.abandonmentRate * rate - rate) < 1e-9 * max(rate, 1), "λ = \(rate), c = \(servers)")
            #expect((0...1).contains(chain.probabilityOfWaiting))
        }
    }

    @Test("An overloaded centre is stable under Erlang A: twice the capacity offered, about half the customers abandon")
    func overloadIsStable() throws {
        let chain = try #require(ErlangA(arrivalRatePerSecond: 20.0 / 180, meanServiceSeconds: 180, meanPatienceSeconds: 120, servers: 10))
        #expect(chain.occupancy > 0.95)
        #expect(chain.probabilityOfWaiting > 0.95)
        #expect(abs(chain.abandonmentRate - 0.5) < 0.05)
    }

    @Test("Inputs out of range have no answer")
    func outOfRange() {
        #expect(ErlangA(arrivalRatePerSecond: 0.1, meanServiceSeconds: 180, meanPatienceSeconds: 120, servers: 0) == nil)
        #expect(ErlangA(arrivalRatePerSecond: 0.1, meanServiceSeconds: 0, meanPatienceSeconds: 120, servers: 2) == nil)
        #expect(ErlangA(arrivalRatePerSecond: 0.1, meanServiceSeconds: 180, meanPatienceSeconds: -1, servers: 2) == nil)
        #expect(ErlangA(arrivalRatePerSecond: .infinity, meanServiceSeconds: 180, meanPatienceSeconds: 120, servers: 2) == nil)
    }
}
