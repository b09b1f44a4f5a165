import MonitoringEngine
import PropertyBased
import Testing

// Random command sequences against the engine, checked after every step by the engine's own
// invariants and by an external model of the monitor lock (`LockHistoryModel`) that is built
// only from what the engine reports: outcomes, events and deliveries. The model knows the
// rules of docs/rules.md, not the engine's code, so a disagreement is a finding.

@Suite("Random command sequences (M8–M19)")
struct PropertyTests {
    @Test("M8 M10 M11 M14 M19 random command sequences keep the monitor lock correct")
    func randomSequences() async {
        var coverage = LockCoverage()
        var failed = false
        await propertyCheck(count: 100, input: Gen.int(in: 0...1_000_000).array(of: 50...400)) { steps in
            var scenario = MonitoringScenario()
            for step in steps {
                scenario.step(step)
                if !scenario.failures.isEmpty { break }
            }
            scenario.finish()
            #expect(scenario.engine.checkAllInvariants().isEmpty)
            #expect(scenario.failures.isEmpty, "\(scenario.report())")
            coverage += scenario.model.coverage
            failed = failed || !scenario.failures.isEmpty
        }
        if !failed { coverage.expectEverythingExercised() }
    }

    @Test("M8 M10 M11 M12 M14 M16 M18 M19 200 seeds of 500 random steps keep every invariant")
    func seededSequences() {
        var coverage = LockCoverage()
        for seed in UInt64(1)...200 {
            var random = PropertySplitMix64(seed: seed)
            var scenario = MonitoringScenario()
            for _ in 0..<500 {
                scenario.step(Int(random.next() % 1_000_001))
                if !scenario.failures.isEmpty { break }
            }
            scenario.finish()
            #expect(scenario.engine.checkAllInvariants().isEmpty, "seed \(seed)")
            #expect(scenario.failures.isEmpty, "seed \(seed): \(scenario.report())")
            coverage += scenario.model.coverage
            if !scenario.failures.isEmpty { return }
        }
        coverage.expectEverythingExercised()
    }

    @Test("M8 M10 M11 M12 M14 M19 the external lock model flags tampered histories and passes the real one")
    func modelFlagsBadHistories() throws {
        var scenario = MonitoringScenario(recording: true)
        let c = MonitoringScenario.firstConversation
        let (alice, bob) = (MonitoringScenario.alice, MonitoringScenario.bob)
        let setupCount = scenario.history.count

        // The real history: a grant, a refusal, an idempotent re-start, a stop, a new grant, a stale stop.
        guard
            case .success(.monitoringStarted(let first)) = scenario.perform(
                .startMonitoring(c, supervisor: alice, agent: nil, via: .interactions), after: .seconds(1))
        else {
            Issue.record("alice was not granted: \(scenario.report())")
            return
        }
        // The engine's own delivery check is not vacuous: a forged delivery of the grant is refused.
        let grantIndex = try #require(scenario.engine.events.firstIndex { if case .monitoringStarted = $0.event { true } else { false } })
        let agentUser = try #require(scenario.engine.conversations[c]?.connectedAgents.first?.user)
        #expect(scenario.engine.checkDeliveries([Delivery(recipient: .user(alice), eventIndex: grantIndex)]).isEmpty)
        #expect(scenario.engine.checkDeliveries([Delivery(recipient: .customer(c), eventIndex: grantIndex)]).map(\.rule) == ["M14"])
        #expect(scenario.engine.checkDeliveries([Delivery(recipient: .user(agentUser), eventIndex: grantIndex)]).map(\.rule) == ["M14"])

        #expect(
            scenario.perform(.startMonitoring(c, supervisor: bob, agent: nil, via: .queueActivity), after: .seconds(1))
                == .failure(.alreadyMonitored(by: first.holder, since: first.startedAt)))
        #expect(
            scenario.perform(.startMonitoring(c, supervisor: alice, agent: nil, via: .interactionDetails), after: .seconds(1))
                == .success(.alreadyMonitoring(first)))
        #expect(
            scenario.perform(.stopMonitoring(first.id, by: alice, from: .interaction), after: .seconds(1))
                == .success(.monitoringStopped(first.id)))
        guard
            case .success(.monitoringStarted(let second)) = scenario.perform(
                .startMonitoring(c, supervisor: bob, agent: nil, via: .interactions), after: .seconds(1))
        else {
            Issue.record("bob was not granted after alice stopped: \(scenario.report())")
            return
        }
        #expect(second.id.token > first.id.token)
        #expect(
            scenario.perform(.stopMonitoring(first.id, by: alice, from: .details), after: .seconds(1))
                == .failure(.sessionAlreadyEnded(first.id, .stoppedFromInteraction)))
        #expect(
            scenario.perform(.stopMonitoring(second.id, by: alice, from: .details), after: .seconds(1))
                == .failure(.notSessionOwner(second.id, owner: bob)))
        #expect(scenario.failures.isEmpty, "\(scenario.report())")

        let history = scenario.history
        #expect(history.count == setupCount + 7)
        let (grant, refusal, resume, regrant, staleStop) = (
            history[setupCount], history[setupCount + 1], history[setupCount + 2], history[setupCount + 4],
            history[setupCount + 5]
        )
        let template = grant.events[0]
        func record(_ event: Event, at instant: Instant) -> EventRecord {
            var record = template
            record.instant = instant
            record.event = event
            return record
        }
        func forged(_ session: MonitorSession, token: UInt64, supervisor: UserID, at instant: Instant) -> MonitorSession {
            var forged = session
            forged.id = SessionID(conversation: c, token: token)
            forged.supervisor = supervisor
            forged.supervisorName = "\(supervisor)"
            forged.startedAt = instant
            forged.leaseExpiresAt = instant + MonitoringScenario.lease
            forged.endedAt = nil
            forged.endReason = nil
            return forged
        }
        func started(_ session: MonitorSession, at instant: Instant) -> EventRecord {
            record(
                .monitoringStarted(
                    c, session.holder, monitoredParticipant: session.monitoredParticipant,
                    monitoredAgent: session.monitoredAgent), at: instant)
        }
        let conversations = scenario.engine.conversations
        func replay(_ entries: [HistoryEntry]) -> [String] {
            var model = LockHistoryModel(lease: MonitoringScenario.lease)
            var failures: [String] = []
            for entry in entries {
                failures += model.observe(entry, isMonitorParticipant: { conversations[$0]?.participant($1)?.isMonitor == true })
            }
            return failures
        }
        func flags(_ rule: String, _ failures: [String]) -> Bool { failures.contains { $0.hasPrefix(rule + " ") } }

        // The real history is clean for the model.
        #expect(replay(history).isEmpty, "\(replay(history))")

        // M8: bob is granted a second session while alice's is active.
        var overlap = refusal
        let bobSession = forged(first, token: 2, supervisor: bob, at: refusal.now)
        overlap.result = .success(.monitoringStarted(bobSession))
        overlap.events = [refusal.events[0], started(bobSession, at: refusal.now)]
        overlap.deliveries = [Delivery(recipient: .user(bob), eventIndex: 1)]
        #expect(flags("M8", replay(Array(history[..<setupCount]) + [grant, overlap])))

        // M10: alice asks again and gets a new session instead of her existing one.
        var duplicate = resume
        let aliceAgain = forged(first, token: 2, supervisor: alice, at: resume.now)
        duplicate.result = .success(.monitoringStarted(aliceAgain))
        duplicate.events = [resume.events[0], started(aliceAgain, at: resume.now)]
        duplicate.deliveries = []
        #expect(flags("M10", replay(Array(history[..<setupCount]) + [grant, refusal, duplicate])))

        // M11: a session token is reused.
        var reused = regrant
        let reusedSession = forged(first, token: first.id.token, supervisor: bob, at: regrant.now)
        reused.result = .success(.monitoringStarted(reusedSession))
        reused.events = [regrant.events[0], started(reusedSession, at: regrant.now)]
        reused.deliveries = []
        #expect(flags("M11", replay(Array(history[..<(setupCount + 4)]) + [reused])))

        // M11: a stale stop of alice's ended session ends bob's newer one.
        var lateStop = staleStop
        lateStop.events = [record(.monitoringEnded(second.id, supervisor: bob, .stoppedFromDetails), at: staleStop.now)]
        lateStop.deliveries = []
        #expect(flags("M11", replay(Array(history[..<(setupCount + 5)]) + [lateStop])))

        // M12: a session reported expired long before its lease is due.
        var early = resume
        early.result = .failure(.sessionAlreadyEnded(first.id, .leaseExpired))
        early.command = .stopMonitoring(first.id, by: alice, from: .interaction)
        early.events = [record(.monitoringEnded(first.id, supervisor: alice, .leaseExpired), at: resume.now)]
        early.deliveries = []
        #expect(flags("M12", replay(Array(history[..<setupCount]) + [grant, refusal, early])))

        // M14: the grant is also delivered to the customer and to the monitored agent.
        var leak = grant
        let index = try #require(grant.events.firstIndex { $0.event.isMonitoringEvent && $0.event != grant.events[0].event })
        leak.deliveries += [Delivery(recipient: .customer(c), eventIndex: index), Delivery(recipient: .user(agentUser), eventIndex: index)]
        #expect(flags("M14", replay(Array(history[..<setupCount]) + [leak])))

        // M19: after alice stopped, eligible bob is refused as if she still held the lock.
        var stuck = regrant
        stuck.result = .failure(.alreadyMonitored(by: first.holder, since: first.startedAt))
        stuck.events = [
            regrant.events[0],
            record(.monitorDenied(c, supervisor: bob, .alreadyMonitored(by: first.holder, since: first.startedAt)), at: regrant.now),
        ]
        stuck.deliveries = [Delivery(recipient: .user(bob), eventIndex: 1)]
        #expect(flags("M19", replay(Array(history[..<(setupCount + 4)]) + [stuck])))
    }
}

