/// Where a conversation is in its life (spec M5).
public enum ConversationState: String, Sendable, Codable, CaseIterable {
    /// Created, not yet routed.
    case created
    /// Waiting in a queue with no agent connected (an agent may be alerted).
    case queued
    /// At least one agent is connected.
    case inProgress
    /// Every agent has disconnected; the customer is still there.
    case wrapUp
    /// Over: the customer left, abandoned, or the conversation was closed.
    case ended
}

/// Why a participant is in a conversation.
public enum ParticipantPurpose: String, Sendable, Codable {
    case customer
    case agent
    /// A user joined for another purpose; with media role `monitor` (M13) a silent monitor.
    case user
}

/// A participant's media role; `monitor` marks a monitoring supervisor (M13).
public enum MediaRole: String, Sendable, Codable {
    case full
    case monitor
}

/// A participant's connection state.
public enum ParticipantState: String, Sendable, Codable {
    case alerting, connected, wrapUp, disconnected
}

/// How an agent participant left.
public enum DisconnectType: String, Sendable, Codable {
    /// The agent ended their part.
    case client
    /// The agent was transferred away (M18 `monitoredAgentLeft`).
    case transfer
    /// The customer left or the conversation was closed.
    case endpoint
    /// An alert that was not answered.
    case declined
    /// A monitoring supervisor's session ended.
    case monitorEnded
}

/// One participant of a conversation: the customer, an agent, or a monitoring supervisor.
public struct Participant: Hashable, Sendable, Codable {
    public var id: ParticipantID
    public var purpose: ParticipantPurpose
    public var mediaRole: MediaRole
    /// The platform user behind the participant; `nil` for the customer.
    public var user: UserID?
    public var name: String
    public var state: ParticipantState
    /// For a monitor: the agent participant whose point of view it sees (M13).
    public var monitoredParticipant: ParticipantID?
    public var joinedAt: Instant
    public var connectedAt: Instant?
    public var disconnectedAt: Instant?
    public var disconnectType: DisconnectType?
    public var wrapUpCode: String?
    public var wrapUpEndedAt: Instant?
    /// The index of the last message this participant has read (read receipts), if any.
    public var readUpTo: Int?

    public var isMonitor: Bool { mediaRole == .monitor }
    public var isConnectedAgent: Bool { purpose == .agent && state == .connected }
}

/// Who sent a message, as the transcript shows it.
public enum MessageDirection: String, Sendable, Codable {
    /// From the customer.
    case inbound
    /// From an agent.
    case outbound
}

/// What a message carries.
public enum MessageKind: String, Sendable, Codable {
    case text, attachment
}

/// One message of a transcript.
public struct Message: Hashable, Sendable, Codable {
    public var index: Int
    public var sender: ParticipantID
    public var direction: MessageDirection
    public var kind: MessageKind
    public var body: String
    public var sentAt: Instant
}

/// Who the customer is, as the agent's customer-details panel shows it.
public struct CustomerDetails: Hashable, Sendable, Codable {
    public var name: String
    /// Phone number, messaging handle or web session.
    public var address: String
    public var attributes: [String: String]

    public init(name: String, address: String = "", attributes: [String: String] = [:]) {
        self.name = name
        self.address = address
        self.attributes = attributes
    }
}

/// The contextual panels an agent has beside the transcript (M15).
public struct ConversationContext: Hashable, Sendable, Codable {
    /// Participant data (attributes set by flows and integrations).
    public var participantData: [String: String]
    public var customer: CustomerDetails
    /// The customer's journey before the conversation (pages, campaigns).
    public var journey: [String]
    /// The agent script of the conversation's queue.
    public var script: String
    /// The wrap-up codes the queue offers.
    public var wrapUpCodes: [String]

    public init(
        participantData: [String: String] = [:], customer: CustomerDetails, journey: [String] = [],
        script: String = "", wrapUpCodes: [String] = []
    ) {
        self.participantData = participantData
        self.customer = customer
        self.journey = journey
        self.script = script
        self.wrapUpCodes = wrapUpCodes
    }
}

/// What happened to a conversation, in order (spec M21).
public enum TimelineEvent: Hashable, Sendable {
    case created(Channel)
    case queued(QueueID)
    case agentAlerted(ParticipantID, UserID)
    case agentConnected(ParticipantID, UserID)
    case message(index: Int, sender: ParticipantID, MessageDirection)
    case transferred(from: ParticipantID, to: TransferTarget)
    case monitoringStarted(SessionID, supervisor: UserID, monitoredAgent: ParticipantID)
    case monitoringEnded(SessionID, EndReason)
    case agentDisconnected(ParticipantID, DisconnectType)
    case agentWrappedUp(ParticipantID, code: String)
    case ended(abandoned: Bool)
}

/// One entry of a conversation's timeline.
public struct TimelineEntry: Hashable, Sendable, Codable {
    public var instant: Instant
    public var event: TimelineEvent
}

/// Where a transfer sends the conversation.
public enum TransferTarget: Hashable, Sendable {
    case agent(UserID)
    case queue(QueueID)
}

