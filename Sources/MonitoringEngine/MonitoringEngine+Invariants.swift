// The engine's invariants, checked from the aggregates' state. `checkInvariants()` looks only
// at what the last command touched, so the simulator can afford it after every event;
// `checkAllInvariants()` scans the world, for tests.

/// A broken invariant: the rule it belongs to, what it is about, and what was found.
public struct InvariantViolation: Error, Hashable, Sendable, CustomStringConvertible {
    public var rule: String
    public var subject: String
    public var detail: String

    public var description: String { "\(rule) \(subject): \(detail)" }
}

extension MonitoringEngine {
    /// Checks what the last command changed, in time proportional to that change: the sessions it started or
    /// ended and the active one, the timeline entries and participants it added, the users it touched, and its
    /// deliveries. It builds no view: M14 and M15 hold by construction (every view lists participants through
    /// `Conversation.visibleParticipants`), and `thorough` adds the view-building comparison over the touched
    /// conversations, which `checkAllInvariants()` does over every conversation.
    public func checkInvariants(thorough: Bool = false) -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        for mark in touched.conversations {
            guard conversations.contains(mark.id) else {
                violations.append(InvariantViolation(rule: "engine", subject: "\(mark.id)", detail: "vanished"))
                continue
            }
            check(conversations[existing: mark.id], since: mark, thorough: thorough, into: &violations)
        }
        for user in touched.users {
            if let user = users[user] { check(user, into: &violations) }
        }
        violations += checkDeliveries(outbox.deliveries)
        return violations
    }

    /// Checks every aggregate, building every view: a scan of the world, for tests and end-of-run checks.
    public func checkAllInvariants() -> [InvariantViolation] {
        var violations: [InvariantViolation] = []
        for conversation in conversations.all {
            let mark = TouchedAggregates.ConversationMark(id: conversation.id, timelineCountBefore: 0, activeTokenBefore: nil)
            check(conversation, since: mark, thorough: true, into: &violations)
            checkWholeTimeline(conversation, into: &violations)
            let agents = conversation.participants.filter { $0.purpose == .agent }.map(\.id)
            if agents != conversation.agentParticipantIDs {
                violations.append(
                    InvariantViolation(
                        rule: "M6", subject: "\(conversation.id)",
                        detail: "agent participants \(agents) but the agent index holds \(conversation.agentParticipantIDs)"))
            }
        }
        for user in users.values.sorted(by: { $0.id < $1.id }) { check(user, into: &violations) }
        return violations
    }

    // MARK: Conversations

    /// The sessions a command can have changed are those it added and the one active before it: every other
    /// session had already ended, and an end is final. A mark from before any command (`sessionCountBefore` 0)
    /// makes this every session.
    private func check(
        _ conversation: Conversation, since mark: TouchedAggregates.ConversationMark, thorough: Bool,
        into violations: inout [InvariantViolation]
    ) {
        func fail(_ rule: String, _ detail: String) {
            violations.append(InvariantViolation(rule: rule, subject: "\(conversation.id)", detail: detail))
        }
        let sessions = conversation.sessions
        if sessions.count < mark.sessionCountBefore { fail("M11", "sessions were removed") }
        let first = min(mark.sessionCountBefore, sessions.count)
        var activeCount = 0
        var firstActive: Int?
        func visit(_ index: Int) {
            checkSession(at: index, in: conversation, fail: fail)
            guard sessions[index].endedAt == nil else { return }
            activeCount += 1
            if firstActive == nil { firstActive = index }
        }
        if let token = mark.activeTokenBefore, token >= 1, Int(token) - 1 < first { visit(Int(token) - 1) }
        for index in first..<sessions.count { visit(index) }
        if activeCount > 1 { fail("M8", "\(activeCount) active sessions") }
        if firstActive != conversation.activeSessionIndex {
            fail("M8", "active session index \(String(describing: conversation.activeSessionIndex)) but active \(String(describing: firstActive))")
        }
        if let index = conversation.activeSessionIndex, index < sessions.count {
            checkActive(sessions[index], in: conversation, thorough: thorough, fail: fail)
        }
        checkNewTimeline(conversation, since: mark, fail: fail)
        checkNewParticipants(conversation, since: mark.participantCountBefore, fail: fail)
        if let last = conversation.transcript.last, conversation.isMonitorParticipant(last.sender) != false {
            fail("M16", "message \(last.index) was sent by a monitor")
        }
        if thorough { checkSilence(conversation, fail: fail) }
    }

    /// M11, M19: one session's identity and end.
    private func checkSession(at index: Int, in conversation: Conversation, fail: (String, String) -> Void) {
        let session = conversation.sessions[index]
        if session.id != SessionID(conversation: conversation.id, token: UInt64(index + 1)) {
            fail("M11", "session at \(index) has id \(session.id)")
        }
        if (session.endedAt == nil) != (session.endReason == nil) {
            fail("M11", "\(session.id) has end instant \(String(describing: session.endedAt)) and reason \(String(describing: session.endReason))")
        }
        if let endedAt = session.endedAt, endedAt < session.startedAt {
            fail("M11", "\(session.id) ended before it started")
        }
        if session.endedAt != nil {
            checkEnded(session, in: conversation, fail: fail)
        }
    }

    /// M6, M13, M14: a participant the command added has the next id, and a user who joins other than as the
    /// customer or an agent joins as a monitor, which no view lists.
    private func checkNewParticipants(_ conversation: Conversation, since count: Int, fail: (String, String) -> Void) {
        let participants = conversation.participants
        guard count < participants.count else { return }
        for index in count..<participants.count {
            let participant = participants[index]
            if participant.id.rawValue != UInt32(index) { fail("M6", "participant at \(index) has id \(participant.id)") }
            if participant.purpose == .user && (participant.mediaRole != .monitor || participant.monitoredParticipant == nil) {
                fail("M14", "\(participant.id) joined as a user without the monitor role, so every view would list it")
            }
            if participant.purpose == .agent && !conversation.agentParticipantIDs.contains(participant.id) {
                fail("M6", "\(participant.id) is an agent missing from the agent index")
            }
        }
    }

    /// M5, M7, M12, M13, M15, M18: what must hold while a session is active.
    private func checkActive(
        _ session: MonitorSession, in conversation: Conversation, thorough: Bool, fail: (String, String) -> Void
    ) {
        if conversation.state != .inProgress { fail("M18", "\(session.id) active in state \(conversation.state)") }
        if session.leaseExpiresAt <= conversation.lastInstant {
            fail("M12", "\(session.id) active with lease due at \(session.leaseExpiresAt), conversation at \(conversation.lastInstant)")
        }
        let monitored = conversation.participant(session.monitoredParticipant)
        if monitored?.isConnectedAgent != true || monitored?.user != session.monitoredAgent {
            fail("M18", "\(session.id) watches \(session.monitoredParticipant), which is not its connected agent")
        }
        let own = conversation.participant(session.supervisorParticipant)
        if own == nil || own?.isMonitor != true || own?.state != .connected || own?.user != session.supervisor
            || own?.monitoredParticipant != session.monitoredParticipant
        {
            fail("M13", "\(session.id) has no connected monitor participant watching \(session.monitoredParticipant)")
        }
        if conversation.hasAgentParticipant(session.supervisor) {
            fail("M7", "\(session.id) supervisor \(session.supervisor) is an agent of the conversation")
        }
        if let supervisor = users[session.supervisor] {
            if supervisor.presence == .offline { fail("M18", "\(session.id) supervisor is offline") }
            if !supervisor.mayMonitor { fail("M18", "\(session.id) supervisor may no longer monitor") }
            if !supervisor.monitoringSessions.contains(session.id) {
                fail("M13", "\(session.id) missing from supervisor's panel")
            }
        } else {
            fail("M18", "\(session.id) supervisor \(session.supervisor) does not exist")
        }
        if thorough { checkMonitorSeesAgentView(session, fail: fail) }
    }

    /// M15: the monitor's view equals the monitored agent's view, field by field.
    private func checkMonitorSeesAgentView(_ session: MonitorSession, fail: (String, String) -> Void) {
        guard case .success(let monitor) = monitorView(session.id, viewer: session.supervisor),
            case .success(let agent) = agentView(session.id.conversation, participant: session.monitoredParticipant)
        else {
            fail("M15", "\(session.id) monitor or agent view unavailable")
            return
        }
        if monitor.content.participants != agent.content.participants { fail("M15", "participants differ") }
        if monitor.content.transcript != agent.content.transcript { fail("M15", "transcripts differ") }
        if monitor.content.context != agent.content.context { fail("M15", "contextual panels differ") }
        if monitor.content.state != agent.content.state || monitor.content.channel != agent.content.channel {
            fail("M15", "conversation header differs")
        }
    }

    /// M19: an ended session has released everything it held.
    private func checkEnded(_ session: MonitorSession, in conversation: Conversation, fail: (String, String) -> Void) {
        if conversation.participant(session.supervisorParticipant)?.state != .disconnected {
            fail("M19", "\(session.id) ended but its monitor participant is still there")
        }
        if users[session.supervisor]?.monitoringSessions.contains(session.id) == true {
            fail("M19", "\(session.id) ended but still in the supervisor's panel")
        }
    }

    /// M21 ordering and M11 single end, over the entries the last command appended.
    private func checkNewTimeline(
        _ conversation: Conversation, since mark: TouchedAggregates.ConversationMark, fail: (String, String) -> Void
    ) {
        let timeline = conversation.timeline
        let first = max(mark.timelineCountBefore, 1)
        guard first < timeline.count else { return }
        for index in first..<timeline.count {
            if timeline[index].instant < timeline[index - 1].instant {
                fail("M21", "timeline entry \(index) at \(timeline[index].instant) before \(timeline[index - 1].instant)")
            }
            guard case .monitoringEnded(let id, let reason) = timeline[index].event else { continue }
            let session = id.token >= 1 && id.token <= conversation.sessions.count ? conversation.sessions[Int(id.token - 1)] : nil
            let wasActive =
                mark.timelineCountBefore == 0 || mark.activeTokenBefore == id.token
                || timeline[mark.timelineCountBefore..<index].contains {
                    if case .monitoringStarted(id, _, _) = $0.event { true } else { false }
                }
            if session?.endReason != reason || session?.endedAt != timeline[index].instant || !wasActive {
                fail("M11", "\(id) ended again or inconsistently (\(reason))")
            }
        }
    }

    /// M11, M21 over the whole timeline: ordered; one start and at most one end per session.
    private func checkWholeTimeline(_ conversation: Conversation, into violations: inout [InvariantViolation]) {
        var starts = [UInt64: Int]()
        var ends = [UInt64: Int]()
        for entry in conversation.timeline {
            switch entry.event {
            case .monitoringStarted(let id, _, _): starts[id.token, default: 0] += 1
            case .monitoringEnded(let id, _): ends[id.token, default: 0] += 1
            default: break
            }
        }
        for session in conversation.sessions {
            let expectedEnds = session.endedAt == nil ? 0 : 1
            if starts[session.id.token] != 1 || ends[session.id.token, default: 0] != expectedEnds {
                violations.append(
                    InvariantViolation(
                        rule: "M11", subject: "\(session.id)",
                        detail: "\(starts[session.id.token] ?? 0) starts and \(ends[session.id.token] ?? 0) ends on the timeline"))
            }
        }
    }

    /// M14: the agents' and the customer's views carry no monitor.
    private func checkSilence(_ conversation: Conversation, fail: (String, String) -> Void) {
        if Self.customerView(of: conversation).participants.contains(where: { conversation.isMonitorParticipant($0.id) != false }) {
            fail("M14", "the customer's view lists a monitor")
        }
        for agent in conversation.participants where agent.isConnectedAgent {
            if let view = try? Self.agentView(of: conversation, participant: agent.id),
                view.content.participants.contains(where: { conversation.isMonitorParticipant($0.id) != false })
            {
                fail("M14", "agent \(agent.id)'s view lists a monitor")
            }
        }
    }

    /// M14: checks deliveries of the last command's events: a monitoring event may reach
    /// only its supervisor.
    public func checkDeliveries(_ deliveries: [Delivery]) -> [InvariantViolation] {
        deliveries.compactMap { delivery in
            let event = outbox.events[delivery.eventIndex].event
            guard let supervisor = event.monitoringSupervisor, delivery.recipient != .user(supervisor) else { return nil }
            return InvariantViolation(rule: "M14", subject: "\(delivery.recipient)", detail: "received \(event)")
        }
    }

    // MARK: Users

    private func check(_ user: User, into violations: inout [InvariantViolation]) {
        func fail(_ rule: String, _ detail: String) {
            violations.append(InvariantViolation(rule: rule, subject: "\(user.id)", detail: detail))
        }
        if user.permissions != permissions(of: user.roles) { fail("M2", "permissions \(user.permissions) not those of its roles") }
        for session in user.monitoringSessions {
            let held = conversations[session.conversation]?.activeSession
            if held?.id != session || held?.supervisor != user.id {
                fail("M19", "panel lists \(session), which it does not hold")
            }
        }
        let listed = user.agentConversations
        for index in listed.indices.dropFirst() where listed[..<index].contains(listed[index]) {
            fail("M13", "panel lists \(listed[index]) twice")
        }
    }
}
