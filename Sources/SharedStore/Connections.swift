import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// Where a shared database is: a `postgres://user[:password]@host[:port]/database` URL, as `--store postgres:URL` and
/// libpq's tools spell it. TLS is not offered: the nodes and the database are on one private network (docs/shared-store.md).
public struct DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String

    public init(url text: String) throws {
        guard let url = URLComponents(string: text), url.scheme == "postgres" || url.scheme == "postgresql",
            let host = url.host, !host.isEmpty, let user = url.user, !user.isEmpty
        else {
            throw SharedStoreError.badLocation("\(text) is not a postgres://user@host[:port]/database URL")
        }
        let database = String(url.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty else { throw SharedStoreError.badLocation("\(text) names no database after the host") }
        self.host = host
        self.port = url.port ?? 5432
        self.user = user
        self.password = url.password
        self.database = database
    }

    /// The URL without its password.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    var configuration: PostgresConnection.Configuration {
        PostgresConnection.Configuration(host: host, port: port, username: user, password: password, database: database, tls: .disable)
    }
}

/// What went wrong with the shared database, in words a deployer can act on.
public enum SharedStoreError: Error, CustomStringConvertible, Equatable {
    case badLocation(String)
    /// A versioned row was not at the version the command loaded: only possible if its lock was not held.
    case lostUpdate(table: String, id: UInt64, loadedVersion: UInt64?)
    /// What the plan read unlocked changed before its rows were locked; the command is tried again.
    case stalePlan(String)
    case idOutOfRange(UInt64)
    /// A row the store did not write in a form it reads.
    case corruptRow(table: String, String)
    /// The database kept refusing a command with serialization failures or deadlocks past the retry budget.
    case contended(attempts: Int, lastState: String)
    /// Too many commands already wait for a connection.
    case overloaded(waiting: Int)
    /// The connection was lost, or a statement went unanswered past `BlockingConnection.statementTimeout`.
    case connectionLost

    public var description: String {
        switch self {
        case .badLocation(let text): "the shared store's location: \(text)"
        case .lostUpdate(let table, let id, let loaded):
            "lost update: \(table) \(id) is no longer at version \(loaded.map(String.init) ?? "absent") it was loaded at"
        case .stalePlan(let what): "the command's plan went stale before its rows were locked: \(what)"
        case .idOutOfRange(let id): "id \(id) is past the database's signed 64-bit range"
        case .corruptRow(let table, let what): "a row of \(table) the store did not write: \(what)"
        case .contended(let attempts, let state):
            "the database refused the command \(attempts) times (SQLSTATE \(state): serialization failure or deadlock)"
        case .overloaded(let waiting): "\(waiting) commands already wait for a database connection"
        case .connectionLost: "the connection to the database was lost"
        }
    }
}

/// One PostgreSQL connection used synchronously, from one worker thread: each query waits for its answer. The store
/// seam's steps are synchronous (one definition of plan, lock, apply, commit for every store), so a shared database's
/// commands run on threads of their own — never on the event loops — each with its connection (`WorkerPool`).
final class BlockingConnection: @unchecked Sendable {
    private let connection: PostgresConnection
    private let logger: Logger
    /// What the code using this connection keeps with it from job to job (one worker thread uses it at a time).
    var attachment: AnyObject?

