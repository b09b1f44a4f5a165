import MonitoringEngine

/// The engine refused a command a fixture relies on, so whatever it would measure next would be meaningless.
struct FixtureError: Error, CustomStringConvertible {
    let description: String
}

/// An engine holding many web-messaging conversations in progress, each with one connected agent, that a
/// benchmark drives one window of conversations at a time.
///
/// - Conversations sit in slots visited in a fixed shuffled order, so that a window touches conversations spread
///   over the engine's storage as many supervisors would; at a million conversations the figures include the cache
///   misses that come with that.
/// - A conversation is used (given a session or a message) at most `usesPerConversation` times, then ended and
///   replaced outside the measured region, so a measured command always meets a conversation of ordinary size.
/// - Slots start staggered through that cycle (slot `s` has been used `s % usesPerConversation` times), so every
///   window meets each point of the cycle equally often and allocates exactly as much as the one before.
/// - Every command advances the virtual clock by one millisecond.
final class EngineFixture {
    /// Uses a conversation gets before it is replaced by a fresh one.
    static let usesPerConversation = 8
    static let clockStep = TimeSpan.milliseconds(1)

    struct Slot {
        var conversation: ConversationID
        var agentParticipant: ParticipantID
        let agent: UserID
        /// The supervisor who monitors this slot's conversation when the fixture keeps them all monitored.
        let holder: UserID
        /// Sessions or messages since the conversation was opened, not counting a session still active.
        var uses: Int
        /// When the lease of the slot's active session falls due, in the fixtures that keep one.
        var leaseExpiresAt: Instant = .zero
    }

    /// The command a fixture's measured runs repeat.
    enum Kind {
        case startStopPairs, deniedStarts, customerMessages, leaseSweeps
    }

    let kind: Kind
    private var engine: MonitoringEngine
    private var now = Instant.zero
    private var slots: [Slot] = []
    /// The slots the next measured run visits; `prepareWindow` chooses them.
    private var window: Range<Int> = 0..<0
    private var nextWindowStart = 0
    /// The window whose sessions the last lease sweep ended, to restart before the next sweep.
    private var sweptWindow: Range<Int>?

    /// The one supervisor who starts and stops sessions, or who contends for conversations others monitor.
    let supervisor = UserID(1)
    private let queue = QueueID(1)

    private init(_ kind: Kind, conversations count: Int, configuration: EngineConfiguration = EngineConfiguration()) throws {
        self.kind = kind
        engine = MonitoringEngine(configuration: configuration)
        _ = try apply(.defineRole(Role(id: RoleID(1), name: "Supervisor", permissions: .supervisorRole)))
        _ = try apply(.addUser(Self.supervisorUser(supervisor)))
        _ = try apply(.addQueue(Queue(id: queue, name: "Queue", wrapUpCodes: ["done"])))
        slots.reserveCapacity(count)
        for index in 0..<count {
            let agent = UserID(UInt64(2 + index))
            let holder = UserID(UInt64(2 + count + index))
            _ = try apply(.addUser(User(id: agent, displayName: "Agent", licence: .cx1, presence: .onQueue)))
            let (conversation, participant) = try open(for: agent)
            slots.append(Slot(conversation: conversation, agentParticipant: participant, agent: agent, holder: holder, uses: 0))
        }
        var generator = SplitMix64(seed: 1)
        slots.shuffle(using: &generator)
    }

    // MARK: Fixtures, one per measured command

    /// Conversations nobody monitors, staggered by start+stop pairs of `supervisor`.
    static func startStopPairs(conversations count: Int) throws -> EngineFixture {
        let fixture = try EngineFixture(.startStopPairs, conversations: count)
        for index in fixture.slots.indices {
            for _ in 0..<(index % usesPerConversation) { try fixture.startStopPair(index, by: fixture.supervisor) }
        }
        return fixture
    }

    /// Conversations each monitored by its own supervisor for longer than any run lasts, which `supervisor`
    /// tries to monitor too (M8 contention). A refused start changes nothing, so nothing is ever replaced.
    static func deniedStarts(conversations count: Int) throws -> EngineFixture {
        let fixture = try EngineFixture(
            .deniedStarts, conversations: count, configuration: EngineConfiguration(leaseDuration: .seconds(366 * 86_400)))
        try fixture.addHolders()
        for index in fixture.slots.indices { try fixture.startHolderSession(index) }
        return fixture
    }

    /// Conversations nobody monitors, staggered by customer messages.
    static func customerMessages(conversations count: Int) throws -> EngineFixture {
        let fixture = try EngineFixture(.customerMessages, conversations: count)
        for index in fixture.slots.indices {
            for _ in 0..<(index % usesPerConversation) { try fixture.customerMessage(index) }
        }
        return fixture
    }

    /// Conversations each monitored by its own supervisor, whose leases fall due in slot order, one window after
    /// another; a sweep then ends exactly the sessions of one window (M12).
    ///
    /// Restarting the sessions of a window costs about two commands, two milliseconds, per slot, and must be over
    /// before the next window's leases fall due: the first sessions start four milliseconds apart, and the gaps
    /// between windows' deadlines carry over from one pass to the next. The lease outlasts a whole pass.
    static func leaseSweeps(conversations count: Int) throws -> EngineFixture {
        let spacing = TimeSpan.milliseconds(4)
        let lease = TimeSpan(nanoseconds: Int64(count) * 10 * clockStep.nanoseconds)
        let fixture = try EngineFixture(.leaseSweeps, conversations: count, configuration: EngineConfiguration(leaseDuration: lease))
        try fixture.addHolders()
        for index in fixture.slots.indices {
            for _ in 0..<(index % usesPerConversation) { try fixture.startStopPair(index, by: fixture.slots[index].holder) }
        }
        // The staggering pairs left their lease deadlines in the engine's expiry heap: let them all fall due and
        // sweep them now, so that measured sweeps meet live sessions only.
        fixture.now = fixture.now + fixture.engine.configuration.leaseDuration
        _ = try fixture.apply(.expireLeases)
        for index in fixture.slots.indices {
            fixture.now = fixture.now + TimeSpan(nanoseconds: spacing.nanoseconds - clockStep.nanoseconds)
            try fixture.startHolderSession(index)
        }
        return fixture
    }

