import MonitoringEngine

/// The simulator's agenda: events ordered by virtual instant, and events due at the same instant by the
/// order in which they were scheduled.
///
/// An array-backed binary min-heap keyed by (instant, sequence). `Payload` is a small enum the world
/// chooses, never a closure, so a push in steady state neither allocates nor retains; the array keeps its
/// capacity as events are popped. The agenda holds at most `capacityLimit` events and says so when full
/// rather than growing without bound.
public struct Agenda<Payload> {
    /// One scheduled event.
    @usableFromInline
    struct Entry {
        @usableFromInline let instant: Instant
        @usableFromInline let sequence: UInt64
        @usableFromInline let payload: Payload

        @inlinable
        init(instant: Instant, sequence: UInt64, payload: Payload) {
            self.instant = instant
            self.sequence = sequence
            self.payload = payload
        }

        /// Whether this event runs before `other`: earlier instant, or the same instant and scheduled earlier.
        @inlinable
        func precedes(_ other: Entry) -> Bool {
            instant.nanoseconds < other.instant.nanoseconds
                || (instant.nanoseconds == other.instant.nanoseconds && sequence < other.sequence)
        }
    }

    /// What became of a request to schedule an event.
    public enum ScheduleOutcome: Sendable, Hashable {
        /// The event is on the agenda, with this tie-breaking sequence number.
        case scheduled(sequence: UInt64)
        /// The agenda already holds `capacityLimit` events; nothing was queued.
        case rejectedAtCapacity
    }

    /// The heap, in the usual implicit layout: the children of index i are at 2i + 1 and 2i + 2.
    @usableFromInline var entries: [Entry]
    /// The sequence number the next scheduled event receives.
    @usableFromInline var nextSequence: UInt64 = 0
    /// The instant of the last event popped; nothing may be scheduled before it.
    @usableFromInline var lastPoppedInstant: Instant?

    /// The most events the agenda holds at once.
    public let capacityLimit: Int

    /// An empty agenda holding at most `capacityLimit` events, with room reserved for `reservedCapacity` of them.
    public init(capacityLimit: Int, reservedCapacity: Int = 1_024) {
        precondition(capacityLimit > 0, "an agenda needs a positive capacity limit")
        precondition(reservedCapacity >= 0, "reserved capacity cannot be negative")
        self.capacityLimit = capacityLimit
        entries = []
        entries.reserveCapacity(min(capacityLimit, reservedCapacity))
    }

    /// How many events are pending.
    @inlinable
    public var count: Int { entries.count }

    /// Whether no event is pending.
    @inlinable
    public var isEmpty: Bool { entries.isEmpty }

    /// The instant of the next event, or nil when the agenda is empty.
    @inlinable
    public var peekInstant: Instant? { entries.first?.instant }

    /// Schedules `payload` to run at `instant`, after every event already scheduled for that instant.
    ///
    /// Scheduling before the instant of the last popped event would move virtual time backwards, a
    /// programmer error that debug builds catch.
    @inlinable
    public mutating func schedule(_ payload: Payload, at instant: Instant) -> ScheduleOutcome {
        assert(lastPoppedInstant.map { instant >= $0 } ?? true, "event scheduled at \(instant), in the past")
        guard entries.count < capacityLimit else { return .rejectedAtCapacity }
        let sequence = nextSequence
        nextSequence &+= 1
        entries.append(Entry(instant: instant, sequence: sequence, payload: payload))
        siftUp(from: entries.count - 1)
        return .scheduled(sequence: sequence)
    }

    /// Removes and returns the next event: the earliest, and of those the first scheduled.
    @inlinable
    public mutating func popNext() -> (instant: Instant, payload: Payload)? {
        guard let last = entries.popLast() else { return nil }
        guard !entries.isEmpty else {
            lastPoppedInstant = last.instant
            return (last.instant, last.payload)
        }
        let first = entries[0]
        siftDown(last, from: 0)
        lastPoppedInstant = first.instant
        return (first.instant, first.payload)
    }

    /// Moves the entry at `index` up until its parent precedes it, shifting parents down into the hole
    /// instead of swapping. Works on the heap's buffer directly: the indices stay within `count` by
    /// construction, and going through the array would check bounds and uniqueness on every move.
    @inlinable
    mutating func siftUp(from index: Int) {
        entries.withUnsafeMutableBufferPointer { heap in
            let moving = heap[index]
            var hole = index
            while hole > 0 {
                let parent = (hole - 1) / 2
                guard moving.precedes(heap[parent]) else { break }
                heap[hole] = heap[parent]
                hole = parent
            }
            heap[hole] = moving
        }
    }

    /// Places `moving` at the hole at `index`, moving the earlier child up while one precedes it.
    @inlinable
    mutating func siftDown(_ moving: Entry, from index: Int) {
        entries.withUnsafeMutableBufferPointer { heap in
            let count = heap.count
            var hole = index
            while true {
                var child = 2 * hole + 1
                guard child < count else { break }
                if child + 1 < count && heap[child + 1].precedes(heap[child]) {
                    child += 1
                }
                guard heap[child].precedes(moving) else { break }
                heap[hole] = heap[child]
                hole = child
            }
            heap[hole] = moving
        }
    }
}

extension Agenda: Sendable where Payload: Sendable {}
extension Agenda.Entry: Sendable where Payload: Sendable {}
