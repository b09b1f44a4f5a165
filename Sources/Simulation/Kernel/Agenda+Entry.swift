import MonitoringEngine

extension Agenda {
    /// One scheduled event as the heap holds it: 16 bytes, ordered as one unsigned 128-bit number whose high
    /// half is the instant and whose low half is the sequence number, then the payload's handle.
    ///
    /// One 128-bit comparison compiles to a compare and a subtract-with-borrow, without a branch, and a choice
    /// between two entries to masks; with two 64-bit words the optimizer turned the choice back into a branch
    /// that mispredicts half the time (Benchmarks/README.md). Sequence numbers are unique among pending events,
    /// so the handle never decides the order.
    @usableFromInline
    struct Entry: Equatable {
        /// The instant's bits with the sign bit flipped (so that unsigned order is the instant's order), the
        /// sequence number, and the handle of the payload's slot: 64, 32 and 32 bits from the top.
        @usableFromInline let bits: UInt128

        @inlinable
        init(bits: UInt128) {
            self.bits = bits
        }

        @inlinable
        init(instant: Instant, sequence: UInt32, handle: UInt32) {
            let instantBits = UInt64(bitPattern: instant.nanoseconds) ^ Self.signBit
            bits = UInt128(instantBits) << 64 | UInt128(sequence) << 32 | UInt128(handle)
        }

        /// Later than every event: it fills the slots after the last entry, so that every entry with a child
        /// has four and the earliest child is found without checking how many there are. No event equals it,
        /// since handles are below `UInt32.max`.
        @inlinable
        static var sentinel: Entry { Entry(bits: .max) }

        @inlinable
        static var signBit: UInt64 { 1 << 63 }

        @inlinable
        var instant: Instant {
            Instant(nanoseconds: Int64(bitPattern: UInt64(truncatingIfNeeded: bits >> 64) ^ Self.signBit))
        }

        @inlinable
        var sequence: UInt32 { UInt32(truncatingIfNeeded: bits >> 32) }

        @inlinable
        var handle: UInt32 { UInt32(truncatingIfNeeded: bits) }

        /// Whether this event runs before `other`: earlier instant, or the same instant and scheduled earlier.
        @inlinable @inline(__always)
        func precedes(_ other: Entry) -> Bool { bits < other.bits }

        /// `chosen` when `condition` holds, otherwise `other`, picked with masks rather than a branch.
        @inlinable @inline(__always)
        static func select(_ condition: Bool, _ chosen: Entry, otherwise other: Entry) -> Entry {
            let mask = 0 &- UInt128(condition ? 1 : 0)
            return Entry(bits: (chosen.bits & mask) | (other.bits & ~mask))
        }
    }
}

extension Agenda.Entry: Sendable {}
