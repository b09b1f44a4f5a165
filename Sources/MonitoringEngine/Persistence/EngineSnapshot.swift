/// Every aggregate of an engine, as one value a store can save and load (docs/persistence.md).
///
/// It holds what is stored: roles, queues, users and conversations. What the engine derives
/// from them is rebuilt on load: the next conversation id (ids are dense from 1), each
/// conversation's next fencing token and participant id and its active session, the role
/// holders index and the lease deadline heap. The configuration is the deployment's, given
/// again on load. Events of the last command are not part of the state.
public struct EngineSnapshot: Hashable, Sendable {
    /// The version of the JSON form this engine writes and reads.
    public static let formatVersion = 1

    /// Every role, by id.
    public internal(set) var roles: [Role]
    /// Every queue, by id.
    public internal(set) var queues: [Queue]
    /// Every user, by id.
    public internal(set) var users: [User]
    /// Every conversation, by id: conversation `i` has id `i + 1`.
    public internal(set) var conversations: [Conversation]

    /// A snapshot of aggregates a store has read, for a store outside this module (a database's rows); each array in
    /// id order, as `MonitoringEngine.snapshot()` gives them, so that equal stores give equal snapshots.
    public init(roles: [Role], queues: [Queue], users: [User], conversations: [Conversation]) {
        self.roles = roles
        self.queues = queues
        self.users = users
        self.conversations = conversations
    }
}

extension EngineSnapshot: Codable {
    /// `{"formatVersion": 1, "roles": […], "queues": […], "users": […], "conversations": […]}`.
    /// Decoding refuses another format version, a duplicate id and a gap in conversation ids.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let version: Int = try c.get("formatVersion")
        guard version == Self.formatVersion else {
            throw c.invalid(
                "formatVersion", "unsupported snapshot formatVersion \(version); this engine reads \(Self.formatVersion)")
        }
        roles = try c.get("roles")
        queues = try c.get("queues")
        users = try c.get("users")
        conversations = try c.get("conversations")
        func unique<ID: Hashable>(_ ids: [ID], _ key: JSONKey) throws {
            var seen = Set<ID>()
            for id in ids where !seen.insert(id).inserted { throw c.invalid(key, "\(id) appears twice") }
        }
        try unique(roles.map(\.id), "roles")
        try unique(queues.map(\.id), "queues")
        try unique(users.map(\.id), "users")
        for (index, conversation) in conversations.enumerated() where conversation.id.rawValue != UInt64(index + 1) {
            throw c.invalid(
                "conversations", "conversation at \(index) has id \(conversation.id); conversation ids are dense from 1")
        }
        // M19: a user's panel lists exactly the sessions the user holds, which the views index into.
        for user in users {
            for session in user.monitoringSessions {
                let index = Int(clamping: session.conversation.rawValue) - 1
                let held = conversations.indices.contains(index) ? conversations[index].activeSession : nil
                guard held?.id == session, held?.supervisor == user.id else {
                    throw c.invalid("users", "\(user.id) lists \(session), which it does not hold (M19)")
                }
            }
        }
        let holders = Set(users.flatMap { user in user.monitoringSessions.map { SessionKey(user: user.id, session: $0) } })
        for conversation in conversations {
            if let active = conversation.activeSession,
                !holders.contains(SessionKey(user: active.supervisor, session: active.id))
            {
                throw c.invalid(
                    "conversations", "\(active.id) is active but \(active.supervisor)'s panel does not list it (M19)")
            }
        }
    }

    private struct SessionKey: Hashable {
        var user: UserID
        var session: SessionID
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(Self.formatVersion, "formatVersion")
        try c.put(roles, "roles")
        try c.put(queues, "queues")
        try c.put(users, "users")
        try c.put(conversations, "conversations")
    }
}

extension MonitoringEngine {
    /// Every aggregate of the engine, in id order, so equal engines give equal snapshots.
    public func snapshot() -> EngineSnapshot {
        EngineSnapshot(
            roles: roles.values.sorted { $0.id < $1.id }, queues: queues.values.sorted { $0.id < $1.id },
            users: users.values.sorted { $0.id < $1.id }, conversations: conversations.all)
    }

    /// An engine holding the aggregates of `snapshot`, with the store's indexes rebuilt from them: the holders of
    /// each role and the lease deadline of every active session. It continues exactly as the engine the snapshot
    /// was taken from.
    public init(configuration: EngineConfiguration = EngineConfiguration(), snapshot: EngineSnapshot) {
        self.init(configuration: configuration, store: InMemoryStore(snapshot: snapshot))
    }
}
