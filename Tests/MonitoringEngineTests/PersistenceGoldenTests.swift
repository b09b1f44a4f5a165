import Foundation
import MonitoringEngine
import Testing

/// Checks that `value` encodes to the JSON of `golden` (compared as JSON, not as text) and that
/// `golden` decodes to `value`.
private func expectGolden<T: Codable & Equatable>(
    _ value: T, _ golden: String, sourceLocation: SourceLocation = #_sourceLocation
) throws {
    let encoded = try JSONSerialization.jsonObject(with: try JSON.data(value))
    let expected = try JSONSerialization.jsonObject(with: Data(golden.utf8))
    let text = try JSON.text(value, pretty: true)
    #expect(
        NSDictionary(dictionary: ["value": encoded]).isEqual(to: ["value": expected]), "encoded \(text)",
        sourceLocation: sourceLocation)
    #expect(try JSON.decode(T.self, golden) == value, sourceLocation: sourceLocation)
}

/// Checks that decoding `text` as `T` throws a `DecodingError` whose description contains `message`.
private func expectRefused<T: Decodable>(
    _ type: T.Type, _ text: String, mentioning message: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
) {
    do {
        let value = try JSON.decode(type, text)
        Issue.record("decoded \(value) from \(text)", sourceLocation: sourceLocation)
    } catch let error as DecodingError {
        if let message {
            #expect(String(describing: error).contains(message), "\(error)", sourceLocation: sourceLocation)
        }
    } catch {
        Issue.record("not a DecodingError: \(error)", sourceLocation: sourceLocation)
    }
}

