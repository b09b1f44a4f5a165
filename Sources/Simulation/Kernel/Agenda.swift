import MonitoringEngine

/// The simulator's agenda: events ordered by virtual instant, and events due at the same instant by the
/// order in which they were scheduled.
///
/// A 4-ary min-heap of 16-byte entries, each holding the instant, a sequence number and the handle of the
/// slot in a side table where the payload waits from schedule to pop, so that sifting moves entries only.
/// The four children of an entry share one 64-byte cache line and the earliest of them is found without a
/// branch; measured against a binary heap and a timing wheel in Benchmarks/README.md. `Payload` is a small
/// enum the world chooses, never a closure, so a push in steady state neither allocates nor retains. The
/// agenda holds at most `capacityLimit` events and says so when full rather than growing without bound.
public struct Agenda<Payload> {
    /// What became of a request to schedule an event.
    public enum ScheduleOutcome: Sendable, Hashable {
        /// The event is on the agenda.
        case scheduled
        /// The agenda already holds `capacityLimit` events; nothing was scheduled.
        case rejectedAtCapacity
    }

    /// The entries, the payloads and the free slots, shared by copies of the agenda until one of them changes.
    @usableFromInline var storage: Storage
    /// The sequence number the next scheduled event receives.
    @usableFromInline var nextSequence: UInt32 = 0
    /// The instant of the last event popped; nothing may be scheduled before it.
    @usableFromInline var lastPoppedInstant: Instant?

    /// The most events the agenda holds at once.
    public let capacityLimit: Int
    /// Sequence numbers are 32 bits: when the next one would reach this limit, the pending events are
    /// numbered again from zero in their order (`UInt32.max`; tests lower it to exercise the renumbering).
    @usableFromInline let sequenceLimit: UInt32

    /// An empty agenda holding at most `capacityLimit` events, with room reserved for `reservedCapacity` of them.
    public init(capacityLimit: Int, reservedCapacity: Int = 1_024) {
        self.init(capacityLimit: capacityLimit, reservedCapacity: reservedCapacity, sequenceLimit: .max)
    }

    /// An empty agenda that renumbers its pending events whenever `sequenceLimit` events have been scheduled
    /// since the last renumbering.
    init(capacityLimit: Int, reservedCapacity: Int, sequenceLimit: UInt32) {
        precondition(capacityLimit > 0, "an agenda needs a positive capacity limit")
        // Handles stay below the capacity, so that no entry ever equals the sentinel (Entry.sentinel).
        precondition(capacityLimit < Int(UInt32.max), "an agenda holds fewer than 2^32 - 1 events")
        precondition(reservedCapacity >= 0, "reserved capacity cannot be negative")
        precondition(Int(sequenceLimit) >= capacityLimit, "renumbering needs more sequence numbers than events")
        self.capacityLimit = capacityLimit
        self.sequenceLimit = sequenceLimit
        storage = Storage(capacity: min(capacityLimit, max(reservedCapacity, Storage.smallestCapacity)))
    }

    /// How many events are pending.
    @inlinable
    public var count: Int { storage.count }

    /// Whether no event is pending.
    @inlinable
    public var isEmpty: Bool { storage.count == 0 }

    /// The instant of the next event, or nil when the agenda is empty.
    @inlinable
    public var peekInstant: Instant? { storage.count == 0 ? nil : storage.entries[0].instant }

    /// Schedules `payload` to run at `instant`, after every event already scheduled for that instant.
    ///
    /// Scheduling before the instant of the last popped event would move virtual time backwards, a
    /// programmer error that debug builds catch.
    @inlinable
    public mutating func schedule(_ payload: Payload, at instant: Instant) -> ScheduleOutcome {
        assert(lastPoppedInstant.map { instant >= $0 } ?? true, "event scheduled at \(instant), in the past")
        guard storage.count < capacityLimit else { return .rejectedAtCapacity }
        if nextSequence == sequenceLimit { renumberPendingEvents() }
        if !isKnownUniquelyReferenced(&storage) || storage.count == storage.capacity { replaceStorageToSchedule() }
        let handle = storage.store(payload)
        storage.siftUp(Entry(instant: instant, sequence: nextSequence, handle: handle))
        nextSequence &+= 1
        return .scheduled
    }

    /// Removes and returns the next event: the earliest, and of those the first scheduled.
    @inlinable
    public mutating func popNext() -> (instant: Instant, payload: Payload)? {
        guard storage.count > 0 else { return nil }
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        let first = storage.removeFirst()
        lastPoppedInstant = first.instant
        return (first.instant, storage.take(first.handle))
    }

    /// A storage of its own for a copy about to change, larger when the agenda is full up to its limit.
    @usableFromInline
    mutating func replaceStorageToSchedule() {
        var capacity = storage.capacity
        if storage.count == capacity { capacity = min(capacityLimit, 2 * capacity) }
        storage = storage.copy(capacity: capacity)
    }

    /// Numbers the pending events from zero in their order, so that sequence numbers never wrap around:
    /// the order of pending events stays what it was, and later events still come after them.
    ///
    /// A sorted array is a heap, so sorting the entries is all the reordering it needs. It runs once in
    /// 2^32 schedules, sorting at most `capacityLimit` entries.
    @usableFromInline
    mutating func renumberPendingEvents() {
        if !isKnownUniquelyReferenced(&storage) { storage = storage.copy(capacity: storage.capacity) }
        var entries = UnsafeMutableBufferPointer(start: storage.entries, count: storage.count)
        entries.sort { $0.precedes($1) }
        for index in entries.indices {
            entries[index] = Entry(instant: entries[index].instant, sequence: UInt32(index), handle: entries[index].handle)
        }
        nextSequence = UInt32(entries.count)
    }
}

extension Agenda: Sendable where Payload: Sendable {}
