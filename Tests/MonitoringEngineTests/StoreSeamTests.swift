import Foundation
import Testing

@testable import MonitoringEngine

/// The store seam (docs/persistence.md): the rules run over whatever a store loaded, so a store that keeps every
/// aggregate as a JSON row with a version, the way a database table would, must give exactly the outcomes, events
/// and deliveries of the in-memory store, lock in the fixed order, and never see an aggregate change without its
/// version moving on.
@Suite("The store seam: the same rules over JSON rows, locked in order, versions checked")
struct StoreSeamTests {
    @Test("M8 M10 M11 M12 M18 M19 random runs replayed over a store of JSON rows give the same outcomes, events and deliveries")
    func jsonRowsGiveTheSameRun() throws {
        var commands = 0
        var locksChecked = 0
        for seed in UInt64(1)...40 {
            var random = PropertySplitMix64(seed: seed)
            var scenario = MonitoringScenario()
            for _ in 0..<300 { scenario.step(Int(random.next() % 1_000_001)) }
            #expect(scenario.failures.isEmpty, "seed \(seed): \(scenario.report())")

            var rows = JSONRowStore()
            var transaction = Transaction<LoadedRows>(configuration: scenario.engine.configuration)
            for step in scenario.trace {
                let result = rows.execute(step.command, at: step.now, in: &transaction)
                #expect(result == step.result, "seed \(seed): \(step.command)")
                commands += 1
            }
            #expect(rows.failures == [], "seed \(seed)")
            locksChecked += rows.locksChecked
            // Every row decodes to the aggregate the in-memory store holds.
            let snapshot = scenario.engine.snapshot()
            #expect(try rows.snapshot() == snapshot, "seed \(seed)")
        }
        #expect(commands > 10_000)
        #expect(locksChecked > commands)
    }

    @Test("Events and deliveries are the same over JSON rows as in memory, command by command")
    func sameEventsCommandByCommand() {
        var random = PropertySplitMix64(seed: 7)
        var scenario = MonitoringScenario()
        var rows = JSONRowStore()
        var transaction = Transaction<LoadedRows>(configuration: scenario.engine.configuration)
        // Replay the setup first, then step both side by side.
        for step in scenario.trace { _ = rows.execute(step.command, at: step.now, in: &transaction) }
        var compared = 0
        for _ in 0..<500 {
            let before = scenario.trace.count
            scenario.step(Int(random.next() % 1_000_001))
            for step in scenario.trace[before...] {
                let result = rows.execute(step.command, at: step.now, in: &transaction)
                #expect(result == step.result)
                #expect(transaction.events == scenario.engine.events, "\(step.command)")
                #expect(transaction.deliveries == scenario.engine.deliveries, "\(step.command)")
                compared += 1
            }
        }
        #expect(compared == 500)
        #expect(rows.failures == [])
    }

    @Test("A command locks conversations, then users, then queues, then roles, each in ascending id order")
    func lockOrder() {
        var order = LockOrder()
        order.record(.conversation, 2)
        order.record(.conversation, 5)
        order.record(.user, 1)
        order.record(.queue, 3)
        #expect(order.failures == [])
        order.record(.user, 0)
        #expect(order.failures.count == 1, "a user after a queue is out of order")
        var backwards = LockOrder()
        backwards.record(.conversation, 5)
        backwards.record(.conversation, 2)
        #expect(backwards.failures.count == 1, "a lower id after a higher one is out of order")
    }

    @Test("M12 the store's due-lease query returns due sessions by deadline and leaves the others")
    func dueLeases() {
        var centre = Centre()
        let (first, _) = centre.inProgress(agent: Centre.agentAnna)
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        _ = centre.must(.startMonitoring(second, supervisor: Centre.alice, agent: nil, via: .interactions))
        _ = centre.must(.startMonitoring(first, supervisor: Centre.bob, agent: nil, via: .interactions))
        var store = centre.engine.store
        let lease = centre.engine.configuration.leaseDuration
        var due: [SessionID] = []
        store.sessionsDue(at: centre.now, into: &due)
        #expect(due.isEmpty)
        store.sessionsDue(at: centre.now + lease + .seconds(1), into: &due)
        #expect(due.map(\.conversation) == [second, first], "ordered by deadline, not by id")
        due.removeAll()
        store.sessionsDue(at: centre.now + lease + .seconds(1), into: &due)
        #expect(due.isEmpty, "taken off the index once reported")
    }
}

/// Where one lock falls in the fixed order.
enum LockKind: Int, Comparable {
    case conversation, user, queue, role
    static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// Checks that the locks of one command come in the fixed order.
struct LockOrder {
    private var last: (LockKind, UInt64)?
    var failures: [String] = []

    mutating func reset() { last = nil }

    mutating func record(_ kind: LockKind, _ id: UInt64) {
        if let last, (kind, id) <= last {
            failures.append("\(kind) \(id) locked after \(last.0) \(last.1)")
        }
        last = (kind, id)
    }
}

/// A store that keeps every aggregate as a JSON row with its version, as database tables would, and answers the
/// planning queries from columns kept beside the rows (a lease-deadline column, a user–role table).
struct JSONRowStore: AggregateStore {
    typealias Holdings = LoadedRows

