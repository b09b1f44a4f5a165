import MonitoringEngine
import SharedStore

/// How one live node is set up: where it listens, what it is called, where its aggregates live, and its limits.
/// Passed in by whoever starts the node (`binoculars serve`, a test); nothing is read from globals.
public struct NodeConfiguration: Sendable {
    /// Where aggregates live.
    public enum StoreChoice: Sendable, Equatable {
        /// In process memory: lost when the process ends (throwaway runs, tests).
        case memory
        /// A SQLite file on local disk: every committed command survives a crash of the process.
        case sqlite(path: String)
        /// A PostgreSQL database that several nodes share (`postgres://user@host:port/database`): each command is one
        /// transaction there, and every node's views follow the database's outbox.
        case postgres(url: String)
    }

    public var host: String
    public var port: Int
    /// The node's name in logs, metrics and the `node` of a history.
    public var nodeID: String
    public var store: StoreChoice
    public var engine: EngineConfiguration
    /// How often the lease sweeper ends the sessions whose lease is due (M12).
    public var leaseSweepInterval: Duration
    /// Limits on what a client may send.
    public var limits: RequestLimits
    /// How long an idempotency key's answer is kept, and how many are kept at most.
    public var idempotencyRetention: Duration
    public var idempotencyCapacity: Int
    /// With PostgreSQL: how many connections (each on a worker thread) the node opens at most for commands.
    public var databaseConnections: Int = 8
    /// A deliberately broken variant, for tests and `--defect` only; nil in every real deployment.
    public var defect: NodeDefect?
    /// With PostgreSQL: how long a command's answer waits for this node's views to show it (read-your-writes on the
    /// node that ran it); past it the answer goes out all the same.
    public var viewWaitMaximum: Duration = .seconds(2)

    public init(
        host: String = "127.0.0.1", port: Int = 8080, nodeID: String = "node-1", store: StoreChoice = .memory,
        engine: EngineConfiguration = EngineConfiguration(), leaseSweepInterval: Duration = .seconds(1),
        limits: RequestLimits = RequestLimits(), idempotencyRetention: Duration = .seconds(24 * 3600),
        idempotencyCapacity: Int = 100_000
    ) {
        self.host = host
        self.port = port
        self.nodeID = nodeID
        self.store = store
        self.engine = engine
        self.leaseSweepInterval = leaseSweepInterval
        self.limits = limits
        self.idempotencyRetention = idempotencyRetention
        self.idempotencyCapacity = idempotencyCapacity
    }
}

/// Bounds on client input: a request past one is refused with 400 or 413, never stored or crashed on.
public struct RequestLimits: Sendable {
    /// The largest request body, in bytes.
    public var bodyBytesMaximum: Int = 64 * 1024
    /// The longest message body, in characters.
    public var messageCharactersMaximum: Int = 10_000
    /// The longest name, wrap-up code, queue or role name, idempotency key, in characters.
    public var nameCharactersMaximum: Int = 200
    /// The most items in a list a client sends (roles of a user, members, permissions, wrap-up codes).
    public var listCountMaximum: Int = 100
    /// The most records one audit-log or listing request returns.
    public var pageSizeMaximum: Int = 1_000

    public init() {}
}

/// The deliberately broken variants of a live node, each a bug the checks of a live run must catch. Chosen only by
/// tests and `binoculars serve --defect`.
public enum NodeDefect: String, Sendable, CaseIterable {
    /// With PostgreSQL: a start reads its rows without locking them and writes them back without checking their
    /// versions (`SharedStoreDefect.startWithoutLocking`): two starts on two nodes can both be granted (M8).
    case startWithoutLocking
    /// The node neither replays nor keeps answers by `Idempotency-Key`: a retried or duplicated request is applied
    /// again (M10).
    case ignoreIdempotencyKeys
    /// With PostgreSQL: leases are dated and found due by the node's own clock, not the database's
    /// (`SharedStoreDefect.leaseByNodeClock`): a node whose clock is ahead ends sessions early (M12).
    case leaseByNodeClock

    /// What the shared store does differently under this variant.
    var sharedStore: SharedStoreDefect? {
        switch self {
        case .startWithoutLocking: .startWithoutLocking
        case .leaseByNodeClock: .leaseByNodeClock
        case .ignoreIdempotencyKeys: nil
        }
    }
}
