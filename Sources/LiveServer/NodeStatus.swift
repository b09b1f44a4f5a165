/// The node's health, as `/health` reports it.
public struct NodeStatus: Sendable, Equatable {
    public var nodeID: String
    /// Monitoring sessions active now.
    public var activeSessions: Int
}
