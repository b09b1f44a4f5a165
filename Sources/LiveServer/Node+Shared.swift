import Foundation
import Logging
import MonitoringEngine
import PostgresNIO
import SharedStore
import StoredRows

// A node on a PostgreSQL database that other nodes share (docs/shared-store.md). The database is the store: each
// command is one transaction there (`SharedDatabase.apply`), run at the database's clock, its answer committed under
// its idempotency key with it. The node's engine is a mirror for its views and for the checks of who may do what,
// kept current from the outbox: every node, the one that ran a command included, learns of it there, installs the
// rows it changed, feeds its events to the read model and the audit log, and notifies its own sockets.

extension Node {
    /// A node over the store `configuration` names, ready to serve: with PostgreSQL, connected, the schema migrated,
    /// and the mirror caught up with the outbox.
    public static func open(configuration: NodeConfiguration, clock: NodeClock = .system) async throws -> Node {
        guard case .postgres(let url) = configuration.store else { return try Node(configuration: configuration, clock: clock) }
        let location = try DatabaseLocation(url: url)
        let shared = try await SharedDatabase(
            location: location, nodeID: configuration.nodeID, configuration: configuration.engine,
            connections: configuration.databaseConnections, defect: configuration.defect?.sharedStore)
        let node = try Node(configuration: configuration, clock: clock, shared: shared)
        try await node.startFollowing(location)
        return node
    }

    /// Reads the outbox to its end, then keeps following it: woken by `NOTIFY`, and every `pollInterval` whatever
    /// happens (a notification is lost when the listening connection is).
    func startFollowing(_ location: DatabaseLocation) async throws {
        let following = OutboxFollowing(reader: OutboxReader(location: location))
        self.following = following
        var tokens: [String: Principal] = [:]
        for (hash, subject) in try await shared?.tokens() ?? [] { tokens[hash] = Principal(subject) }
        self.tokens.merge(tokens) { old, _ in old }
        while try await readOutbox(publishing: false) {}
        following.tasks.append(Task { [weak self] in await self?.follow() })
        following.tasks.append(Task { await OutboxReader.listen(location) { following.wake.yield() } })
    }

