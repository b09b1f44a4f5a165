/// One of `count` machines sharing a range of seeds: shard `index` (from 1) runs every `count`-th seed of the range,
/// starting at its `index`-th. The shards of a range are disjoint and together are the whole range, so `count`
/// machines (a CI matrix, a Kubernetes indexed Job) do exactly what one would, and their run directories merge.
public struct Shard: Hashable, Sendable, CustomStringConvertible {
    /// From 1 to `count`.
    public let index: Int
    public let count: Int

    public init?(index: Int, count: Int) {
        guard count >= 1, index >= 1, index <= count else { return nil }
        self.index = index
        self.count = count
    }

    /// `K/N`, as `--shard` takes it.
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]) else { return nil }
        self.init(index: index, count: count)
    }

    /// The whole range: one machine.
    public static let whole = Shard(index: 1, count: 1)!

    public var description: String { "\(index)/\(count)" }

    /// This shard's seeds of `range`, in order.
    public func seeds(of range: Range<UInt64>) -> [UInt64] {
        guard range.lowerBound &+ UInt64(index - 1) < range.upperBound else { return [] }
        return Array(stride(from: range.lowerBound + UInt64(index - 1), to: range.upperBound, by: count))
    }
}