// MARK: - Randomness

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny generator, so that a seed names a run exactly.
struct PropertySplitMix64: RandomNumberGenerator {
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

// MARK: - The external model

/// What the tests know about a command before it runs, read from the engine's public state
/// with the spec's rules written out here, independently of the engine's own checks.
struct CommandFacts: Sendable {
    /// For a start: M1 licence, M2 permissions (with the entry point's), M3 available,
    /// M4 channel, M5 in progress, M7 not an agent of the conversation.
    var eligible = false
    /// For a start: the agent choice is valid (M6): one connected agent implied, or a connected agent named.
    var validChoice = false
    /// For a message, typing, read receipt or wrap-up: the acting participant is a monitor (M16).
    var actorIsMonitor = false
}

/// One command and everything observable about it.
struct HistoryEntry: Sendable {
    var command: Command
    var now: Instant
    var facts: CommandFacts
    var result: Result<Outcome, MonitoringError>
    var events: [EventRecord]
    var deliveries: [Delivery]
    var touched: [ConversationID]
}

/// How often the interesting situations happened, so that a run proves it exercised them.
struct LockCoverage: Sendable {
    var granted = 0
    var grantedAfterEarlierSession = 0
    var resumed = 0
    var refusedLocked = 0
    var stopped = 0
    var staleStops = 0
    var nonOwnerStops = 0
    var renewed = 0
    var leaseExpiries = 0
    var otherEnds = 0
    var monitorParticipationAttempts = 0

    static func += (lhs: inout LockCoverage, rhs: LockCoverage) {
        lhs.granted += rhs.granted
        lhs.grantedAfterEarlierSession += rhs.grantedAfterEarlierSession
        lhs.resumed += rhs.resumed
        lhs.refusedLocked += rhs.refusedLocked
        lhs.stopped += rhs.stopped
        lhs.staleStops += rhs.staleStops
        lhs.nonOwnerStops += rhs.nonOwnerStops
        lhs.renewed += rhs.renewed
        lhs.leaseExpiries += rhs.leaseExpiries
        lhs.otherEnds += rhs.otherEnds
        lhs.monitorParticipationAttempts += rhs.monitorParticipationAttempts
    }

    func expectEverythingExercised(sourceLocation: SourceLocation = #_sourceLocation) {
        let counts = [
            ("granted", granted), ("grantedAfterEarlierSession", grantedAfterEarlierSession), ("resumed", resumed),
            ("refusedLocked", refusedLocked), ("stopped", stopped), ("staleStops", staleStops),
            ("nonOwnerStops", nonOwnerStops), ("renewed", renewed), ("leaseExpiries", leaseExpiries),
            ("otherEnds", otherEnds), ("monitorParticipationAttempts", monitorParticipationAttempts),
        ]
        for (name, count) in counts {
            #expect(count > 0, "the random runs never exercised \(name): \(self)", sourceLocation: sourceLocation)
        }
    }
}

/// An external model of the monitor lock, built only from what the engine reports.
///
/// Each failure is one line starting with the rule it breaks, e.g. `M8 …`.
struct LockHistoryModel: Sendable {
    struct Held: Hashable, Sendable {
        var session: SessionID
        var supervisor: UserID
        var leaseUntil: Instant
    }

