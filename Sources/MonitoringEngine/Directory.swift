/// A user licence (spec M1).
public enum Licence: String, CaseIterable, Sendable, Codable {
    case cx1
    /// "CX 1 Digital Add-on II".
    case cx1DigitalAddOn2
    case cx2
    case cx2Digital
    case cx3
    case cx3Digital

    /// Whether a user holding this licence may monitor digital interactions (M1).
    public var allowsDigitalMonitoring: Bool {
        switch self {
        case .cx1: false
        case .cx1DigitalAddOn2, .cx2, .cx2Digital, .cx3, .cx3Digital: true
        }
    }
}

/// A permission, written `domain:entity:action` (spec M2).
public enum Permission: String, CaseIterable, Sendable, Codable, CustomStringConvertible {
    /// Required to start monitoring (M2a).
    case conversationMessageMonitor = "conversation:message:monitor"
    /// Required to start monitoring: the supervisor sees the transcript (M2b).
    case conversationMessageView = "conversation:message:view"
    case conversationMessageAccept = "conversation:message:accept"
    /// The Interactions view and the interaction details page (M23, M25).
    case analyticsConversationDetailView = "analytics:conversationDetail:view"
    /// The Queue Activity view, with `routingQueueView` (M24).
    case analyticsQueueObservationView = "analytics:queueObservation:view"
    case routingQueueView = "routing:queue:view"
    /// Part of the documented role; gates nothing in this engine.
    case reportingAcdView = "reporting:acd:view"
    /// Part of the documented role; gates nothing in this engine.
    case reportingInteractionsView = "reporting:interactions:view"
    /// Part of the documented role; gates nothing in this engine.
    case messagingIntegrationView = "messaging:integration:view"

    public var description: String { rawValue }

    fileprivate var bit: UInt32 {
        switch self {
        case .conversationMessageMonitor: 1 << 0
        case .conversationMessageView: 1 << 1
        case .conversationMessageAccept: 1 << 2
        case .analyticsConversationDetailView: 1 << 3
        case .analyticsQueueObservationView: 1 << 4
        case .routingQueueView: 1 << 5
        case .reportingAcdView: 1 << 6
        case .reportingInteractionsView: 1 << 7
        case .messagingIntegrationView: 1 << 8
        }
    }
}

/// A set of permissions, stored as bits so that checking one costs a mask.
public struct PermissionSet: Hashable, Sendable, Codable, ExpressibleByArrayLiteral, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public init(_ permissions: some Sequence<Permission>) {
        self.rawValue = permissions.reduce(0) { $0 | $1.bit }
    }

    public init(arrayLiteral permissions: Permission...) { self.init(permissions) }

    public func contains(_ permission: Permission) -> Bool { rawValue & permission.bit != 0 }
    public mutating func formUnion(_ other: PermissionSet) { rawValue |= other.rawValue }
    public mutating func remove(_ permission: Permission) { rawValue &= ~permission.bit }

    /// The first of `required`, in declaration order, that this set lacks.
    public func firstMissing(of required: PermissionSet) -> Permission? {
        let missing = required.rawValue & ~rawValue
        guard missing != 0 else { return nil }
        return Permission.allCases.first { missing & $0.bit != 0 }
    }

    /// The union of the permissions of `roles`, looked up with `role` (an unknown role adds none).
    public init(unionOf roles: [RoleID], _ role: (RoleID) -> Role?) {
        self = roles.reduce(into: PermissionSet()) { result, id in
            if let role = role(id) { result.formUnion(role.permissions) }
        }
    }

    /// Every permission of the documented monitoring supervisor role.
    public static let supervisorRole = PermissionSet(Permission.allCases)

    public var permissions: [Permission] { Permission.allCases.filter { contains($0) } }
    public var description: String { "[" + permissions.map(\.rawValue).joined(separator: ", ") + "]" }
}

/// A user's presence (spec M3).
public enum Presence: String, CaseIterable, Sendable, Codable {
    case available, busy, away, onBreak, meal, meeting, training, onQueue, offline
}

/// A role: a named set of permissions.
public struct Role: Hashable, Sendable, Codable {
    public var id: RoleID
    public var name: String
    public var permissions: PermissionSet

    public init(id: RoleID, name: String, permissions: PermissionSet) {
        self.id = id
        self.name = name
        self.permissions = permissions
    }
}

/// A routing queue with its member agents, and what agents handling its conversations see.
public struct Queue: Hashable, Sendable, Codable {
    public var id: QueueID
    public var name: String
    public var members: [UserID]
    public var wrapUpCodes: [String]
    public var script: String

    public init(id: QueueID, name: String, members: [UserID] = [], wrapUpCodes: [String] = [], script: String = "") {
        self.id = id
        self.name = name
        self.members = members
        self.wrapUpCodes = wrapUpCodes
        self.script = script
    }
}

/// The user aggregate: identity, licence, roles, presence, and the conversations the user is in.
///
/// A command that changes a user touches only this aggregate and the conversations it lists.
public struct User: Hashable, Sendable {
    public var id: UserID
    public var displayName: String
    public var licence: Licence
    public var roles: [RoleID]
    /// The union of the permissions of `roles`, kept so that checking a permission is one mask.
    public internal(set) var permissions: PermissionSet
    public var presence: Presence
    /// Administrators may read the audit log (M22).
    public var isAdministrator: Bool
    /// Conversations in which the user is an agent participant that has not finished wrap-up.
    public internal(set) var agentConversations: [ConversationID]
    /// The user's active monitoring sessions (M13: they appear in the user's panel).
    public internal(set) var monitoringSessions: [SessionID]
    /// Incremented on every change, for optimistic concurrency in a store.
    public internal(set) var version: UInt64

    public init(
        id: UserID, displayName: String, licence: Licence, roles: [RoleID] = [], presence: Presence = .offline,
        isAdministrator: Bool = false
    ) {
        self.id = id
        self.displayName = displayName
        self.licence = licence
        self.roles = roles
        self.permissions = []
        self.presence = presence
        self.isAdministrator = isAdministrator
        self.agentConversations = []
        self.monitoringSessions = []
        self.version = 0
    }
}
