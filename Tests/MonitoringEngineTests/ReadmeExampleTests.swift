import MonitoringEngine
import Testing

/// The README's example, verbatim, so that the README stays true.
@Suite("README")
struct ReadmeExampleTests {
    @Test("The README example starts a monitoring session with every invariant holding")
    func example() {
        var engine = MonitoringEngine()  // lease 30 s by default (M12)
        var t = Instant.seconds(0)
        func run(_ c: Command) -> Result<Outcome, MonitoringError> {
            t = t + .seconds(1)
            return engine.execute(c, at: t)
        }
        _ = run(.defineRole(Role(id: RoleID(1), name: "Supervisor", permissions: .supervisorRole)))
        _ = run(.addUser(User(id: UserID(1), displayName: "Alice", licence: .cx3, roles: [RoleID(1)], presence: .available)))
        _ = run(.addUser(User(id: UserID(2), displayName: "Anna", licence: .cx1, presence: .onQueue)))
        _ = run(.addQueue(Queue(id: QueueID(1), name: "Support", members: [UserID(2)])))
        guard
            case .success(.conversationCreated(let id)) = run(.createConversation(.sms, ConversationContext(customer: CustomerDetails(name: "Dana"))))
        else { fatalError() }
        _ = run(.enqueue(id, QueueID(1)))
        _ = run(.alertAgent(id, UserID(2)))
        _ = run(.connectAgent(id, ParticipantID(1)))
        let started = run(.startMonitoring(id, supervisor: UserID(1), agent: nil, via: .interactions))  // .success(.monitoringStarted(session))
        print(started, engine.events, engine.checkInvariants())  // events of the last command; [] when every invariant holds
        guard case .success(.monitoringStarted(let session)) = started else {
            Issue.record("the README example did not start monitoring: \(started)")
            return
        }
        #expect(session.monitoredAgent == UserID(2))
        #expect(engine.checkInvariants().isEmpty)
    }
}
