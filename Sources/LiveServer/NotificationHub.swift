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

    /// The views' topic: a change of what the Interactions, Queue Activity and interaction details views show (a
    /// conversation's state, its agents, who monitors it, a message, a presence). Each notification names what
    /// changed, never a view's content: a console reads the views again, with its own user's permissions.
    public static let viewsTopic = "v2.analytics.conversations"

    /// The topics a principal may subscribe to: its own, and the views' topic for a user who may read the
    /// Interactions or the Queue Activity view (M23, M24). An agent or a customer never gets the views' topic, so
    /// nothing about a monitor reaches them (M14).
    public static func topics(of principal: Principal, engine: MonitoringEngine) -> Set<String> {
        switch principal {
        case .user(let user):
            let permissions = engine.users[user]?.permissions ?? []
            let readsViews = [EntryPoint.interactions, .queueActivity].contains {
                permissions.firstMissing(of: $0.requiredPermissions) == nil
            }
            return readsViews ? [topic(of: .user(user)), viewsTopic] : [topic(of: .user(user))]
        case .customer(let conversation): return [topic(of: .customer(conversation))]
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
    /// `{"topicName": …, "eventBody": <the event record>}`, in the order of the deliveries; then, if the command
    /// changed what the views show, one `ViewChange` on the views' topic. `lag` is how long after its commit this
    /// node applied the command (a node following a shared database; zero where the node is the store).
    func publish(events: [EventRecord], deliveries: [Delivery], lag: Duration = .zero) {
        guard !events.isEmpty else { return }
        var overflowed: [UInt64] = []
        subscriptions.withLock { subscriptions in
            guard !subscriptions.subscribersOf.isEmpty else { return }
            func send(_ message: Data, to subscribers: Set<UInt64>) {
                for id in subscribers {
                    if case .dropped = subscriptions.streams[id]?.yield(message) { overflowed.append(id) }
                }
            }
            for delivery in deliveries {
                let topic = Self.topic(of: delivery.recipient)
                guard let subscribers = subscriptions.subscribersOf[topic] else { continue }
                send(WireJSON.encode(Notification(topicName: topic, eventBody: events[delivery.eventIndex])), to: subscribers)
            }
            if let subscribers = subscriptions.subscribersOf[Self.viewsTopic], let change = ViewChange(events, lag: lag) {
                send(WireJSON.encode(ViewNotification(topicName: Self.viewsTopic, eventBody: change)), to: subscribers)
            }
        }
        for id in overflowed { cancel(id) }
    }
}

/// What one command changed of the views (M23–M25): the conversations, the kinds of event, when, and how long after
/// its commit this node's views showed it — the view staleness of M26 as this node measured it.
public struct ViewChange: Codable, Sendable, Equatable {
    public var conversations: [ConversationID]
    public var changes: [String]
    public var instant: Instant
    public var lagMilliseconds: Int

    /// Nil when no event of the command changes a view (a typing indicator, a read receipt, a renewed lease, an
    /// attempt or a denial, which only the audit log shows).
    init?(_ events: [EventRecord], lag: Duration) {
        var conversations: [ConversationID] = []
        var changes: [String] = []
        for record in events {
            guard let (change, conversation) = Self.change(record.event) else { continue }
            if !changes.contains(change) { changes.append(change) }
            if let conversation, !conversations.contains(conversation) { conversations.append(conversation) }
        }
        guard let last = events.last, !changes.isEmpty else { return nil }
        self.conversations = conversations
        self.changes = changes
        instant = last.instant
        lagMilliseconds = Int(lag.components.seconds * 1_000 + lag.components.attoseconds / 1_000_000_000_000_000)
    }

    /// The kind of change an event makes to the views, and its conversation; nil for an event no view shows.
    static func change(_ event: Event) -> (String, ConversationID?)? {
        switch event {
        case .conversationCreated(let id, _, _): ("conversationCreated", id)
        case .conversationQueued(let id, _): ("conversationQueued", id)
        case .conversationStateChanged(let id, _): ("conversationStateChanged", id)
        case .agentAlerted(let id, _, _): ("agentAlerted", id)
        case .agentConnected(let id, _, _, _): ("agentConnected", id)
        case .agentDisconnected(let id, _, _, _): ("agentDisconnected", id)
        case .agentWrappedUp(let id, _, _, _): ("agentWrappedUp", id)
        case .messageSent(let id, _): ("messageSent", id)
        case .conversationEnded(let id, _): ("conversationEnded", id)
        case .monitoringStarted(let id, _, _, _): ("monitoringStarted", id)
        case .monitoringEnded(let session, _, _): ("monitoringEnded", session.conversation)
        case .presenceChanged: ("presenceChanged", nil)
        case .permissionsChanged: ("permissionsChanged", nil)
        case .licenceChanged: ("licenceChanged", nil)
        case .userAdded: ("userAdded", nil)
        case .queueAdded: ("queueAdded", nil)
        case .queueMembershipChanged: ("queueMembershipChanged", nil)
        case .roleDefined, .typing, .readReceipt, .monitorAttempted, .monitorDenied, .monitoringResumed, .leaseRenewed: nil
        }
    }
}

/// A notification on the views' topic.
public struct ViewNotification: Codable, Sendable, Equatable {
    public var topicName: String
    public var eventBody: ViewChange
}

/// One notification as a socket carries it, in the platform's envelope.
public struct Notification: Codable, Sendable, Equatable {
    public var topicName: String
    public var eventBody: EventRecord
}
