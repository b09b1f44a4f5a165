import Foundation
import LiveServer
import LocalPostgres

/// A private deployment on this machine for `binoculars load --spawn-nodes N`: N node processes of this executable
/// on fixed loopback ports, over an in-memory store (one node), a SQLite file (one node) or a PostgreSQL server of
/// its own (any number). The first node loads the scenario's population and writes the users' tokens. A node can be
/// killed (SIGKILL) and started again on its port; `stop()` ends every process and removes what was made.
final class Deployment: @unchecked Sendable {
    enum Store: String, CaseIterable {
        case memory, sqlite, postgres
    }

    let store: Store
    let directory: URL
    private(set) var postgres: LocalPostgres?
    private(set) var ports: [Int] = []
    private var arguments: [[String]] = []
    private var processes: [Process?] = []
    private let lock = NSLock()

    var urls: [String] { ports.map { "http://127.0.0.1:\($0)" } }
    var tokensPath: String { directory.appendingPathComponent("tokens.json").path }

    /// How long a node may take to say it listens.
    static let startTimeout: TimeInterval = 120

    /// Starts the store and `nodes` nodes, each with `common` arguments; the first loads the population of the
    /// scenario `population` (YAML), kept in the deployment's directory.
    init(nodes: Int, store: Store, population: String, common: [String]) throws {
        self.store = store
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-load-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let scenario = directory.appendingPathComponent("population.yaml").path
        try Data(population.utf8).write(to: URL(fileURLWithPath: scenario))
        let storeArgument: String
        switch store {
        case .memory: storeArgument = "memory"
        case .sqlite: storeArgument = "sqlite:" + directory.appendingPathComponent("node.sqlite").path
        case .postgres:
            let server = try LocalPostgres.start(directory: directory)
            postgres = server
            storeArgument = "postgres:" + server.url
        }
        do {
            for index in 0..<nodes {
                let port = try LocalPostgres.freePort()
                ports.append(port)
                var node = ["serve", "--port", String(port), "--node-id", "node-\(index + 1)", "--store", storeArgument] + common
                if index == 0 { node += ["--directory", scenario, "--tokens", tokensPath] }
                arguments.append(node)
                processes.append(nil)
                try start(index)
            }
        } catch {
            stop()
            throw error
        }
    }

    /// Starts node `index` (again) and waits until it says it listens.
    func start(_ index: Int) throws {
        let process = Process()
        process.executableURL = ClusterSupervisor.ownExecutable()
        process.arguments = arguments[index]
        process.standardInput = FileHandle.nullDevice
        let output = Pipe()
        process.standardOutput = output
        let listening = DispatchSemaphore(value: 0)
        let lines = LineSplitter()
        let name = "node-\(index + 1)"
        output.fileHandleForReading.readabilityHandler = { handle in
            let data = handle.availableData
            if data.isEmpty { handle.readabilityHandler = nil }
            for line in lines.feed(data, ended: data.isEmpty) {
                if line.contains("listening on ") { listening.signal() } else { ClusterSupervisor.complain("\(name): \(line)") }
            }
        }
        try process.run()
        lock.withLock { processes[index] = process }
        guard listening.wait(timeout: .now() + Self.startTimeout) == .success else {
            process.terminate()
            throw DeploymentError("\(name) did not say it was listening within \(Int(Self.startTimeout)) s")
        }
    }

    /// SIGKILL to node `index`; returns once it is gone.
    func kill(_ index: Int) {
        guard let process = lock.withLock({ processes[index] }), process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGSTOP or SIGCONT to node `index`.
    func signal(_ index: Int, _ number: Int32) {
        guard let process = lock.withLock({ processes[index] }), process.isRunning else { return }
        Foundation.kill(process.processIdentifier, number)
    }

    /// Whether node `index` runs.
    func isRunning(_ index: Int) -> Bool { lock.withLock { processes[index]?.isRunning ?? false } }

    /// Ends every node (SIGTERM, then SIGKILL after 5 s), stops PostgreSQL and removes the directory.
    func stop() {
        let running = lock.withLock { processes.compactMap { $0 }.filter(\.isRunning) }
        for process in running { process.terminate() }
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && running.contains(where: \.isRunning) { usleep(20_000) }
        for process in running where process.isRunning {
            Foundation.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
        postgres?.remove()
        try? FileManager.default.removeItem(at: directory)
    }

    /// Runs `work`, which blocks (waits for a process), on a thread of its own rather than one of the few the
    /// run's tasks share, so that the load goes on meanwhile.
    static func offThePool<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            Thread.detachNewThread { continuation.resume(returning: work()) }
        }
    }
}

struct DeploymentError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
