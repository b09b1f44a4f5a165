import ArgumentParser
import MonitoringEngine

/// A quick wall-clock measurement of the engine's cost per start+stop monitoring pair.
///
/// Every conversation in progress gets one pair per round; after `sessionsPerConversation`
/// rounds each conversation is ended and replaced (untimed), so the figure is the cost of a pair
/// on a conversation of ordinary size, at the number of conversations asked for. With `--history N`
/// each conversation first gets N earlier sessions (untimed) and is never replaced, so it holds from N
/// to N + pairs ÷ conversations sessions while timed: the figure shows whether a pair's cost grows with
/// a conversation's history.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure the engine's cost per start+stop monitoring pair (use a release build).")

    @Option(help: "Conversations in progress in the engine.")
    var conversations = 1_000

    @Option(help: "Start+stop pairs to time.")
    var pairs = 1_000_000

    @Option(help: "Sessions a conversation gets before it is replaced by a fresh one.")
    var sessionsPerConversation = 8

    @Option(help: "Earlier sessions each conversation has before timing starts (untimed).")
    var history = 0

    func validate() throws {
        guard (1...5_000_000).contains(conversations) else { throw ValidationError("--conversations must be 1…5000000") }
        guard pairs >= 1 else { throw ValidationError("--pairs must be at least 1") }
        guard (1...1_000).contains(sessionsPerConversation) else { throw ValidationError("--sessions-per-conversation must be 1…1000") }
        guard (0...100_000).contains(history) else { throw ValidationError("--history must be 0…100000") }
        guard conversations * (history + 1) + pairs <= 50_000_000 || history == 0 else {
            throw ValidationError("--conversations × (--history + 1) + --pairs must be at most 50000000 (every earlier session is kept)")
        }
    }

    func run() throws {
        // Without history a conversation is replaced after S sessions; with it, never, so it grows by the rounds.
        let rounds = (pairs + conversations - 1) / conversations
        var bench = EngineBench(conversations: conversations, history: history, sessionsWhileTimed: history == 0 ? sessionsPerConversation : rounds)
        try bench.setUp()
        let clock = ContinuousClock()
        var timed = Duration.zero
        var done = 0
        var round = 0
        while done < pairs {
            if history == 0, round > 0, round % sessionsPerConversation == 0 { try bench.recycle() }
            let batch = min(conversations, pairs - done)
            timed += try clock.measure { try bench.pairs(batch) }
            done += batch
            round += 1
        }
        let nanoseconds = Double(timed.components.seconds) * 1e9 + Double(timed.components.attoseconds) / 1e9
        print("conversations: \(conversations)")
        print("earlier sessions per conversation: \(history)")
        print("pairs: \(done)")
        print("nanoseconds per start+stop pair: \(Int(nanoseconds / Double(done)))")
        print("pairs per second: \(Int(Double(done) / (nanoseconds / 1e9)))")
    }
}

/// An engine holding many conversations in progress, each with one agent, and one supervisor.
struct EngineBench {
    let supervisor = UserID(1)
    let count: Int
    /// Earlier sessions a conversation is given, untimed, whenever it is opened.
    let history: Int
    var engine: MonitoringEngine
    var now = Instant.zero
    var ids: [ConversationID] = []
    var agents: [UserID] = []

    init(conversations: Int, history: Int = 0, sessionsWhileTimed: Int = 8) {
        count = conversations
        self.history = history
        // Room for the history and the timed sessions: each session also adds a monitor participant.
        let sessions = max(1_000, history + sessionsWhileTimed + 1)
        engine = MonitoringEngine(
            configuration: EngineConfiguration(maximumSessionsPerConversation: sessions, maximumParticipantsPerConversation: sessions + 100))
    }

    mutating func apply(_ command: Command) throws -> Outcome {
        now = now + .milliseconds(1)
        switch engine.execute(command, at: now) {
        case .success(let outcome): return outcome
        case .failure(let error): throw ValidationError("\(command) failed: \(error)")
        }
    }

    mutating func setUp() throws {
        _ = try apply(.defineRole(Role(id: RoleID(1), name: "Supervisor", permissions: .supervisorRole)))
        _ = try apply(.addUser(User(id: supervisor, displayName: "Supervisor", licence: .cx3, roles: [RoleID(1)], presence: .available)))
        _ = try apply(.addQueue(Queue(id: QueueID(1), name: "Queue", wrapUpCodes: ["done"])))
        for index in 0..<count {
            let agent = UserID(UInt64(1_000 + index))
            _ = try apply(.addUser(User(id: agent, displayName: "Agent \(index)", licence: .cx1, presence: .onQueue)))
            agents.append(agent)
            ids.append(try open(for: agent))
        }
        try addHistory()
    }

    /// `history` untimed start+stop pairs on every conversation.
    mutating func addHistory() throws {
        for _ in 0..<history { try pairs(count) }
    }

    mutating func open(for agent: UserID) throws -> ConversationID {
        guard
            case .conversationCreated(let id) = try apply(
                .createConversation(.webMessaging, ConversationContext(customer: CustomerDetails(name: "Customer"))))
        else {
            throw ValidationError("no conversation created")
        }
        _ = try apply(.enqueue(id, QueueID(1)))
        guard case .participantAdded(let participant) = try apply(.alertAgent(id, agent)) else { throw ValidationError("no agent") }
        _ = try apply(.connectAgent(id, participant))
        return id
    }

    /// Ends every conversation and opens a fresh one for its agent.
    mutating func recycle() throws {
        for index in ids.indices {
            _ = try apply(.endConversation(ids[index]))
            _ = try apply(.wrapUp(ids[index], ParticipantID(1), code: "done"))
            ids[index] = try open(for: agents[index])
        }
    }

    /// One start+stop pair on each of the first `batch` conversations.
    mutating func pairs(_ batch: Int) throws {
        for index in 0..<batch {
            now = now + .milliseconds(1)
            guard
                case .success(.monitoringStarted(let session)) = engine.execute(
                    .startMonitoring(ids[index], supervisor: supervisor, agent: nil, via: .interactions), at: now)
            else {
                throw ValidationError("start refused on \(ids[index])")
            }
            guard case .success = engine.execute(.stopMonitoring(session.id, by: supervisor, from: .interaction), at: now) else {
                throw ValidationError("stop refused on \(session.id)")
            }
        }
    }
}
