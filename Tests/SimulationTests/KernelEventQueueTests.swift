import MonitoringEngine
import Simulation
import Testing

@Suite("Kernel event queue")
struct KernelEventQueueTests {
    /// A payload like the world's: a small enum.
    enum Event: Hashable {
        case arrival(Int)
        case timeout(Int)
    }

    @Test("random schedules pop in (instant, sequence) order", arguments: 0..<40)
    func randomSchedulesPopInOrder(seed: UInt64) {
        var generator = Xoshiro256StarStar(seed: seed)
        var queue = EventQueue<Int>(capacityLimit: 10_000, reservedCapacity: 16)
        var expected: [(instant: Int64, sequence: Int)] = []
        let eventCount = 1 + generator.nextIndex(below: 500)
        for sequence in 0..<eventCount {
            // A narrow range of instants, so that many events share one.
            let instant = Int64(generator.nextIndex(below: 50))
            #expect(queue.schedule(sequence, at: Instant(nanoseconds: instant)) == .scheduled(sequence: UInt64(sequence)))
            expected.append((instant, sequence))
        }
        #expect(queue.invariantViolation == nil)
        expected.sort { ($0.instant, $0.sequence) < ($1.instant, $1.sequence) }
        var popped: [(instant: Int64, sequence: Int)] = []
        while let (instant, payload) = queue.popNext() {
            popped.append((instant.nanoseconds, payload))
            if popped.count % 50 == 0 { #expect(queue.invariantViolation == nil) }
        }
        #expect(popped.map(\.instant) == expected.map(\.instant), "seed \(seed)")
        #expect(popped.map(\.sequence) == expected.map(\.sequence), "seed \(seed)")
    }

    @Test("a run that schedules as it pops agrees with a sorted reference", arguments: 0..<20)
    func interleavedAgreesWithReference(seed: UInt64) {
        var generator = Xoshiro256StarStar(seed: seed)
        var queue = EventQueue<Event>(capacityLimit: 100_000)
        var reference: [(instant: Int64, sequence: UInt64, payload: Event)] = []
        var sequence: UInt64 = 0
        func schedule(_ event: Event, at instant: Int64) {
            #expect(queue.schedule(event, at: Instant(nanoseconds: instant)) == .scheduled(sequence: sequence))
            reference.append((instant, sequence, event))
            sequence += 1
        }
        for index in 0..<20 { schedule(.arrival(index), at: Int64(generator.nextIndex(below: 1_000))) }
        var now: Int64 = 0
        for step in 0..<2_000 {
            let next = reference.indices.min {
                (reference[$0].instant, reference[$0].sequence) < (reference[$1].instant, reference[$1].sequence)
            }
            guard let (instant, payload) = queue.popNext(), let next else {
                #expect(reference.isEmpty && queue.isEmpty)
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
            #expect(queue.count == reference.count)
            #expect(queue.peekInstant?.nanoseconds == reference.map(\.instant).min())
        }
        #expect(queue.invariantViolation == nil)
    }

    @Test("events at equal instants pop in the order they were scheduled")
    func equalInstantsInInsertionOrder() {
        var queue = EventQueue<Event>(capacityLimit: 1_000)
        let instant = Instant.seconds(5)
        for index in 0..<100 {
            _ = queue.schedule(.arrival(index), at: instant)
            _ = queue.schedule(.timeout(index), at: .seconds(3))
        }
        var timeouts: [Event] = []
        var arrivals: [Event] = []
        while let (at, payload) = queue.popNext() {
            if at == .seconds(3) { timeouts.append(payload) } else { arrivals.append(payload) }
            #expect(arrivals.isEmpty || timeouts.count == 100)
        }
        #expect(timeouts == (0..<100).map { .timeout($0) })
        #expect(arrivals == (0..<100).map { .arrival($0) })
    }

    @Test("a full queue refuses to schedule, and accepts again once an event is popped")
    func capacityLimitReported() {
        var queue = EventQueue<Event>(capacityLimit: 3)
        for index in 0..<3 {
            #expect(queue.schedule(.arrival(index), at: .seconds(Int64(index))) == .scheduled(sequence: UInt64(index)))
        }
        #expect(queue.schedule(.arrival(3), at: .seconds(9)) == .rejectedAtCapacity)
        #expect(queue.count == 3)
        #expect(queue.popNext()?.payload == .arrival(0))
        #expect(queue.schedule(.arrival(4), at: .seconds(9)) == .scheduled(sequence: 3))
        #expect(queue.invariantViolation == nil)
    }

    @Test("an empty queue has no next event")
    func emptyQueue() {
        var queue = EventQueue<Event>(capacityLimit: 10)
        #expect(queue.isEmpty)
        #expect(queue.peekInstant == nil)
        #expect(queue.popNext() == nil)
        _ = queue.schedule(.arrival(1), at: .seconds(2))
        #expect(!queue.isEmpty && queue.count == 1 && queue.peekInstant == .seconds(2))
    }
}