    let lease: TimeSpan
    /// The active session of each conversation, from `monitoringStarted`/`monitoringEnded` events.
    private(set) var held: [ConversationID: Held] = [:]
    private(set) var lastToken: [ConversationID: UInt64] = [:]
    private(set) var owners: [SessionID: UserID] = [:]
    private(set) var ended: [SessionID: EndReason] = [:]
    private(set) var coverage = LockCoverage()

    init(lease: TimeSpan) { self.lease = lease }

    /// The participants an event names, for M14 (no trace of a monitor in others' streams).
    static func participantsMentioned(_ event: Event) -> (ConversationID, ParticipantID)? {
        switch event {
        case .agentAlerted(let c, let p, _), .agentConnected(let c, let p, _, _), .agentDisconnected(let c, let p, _, _),
            .agentWrappedUp(let c, let p, _, _), .typing(let c, let p), .readReceipt(let c, let p, _):
            (c, p)
        case .messageSent(let c, let message): (c, message.sender)
        default: nil
        }
    }

    static func endReason(of source: StopSource) -> EndReason {
        source == .interaction ? .stoppedFromInteraction : .stoppedFromDetails
    }

    /// Checks one command against the rules and updates the model; returns what broke.
    mutating func observe(
        _ entry: HistoryEntry, isMonitorParticipant: (ConversationID, ParticipantID) -> Bool
    ) -> [String] {
        var failures: [String] = []
        func fail(_ rule: String, _ text: String) { failures.append("\(rule) \(text)") }
        let now = entry.now
        let before = held
        let endedBefore = ended
        let lastTokenBefore = lastToken
        func isDue(_ held: Held) -> Bool { held.leaseUntil <= now }

        // M14: a monitoring event reaches only its supervisor; nobody is told of a monitor participant.
        for delivery in entry.deliveries {
            guard entry.events.indices.contains(delivery.eventIndex) else {
                fail("M14", "delivery to \(delivery.recipient) names no event (\(delivery.eventIndex))")
                continue
            }
            let event = entry.events[delivery.eventIndex].event
            if event.isMonitoringEvent {
                if delivery.recipient != .user(event.monitoringSupervisor!) {
                    fail("M14", "\(event) delivered to \(delivery.recipient)")
                }
            } else if case let (c, p)? = Self.participantsMentioned(event), isMonitorParticipant(c, p) {
                fail("M14", "\(event) about monitor participant \(p) delivered to \(delivery.recipient)")
            }
        }

        // The events, in order: the lock is taken and released only through them.
        var started: [MonitorHolder] = []
        var endedHere: [SessionID: EndReason] = [:]
        var renewedHere: [SessionID: Instant] = [:]
        for record in entry.events {
            switch record.event {
            case .monitoringStarted(let c, let holder, _, _):
                let s = holder.session
                if s.conversation != c { fail("M11", "\(s) granted on \(c)") }
                if let h = held[c] {
                    fail("M8", "\(s) granted to \(holder.supervisor) on \(c) while \(h.session) of \(h.supervisor) was active")
                }
                if let last = lastToken[c], s.token <= last { fail("M11", "\(s) granted after token \(last)") }
                if owners[s] != nil { fail("M11", "\(s) reused") }
                held[c] = Held(session: s, supervisor: holder.supervisor, leaseUntil: now + lease)
                lastToken[c] = max(lastToken[c] ?? 0, s.token)
                owners[s] = holder.supervisor
                started.append(holder)
            case .monitoringEnded(let s, let supervisor, let reason):
                if let earlier = ended[s] {
                    fail("M11", "\(s) ended again (\(reason)) after \(earlier)")
                    continue
                }
                guard let h = held[s.conversation], h.session == s else {
                    fail("M11", "\(s) ended (\(reason)) but was not the active session")
                    continue
                }
                if h.supervisor != supervisor { fail("M11", "\(s) of \(h.supervisor) reported ended for \(supervisor)") }
                if reason == .leaseExpired && !isDue(h) { fail("M12", "\(s) expired at \(now), lease until \(h.leaseUntil)") }
                if reason != .leaseExpired && isDue(h) {
                    fail("M12", "\(s) outlived its lease (until \(h.leaseUntil)) and ended at \(now) as \(reason)")
                }
                held[s.conversation] = nil
                ended[s] = reason
                endedHere[s] = reason
                if reason == .leaseExpired { coverage.leaseExpiries += 1 } else { coverage.otherEnds += 1 }
            case .leaseRenewed(let s, let supervisor, let until):
                guard let h = held[s.conversation], h.session == s, h.supervisor == supervisor else {
                    fail("M12", "\(s) renewed for \(supervisor) but not held by them")
                    continue
                }
                if isDue(h) { fail("M12", "\(s) renewed at \(now) after its lease ran out at \(h.leaseUntil)") }
                if until != now + lease { fail("M12", "\(s) renewed until \(until), expected \(now + lease)") }
                held[s.conversation]!.leaseUntil = until
                renewedHere[s] = until
            case .monitoringResumed(let s, let supervisor):
                if held[s.conversation]?.session != s || held[s.conversation]?.supervisor != supervisor {
                    fail("M10", "\(s) resumed for \(supervisor), who does not hold it")
                }
            default: break
            }
        }

        // M17, M18: a session ends only for a reason the command can cause (or its due lease).
        let allowed: Set<EndReason> =
            switch entry.command {
            case .stopMonitoring(_, _, let source): [Self.endReason(of: source), .leaseExpired]
            case .endConversation, .abandon: [.conversationEnded, .leaseExpired]
            case .disconnectAgent, .transfer: [.monitoredAgentLeft, .leaseExpired]
            case .setPresence(_, .offline): [.supervisorOffline, .leaseExpired]
            case .setLicence, .assignRoles, .defineRole: [.accessRevoked, .leaseExpired]
            default: [.leaseExpired]
            }
        for (s, reason) in endedHere where !allowed.contains(reason) {
            fail("M18", "\(entry.command) ended \(s) with \(reason)")
        }

        switch entry.command {
        case .startMonitoring(let c, let s, _, _):
            let h = before[c]
            let holdsIt = h.map { $0.supervisor == s && !isDue($0) } ?? false
            let free = h.map(isDue) ?? true
            let facts = entry.facts
            switch entry.result {
            case .success(.alreadyMonitoring(let session)):
                coverage.resumed += 1
                if !holdsIt { fail("M10", "\(s) got alreadyMonitoring(\(session.id)) on \(c) without holding it") }
                if let h, session.id != h.session { fail("M10", "\(s) got \(session.id) back instead of \(h.session)") }
                if !started.isEmpty { fail("M10", "an idempotent re-start granted \(started.map(\.session))") }
            case .success(.monitoringStarted(let session)):
                coverage.granted += 1
                if (lastTokenBefore[c] ?? 0) > 0 { coverage.grantedAfterEarlierSession += 1 }
                if holdsIt, let h { fail("M10", "\(s) got a second session \(session.id) while holding \(h.session)") }
                if !free && !holdsIt, let h { fail("M8", "\(s) granted \(session.id) while \(h.session) of \(h.supervisor) was active") }
                if !facts.eligible { fail("M1-M7", "\(s) granted \(session.id) on \(c) without being eligible") }
                if !facts.validChoice { fail("M6", "\(s) granted \(session.id) on \(c) with an invalid agent choice") }
                if session.supervisor != s || session.id.conversation != c { fail("M8", "grant \(session.id) is not \(s)'s on \(c)") }
                if !started.contains(where: { $0.session == session.id && $0.supervisor == s }) {
                    fail("M22", "\(session.id) granted without a monitoringStarted event")
                }
                if session.leaseExpiresAt != now + lease {
                    fail("M12", "\(session.id) granted with lease until \(session.leaseExpiresAt), expected \(now + lease)")
                }
            case .failure(.alreadyMonitored(let by, _)):
                coverage.refusedLocked += 1
                if holdsIt { fail("M10", "\(s) refused alreadyMonitored(by: \(by.session)) while holding the lock") }
                if free {
                    fail("M19", "\(s) refused alreadyMonitored(by: \(by.session) of \(by.supervisor)) on \(c), whose lock is free")
                } else if let h, by.session != h.session || by.supervisor != h.supervisor {
                    fail("M8", "refusal names \(by.session) of \(by.supervisor), but \(h.session) of \(h.supervisor) holds \(c)")
                }
            case .failure(let error):
                if holdsIt, let h { fail("M10", "\(s) holds \(h.session) but a re-start failed with \(error)") }
                if !holdsIt && facts.eligible && facts.validChoice {
                    fail(free ? "M19" : "M8", "eligible \(s) refused \(error) on \(c) (lock \(free ? "free" : "held"))")
                }
            case .success(let other):
                fail("M8", "a start returned \(other)")
            }
            if case .failure = entry.result, !started.isEmpty { fail("M8", "a refused start granted \(started.map(\.session))") }
            // M22: one attempt and one outcome reported, for the audit log.
            var attempts = 0
            var outcomes: [String] = []
            for record in entry.events {
                switch record.event {
                case .monitorAttempted(c, s, _, _): attempts += 1
                case .monitoringStarted(c, let holder, _, _) where holder.supervisor == s: outcomes.append("granted")
                case .monitoringResumed(let session, s) where session.conversation == c: outcomes.append("resumed")
                case .monitorDenied(c, s, let error):
                    outcomes.append("denied")
                    if entry.result != .failure(error) { fail("M22", "denial reports \(error), the command returned \(entry.result)") }
                default: break
                }
            }
            if attempts != 1 || outcomes.count != 1 { fail("M22", "\(attempts) attempts and outcomes \(outcomes) reported") }

        case .stopMonitoring(let sid, let by, let source):
            guard let owner = owners[sid] else {
                if case .success = entry.result { fail("M11", "stopping unknown \(sid) succeeded") }
                break
            }
            if owner != by {
                coverage.nonOwnerStops += 1
                if entry.result != .failure(.notSessionOwner(sid, owner: owner)) {
                    fail("M17", "\(by) stopping \(owner)'s \(sid) returned \(entry.result)")
                }
                if let reason = endedHere[sid], reason != .leaseExpired { fail("M17", "\(by) ended \(owner)'s \(sid)") }
            } else if let reason = endedBefore[sid] {
                coverage.staleStops += 1
                if entry.result != .failure(.sessionAlreadyEnded(sid, reason)) {
                    fail("M11", "stopping ended \(sid) (\(reason)) again returned \(entry.result)")
                }
                for (other, otherReason) in endedHere
                where !(otherReason == .leaseExpired && before[other.conversation].map(isDue) == true) {
                    fail("M11", "stale stop of \(sid) ended \(other) (\(otherReason))")
                }
            } else if let h = before[sid.conversation], h.session == sid {
                if isDue(h) {
                    if entry.result != .failure(.sessionAlreadyEnded(sid, .leaseExpired)) || endedHere[sid] != .leaseExpired {
                        fail("M12", "stopping \(sid) after its lease ran out returned \(entry.result), ends \(endedHere)")
                    }
                } else {
                    coverage.stopped += 1
                    if entry.result != .success(.monitoringStopped(sid)) || endedHere[sid] != Self.endReason(of: source) {
                        fail("M17", "stopping active \(sid) from \(source) returned \(entry.result), ends \(endedHere)")
                    }
                }
            } else {
                fail("M11", "\(sid) is neither active nor ended in the model")
            }

        case .renewLease(let sid, let by):
            guard let owner = owners[sid] else {
                if case .success = entry.result { fail("M11", "renewing unknown \(sid) succeeded") }
                break
            }
            if owner != by {
                if entry.result != .failure(.notSessionOwner(sid, owner: owner)) {
                    fail("M17", "\(by) renewing \(owner)'s \(sid) returned \(entry.result)")
                }
            } else if let reason = endedBefore[sid] {
                if entry.result != .failure(.sessionAlreadyEnded(sid, reason)) {
                    fail("M11", "renewing ended \(sid) (\(reason)) returned \(entry.result)")
                }
            } else if let h = before[sid.conversation], h.session == sid {
                if isDue(h) {
                    if entry.result != .failure(.sessionAlreadyEnded(sid, .leaseExpired)) || endedHere[sid] != .leaseExpired {
                        fail("M12", "renewing \(sid) after its lease ran out returned \(entry.result)")
                    }
                } else {
                    coverage.renewed += 1
                    if entry.result != .success(.leaseRenewed(sid, until: now + lease)) || renewedHere[sid] != now + lease {
                        fail("M12", "renewing active \(sid) returned \(entry.result)")
                    }
                }
            }

        case .sendMessage, .typing, .markRead, .wrapUp:
            if entry.facts.actorIsMonitor {
                coverage.monitorParticipationAttempts += 1
                if entry.result != .failure(.monitorCannotParticipate) {
                    fail("M16", "\(entry.command) by a monitor returned \(entry.result)")
                }
            }

        case .setPresence(let user, .offline):
            if case .success = entry.result, let h = held.values.first(where: { $0.supervisor == user }) {
                fail("M18", "\(user) went offline but still holds \(h.session)")
            }

        case .endConversation(let c):
            if case .success = entry.result, let h = held[c] { fail("M18", "\(c) ended but \(h.session) is still active") }

        case .expireLeases:
            for h in held.values where isDue(h) {
                fail("M12", "\(h.session) outlived its lease (until \(h.leaseUntil)) after expireLeases at \(now)")
            }

        default: break
        }

        // M12: a command that touched a conversation has ended its due session.
        for c in entry.touched {
            if let h = held[c], isDue(h) {
                fail("M12", "\(h.session) due at \(h.leaseUntil) survived a command on \(c) at \(now)")
            }
        }
        return failures
    }
}

// MARK: - The world the random commands act on

/// A contact centre with several supervisors (some ineligible), agents, queues and
/// conversations on every channel, driven by integers decoded into meaningful commands.
struct MonitoringScenario {
    static let lease = TimeSpan.seconds(30)

