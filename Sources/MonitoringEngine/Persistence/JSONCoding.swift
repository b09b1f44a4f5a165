// Support for the engine's persistence format (docs/persistence.md): a string coding key, and
// helpers that keep the hand-written `Codable` conformances of the enums short and uniform.
// The engine conforms its types to `Codable` and nothing more: encoders, decoders and bytes
// belong to whoever stores or sends them.

/// A coding key spelled as a string literal, for hand-written forms.
struct JSONKey: CodingKey, ExpressibleByStringLiteral, Hashable {
    var stringValue: String
    var intValue: Int? { nil }

    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
    init(stringLiteral value: String) { self.stringValue = value }
}

typealias JSONEncodingContainer = KeyedEncodingContainer<JSONKey>
typealias JSONDecodingContainer = KeyedDecodingContainer<JSONKey>

extension KeyedEncodingContainer where K == JSONKey {
    /// Writes a field.
    mutating func put<T: Encodable>(_ value: T, _ key: JSONKey) throws { try encode(value, forKey: key) }

    /// Writes an optional field; an absent value is omitted.
    mutating func putIfPresent<T: Encodable>(_ value: T?, _ key: JSONKey) throws { try encodeIfPresent(value, forKey: key) }
}

extension KeyedDecodingContainer where K == JSONKey {
    /// Reads a required field.
    func get<T: Decodable>(_ key: JSONKey) throws -> T { try decode(T.self, forKey: key) }

    /// Reads an optional field; missing and `null` both read as absent.
    func getIfPresent<T: Decodable>(_ key: JSONKey) throws -> T? { try decodeIfPresent(T.self, forKey: key) }

    /// Reads a discriminator (`type` or `code`) and checks it names one of `known`, so that an
    /// unknown one fails with a message naming what was expected.
    func discriminator(_ key: JSONKey, of typeName: String, known: [String]) throws -> String {
        let value: String = try get(key)
        guard known.contains(value) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "unknown \(typeName) \(key.stringValue) \"\(value)\"; expected one of "
                    + known.joined(separator: ", "))
        }
        return value
    }

    /// A decoding error about the value of `key`.
    func invalid(_ key: JSONKey, _ message: String) -> DecodingError {
        DecodingError.dataCorruptedError(forKey: key, in: self, debugDescription: message)
    }
}

// MARK: Identifiers and time: plain numbers

extension Identifier {
    /// An identifier is its number: `7`, not `{"rawValue": 7}`.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(UInt64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension ParticipantID {
    /// A participant id is its number within its conversation.
    public init(from decoder: any Decoder) throws {
        self.init(rawValue: try decoder.singleValueContainer().decode(UInt32.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension Instant {
    /// An instant is an integer number of nanoseconds since the deployment's origin.
    public init(from decoder: any Decoder) throws {
        self.init(nanoseconds: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }
}

extension TimeSpan {
    /// A span is an integer number of nanoseconds.
    public init(from decoder: any Decoder) throws {
        self.init(nanoseconds: try decoder.singleValueContainer().decode(Int64.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(nanoseconds)
    }
}

// MARK: Sets and channels

extension PermissionSet {
    /// A permission set is the sorted array of its permissions' names, e.g.
    /// `["conversation:message:monitor", "conversation:message:view"]`; an unknown name fails.
    public init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        var set = PermissionSet()
        while !container.isAtEnd {
            let name = try container.decode(String.self)
            guard let permission = Permission(rawValue: name) else {
                throw DecodingError.dataCorruptedError(
                    in: container,
                    debugDescription: "unknown permission \"\(name)\"; expected one of "
                        + Permission.allCases.map(\.rawValue).joined(separator: ", "))
            }
            set.formUnion([permission])
        }
        self = set
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for name in permissions.map(\.rawValue).sorted() { try container.encode(name) }
    }
}

extension Channel: Codable {
    static let codingTypes = ["webMessaging", "messaging", "sms", "voice", "callback", "email"]

    /// `{"type": "sms"}`, or `{"type": "messaging", "platform": "whatsApp"}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        switch try container.discriminator("type", of: "Channel", known: Self.codingTypes) {
        case "webMessaging": self = .webMessaging
        case "messaging": self = .messaging(try container.get("platform"))
        case "sms": self = .sms
        case "voice": self = .voice
        case "callback": self = .callback
        default: self = .email
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .webMessaging: try container.put("webMessaging", "type")
        case .messaging(let platform):
            try container.put("messaging", "type")
            try container.put(platform, "platform")
        case .sms: try container.put("sms", "type")
        case .voice: try container.put("voice", "type")
        case .callback: try container.put("callback", "type")
        case .email: try container.put("email", "type")
        }
    }
}

extension TransferTarget: Codable {
    static let codingTypes = ["agent", "queue"]

    /// `{"type": "agent", "user": 12}` or `{"type": "queue", "queue": 2}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        switch try container.discriminator("type", of: "TransferTarget", known: Self.codingTypes) {
        case "agent": self = .agent(try container.get("user"))
        default: self = .queue(try container.get("queue"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .agent(let user):
            try container.put("agent", "type")
            try container.put(user, "user")
        case .queue(let queue):
            try container.put("queue", "type")
            try container.put(queue, "queue")
        }
    }
}

extension Recipient: Codable {
    static let codingTypes = ["user", "customer"]

    /// `{"type": "user", "user": 1}` or `{"type": "customer", "conversation": 3}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: JSONKey.self)
        switch try container.discriminator("type", of: "Recipient", known: Self.codingTypes) {
        case "user": self = .user(try container.get("user"))
        default: self = .customer(try container.get("conversation"))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .user(let user):
            try container.put("user", "type")
            try container.put(user, "user")
        case .customer(let conversation):
            try container.put("customer", "type")
            try container.put(conversation, "conversation")
        }
    }
}
