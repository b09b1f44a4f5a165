/// Aggregates committed by another writer of a shared database, to install in a node's in-memory mirror: the rows
/// of the conversations, users, queues and roles one or more commands changed, as read back after their commit.
public struct ReplicatedRows: Sendable {
    public var conversations: [Conversation]
    public var users: [User]
    public var queues: [Queue]
    public var roles: [Role]

    public init(conversations: [Conversation] = [], users: [User] = [], queues: [Queue] = [], roles: [Role] = []) {
        self.conversations = conversations
        self.users = users
        self.queues = queues
        self.roles = roles
    }

    public var isEmpty: Bool { conversations.isEmpty && users.isEmpty && queues.isEmpty && roles.isEmpty }
}

extension MonitoringEngine {
    /// Installs rows another writer committed into this engine's store (`InMemoryStore.install(_:)`): how a node
    /// sharing a database keeps the mirror its views read.
    public mutating func install(_ rows: ReplicatedRows) { store.install(rows) }
}
