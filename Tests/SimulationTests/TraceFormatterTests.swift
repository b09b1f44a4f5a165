import Foundation
import MonitoringEngine
import Scenario
import Simulation
import Testing

@Suite("replay --trace: one line a command, in plain words")
struct TraceFormatterTests {
    /// One of every command, with outcomes and refusals of every kind that can be built outside the engine.
    static let commands: [Command] = {
        let user = UserID(7)
        let session = SessionID(conversation: ConversationID(42), token: 7)
        return [
            .defineRole(Role(id: RoleID(1), name: "Supervisor", permissions: [.conversationMessageMonitor, .conversationMessageView])),
            .addUser(User(id: user, displayName: "Sam", licence: .cx3, roles: [RoleID(1)], presence: .available)),
            .assignRoles(user, [RoleID(1)]),
            .setLicence(user, .cx2),
            .setPresence(user, .onBreak),
            .addQueue(Queue(id: QueueID(1), name: "Support", wrapUpCodes: ["resolved"])),
            .setQueueMembership(QueueID(1), user, isMember: true),
            .createConversation(.messaging(.whatsApp), ConversationContext(customer: CustomerDetails(name: "Ann"))),
            .enqueue(ConversationID(42), QueueID(1)),
            .alertAgent(ConversationID(42), UserID(3)),
            .connectAgent(ConversationID(42), ParticipantID(3)),
            .disconnectAgent(ConversationID(42), ParticipantID(3)),
            .transfer(ConversationID(42), from: ParticipantID(3), to: .agent(UserID(4))),
            .transfer(ConversationID(42), from: ParticipantID(3), to: .queue(QueueID(1))),
            .sendMessage(ConversationID(42), from: .customer, .text, body: "Hello"),
            .sendMessage(ConversationID(42), from: ParticipantID(3), .attachment, body: "file"),
            .typing(ConversationID(42), ParticipantID(3)),
            .markRead(ConversationID(42), ParticipantID(3), upTo: 4),
            .wrapUp(ConversationID(42), ParticipantID(3), code: "resolved"),
            .endConversation(ConversationID(42)),
            .abandon(ConversationID(42)),
            .startMonitoring(ConversationID(42), supervisor: user, agent: ParticipantID(3), via: .interactions),
            .startMonitoring(ConversationID(42), supervisor: user, agent: nil, via: .queueActivity),
            .stopMonitoring(session, by: user, from: .interaction),
            .stopMonitoring(session, by: user, from: .details),
            .renewLease(session, by: user),
            .expireLeases,
        ]
    }()

    static let outcomes: [Result<Outcome, MonitoringError>] = {
        let session = SessionID(conversation: ConversationID(42), token: 7)
        let outcomes: [Outcome] = [
            .done, .conversationCreated(ConversationID(42)), .participantAdded(ParticipantID(3)), .messageSent(index: 2),
            .monitoringStopped(session), .leaseRenewed(session, until: .seconds(725)), .leasesExpired(count: 1), .leasesExpired(count: 3),
        ]
        let errors: [MonitoringError] = [
            .licenceNotEligible(.cx1), .missingPermission(.conversationMessageMonitor), .supervisorNotAvailable(.busy),
            .channelNotMonitorable(.voice), .conversationNotInProgress(.queued),
            .agentChoiceRequired([
                AgentChoice(participant: ParticipantID(2), agent: UserID(3), name: "Bo"),
                AgentChoice(participant: ParticipantID(4), agent: UserID(5), name: "Cy"),
            ]),
            .notAConnectedAgent(ParticipantID(9)), .cannotMonitorOwnConversation, .sessionAlreadyEnded(session, .leaseExpired),
            .monitorCannotParticipate, .notSessionOwner(session, owner: UserID(8)), .administratorsOnly, .unknownUser(UserID(1)),
            .unknownRole(RoleID(1)), .unknownQueue(QueueID(1)), .unknownConversation(ConversationID(42)),
            .unknownParticipant(ConversationID(42), ParticipantID(3)), .unknownSession(session), .userAlreadyExists(UserID(1)),
            .queueAlreadyExists(QueueID(1)), .invalidConversationState(.ended), .invalidParticipantState(ParticipantID(3), .wrapUp),
            .notAnAgent(.customer), .agentAlreadyInConversation(UserID(3)), .userMonitorsConversation(UserID(7)),
            .unknownWrapUpCode("lost"), .limitReached(.sessionsPerConversation),
        ]
        return outcomes.map { .success($0) } + errors.map { .failure($0) }
    }()