    // MARK: Windows

    /// Chooses the next `count` slots and, outside the measured region, readies them: conversations that have had
    /// their uses are replaced, and the lease sweep fixture restarts the sessions its last sweep ended.
    func prepareWindow(of count: Int) throws {
        guard count > 0, slots.count % count == 0 else {
            throw FixtureError(description: "a window of \(count) does not divide \(slots.count) conversations")
        }
        if kind == .leaseSweeps, let swept = sweptWindow {
            for index in swept {
                slots[index].uses += 1
                if slots[index].uses == Self.usesPerConversation { try recycle(index) }
                try startHolderSession(index)
            }
        }
        window = nextWindowStart..<(nextWindowStart + count)
        nextWindowStart = window.upperBound % slots.count
        for index in window where slots[index].uses == Self.usesPerConversation { try recycle(index) }
        if kind == .startStopPairs {
            // A stopped session's lease deadline stays in the engine's expiry heap until a sweep meets it; sweeping
            // here, as a server would between commands, keeps the heap at its steady size.
            _ = try apply(.expireLeases)
        }
    }

    // MARK: Measured runs over the prepared window

    func runStartStopPairs() throws {
        for index in window { try startStopPair(index, by: supervisor) }
    }

    func runDeniedStarts() throws {
        for index in window {
            let command = Command.startMonitoring(slots[index].conversation, supervisor: supervisor, agent: nil, via: .interactions)
            now = now + Self.clockStep
            guard case .failure(.alreadyMonitored) = engine.execute(command, at: now) else {
                throw FixtureError(description: "\(command) was not refused as already monitored")
            }
        }
    }

    func runCustomerMessages() throws {
        for index in window { try customerMessage(index) }
    }

    /// One sweep at the instant the last lease of the window falls due, which must end exactly the window's sessions.
    func runLeaseSweep() throws {
        now = max(now, slots[window.upperBound - 1].leaseExpiresAt)
        guard case .success(.leasesExpired(let count)) = engine.execute(.expireLeases, at: now), count == window.count else {
            throw FixtureError(description: "a sweep at \(now) did not end exactly the \(window.count) sessions due")
        }
        sweptWindow = window
    }

    // MARK: Commands

    private func apply(_ command: Command) throws -> Outcome {
        now = now + Self.clockStep
        switch engine.execute(command, at: now) {
        case .success(let outcome): return outcome
        case .failure(let error): throw FixtureError(description: "\(command) failed: \(error)")
        }
    }

    private func startStopPair(_ index: Int, by supervisor: UserID) throws {
        let start = Command.startMonitoring(slots[index].conversation, supervisor: supervisor, agent: nil, via: .interactions)
        guard case .monitoringStarted(let session) = try apply(start) else {
            throw FixtureError(description: "\(start) did not start a session")
        }
        _ = try apply(.stopMonitoring(session.id, by: supervisor, from: .interaction))
        slots[index].uses += 1
    }

    private func customerMessage(_ index: Int) throws {
        _ = try apply(.sendMessage(slots[index].conversation, from: .customer, .text, body: "Hello"))
        slots[index].uses += 1
    }

    private func startHolderSession(_ index: Int) throws {
        let start = Command.startMonitoring(slots[index].conversation, supervisor: slots[index].holder, agent: nil, via: .interactions)
        guard case .monitoringStarted(let session) = try apply(start) else {
            throw FixtureError(description: "\(start) did not start a session")
        }
        slots[index].leaseExpiresAt = session.leaseExpiresAt
    }

    // MARK: Set-up and replacement, never measured

    private func addHolders() throws {
        for slot in slots { _ = try apply(.addUser(Self.supervisorUser(slot.holder))) }
    }

    private static func supervisorUser(_ id: UserID) -> User {
        User(id: id, displayName: "Supervisor", licence: .cx3, roles: [RoleID(1)], presence: .available)
    }

    private func open(for agent: UserID) throws -> (ConversationID, ParticipantID) {
        let context = ConversationContext(customer: CustomerDetails(name: "Customer"))
        guard case .conversationCreated(let conversation) = try apply(.createConversation(.webMessaging, context)) else {
            throw FixtureError(description: "no conversation created for \(agent)")
        }
        _ = try apply(.enqueue(conversation, queue))
        guard case .participantAdded(let participant) = try apply(.alertAgent(conversation, agent)) else {
            throw FixtureError(description: "\(agent) was not alerted in \(conversation)")
        }
        _ = try apply(.connectAgent(conversation, participant))
        return (conversation, participant)
    }

    /// Ends the slot's conversation, wraps it up, and opens a fresh one for the same agent.
    private func recycle(_ index: Int) throws {
        let slot = slots[index]
        _ = try apply(.endConversation(slot.conversation))
        _ = try apply(.wrapUp(slot.conversation, slot.agentParticipant, code: "done"))
        (slots[index].conversation, slots[index].agentParticipant) = try open(for: slot.agent)
        slots[index].uses = 0
    }
}

/// SplitMix64 (Steele, Lea and Flood, 2014), so that the order of the slots is the same on every run.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
