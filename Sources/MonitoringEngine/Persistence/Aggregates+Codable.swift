// The two aggregates as rows: a user and a conversation each encode and decode alone, and
// decoding checks what the rules rely on, so a corrupt row fails to load instead of trapping
// later (docs/persistence.md).

extension TimelineEvent: Codable {
    /// Every `type` a timeline event can have, in declaration order.
    public static let codingTypes = [
        "created", "queued", "agentAlerted", "agentConnected", "message", "transferred", "monitoringStarted",
        "monitoringEnded", "agentDisconnected", "agentWrappedUp", "ended",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        switch try c.discriminator("type", of: "TimelineEvent", known: Self.codingTypes) {
        case "created": self = .created(try c.get("channel"))
        case "queued": self = .queued(try c.get("queue"))
        case "agentAlerted": self = .agentAlerted(try c.get("participant"), try c.get("agent"))
        case "agentConnected": self = .agentConnected(try c.get("participant"), try c.get("agent"))
        case "message": self = .message(index: try c.get("index"), sender: try c.get("sender"), try c.get("direction"))
        case "transferred": self = .transferred(from: try c.get("from"), to: try c.get("to"))
        case "monitoringStarted":
            self = .monitoringStarted(
                try c.get("session"), supervisor: try c.get("supervisor"), monitoredAgent: try c.get("monitoredParticipant"))
        case "monitoringEnded": self = .monitoringEnded(try c.get("session"), try c.get("reason"))
        case "agentDisconnected": self = .agentDisconnected(try c.get("participant"), try c.get("disconnectType"))
        case "agentWrappedUp": self = .agentWrappedUp(try c.get("participant"), code: try c.get("code"))
        default: self = .ended(abandoned: try c.get("abandoned"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .created(let channel):
            try c.put("created", "type")
            try c.put(channel, "channel")
        case .queued(let queue):
            try c.put("queued", "type")
            try c.put(queue, "queue")
        case .agentAlerted(let participant, let agent):
            try c.put("agentAlerted", "type")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
        case .agentConnected(let participant, let agent):
            try c.put("agentConnected", "type")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
        case .message(let index, let sender, let direction):
            try c.put("message", "type")
            try c.put(index, "index")
            try c.put(sender, "sender")
            try c.put(direction, "direction")
        case .transferred(let from, let to):
            try c.put("transferred", "type")
            try c.put(from, "from")
            try c.put(to, "to")
        case .monitoringStarted(let session, let supervisor, let monitored):
            try c.put("monitoringStarted", "type")
            try c.put(session, "session")
            try c.put(supervisor, "supervisor")
            try c.put(monitored, "monitoredParticipant")
        case .monitoringEnded(let session, let reason):
            try c.put("monitoringEnded", "type")
            try c.put(session, "session")
            try c.put(reason, "reason")
        case .agentDisconnected(let participant, let disconnectType):
            try c.put("agentDisconnected", "type")
            try c.put(participant, "participant")
            try c.put(disconnectType, "disconnectType")
        case .agentWrappedUp(let participant, let code):
            try c.put("agentWrappedUp", "type")
            try c.put(participant, "participant")
            try c.put(code, "code")
        case .ended(let abandoned):
            try c.put("ended", "type")
            try c.put(abandoned, "abandoned")
        }
    }
}

extension User: Codable {
    /// A user row. `permissions`, `agentConversations`, `monitoringSessions` and `version` are
    /// the engine's to keep: a user inside an `addUser` command may leave them out (they read as
    /// empty and 0), and the engine replaces them when it adds the user.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        self.init(
            id: try c.get("id"), displayName: try c.get("displayName"), licence: try c.get("licence"),
            roles: try c.get("roles"), presence: try c.get("presence"), isAdministrator: try c.get("isAdministrator"))
        permissions = try c.getIfPresent("permissions") ?? []
        agentConversations = try c.getIfPresent("agentConversations") ?? []
        monitoringSessions = try c.getIfPresent("monitoringSessions") ?? []
        version = try c.getIfPresent("version") ?? 0
        for session in monitoringSessions where session.token == 0 {
            throw c.invalid("monitoringSessions", "\(id) lists \(session): fencing tokens start at 1")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(id, "id")
        try c.put(displayName, "displayName")
        try c.put(licence, "licence")
        try c.put(roles, "roles")
        try c.put(permissions, "permissions")
        try c.put(presence, "presence")
        try c.put(isAdministrator, "isAdministrator")
        try c.put(agentConversations, "agentConversations")
        try c.put(monitoringSessions, "monitoringSessions")
        try c.put(version, "version")
    }
}

extension Conversation: Codable {
    /// A conversation row: everything but the index of its active session, which is derived
    /// (the one session without an end). Decoding checks the shape the rules index into:
    /// participant `i` has id `i` and the customer is participant 0; session `i` has token
    /// `i + 1`; message `i` has index `i`; every participant a session or message names exists;
    /// at most one session is active (M8).
    public init(from decoder: any Decoder) throws {
        self.init(vacantWithID: ConversationID(0))
        let c = try decoder.container(keyedBy: JSONKey.self)
        id = try c.get("id")
        channel = try c.get("channel")
        createdAt = try c.get("createdAt")
        state = try c.get("state")
        queue = try c.getIfPresent("queue")
        queuedAt = try c.getIfPresent("queuedAt")
        endedAt = try c.getIfPresent("endedAt")
        abandoned = try c.get("abandoned")
        participants = try c.get("participants")
        agentParticipantIDs = participants.filter { $0.purpose == .agent }.map(\.id)
        transcript = try c.get("transcript")
        sessions = try c.get("sessions")
        timeline = try c.get("timeline")
        context = try c.get("context")
        lastInstant = try c.get("lastInstant")
        version = try c.get("version")
        activeSessionIndex = nil
        try validate(c)
    }

