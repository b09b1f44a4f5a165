import Foundation
import MonitoringEngine

/// One HTTP answer as the node decides it: a status and a JSON body. Kept whole so that an idempotent retry gets
/// back exactly the bytes of the first answer.
public struct Answer: Sendable, Equatable {
    public var status: Int
    public var body: Data

    public init(status: Int, body: Data) {
        self.status = status
        self.body = body
    }

    /// A 2xx answer with `value` as its JSON body.
    static func ok(_ value: some Encodable, status: Int = 200) -> Answer {
        Answer(status: status, body: WireJSON.encode(value))
    }

    /// The engine's refusal: its JSON form (`code`, `rule`, its fields; `alreadyMonitored` carries `monitoredBy`
    /// and `since`) plus `message`, one line a person can read, and the HTTP status of `error.httpStatus`.
    static func refusal(_ error: MonitoringError) -> Answer {
        Answer(status: error.httpStatus, body: WireJSON.encode(Refusal(error: error)))
    }

    /// A refusal the service itself makes before the engine is asked: bad input, no token, the wrong user.
    static func failure(_ failure: ServiceFailure) -> Answer {
        Answer(status: failure.status, body: WireJSON.encode(failure))
    }
}

/// The body of an engine refusal.
struct Refusal: Encodable {
    var error: MonitoringError

    func encode(to encoder: any Encoder) throws {
        try error.encode(to: encoder)
        var container = encoder.container(keyedBy: WireKey.self)
        try container.encode(error.description, forKey: "message")
        if case .alreadyMonitored(_, let since) = error {
            try container.encode(since.rfc3339, forKey: "sinceTime")
        }
    }
}

/// A refusal of the service's own: `{"code", "message", "rule": null}`.
public struct ServiceFailure: Error, Encodable, Equatable {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    enum CodingKeys: String, CodingKey { case code, message, rule }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(code, forKey: .code)
        try container.encode(message, forKey: .message)
        try container.encodeNil(forKey: .rule)
    }

    static func badRequest(_ message: String) -> Self { Self(status: 400, code: "badRequest", message: message) }
    static let unauthenticated = Self(
        status: 401, code: "unauthenticated", message: "this request needs an Authorization: Bearer token")
    static func forbidden(_ message: String) -> Self { Self(status: 403, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> Self { Self(status: 404, code: "notFound", message: message) }
    static let idempotencyKeyReused = Self(
        status: 422, code: "idempotencyKeyReused",
        message: "this Idempotency-Key was first used for another request; use a new key for a new request")
    static func tooLarge(_ limit: Int) -> Self {
        Self(status: 413, code: "tooLarge", message: "the request body is larger than \(limit) bytes")
    }
}

extension MonitoringError {
    /// The HTTP status of a refusal: 404 for what does not exist, 403 for what this user may not do, 409 for what
    /// the conversation's or session's state forbids now (the greyed button's 409, M8), 422 for a request that
    /// names the wrong thing, 429 for an engine limit reached.
    public var httpStatus: Int {
        switch self {
        case .unknownUser, .unknownRole, .unknownQueue, .unknownConversation, .unknownParticipant, .unknownSession:
            404
        case .licenceNotEligible, .missingPermission, .monitorCannotParticipate, .notSessionOwner,
            .administratorsOnly:
            403
        case .supervisorNotAvailable, .conversationNotInProgress, .agentChoiceRequired, .cannotMonitorOwnConversation,
            .alreadyMonitored, .sessionAlreadyEnded, .userAlreadyExists, .queueAlreadyExists,
            .invalidConversationState, .invalidParticipantState, .agentAlreadyInConversation, .userMonitorsConversation:
            409
        case .channelNotMonitorable, .notAConnectedAgent, .notAnAgent, .unknownWrapUpCode:
            422
        case .limitReached:
            429
        }
    }
}

/// A string coding key for hand-written wire forms.
struct WireKey: CodingKey, ExpressibleByStringLiteral {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(stringLiteral value: String) { self.stringValue = value }
}

/// The one JSON encoding of the API: sorted keys, so equal answers are equal bytes.
enum WireJSON {
    static func encode(_ value: some Encodable) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do {
            return try encoder.encode(value)
        } catch {
            // Every wire form is built from finite numbers and strings; failing to encode one is a programming error.
            preconditionFailure("an answer could not be encoded: \(error)")
        }
    }
}
