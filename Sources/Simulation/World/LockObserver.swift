import HeapModule
import MonitoringEngine

/// Checks the monitor lock from outside the engine, from the events it reports: at most one
/// session per conversation (M8), ends only of active sessions (M11), no session outliving its
/// conversation, its monitored agent, its supervisor's presence or its lease (M12, M18), and
/// monitoring events told to nobody but their supervisor (M14).
///
/// It shares no code with the engine's own `checkInvariants()`: a checker is a separate
/// component from what it checks.
struct LockObserver: Sendable {
    struct ActiveSession: Sendable {
        var token: UInt64
        var supervisor: UserID
        var monitoredParticipant: ParticipantID
        var startedAt: Instant
        var leaseDeadline: Instant
    }

    /// Indexed by conversation id − 1.
    private(set) var active: [ActiveSession?] = []
    private(set) var activeCount = 0
    private var sessionsBySupervisor: [UserID: [ConversationID]] = [:]
    /// Lease deadlines to look at after sweeps; renewals leave stale entries that are skipped.
    private var deadlines = Heap<Deadline>()

    struct Deadline: Comparable, Sendable {
        var instant: Instant
        var conversation: ConversationID
        var token: UInt64
        static func < (lhs: Self, rhs: Self) -> Bool {
            (lhs.instant, lhs.conversation, lhs.token) < (rhs.instant, rhs.conversation, rhs.token)
        }
    }
    let leaseDuration: TimeSpan
    var violations: [String] = []
    let maximumViolations = 100
    var violationCount = 0

    init(leaseDuration: TimeSpan) { self.leaseDuration = leaseDuration }

    func session(of conversation: ConversationID) -> ActiveSession? {
        let index = Int(conversation.rawValue - 1)
        return index < active.count ? active[index] : nil
    }

    private mutating func fail(_ rule: String, _ detail: String) {
        violationCount += 1
        if violations.count < maximumViolations { violations.append("\(rule) \(detail)") }
    }

    /// Observes one command's events and deliveries, applied at the true (store) time `now`;
    /// returns the sessions that ended, for metrics. Leases are reckoned in true time, so a
    /// lease decided by a skewed clock shows.
    mutating func observe(
        _ events: [EventRecord], _ deliveries: [Delivery], at now: Instant,
        ended: inout [(ActiveSession, ConversationID, EndReason, Instant)]
    ) {
        for record in events { observe(record, at: now, ended: &ended) }
        for delivery in deliveries {
            let event = events[delivery.eventIndex].event
            if let supervisor = event.monitoringSupervisor, delivery.recipient != .user(supervisor) {
                fail("M14", "\(delivery.recipient) was told \(event)")
            }
        }
    }

    private mutating func observe(
        _ record: EventRecord, at now: Instant, ended: inout [(ActiveSession, ConversationID, EndReason, Instant)]
    ) {
        switch record.event {
        case .conversationCreated(let id, _, _):
            while active.count < Int(id.rawValue) { active.append(nil) }
        case .monitoringStarted(let id, let holder, let monitored, _):
            // A live run's observer sees only what the deployment notified, which may not include the creation.
            while active.count < Int(id.rawValue) { active.append(nil) }
            if let current = session(of: id) {
                fail("M8", "\(id): session \(holder.session.token) granted while \(current.token) of \(current.supervisor) is active")
            }
            active[Int(id.rawValue - 1)] = ActiveSession(
                token: holder.session.token, supervisor: holder.supervisor, monitoredParticipant: monitored,
                startedAt: now, leaseDeadline: now + leaseDuration)
            activeCount += 1
            deadlines.insert(Deadline(instant: now + leaseDuration, conversation: id, token: holder.session.token))
            sessionsBySupervisor[holder.supervisor, default: []].append(id)
        case .leaseRenewed(let session, _, _):
            guard let current = self.session(of: session.conversation), current.token == session.token else {
                fail("M12", "\(session) renewed while not active")
                return
            }
            if now >= current.leaseDeadline { fail("M12", "\(session) renewed after its lease expired") }
            active[Int(session.conversation.rawValue - 1)]!.leaseDeadline = now + leaseDuration
            deadlines.insert(Deadline(instant: now + leaseDuration, conversation: session.conversation, token: session.token))
        case .monitoringEnded(let session, _, let reason):
            guard let current = self.session(of: session.conversation), current.token == session.token else {
                fail("M11", "\(session) ended (\(reason)) while not the active session")
                return
            }
            if record.instant > current.leaseDeadline { fail("M12", "\(session) outlived its lease until \(record.instant)") }
            if now > current.leaseDeadline + Self.sweepSlack {
                fail("M12", "\(session) outlived its lease, due at \(current.leaseDeadline), until \(now)")
            }
            active[Int(session.conversation.rawValue - 1)] = nil
            activeCount -= 1
            sessionsBySupervisor.modifyValue(forKey: current.supervisor) { $0.removeAll { $0 == session.conversation } }
            ended.append((current, session.conversation, reason, min(record.instant, now)))
        case .conversationEnded(let id, _):
            if let current = session(of: id) { fail("M18", "\(id)/session-\(current.token) outlived its conversation") }
        case .agentDisconnected(let id, let participant, _, _):
            if let current = session(of: id), current.monitoredParticipant == participant {
                fail("M18", "\(id)/session-\(current.token) outlived its monitored agent")
            }
        case .presenceChanged(let user, .offline):
            for conversation in sessionsBySupervisor[user] ?? [] {
                fail("M18", "\(conversation) session of \(user) outlived its supervisor going offline")
            }
        default:
            break
        }
    }

    /// After the world took a supervisor offline, none of their sessions may remain (M18).
    mutating func checkNoSessions(of supervisor: UserID, wentOffline instant: Instant) {
        for conversation in sessionsBySupervisor[supervisor] ?? [] {
            fail("M18", "\(conversation) session of \(supervisor) survived the supervisor going offline at \(instant)")
        }
    }

    /// How late a due lease may end: the world sweeps leases every second.
    static let sweepSlack = TimeSpan.seconds(1)

    /// After a lease sweep at `now`, no active session may have a lease due, in true time (M12).
    mutating func checkLeases(sweptAt now: Instant) {
        while let next = deadlines.min, next.instant + Self.sweepSlack <= now {
            deadlines.removeMin()
            guard let current = session(of: next.conversation), current.token == next.token,
                current.leaseDeadline + Self.sweepSlack <= now
            else { continue }
            fail("M12", "\(next.conversation)/session-\(current.token) active after its lease was due at \(current.leaseDeadline)")
        }
    }
}
