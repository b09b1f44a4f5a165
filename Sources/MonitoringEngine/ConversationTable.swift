/// The engine's conversations, indexed by id.
///
/// Conversation ids are issued by the engine from a counter, so the table is an array indexed
/// by `id - 1`: a lookup costs no hashing, and the rules read and change a conversation in
/// place (`_read`/`_modify`) without copying it. Cost per command does not depend on how many
/// conversations the table holds.
public struct ConversationTable: Sendable, Equatable {
    var storage: [Conversation] = []

    /// The conversation with this id, if the engine issued it.
    public subscript(id: ConversationID) -> Conversation? {
        contains(id) ? storage[Int(id.rawValue - 1)] : nil
    }

    public func contains(_ id: ConversationID) -> Bool { id.rawValue >= 1 && id.rawValue <= UInt64(storage.count) }

    public var count: Int { storage.count }

    /// Every conversation, in id order.
    public var all: [Conversation] { storage }

    /// In-place access to a conversation known to exist.
    subscript(existing id: ConversationID) -> Conversation {
        _read { yield storage[Int(id.rawValue - 1)] }
        _modify { yield &storage[Int(id.rawValue - 1)] }
    }

    /// The id the next conversation will have.
    var nextID: ConversationID { ConversationID(UInt64(storage.count + 1)) }

    mutating func append(_ conversation: Conversation) {
        precondition(conversation.id == nextID, "conversation ids are issued in order")
        storage.append(conversation)
    }
}
