import MonitoringEngine
import Simulation
import Testing

@Suite("Validation against queueing theory with abandonment")
struct ErlangAValidationTests {
    @Test("M/M/10+M (200 an hour, 3-minute handling, 2-minute patience): P(wait), abandonment and occupancy agree with Erlang A's chain")
    func erlangA() throws {
        let agents = 10
        let ratePerHour = 200.0
        let meanHandle = 180.0
        let meanPatience = 120.0
        var waits: [Double] = []
        var abandonments: [Double] = []
        var occupancies: [Double] = []
        for replication in 0..<20 {
            var world = World(
                configuration: erlangCentre(
                    seed: 500 + UInt64(replication), agents: agents, ratePerHour: ratePerHour, meanHandleSeconds: meanHandle, hours: 41,
                    patience: .exponential(mean: meanPatience)))
            let summary = world.run().summary
            #expect(summary.invariants.held)
            waits.append(try #require(summary.kpis.probabilityOfWaiting))
            abandonments.append(try #require(summary.kpis.abandonmentRate))
            occupancies.append(try #require(summary.kpis.occupancy))
        }
        let chain = try #require(
            ErlangA(arrivalRatePerSecond: ratePerHour / 3_600, meanServiceSeconds: meanHandle, meanPatienceSeconds: meanPatience, servers: agents))
        // The point of the new definition: over every arrival, not over the answered (which read about 0.42 here).
        #expect(abs(chain.probabilityOfWaiting - 0.5) < 0.05)
        for (name, values, expected) in [
            ("P(wait)", waits, chain.probabilityOfWaiting), ("abandonment", abandonments, chain.abandonmentRate),
            ("occupancy", occupancies, chain.occupancy),
        ] {
            let (mean, halfWidth) = confidenceInterval(values)
            #expect(abs(mean - expected) <= halfWidth, "\(name): simulated \(mean) ± \(halfWidth), Erlang A \(expected)")
            #expect(halfWidth < 0.1 * expected, "\(name): interval ±\(halfWidth) too wide to test anything")
        }
    }

    @Test("A centre with no agents has service level 0 and abandonment 1, not a perfect service level")
    func noAgents() throws {
        var world = World(
            configuration: erlangCentre(seed: 3, agents: 0, ratePerHour: 600, meanHandleSeconds: 180, hours: 3, patience: .constant(0), kind: .sms))
        let kpis = world.run().summary.kpis
        #expect(kpis.offered > 1_000)
        #expect(kpis.answered == 0)
        #expect(kpis.serviceLevel == 0)
        #expect(kpis.abandonmentRate == 1)
        #expect(kpis.probabilityOfWaiting == 1)
        #expect(kpis.serviceLevelOfAnswered == nil)
        #expect(kpis.averageSpeedOfAnswerSeconds == nil)
        #expect(kpis.occupancy == nil)
    }

    @Test("One agent, 600 SMS customers an hour and no patience: nearly everyone abandons and the service level is near 0")
    func impatientCustomers() throws {
        var world = World(
            configuration: erlangCentre(seed: 1, agents: 1, ratePerHour: 600, meanHandleSeconds: 180, hours: 2, patience: .constant(0), kind: .sms))
        let kpis = world.run().summary.kpis
        let serviceLevel = try #require(kpis.serviceLevel)
        let abandonment = try #require(kpis.abandonmentRate)
        #expect(abandonment > 0.9)
        #expect(serviceLevel < 0.1)
        #expect(abs(serviceLevel + abandonment - 1) < 0.01, "every customer is answered at once or abandons at once")
        // The answered-only figure, kept under its own name, is the flattering one.
        #expect(kpis.serviceLevelOfAnswered == 1)
    }

    @Test("Customers who give up sooner than the short-abandon threshold leave the service level's denominator")
    func shortAbandons() throws {
        var world = World(
            configuration: erlangCentre(
                seed: 3, agents: 0, ratePerHour: 600, meanHandleSeconds: 180, hours: 2, patience: .constant(0), kind: .sms,
                shortAbandonThreshold: .seconds(5)))
        let kpis = world.run().summary.kpis
        #expect(kpis.abandoned > 0)
        #expect(kpis.abandonedShort == kpis.abandoned)
        #expect(kpis.serviceLevel == nil, "every offered customer was a short abandon: nothing to be over")
        #expect(kpis.abandonmentRate == 1)
    }

    @Test("An interval's customer figures count the customers who arrived in it, so its service level never exceeds 1")
    func intervalsCountTheirArrivals() throws {
        var world = World(
            configuration: erlangCentre(seed: 7, agents: 10, ratePerHour: 200, meanHandleSeconds: 180, hours: 6, patience: .exponential(mean: 120)))
        let result = world.run()
        for interval in result.intervals {
            let customers = interval.customers
            #expect(customers.answered + customers.abandoned <= customers.offered)
            #expect((customers.serviceLevel ?? 0) <= 1)
        }
        let offered = result.intervals.reduce(0) { $0 + $1.customers.offered }
        #expect(offered == result.summary.kpis.offered)
    }
}