    /// Opens a connection, waiting at most `connectTimeout` (a server shutting down may accept a connection and never
    /// answer it); a connection that opens after that is closed at once.
    init(location: DatabaseLocation, id: Int, logger: Logger, statementTimeout: DispatchTimeInterval = .seconds(30)) throws {
        let opening = PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: location.configuration, id: id, logger: logger)
        let done = DispatchSemaphore(value: 0)
        let outcome = ConnectionBox()
        opening.whenComplete { result in
            outcome.result = result
            done.signal()
        }
        guard done.wait(timeout: .now() + Self.connectTimeout) == .success, let result = outcome.result else {
            opening.whenSuccess { $0.close().whenComplete { _ in } }
            throw SharedStoreError.connectionLost
        }
        connection = try result.get()
        self.logger = logger
        self.statementTimeout = statementTimeout
    }

    /// The longest a connection may take to open.
    static let connectTimeout: DispatchTimeInterval = .seconds(5)

    /// Closed by the server, or given up on here: the worker opens a new connection for its next job.
    var isClosed: Bool { broken || connection.isClosed }
    private var broken = false

    /// The longest one statement is waited for (lock waits included), past which the connection is given up on.
    let statementTimeout: DispatchTimeInterval

    /// Runs one statement and waits for its answer — at most `statementTimeout`: a connection the database dropped
    /// in the middle of a restart may never answer, and a worker must not wait on it for ever. Any failure that is
    /// not the server's own refusal (a lost connection, a time-out) marks the connection broken, so nothing more is
    /// sent on it (not even a `ROLLBACK`: the server rolls back what a lost connection left open).
    @discardableResult
    func query(_ query: PostgresQuery) throws -> PostgresQueryResult { try wait(send(query)) }

    /// Queues a statement without waiting for its answer: the connection runs its statements one after another, so a
    /// worker that sends several and waits once (`wait(_:)`) is woken once, not once per statement.
    func send(_ query: PostgresQuery) throws -> EventLoopFuture<PostgresQueryResult> {
        guard !isClosed else { throw SharedStoreError.connectionLost }
        return connection.query(query, logger: logger)
    }

    /// The answer to a statement sent, waited for at most `statementTimeout`.
    func wait(_ future: EventLoopFuture<PostgresQueryResult>) throws -> PostgresQueryResult {
        let done = DispatchSemaphore(value: 0)
        let outcome = ResultBox()
        future.whenComplete { result in
            outcome.result = result
            done.signal()
        }
        guard done.wait(timeout: .now() + statementTimeout) == .success, let result = outcome.result else {
            broken = true
            connection.close().whenComplete { _ in }
            throw SharedStoreError.connectionLost
        }
        do {
            return try result.get()
        } catch let error as PSQLError where error.serverInfo != nil {
            throw error
        } catch {
            broken = true
            throw error
        }
    }

    /// A statement with dynamic text, queued without waiting (see `send(_:)`).
    func send(unsafeSQL sql: String, _ values: [(any PostgresEncodable & Sendable)?]) throws -> EventLoopFuture<PostgresQueryResult> {
        var binds = PostgresBindings(capacity: values.count)
        for value in values {
            if let value { try binds.append(value) } else { binds.appendNull() }
        }
        return try send(PostgresQuery(unsafeSQL: sql, binds: binds))
    }

    /// A statement with dynamic text (a table's name) and its bound values.
    @discardableResult
    func query(unsafeSQL sql: String, _ values: [(any PostgresEncodable & Sendable)?]) throws -> PostgresQueryResult {
        try wait(send(unsafeSQL: sql, values))
    }

    /// Several statements in one text, each ending with `;` at the end of a line, run one after another (the
    /// extended protocol takes one statement at a time). For the schema's own scripts, which quote no `;`.
    func execute(script: String) throws {
        for statement in script.components(separatedBy: ";\n") {
            let text = statement.trimmingCharacters(in: .whitespacesAndNewlines).trimmingCharacters(in: CharacterSet(charactersIn: ";"))
            if !text.isEmpty { try query(unsafeSQL: text, []) }
        }
    }

    /// Rows a statement changed (`UPDATE`, `DELETE`, `INSERT`).
    func changed(by result: PostgresQueryResult) -> Int { result.metadata.rows ?? 0 }

    func close() { try? connection.close().wait() }
}

/// Where a statement's answer lands for the worker waiting on it (written before the semaphore is signalled).
private final class ResultBox: @unchecked Sendable {
    var result: Result<PostgresQueryResult, any Error>?
}

/// Where an opening connection lands for the worker waiting on it.
private final class ConnectionBox: @unchecked Sendable {
    var result: Result<PostgresConnection, any Error>?
}

/// A bounded pool of worker threads, each owning one connection, that run jobs off the caller's task: the bound on
/// connections a node opens (`size`), and on the commands that may wait for one (`queueMaximum`, past which a job is
/// refused at once with `overloaded` rather than queued without end). A broken connection (the database restarted)
/// fails its job and is opened again for the next.
final class WorkerPool: @unchecked Sendable {
    typealias Job = (Result<BlockingConnection, any Error>) -> Void

    let location: DatabaseLocation
    let size: Int
    let queueMaximum: Int
    let statementTimeout: DispatchTimeInterval
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var jobsStart = 0
    private var stopping = false
    private var threads: [Thread] = []
    private let logger: Logger

    init(
        location: DatabaseLocation, size: Int, queueMaximum: Int = 10_000, statementTimeout: DispatchTimeInterval = .seconds(30),
        logger: Logger
    ) {
        self.location = location
        self.statementTimeout = statementTimeout
        self.size = size
        self.queueMaximum = queueMaximum
        self.logger = logger
        for index in 0..<size {
            // The thread holds the pool until it ends (after `shutdown`), so the pool never goes while a worker runs.
            let thread = Thread { [self] in self.work(index) }
            thread.name = "binoculars.postgres.\(index)"
            thread.start()
            threads.append(thread)
        }
    }

    /// Runs `job` on a worker with its connection and returns what it returns.
    func run<T: Sendable>(_ job: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            condition.lock()
            defer { condition.unlock() }
            let waiting = jobs.count - jobsStart
            guard waiting < queueMaximum, !stopping else {
                continuation.resume(throwing: SharedStoreError.overloaded(waiting: waiting))
                return
            }
            jobs.append { connection in continuation.resume(with: Result { try job(connection.get()) }) }
            condition.signal()
        }
    }

    /// Stops the workers once the jobs already queued are done.
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        condition.unlock()
    }

    private func nextJob() -> Job? {
        condition.lock()
        defer { condition.unlock() }
        while jobsStart == jobs.count {
            if stopping { return nil }
            condition.wait()
        }
        let job = jobs[jobsStart]
        jobsStart += 1
        if jobsStart > 256 && jobsStart * 2 > jobs.count {
            jobs.removeFirst(jobsStart)
            jobsStart = 0
        }
        return job
    }

    private func work(_ index: Int) {
        var connection: BlockingConnection?
        while let job = nextJob() {
            if connection?.isClosed ?? true {
                connection = nil
                do {
                    connection = try BlockingConnection(
                        location: location, id: index, logger: logger, statementTimeout: statementTimeout)
                } catch {
                    job(.failure(error))
                    continue
                }
            }
            job(.success(connection!))
        }
        connection?.close()
    }
}
