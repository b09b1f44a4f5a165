import MonitoringEngine

extension Agenda {
    /// The memory of an agenda: its heap of entries, the payloads in their slots and the free slots.
    ///
    /// A class so that a copy of the agenda (a copy of the world) shares it until one of them changes it;
    /// `Agenda` copies it before any change unless it holds the only reference. Its methods do no checks
    /// beyond debug assertions: `Agenda` keeps `count` within `capacity` and handles within the slots.
    @usableFromInline
    final class Storage {
        /// Room is reserved for at least this many events.
        @usableFromInline static var smallestCapacity: Int { 16 }
        /// Entries before the root, so that the four children of every entry, from index 4i + 1, start a
        /// 64-byte cache line.
        @usableFromInline static var entriesBeforeRoot: Int { 3 }
        /// Sentinels after the last entry: the last entry with a child may have only one.
        @usableFromInline static var sentinelsAfterLast: Int { 3 }

        /// The most events this storage holds.
        @usableFromInline let capacity: Int
        /// The heap: the root at 0, the children of index i at 4i + 1 through 4i + 4, sentinels from `count`
        /// to `count + 3`.
        @usableFromInline let entries: UnsafeMutablePointer<Entry>
        /// The payloads by handle; a slot is initialized while an entry holds its handle.
        @usableFromInline let payloads: UnsafeMutablePointer<Payload>
        /// Handles of emptied slots below `handleCount`, the last freed on top.
        @usableFromInline let freeHandles: UnsafeMutablePointer<UInt32>
        let allocation: UnsafeMutableRawPointer

        // Only the agenda that holds the one reference changes these, in its mutating methods, so no two
        // accesses can overlap; run-time exclusivity checks would cost more than the heap's work.
        /// How many events are pending.
        @exclusivity(unchecked) @usableFromInline var count = 0
        /// How many handles are free.
        @exclusivity(unchecked) @usableFromInline var freeHandleCount = 0
        /// How many slots have ever held a payload: every handle below it is in an entry or free.
        @exclusivity(unchecked) @usableFromInline var handleCount = 0

        init(capacity: Int) {
            self.capacity = capacity
            let slots = Self.entriesBeforeRoot + capacity + Self.sentinelsAfterLast
            allocation = .allocate(byteCount: slots * MemoryLayout<Entry>.stride, alignment: 64)
            entries = allocation.bindMemory(to: Entry.self, capacity: slots) + Self.entriesBeforeRoot
            entries.initialize(repeating: .sentinel, count: capacity + Self.sentinelsAfterLast)
            payloads = .allocate(capacity: capacity)
            freeHandles = .allocate(capacity: capacity)
        }

        deinit {
            for index in 0..<count { (payloads + Int(entries[index].handle)).deinitialize(count: 1) }
            allocation.deallocate()
            payloads.deallocate()
            freeHandles.deallocate()
        }

        /// A storage of `capacity`, at least `count`, holding the same events with the same handles.
        @usableFromInline
        func copy(capacity: Int) -> Storage {
            precondition(capacity >= count, "a copy of the agenda must hold its events")
            let copy = Storage(capacity: capacity)
            copy.entries.update(from: entries, count: count)
            for index in 0..<count {
                let handle = Int(entries[index].handle)
                (copy.payloads + handle).initialize(to: payloads[handle])
            }
            copy.freeHandles.initialize(from: freeHandles, count: freeHandleCount)
            copy.count = count
            copy.freeHandleCount = freeHandleCount
            copy.handleCount = handleCount
            return copy
        }

        /// Puts `payload` in a free slot, the one freed last if any, and returns the slot's handle.
        @inlinable
        func store(_ payload: Payload) -> UInt32 {
            let handle: Int
            if freeHandleCount > 0 {
                freeHandleCount &-= 1
                handle = Int(freeHandles[freeHandleCount])
            } else {
                assert(handleCount < capacity, "no free slot in a storage with room")
                handle = handleCount
                handleCount &+= 1
            }
            (payloads + handle).initialize(to: payload)
            return UInt32(truncatingIfNeeded: handle)
        }

        /// Takes the payload out of its slot and frees the slot.
        @inlinable
        func take(_ handle: UInt32) -> Payload {
            freeHandles[freeHandleCount] = handle
            freeHandleCount &+= 1
            return (payloads + Int(handle)).move()
        }

        /// Adds `entry` after the last entry and moves it up until its parent precedes it, shifting parents
        /// down into the hole instead of swapping.
        @inlinable
        func siftUp(_ entry: Entry) {
            assert(count < capacity, "no room for another entry")
            var hole = count
            count &+= 1
            entries[count &+ 2] = .sentinel
            while hole > 0 {
                let parent = (hole &- 1) &>> 2
                guard entry.precedes(entries[parent]) else { break }
                entries[hole] = entries[parent]
                hole = parent
            }
            entries[hole] = entry
        }

        /// Removes and returns the root.
        ///
        /// Bottom-up (Floyd): the hole left by the root goes down to a leaf, always to the earliest child,
        /// and the last entry then moves up from there. The last entry is among the latest, so it seldom
        /// moves up far, and the way down takes one predictable loop test per level rather than a
        /// comparison with the last entry.
        @inlinable
        func removeFirst() -> Entry {
            assert(count > 0, "no entry to remove")
            let first = entries[0]
            count &-= 1
            let last = entries[count]
            entries[count] = .sentinel
            guard count > 0 else { return first }
            var hole = 0
            while true {
                let child = 4 &* hole &+ 1
                guard child < count else { break }
                let (earliest, index) = earliestOfFour(from: child)
                entries[hole] = earliest
                hole = index
            }
            while hole > 0 {
                let parent = (hole &- 1) &>> 2
                guard last.precedes(entries[parent]) else { break }
                entries[hole] = entries[parent]
                hole = parent
            }
            entries[hole] = last
            return first
        }

        /// The earliest of the four entries from `index`, and its index, found by a tournament without branches.
        @inlinable @inline(__always)
        func earliestOfFour(from index: Int) -> (Entry, Int) {
            let first = entries[index]
            let second = entries[index &+ 1]
            let third = entries[index &+ 2]
            let fourth = entries[index &+ 3]
            let secondWins = second.precedes(first)
            let fourthWins = fourth.precedes(third)
            let firstPair = Entry.select(secondWins, second, otherwise: first)
            let secondPair = Entry.select(fourthWins, fourth, otherwise: third)
            let firstPairIndex = index &+ (secondWins ? 1 : 0)
            let secondPairIndex = index &+ 2 &+ (fourthWins ? 1 : 0)
            let secondPairWins = secondPair.precedes(firstPair)
            let earliestIndex = firstPairIndex &+ (secondPairWins ? 1 : 0) &* (secondPairIndex &- firstPairIndex)
            return (Entry.select(secondPairWins, secondPair, otherwise: firstPair), earliestIndex)
        }
    }
}

// The storage is changed only through an agenda holding the one reference to it; copies share it only to read.
extension Agenda.Storage: @unchecked Sendable where Payload: Sendable {}
