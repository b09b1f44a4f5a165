/// A third-party or API messaging platform (spec M4).
public enum MessagingPlatform: String, CaseIterable, Sendable, Codable {
    case whatsApp, facebook, instagram, twitter, line, appleMessages, openMessaging
}

/// The kind of an interaction. Only the digital messaging channels can be monitored (spec M4).
public enum Channel: Hashable, Sendable, CustomStringConvertible {
    case webMessaging
    case messaging(MessagingPlatform)
    case sms
    case voice
    case callback
    case email

    /// Whether a supervisor may monitor interactions on this channel (M4).
    public var isMonitorable: Bool {
        switch self {
        case .webMessaging, .messaging, .sms: true
        case .voice, .callback, .email: false
        }
    }

    /// Every channel, with every messaging platform.
    public static let allChannels: [Channel] =
        [.webMessaging, .sms, .voice, .callback, .email] + MessagingPlatform.allCases.map { .messaging($0) }

    /// `webMessaging`, `sms`, `messaging(whatsApp)`, …
    public var description: String {
        switch self {
        case .webMessaging: "webMessaging"
        case .messaging(let platform): "messaging(\(platform.rawValue))"
        case .sms: "sms"
        case .voice: "voice"
        case .callback: "callback"
        case .email: "email"
        }
    }
}
