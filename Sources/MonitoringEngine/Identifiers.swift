/// A kind of entity that has its own identifier space.
public protocol IdentifierKind: Sendable {
    /// The prefix used when an identifier of this kind is printed, e.g. `user-`.
    static var prefix: String { get }
}

/// A typed identifier: a number that cannot be confused with an identifier of another kind.
///
/// Identifiers are plain integers so that lookups are cheap and a store can keep them as keys.
public struct Identifier<Kind: IdentifierKind>: RawRepresentable, Hashable, Comparable, Sendable, Codable,
    CustomStringConvertible
{
    public var rawValue: UInt64

    public init(rawValue: UInt64) { self.rawValue = rawValue }
    public init(_ rawValue: UInt64) { self.rawValue = rawValue }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { Kind.prefix + String(rawValue) }
}

public enum UserKind: IdentifierKind { public static let prefix = "user-" }
public enum QueueKind: IdentifierKind { public static let prefix = "queue-" }
public enum RoleKind: IdentifierKind { public static let prefix = "role-" }
public enum ConversationKind: IdentifierKind { public static let prefix = "conversation-" }

/// A user of the platform: an agent, a supervisor or an administrator.
public typealias UserID = Identifier<UserKind>
/// A routing queue.
public typealias QueueID = Identifier<QueueKind>
/// A (custom) role granting permissions.
public typealias RoleID = Identifier<RoleKind>
/// A conversation (an interaction) on some channel.
public typealias ConversationID = Identifier<ConversationKind>

/// A participant of one conversation. Participant ids are only unique within their conversation.
public struct ParticipantID: RawRepresentable, Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public init(_ rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "participant-" + String(rawValue) }

    /// Every conversation's customer is its first participant.
    public static let customer = ParticipantID(0)
}

/// A monitoring session: its conversation and its fencing token (spec M11).
///
/// Tokens start at 1 and increase by one for every session of a conversation; they are never
/// reused, so a stop that names an older token can never end a newer session.
public struct SessionID: Hashable, Comparable, Sendable, Codable, CustomStringConvertible {
    public var conversation: ConversationID
    public var token: UInt64

    public init(conversation: ConversationID, token: UInt64) {
        self.conversation = conversation
        self.token = token
    }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.conversation, lhs.token) < (rhs.conversation, rhs.token)
    }
    public var description: String { "\(conversation)/session-\(token)" }
}

/// Enums whose cases are words print as the word, so traces and messages read plainly.
public protocol PlainWordEnum: RawRepresentable, CustomStringConvertible where RawValue == String {}

extension PlainWordEnum {
    public var description: String { rawValue }
}

extension Licence: PlainWordEnum {}
extension Presence: PlainWordEnum {}
extension ConversationState: PlainWordEnum {}
extension ParticipantPurpose: PlainWordEnum {}
extension MediaRole: PlainWordEnum {}
extension ParticipantState: PlainWordEnum {}
extension DisconnectType: PlainWordEnum {}
extension MessageDirection: PlainWordEnum {}
extension MessageKind: PlainWordEnum {}
extension EndReason: PlainWordEnum {}
extension StopSource: PlainWordEnum {}
extension EntryPoint: PlainWordEnum {}
extension MessagingPlatform: PlainWordEnum {}
