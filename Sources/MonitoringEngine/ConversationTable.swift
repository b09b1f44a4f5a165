/// The in-memory store's conversations, by id: conversation `n` is at position `n - 1`.
///
/// Ids are issued densely by the store, so a conversation is found by position without hashing, and read in
/// place. The rules never see this table: they work on the conversations a transaction holds. While a transaction
/// holds a conversation, and where no conversation was stored, the slot is vacant (`Conversation.vacant`, version 0).
public struct ConversationTable: Sendable, Equatable {
    var storage: [Conversation] = []

    public subscript(id: ConversationID) -> Conversation? {
        contains(id) ? storage[Int(id.rawValue - 1)] : nil
    }

    public func contains(_ id: ConversationID) -> Bool {
        id.rawValue >= 1 && id.rawValue <= UInt64(storage.count) && storage[Int(id.rawValue - 1)].version != 0
    }

    /// How many slots there are: the highest id stored.
    public var count: Int { storage.count }

    /// Every stored conversation, in id order.
    public var all: [Conversation] { storage.filter { $0.version != 0 } }

    subscript(existing id: ConversationID) -> Conversation {
        _read { yield storage[Int(id.rawValue - 1)] }
        _modify { yield &storage[Int(id.rawValue - 1)] }
    }

    /// Moves the conversation out of its slot, leaving the slot vacant; it must be there.
    mutating func take(_ id: ConversationID) -> Conversation {
        var taken = Conversation.vacant
        swap(&taken, &storage[Int(id.rawValue - 1)])
        return taken
    }

    /// Puts a conversation into its slot, growing the table to reach it.
    mutating func put(_ conversation: consuming Conversation) {
        precondition(conversation.id.rawValue >= 1, "conversation ids start at 1")
        precondition(conversation.version != 0, "a stored conversation has a version")
        let position = Int(conversation.id.rawValue - 1)
        while storage.count <= position { storage.append(.vacant) }
        storage[position] = conversation
    }
}
