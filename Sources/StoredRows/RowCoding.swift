import Foundation
import MonitoringEngine

// What the database stores share: aggregates as JSON rows carrying a version, the coders made once, and the decoded
// rows kept by version (decoding a conversation's JSON is most of what a command costs in a database store).

/// An aggregate whose row carries a version, which moves on with every change the rules make.
package protocol Versioned {
    var version: UInt64 { get }
}

extension Conversation: Versioned {}
extension User: Versioned {}

/// The JSON coders of one database, made once: Foundation's, with sorted keys so that equal aggregates are equal bytes.
package final class RowCoding {
    package let encoder: JSONEncoder
    package let decoder = JSONDecoder()
    /// The versioned values last written or read, to skip decoding a row whose version has not moved on; shared by the
    /// workers of one database when it is given.
    package let decoded: DecodedRows

    package init(decoded: DecodedRows = DecodedRows()) {
        self.decoded = decoded
        encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
    }
}

/// Decoded versioned rows, by table and id, with the version they were decoded at. Valid while a version names one content: a
/// rolled-back transaction of this process clears it, since the versions it wrote are given again (another writer's
/// rolled-back versions are never read, so the readers of a shared database may keep it too).
///
/// Locked, so that the worker threads of one database share it (a row written by one worker is not decoded again by
/// the next that locks it).
package final class DecodedRows: @unchecked Sendable {
    /// Past this many rows per table the table's values are all dropped, and decoded again as they are loaded.
    package static let capacity = 50_000

    private var tables: [String: [UInt64: (version: UInt64, value: Any)]] = [:]
    private let lock = NSLock()

    package init() {}

    package func value<Value>(_ table: String, _ id: UInt64, version: UInt64) -> Value? {
        lock.withLock {
            guard let kept = tables[table]?[id], kept.version == version else { return nil }
            return kept.value as? Value
        }
    }

    package func keep(_ table: String, _ id: UInt64, version: UInt64, _ value: Any) {
        lock.withLock {
            if tables[table, default: [:]].count >= Self.capacity { tables[table] = [:] }
            tables[table, default: [:]][id] = (version, value)
        }
    }

    package func forget(_ table: String, _ id: UInt64) { lock.withLock { tables[table]?[id] = nil } }

    package func clear() { lock.withLock { tables = [:] } }
}
