import MonitoringEngine
import Testing

@testable import Simulation

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
            #expect(agenda.schedule(sequence, at: Instant(nanoseconds: instant)) == .scheduled)
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
        var agenda = Agenda<Event>(capacityLimit: 100_000)
        Self.checkAgainstReference(&agenda, seed: seed)
    }

    @Test("when 32-bit sequence numbers run out, pending events are renumbered and keep their order", arguments: 0..<20)
    func renumberingKeepsOrder(seed: UInt64) {
        // 256 sequence numbers run out every 256 schedules: about eight renumberings in a run of 2,000 pops.
        var agenda = Agenda<Event>(capacityLimit: 200, reservedCapacity: 16, sequenceLimit: 256)
        Self.checkAgainstReference(&agenda, seed: seed)
    }

    /// Schedules and pops as a run does, zero to two events scheduled after each pop, and checks every pop
    /// against a sorted reference that numbers events with 64-bit sequences.
    static func checkAgainstReference(_ agenda: inout Agenda<Event>, seed: UInt64) {
        var generator = Xoshiro256StarStar(seed: seed)
        var reference: [(instant: Int64, sequence: UInt64, payload: Event)] = []
        var sequence: UInt64 = 0
        func schedule(_ event: Event, at instant: Int64) {
            #expect(agenda.schedule(event, at: Instant(nanoseconds: instant)) == .scheduled, "seed \(seed)")
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
                // Zero delays are common, to exercise ties with events already scheduled for now.
                let delay = generator.nextIndex(below: 2) == 0 ? 0 : Int64(generator.nextIndex(below: 100))
                schedule(.timeout(step), at: now + delay)
            }
            #expect(agenda.count == reference.count)
            #expect(agenda.peekInstant?.nanoseconds == reference.map(\.instant).min())
            if step % 100 == 0 { #expect(agenda.invariantViolation == nil, "seed \(seed) step \(step)") }
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
            #expect(agenda.schedule(.arrival(index), at: .seconds(Int64(index))) == .scheduled)
        }
        #expect(agenda.schedule(.arrival(3), at: .seconds(9)) == .rejectedAtCapacity)
        #expect(agenda.count == 3)
        #expect(agenda.popNext()?.payload == .arrival(0))
        #expect(agenda.schedule(.arrival(4), at: .seconds(9)) == .scheduled)
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

    @Test("the world's agenda entries are at most 24 bytes, so that the heap moves little memory")
    func worldAgendaEntryStride() {
        #expect(MemoryLayout<Agenda<WorldEvent>.Entry>.stride <= 24)
    }

    @Test("a copy of an agenda keeps its events when the original changes")
    func copiesAreIndependent() {
        var original = Agenda<Event>(capacityLimit: 100, reservedCapacity: 16)
        for index in 0..<10 { _ = original.schedule(.arrival(index), at: .seconds(Int64(index % 3))) }
        var copy = original
        #expect(original.popNext()?.payload == .arrival(0))
        _ = original.schedule(.timeout(0), at: .seconds(0))
        var fromOriginal: [Event] = []
        while let (_, payload) = original.popNext() { fromOriginal.append(payload) }
        var fromCopy: [Event] = []
        while let (_, payload) = copy.popNext() { fromCopy.append(payload) }
        #expect(fromOriginal == [.arrival(3), .arrival(6), .arrival(9), .timeout(0)] + [1, 4, 7, 2, 5, 8].map { .arrival($0) })
        #expect(fromCopy == [0, 3, 6, 9, 1, 4, 7, 2, 5, 8].map { .arrival($0) })
    }

    /// A payload that holds a reference, to see when the agenda lets it go.
    final class Token {}

    @Test("payloads are released when popped, and pending ones when the agenda goes away")
    func payloadsReleased() {
        weak var popped: Token?
        weak var pending: Token?
        do {
            var agenda = Agenda<Token>(capacityLimit: 10)
            do {
                let first = Token()
                let second = Token()
                popped = first
                pending = second
                _ = agenda.schedule(first, at: .seconds(1))
                _ = agenda.schedule(second, at: .seconds(2))
            }
            _ = agenda.popNext()
            #expect(popped == nil && pending != nil)
            #expect(agenda.invariantViolation == nil)
        }
        #expect(pending == nil)
    }
}
