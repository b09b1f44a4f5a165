import MonitoringEngine
import Simulation
import Testing

@Suite("Kernel arrival process")
struct KernelArrivalProcessTests {
    /// Arrival counts per interval of `length`, summed over `replications` independent streams, up to `horizon`.
    static func countsPerInterval(
        _ process: ArrivalProcess, length: TimeSpan, intervals: Int, replications: Int
    ) -> [Int] {
        let horizon = process.origin + TimeSpan(nanoseconds: length.nanoseconds * Int64(intervals))
        var counts = [Int](repeating: 0, count: intervals)
        let streams = RandomStreams(rootSeed: 31)
        for replication in 0..<replications {
            var generator = streams.stream(named: "arrivals", index: replication)
            var now = process.origin
            while let arrival = process.nextArrival(after: now, using: &generator), arrival < horizon {
                #expect(arrival >= now)
                counts[Int((arrival - process.origin).nanoseconds / length.nanoseconds)] += 1
                now = arrival
            }
        }
        return counts
    }

    /// Whether a Poisson count is within three standard errors of its expectation.
    static func withinThreeStandardErrors(_ count: Int, expected: Double) -> Bool {
        abs(Double(count) - expected) <= 3 * expected.squareRoot()
    }

    @Test("counts per interval match rate × length, and zero-rate intervals get no arrival")
    func countsMatchRates() throws {
        let rates: [Double] = [60, 0, 120, 30]
        let process = try ArrivalProcess(
            ratesPerHour: rates, intervalLength: .seconds(3_600), origin: .seconds(1_000), continuation: .stops)
        let replications = 400
        let counts = Self.countsPerInterval(process, length: .seconds(3_600), intervals: 4, replications: replications)
        for (rate, count) in zip(rates, counts) {
            let expected = rate * Double(replications)
            #expect(
                rate == 0 ? count == 0 : Self.withinThreeStandardErrors(count, expected: expected),
                "rate \(rate): \(count) arrivals, expected \(expected)")
        }
    }

    @Test("a stopping profile has no arrival after its last interval")
    func stoppingProfileEnds() throws {
        let process = try ArrivalProcess(ratesPerHour: [600], intervalLength: .seconds(3_600), continuation: .stops)
        var generator = Xoshiro256StarStar(seed: 1)
        var now = Instant.zero
        var arrivals = 0
        while let arrival = process.nextArrival(after: now, using: &generator) {
            #expect(arrival < .seconds(3_600))
            now = arrival
            arrivals += 1
        }
        #expect(arrivals > 500)
        #expect(process.nextArrival(after: .seconds(3_600), using: &generator) == nil)
    }

    @Test("a repeating profile repeats, zero-rate intervals included")
    func repeatingProfile() throws {
        let rates: [Double] = [0, 240]
        let process = try ArrivalProcess(ratesPerHour: rates, intervalLength: .seconds(900), continuation: .repeatsProfile)
        let replications = 200
        let counts = Self.countsPerInterval(process, length: .seconds(900), intervals: 8, replications: replications)
        for (interval, count) in counts.enumerated() {
            let expected = rates[interval % 2] / 4 * Double(replications)
            #expect(
                expected == 0 ? count == 0 : Self.withinThreeStandardErrors(count, expected: expected),
                "interval \(interval): \(count) arrivals, expected \(expected)")
        }
    }

    @Test("a profile holding its last rate keeps it after the end")
    func holdingProfile() throws {
        let rates: [Double] = [0, 90]
        let process = try ArrivalProcess(ratesPerHour: rates, intervalLength: .seconds(3_600), continuation: .holdsLastRate)
        let replications = 200
        let counts = Self.countsPerInterval(process, length: .seconds(3_600), intervals: 5, replications: replications)
        #expect(counts[0] == 0)
        for count in counts.dropFirst() {
            #expect(Self.withinThreeStandardErrors(count, expected: 90 * Double(replications)), "\(counts)")
        }
    }

    @Test("a rare arrival in a repeating profile skips whole passes and keeps the right mean wait")
    func rareArrivalsSkipPasses() throws {
        // One arrival per 1 000 active hours, active one minute in two: a mean wait of 2 000 hours, 60 000 passes.
        let process = try ArrivalProcess(
            ratesPerHour: [0.001, 0], intervalLength: .seconds(60), continuation: .repeatsProfile)
        var generator = Xoshiro256StarStar(seed: 3)
        let arrivals = 2_000
        var totalWaitHours = 0.0
        for _ in 0..<arrivals {
            let arrival = try #require(process.nextArrival(after: .zero, using: &generator))
            #expect((arrival.nanoseconds / 60_000_000_000) % 2 == 0, "an arrival fell in the zero-rate minute")
            totalWaitHours += Double(arrival.nanoseconds) / 3.6e12
        }
        let meanWaitHours = totalWaitHours / Double(arrivals)
        #expect(abs(meanWaitHours - 2_000) <= 3 * 2_000 / Double(arrivals).squareRoot(), "mean wait \(meanWaitHours) hours")
    }

    @Test("a rate that is zero forever gives no arrival")
    func zeroForever() throws {
        var generator = Xoshiro256StarStar(seed: 1)
        let silentRepeating = try ArrivalProcess(ratesPerHour: [0, 0], intervalLength: .seconds(60), continuation: .repeatsProfile)
        let silentAfterwards = try ArrivalProcess(ratesPerHour: [3_600, 0], intervalLength: .seconds(1), continuation: .holdsLastRate)
        #expect(silentRepeating.nextArrival(after: .zero, using: &generator) == nil)
        #expect(silentAfterwards.nextArrival(after: .seconds(1), using: &generator) == nil)
    }

    @Test("no arrival comes before the profile's origin")
    func noArrivalBeforeOrigin() throws {
        let process = try ArrivalProcess(
            ratesPerHour: [36_000], intervalLength: .seconds(60), origin: .seconds(100), continuation: .holdsLastRate)
        var generator = Xoshiro256StarStar(seed: 8)
        for _ in 0..<100 {
            let arrival = try #require(process.nextArrival(after: .zero, using: &generator))
            #expect(arrival >= .seconds(100))
        }
    }

    @Test("a profile with no interval, a non-positive length or a negative rate is refused")
    func invalidProfiles() {
        #expect(throws: ArrivalProcess.ProfileError.noInterval) {
            try ArrivalProcess(ratesPerHour: [], intervalLength: .seconds(60), continuation: .stops)
        }
        #expect(throws: ArrivalProcess.ProfileError.intervalLengthNotPositive(.zero)) {
            try ArrivalProcess(ratesPerHour: [1], intervalLength: .zero, continuation: .stops)
        }
        #expect(throws: ArrivalProcess.ProfileError.invalidRate(index: 1, ratePerHour: -2)) {
            try ArrivalProcess(ratesPerHour: [1, -2], intervalLength: .seconds(60), continuation: .stops)
        }
    }
}
