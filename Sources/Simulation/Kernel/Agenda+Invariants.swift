extension Agenda {
    /// The first broken invariant of the agenda, described, or nil when every parent precedes its children,
    /// the slots after the last entry hold sentinels, no event is pending before the last one popped,
    /// sequence numbers are unique and below the next one, and every slot ever used is either in exactly one
    /// entry or free; checked by the tests.
    public var invariantViolation: String? {
        let count = storage.count
        let entries = UnsafeBufferPointer(start: storage.entries, count: count)
        if count > capacityLimit || count > storage.capacity {
            return "\(count) events are pending, above the limit of \(capacityLimit) or the room for \(storage.capacity)"
        }
        for index in entries.indices.dropFirst() where !entries[(index - 1) / 4].precedes(entries[index]) {
            return "the event at heap index \((index - 1) / 4) does not precede its child at \(index)"
        }
        for index in count..<(count + Storage.sentinelsAfterLast) where storage.entries[index] != .sentinel {
            return "heap index \(index), after the last event, does not hold the sentinel"
        }
        if let lastPoppedInstant, let earliest = peekInstant, earliest < lastPoppedInstant {
            return "an event is pending at \(earliest), before the last popped instant \(lastPoppedInstant)"
        }
        if let sequence = entries.first(where: { $0.sequence >= nextSequence })?.sequence {
            return "sequence \(sequence) is not below the next sequence \(nextSequence)"
        }
        if Set(entries.map(\.sequence)).count != count {
            return "two pending events have the same sequence number"
        }
        return slotViolation
    }

    /// The first slot that is in no entry and not free, or in two places, described.
    private var slotViolation: String? {
        let handles =
            UnsafeBufferPointer(start: storage.entries, count: storage.count).map(\.handle)
            + UnsafeBufferPointer(start: storage.freeHandles, count: storage.freeHandleCount)
        if let handle = handles.first(where: { Int($0) >= storage.handleCount }) {
            return "handle \(handle) is beyond the \(storage.handleCount) slots used"
        }
        if Set(handles).count != handles.count || handles.count != storage.handleCount {
            return "\(handles.count) handles are pending or free, not the \(storage.handleCount) slots used, each once"
        }
        return nil
    }
}
