// Events, their records and deliveries, and refusals as JSON (docs/persistence.md).

extension Event: Codable {
    /// Every `type` an event can have, in declaration order.
    public static let codingTypes = [
        "roleDefined", "userAdded", "permissionsChanged", "licenceChanged", "presenceChanged", "queueAdded",
        "queueMembershipChanged", "conversationCreated", "conversationQueued", "conversationStateChanged",
        "agentAlerted", "agentConnected", "agentDisconnected", "agentWrappedUp", "messageSent", "typing", "readReceipt",
        "conversationEnded", "monitorAttempted", "monitorDenied", "monitoringStarted", "monitoringResumed",
        "leaseRenewed", "monitoringEnded",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        switch try c.discriminator("type", of: "Event", known: Self.codingTypes) {
        case "roleDefined": self = .roleDefined(try c.get("role"))
        case "userAdded":
            self = .userAdded(
                try c.get("user"), name: try c.get("name"), try c.get("licence"), try c.get("permissions"),
                try c.get("presence"), isAdministrator: try c.get("isAdministrator"))
        case "permissionsChanged": self = .permissionsChanged(try c.get("user"), try c.get("permissions"))
        case "licenceChanged": self = .licenceChanged(try c.get("user"), try c.get("licence"))
        case "presenceChanged": self = .presenceChanged(try c.get("user"), try c.get("presence"))
        case "queueAdded": self = .queueAdded(try c.get("queue"), name: try c.get("name"))
        case "queueMembershipChanged":
            self = .queueMembershipChanged(try c.get("queue"), try c.get("user"), isMember: try c.get("isMember"))
        case "conversationCreated":
            self = .conversationCreated(try c.get("conversation"), try c.get("channel"), customerName: try c.get("customerName"))
        case "conversationQueued": self = .conversationQueued(try c.get("conversation"), try c.get("queue"))
        case "conversationStateChanged": self = .conversationStateChanged(try c.get("conversation"), try c.get("state"))
        case "agentAlerted": self = .agentAlerted(try c.get("conversation"), try c.get("participant"), try c.get("agent"))
        case "agentConnected":
            self = .agentConnected(
                try c.get("conversation"), try c.get("participant"), try c.get("agent"), name: try c.get("name"))
        case "agentDisconnected":
            self = .agentDisconnected(
                try c.get("conversation"), try c.get("participant"), try c.get("agent"), try c.get("disconnectType"))
        case "agentWrappedUp":
            self = .agentWrappedUp(
                try c.get("conversation"), try c.get("participant"), try c.get("agent"), code: try c.get("code"))
        case "messageSent": self = .messageSent(try c.get("conversation"), try c.get("message"))
        case "typing": self = .typing(try c.get("conversation"), try c.get("participant"))
        case "readReceipt": self = .readReceipt(try c.get("conversation"), try c.get("participant"), upTo: try c.get("upTo"))
        case "conversationEnded": self = .conversationEnded(try c.get("conversation"), abandoned: try c.get("abandoned"))
        case "monitorAttempted":
            self = .monitorAttempted(
                try c.get("conversation"), supervisor: try c.get("supervisor"), agent: try c.getIfPresent("agent"),
                try c.get("via"))
        case "monitorDenied":
            self = .monitorDenied(try c.get("conversation"), supervisor: try c.get("supervisor"), try c.get("error"))
        case "monitoringStarted":
            self = .monitoringStarted(
                try c.get("conversation"), try c.get("holder"), monitoredParticipant: try c.get("monitoredParticipant"),
                monitoredAgent: try c.get("monitoredAgent"))
        case "monitoringResumed": self = .monitoringResumed(try c.get("session"), supervisor: try c.get("supervisor"))
        case "leaseRenewed":
            self = .leaseRenewed(try c.get("session"), supervisor: try c.get("supervisor"), until: try c.get("until"))
        default: self = .monitoringEnded(try c.get("session"), supervisor: try c.get("supervisor"), try c.get("reason"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .roleDefined(let role):
            try c.put("roleDefined", "type")
            try c.put(role, "role")
        case .userAdded(let user, let name, let licence, let permissions, let presence, let isAdministrator):
            try c.put("userAdded", "type")
            try c.put(user, "user")
            try c.put(name, "name")
            try c.put(licence, "licence")
            try c.put(permissions, "permissions")
            try c.put(presence, "presence")
            try c.put(isAdministrator, "isAdministrator")
        case .permissionsChanged(let user, let permissions):
            try c.put("permissionsChanged", "type")
            try c.put(user, "user")
            try c.put(permissions, "permissions")
        case .licenceChanged(let user, let licence):
            try c.put("licenceChanged", "type")
            try c.put(user, "user")
            try c.put(licence, "licence")
        case .presenceChanged(let user, let presence):
            try c.put("presenceChanged", "type")
            try c.put(user, "user")
            try c.put(presence, "presence")
        case .queueAdded(let queue, let name):
            try c.put("queueAdded", "type")
            try c.put(queue, "queue")
            try c.put(name, "name")
        case .queueMembershipChanged(let queue, let user, let isMember):
            try c.put("queueMembershipChanged", "type")
            try c.put(queue, "queue")
            try c.put(user, "user")
            try c.put(isMember, "isMember")
        case .conversationCreated(let conversation, let channel, let customerName):
            try c.put("conversationCreated", "type")
            try c.put(conversation, "conversation")
            try c.put(channel, "channel")
            try c.put(customerName, "customerName")
        case .conversationQueued(let conversation, let queue):
            try c.put("conversationQueued", "type")
            try c.put(conversation, "conversation")
            try c.put(queue, "queue")
        case .conversationStateChanged(let conversation, let state):
            try c.put("conversationStateChanged", "type")
            try c.put(conversation, "conversation")
            try c.put(state, "state")
        case .agentAlerted(let conversation, let participant, let agent):
            try c.put("agentAlerted", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
        case .agentConnected(let conversation, let participant, let agent, let name):
            try c.put("agentConnected", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
            try c.put(name, "name")
        case .agentDisconnected(let conversation, let participant, let agent, let disconnectType):
            try c.put("agentDisconnected", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
            try c.put(disconnectType, "disconnectType")
        case .agentWrappedUp(let conversation, let participant, let agent, let code):
            try c.put("agentWrappedUp", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(agent, "agent")
            try c.put(code, "code")
        case .messageSent(let conversation, let message):
            try c.put("messageSent", "type")
            try c.put(conversation, "conversation")
            try c.put(message, "message")
        case .typing(let conversation, let participant):
            try c.put("typing", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
        case .readReceipt(let conversation, let participant, let upTo):
            try c.put("readReceipt", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(upTo, "upTo")
        case .conversationEnded(let conversation, let abandoned):
            try c.put("conversationEnded", "type")
            try c.put(conversation, "conversation")
            try c.put(abandoned, "abandoned")
        case .monitorAttempted(let conversation, let supervisor, let agent, let entryPoint):
            try c.put("monitorAttempted", "type")
            try c.put(conversation, "conversation")
            try c.put(supervisor, "supervisor")
            try c.putIfPresent(agent, "agent")
            try c.put(entryPoint, "via")
        case .monitorDenied(let conversation, let supervisor, let error):
            try c.put("monitorDenied", "type")
            try c.put(conversation, "conversation")
            try c.put(supervisor, "supervisor")
            try c.put(error, "error")
        case .monitoringStarted(let conversation, let holder, let monitoredParticipant, let monitoredAgent):
            try c.put("monitoringStarted", "type")
            try c.put(conversation, "conversation")
            try c.put(holder, "holder")
            try c.put(monitoredParticipant, "monitoredParticipant")
            try c.put(monitoredAgent, "monitoredAgent")
        case .monitoringResumed(let session, let supervisor):
            try c.put("monitoringResumed", "type")
            try c.put(session, "session")
            try c.put(supervisor, "supervisor")
        case .leaseRenewed(let session, let supervisor, let until):
            try c.put("leaseRenewed", "type")
            try c.put(session, "session")
            try c.put(supervisor, "supervisor")
            try c.put(until, "until")
        case .monitoringEnded(let session, let supervisor, let reason):
            try c.put("monitoringEnded", "type")
            try c.put(session, "session")
            try c.put(supervisor, "supervisor")
            try c.put(reason, "reason")
        }
    }
}

extension EventRecord: Codable {
    /// `{"instant": 13000000000, "event": {"type": …}}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        self.init(instant: try c.get("instant"), event: try c.get("event"))
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(instant, "instant")
        try c.put(event, "event")
    }
}

extension Delivery: Codable {
    /// `{"recipient": {"type": "user", "user": 1}, "eventIndex": 0}`.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        let eventIndex: Int = try c.get("eventIndex")
        guard eventIndex >= 0 else { throw c.invalid("eventIndex", "a delivery's event index is never negative") }
        self.init(recipient: try c.get("recipient"), eventIndex: eventIndex)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(recipient, "recipient")
        try c.put(eventIndex, "eventIndex")
    }
}

extension MonitoringError: Codable {
    /// Every `code` a refusal can have, in declaration order.
    public static let codingCodes = [
        "licenceNotEligible", "missingPermission", "supervisorNotAvailable", "channelNotMonitorable",
        "conversationNotInProgress", "agentChoiceRequired", "notAConnectedAgent", "cannotMonitorOwnConversation",
        "alreadyMonitored", "sessionAlreadyEnded", "monitorCannotParticipate", "notSessionOwner", "administratorsOnly",
        "unknownUser", "unknownRole", "unknownQueue", "unknownConversation", "unknownParticipant", "unknownSession",
        "userAlreadyExists", "queueAlreadyExists", "invalidConversationState", "invalidParticipantState", "notAnAgent",
        "agentAlreadyInConversation", "userMonitorsConversation", "unknownWrapUpCode", "limitReached",
    ]

    /// `{"code": "<case>", "rule": "M8" | null, …fields}`. `rule` is written for readers and
    /// ignored when read: it follows from the code.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        switch try c.discriminator("code", of: "MonitoringError", known: Self.codingCodes) {
        case "licenceNotEligible": self = .licenceNotEligible(try c.get("licence"))
        case "missingPermission": self = .missingPermission(try c.get("permission"))
        case "supervisorNotAvailable": self = .supervisorNotAvailable(try c.get("presence"))
        case "channelNotMonitorable": self = .channelNotMonitorable(try c.get("channel"))
        case "conversationNotInProgress": self = .conversationNotInProgress(try c.get("state"))
        case "agentChoiceRequired": self = .agentChoiceRequired(try c.get("choices"))
        case "notAConnectedAgent": self = .notAConnectedAgent(try c.get("participant"))
        case "cannotMonitorOwnConversation": self = .cannotMonitorOwnConversation
        case "alreadyMonitored":
            let by = try c.nestedContainer(keyedBy: JSONKey.self, forKey: "monitoredBy")
            let since: Instant = try c.get("since")
            let holder = MonitorHolder(
                session: try c.get("session"), supervisor: try by.get("id"), supervisorName: try by.get("name"),
                since: since)
            self = .alreadyMonitored(by: holder, since: since)
        case "sessionAlreadyEnded": self = .sessionAlreadyEnded(try c.get("session"), try c.get("reason"))
        case "monitorCannotParticipate": self = .monitorCannotParticipate
        case "notSessionOwner": self = .notSessionOwner(try c.get("session"), owner: try c.get("owner"))
        case "administratorsOnly": self = .administratorsOnly
        case "unknownUser": self = .unknownUser(try c.get("user"))
        case "unknownRole": self = .unknownRole(try c.get("role"))
        case "unknownQueue": self = .unknownQueue(try c.get("queue"))
        case "unknownConversation": self = .unknownConversation(try c.get("conversation"))
        case "unknownParticipant": self = .unknownParticipant(try c.get("conversation"), try c.get("participant"))
        case "unknownSession": self = .unknownSession(try c.get("session"))
        case "userAlreadyExists": self = .userAlreadyExists(try c.get("user"))
        case "queueAlreadyExists": self = .queueAlreadyExists(try c.get("queue"))
        case "invalidConversationState": self = .invalidConversationState(try c.get("state"))
        case "invalidParticipantState": self = .invalidParticipantState(try c.get("participant"), try c.get("state"))
        case "notAnAgent": self = .notAnAgent(try c.get("participant"))
        case "agentAlreadyInConversation": self = .agentAlreadyInConversation(try c.get("user"))
        case "userMonitorsConversation": self = .userMonitorsConversation(try c.get("user"))
        case "unknownWrapUpCode": self = .unknownWrapUpCode(try c.get("wrapUpCode"))
        default: self = .limitReached(try c.get("limit"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        try c.put(code, "code")
        try c.put(rule, "rule")
        switch self {
        case .licenceNotEligible(let licence): try c.put(licence, "licence")
        case .missingPermission(let permission): try c.put(permission, "permission")
        case .supervisorNotAvailable(let presence): try c.put(presence, "presence")
        case .channelNotMonitorable(let channel): try c.put(channel, "channel")
        case .conversationNotInProgress(let state): try c.put(state, "state")
        case .agentChoiceRequired(let choices): try c.put(choices, "choices")
        case .notAConnectedAgent(let participant): try c.put(participant, "participant")
        case .cannotMonitorOwnConversation, .monitorCannotParticipate, .administratorsOnly: break
        case .alreadyMonitored(let holder, let since):
            var by = c.nestedContainer(keyedBy: JSONKey.self, forKey: "monitoredBy")
            try by.put(holder.supervisor, "id")
            try by.put(holder.supervisorName, "name")
            try c.put(holder.session, "session")
            try c.put(since, "since")
        case .sessionAlreadyEnded(let session, let reason):
            try c.put(session, "session")
            try c.put(reason, "reason")
        case .notSessionOwner(let session, let owner):
            try c.put(session, "session")
            try c.put(owner, "owner")
        case .unknownUser(let user), .userAlreadyExists(let user), .agentAlreadyInConversation(let user),
            .userMonitorsConversation(let user):
            try c.put(user, "user")
        case .unknownRole(let role): try c.put(role, "role")
        case .unknownQueue(let queue), .queueAlreadyExists(let queue): try c.put(queue, "queue")
        case .unknownConversation(let conversation): try c.put(conversation, "conversation")
        case .unknownParticipant(let conversation, let participant):
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
        case .unknownSession(let session): try c.put(session, "session")
        case .invalidConversationState(let state): try c.put(state, "state")
        case .invalidParticipantState(let participant, let state):
            try c.put(participant, "participant")
            try c.put(state, "state")
        case .notAnAgent(let participant): try c.put(participant, "participant")
        case .unknownWrapUpCode(let code): try c.put(code, "wrapUpCode")
        case .limitReached(let limit): try c.put(limit, "limit")
        }
    }

    /// The case's name, as `code` spells it.
    public var code: String {
        switch self {
        case .licenceNotEligible: "licenceNotEligible"
        case .missingPermission: "missingPermission"
        case .supervisorNotAvailable: "supervisorNotAvailable"
        case .channelNotMonitorable: "channelNotMonitorable"
        case .conversationNotInProgress: "conversationNotInProgress"
        case .agentChoiceRequired: "agentChoiceRequired"
        case .notAConnectedAgent: "notAConnectedAgent"
        case .cannotMonitorOwnConversation: "cannotMonitorOwnConversation"
        case .alreadyMonitored: "alreadyMonitored"
        case .sessionAlreadyEnded: "sessionAlreadyEnded"
        case .monitorCannotParticipate: "monitorCannotParticipate"
        case .notSessionOwner: "notSessionOwner"
        case .administratorsOnly: "administratorsOnly"
        case .unknownUser: "unknownUser"
        case .unknownRole: "unknownRole"
        case .unknownQueue: "unknownQueue"
        case .unknownConversation: "unknownConversation"
        case .unknownParticipant: "unknownParticipant"
        case .unknownSession: "unknownSession"
        case .userAlreadyExists: "userAlreadyExists"
        case .queueAlreadyExists: "queueAlreadyExists"
        case .invalidConversationState: "invalidConversationState"
        case .invalidParticipantState: "invalidParticipantState"
        case .notAnAgent: "notAnAgent"
        case .agentAlreadyInConversation: "agentAlreadyInConversation"
        case .userMonitorsConversation: "userMonitorsConversation"
        case .unknownWrapUpCode: "unknownWrapUpCode"
        case .limitReached: "limitReached"
        }
    }
}
