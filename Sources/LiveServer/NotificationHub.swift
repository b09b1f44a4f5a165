import Foundation
import MonitoringEngine
import Synchronization

/// Where the engine's deliveries go: one topic per recipient, and the sockets subscribed to it.
///
/// A delivery reaches exactly the topic of its recipient, so what a socket carries is what the engine's deliveries
/// say and nothing else: an agent's or customer's topic never receives an event the engine did not address to them
/// (M14). Each subscription buffers a bounded number of notifications; a socket too slow to keep up is closed
/// (its stream finishes) rather than let the buffer grow, and its client reads the state again on reconnecting.
public final class NotificationHub: Sendable {
    /// The notifications one subscription has not yet sent.
    public static let bufferLimit = 10_000

    /// The open subscriptions, and who is subscribed to each topic: a delivery finds its sockets by its topic,
    /// not by asking every socket.
    private struct Subscriptions {
        var streams: [UInt64: AsyncStream<Data>.Continuation] = [:]
        var topicsOf: [UInt64: Set<String>] = [:]
        var subscribersOf: [String: Set<UInt64>] = [:]

        mutating func remove(_ id: UInt64) -> AsyncStream<Data>.Continuation? {
            for topic in topicsOf.removeValue(forKey: id) ?? [] {
                subscribersOf[topic]?.remove(id)
                if subscribersOf[topic]?.isEmpty == true { subscribersOf[topic] = nil }
            }
            return streams.removeValue(forKey: id)
        }
    }

    private let subscriptions = Mutex(Subscriptions())
    private let nextID = Atomic<UInt64>(1)

    public init() {}

    /// The topic of a recipient: `v2.users.{id}.conversations` for a user, `v2.conversations.{id}.customer` for the
    /// customer of a conversation.
    public static func topic(of recipient: Recipient) -> String {
        switch recipient {
        case .user(let user): "v2.users.\(user.rawValue).conversations"
        case .customer(let conversation): "v2.conversations.\(conversation.rawValue).customer"
        }
    }

    /// The topics a principal may subscribe to: its own.
    public static func topics(of principal: Principal) -> Set<String> {
        switch principal {
        case .user(let user): [topic(of: .user(user))]
        case .customer(let conversation): [topic(of: .customer(conversation))]
        }
    }

    /// A new subscription to nothing yet; `subscribe(_:to:)` adds topics. Ends when the returned stream's
    /// consumer goes away (`cancel(_:)`).
    public func open() -> (id: UInt64, notifications: AsyncStream<Data>) {
        let id = nextID.wrappingAdd(1, ordering: .relaxed).oldValue
        let (stream, continuation) = AsyncStream.makeStream(
            of: Data.self, bufferingPolicy: .bufferingOldest(Self.bufferLimit))
        subscriptions.withLock {
            $0.streams[id] = continuation
            $0.topicsOf[id] = []
        }
        continuation.onTermination = { [weak self] _ in self?.cancel(id) }
        return (id, stream)
    }

    public func subscribe(_ id: UInt64, to topics: Set<String>) {
        subscriptions.withLock { subscriptions in
            guard subscriptions.streams[id] != nil else { return }
            subscriptions.topicsOf[id, default: []].formUnion(topics)
            for topic in topics { subscriptions.subscribersOf[topic, default: []].insert(id) }
        }
    }

    public func cancel(_ id: UInt64) {
        let removed = subscriptions.withLock { $0.remove(id) }
        removed?.finish()
    }

    /// How many sockets are subscribed now.
    public var subscriptionCount: Int { subscriptions.withLock { $0.streams.count } }

    /// Sends each delivery to the sockets subscribed to its recipient's topic, as
    /// `{"topicName": …, "eventBody": <the event record>}`, in the order of the deliveries.
    func publish(events: [EventRecord], deliveries: [Delivery]) {
        guard !deliveries.isEmpty else { return }
        var overflowed: [UInt64] = []
        subscriptions.withLock { subscriptions in
            guard !subscriptions.subscribersOf.isEmpty else { return }
            for delivery in deliveries {
                let topic = Self.topic(of: delivery.recipient)
                guard let subscribers = subscriptions.subscribersOf[topic] else { continue }
                let message = WireJSON.encode(Notification(topicName: topic, eventBody: events[delivery.eventIndex]))
                for id in subscribers {
                    if case .dropped = subscriptions.streams[id]?.yield(message) { overflowed.append(id) }
                }
            }
        }
        for id in overflowed { cancel(id) }
    }
}

/// One notification as a socket carries it, in the platform's envelope.
public struct Notification: Codable, Sendable, Equatable {
    public var topicName: String
    public var eventBody: EventRecord
}