/// The conversation aggregate: participants, transcript, monitoring sessions and timeline.
///
/// Every rule about one conversation reads and writes this value and nothing else of other
/// conversations, so that a transactional store can own it as one row.
public struct Conversation: Hashable, Sendable {
    /// The conversation's fields, behind one reference: a store moves a conversation into a transaction and back by
    /// moving that reference, and a copy shares the fields until one of them changes (copy on write).
    struct Fields: Hashable, Sendable {
        var id: ConversationID
        var channel: Channel
        var createdAt: Instant
        var state: ConversationState
        var queue: QueueID?
        var queuedAt: Instant?
        var endedAt: Instant?
        var abandoned: Bool
        var participants: [Participant]
        var agentParticipantIDs: [ParticipantID] = []
        var transcript: [Message]
        var sessions: [MonitorSession]
        var activeSessionIndex: Int?
        var timeline: [TimelineEntry]
        var context: ConversationContext
        var lastInstant: Instant
        var version: UInt64
    }

    final class Box: @unchecked Sendable {
        // Written only while uniquely referenced (`fields` below), so sharing a box across threads is safe.
        @exclusivity(unchecked) var fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    private var box: Box

    var fields: Fields {
        _read { yield box.fields }
        _modify {
            if !isKnownUniquelyReferenced(&box) { box = Box(box.fields) }
            yield &box.fields
        }
    }

    init(fields: Fields) { box = Box(fields) }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.box === rhs.box || lhs.box.fields == rhs.box.fields }
    public func hash(into hasher: inout Hasher) { hasher.combine(box.fields) }

    public internal(set) var id: ConversationID {
        get { box.fields.id }
        _modify { yield &fields.id }
    }
    public internal(set) var channel: Channel {
        get { box.fields.channel }
        _modify { yield &fields.channel }
    }
    public internal(set) var createdAt: Instant {
        get { box.fields.createdAt }
        _modify { yield &fields.createdAt }
    }
    public internal(set) var state: ConversationState {
        get { box.fields.state }
        _modify { yield &fields.state }
    }
    public internal(set) var queue: QueueID? {
        get { box.fields.queue }
        _modify { yield &fields.queue }
    }
    public internal(set) var queuedAt: Instant? {
        get { box.fields.queuedAt }
        _modify { yield &fields.queuedAt }
    }
    public internal(set) var endedAt: Instant? {
        get { box.fields.endedAt }
        _modify { yield &fields.endedAt }
    }
    public internal(set) var abandoned: Bool {
        get { box.fields.abandoned }
        _modify { yield &fields.abandoned }
    }
    /// Participant `i` has id `i`; the customer is participant 0.
    public internal(set) var participants: [Participant] {
        get { box.fields.participants }
        _modify { yield &fields.participants }
    }
    /// The agent participants' ids, in join order: derived from `participants` (never stored), so that the rules
    /// that look for an agent read the few agents, not every monitor participant a long history has added.
    internal var agentParticipantIDs: [ParticipantID] {
        get { box.fields.agentParticipantIDs }
        _modify { yield &fields.agentParticipantIDs }
    }
    public internal(set) var transcript: [Message] {
        get { box.fields.transcript }
        _modify { yield &fields.transcript }
    }
    /// Every session, ended or active, in token order: session with token `t` is `sessions[t - 1]`.
    public internal(set) var sessions: [MonitorSession] {
        get { box.fields.sessions }
        _modify { yield &fields.sessions }
    }
    /// The index in `sessions` of the active session, if one is active (M8: at most one).
    public internal(set) var activeSessionIndex: Int? {
        get { box.fields.activeSessionIndex }
        _modify { yield &fields.activeSessionIndex }
    }
    public internal(set) var timeline: [TimelineEntry] {
        get { box.fields.timeline }
        _modify { yield &fields.timeline }
    }
    public internal(set) var context: ConversationContext {
        get { box.fields.context }
        _modify { yield &fields.context }
    }
    /// The latest instant any command applied to this conversation; instants are clamped to
    /// it so that a node whose clock lags cannot write the timeline out of order.
    public internal(set) var lastInstant: Instant {
        get { box.fields.lastInstant }
        _modify { yield &fields.lastInstant }
    }
    /// Incremented on every change, for optimistic concurrency in a store.
    public internal(set) var version: UInt64 {
        get { box.fields.version }
        _modify { yield &fields.version }
    }

    public var activeSession: MonitorSession? { activeSessionIndex.map { sessions[$0] } }

    public func participant(_ id: ParticipantID) -> Participant? {
        Int(id.rawValue) < participants.count ? participants[Int(id.rawValue)] : nil
    }

    /// Whether the participant is a monitor; nil when there is no such participant. Reads the one field, without
    /// copying the participant (and retaining its name), for the checks that run after every command.
    func isMonitorParticipant(_ id: ParticipantID) -> Bool? {
        Int(id.rawValue) < participants.count ? participants[Int(id.rawValue)].isMonitor : nil
    }

    /// The agent participants currently connected, in join order.
    public var connectedAgents: [Participant] { participants.filter(\.isConnectedAgent) }

    /// Whether `user` takes part as an agent (alerting, connected or in wrap-up).
    public func hasAgentParticipant(_ user: UserID) -> Bool {
        for id in agentParticipantIDs {
            let index = Int(id.rawValue)
            if participants[index].user == user && participants[index].state != .disconnected { return true }
        }
        return false
    }

    /// The one connected agent, or nil when none or several are connected.
    var onlyConnectedAgent: ParticipantID? {
        var only: ParticipantID?
        // The state is read in place: `isConnectedAgent` would copy each participant (and retain its strings).
        for id in agentParticipantIDs where participants[Int(id.rawValue)].state == .connected {
            guard only == nil else { return nil }
            only = id
        }
        return only
    }
}