    private mutating func validate(_ c: JSONDecodingContainer) throws {
        guard id.rawValue >= 1 else { throw c.invalid("id", "conversation ids start at 1") }
        guard let customer = participants.first, customer.purpose == .customer, customer.user == nil else {
            throw c.invalid("participants", "\(id): participant 0 must be the customer, with no user")
        }
        let participantCount = participants.count
        func exists(_ participant: ParticipantID) -> Bool { Int(participant.rawValue) < participantCount }
        for (index, participant) in participants.enumerated() {
            guard participant.id == ParticipantID(UInt32(truncatingIfNeeded: index)) else {
                throw c.invalid("participants", "\(id): participant at \(index) has id \(participant.id)")
            }
            guard index == 0 || (participant.purpose != .customer && participant.user != nil) else {
                throw c.invalid("participants", "\(id): \(participant.id) must be a user's (agent or monitor)")
            }
            if let monitored = participant.monitoredParticipant, !exists(monitored) {
                throw c.invalid("participants", "\(id): \(participant.id) monitors \(monitored), which does not exist")
            }
        }
        for (index, message) in transcript.enumerated() {
            guard message.index == index, exists(message.sender) else {
                throw c.invalid("transcript", "\(id): message at \(index) has index \(message.index), sender \(message.sender)")
            }
        }
        for (index, session) in sessions.enumerated() {
            guard session.id == SessionID(conversation: id, token: UInt64(index + 1)) else {
                throw c.invalid("sessions", "\(id): session at \(index) has id \(session.id) (M11)")
            }
            guard exists(session.supervisorParticipant), exists(session.monitoredParticipant) else {
                throw c.invalid("sessions", "\(session.id) names a participant that does not exist")
            }
            guard (session.endedAt == nil) == (session.endReason == nil) else {
                throw c.invalid("sessions", "\(session.id) must have both an end instant and a reason, or neither")
            }
            if session.endedAt == nil {
                guard activeSessionIndex == nil else {
                    throw c.invalid("sessions", "\(id) has two active sessions (M8)")
                }
                activeSessionIndex = index
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(id, "id")
        try c.put(channel, "channel")
        try c.put(createdAt, "createdAt")
        try c.put(state, "state")
        try c.putIfPresent(queue, "queue")
        try c.putIfPresent(queuedAt, "queuedAt")
        try c.putIfPresent(endedAt, "endedAt")
        try c.put(abandoned, "abandoned")
        try c.put(participants, "participants")
        try c.put(transcript, "transcript")
        try c.put(sessions, "sessions")
        try c.put(timeline, "timeline")
        try c.put(context, "context")
        try c.put(lastInstant, "lastInstant")
        try c.put(version, "version")
    }
}