    static let fullRole = RoleID(1)
    static let agentRole = RoleID(2)
    static let noMonitorRole = RoleID(3)
    static let interactionsRole = RoleID(4)
    static let flexRole = RoleID(5)
    static let queueRole = RoleID(6)
    static let unknownRole = RoleID(99)

    static let alice = UserID(1)  // cx3, full role
    static let bob = UserID(2)  // cx2, full role
    static let carol = UserID(3)  // cx1 Digital Add-on II, Interactions view only
    static let dan = UserID(4)  // cx1: not eligible (M1)
    static let erin = UserID(5)  // no monitor permission (M2)
    static let frank = UserID(6)  // cx3 Digital, a role that gets redefined
    static let grace = UserID(7)  // cx2 Digital, Queue Activity view only
    static let supervisors = [alice, bob, carol, dan, erin, frank, grace]
    static let agents: [UserID] = (11...15).map { UserID(UInt64($0)) }
    static let admin = UserID(21)

    static let support = QueueID(1)
    static let sales = QueueID(2)
    static let unknownQueue = QueueID(99)

    static let firstConversation = ConversationID(1)
    static let maximumConversations = 40

    static let fullPermissions = PermissionSet.supervisorRole
    static func full(without permission: Permission) -> PermissionSet {
        var permissions = fullPermissions
        permissions.remove(permission)
        return permissions
    }

