import EmbeddedStore
import Foundation
import MonitoringEngine
import StoredRows
import Testing

/// A database file in a fresh temporary directory of its own, so that runs never share a file; `remove()` deletes it.
struct TemporaryDatabase {
    let directory: URL
    let configuration = EngineConfiguration(leaseDuration: .seconds(30))

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("EmbeddedStoreTests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    var path: String { directory.appendingPathComponent("node.sqlite").path }

    func open() throws -> EmbeddedDatabase { try EmbeddedDatabase(path: path, configuration: configuration) }

    func remove() { try? FileManager.default.removeItem(at: directory) }
}

/// One command stream applied twice, to a plain in-memory `MonitoringEngine` and to an `EmbeddedDatabase`, checking
/// command by command that the durable store gives the same outcome, events and deliveries as the engine.
struct Twin {
    static let supervisorRole = RoleID(1)
    static let agentRole = RoleID(2)
    static let interactionsRole = RoleID(3)
    static let flexRole = RoleID(4)
    static let alice = UserID(1)  // cx3, full supervisor role
    static let bob = UserID(2)  // cx2, full supervisor role
    static let carol = UserID(3)  // cx1 Digital Add-on II, Interactions only
    static let dan = UserID(4)  // cx1: may not monitor (M1)
    static let frank = UserID(5)  // a role that gets redefined
    static let supervisors = [alice, bob, carol, dan, frank]
    static let agents: [UserID] = (11...14).map { UserID(UInt64($0)) }
    static let support = QueueID(1)
    static let sales = QueueID(2)
    static let maximumConversations = 16

    var engine: MonitoringEngine
    let database: EmbeddedDatabase
    var now = Instant.seconds(1_000)
    /// Every event the engine emitted, in order: what the database's `events` table must hold.
    var events: [EventRecord] = []
    var commands = 0

    /// A contact centre: supervisors with and without the monitor permissions, agents in two queues, and conversations
    /// in progress with an agent each (one a conference, so a start needs an agent choice, M6).
    init(database: EmbeddedDatabase, configuration: EngineConfiguration) throws {
        self.engine = MonitoringEngine(configuration: configuration)
        self.database = database
        let agentPermissions: PermissionSet = [.conversationMessageView, .conversationMessageAccept]
        try must(.defineRole(Role(id: Self.supervisorRole, name: "Monitoring supervisor", permissions: .supervisorRole)))
        try must(.defineRole(Role(id: Self.agentRole, name: "Agent", permissions: agentPermissions)))
        try must(
            .defineRole(
                Role(
                    id: Self.interactionsRole, name: "Interactions",
                    permissions: [
                        .conversationMessageMonitor, .conversationMessageView, .conversationMessageAccept, .analyticsConversationDetailView,
                    ])))
        try must(.defineRole(Role(id: Self.flexRole, name: "Flexible", permissions: .supervisorRole)))
        let supervisors: [(UserID, String, Licence, RoleID)] = [
            (Self.alice, "Alice", .cx3, Self.supervisorRole), (Self.bob, "Bob", .cx2, Self.supervisorRole),
            (Self.carol, "Carol", .cx1DigitalAddOn2, Self.interactionsRole), (Self.dan, "Dan", .cx1, Self.supervisorRole),
            (Self.frank, "Frank", .cx3Digital, Self.flexRole),
        ]
        for (id, name, licence, role) in supervisors {
            try must(.addUser(User(id: id, displayName: name, licence: licence, roles: [role], presence: .available)))
        }
        for (index, id) in Self.agents.enumerated() {
            try must(.addUser(User(id: id, displayName: "Agent \(index + 1)", licence: .cx1, roles: [Self.agentRole], presence: .onQueue)))
        }
        try must(.addQueue(Queue(id: Self.support, name: "Support", members: Array(Self.agents[0..<2]), wrapUpCodes: ["resolved"])))
        try must(.addQueue(Queue(id: Self.sales, name: "Sales", members: Array(Self.agents[2...]))))
        for index in 0..<4 {
            let conversation = try inProgress(agent: Self.agents[index])
            if index == 3, case .success(.participantAdded(let second)) = try run(.alertAgent(conversation, Self.agents[0])) {
                try must(.connectAgent(conversation, second))
            }
        }
    }

    /// Applies `command` one `step` after the previous one to both stores and expects the same result, events and
    /// deliveries from each.
    @discardableResult
    mutating func run(_ command: Command, after step: TimeSpan = .seconds(1)) throws -> Result<Outcome, MonitoringError> {
        now = now + step
        let expected = engine.execute(command, at: now)
        let applied = try database.apply(command, at: now) { _, _ in }
        #expect(applied.result == expected, "\(command)")
        #expect(applied.events == engine.events, "\(command)")
        #expect(applied.deliveries == engine.deliveries, "\(command)")
        events += engine.events
        commands += 1
        return expected
    }

