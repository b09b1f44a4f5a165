/// Independent, named random streams derived from one root seed.
///
/// Each stream's seed depends only on the root seed and the stream's name (and index), never on which
/// other streams exist or in what order they were asked for, so that adding a behaviour to a scenario
/// does not reshuffle the draws of the others (common random numbers between variants).
public struct RandomStreams: Sendable, Hashable {
    /// The seed every stream is derived from; the one number that replays a run.
    public let rootSeed: UInt64

    /// Streams derived from `rootSeed`.
    public init(rootSeed: UInt64) {
        self.rootSeed = rootSeed
    }

    /// The stream for one purpose, such as `"arrivals"` or `"network"`.
    public func stream(named name: String) -> Xoshiro256StarStar {
        Xoshiro256StarStar(seed: streamSeed(nameHash: Self.nameHash(name)))
    }

    /// The stream for one purpose of one entity, such as `"supervisor behaviour"` of supervisor 17.
    public func stream(named name: String, index: Int) -> Xoshiro256StarStar {
        var hash = Self.nameHash(name)
        // 0xFF never occurs in UTF-8, so ("a", index) cannot collide with a longer name.
        hash = Self.fowlerNollVo(hash, byte: 0xFF)
        var indexBits = UInt64(bitPattern: Int64(index))
        for _ in 0..<8 {
            hash = Self.fowlerNollVo(hash, byte: UInt8(truncatingIfNeeded: indexBits))
            indexBits >>= 8
        }
        return Xoshiro256StarStar(seed: streamSeed(nameHash: hash))
    }

    /// The stream's seed: the name's hash mixed with the root through SplitMix64, so nearby roots or names
    /// still give unrelated streams.
    private func streamSeed(nameHash: UInt64) -> UInt64 {
        var rootMixer = SplitMix64(seed: rootSeed)
        var streamMixer = SplitMix64(seed: rootMixer.next() ^ nameHash)
        return streamMixer.next()
    }

    /// FNV-1a 64 of the name's UTF-8 bytes: stable across processes, unlike `Hasher`, which is seeded per process.
    static func nameHash(_ name: String) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in name.utf8 {
            hash = fowlerNollVo(hash, byte: byte)
        }
        return hash
    }

    /// One FNV-1a step.
    private static func fowlerNollVo(_ hash: UInt64, byte: UInt8) -> UInt64 {
        (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3
    }
}