    private var conversationRows: [ConversationID: (version: UInt64, json: Data)] = [:]
    private var userRows: [UserID: (version: UInt64, json: Data)] = [:]
    private var queueRows: [QueueID: Data] = [:]
    private var roleRows: [RoleID: Data] = [:]
    /// The lease-deadline column of conversations with an active session.
    private var leaseColumn: [ConversationID: LeaseDeadline] = [:]
    /// The user–role table.
    private var userRoles: [UserID: [RoleID]] = [:]
    private var lastConversation: UInt64 = 0
    private var loaded: [String: (version: UInt64, json: Data?)] = [:]
    private var order = LockOrder()
    private(set) var locksChecked = 0
    private(set) var failures: [String] = []

    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        return encoder
    }()
    private let decoder = JSONDecoder()

    func sessionsHeld(by user: UserID) -> [SessionID] { (try? decodeUser(user))?.monitoringSessions ?? [] }
    func roles(of user: UserID) -> [RoleID] { userRoles[user] ?? [] }
    func holders(of role: RoleID) -> [UserID] { userRoles.filter { $0.value.contains(role) }.map(\.key).sorted() }

    mutating func sessionsDue(at now: Instant, into due: inout [SessionID]) {
        due += leaseColumn.values.filter { $0.deadline <= now }.sorted().map(\.session)
    }

    mutating func issueConversationID() -> ConversationID {
        lastConversation += 1
        return ConversationID(lastConversation)
    }

    private func decodeUser(_ id: UserID) throws -> User? {
        try userRows[id].map { try decoder.decode(User.self, from: $0.json) }
    }

    private mutating func noteLock(_ kind: LockKind, _ id: UInt64, key: String, version: UInt64, json: Data?) {
        if loaded.isEmpty { order.reset() }
        order.record(kind, id)
        locksChecked += 1
        loaded[key] = (version, json)
    }

    mutating func lock(conversation id: ConversationID, into transaction: inout Transaction<LoadedRows>) {
        let row = conversationRows[id]
        noteLock(.conversation, id.rawValue, key: "\(id)", version: row?.version ?? 0, json: row?.json)
        transaction.conversations.hold(id, row.flatMap { try? decoder.decode(Conversation.self, from: $0.json) })
    }

    mutating func lock(user id: UserID, into transaction: inout Transaction<LoadedRows>) {
        let row = userRows[id]
        noteLock(.user, id.rawValue, key: "\(id)", version: row?.version ?? 0, json: row?.json)
        transaction.users.hold(id, try? decodeUser(id))
    }

    mutating func lock(queue id: QueueID, into transaction: inout Transaction<LoadedRows>) {
        noteLock(.queue, id.rawValue, key: "\(id)", version: 0, json: queueRows[id])
        transaction.queues.hold(id, queueRows[id].flatMap { try? decoder.decode(Queue.self, from: $0) })
    }

    mutating func lock(role id: RoleID, into transaction: inout Transaction<LoadedRows>) {
        noteLock(.role, id.rawValue, key: "\(id)", version: 0, json: roleRows[id])
        transaction.roles.hold(id, roleRows[id].flatMap { try? decoder.decode(Role.self, from: $0) })
    }

    /// `UPDATE … WHERE version = $loaded`: a row whose stored version is not the one loaded is a lost update; a row
    /// whose JSON changed while its version stayed is a change another node could not detect.
    mutating func begin(_ transaction: inout Transaction<LoadedRows>) {}

    mutating func commit(_ transaction: inout Transaction<LoadedRows>) {
        defer {
            loaded.removeAll()
            failures += order.failures
            order = LockOrder()
        }
        for conversation in transaction.conversations.values {
            let json = encode(conversation)
            check("\(conversation.id)", stored: conversationRows[conversation.id]?.version ?? 0, now: conversation.version, json)
            conversationRows[conversation.id] = (conversation.version, json)
            lastConversation = max(lastConversation, conversation.id.rawValue)
            if let session = conversation.activeSession {
                leaseColumn[conversation.id] = LeaseDeadline(deadline: session.leaseExpiresAt, session: session.id)
            } else {
                leaseColumn[conversation.id] = nil
            }
        }
        for user in transaction.users.values {
            let json = encode(user)
            check("\(user.id)", stored: userRows[user.id]?.version ?? 0, now: user.version, json)
            userRows[user.id] = (user.version, json)
            userRoles[user.id] = user.roles
        }
        for queue in transaction.queues.values { queueRows[queue.id] = encode(queue) }
        for role in transaction.roles.values { roleRows[role.id] = encode(role) }
    }

    private mutating func check(_ key: String, stored: UInt64, now version: UInt64, _ json: Data) {
        guard let before = loaded[key] else {
            failures.append("\(key) written without being locked")
            return
        }
        if stored != before.version { failures.append("\(key): stored version \(stored), loaded \(before.version)") }
        if version < before.version { failures.append("\(key): version went back from \(before.version) to \(version)") }
        if version == before.version && before.json != nil && before.json != json {
            failures.append("\(key) changed without its version moving on (\(version))")
        }
    }

    private func encode(_ value: some Encodable) -> Data {
        (try? encoder.encode(value)) ?? Data()
    }

    /// Every row decoded, in the snapshot's order.
    func snapshot() throws -> EngineSnapshot {
        EngineSnapshot(
            roles: try roleRows.keys.sorted().map { try decoder.decode(Role.self, from: roleRows[$0]!) },
            queues: try queueRows.keys.sorted().map { try decoder.decode(Queue.self, from: queueRows[$0]!) },
            users: try userRows.keys.sorted().map { try decoder.decode(User.self, from: userRows[$0]!.json) },
            conversations: try conversationRows.keys.sorted().map {
                try decoder.decode(Conversation.self, from: conversationRows[$0]!.json)
            })
    }
}
