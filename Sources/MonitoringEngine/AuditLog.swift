/// What an audit record reports (M22).
public enum AuditAction: Hashable, Sendable, CustomStringConvertible {
    case attempted(agent: ParticipantID?, EntryPoint)
    case denied(MonitoringError)
    case granted(session: SessionID, monitoredParticipant: ParticipantID)
    case resumed(session: SessionID)
    case ended(session: SessionID, EndReason)

    public var description: String {
        switch self {
        case .attempted(let agent, let entryPoint):
            "attempted from \(entryPoint.rawValue)" + (agent.map { " watching \($0)" } ?? "")
        case .denied(let error): "denied: \(error)"
        case .granted(let session, let monitored): "granted \(session) watching \(monitored)"
        case .resumed(let session): "resumed \(session)"
        case .ended(let session, let reason): "ended \(session): \(reason.rawValue)"
        }
    }
}

/// One line of the audit log.
public struct AuditRecord: Hashable, Sendable, Encodable {
    public var sequence: Int
    public var instant: Instant
    public var conversation: ConversationID
    public var supervisor: UserID
    public var action: AuditAction
}

/// The append-only audit log of monitoring (M22), fed by the engine's events; readable by
/// administrators only, never by agents or customers.
///
/// It holds at most `capacity` records; past that it keeps counting in `droppedCount` rather
/// than growing without bound, so a full log is a reported condition, not a crash.
public struct AuditLog: Sendable {
    public let capacity: Int
    public private(set) var records: [AuditRecord] = []
    public private(set) var droppedCount = 0

    public init(capacity: Int = 10_000_000) {
        self.capacity = capacity
    }

    public mutating func append(_ events: some Sequence<EventRecord>) {
        for record in events {
            guard let (conversation, supervisor, action) = Self.audited(record.event) else { continue }
            guard records.count < capacity else {
                droppedCount += 1
                continue
            }
            records.append(
                AuditRecord(
                    sequence: records.count + droppedCount, instant: record.instant, conversation: conversation,
                    supervisor: supervisor, action: action))
        }
    }

    /// The records, for an administrator; anyone else is refused.
    public func records(visibleTo viewer: User) -> Result<[AuditRecord], MonitoringError> {
        viewer.isAdministrator ? .success(records) : .failure(.administratorsOnly)
    }

    private static func audited(_ event: Event) -> (ConversationID, UserID, AuditAction)? {
        switch event {
        case .monitorAttempted(let conversation, let supervisor, let agent, let entryPoint):
            (conversation, supervisor, .attempted(agent: agent, entryPoint))
        case .monitorDenied(let conversation, let supervisor, let error): (conversation, supervisor, .denied(error))
        case .monitoringStarted(let conversation, let holder, let monitored, _):
            (conversation, holder.supervisor, .granted(session: holder.session, monitoredParticipant: monitored))
        case .monitoringResumed(let session, let supervisor): (session.conversation, supervisor, .resumed(session: session))
        case .monitoringEnded(let session, let supervisor, let reason):
            (session.conversation, supervisor, .ended(session: session, reason))
        default: nil
        }
    }
}

/// Each recipient's stream of notifications: what their client would be told (M14).
///
/// Bounded per recipient: beyond `capacityPerRecipient` the oldest notifications are dropped
/// and counted, as a client that reconnects would resynchronise from the views.
public struct NotificationStreams: Sendable {
    public let capacityPerRecipient: Int
    public private(set) var streams: [Recipient: [EventRecord]] = [:]
    public private(set) var droppedCount = 0

    public init(capacityPerRecipient: Int = 100_000) {
        self.capacityPerRecipient = capacityPerRecipient
    }

    /// Routes one command's events to their recipients.
    public mutating func append(events: [EventRecord], deliveries: [Delivery]) {
        for delivery in deliveries {
            streams[delivery.recipient, default: []].append(events[delivery.eventIndex])
            if streams[delivery.recipient]!.count > capacityPerRecipient {
                streams[delivery.recipient]!.removeFirst()
                droppedCount += 1
            }
        }
    }

    public func stream(of recipient: Recipient) -> [EventRecord] { streams[recipient] ?? [] }
}