    var engine = MonitoringEngine(configuration: EngineConfiguration(leaseDuration: lease))
    var now = Instant.seconds(1_000)
    var model = LockHistoryModel(lease: lease)
    /// A read model fed every event at once (no staleness), for M9/M19: views follow the lock.
    var views = MonitoringReadModel()
    var failures: [String] = []
    /// Every command run, rendered only for a report.
    var trace: [(advance: TimeSpan, now: Instant, command: Command, result: Result<Outcome, MonitoringError>)] = []
    var history: [HistoryEntry] = []
    let recording: Bool
    /// How many commands the fixed setup ran; the random steps follow.
    private(set) var setupSteps = 0

    init(recording: Bool = false) {
        self.recording = recording
        must(.defineRole(Role(id: Self.fullRole, name: "Monitoring supervisor", permissions: Self.fullPermissions)))
        must(.defineRole(Role(id: Self.agentRole, name: "Agent", permissions: [.conversationMessageView, .conversationMessageAccept])))
        must(.defineRole(Role(id: Self.noMonitorRole, name: "Viewer", permissions: Self.full(without: .conversationMessageMonitor))))
        must(
            .defineRole(
                Role(
                    id: Self.interactionsRole, name: "Interactions",
                    permissions: [
                        .conversationMessageMonitor, .conversationMessageView, .conversationMessageAccept, .analyticsConversationDetailView,
                    ])))
        must(.defineRole(Role(id: Self.flexRole, name: "Flexible", permissions: Self.fullPermissions)))
        must(
            .defineRole(
                Role(
                    id: Self.queueRole, name: "Queue observer",
                    permissions: [.conversationMessageMonitor, .conversationMessageView, .analyticsQueueObservationView, .routingQueueView])))
        let supervisors: [(UserID, String, Licence, [RoleID])] = [
            (Self.alice, "Alice", .cx3, [Self.fullRole]), (Self.bob, "Bob", .cx2, [Self.fullRole]),
            (Self.carol, "Carol", .cx1DigitalAddOn2, [Self.interactionsRole]), (Self.dan, "Dan", .cx1, [Self.fullRole]),
            (Self.erin, "Erin", .cx3, [Self.noMonitorRole]), (Self.frank, "Frank", .cx3Digital, [Self.flexRole]),
            (Self.grace, "Grace", .cx2Digital, [Self.queueRole, Self.agentRole]),
        ]
        for (id, name, licence, roles) in supervisors {
            must(.addUser(User(id: id, displayName: name, licence: licence, roles: roles, presence: .available)))
        }
        for (index, id) in Self.agents.enumerated() {
            must(.addUser(User(id: id, displayName: "Agent \(index + 1)", licence: .cx1, roles: [Self.agentRole], presence: .onQueue)))
        }
        must(.addUser(User(id: Self.admin, displayName: "Admin", licence: .cx3, roles: [], isAdministrator: true)))
        must(
            .addQueue(
                Queue(
                    id: Self.support, name: "Support", members: Array(Self.agents[0..<3]), wrapUpCodes: ["resolved", "escalated"],
                    script: "Greet the customer")))
        must(.addQueue(Queue(id: Self.sales, name: "Sales", members: Array(Self.agents[3...]))))
        let channels: [Channel] = [
            .webMessaging, .messaging(.whatsApp), .sms, .messaging(.facebook), .webMessaging, .sms,
            .messaging(.appleMessages), .voice, .email, .callback, .messaging(.line),
        ]
        for (index, channel) in channels.enumerated() {
            guard case .conversationCreated(let id) = must(.createConversation(channel, Self.context(index))) else { continue }
            must(.enqueue(id, index % 3 == 2 ? Self.sales : Self.support))
            guard index < 9 else { continue }
            guard case .participantAdded(let participant) = must(.alertAgent(id, Self.agents[index % Self.agents.count]))
            else { continue }
            must(.connectAgent(id, participant))
            must(.sendMessage(id, from: .customer, .text, body: "Hello"))
            must(.sendMessage(id, from: participant, .text, body: "How can I help?"))
            if index == 3, case .participantAdded(let second) = must(.alertAgent(id, Self.agents[4])) {
                must(.connectAgent(id, second))  // a conference: M6 needs a choice
            }
        }
        setupSteps = trace.count
    }

    static func context(_ index: Int) -> ConversationContext {
        ConversationContext(
            participantData: ["case": "C-\(index)"],
            customer: CustomerDetails(name: "Customer \(index)", address: "+1 555 01\(index)"),
            journey: ["/orders", "/help/\(index)"])
    }

    // MARK: Running

    @discardableResult
    mutating func must(_ command: Command) -> Outcome {
        let result = perform(command, after: .seconds(1))
        guard case .success(let outcome) = result else {
            failures.append("setup: \(command) failed with \(result)")
            return .done
        }
        return outcome
    }

