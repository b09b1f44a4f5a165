import AsyncHTTPClient
import Foundation
import Testing

/// Deliberately broken deployments, started as real node processes on a real PostgreSQL, and the live check that
/// catches each within a bounded number of tries. The variants are chosen only here and by `--defect`.
@Suite("Broken deployments are caught live")
struct BrokenDeploymentTests {
    @Test("M8 starts that read their rows without locking them are caught: a conversation granted to two supervisors within ten stampedes")
    func startWithoutLocking() async throws {
        let cluster = try await TestCluster.start(nodes: 3, extra: ["--defect", "startWithoutLocking"])
        defer { cluster.stop() }
        let supervisors = Array(cluster.tokens.filter { $0.name.hasPrefix("floor ") }.prefix(50))
        try #require(supervisors.count == 50)
        var doubleGrants: [Int] = []
        var stampedes = 0
        // Each stampede: fifty starts on one new conversation at once, spread over the three nodes. A correct
        // deployment grants exactly one (ClusterTests); the check is the clients' own view of M8.
        while doubleGrants.isEmpty && stampedes < 10 {
            stampedes += 1
            let conversation = try await cluster.connectedConversation(agent: "agents \(stampedes)")
            let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
                for (index, supervisor) in supervisors.enumerated() {
                    let node = cluster.client(index % 3)
                    group.addTask { try await node.call("POST", conversation.base + "/monitor", "{}", token: supervisor.token).status }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            let granted = statuses.count { $0 == 201 }
            if granted > 1 { doubleGrants.append(granted) }
        }
        #expect(!doubleGrants.isEmpty, "\(stampedes) stampedes of 50 starts over 3 nodes, and no conversation granted twice")
    }

    @Test("--defect is refused without a shared store, and says what it needs")
    func defectNeedsPostgres() throws {
        let process = Process()
        process.executableURL = try ServerProcess.executable()
        process.arguments = ["--port", "0", "--defect", "startWithoutLocking"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = Pipe()
        try process.run()
        let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 64)
        #expect(text.contains("--defect startWithoutLocking needs --store postgres:URL"), "\(text)")
    }
}
