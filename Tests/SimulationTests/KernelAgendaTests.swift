import MonitoringEngine
import Simulation
import Testing

@Suite("Kernel agenda")
struct KernelAgendaTests {
    /// A payload like the world's: a small enum.
    enum Event: Hashable {
        case arrival(Int)
        case timeout(Int)
    }

    @Test("random schedules pop in (instant, sequence) order", arguments: 0..<40)
    func randomSchedulesPopInOrder(seed: UInt64) {
        var generator = Xoshiro256StarStar(seed: seed)
        var agenda = Agenda<Int>(capacityLimit: 10_000, reservedCapacity: 16)
        var expected: [(instant: Int64, sequence: Int)] = []
        let eventCount = 1 + generator.nextIndex(below: 500)
        for sequence in 0..<eventCount {
            // A narrow range of instants, so that many events share one.
            let instant = Int64(generator.nextIndex(below: 50))
            #expect(agenda.schedule(sequence, at: Instant(nanoseconds: instant)) == .scheduled(sequence: UInt64(sequence)))
            expected.append((instant, sequence))
        }
        #expect(agenda.invariantViolation == nil)
        expected.sort { ($0.instant, $0.sequence) < ($1.instant, $1.sequence) }
        var popped: [(instant: Int64, sequence: Int)] = []
        while let (instant, payload) = agenda.popNext() {
            popped.append((instant.nanoseconds, payload))
            if popped.count % 50 == 0 { #expect(agenda.invariantViolation == nil) }
        }
        #expect(popped.map(\.instant) == expected.map(\.instant), "seed \(seed)")
        #expect(popped.map(\.sequence) == expected.map(\.sequence), "seed \(seed)")
    }

    @Test("a run that schedules as it pops agrees with a sorted reference", arguments: 0..<20)
    func interleavedAgreesWithReference(seed: UInt64) {
        var generator = Xoshiro256StarStar(seed: seed)
        var agenda = Agenda<Event>(capacityLimit: 100_000)
        var reference: [(instant: Int64, sequence: UInt64, payload: Event)] = []
        var sequence: UInt64 = 0
        func schedule(_ event: Event, at instant: Int64) {
            #expect(agenda.schedule(event, at: Instant(nanoseconds: instant)) == .scheduled(sequence: sequence))
            reference.append((instant, sequence, event))
            sequence += 1
        }
        for index in 0..<20 { schedule(.arrival(index), at: Int64(generator.nextIndex(below: 1_000))) }
        var now: Int64 = 0
        for step in 0..<2_000 {
            let next = reference.indices.min {
                (reference[$0].instant, reference[$0].sequence) < (reference[$1].instant, reference[$1].sequence)
            }
            guard let (instant, payload) = agenda.popNext(), let next else {
                #expect(reference.isEmpty && agenda.isEmpty)
                break
            }
            #expect(instant.nanoseconds == reference[next].instant, "seed \(seed) step \(step)")
            #expect(payload == reference[next].payload, "seed \(seed) step \(step)")
            #expect(instant.nanoseconds >= now)
            now = instant.nanoseconds
            reference.remove(at: next)
            for _ in 0..<generator.nextIndex(below: 3) {
                // Zero delays are common, to exercise ties with events already queued for now.
                let delay = generator.nextIndex(below: 2) == 0 ? 0 : Int64(generator.nextIndex(below: 100))
                schedule(.timeout(step), at: now + delay)
            }
            #expect(agenda.count == reference.count)
            #expect(agenda.peekInstant?.nanoseconds == reference.map(\.instant).min())
        }
        #expect(agenda.invariantViolation == nil)
    }

    @Test("events at equal instants pop in the order they were scheduled")
    func equalInstantsInInsertionOrder() {
        var agenda = Agenda<Event>(capacityLimit: 1_000)
        let instant = Instant.seconds(5)
        for index in 0..<100 {
            _ = agenda.schedule(.arrival(index), at: instant)
            _ = agenda.schedule(.timeout(index), at: .seconds(3))
        }
        var timeouts: [Event] = []
        var arrivals: [Event] = []
        while let (at, payload) = agenda.popNext() {
            if at == .seconds(3) { timeouts.append(payload) } else { arrivals.append(payload) }
            #expect(arrivals.isEmpty || timeouts.count == 100)
        }
        #expect(timeouts == (0..<100).map { .timeout($0) })
        #expect(arrivals == (0..<100).map { .arrival($0) })
    }

    @Test("a full agenda refuses to schedule, and accepts again once an event is popped")
    func capacityLimitReported() {
        var agenda = Agenda<Event>(capacityLimit: 3)
        for index in 0..<3 {
            #expect(agenda.schedule(.arrival(index), at: .seconds(Int64(index))) == .scheduled(sequence: UInt64(index)))
        }
        #expect(agenda.schedule(.arrival(3), at: .seconds(9)) == .rejectedAtCapacity)
        #expect(agenda.count == 3)
        #expect(agenda.popNext()?.payload == .arrival(0))
        #expect(agenda.schedule(.arrival(4), at: .seconds(9)) == .scheduled(sequence: 3))
        #expect(agenda.invariantViolation == nil)
    }

    @Test("an empty agenda has no next event")
    func emptyAgenda() {
        var agenda = Agenda<Event>(capacityLimit: 10)
        #expect(agenda.isEmpty)
        #expect(agenda.peekInstant == nil)
        #expect(agenda.popNext() == nil)
        _ = agenda.schedule(.arrival(1), at: .seconds(2))
        #expect(!agenda.isEmpty && agenda.count == 1 && agenda.peekInstant == .seconds(2))
    }
}
