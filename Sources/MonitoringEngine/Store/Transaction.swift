/// An aggregate a store keeps: it has a vacant value, which fills a slot that holds nothing without allocating.
public protocol StoredAggregate: Sendable {
    /// A value standing for "nothing here"; never stored as a real aggregate.
    static var vacant: Self { get }
}

/// How a transaction holds the aggregates of one kind: what the rules read and write through.
///
/// Reading or writing an id the command did not lock is a defect of the command's footprint: a database store
/// would have read an unlocked row. `LoadedAggregates` (loaded rows) catches it always; the in-memory store's lent
/// tables catch it in debug builds and tests.
public protocol AggregateHolding<ID, Value>: Sendable {
    associatedtype ID: Hashable & Sendable
    associatedtype Value: StoredAggregate
    /// The ids locked, in lock order.
    var ids: [ID] { get }
    /// Whether the aggregate exists (it must be locked).
    func contains(_ id: ID) -> Bool
    /// The aggregate, or nil when it is absent; setting nil removes it.
    subscript(id: ID) -> Value? { get set }
    /// The aggregate, which must exist, read and changed in place.
    subscript(existing id: ID) -> Value { get set }
    /// Changes the aggregate in place if it exists.
    mutating func modifyValue(forKey id: ID, _ change: (inout Value) -> Void)
    /// Forgets the locks, for the next command.
    mutating func removeAll()
}

/// Aggregates of one kind that a transaction holds, by id, in the order they were loaded.
///
/// An id loaded as absent holds nothing (a user about to be added, a conversation about to be created). Reading
/// or writing an id the command did not name is a defect of the command's footprint, caught at once: a store
/// locks exactly the footprint, so a rule that strayed outside it would read an unlocked row. Values are stored
/// unwrapped, so a rule reads and changes one in place without copying it.
public struct LoadedAggregates<ID: Hashable & Sendable, Value: StoredAggregate>: AggregateHolding {
    public private(set) var ids: [ID] = []
    private var slots: [Value] = []
    private var present: [Bool] = []
    /// Positions by id, kept only for a large footprint (a queue's members, a role's holders).
    private var positions: [ID: Int] = [:]
    private static var scanLimit: Int { 16 }

    public init() {}

    /// How many aggregates are held (present or absent).
    public var count: Int { ids.count }

    /// Holds `value` under `id`; the store calls this once per id while loading.
    public mutating func hold(_ id: ID, _ value: consuming Value?) {
        if let value {
            hold(id, existing: value)
        } else {
            holdAbsent(id)
        }
    }

    /// Holds an aggregate the store has.
    public mutating func hold(_ id: ID, existing value: consuming Value) {
        append(id)
        slots.append(value)
        present.append(true)
    }

    /// Holds an id the store has no aggregate for.
    public mutating func holdAbsent(_ id: ID) {
        append(id)
        slots.append(Value.vacant)
        present.append(false)
    }

    private mutating func append(_ id: ID) {
        precondition(find(id) == nil, "\(id) loaded twice into one transaction")
        ids.append(id)
        if ids.count > Self.scanLimit {
            if positions.isEmpty {
                for (position, id) in ids.enumerated() { positions[id] = position }
            } else {
                positions[id] = ids.count - 1
            }
        }
    }

    @inline(__always)
    private func find(_ id: ID) -> Int? {
        // Footprints are mostly a few aggregates: a linear scan beats hashing.
        if ids.count > Self.scanLimit { return positions[id] }
        for position in ids.indices where ids[position] == id { return position }
        return nil
    }

    @inline(__always)
    func position(_ id: ID) -> Int {
        guard let position = find(id) else { preconditionFailure("\(id) is outside the command's footprint") }
        return position
    }

    /// The aggregate, or nil when it is absent.
    public subscript(id: ID) -> Value? {
        get {
            let position = position(id)
            return present[position] ? slots[position] : nil
        }
        set {
            let position = position(id)
            if let newValue {
                slots[position] = newValue
                present[position] = true
            } else {
                slots[position] = Value.vacant
                present[position] = false
            }
        }
    }

    /// The aggregate, which must exist; read and changed in place, so its arrays are not copied.
    public subscript(existing id: ID) -> Value {
        _read {
            let position = position(id)
            assert(present[position], "\(id) is absent")
            yield slots[position]
        }
        _modify {
            let position = position(id)
            assert(present[position], "\(id) is absent")
            yield &slots[position]
        }
    }

