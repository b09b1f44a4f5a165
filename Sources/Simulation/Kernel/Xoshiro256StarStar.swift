/// xoshiro256** 1.0 (Blackman and Vigna, 2018): the generator every simulation stream draws from.
///
/// Fast, 256 bits of state, and its output passes BigCrush; the reference is
/// <https://prng.di.unimi.it/xoshiro256starstar.c>.
public struct Xoshiro256StarStar: RandomNumberGenerator, Sendable, Hashable {
    @usableFromInline var state0: UInt64
    @usableFromInline var state1: UInt64
    @usableFromInline var state2: UInt64
    @usableFromInline var state3: UInt64

    /// A generator whose state is four outputs of SplitMix64 seeded with `seed`, as the authors recommend.
    public init(seed: UInt64) {
        var expander = SplitMix64(seed: seed)
        self.init(state: (expander.next(), expander.next(), expander.next(), expander.next()))
    }

    /// A generator with exactly this state, which must not be all zeros (the one state xoshiro never leaves).
    public init(state: (UInt64, UInt64, UInt64, UInt64)) {
        precondition(state != (0, 0, 0, 0), "xoshiro256** state must not be all zeros")
        (state0, state1, state2, state3) = state
    }

    /// The next 64 random bits.
    @inlinable
    public mutating func next() -> UInt64 {
        let result = (state1 &* 5).rotatedLeft(by: 7) &* 9
        let shifted = state1 << 17
        state2 ^= state0
        state3 ^= state1
        state1 ^= state2
        state0 ^= state3
        state2 ^= shifted
        state3 = state3.rotatedLeft(by: 45)
        return result
    }
}

extension UInt64 {
    /// The bits rotated left by `count` places, `0 < count < 64`.
    @inlinable
    func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 &- count))
    }
}

extension RandomNumberGenerator {
    /// A uniform double in [0, 1) made from the top 53 bits of the next output, so every value is a multiple of 2⁻⁵³.
    @inlinable
    public mutating func nextUnitInterval() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// A uniform index in `0..<count` by Lemire's multiply-and-reject method.
    ///
    /// Written here rather than taken from the standard library's `random(in:using:)`, whose algorithm
    /// is not promised to stay the same across toolchains, so that a seed replays identically.
    @inlinable
    public mutating func nextIndex(below count: Int) -> Int {
        precondition(count > 0, "nextIndex(below:) needs a positive count")
        let bound = UInt64(count)
        var product = next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold {
                product = next().multipliedFullWidth(by: bound)
            }
        }
        return Int(product.high)
    }
}