    /// `hh:mm:ss.mmm  client: command → outcome`.
    static var shape: Regex<Substring> { /^\d\d:\d\d:\d\d\.\d\d\d  [a-z]+[^:]*: .+ → .+$/ }

    static func isPlain(_ line: String) -> Bool {
        !line.contains("MonitoringEngine.") && !line.contains("(id:") && !line.contains("Optional(") && (try? shape.wholeMatch(in: line)) != nil
    }

    @Test("every command kind, outcome and refusal renders in plain words, without Swift type names")
    func everyKindIsPlain() {
        var formatter = TraceFormatter()
        for command in Self.commands {
            let line = formatter.line(Instant(nanoseconds: 43_323_250_000_000), command, .success(.done))
            #expect(Self.isPlain(line), "\(line)")
        }
        for outcome in Self.outcomes {
            let line = formatter.line(.seconds(1), .expireLeases, outcome)
            #expect(Self.isPlain(line), "\(line)")
        }
    }

    @Test("a line names the instant, the client, the command and the outcome as a person says them")
    func examples() {
        var formatter = TraceFormatter()
        _ = formatter.line(.zero, Self.commands[0], .success(.done))
        _ = formatter.line(.zero, Self.commands[1], .success(.done))
        let start = Command.startMonitoring(ConversationID(42), supervisor: UserID(7), agent: ParticipantID(3), via: .interactions)
        #expect(
            formatter.line(Instant(nanoseconds: 43_323_250_000_000), start, .failure(.unknownConversation(ConversationID(42))))
                == "12:02:03.250  supervisor Sam: start monitoring conversation 42 (agent participant 3) from the interactions view → refused: there is no conversation 42"
        )
        #expect(
            formatter.line(.seconds(5), .addQueue(Queue(id: QueueID(1), name: "Support")), .success(.done))
                == "00:00:05.000  administrator: add queue \"Support\" (queue-1) → ok")
        #expect(
            formatter.line(.seconds(6), .setPresence(UserID(7), .available), .success(.done))
                == "00:00:06.000  supervisor Sam: set presence to available → ok")
        #expect(TraceFormatter.clock(.seconds(100 * 3_600 + 1)) == "100:00:01.000")
    }

    @Test("a short real replay gives one plain line per engine command, grants and M8 refusals among them")
    func realReplay() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../Scenarios/stop-races.yaml").standardized
            .path
        var configuration = try ScenarioLoader.load(path: path).configuration
        configuration.duration = .seconds(900)
        let lines = TraceLines()
        var world = World(configuration: configuration)
        world.trace = { instant, command, result in lines.append(instant, command, result) }
        let result = world.run()
        let all = lines.all
        #expect(all.count == result.summary.engineCommands)
        #expect(!all.isEmpty)
        for line in all where !Self.isPlain(line) {
            Issue.record("not plain: \(line)")
        }
        #expect(
            all.contains { $0.contains("supervisor floor") && $0.contains(": start monitoring conversation") && $0.contains("→ granted, token ") })
        #expect(all.contains { $0.contains("→ refused: already monitored by floor") && $0.hasSuffix("[M8]") })
        #expect(all.contains { $0.contains("agent agents") && $0.contains(": answer conversation") })
    }
}

/// Trace lines collected from a world's `trace` hook.
private final class TraceLines: @unchecked Sendable {
    private let lock = NSLock()
    private var formatter = TraceFormatter()
    private var lines: [String] = []

    func append(_ instant: Instant, _ command: Command, _ result: Result<Outcome, MonitoringError>) {
        lock.withLock { lines.append(formatter.line(instant, command, result)) }
    }

    var all: [String] { lock.withLock { lines } }
}
