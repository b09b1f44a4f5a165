import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

/// The `binoculars-server` process itself, on the embedded SQLite store, killed with SIGKILL and started again.
@Suite("A node killed with SIGKILL and restarted", .serialized)
struct RestartTests {
    @Test("M12 a restart after SIGKILL loses no acknowledged command and resumes the active session and its lease")
    func killAndRestart() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-restart-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let arguments = [
            "--port", "0", "--store", "sqlite:\(work.appendingPathComponent("node.sqlite").path)", "--directory",
            ServerProcess.root.appendingPathComponent("Scenarios/monitor-stampede.yaml").path, "--tokens",
            work.appendingPathComponent("tokens.json").path, "--log-level", "warning",
        ]
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        defer { _ = http.shutdown() }

        var server = try await ServerProcess.start(arguments)
        let tokens = try JSONDecoder().decode([TokenEntry].self, from: Data(contentsOf: work.appendingPathComponent("tokens.json")))
        let attributes = try FileManager.default.attributesOfItem(atPath: work.appendingPathComponent("tokens.json").path)
        #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == 0o600, "the token file is readable by its owner only")
        let admin = try #require(tokens.first { $0.name == "Administrator" }).token
        let agent = try #require(tokens.first { $0.name == "agents 1" })
        let supervisor = try #require(tokens.first { $0.name == "floor 1" }).token
        let other = try #require(tokens.first { $0.name == "floor 2" }).token

