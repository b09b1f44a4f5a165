import AsyncHTTPClient
import Foundation
import Hummingbird
import HummingbirdTesting
import LoadDriver
import Logging
import MonitoringEngine
import Scenario
import Simulation
import Synchronization
import Testing

@testable import LiveServer

/// The live side of the world's gateway: the commands the simulated world's clients sent, sent in the same order to a
/// live node over its API, must get the answers the simulated store gave — the live API is the engine.
@Suite("The world's commands over the live API")
struct LiveCommandsTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Every command the world sent and what the store answered, in order.
    final class Trace: Sendable {
        let entries = Mutex<[(command: Command, answer: Result<Outcome, MonitoringError>)]>([])
    }

    /// Each scenario, and the kinds of command its first fifteen minutes must have compared.
    static let replays: [(file: String, kinds: Set<String>, commands: Int)] = [
        (
            "conferences-transfers.yaml",
            [
                "createConversation", "enqueue", "sendMessage", "alertAgent", "connectAgent", "disconnectAgent", "transfer", "wrapUp",
                "endConversation", "startMonitoring", "stopMonitoring", "renewLease",
            ],
            1_000
        ),
        ("presence-flaps.yaml", ["setPresence", "startMonitoring", "stopMonitoring"], 1_000),
        ("erlang-a.yaml", ["abandon", "createConversation", "alertAgent"], 300),
    ]

    @Test(
        "M6 M8 M10 M11 M17 M18 a simulated run's commands, sent in order to a live node as their clients, get the store's answers",
        arguments: replays.indices)
    func replay(_ which: Int) async throws {
        let (file, expected, minimum) = Self.replays[which]
        var configuration = try ScenarioLoader.load(path: Self.root.appendingPathComponent("Scenarios/ci/\(file)").path).configuration
        configuration.duration = .seconds(900)
        configuration.warmUp = .zero
        let trace = Trace()
        var world = World(configuration: configuration)
        world.trace = { _, command, answer in trace.entries.withLock { $0.append((command, answer)) } }
        #expect(world.run().summary.invariants.held)
        let directory = Population.directoryCommands(for: configuration)
        var entries = trace.entries.withLock { $0 }
        entries.removeFirst(directory.count)
        // The live node's leases run on its own clock, and the replay takes seconds: the comparison stops before the
        // store first ended a session by its lease.
        if let expiry = entries.firstIndex(where: { if case .success(.leasesExpired(let count)) = $0.answer { count > 0 } else { false } }) {
            entries.removeSubrange(expiry...)
        }
        entries.removeAll { if case .expireLeases = $0.command { true } else { false } }
        try #require(entries.count > minimum, "\(file): the run sent \(entries.count) commands")
        let sent = entries

        let node = try await Node.open(configuration: NodeConfiguration(port: 0))
        let tokens = try await node.load(directory: Population.directoryCommands(for: configuration, administrator: true))
        let administrator = try #require(tokens.first { $0.name == "Administrator" }).user
        var logger = Logger(label: "live-commands-test")
        logger.logLevel = .warning
        try await buildApplication(node: node, logger: logger).test(.live) { client in
            let port = try #require(client.port)
            let http = HTTPClient(eventLoopGroupProvider: .singleton)
            let live = try LiveCommands(
                base: "http://127.0.0.1:\(port)", client: http, tokens: tokens.map { ($0.user, $0.name, $0.token) },
                administrator: administrator)
            var kinds = Set<String>()
            var refusals = Set<String>()
            var compared = 0
            for (index, entry) in sent.enumerated() {
                let answer = await live.send(entry.command, timeout: .seconds(120))
                guard case .success(let got) = answer else {
                    Issue.record("command \(index), \(entry.command): \(answer)")
                    break
                }
                guard Self.shape(got) == Self.shape(entry.answer) else {
                    Issue.record("command \(index), \(entry.command): live \(Self.shape(got)), simulated \(Self.shape(entry.answer))")
                    break
                }
                compared += 1
                kinds.insert(String(describing: entry.command).prefix { $0 != "(" }.description)
                if case .failure(let error) = got { refusals.insert(error.code) }
            }
            try await http.shutdown()
            #expect(compared == sent.count, "compared \(compared) of \(sent.count) commands")
            // The kinds of command this scenario's clients send were compared, refusals among them.
            #expect(expected.isSubset(of: kinds), "\(file): compared \(kinds.sorted())")
            // Where supervisors contend, their refusals were compared too.
            if expected.contains("startMonitoring") { #expect(refusals.contains("alreadyMonitored"), "\(file): refusals \(refusals.sorted())") }
        }
    }

    /// An answer without its instants, which differ between the simulated and the live clock.
    static func shape(_ answer: Result<Outcome, MonitoringError>) -> String {
        switch answer {
        case .failure(let error):
            return "refused \(error.code)"
        case .success(.monitoringStarted(let session)):
            return
                "started \(session.id) watching \(session.monitoredParticipant.rawValue) of \(session.monitoredAgent) as \(session.supervisorParticipant.rawValue)"
        case .success(.alreadyMonitoring(let session)):
            return
                "resumed \(session.id) watching \(session.monitoredParticipant.rawValue) of \(session.monitoredAgent) as \(session.supervisorParticipant.rawValue)"
        case .success(.leaseRenewed(let session, _)):
            return "renewed \(session)"
        case .success(let outcome):
            return "\(outcome)"
        }
    }
}