    /// The follower's loop: one read of the outbox per wake or poll interval.
    private func follow() async {
        guard let following else { return }
        var wakes = following.wakes.makeAsyncIterator()
        while !Task.isCancelled {
            do {
                while try await readOutbox(publishing: true) {}
            } catch {
                // The database is away (restarting): read again at the next wake.
                logger.warning("reading the outbox failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            // Whichever comes first: a notification, or the poll interval.
            let poll = Task { [wake = following.wake] in
                // Cancelled when a notification came first: then it must not wake the next wait.
                guard (try? await Task.sleep(for: OutboxFollowing.pollInterval)) != nil else { return }
                wake.yield()
            }
            _ = await wakes.next()
            poll.cancel()
        }
    }

    /// One read of the outbox applied to the mirror, the read model and the audit log, and published to this
    /// node's sockets; returns whether a full page came (read again at once).
    @discardableResult
    func readOutbox(publishing: Bool) async throws -> Bool {
        guard let following else { return false }
        // One read at a time: a second caller waits for the read in flight rather than reading the same entries.
        while following.reading { await withCheckedContinuation { following.readWaiters.append($0) } }
        following.reading = true
        defer { following.finishRead() }
        let (batch, cursor) = try await following.reader.read(after: following.cursor, installed: following.installed)
        following.installed = following.installed.filter { $0 > cursor.sequence }
        engine.install(batch.rows)
        for entry in batch.entries {
            audit.append(entry.events)
            readModel.apply(entry.events)
            // History read at start is not staleness of a view anyone was shown; from then on every entry's lag is.
            guard publishing else { continue }
            let lag = Duration.nanoseconds(max(batch.databaseNow.nanoseconds - entry.instant.nanoseconds, 0))
            notifications.publish(events: entry.events, deliveries: entry.deliveries, lag: lag)
            metrics.viewApplied(sequence: entry.sequence, lag: lag)
        }
        following.cursor = cursor
        following.resume(through: cursor.sequence)
        following.clockOffset = batch.databaseNow.nanoseconds - clock.now().nanoseconds
        return batch.more
    }

    /// Returns once this node's views show the outbox up to `sequence`, or after `viewWaitMaximum`.
    func viewsShow(_ sequence: Int64) async {
        guard let following, following.cursor.sequence < sequence else { return }
        following.wake.yield()
        let id = following.nextWaiter()
        let limit = configuration.viewWaitMaximum
        let timeout = Task { [weak self] in
            try? await Task.sleep(for: limit)
            await self?.stopWaiting(id)
        }
        await withCheckedContinuation { following.wait(id, for: sequence, $0) }
        timeout.cancel()
    }

    /// The aggregates a command of this node committed, into the mirror at once (newer versions only, so it never
    /// goes back); its outbox entry then brings only its events, not its rows to read back and decode again.
    private func installCommitted(_ rows: ReplicatedRows, sequence: Int64?) {
        engine.install(rows)
        if let sequence, let following, sequence > following.cursor.sequence { following.installed.insert(sequence) }
    }

    /// A request's wait for the views is over (its time is up), if it still waits. On the actor, like every other
    /// change of the follower's state.
    private func stopWaiting(_ id: Int) { following?.resume(id) }

    /// Best effort: a database that cannot say its head leaves the mirror as it is, and the check answers from it.
    func catchUp() async {
        guard let following, let head = try? await following.reader.head() else { return }
        await viewsShow(head)
    }

    // MARK: Commands

    func performShared(_ request: CommandRequest, on shared: SharedDatabase) async throws -> (answer: Answer, replayed: Bool) {
        let command: Command
        do {
            command = try buildCommand(request)
        } catch {
            // The mirror may not know yet what another node just created: look again once caught up.
            await catchUp()
            do {
                command = try buildCommand(request)
            } catch let failure as ServiceFailure {
                return (.failure(failure), false)
            } catch let error as MonitoringError {
                return (.refusal(error), false)
            }
        }
        let principalKey = request.principal.map(\.key) ?? "guest"
        let issue = request.issuesToken
        let render = request.render
        var sharedCommand = SharedCommand(
            command: command, idempotency: request.idempotencyKey.map { (principalKey, $0, request.fingerprint) }
        ) { result in
            switch result {
            case .success(let outcome):
                guard let issue else {
                    let answer = render(outcome, nil)
                    return SharedAnswer(status: answer.status, body: Array(answer.body), token: nil)
                }
                let text = BearerToken.issue()
                let answer = render(outcome, text)
                return SharedAnswer(
                    status: answer.status, body: Array(answer.body),
                    token: (BearerToken.hash(text), issue.principal(for: outcome).subject))
            case .failure(let error):
                let answer = Answer.refusal(error)
                return SharedAnswer(status: answer.status, body: Array(answer.body), token: nil)
            }
        }
        // Only the broken variant decides by the node's clock; a correct node reads no clock per command.
        if configuration.defect == .leaseByNodeClock { sharedCommand.nodeInstant = clock.now() }
        switch try await applyShared(sharedCommand, on: shared) {
        case .replayed(let stored):
            guard stored.fingerprint == request.fingerprint else { return (.failure(.idempotencyKeyReused), false) }
            return (Answer(status: stored.status, body: Data(stored.body)), true)
        case .applied(let applied, let status, let body, let sequence, _, let rows):
            installCommitted(rows, sequence: sequence)
            metrics.record(applied.events)
            if let sequence { await viewsShow(sequence) }
            return (Answer(status: status, body: Data(body)), false)
        }
    }

    private var logger: Logger { Logger(label: "binoculars.\(configuration.nodeID)") }

    private func buildCommand(_ request: CommandRequest) throws -> Command { try request.command(engine) }

    /// The database's answer, or 503 when it cannot give one: it is away (restarting), or refused the command for
    /// contention past the retry budget. Either is safe to retry with the same idempotency key.
    private func applyShared(_ command: SharedCommand, on shared: SharedDatabase) async throws -> SharedApplied {
        do {
            return try await shared.apply(command)
        } catch {
            // PostgreSQL's own message stays in the node's log; the client learns the class of failure and to retry.
            let state = (error as? PSQLError)?.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            logger.warning("the shared store did not commit a command", metadata: ["error": "\(String(reflecting: error))"])
            throw ServiceFailure(
                status: 503, code: "storeUnavailable",
                message: "the shared store did not commit the command\(state); retry with the same Idempotency-Key")
        }
    }

    func expireLeasesShared(on shared: SharedDatabase) async throws -> Int {
        try await shared.pruneAnswers(olderThan: retentionNanoseconds)
        var sweep = SharedCommand(command: .expireLeases, idempotency: nil) { _ in SharedAnswer(status: 200, body: [], token: nil) }
        if configuration.defect == .leaseByNodeClock { sweep.nodeInstant = clock.now() }
        guard case .applied(let applied, _, _, let sequence, _, let rows) = try await applyShared(sweep, on: shared),
            case .success(.leasesExpired(let count)) = applied.result
        else { return 0 }
        installCommitted(rows, sequence: sequence)
        metrics.record(applied.events)
        return count
    }

    /// The directory, loaded by the first node of a deployment to find the database without users.
    func loadShared(directory: [Command], into shared: SharedDatabase) async throws -> [UserToken] {
        guard try await !shared.hasUsers() else { return [] }
        var issued: [UserToken] = []
        for command in directory {
            var text: String?
            if case .addUser = command { text = BearerToken.issue() }
            let token = text
            let load = SharedCommand(command: command, idempotency: nil) { result in
                guard case .success = result, case .addUser(let user) = command, let token else {
                    return SharedAnswer(status: 200, body: [], token: nil)
                }
                return SharedAnswer(status: 201, body: [], token: (BearerToken.hash(token), .user(user.id)))
            }
            guard case .applied(let applied, _, _, let sequence, _, let rows) = try await shared.apply(load) else { continue }
            installCommitted(rows, sequence: sequence)
            if case .failure(let error) = applied.result {
                throw ServiceFailure(
                    status: 500, code: "directoryRefused", message: "loading the directory: \(command) was refused: \(error)")
            }
            if case .addUser(let user) = command, let token {
                tokens[BearerToken.hash(token)] = .user(user.id)
                issued.append(UserToken(user: user.id, name: user.displayName, token: token))
            }
            if let sequence, command == directory.last { await viewsShow(sequence) }
        }
        return issued
    }

    /// Stops following the outbox and closes the database's connections.
    public func close() {
        following?.tasks.forEach { $0.cancel() }
        following?.reader.shutdown()
        shared?.shutdown()
    }
}

/// How a node follows the shared outbox: its reader and cursor, the wake-ups, the tasks. Its state is changed only
/// from the node's actor.
final class OutboxFollowing: @unchecked Sendable {
    /// How often the outbox is read when no notification comes.
    static let pollInterval: Duration = .milliseconds(250)

    let reader: OutboxReader
    /// Changed only on the node's actor.
    var cursor = OutboxCursor()
    /// This process's own commands not yet read from the outbox, whose rows the mirror has already.
    var installed = Set<Int64>()
    /// The database's clock minus the node's, as the last read measured it (off by that read's latency at most).
    var clockOffset: Int64 = 0
    var reading = false
    var readWaiters: [CheckedContinuation<Void, Never>] = []
    var tasks: [Task<Void, Never>] = []
    let wakes: AsyncStream<Void>
    let wake: AsyncStream<Void>.Continuation

    init(reader: OutboxReader) {
        self.reader = reader
        (wakes, wake) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Requests waiting for the views to reach a sequence number, by id.
    private var viewWaiters: [Int: (sequence: Int64, continuation: CheckedContinuation<Void, Never>)] = [:]
    private var lastWaiter = 0

    func nextWaiter() -> Int {
        lastWaiter += 1
        return lastWaiter
    }

    func wait(_ id: Int, for sequence: Int64, _ continuation: CheckedContinuation<Void, Never>) {
        if cursor.sequence >= sequence { continuation.resume() } else { viewWaiters[id] = (sequence, continuation) }
    }

    /// Resumes one waiter (its time is up), if it still waits.
    func resume(_ id: Int) { viewWaiters.removeValue(forKey: id)?.continuation.resume() }

    /// Resumes every waiter the views have now reached.
    func resume(through sequence: Int64) {
        for (id, waiter) in viewWaiters where waiter.sequence <= sequence {
            viewWaiters[id] = nil
            waiter.continuation.resume()
        }
    }

    func finishRead() {
        reading = false
        let waiters = readWaiters
        readWaiters = []
        for waiter in waiters { waiter.resume() }
    }
}
