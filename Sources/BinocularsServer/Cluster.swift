import ArgumentParser
import Foundation
import LocalPostgres
import Logging

/// `binoculars-server cluster` (also `binoculars cluster`): a private cluster in one command — a PostgreSQL
/// server of its own and N nodes over it, stopped together.
struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cluster",
        abstract: "Run a private cluster in one command: a PostgreSQL server of its own and N nodes over it.",
        discussion: """
            Starts PostgreSQL under a temporary directory, then node-1 (which loads --directory, if given), then \
            the other nodes, each `binoculars-server serve --port 0 --store postgres:URL`. It prints, one line \
            each as they come up, `postgres: URL`, `node-K: http://127.0.0.1:PORT`, then `ready`; the nodes' \
            stderr is copied to its own, each line prefixed with the node's name. SIGINT or SIGTERM stops the \
            nodes (SIGTERM, then SIGKILL after 10 seconds), then PostgreSQL; the temporary directory is removed \
            unless --keep or --data. If a node exits on its own, the cluster says which and stops with status 1.
            """)

    @Option(help: "How many nodes (1 to 16).")
    var nodes = 3

    @Option(help: "A scenario file whose population is loaded by the first node at the first start.")
    var directory: String?

    @Option(help: "Where the first node writes each loaded user's bearer token, as JSON (mode 0600).")
    var tokens: String?

    @Option(help: "Lease length in seconds, for every node.")
    var leaseSeconds: Int64 = 30

    @Option(help: "How often each node's lease sweeper runs, in milliseconds.")
    var sweepMilliseconds: Int64 = 1000

    @Option(help: "The nodes' log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "The most database connections each node opens for commands.")
    var databaseConnections = 8

    @Option(help: "A directory under which PostgreSQL's directory is made, and kept (default: a temporary one).")
    var data: String?

    @Flag(help: "Keep PostgreSQL's directory at exit (its path is printed).")
    var keep = false

    func validate() throws {
        guard (1...16).contains(nodes) else { throw ValidationError("--nodes must be from 1 to 16") }
        guard leaseSeconds > 0 else { throw ValidationError("--lease-seconds must be positive") }
        guard sweepMilliseconds > 0 else { throw ValidationError("--sweep-milliseconds must be positive") }
        guard (1...256).contains(databaseConnections) else { throw ValidationError("--database-connections must be from 1 to 256") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
        if tokens != nil && directory == nil { throw ValidationError("--tokens needs --directory") }
    }

    func run() throws {
        let supervisor = ClusterSupervisor()
        let status = supervisor.run(
            nodes: nodes,
            common: [
                "--lease-seconds", "\(leaseSeconds)", "--sweep-milliseconds", "\(sweepMilliseconds)", "--log-level",
                logLevel, "--database-connections", "\(databaseConnections)",
            ],
            first: (directory.map { ["--directory", $0] } ?? []) + (tokens.map { ["--tokens", $0] } ?? []),
            data: data.map { URL(fileURLWithPath: $0) }, keep: keep || data != nil)
        if status != 0 { throw ExitCode(status) }
    }
}

/// Starts PostgreSQL and the nodes, waits for a signal or for a node to exit, and stops them all: every way out
/// of `run` goes through `stopAll`, so no node and no PostgreSQL server outlives the command (short of SIGKILL).
final class ClusterSupervisor: @unchecked Sendable {
    enum Event {
        case listening(node: Int, url: String)
        case exited(node: Int, status: Int32, signaled: Bool)
        case signal(Int32)
    }

    private let condition = NSCondition()
    private var events: [Event] = []
    private var children: [Int: Process] = [:]
    private var drained: [Int: DispatchGroup] = [:]
    private var postgres: LocalPostgres?
    private var signalSources: [DispatchSourceSignal] = []
    private let signalQueue = DispatchQueue(label: "binoculars.cluster.signals")

    /// How long a node may take to print that it listens (loading a large population takes a while).
    static let startTimeout: TimeInterval = 300
    /// How long the nodes have to stop after SIGTERM before SIGKILL.
    static let stopTimeout: TimeInterval = 10

    func run(nodes: Int, common: [String], first: [String], data: URL?, keep: Bool) -> Int32 {
        installSignalHandlers()
        var status: Int32 = 0
        do {
            let server = try LocalPostgres.start(directory: data)
            condition.withLock { postgres = server }
            if let stop = pendingSignal() { return stopAll(status: 0, reason: "stopping (\(Self.name(of: stop)))", keep: keep) }
            Self.say("postgres: \(server.url)")
            let executable = Self.ownExecutable()
            for index in 1...nodes {
                let name = "node-\(index)"
                var arguments = ["serve", "--port", "0", "--node-id", name, "--store", "postgres:\(server.url)"] + common
                if index == 1 { arguments += first }
                try spawn(index: index, executable: executable, arguments: arguments)
                let deadline = Date().addingTimeInterval(Self.startTimeout)
                waiting: while true {
                    guard let event = nextEvent(until: deadline) else {
                        return stopAll(
                            status: 1, reason: "\(name) did not say it was listening within \(Int(Self.startTimeout)) s",
                            keep: keep)
                    }
                    switch event {
                    case .listening(let node, let url) where node == index:
                        Self.say("\(name): \(url)")
                        break waiting
                    case .listening:
                        continue
                    case .exited(let node, let code, let signaled):
                        waitForStderr(of: node)
                        return stopAll(
                            status: 1,
                            reason: "node-\(node) \(Self.describe(code, signaled)) before it was listening"
                                + " (its errors are above, prefixed node-\(node))",
                            keep: keep)
                    case .signal(let number):
                        return stopAll(status: 0, reason: "stopping (\(Self.name(of: number)))", keep: keep)
                    }
                }
            }
            Self.say("ready")
            while true {
                switch nextEvent(until: nil) {
                case .exited(let node, let code, let signaled):
                    waitForStderr(of: node)
                    return stopAll(status: 1, reason: "node-\(node) \(Self.describe(code, signaled)) unexpectedly", keep: keep)
                case .signal(let number):
                    return stopAll(status: 0, reason: "stopping (\(Self.name(of: number)))", keep: keep)
                case .listening, nil:
                    continue
                }
            }
        } catch {
            status = stopAll(status: 1, reason: "\(error)", keep: keep)
        }
        return status
    }

    // MARK: Stopping

    /// SIGTERM to every node, SIGKILL to those left after `stopTimeout`, then PostgreSQL stopped fast (and its
    /// directory removed unless `keep`). Returns `status`.
    private func stopAll(status: Int32, reason: String, keep: Bool) -> Int32 {
        Self.complain(reason)
        let running = condition.withLock { children.filter { $0.value.isRunning } }
        for (_, process) in running { kill(process.processIdentifier, SIGTERM) }
        let deadline = Date().addingTimeInterval(Self.stopTimeout)
        while Date() < deadline && running.contains(where: { $0.value.isRunning }) { usleep(20_000) }
        for (index, process) in running.sorted(by: { $0.key < $1.key }) where process.isRunning {
            Self.complain("node-\(index) still running after \(Int(Self.stopTimeout)) s: SIGKILL")
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        for (index, _) in running { waitForStderr(of: index) }
        if let server = condition.withLock({ postgres }) {
            if keep {
                do {
                    try server.stop(mode: .fast)
                } catch {
                    Self.complain("\(error)")
                    server.shutdown()
                }
                Self.complain("PostgreSQL stopped; its directory is kept at \(server.directory.path)")
            } else {
                server.remove()
            }
        }
        return status
    }

    // MARK: Nodes

    private func spawn(index: Int, executable: URL, arguments: [String]) throws {
        let name = "node-\(index)"
        let process = Process()
        process.executableURL = executable
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        let group = DispatchGroup()
        group.enter()
        // stdout: the first line says where the node listens; later lines are copied to stderr like the logs.
        let stdoutLines = LineSplitter()
        output.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            let first = stdoutLines.given == 0
            for (offset, line) in stdoutLines.feed(data, ended: data.isEmpty).enumerated() {
                if first && offset == 0 {
                    if let range = line.range(of: "listening on ") {
                        self?.post(.listening(node: index, url: String(line[range.upperBound...])))
                        continue
                    }
                }
                Self.complain("\(name): \(line)")
            }
        }
        let stderrLines = LineSplitter()
        errors.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty {
                handle.readabilityHandler = nil
            }
            for line in stderrLines.feed(data, ended: data.isEmpty) { Self.complain("\(name): \(line)") }
            if data.isEmpty { group.leave() }
        }
        process.terminationHandler = { [weak self] process in
            self?.post(
                .exited(
                    node: index, status: process.terminationStatus,
                    signaled: process.terminationReason == .uncaughtSignal))
        }
        try condition.withLock {
            drained[index] = group
            try process.run()
            children[index] = process
        }
    }

    /// Waits (a second at most) until a node's stderr has been copied, so its last words come before ours.
    private func waitForStderr(of index: Int) {
        _ = condition.withLock { drained[index] }?.wait(timeout: .now() + 1)
    }

    // MARK: Events

    private func post(_ event: Event) {
        condition.withLock {
            events.append(event)
            condition.broadcast()
        }
    }

    /// The next event, or nil past `deadline` (none: wait as long as it takes).
    private func nextEvent(until deadline: Date?) -> Event? {
        condition.withLock {
            while events.isEmpty {
                if let deadline {
                    if !condition.wait(until: deadline) { return nil }
                } else {
                    // Not wait(until: .distantFuture), which traps converting it to a timespec.
                    condition.wait()
                }
            }
            return events.removeFirst()
        }
    }

    private func pendingSignal() -> Int32? {
        condition.withLock {
            for event in events { if case .signal(let number) = event { return number } }
            return nil
        }
    }

    /// SIGINT and SIGTERM become events. They are caught by a handler that does nothing (not ignored), so that
    /// the nodes, which inherit ignored signals but not caught ones, still stop on SIGTERM before they install
    /// their own handlers.
    private func installSignalHandlers() {
        let nothing: @convention(c) (Int32) -> Void = { _ in }
        for number in [SIGINT, SIGTERM] {
            signal(number, nothing)
            let source = DispatchSource.makeSignalSource(signal: number, queue: signalQueue)
            source.setEventHandler { [weak self] in self?.post(.signal(number)) }
            source.resume()
            signalSources.append(source)
        }
    }

    // MARK: Output

    /// One line on stdout, written at once (a reader through a pipe sees it without waiting for a buffer).
    static func say(_ line: String) {
        FileHandle.standardOutput.write(Data((line + "\n").utf8))
    }

    static func complain(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }

    static func describe(_ status: Int32, _ signaled: Bool) -> String {
        signaled ? "was killed by signal \(status)" : "exited with status \(status)"
    }

    static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        default: "signal \(signal)"
        }
    }

    /// This program's own executable, to start the nodes with: /proc/self/exe, else argv[0] resolved.
    static func ownExecutable() -> URL {
        if let path = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") {
            return URL(fileURLWithPath: path)
        }
        let argument = CommandLine.arguments[0]
        if argument.contains("/") { return URL(fileURLWithPath: argument).resolvingSymlinksInPath() }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        for directory in path.split(separator: ":") {
            let candidate = URL(fileURLWithPath: String(directory)).appendingPathComponent(argument)
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate.resolvingSymlinksInPath() }
        }
        return URL(fileURLWithPath: argument)
    }
}

/// Splits chunks of bytes into lines; the last, unterminated one is given when the stream ends.
final class LineSplitter: @unchecked Sendable {
    private var buffer = Data()
    /// How many lines `feed` has given so far.
    private(set) var given = 0

    func feed(_ data: Data, ended: Bool) -> [String] {
        buffer.append(data)
        var lines: [String] = []
        while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
            lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
            buffer.removeSubrange(buffer.startIndex...newline)
        }
        if ended && !buffer.isEmpty {
            lines.append(String(decoding: buffer, as: UTF8.self))
            buffer.removeAll()
        }
        given += lines.count
        return lines
    }
}