    /// Changes the aggregate in place if it exists.
    public mutating func modifyValue(forKey id: ID, _ change: (inout Value) -> Void) {
        let position = position(id)
        guard present[position] else { return }
        change(&slots[position])
    }

    /// Whether the aggregate exists (it must be in the footprint).
    public func contains(_ id: ID) -> Bool { present[position(id)] }

    /// Every aggregate held and present, in load order (copies; for tests and diagnostics).
    public var values: [Value] { slots.indices.filter { present[$0] }.map { slots[$0] } }

    public mutating func removeAll() {
        guard !ids.isEmpty else { return }
        ids.removeAll(keepingCapacity: true)
        slots.removeAll(keepingCapacity: true)
        present.removeAll(keepingCapacity: true)
        if !positions.isEmpty { positions.removeAll(keepingCapacity: true) }
    }
}

/// How a transaction holds each kind of aggregate.
public protocol AggregateHoldings: Sendable {
    associatedtype Conversations: AggregateHolding<ConversationID, Conversation>
    associatedtype Users: AggregateHolding<UserID, User>
    associatedtype Queues: AggregateHolding<QueueID, Queue>
    associatedtype Roles: AggregateHolding<RoleID, Role>
    static func empty() -> (Conversations, Users, Queues, Roles)
}

/// Aggregates held as rows loaded into the transaction: what a database store uses.
public enum LoadedRows: AggregateHoldings {
    public static func empty() -> (
        LoadedAggregates<ConversationID, Conversation>, LoadedAggregates<UserID, User>, LoadedAggregates<QueueID, Queue>,
        LoadedAggregates<RoleID, Role>
    ) { (.init(), .init(), .init(), .init()) }
}

/// The aggregates one command named, as locked by a store, and what the rule emits.
///
/// The rules (`Transaction+Monitoring.swift`, `+Conversations`, `+Directory`) are functions over this value and the
/// instant: they read and write exactly these aggregates and write their events and deliveries into `outbox`. They
/// read no other state, so a store that loaded the same aggregates from database rows gets the same result. How the
/// aggregates are held is the store's: rows loaded into the transaction (`LoadedRows`), or the in-memory store's own
/// tables lent to it for the command (`InMemoryStore.Tables`), so that the embedded engine moves nothing.
public struct Transaction<Holdings: AggregateHoldings>: Sendable {
    public let configuration: EngineConfiguration
    public var conversations: Holdings.Conversations
    public var users: Holdings.Users
    public var queues: Holdings.Queues
    public var roles: Holdings.Roles
    /// For `defineRole`: the users holding the role, from the store's index, in id order.
    public var roleHolders: [UserID] = []
    /// For `expireLeases`: the sessions whose lease deadline is due, from the store's index, by deadline.
    public var dueSessions: [SessionID] = []
    /// For `createConversation`: the id the store issued.
    public var newConversation: ConversationID?
    /// Whether the command may change a user's roles (`addUser`, `assignRoles`), so the store's role index must
    /// follow it.
    public internal(set) var changesRoles = false

    /// What the command emitted.
    var outbox = Outbox()
    /// What the command touched, for the incremental invariant check.
    var touched = TouchedAggregates()
    /// The footprint being locked; kept to reuse its storage.
    var plan = Footprint()

    public init(configuration: EngineConfiguration) {
        self.configuration = configuration
        (conversations, users, queues, roles) = Holdings.empty()
    }

    /// Empties the transaction for the next command, keeping its storage.
    mutating func reset(now: Instant) {
        conversations.removeAll()
        users.removeAll()
        roles.removeAll()
        queues.removeAll()
        roleHolders.removeAll(keepingCapacity: true)
        dueSessions.removeAll(keepingCapacity: true)
        newConversation = nil
        changesRoles = false
        outbox.reset(now: now)
        touched.reset()
    }

    /// The instant the command was applied at.
    public var now: Instant { outbox.now }
    /// The events the command produced, in order.
    public var events: [EventRecord] { outbox.events }
    /// Who is told of which event.
    public var deliveries: [Delivery] { outbox.deliveries }
}

extension Conversation: StoredAggregate {
    /// No conversation: id 0, version 0, every collection empty (so it allocates nothing).
    public static let vacant = Conversation(vacantWithID: ConversationID(0))
}

extension User: StoredAggregate {
    public static let vacant = User(id: UserID(0), displayName: "", licence: .cx1)
}

extension Queue: StoredAggregate {
    public static let vacant = Queue(id: QueueID(0), name: "")
}

extension Role: StoredAggregate {
    public static let vacant = Role(id: RoleID(0), name: "", permissions: [])
}
