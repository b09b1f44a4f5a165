import Testing

@testable import MonitoringEngine

/// The incremental check after each command looks only at what the command changed. Each test runs a real command,
/// then breaks the state the command left the way a defective rule would, and expects the check to name the rule.
@Suite("The incremental invariant check catches a broken state the last command left")
struct IncrementalInvariantTests {
    /// A conversation in progress monitored by Alice, after the start command (the one the check looks at).
    static func monitored() throws -> (Centre, ConversationID, MonitorSession) {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        return (centre, id, session)
    }

    static func tamper(_ centre: inout Centre, _ id: ConversationID, _ change: (inout Conversation) -> Void) {
        change(&centre.engine.store.conversations[existing: id])
    }

    static func rules(_ centre: Centre) -> [String] { centre.engine.checkInvariants().map(\.rule) }

    @Test("M8 a second active session added by the command is reported")
    func secondActiveSession() throws {
        var (centre, id, session) = try Self.monitored()
        #expect(Self.rules(centre) == [])
        Self.tamper(&centre, id) { conversation in
            var second = session
            second.id = SessionID(conversation: id, token: session.id.token + 1)
            conversation.sessions.append(second)
        }
        #expect(Self.rules(centre).contains("M8"))
    }

    @Test("M11 a session ended without a reason is reported")
    func endWithoutReason() throws {
        var (centre, id, session) = try Self.monitored()
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        #expect(Self.rules(centre) == [])
        Self.tamper(&centre, id) { $0.sessions[Int(session.id.token - 1)].endReason = nil }
        #expect(Self.rules(centre).contains("M11"))
    }

    @Test("M19 a session the command ended but the supervisor's panel still lists is reported")
    func endedButListed() throws {
        var (centre, _, session) = try Self.monitored()
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .details))
        centre.engine.store.users.modifyValue(forKey: Centre.alice) { $0.monitoringSessions.append(session.id) }
        #expect(Self.rules(centre).contains("M19"))
    }

    @Test("M14 a user who joined without the monitor role would be listed in every view, and is reported")
    func userWithoutMonitorRole() throws {
        var (centre, id, _) = try Self.monitored()
        Self.tamper(&centre, id) { conversation in
            let own = conversation.participants.count - 1
            conversation.participants[own].mediaRole = .full
        }
        #expect(Self.rules(centre).contains("M14"))
    }

    @Test("M16 a message the command recorded from a monitor is reported")
    func messageFromMonitor() throws {
        var (centre, id, session) = try Self.monitored()
        centre.must(.sendMessage(id, from: .customer, .text, body: "Hello"))
        #expect(Self.rules(centre) == [])
        Self.tamper(&centre, id) { $0.transcript[$0.transcript.count - 1].sender = session.supervisorParticipant }
        #expect(Self.rules(centre).contains("M16"))
    }

    @Test("M21 a timeline entry the command wrote before an earlier one is reported")
    func timelineOutOfOrder() throws {
        var (centre, id, _) = try Self.monitored()
        Self.tamper(&centre, id) { $0.timeline[$0.timeline.count - 1].instant = .zero }
        #expect(Self.rules(centre).contains("M21"))
    }

    @Test("M8 an old session the command did not touch is left to the full check, which still reports it")
    func oldSessionsAreTheFullChecksJob() throws {
        var (centre, id, session) = try Self.monitored()
        centre.must(.stopMonitoring(session.id, by: Centre.alice, from: .interaction))
        centre.must(.sendMessage(id, from: .customer, .text, body: "Still there?"))
        // A defect that reopened an old session without touching anything else is not the message's change.
        Self.tamper(&centre, id) { $0.sessions[0].endedAt = nil }
        #expect(!Self.rules(centre).contains("M8"))
        #expect(centre.engine.checkAllInvariants().contains { $0.rule == "M8" || $0.rule == "M11" })
    }
}
