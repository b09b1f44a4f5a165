import MonitoringEngine

extension Agenda {
    /// One scheduled event as the heap holds it: 16 bytes, ordered as one unsigned 128-bit number whose
    /// high half is the instant and whose low half is the sequence number, then the payload's handle.
    ///
    /// Sequence numbers are unique among pending events, so the handle never decides the order.
    @usableFromInline
    struct Entry: Equatable {
        /// The instant's bits with the sign bit flipped, so that unsigned order is the instant's order.
        @usableFromInline let high: UInt64
        /// The sequence number in the upper 32 bits, the handle of the payload's slot in the lower 32.
        @usableFromInline let low: UInt64

        @inlinable
        init(high: UInt64, low: UInt64) {
            self.high = high
            self.low = low
        }

        @inlinable
        init(instant: Instant, sequence: UInt32, handle: UInt32) {
            high = UInt64(bitPattern: instant.nanoseconds) ^ Self.signBit
            low = UInt64(sequence) << 32 | UInt64(handle)
        }

        /// Later than every event: it fills the slots after the last entry, so that every entry with a
        /// child has four and the earliest child is found without checking how many there are. No event
        /// equals it, since handles are below `UInt32.max`.
        @inlinable
        static var sentinel: Entry { Entry(high: .max, low: .max) }

        @inlinable
        static var signBit: UInt64 { 1 << 63 }

        @inlinable
        var instant: Instant { Instant(nanoseconds: Int64(bitPattern: high ^ Self.signBit)) }

        @inlinable
        var sequence: UInt32 { UInt32(truncatingIfNeeded: low >> 32) }

        @inlinable
        var handle: UInt32 { UInt32(truncatingIfNeeded: low) }

        /// Whether this event runs before `other`: earlier instant, or the same instant and scheduled earlier.
        ///
        /// A 128-bit subtraction's borrow, computed without a branch: the heap's comparisons are as likely to
        /// go one way as the other, and a mispredicted branch costs more than the arithmetic.
        @inlinable @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            let (_, lowBorrow) = low.subtractingReportingOverflow(other.low)
            let (highDifference, highBorrow) = high.subtractingReportingOverflow(other.high)
            let (_, borrowFromLow) = highDifference.subtractingReportingOverflow(Self.bit(lowBorrow))
            // `|` rather than `||`, which the optimizer may keep as a branch.
            return Self.bit(highBorrow) | Self.bit(borrowFromLow) != 0
        }

        /// 1 for true, 0 for false.
        @inlinable @inline(__always)
        static func bit(_ condition: Bool) -> UInt64 { condition ? 1 : 0 }
    }
}

extension Agenda.Entry: Sendable {}
