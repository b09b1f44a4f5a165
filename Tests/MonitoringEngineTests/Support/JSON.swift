import Foundation
import MonitoringEngine

/// The JSON form of docs/persistence.md, written with sorted keys so it can be compared as text.
enum JSON {
    static func data<T: Encodable>(_ value: T, pretty: Bool = false) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(value)
    }

    static func text<T: Encodable>(_ value: T, pretty: Bool = false) throws -> String {
        String(decoding: try data(value, pretty: pretty), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONDecoder().decode(type, from: Data(text.utf8))
    }

    static func roundTrip<T: Codable>(_ value: T) throws -> T {
        try JSONDecoder().decode(T.self, from: try data(value))
    }

    /// The discriminator (`type` or `code`) of a value's JSON object.
    static func discriminator<T: Encodable>(_ value: T, key: String = "type") throws -> String? {
        let object = try JSONSerialization.jsonObject(with: try data(value)) as? [String: Any]
        return object?[key] as? String
    }
}
