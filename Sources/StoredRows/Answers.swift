import MonitoringEngine

/// What one command did: its result, its events and who is told of each, as the engine's `execute` leaves them.
public struct AppliedCommand: Sendable {
    public var result: Result<Outcome, MonitoringError>
    public var events: [EventRecord]
    public var deliveries: [Delivery]

    public init(result: Result<Outcome, MonitoringError>, events: [EventRecord], deliveries: [Delivery]) {
        self.result = result
        self.events = events
        self.deliveries = deliveries
    }
}

/// The answer a request with an idempotency key got, replayed when the same key comes again.
public struct StoredAnswer: Hashable, Sendable {
    /// What identifies the request's content, so a key reused for another request is told apart from a retry.
    public var fingerprint: String
    public var status: Int
    public var body: [UInt8]
    public var createdAt: Instant

    public init(fingerprint: String, status: Int, body: [UInt8], createdAt: Instant) {
        self.fingerprint = fingerprint
        self.status = status
        self.body = body
        self.createdAt = createdAt
    }
}

/// Whom a token was issued for: a user of the directory, or the customer of one conversation.
public enum TokenSubject: Hashable, Sendable {
    case user(UserID)
    case customer(ConversationID)
}