    /// Applies a command that must succeed.
    @discardableResult
    mutating func must(_ command: Command, after step: TimeSpan = .seconds(1)) throws -> Outcome {
        let result = try run(command, after: step)
        guard case .success(let outcome) = result else { throw Refused(command: command, result: result) }
        return outcome
    }

    /// Opens a conversation, queues it and connects `agent`, who exchanges a message with the customer.
    mutating func inProgress(agent: UserID) throws -> ConversationID {
        let context = ConversationContext(customer: CustomerDetails(name: "Dana", address: "+44 20 0000 0000"))
        guard case .conversationCreated(let id) = try must(.createConversation(.webMessaging, context)) else {
            throw Refused(command: .createConversation(.webMessaging, context), result: .success(.done))
        }
        try must(.enqueue(id, Self.support))
        guard case .participantAdded(let participant) = try must(.alertAgent(id, agent)) else {
            throw Refused(command: .alertAgent(id, agent), result: .success(.done))
        }
        try must(.connectAgent(id, participant))
        try must(.sendMessage(id, from: .customer, .text, body: "Hello, my order is late"))
        try must(.sendMessage(id, from: participant, .text, body: "Let me look into it"))
        return id
    }

    // MARK: Random commands

    /// One random command, mostly monitoring (M8, M10, M11, M12, M18), drawn from the engine's current state so that
    /// most are meaningful and some are refused; the clock advances by a random step.
    mutating func randomStep(_ random: inout SplitMix64) throws {
        let advance: TimeSpan =
            random.chance(15) ? .seconds(Int64(random.below(45))) : .milliseconds(Int64(random.below(4_000)))
        try run(randomCommand(&random), after: advance)
    }

    func randomCommand(_ random: inout SplitMix64) -> Command {
        let all = engine.conversations.all
        let conversation = random.pick(all)!
        let participant = ParticipantID(UInt32(random.below(conversation.participants.count + 1)))
        let supervisor = random.pick(Self.supervisors)!
        let agent = random.pick(Self.agents)!
        let active = all.compactMap(\.activeSession)
        let session = random.chance(80) && !active.isEmpty ? random.pick(active) : random.pick(all.flatMap(\.sessions))
        switch random.below(100) {
        case 0..<4 where all.count < Self.maximumConversations:
            return .createConversation(random.chance(80) ? .webMessaging : .voice, ConversationContext(customer: CustomerDetails(name: "C")))
        case 0..<8: return .enqueue(conversation.id, random.chance(50) ? Self.support : Self.sales)
        case 8..<14: return .alertAgent(conversation.id, agent)
        case 14..<20: return .connectAgent(conversation.id, participant)
        case 20..<28: return .sendMessage(conversation.id, from: participant, .text, body: "m")
        case 28..<34 where !active.isEmpty:
            let held = random.pick(active)!
            return .startMonitoring(held.id.conversation, supervisor: held.supervisor, agent: nil, via: held.entryPoint)
        case 28..<50:
            // Often a conversation someone already monitors, so that M8 refuses a second supervisor.
            let target = random.chance(40) && !active.isEmpty ? random.pick(active)!.id.conversation : conversation.id
            let choice = random.chance(70) ? nil : participant
            return .startMonitoring(target, supervisor: supervisor, agent: choice, via: random.pick(EntryPoint.allCases)!)
        case 50..<60 where session != nil:
            let by = random.chance(85) ? session!.supervisor : supervisor
            return .stopMonitoring(session!.id, by: by, from: random.chance(50) ? .interaction : .details)
        case 60..<70 where session != nil:
            return .renewLease(session!.id, by: random.chance(85) ? session!.supervisor : supervisor)
        case 50..<75: return .expireLeases
        case 75..<80: return .setPresence(random.pick(Self.supervisors + Self.agents)!, random.pick(Presence.allCases)!)
        case 80..<83: return .setLicence(supervisor, random.pick(Licence.allCases)!)
        case 83..<86:
            return .assignRoles(supervisor, random.chance(70) ? [Self.supervisorRole] : [Self.agentRole, Self.interactionsRole])
        case 86..<88:
            let permissions = PermissionSet(Permission.allCases.filter { _ in random.chance(80) })
            return .defineRole(Role(id: Self.flexRole, name: "Flexible", permissions: permissions))
        case 88..<92: return .disconnectAgent(conversation.id, participant)
        case 92..<95: return .wrapUp(conversation.id, participant, code: "resolved")
        case 95..<97: return .endConversation(conversation.id)
        default:
            return .transfer(conversation.id, from: participant, to: random.chance(50) ? .agent(agent) : .queue(Self.sales))
        }
    }
}

struct Refused: Error, CustomStringConvertible {
    var command: Command
    var result: Result<Outcome, MonitoringError>
    var description: String { "\(command) was refused: \(result)" }
}

/// SplitMix64 (Steele, Lea, Flood 2014): a seed names a run exactly, so a failing seed replays.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(max(bound, 1))) }
    mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    mutating func pick<T>(_ items: [T]) -> T? { items.isEmpty ? nil : items[below(items.count)] }
}