    /// Runs one command, then checks the engine's invariants (`checkInvariants()`, every step),
    /// the external model, and the model against the engine's public state.
    @discardableResult
    mutating func perform(_ command: Command, after advance: TimeSpan) -> Result<Outcome, MonitoringError> {
        now = now + advance
        let facts = facts(for: command)
        let result = engine.execute(command, at: now)
        trace.append((advance, now, command, result))
        let entry = HistoryEntry(
            command: command, now: now, facts: facts, result: result, events: engine.events,
            deliveries: engine.deliveries, touched: engine.touchedConversations)
        if recording { history.append(entry) }
        views.apply(engine.events)
        var found = engine.checkInvariants().map { "engine invariant \($0)" }
        let conversations = engine.conversations
        found += model.observe(entry, isMonitorParticipant: { conversations[$0]?.participant($1)?.isMonitor == true })
        found += crossCheck()
        failures += found.map { "step \(trace.count): \($0)" }
        return result
    }

    /// Decodes one integer into a time advance and a command, and runs it.
    mutating func step(_ input: Int) {
        var random = PropertySplitMix64(seed: UInt64(truncatingIfNeeded: input))
        let advance: TimeSpan =
            switch random.below(10) {
            case 0..<4: .zero
            case 4..<8: .milliseconds(Int64(random.below(5_001)))
            default: .milliseconds(Int64(random.below(40_001)))
            }
        let command = nextCommand(&random)
        perform(command, after: advance)
    }

    /// The end-of-run check: the whole world, and the model against it.
    mutating func finish() {
        failures += engine.checkAllInvariants().map { "end: engine invariant \($0)" }
        failures += crossCheck().map { "end: \($0)" }
    }

    func report() -> String {
        guard !failures.isEmpty else { return "ok" }
        let steps = trace.indices.dropFirst(setupSteps).map {
            "\($0 + 1). +\(trace[$0].advance) at \(trace[$0].now): \(Self.describe(trace[$0].command)) -> \(Self.describe(trace[$0].result))"
        }
        let shown = steps.count > 150 ? ["… \(steps.count - 150) earlier steps …"] + steps.suffix(150) : Array(steps)
        return "failures:\n" + failures.prefix(10).joined(separator: "\n")
            + "\ncommands after the \(setupSteps) setup commands of MonitoringScenario.init (1 s apart from 1000 s):\n"
            + shown.joined(separator: "\n")
    }

    /// A command as a line of a reproduction, without module prefixes.
    static func describe(_ command: Command) -> String {
        switch command {
        case .createConversation(let channel, _): ".createConversation(\(channel))"
        case .addUser(let user): ".addUser(\(user.id), \(user.licence), \(user.roles))"
        case .addQueue(let queue): ".addQueue(\(queue.id), members: \(queue.members))"
        case .defineRole(let role): ".defineRole(\(role.id), \(role.permissions))"
        default: ".\(command)".replacing("MonitoringEngine.", with: "")
        }
    }

    static func describe(_ result: Result<Outcome, MonitoringError>) -> String {
        switch result {
        case .success(.monitoringStarted(let session)):
            "monitoringStarted(\(session.id) of \(session.supervisor), lease until \(session.leaseExpiresAt))"
        case .success(.alreadyMonitoring(let session)): "alreadyMonitoring(\(session.id) of \(session.supervisor))"
        case .success(let outcome): "\(outcome)".replacing("MonitoringEngine.", with: "")
        case .failure(let error): "failure(\(error))"
        }
    }

    /// What the model believes against the engine's public state.
    func crossCheck() -> [String] {
        var found: [String] = []
        var panels: [UserID: Set<SessionID>] = [:]
        for held in model.held.values { panels[held.supervisor, default: []].insert(held.session) }
        for conversation in engine.conversations.all {
            let active = conversation.sessions.count { $0.endedAt == nil }
            if active > 1 { found.append("M8 \(conversation.id) has \(active) active sessions") }
            let held = model.held[conversation.id]
            if views.holder(of: conversation.id)?.session != held?.session {
                found.append(
                    "M19 \(conversation.id): views show monitoredBy \(String(describing: views.holder(of: conversation.id)?.session)), events say \(String(describing: held?.session))"
                )
            }
            if conversation.activeSession?.id != held?.session {
                found.append(
                    "M8 \(conversation.id): engine holds \(String(describing: conversation.activeSession?.id)), events say \(String(describing: held?.session))"
                )
            }
            guard let session = conversation.activeSession else { continue }
            if session.leaseExpiresAt != held?.leaseUntil {
                found.append("M12 \(session.id) lease until \(session.leaseExpiresAt), events say \(String(describing: held?.leaseUntil))")
            }
            guard let supervisor = engine.users[session.supervisor] else {
                found.append("M18 \(session.id) held by unknown \(session.supervisor)")
                continue
            }
            if supervisor.presence == .offline { found.append("M18 \(session.id) held by offline \(supervisor.id)") }
            if supervisor.licence == .cx1 { found.append("M18 \(session.id) held by \(supervisor.id) with licence cx1") }
            if !supervisor.permissions.contains(.conversationMessageMonitor) || !supervisor.permissions.contains(.conversationMessageView) {
                found.append("M18 \(session.id) held by \(supervisor.id) without monitor/view permission")
            }
            if !supervisor.monitoringSessions.contains(session.id) { found.append("M13 \(session.id) not in \(supervisor.id)'s panel") }
        }
        for user in engine.users.values where !user.monitoringSessions.isEmpty || panels[user.id] != nil {
            let mine = panels[user.id] ?? []
            if Set(user.monitoringSessions) != mine {
                found.append("M13 \(user.id)'s panel lists \(user.monitoringSessions), events say \(mine.sorted())")
            }
        }
        return found
    }

    /// The facts of M1–M7 and M16 before the command, from the public state.
    func facts(for command: Command) -> CommandFacts {
        switch command {
        case .startMonitoring(let c, let s, let agent, let entryPoint):
            guard let conversation = engine.conversations[c], let user = engine.users[s] else { return CommandFacts() }
            let licences: Set<Licence> = [.cx1DigitalAddOn2, .cx2, .cx2Digital, .cx3, .cx3Digital]
            let needed: [Permission] =
                [.conversationMessageMonitor, .conversationMessageView]
                + (entryPoint == .queueActivity
                    ? [.analyticsQueueObservationView, .routingQueueView] : [.analyticsConversationDetailView])
            let monitorable =
                switch conversation.channel {
                case .webMessaging, .sms, .messaging: true
                case .voice, .callback, .email: false
                }
            let isAgent = conversation.participants.contains { $0.purpose == .agent && $0.user == s && $0.state != .disconnected }
            let eligible =
                licences.contains(user.licence) && needed.allSatisfy { user.permissions.contains($0) }
                && user.presence == .available && monitorable && conversation.state == .inProgress && !isAgent
            let connected = conversation.participants.filter { $0.purpose == .agent && $0.state == .connected }
            let validChoice = agent.map { choice in connected.contains { $0.id == choice } } ?? (connected.count == 1)
            return CommandFacts(eligible: eligible, validChoice: validChoice)
        case .sendMessage(let c, let p, _, _), .typing(let c, let p), .markRead(let c, let p, _), .wrapUp(let c, let p, _):
            return CommandFacts(actorIsMonitor: engine.conversations[c]?.participant(p)?.mediaRole == .monitor)
        default:
            return CommandFacts()
        }
    }

