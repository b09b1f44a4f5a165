/// Why a monitoring session ended (spec M17, M18).
public enum EndReason: String, CaseIterable, Sendable, Codable {
    /// Stopped with the binoculars control inside the monitored interaction (M17).
    case stoppedFromInteraction
    /// Stopped from the interaction details page, Internal section (M17).
    case stoppedFromDetails
    /// The conversation ended (M18).
    case conversationEnded
    /// The monitored agent disconnected or was transferred away (M18).
    case monitoredAgentLeft
    /// The supervisor went offline or logged out (M18).
    case supervisorOffline
    /// The supervisor's licence or monitor permission was removed (M18).
    case accessRevoked
    /// The supervisor's client stopped renewing its lease (M12).
    case leaseExpired
}

/// Where a supervisor stops a session from (M17).
public enum StopSource: String, Sendable, Codable, CaseIterable {
    case interaction, details

    var endReason: EndReason { self == .interaction ? .stoppedFromInteraction : .stoppedFromDetails }
}

/// The view a supervisor used to start monitoring. Each needs its own view permission (M2).
public enum EntryPoint: String, Sendable, Codable, CaseIterable {
    /// Performance › Interactions (M23).
    case interactions
    /// Performance › Queue Activity (M24).
    case queueActivity
    /// The interaction details page (M25).
    case interactionDetails

    /// The permissions the view needs.
    public var requiredPermissions: PermissionSet {
        switch self {
        case .interactions, .interactionDetails: [.analyticsConversationDetailView]
        case .queueActivity: [.analyticsQueueObservationView, .routingQueueView]
        }
    }
}

/// Who holds a conversation's monitor lock, as a greyed-out Monitor button shows it (M8, M9).
public struct MonitorHolder: Hashable, Sendable, Codable {
    public var session: SessionID
    public var supervisor: UserID
    public var supervisorName: String
    public var since: Instant
}

/// One monitoring session of one supervisor on one conversation.
public struct MonitorSession: Hashable, Sendable, Codable {
    /// The conversation and fencing token (M11).
    public var id: SessionID
    public var supervisor: UserID
    public var supervisorName: String
    /// The supervisor's own participant in the conversation (purpose `user`, role `monitor`).
    public var supervisorParticipant: ParticipantID
    /// The agent participant whose point of view the supervisor sees (M6, M13).
    public var monitoredParticipant: ParticipantID
    public var monitoredAgent: UserID
    public var entryPoint: EntryPoint
    public var startedAt: Instant
    /// The session ends with `leaseExpired` at this instant unless renewed before (M12).
    public var leaseExpiresAt: Instant
    public var endedAt: Instant?
    public var endReason: EndReason?

    public init(
        id: SessionID, supervisor: UserID, supervisorName: String, supervisorParticipant: ParticipantID,
        monitoredParticipant: ParticipantID, monitoredAgent: UserID, entryPoint: EntryPoint, startedAt: Instant,
        leaseExpiresAt: Instant, endedAt: Instant? = nil, endReason: EndReason? = nil
    ) {
        self.id = id
        self.supervisor = supervisor
        self.supervisorName = supervisorName
        self.supervisorParticipant = supervisorParticipant
        self.monitoredParticipant = monitoredParticipant
        self.monitoredAgent = monitoredAgent
        self.entryPoint = entryPoint
        self.startedAt = startedAt
        self.leaseExpiresAt = leaseExpiresAt
        self.endedAt = endedAt
        self.endReason = endReason
    }

    public var isActive: Bool { endedAt == nil }
    public var holder: MonitorHolder {
        MonitorHolder(session: id, supervisor: supervisor, supervisorName: supervisorName, since: startedAt)
    }

    /// Monitored time: until the end, or until `now` for an active session.
    public func monitoredTime(asOf now: Instant) -> TimeSpan { (endedAt ?? now) - startedAt }
}
