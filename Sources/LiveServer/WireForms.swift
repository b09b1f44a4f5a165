import MonitoringEngine

// The bodies clients send and the answers the engine's outcomes become (docs/live-service.md). Request fields
// are named as the platform names them where it has a name; every field is bounded by the route that reads it.

/// Start monitoring: the view it was started from, which decides the view permission needed (M2).
struct StartBody: Decodable {
    var entryPoint: EntryPoint?
}

/// Stop monitoring: from inside the interaction or from its details page (M17).
struct StopBody: Decodable {
    var from: StopSource?
}

struct CreateConversationBody: Decodable {
    var channel: Channel
    var customerName: String
    var participantData: [String: String]?
    var journey: [String]?
}

struct EnqueueBody: Decodable {
    var queueId: QueueID
}

struct AlertBody: Decodable {
    var userId: UserID
}

/// A transfer names a user or a queue, not both.
struct TransferBody: Decodable {
    var userId: UserID?
    var queueId: QueueID?
}

struct MessageBody: Decodable {
    var kind: MessageKind?
    var body: String
}

struct ReadBody: Decodable {
    var upTo: Int
}

struct WrapUpBody: Decodable {
    var code: String
}

struct RoleBody: Decodable {
    var id: RoleID
    var name: String
    var permissions: [Permission]
}

struct UserBody: Decodable {
    var id: UserID
    var displayName: String
    var licence: Licence
    var roles: [RoleID]?
    var presence: Presence?
    var isAdministrator: Bool?
}

struct RolesBody: Decodable {
    var roles: [RoleID]
}

struct LicenceBody: Decodable {
    var licence: Licence
}

struct PresenceBody: Decodable {
    var presence: Presence
}

struct QueueBody: Decodable {
    var id: QueueID
    var name: String
    var wrapUpCodes: [String]?
    var script: String?
}

struct MembershipBody: Decodable {
    var member: Bool
}

/// A monitoring session as a start returns it: what the supervisor's console needs to show it, stop it and renew
/// its lease.
struct SessionAnswer: Encodable {
    var session: SessionID
    var conversationId: ConversationID
    var fencingToken: UInt64
    var supervisor: UserID
    var monitoredParticipant: ParticipantID
    var monitoredAgent: UserID
    var monitorParticipant: ParticipantID
    var startedAt: Instant
    var leaseExpiresAt: Instant
    var leaseExpiresAtTime: String
    /// How often the client should renew, in seconds.
    var renewEverySeconds: Double
    /// True when the supervisor already monitored and got the same session back (M10).
    var resumed: Bool

    init(_ session: MonitorSession, resumed: Bool, renewEvery: TimeSpan) {
        self.session = session.id
        conversationId = session.id.conversation
        fencingToken = session.id.token
        supervisor = session.supervisor
        monitoredParticipant = session.monitoredParticipant
        monitoredAgent = session.monitoredAgent
        monitorParticipant = session.supervisorParticipant
        startedAt = session.startedAt
        leaseExpiresAt = session.leaseExpiresAt
        leaseExpiresAtTime = session.leaseExpiresAt.rfc3339
        renewEverySeconds = renewEvery.seconds
        self.resumed = resumed
    }
}

/// A new conversation, with the token its customer acts with (shown once).
struct CreatedConversationAnswer: Encodable {
    var conversationId: ConversationID
    var customerToken: String
}

/// A new user, with the token they act with (shown once).
struct CreatedUserAnswer: Encodable {
    var userId: UserID
    var token: String
}

/// One page of the audit log (M22).
struct AuditPage: Encodable {
    var records: [AuditRecord]
    /// Records the bounded log no longer holds.
    var droppedCount: Int
    /// The `after` to ask for the next page, when there may be one.
    var next: Int?
}

/// `/health`.
struct HealthAnswer: Encodable {
    var status: String
    var nodeId: String
    var activeSessions: Int
    var subscriptions: Int
}