    // MARK: Decoding

    func nextCommand(_ random: inout PropertySplitMix64) -> Command {
        let all = engine.conversations.all
        let roll = random.below(100)
        let command: Command? =
            switch roll {
            case 0..<4: create(all, &random)
            case 4..<8: enqueue(all, &random)
            case 8..<14: alert(all, &random)
            case 14..<20: connect(all, &random)
            case 20..<23: disconnect(all, &random)
            case 23..<26: transfer(all, &random)
            case 26..<34: participantAction(all, &random) { .sendMessage($0, from: $1, $2.chance(80) ? .text : .attachment, body: "m") }
            case 34..<37: participantAction(all, &random) { c, p, _ in .typing(c, p) }
            case 37..<39: participantAction(all, &random) { c, p, r in .markRead(c, p, upTo: r.below(12) - 1) }
            case 39..<42: wrapUp(all, &random)
            case 42..<44: end(all, &random)
            case 44: abandon(all, &random)
            case 45..<68: start(all, &random)
            case 68..<76: stop(all, &random)
            case 76..<85: renew(all, &random)
            case 85..<90: presence(&random)
            case 90..<92: licence(&random)
            case 92..<94: assignRoles(&random)
            case 94..<96: defineRole(&random)
            case 96..<99: .expireLeases
            default: membership(&random)
            }
        return command ?? start(all, &random) ?? .expireLeases
    }

    /// A conversation satisfying `preferred` with the given chance, else any.
    func conversation(
        _ all: [Conversation], _ random: inout PropertySplitMix64, preferring percent: Int,
        _ preferred: (Conversation) -> Bool
    ) -> Conversation? {
        if random.chance(percent), let chosen = random.pick(all.filter(preferred)) { return chosen }
        return random.pick(all)
    }

    func agents(_ all: [Conversation], in states: Set<ParticipantState>) -> [(ConversationID, Participant)] {
        all.flatMap { c in c.participants.filter { $0.purpose == .agent && states.contains($0.state) }.map { (c.id, $0) } }
    }

    /// Any participant id of the conversation, or one past its end.
    func anyParticipant(_ conversation: Conversation, _ random: inout PropertySplitMix64) -> ParticipantID {
        ParticipantID(UInt32(random.below(conversation.participants.count + 1)))
    }

    func create(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        guard all.count < Self.maximumConversations else { return nil }
        let monitorable: [Channel] = [.webMessaging, .sms] + MessagingPlatform.allCases.map { .messaging($0) }
        let channel = random.chance(75) ? random.pick(monitorable)! : random.pick([Channel.voice, .callback, .email])!
        return .createConversation(channel, Self.context(all.count))
    }

    func enqueue(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        guard let c = conversation(all, &random, preferring: 85, { $0.state == .created || $0.state == .queued }) else { return nil }
        return .enqueue(c.id, random.chance(95) ? random.pick([Self.support, Self.sales])! : Self.unknownQueue)
    }

    func alert(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        guard let c = conversation(all, &random, preferring: 90, { $0.state == .queued || $0.state == .inProgress }) else { return nil }
        let user = random.chance(80) ? random.pick(Self.agents)! : random.pick(Self.supervisors)!
        return .alertAgent(c.id, user)
    }

    func connect(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        if random.chance(90), case let (c, p)? = random.pick(agents(all, in: [.alerting])) { return .connectAgent(c, p.id) }
        guard let c = random.pick(all) else { return nil }
        return .connectAgent(c.id, anyParticipant(c, &random))
    }

    func disconnect(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        if random.chance(90), case let (c, p)? = random.pick(agents(all, in: [.connected, .alerting])) { return .disconnectAgent(c, p.id) }
        guard let c = random.pick(all) else { return nil }
        return .disconnectAgent(c.id, anyParticipant(c, &random))
    }

    func transfer(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        let target: TransferTarget =
            random.chance(50)
            ? .agent(random.chance(80) ? random.pick(Self.agents)! : random.pick(Self.supervisors)!)
            : .queue(random.chance(95) ? random.pick([Self.support, Self.sales])! : Self.unknownQueue)
        if random.chance(90), case let (c, p)? = random.pick(agents(all, in: [.connected])) { return .transfer(c, from: p.id, to: target) }
        guard let c = random.pick(all) else { return nil }
        return .transfer(c.id, from: anyParticipant(c, &random), to: target)
    }

    /// A message, typing indicator or read receipt by the customer, an agent, or a monitor (M16).
    func participantAction(
        _ all: [Conversation], _ random: inout PropertySplitMix64,
        _ make: (ConversationID, ParticipantID, inout PropertySplitMix64) -> Command
    ) -> Command? {
        let who = random.below(100)
        if who < 35, let c = conversation(all, &random, preferring: 90, { $0.state != .ended }) {
            return make(c.id, .customer, &random)
        }
        if who < 75, case let (c, p)? = random.pick(agents(all, in: [.connected])) { return make(c, p.id, &random) }
        let monitors = all.flatMap { c in c.participants.filter(\.isMonitor).map { (c.id, $0) } }
        let activeMonitors = monitors.filter { $0.1.state == .connected }
        if who < 95, case let (c, p)? = random.pick(random.chance(70) && !activeMonitors.isEmpty ? activeMonitors : monitors) {
            return make(c, p.id, &random)
        }
        guard let c = random.pick(all) else { return nil }
        return make(c.id, anyParticipant(c, &random), &random)
    }

    func wrapUp(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        let roll = random.below(100)
        let target: (ConversationID, ParticipantID)?
        if roll < 80, case let (c, p)? = random.pick(agents(all, in: [.wrapUp])) {
            target = (c, p.id)
        } else if roll < 90, case let (c, p)? = random.pick(all.flatMap { c in c.participants.filter(\.isMonitor).map { (c.id, $0) } }) {
            target = (c, p.id)
        } else if let c = random.pick(all) {
            target = (c.id, anyParticipant(c, &random))
        } else {
            target = nil
        }
        guard case let (c, p)? = target else { return nil }
        let codes = engine.conversations[c]?.context.wrapUpCodes ?? []
        let code = random.chance(85) ? (random.pick(codes) ?? "done") : "no-such-code"
        return .wrapUp(c, p, code: code)
    }

