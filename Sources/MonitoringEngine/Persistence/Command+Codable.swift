// Commands and outcomes as JSON: an object whose `type` is the case name, with named fields
// (docs/persistence.md).

extension Command: Codable {
    /// Every `type` a command can have, in declaration order.
    public static let codingTypes = [
        "defineRole", "addUser", "assignRoles", "setLicence", "setPresence", "addQueue", "setQueueMembership",
        "createConversation", "enqueue", "alertAgent", "connectAgent", "disconnectAgent", "transfer", "sendMessage",
        "typing", "markRead", "wrapUp", "endConversation", "abandon", "startMonitoring", "stopMonitoring", "renewLease",
        "expireLeases",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        switch try c.discriminator("type", of: "Command", known: Self.codingTypes) {
        case "defineRole": self = .defineRole(try c.get("role"))
        case "addUser": self = .addUser(try c.get("user"))
        case "assignRoles": self = .assignRoles(try c.get("user"), try c.get("roles"))
        case "setLicence": self = .setLicence(try c.get("user"), try c.get("licence"))
        case "setPresence": self = .setPresence(try c.get("user"), try c.get("presence"))
        case "addQueue": self = .addQueue(try c.get("queue"))
        case "setQueueMembership":
            self = .setQueueMembership(try c.get("queue"), try c.get("user"), isMember: try c.get("isMember"))
        case "createConversation": self = .createConversation(try c.get("channel"), try c.get("context"))
        case "enqueue": self = .enqueue(try c.get("conversation"), try c.get("queue"))
        case "alertAgent": self = .alertAgent(try c.get("conversation"), try c.get("agent"))
        case "connectAgent": self = .connectAgent(try c.get("conversation"), try c.get("participant"))
        case "disconnectAgent": self = .disconnectAgent(try c.get("conversation"), try c.get("participant"))
        case "transfer": self = .transfer(try c.get("conversation"), from: try c.get("from"), to: try c.get("to"))
        case "sendMessage":
            self = .sendMessage(try c.get("conversation"), from: try c.get("from"), try c.get("kind"), body: try c.get("body"))
        case "typing": self = .typing(try c.get("conversation"), try c.get("participant"))
        case "markRead": self = .markRead(try c.get("conversation"), try c.get("participant"), upTo: try c.get("upTo"))
        case "wrapUp": self = .wrapUp(try c.get("conversation"), try c.get("participant"), code: try c.get("code"))
        case "endConversation": self = .endConversation(try c.get("conversation"))
        case "abandon": self = .abandon(try c.get("conversation"))
        case "startMonitoring":
            self = .startMonitoring(
                try c.get("conversation"), supervisor: try c.get("supervisor"), agent: try c.getIfPresent("agent"),
                via: try c.get("via"))
        case "stopMonitoring": self = .stopMonitoring(try c.get("session"), by: try c.get("by"), from: try c.get("from"))
        case "renewLease": self = .renewLease(try c.get("session"), by: try c.get("by"))
        default: self = .expireLeases
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .defineRole(let role):
            try c.put("defineRole", "type")
            try c.put(role, "role")
        case .addUser(let user):
            try c.put("addUser", "type")
            try c.put(user, "user")
        case .assignRoles(let user, let roles):
            try c.put("assignRoles", "type")
            try c.put(user, "user")
            try c.put(roles, "roles")
        case .setLicence(let user, let licence):
            try c.put("setLicence", "type")
            try c.put(user, "user")
            try c.put(licence, "licence")
        case .setPresence(let user, let presence):
            try c.put("setPresence", "type")
            try c.put(user, "user")
            try c.put(presence, "presence")
        case .addQueue(let queue):
            try c.put("addQueue", "type")
            try c.put(queue, "queue")
        case .setQueueMembership(let queue, let user, let isMember):
            try c.put("setQueueMembership", "type")
            try c.put(queue, "queue")
            try c.put(user, "user")
            try c.put(isMember, "isMember")
        case .createConversation(let channel, let context):
            try c.put("createConversation", "type")
            try c.put(channel, "channel")
            try c.put(context, "context")
        case .enqueue(let conversation, let queue):
            try c.put("enqueue", "type")
            try c.put(conversation, "conversation")
            try c.put(queue, "queue")
        case .alertAgent(let conversation, let agent):
            try c.put("alertAgent", "type")
            try c.put(conversation, "conversation")
            try c.put(agent, "agent")
        case .connectAgent(let conversation, let participant):
            try c.put("connectAgent", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
        case .disconnectAgent(let conversation, let participant):
            try c.put("disconnectAgent", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
        case .transfer(let conversation, let from, let to):
            try c.put("transfer", "type")
            try c.put(conversation, "conversation")
            try c.put(from, "from")
            try c.put(to, "to")
        case .sendMessage(let conversation, let from, let kind, let body):
            try c.put("sendMessage", "type")
            try c.put(conversation, "conversation")
            try c.put(from, "from")
            try c.put(kind, "kind")
            try c.put(body, "body")
        case .typing(let conversation, let participant):
            try c.put("typing", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
        case .markRead(let conversation, let participant, let upTo):
            try c.put("markRead", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(upTo, "upTo")
        case .wrapUp(let conversation, let participant, let code):
            try c.put("wrapUp", "type")
            try c.put(conversation, "conversation")
            try c.put(participant, "participant")
            try c.put(code, "code")
        case .endConversation(let conversation):
            try c.put("endConversation", "type")
            try c.put(conversation, "conversation")
        case .abandon(let conversation):
            try c.put("abandon", "type")
            try c.put(conversation, "conversation")
        case .startMonitoring(let conversation, let supervisor, let agent, let entryPoint):
            try c.put("startMonitoring", "type")
            try c.put(conversation, "conversation")
            try c.put(supervisor, "supervisor")
            try c.putIfPresent(agent, "agent")
            try c.put(entryPoint, "via")
        case .stopMonitoring(let session, let supervisor, let source):
            try c.put("stopMonitoring", "type")
            try c.put(session, "session")
            try c.put(supervisor, "by")
            try c.put(source, "from")
        case .renewLease(let session, let supervisor):
            try c.put("renewLease", "type")
            try c.put(session, "session")
            try c.put(supervisor, "by")
        case .expireLeases:
            try c.put("expireLeases", "type")
        }
    }
}

extension Outcome: Codable {
    /// Every `type` an outcome can have, in declaration order.
    public static let codingTypes = [
        "done", "conversationCreated", "participantAdded", "messageSent", "monitoringStarted", "alreadyMonitoring",
        "monitoringStopped", "leaseRenewed", "leasesExpired",
    ]

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: JSONKey.self)
        switch try c.discriminator("type", of: "Outcome", known: Self.codingTypes) {
        case "done": self = .done
        case "conversationCreated": self = .conversationCreated(try c.get("conversation"))
        case "participantAdded": self = .participantAdded(try c.get("participant"))
        case "messageSent": self = .messageSent(index: try c.get("index"))
        case "monitoringStarted": self = .monitoringStarted(try c.get("session"))
        case "alreadyMonitoring": self = .alreadyMonitoring(try c.get("session"))
        case "monitoringStopped": self = .monitoringStopped(try c.get("session"))
        case "leaseRenewed": self = .leaseRenewed(try c.get("session"), until: try c.get("until"))
        default: self = .leasesExpired(count: try c.get("count"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .done: try c.put("done", "type")
        case .conversationCreated(let conversation):
            try c.put("conversationCreated", "type")
            try c.put(conversation, "conversation")
        case .participantAdded(let participant):
            try c.put("participantAdded", "type")
            try c.put(participant, "participant")
        case .messageSent(let index):
            try c.put("messageSent", "type")
            try c.put(index, "index")
        case .monitoringStarted(let session):
            try c.put("monitoringStarted", "type")
            try c.put(session, "session")
        case .alreadyMonitoring(let session):
            try c.put("alreadyMonitoring", "type")
            try c.put(session, "session")
        case .monitoringStopped(let session):
            try c.put("monitoringStopped", "type")
            try c.put(session, "session")
        case .leaseRenewed(let session, let until):
            try c.put("leaseRenewed", "type")
            try c.put(session, "session")
            try c.put(until, "until")
        case .leasesExpired(let count):
            try c.put("leasesExpired", "type")
            try c.put(count, "count")
        }
    }
}
