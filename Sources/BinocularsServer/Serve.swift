import ArgumentParser
import Foundation
import LiveServer
import Logging
import MonitoringEngine
import Scenario
import Simulation

/// `binoculars-server` (also reached as `binoculars serve`): one live node over HTTP and WebSocket.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the monitoring engine as a live service on one node.",
        discussion: """
            The API is described at /openapi.json; notifications come over a WebSocket at /api/v2/notifications.
            With --directory, the users, roles and queues of a scenario file's population are loaded at the first
            start, and each user's bearer token is written to --tokens (mode 0600).
            """)

    @Option(help: "The address to listen on (loopback by default).")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on; 0 picks a free one, printed at start.")
    var port = 8080

    @Option(help: "The node's name in logs and metrics.")
    var nodeID = "node-1"

    @Option(
        help: """
            Where aggregates live: memory (lost at exit), sqlite:PATH (durable, one node) or postgres:URL (durable, \
            shared by several nodes; URL is postgres://user[:password]@host[:port]/database).
            """)
    var store = "memory"

    @Option(help: "A scenario file whose population (users, roles, queues) is loaded at the first start.")
    var directory: String?

    @Option(help: "Where to write each loaded user's bearer token, as JSON (mode 0600).")
    var tokens: String?

    @Option(help: "Lease length in seconds (M12).")
    var leaseSeconds: Int64 = 30

    @Option(help: "How often the lease sweeper runs, in milliseconds.")
    var sweepMilliseconds: Int64 = 1000

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel = "info"

    @Option(help: "With postgres:URL, the most connections (each on a worker thread) the node opens for commands.")
    var databaseConnections = 8

    @Option(
        help: """
            A deliberately broken variant, to see a live run's checks catch it; never for a real deployment:
            startWithoutLocking (with postgres:URL), a start reads and writes its rows without locking them;
            ignoreIdempotencyKeys, a retried or duplicated request is applied again; leaseByNodeClock (with postgres:URL), \
            leases are dated and found due by the node's clock, not the database's.
            """)
    var defect: NodeDefect?

    func validate() throws {
        guard (0...65535).contains(port) else { throw ValidationError("--port must be from 0 to 65535") }
        guard leaseSeconds > 0 else { throw ValidationError("--lease-seconds must be positive") }
        guard sweepMilliseconds > 0 else { throw ValidationError("--sweep-milliseconds must be positive") }
        guard (1...256).contains(databaseConnections) else { throw ValidationError("--database-connections must be from 1 to 256") }
        guard store == "memory" || store.hasPrefix("sqlite:") || store.hasPrefix("postgres:") else {
            throw ValidationError("--store must be memory, sqlite:PATH or postgres:URL, not \(store)")
        }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel) is not a level") }
        if tokens != nil && directory == nil { throw ValidationError("--tokens needs --directory") }
        if let defect, defect != .ignoreIdempotencyKeys, !store.hasPrefix("postgres:") {
            throw ValidationError("--defect \(defect.rawValue) needs --store postgres:URL")
        }
    }

    func run() async throws {
        var logger = Logger(label: "binoculars.\(nodeID)")
        logger.logLevel = Logger.Level(rawValue: logLevel) ?? .info
        var settings = NodeConfiguration(
            host: host, port: port, nodeID: nodeID,
            store: storeChoice,
            engine: EngineConfiguration(
                leaseDuration: .seconds(leaseSeconds), renewalInterval: .seconds(max(1, leaseSeconds / 3))),
            leaseSweepInterval: .milliseconds(sweepMilliseconds))
        settings.databaseConnections = databaseConnections
        settings.defect = defect
        let configuration = settings
        let node = try await Node.open(configuration: configuration)
        if let directory {
            let commands = try Self.directoryCommands(from: directory)
            let issued = try await node.load(directory: commands)
            if issued.isEmpty {
                logger.info("the store already holds a directory; nothing loaded, tokens unchanged")
            } else {
                if let tokens { try Self.write(issued, to: tokens) }
                logger.info("directory loaded", metadata: ["users": "\(issued.count)", "from": "\(directory)"])
            }
        }
        let application = buildApplication(node: node, logger: logger) { port in
            // Written at once, unbuffered: a test or a load driver reading it through a pipe learns the port from it.
            FileHandle.standardOutput.write(
                Data("binoculars serve: \(configuration.nodeID) listening on http://\(configuration.host):\(port)\n".utf8))
        }
        try await application.runService()
        await node.close()
    }

    var storeChoice: NodeConfiguration.StoreChoice {
        if store.hasPrefix("sqlite:") { return .sqlite(path: String(store.dropFirst("sqlite:".count))) }
        if store.hasPrefix("postgres:") { return .postgres(url: String(store.dropFirst("postgres:".count))) }
        return .memory
    }

    /// The population of a scenario file as directory commands, with an administrator added (the audit log's
    /// reader and the routing account). A malformed file exits 2 with file:line:column.
    static func directoryCommands(from path: String) throws -> [Command] {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(path: path)
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(2)
        }
        return Population.directoryCommands(for: scenario.configuration, administrator: true)
    }

    /// Writes the tokens where only this user can read them.
    static func write(_ tokens: [UserToken], to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = try encoder.encode(tokens)
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }
}

extension NodeDefect: ExpressibleByArgument {}
