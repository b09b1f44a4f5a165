extension Agenda {
    /// The first broken heap invariant, described, or nil when every parent precedes its children, no event
    /// is queued before the last one popped, and no sequence number is reused; checked by the tests.
    public var invariantViolation: String? {
        for index in entries.indices.dropFirst() {
            let parent = (index - 1) / 2
            if !entries[parent].precedes(entries[index]) {
                return "the event at heap index \(parent) does not precede its child at \(index)"
            }
        }
        if let lastPoppedInstant, let earliest = peekInstant, earliest < lastPoppedInstant {
            return "an event is queued at \(earliest), before the last popped instant \(lastPoppedInstant)"
        }
        if let sequence = entries.first(where: { $0.sequence >= nextSequence })?.sequence {
            return "sequence \(sequence) is not below the next sequence \(nextSequence)"
        }
        if entries.count > capacityLimit {
            return "\(entries.count) events are queued, above the limit of \(capacityLimit)"
        }
        return nil
    }
}