    func end(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        conversation(all, &random, preferring: 90, { $0.state != .ended }).map { .endConversation($0.id) }
    }

    func abandon(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        conversation(all, &random, preferring: 80, { $0.state == .created || $0.state == .queued }).map { .abandon($0.id) }
    }

    /// A start from any entry point, with or without an agent choice, by any supervisor (often
    /// the holder, for M10), sometimes an agent of the conversation (M7).
    func start(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        let locked = all.filter { $0.activeSession != nil }
        let picked = random.chance(35) ? random.pick(locked) : nil
        guard let c = picked ?? conversation(all, &random, preferring: 85, { $0.state == .inProgress }) else { return nil }
        let plausible = Self.supervisors.filter { id in
            engine.users[id].map {
                $0.licence != .cx1 && $0.presence == .available && $0.permissions.contains(.conversationMessageMonitor)
                    && $0.permissions.contains(.conversationMessageView)
            } ?? false
        }
        let supervisor: UserID
        let agentSupervisors = c.participants.compactMap { $0.purpose == .agent && $0.state != .disconnected ? $0.user : nil }
            .filter { Self.supervisors.contains($0) }
        if let holder = c.activeSession?.supervisor, random.chance(30) {
            supervisor = holder
        } else if random.chance(20), let own = random.pick(agentSupervisors) {
            supervisor = own
        } else {
            switch random.below(100) {
            case 0..<3: supervisor = random.pick(Self.agents)!
            case 3..<60: supervisor = random.pick(plausible) ?? random.pick(Self.supervisors)!
            default: supervisor = random.pick(Self.supervisors)!
            }
        }
        let agent: ParticipantID?
        switch random.below(10) {
        case 0..<5: agent = nil
        case 5..<9: agent = random.pick(c.connectedAgents)?.id
        default: agent = anyParticipant(c, &random)
        }
        let permissions = engine.users[supervisor]?.permissions ?? []
        let usable = EntryPoint.allCases.filter { entryPoint in
            entryPoint == .queueActivity
                ? permissions.contains(.analyticsQueueObservationView) && permissions.contains(.routingQueueView)
                : permissions.contains(.analyticsConversationDetailView)
        }
        let entryPoint = random.chance(80) ? (random.pick(usable) ?? random.pick(EntryPoint.allCases)!) : random.pick(EntryPoint.allCases)!
        return .startMonitoring(c.id, supervisor: supervisor, agent: agent, via: entryPoint)
    }

    /// A session to stop or renew: often an active one, else any ever started (stale), rarely unknown.
    func session(_ all: [Conversation], _ random: inout PropertySplitMix64, activePercent: Int) -> MonitorSession? {
        let sessions = all.flatMap(\.sessions)
        let active = sessions.filter(\.isActive)
        let live = active.filter { $0.leaseExpiresAt > now }
        if random.chance(activePercent), let chosen = random.pick(random.chance(80) && !live.isEmpty ? live : active) {
            return chosen
        }
        return random.pick(sessions)
    }

    func stop(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        let source = random.pick(StopSource.allCases)!
        if random.chance(3), let c = random.pick(all) {
            return .stopMonitoring(SessionID(conversation: c.id, token: 999), by: Self.alice, from: source)
        }
        guard let session = session(all, &random, activePercent: 55) else { return nil }
        let by = random.chance(75) ? session.supervisor : random.pick(Self.supervisors)!
        return .stopMonitoring(session.id, by: by, from: source)
    }

    func renew(_ all: [Conversation], _ random: inout PropertySplitMix64) -> Command? {
        guard let session = session(all, &random, activePercent: 85) else { return nil }
        let by = random.chance(90) ? session.supervisor : random.pick(Self.supervisors)!
        return .renewLease(session.id, by: by)
    }

    func presence(_ random: inout PropertySplitMix64) -> Command {
        let user = random.chance(85) ? random.pick(Self.supervisors)! : random.pick(Self.agents)!
        let presence: Presence =
            switch random.below(100) {
            case 0..<50: .available
            case 50..<65: .offline
            case 65..<80: .busy
            default: random.pick(Presence.allCases)!
            }
        return .setPresence(user, presence)
    }

    func licence(_ random: inout PropertySplitMix64) -> Command {
        let licence = random.chance(25) ? Licence.cx1 : random.pick(Licence.allCases.filter { $0 != .cx1 })!
        return .setLicence(random.pick(Self.supervisors)!, licence)
    }

    func assignRoles(_ random: inout PropertySplitMix64) -> Command {
        let options: [[RoleID]] = [
            [Self.fullRole], [Self.fullRole], [Self.noMonitorRole], [Self.interactionsRole], [Self.flexRole],
            [Self.queueRole, Self.agentRole], [Self.fullRole, Self.agentRole], [], [Self.fullRole, Self.fullRole],
            [Self.fullRole, Self.unknownRole],
        ]
        let user = random.chance(90) ? random.pick(Self.supervisors)! : random.pick(Self.agents)!
        return .assignRoles(user, random.pick(options)!)
    }

    func defineRole(_ random: inout PropertySplitMix64) -> Command {
        switch random.below(10) {
        case 0..<6:
            let options = [
                Self.fullPermissions, Self.fullPermissions, Self.full(without: .conversationMessageMonitor),
                Self.full(without: .conversationMessageView), Self.full(without: .analyticsConversationDetailView),
                Self.full(without: .routingQueueView), [],
            ]
            return .defineRole(Role(id: Self.flexRole, name: "Flexible", permissions: random.pick(options)!))
        case 6..<8:
            let permissions = random.chance(85) ? Self.fullPermissions : Self.full(without: .conversationMessageMonitor)
            return .defineRole(Role(id: Self.fullRole, name: "Monitoring supervisor", permissions: permissions))
        default:
            var permissions: PermissionSet = [
                .conversationMessageMonitor, .conversationMessageView, .conversationMessageAccept, .analyticsConversationDetailView,
            ]
            if random.chance(30) { permissions.remove(.conversationMessageMonitor) }
            return .defineRole(Role(id: Self.interactionsRole, name: "Interactions", permissions: permissions))
        }
    }

    func membership(_ random: inout PropertySplitMix64) -> Command {
        .setQueueMembership(
            random.pick([Self.support, Self.sales])!, random.pick(Self.agents + Self.supervisors)!, isMember: random.chance(60))
    }
}