        var node = Client(http: http, port: server.port)
        let created = try await node.call("POST", "/api/v2/conversations/messages", #"{"channel": {"type": "webMessaging"}, "customerName": "Ann"}"#)
        let id = try #require(created.json["conversationId"] as? Int)
        let base = "/api/v2/conversations/messages/\(id)"
        _ = try await node.call("POST", base + "/queue", #"{"queueId": 1}"#, token: admin)
        let alerted = try await node.call("POST", base + "/alerts", #"{"userId": \#(agent.user)}"#, token: admin)
        let participant = try #require(alerted.json["participant"] as? Int)
        #expect(try await node.call("POST", base + "/participants/\(participant)/connect", token: agent.token).status == 200)
        let started = try await node.call("POST", base + "/monitor", "{}", token: supervisor, key: "start-once")
        #expect(started.status == 201)

        // Messages go one after another while the process is killed: every one acknowledged must survive.
        var acknowledged: [String] = []
        let progress = Progress()
        let sender = Task { [node] in
            var sent: [String] = []
            for index in 0..<2_000 {
                let body = "message \(index)"
                guard
                    let reply = try? await node.call(
                        "POST", base + "/participants/\(participant)/messages", #"{"body": "\#(body)"}"#, token: agent.token),
                    reply.status == 200
                else { break }
                sent.append(body)
                await progress.count()
            }
            return sent
        }
        // Killed once some messages are acknowledged (however slow the machine is), while more are on the way.
        let waitingSince = ContinuousClock.now
        while await progress.acknowledged < 20, ContinuousClock.now - waitingSince < .seconds(60) {
            try await Task.sleep(for: .milliseconds(20))
        }
        server.kill()
        acknowledged = await sender.value
        #expect(acknowledged.count > 5, "messages were acknowledged before the kill")

        server = try await ServerProcess.start(arguments)
        defer { server.kill() }
        node = Client(http: http, port: server.port)
        let view = try await node.call("GET", base + "/participants/\(participant)", token: agent.token)
        let transcript = ((view.json["content"] as? [String: Any])?["transcript"] as? [[String: Any]] ?? []).compactMap { $0["body"] as? String }
        let missing = acknowledged.filter { !transcript.contains($0) }
        #expect(missing.isEmpty, "acknowledged but lost: \(missing.prefix(5))")

        // The session and its lease are back: the same session answers a retried start, a second supervisor is refused.
        let retried = try await node.call("POST", base + "/monitor", "{}", token: supervisor, key: "start-once")
        #expect(retried.status == 201 && retried.body == started.body, "the retried start gets the first answer back")
        let refused = try await node.call("POST", base + "/monitor", "{}", token: other)
        #expect(refused.status == 409)
        #expect(refused.json["code"] as? String == "alreadyMonitored")
        let renewed = try await node.call("POST", base + "/monitor/sessions/1/renew", token: supervisor)
        #expect(renewed.status == 200, "the lease is renewable after the restart: \(renewed.text)")
        let audit = try await node.call("GET", "/api/v2/audit/monitoring", token: admin)
        let actions = (audit.json["records"] as? [[String: Any]] ?? []).compactMap { ($0["action"] as? [String: Any])?["action"] as? String }
        #expect(actions == ["attempted", "granted", "attempted", "denied"], "the audit log kept its records: \(actions)")
    }
}

/// How many messages the sender has had acknowledged so far.
private actor Progress {
    private(set) var acknowledged = 0
    func count() { acknowledged += 1 }
}

@Suite("A node stopped with SIGTERM", .serialized)
struct ShutdownTests {
    @Test("SIGTERM with a notification socket open: the node closes it, finishes, and exits 0 within seconds")
    func gracefulShutdown() async throws {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-shutdown-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let server = try await ServerProcess.start([
            "--port", "0", "--directory", ServerProcess.root.appendingPathComponent("Scenarios/monitor-stampede.yaml").path,
            "--tokens", work.appendingPathComponent("tokens.json").path, "--log-level", "warning",
        ])
        defer { server.kill() }
        let tokens = try JSONDecoder().decode([TokenEntry].self, from: Data(contentsOf: work.appendingPathComponent("tokens.json")))
        let agent = try #require(tokens.first { $0.name == "agents 1" })
        let socket = try await SocketRecorder.open(
            port: server.port, token: agent.token, topic: "v2.users.\(agent.user).conversations")
        Foundation.kill(server.process.processIdentifier, SIGTERM)
        var exited = false
        for _ in 0..<100 where !exited {
            try await Task.sleep(for: .milliseconds(100))
            exited = !server.process.isRunning
        }
        #expect(exited, "the node exits within ten seconds of SIGTERM")
        #expect(server.process.terminationStatus == 0)
        // The node closed the socket on its way out; closing our side only collects what it carried.
        _ = try? await socket.close()
    }
}

struct TokenEntry: Decodable, Sendable {
    var user: Int
    var name: String
    var token: String
}

/// A small HTTP client for a node on loopback.
struct Client: Sendable {
    struct Reply {
        var status: Int
        var body: Data
        var json: [String: Any] { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] ?? [:] }
        var array: [[String: Any]] { (try? JSONSerialization.jsonObject(with: body)) as? [[String: Any]] ?? [] }
        var text: String { String(decoding: body, as: UTF8.self) }
    }

    let http: HTTPClient
    let port: Int

    func call(_ method: String, _ path: String, _ body: String? = nil, token: String? = nil, key: String? = nil) async throws -> Reply {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
        request.method = .init(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let key { request.headers.add(name: "Idempotency-Key", value: key) }
        if let body { request.body = .bytes(ByteBuffer(string: body)) }
        let response = try await http.execute(request, timeout: .seconds(10))
        return Reply(status: Int(response.status.code), body: Data(buffer: try await response.body.collect(upTo: 1 << 22)))
    }
}

/// A `binoculars-server` process: started with arguments, its port read from the line it prints, killed with
/// SIGKILL. Waiting for it is bounded.
struct ServerProcess {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../..").standardized

    let process: Process
    let port: Int

    /// The executable beside the test bundle, built first if `swift test` did not build it.
    static func executable() throws -> URL {
        let products =
            Bundle.allBundles.map(\.bundleURL).first { $0.pathExtension == "xctest" }?.deletingLastPathComponent()
            ?? root.appendingPathComponent(".build/debug")
        let binary = products.appendingPathComponent("binoculars-server")
        if !FileManager.default.isExecutableFile(atPath: binary.path) {
            let build = Process()
            build.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            build.arguments = ["swift", "build", "--product", "binoculars-server"]
            build.currentDirectoryURL = root
            try build.run()
            build.waitUntilExit()
            try #require(build.terminationStatus == 0, "could not build binoculars-server")
        }
        return binary
    }

    static func start(_ arguments: [String]) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = try executable()
        process.arguments = arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let port = try await withThrowingTaskGroup(of: Int?.self) { group in
            group.addTask {
                // A blocking read of the process's output until its first line; it ends at EOF if the process dies.
                await Task.detached {
                    var text = ""
                    while !text.contains("\n") {
                        let data = output.fileHandleForReading.availableData
                        if data.isEmpty { break }
                        text += String(decoding: data, as: UTF8.self)
                    }
                    guard let range = text.range(of: "listening on http://127.0.0.1:") else { return nil }
                    return Int(text[range.upperBound...].prefix { $0.isNumber })
                }.value
            }
            group.addTask {
                // Past a minute the process is killed, which ends the read above.
                try await Task.sleep(for: .seconds(60))
                Foundation.kill(process.processIdentifier, SIGKILL)
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
        guard let port else {
            Foundation.kill(process.processIdentifier, SIGKILL)
            throw ServerError(message: "binoculars-server printed no port within a minute")
        }
        return ServerProcess(process: process, port: port)
    }

    func kill() {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

struct ServerError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