@Suite("The persistence format: golden JSON and bad input (docs/persistence.md)")
struct PersistenceGoldenTests {
    @Test("M8 an alreadyMonitored refusal is code, rule, monitoredBy {id, name}, session and since")
    func alreadyMonitoredGolden() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let session = try centre.session(id, by: Centre.alice)
        guard case .failure(let error) = centre.start(id, by: Centre.bob) else {
            Issue.record("Bob was not refused")
            return
        }
        try expectGolden(
            error,
            """
            {"code": "alreadyMonitored", "rule": "M8", "monitoredBy": {"id": 1, "name": "Alice"},
             "session": {"conversation": 1, "token": 1}, "since": 1018000000000}
            """)
        #expect(session.startedAt == .seconds(1_018))
        try expectGolden(MonitoringError.unknownUser(UserID(9)), #"{"code": "unknownUser", "rule": null, "user": 9}"#)
        try expectGolden(
            MonitoringError.channelNotMonitorable(.messaging(.whatsApp)),
            #"{"code": "channelNotMonitorable", "rule": "M4", "channel": {"type": "messaging", "platform": "whatsApp"}}"#)
    }

    @Test("Commands are type and named fields; an absent agent is left out")
    func commandGolden() throws {
        try expectGolden(
            Command.startMonitoring(ConversationID(1), supervisor: Centre.bob, agent: ParticipantID(1), via: .queueActivity),
            #"{"type": "startMonitoring", "conversation": 1, "supervisor": 2, "agent": 1, "via": "queueActivity"}"#)
        try expectGolden(
            Command.startMonitoring(ConversationID(1), supervisor: Centre.bob, agent: nil, via: .interactions),
            #"{"type": "startMonitoring", "conversation": 1, "supervisor": 2, "via": "interactions"}"#)
        try expectGolden(
            Command.stopMonitoring(SessionID(conversation: ConversationID(1), token: 1), by: Centre.alice, from: .interaction),
            #"{"type": "stopMonitoring", "session": {"conversation": 1, "token": 1}, "by": 1, "from": "interaction"}"#)
        try expectGolden(Command.expireLeases, #"{"type": "expireLeases"}"#)
        try expectGolden(Outcome.leasesExpired(count: 2), #"{"type": "leasesExpired", "count": 2}"#)
    }

    @Test("M13 a user row lists its permissions by name and its monitoring sessions")
    func userGolden() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        try expectGolden(
            centre.engine.users[Centre.alice]!,
            """
            {"id": 1, "displayName": "Alice", "licence": "cx3", "roles": [1], "presence": "available",
             "isAdministrator": false, "agentConversations": [], "monitoringSessions": [{"conversation": 1, "token": 1}],
             "permissions": ["analytics:conversationDetail:view", "analytics:queueObservation:view",
                             "conversation:message:accept", "conversation:message:monitor", "conversation:message:view",
                             "messaging:integration:view", "reporting:acd:view", "reporting:interactions:view",
                             "routing:queue:view"],
             "version": 2}
            """)
    }

    @Test("M8 M11 a conversation row with an active session: participants, transcript, sessions, timeline")
    func conversationGolden() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        try expectGolden(
            centre.conversation(id),
            """
            {
              "id": 1, "channel": {"type": "webMessaging"}, "createdAt": 1012000000000, "state": "inProgress",
              "queue": 1, "queuedAt": 1013000000000, "abandoned": false,
              "participants": [
                {"id": 0, "purpose": "customer", "mediaRole": "full", "name": "Dana", "state": "connected",
                 "joinedAt": 1012000000000, "connectedAt": 1012000000000},
                {"id": 1, "purpose": "agent", "mediaRole": "full", "user": 11, "name": "Anna", "state": "connected",
                 "joinedAt": 1014000000000, "connectedAt": 1015000000000},
                {"id": 2, "purpose": "user", "mediaRole": "monitor", "user": 1, "name": "Alice", "state": "connected",
                 "monitoredParticipant": 1, "joinedAt": 1018000000000, "connectedAt": 1018000000000}
              ],
              "transcript": [
                {"index": 0, "sender": 0, "direction": "inbound", "kind": "text", "body": "Hello, my order is late",
                 "sentAt": 1016000000000},
                {"index": 1, "sender": 1, "direction": "outbound", "kind": "text", "body": "Let me look into it",
                 "sentAt": 1017000000000}
              ],
              "sessions": [
                {"id": {"conversation": 1, "token": 1}, "supervisor": 1, "supervisorName": "Alice",
                 "supervisorParticipant": 2, "monitoredParticipant": 1, "monitoredAgent": 11,
                 "entryPoint": "interactions", "startedAt": 1018000000000, "leaseExpiresAt": 1048000000000}
              ],
              "timeline": [
                {"instant": 1012000000000, "event": {"type": "created", "channel": {"type": "webMessaging"}}},
                {"instant": 1013000000000, "event": {"type": "queued", "queue": 1}},
                {"instant": 1014000000000, "event": {"type": "agentAlerted", "participant": 1, "agent": 11}},
                {"instant": 1015000000000, "event": {"type": "agentConnected", "participant": 1, "agent": 11}},
                {"instant": 1016000000000, "event": {"type": "message", "index": 0, "sender": 0, "direction": "inbound"}},
                {"instant": 1017000000000, "event": {"type": "message", "index": 1, "sender": 1, "direction": "outbound"}},
                {"instant": 1018000000000,
                 "event": {"type": "monitoringStarted", "session": {"conversation": 1, "token": 1}, "supervisor": 1,
                           "monitoredParticipant": 1}}
              ],
              "context": {
                "participantData": {"orderId": "A-17"},
                "customer": {"name": "Dana", "address": "+44 20 0000 0000", "attributes": {}},
                "journey": ["/orders", "/help"], "script": "Greet the customer", "wrapUpCodes": ["resolved", "escalated"]
              },
              "lastInstant": 1018000000000,
              "version": 7
            }
            """)
        #expect(try JSON.decode(Conversation.self, JSON.text(centre.conversation(id))).activeSession?.id.token == 1)
    }

    @Test("A snapshot carries formatVersion 1 and its aggregates in id order")
    func snapshotShape() throws {
        let engine = MonitoringEngine()
        #expect(
            try JSON.text(engine.snapshot())
                == #"{"conversations":[],"formatVersion":1,"queues":[],"roles":[],"users":[]}"#)
        let centre = Centre()
        let snapshot = centre.engine.snapshot()
        #expect(snapshot.users.map(\.id) == snapshot.users.map(\.id).sorted())
        #expect(snapshot.roles.map(\.id) == [Centre.supervisorRole, Centre.agentRole])
    }

    @Test("Unknown discriminators are refused with a message naming what was expected")
    func unknownDiscriminators() {
        expectRefused(Command.self, #"{"type": "launchMissiles"}"#, mentioning: "unknown Command type \"launchMissiles\"")
        expectRefused(Outcome.self, #"{"type": "maybe"}"#, mentioning: "unknown Outcome type")
        expectRefused(Event.self, #"{"type": "somethingHappened"}"#, mentioning: "unknown Event type")
        expectRefused(MonitoringError.self, #"{"code": "tooTired", "rule": "M99"}"#, mentioning: "unknown MonitoringError code")
        expectRefused(TimelineEvent.self, #"{"type": "lunch"}"#, mentioning: "unknown TimelineEvent type")
        expectRefused(Channel.self, #"{"type": "pigeon"}"#, mentioning: "unknown Channel type")
        expectRefused(Channel.self, #"{"type": "messaging", "platform": "myspace"}"#)
        expectRefused(TransferTarget.self, #"{"type": "moon"}"#)
        expectRefused(Recipient.self, #"{"type": "everyone"}"#)
        expectRefused(PermissionSet.self, #"["conversation:message:monitor", "root:everything:all"]"#, mentioning: "unknown permission")
        expectRefused(Licence.self, #""cx9""#)
    }

    @Test("Garbage, missing fields and wrong types are refused, never trapped on")
    func garbage() {
        for text in ["", "null", "42", "\"startMonitoring\"", "[]", "{}", "{\"type\": 7}", "{\"type\": null}", "\u{0}\u{1}garbage"] {
            expectRefused(Command.self, text)
            expectRefused(Event.self, text)
            expectRefused(MonitoringError.self, text)
            expectRefused(EngineSnapshot.self, text)
            expectRefused(Conversation.self, text)
            expectRefused(User.self, text)
        }
        expectRefused(Command.self, #"{"type": "startMonitoring", "conversation": 1, "via": "interactions"}"#)
        expectRefused(Command.self, #"{"type": "connectAgent", "conversation": 1, "participant": -1}"#)
        expectRefused(Command.self, #"{"type": "enqueue", "conversation": "one", "queue": 1}"#)
        expectRefused(Command.self, #"{"type": "markRead", "conversation": 1, "participant": 1, "upTo": 1.5}"#)
        expectRefused(Outcome.self, #"{"type": "leaseRenewed", "session": {"conversation": 1, "token": 1}, "until": 1e30}"#)
        expectRefused(MonitoringError.self, #"{"code": "alreadyMonitored", "rule": "M8", "since": 1}"#)
        expectRefused(Delivery.self, #"{"recipient": {"type": "user", "user": 1}, "eventIndex": -1}"#)
    }

    @Test("M8 M11 a corrupt conversation row is refused: token gaps, two active sessions, missing participants")
    func corruptConversations() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        let first = try centre.session(id, by: Centre.alice)
        centre.must(.stopMonitoring(first.id, by: Centre.alice, from: .details))
        _ = try centre.session(id, by: Centre.bob)
        let row = try JSONSerialization.jsonObject(with: try JSON.data(centre.conversation(id))) as! [String: Any]
        var sessions = row["sessions"] as! [[String: Any]]

        func refused(_ change: (inout [String: Any]) -> Void, mentioning message: String) throws {
            var corrupt = row
            change(&corrupt)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: corrupt), as: UTF8.self)
            expectRefused(Conversation.self, text, mentioning: message)
        }
        try refused({ $0["sessions"] = Array(sessions.dropFirst()) }, mentioning: "has id")
        sessions[0].removeValue(forKey: "endedAt")
        sessions[0].removeValue(forKey: "endReason")
        try refused({ $0["sessions"] = sessions }, mentioning: "two active sessions")
        sessions[0]["endedAt"] = 1
        try refused({ $0["sessions"] = sessions }, mentioning: "both an end instant and a reason")
        try refused({ $0["participants"] = Array(($0["participants"] as! [Any]).prefix(2)) }, mentioning: "does not exist")
        try refused({ $0["participants"] = Array(($0["participants"] as! [Any]).dropFirst()) }, mentioning: "customer")
        try refused({ $0["transcript"] = Array(($0["transcript"] as! [Any]).dropFirst()) }, mentioning: "message at 0")
        try refused({ $0["id"] = 0 }, mentioning: "start at 1")
    }

    @Test("A snapshot of another format version, with a duplicate id or a gap in conversation ids is refused")
    func corruptSnapshots() throws {
        var centre = Centre()
        _ = centre.inProgress()
        _ = centre.inProgress(agent: Centre.agentBen)
        let snapshot = try JSONSerialization.jsonObject(with: try JSON.data(centre.engine.snapshot())) as! [String: Any]
        func refused(_ change: (inout [String: Any]) -> Void, mentioning message: String) throws {
            var corrupt = snapshot
            change(&corrupt)
            let text = String(decoding: try JSONSerialization.data(withJSONObject: corrupt), as: UTF8.self)
            expectRefused(EngineSnapshot.self, text, mentioning: message)
        }
        try refused({ $0["formatVersion"] = 2 }, mentioning: "unsupported snapshot formatVersion 2")
        try refused({ $0.removeValue(forKey: "formatVersion") }, mentioning: "formatVersion")
        try refused({ $0["users"] = ($0["users"] as! [Any]) + [($0["users"] as! [Any])[0]] }, mentioning: "appears twice")
        try refused({ $0["conversations"] = Array(($0["conversations"] as! [Any]).dropFirst()) }, mentioning: "dense from 1")
    }

    @Test("M19 a snapshot whose panels and sessions disagree is refused, in both directions")
    func panelsAgreeWithSessions() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        let snapshot = try JSONSerialization.jsonObject(with: try JSON.data(centre.engine.snapshot())) as! [String: Any]
        let alice = (snapshot["users"] as! [[String: Any]]).firstIndex { $0["id"] as? Int == 1 }!
        func refused(_ sessions: [[String: Any]], mentioning message: String) throws {
            var corrupt = snapshot
            var users = corrupt["users"] as! [[String: Any]]
            users[alice]["monitoringSessions"] = sessions
            corrupt["users"] = users
            let text = String(decoding: try JSONSerialization.data(withJSONObject: corrupt), as: UTF8.self)
            expectRefused(EngineSnapshot.self, text, mentioning: message)
        }
        try refused([["conversation": 1, "token": 1], ["conversation": 1, "token": 9]], mentioning: "which it does not hold (M19)")
        try refused([["conversation": 1, "token": 1], ["conversation": 7, "token": 1]], mentioning: "which it does not hold (M19)")
        try refused([], mentioning: "panel does not list it (M19)")
    }
}

/// Random damage to a snapshot's JSON: a field removed, a number made negative or huge, a value
/// replaced by one of another type, an array element dropped or repeated.
private struct Damage {
    var state: UInt64

    mutating func next(_ bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }

    mutating func damage(_ value: Any, depth: Int = 0) -> Any {
        if var object = value as? [String: Any], !object.isEmpty {
            let key = object.keys.sorted()[next(object.count)]
            if depth > 0 && next(6) == 0 {
                object.removeValue(forKey: key)
            } else {
                object[key] = damage(object[key]!, depth: depth + 1)
            }
            return object
        }
        if var array = value as? [Any], !array.isEmpty {
            let index = next(array.count)
            switch next(6) {
            case 0: array.remove(at: index)
            case 1: array.append(array[index])
            default: array[index] = damage(array[index], depth: depth + 1)
            }
            return array
        }
        let replacements: [Any] = [-1, 0, 1, 7, 4_294_967_296, 1e30, "x", "", true, NSNull(), [Any](), [String: Any]()]
        return replacements[next(replacements.count)]
    }
}

@Suite("The persistence format: damaged snapshots")
struct PersistenceDamageTests {
    @Test("A damaged snapshot either fails to decode or loads into an engine that reports its invariants; nothing traps")
    func damagedSnapshots() throws {
        var centre = Centre()
        let (first, anna) = centre.inProgress()
        let (second, _) = centre.inProgress(agent: Centre.agentBen)
        let stopped = try centre.session(first, by: Centre.alice, agent: anna)
        centre.must(.stopMonitoring(stopped.id, by: Centre.alice, from: .details))
        _ = try centre.session(first, by: Centre.bob)
        _ = try centre.session(second, by: Centre.carol)
        centre.must(.endConversation(second))
        let original = try JSONSerialization.jsonObject(with: try JSON.data(centre.engine.snapshot()))
        var damage = Damage(state: 2026)
        var decoded = 0
        for _ in 0..<400 {
            var value = original
            for _ in 0...damage.next(3) { value = damage.damage(value) }
            let bytes = try JSONSerialization.data(withJSONObject: value)
            guard let snapshot = try? JSONDecoder().decode(EngineSnapshot.self, from: bytes) else { continue }
            decoded += 1
            var engine = MonitoringEngine(configuration: centre.engine.configuration, snapshot: snapshot)
            _ = engine.checkAllInvariants()
            let again = engine.snapshot()
            let stable = MonitoringEngine(configuration: centre.engine.configuration, snapshot: again).snapshot() == again
            #expect(stable, "a loaded snapshot saves and loads again unchanged")
            for id in [first, second] {
                engine.execute(.startMonitoring(id, supervisor: Centre.alice, agent: nil, via: .interactions), at: .seconds(2_000))
                for user in snapshot.users { _ = engine.panel(of: user.id) }
            }
            engine.execute(.expireLeases, at: .seconds(9_000))
        }
        #expect(decoded > 0, "some damage (a changed name or instant) still decodes")
    }
}
