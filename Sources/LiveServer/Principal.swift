import Crypto
import Foundation
import MonitoringEngine

/// Who a request acts as: a user of the directory, or the customer of one conversation.
public enum Principal: Hashable, Sendable, CustomStringConvertible {
    case user(UserID)
    /// The customer of a conversation, who holds the token issued when the conversation was created.
    case customer(ConversationID)

    public var description: String {
        switch self {
        case .user(let user): "\(user)"
        case .customer(let conversation): "customer of \(conversation)"
        }
    }
}

/// Bearer tokens: 32 random bytes, base64url, handed out once; only their SHA-256 is kept. A token is as strong
/// as its 256 random bits, so a fast hash suffices (a slow one protects guessable passwords, which these are not).
public enum BearerToken {
    /// A new token, from the system's random source.
    public static func issue() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return "bnc_"
            + Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// The hash a node stores and looks tokens up by: SHA-256, lowercase hex.
    public static func hash(_ token: String) -> String { hexadecimal(SHA256.hash(data: Data(token.utf8))) }
}

/// A digest as lowercase hexadecimal, two digits a byte.
func hexadecimal(_ digest: some Sequence<UInt8>) -> String {
    digest.map { byte in
        let hex = String(byte, radix: 16)
        return byte < 16 ? "0" + hex : hex
    }.joined()
}
