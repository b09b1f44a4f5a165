import Foundation
import LocalPostgres
import Testing

/// Each test starts its own server and removes it in a `defer`, so a failing test leaves no server behind.
/// Serialized: each server takes 128 MB of shared buffers, and the machine may be small.
@Suite(.serialized)
struct LocalPostgresTests {
    @Test func startsAndAnswersPsqlAtItsURL() throws {
        let server = try LocalPostgres.start()
        defer { server.remove() }
        #expect(server.url == "postgres://binoculars@127.0.0.1:\(server.port)/binoculars")
        #expect(server.isRunning)
        // psql from PATH (Debian's wrapper included) against the URL, as a client would connect.
        let output = try runPsql(url: server.url, "SELECT 1")
        #expect(output.trimmingCharacters(in: .whitespacesAndNewlines) == "1")
        #expect(try server.psql("SELECT current_database()").trimmingCharacters(in: .whitespacesAndNewlines) == "binoculars")
    }

    @Test func dataPersistsAcrossAFastStopAndAStartOnTheSamePort() throws {
        let server = try LocalPostgres.start()
        defer { server.remove() }
        try server.psql("CREATE TABLE kept (id integer PRIMARY KEY, name text); INSERT INTO kept VALUES (1, 'one'), (2, 'two')")
        try server.stop(mode: .fast)
        #expect(!server.isRunning)
        #expect(throws: (any Error).self) { try runPsql(url: server.url, "SELECT 1") }
        try server.stop(mode: .fast)  // idempotent
        try server.start()
        try server.start()  // idempotent
        let rows = try runPsql(url: server.url, "SELECT name FROM kept ORDER BY id")
        #expect(rows.split(separator: "\n").map(String.init) == ["one", "two"])
    }

    @Test func anImmediateStopIsACrashTheNextStartRecoversFrom() throws {
        let server = try LocalPostgres.start()
        defer { server.remove() }
        try server.psql("CREATE TABLE committed (id integer); INSERT INTO committed SELECT generate_series(1, 1000)")
        try server.stop(mode: .immediate)
        try server.start()
        #expect(try server.psql("SELECT count(*) FROM committed").trimmingCharacters(in: .whitespacesAndNewlines) == "1000")
        #expect(server.logTail(lines: 200).contains("redo"))  // it replayed the WAL
        try server.restart(mode: .smart)
        #expect(try server.psql("SELECT count(*) FROM committed").trimmingCharacters(in: .whitespacesAndNewlines) == "1000")
    }

    @Test func removeLeavesNoServerAndNoDirectory() throws {
        let server = try LocalPostgres.start()
        defer { server.remove() }
        let pidFile = server.dataDirectory.appendingPathComponent("postmaster.pid")
        let pidText = try String(contentsOf: pidFile, encoding: .utf8)
        let pid = try #require(pid_t(pidText.split(separator: "\n").first ?? ""))
        #expect(kill(pid, 0) == 0)
        server.remove()
        #expect(!server.isRunning)
        // pg_ctl stop returns once postmaster.pid is gone, a moment before the process is (and it is reaped by
        // whoever adopted it), so look for a while, taking a zombie for gone.
        #expect(processEnds(pid, within: 10))
        #expect(!FileManager.default.fileExists(atPath: server.directory.path))
        server.remove()  // idempotent
        #expect(throws: LocalPostgresError.self) { try server.start() }
    }

    @Test func aGivenPortAndDirectoryAreUsed() throws {
        let parent = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("lp-tests-\(getpid())")
        defer { try? FileManager.default.removeItem(at: parent) }
        let first = try LocalPostgres.start(directory: parent, database: "other")
        defer { first.remove() }
        #expect(first.directory.deletingLastPathComponent().standardizedFileURL.path == parent.standardizedFileURL.path)
        #expect(first.url.hasSuffix("/other"))
        // The same port again while it is taken: a clear error naming the command and the log, not a crash.
        let error = #expect(throws: LocalPostgresError.self) {
            let clash = try LocalPostgres.start(directory: parent, port: first.port)
            clash.remove()
        }
        #expect(error?.description.contains("pg_ctl") == true)
        #expect(error?.status != nil)
        // The failed server's directory was removed; only the first one's is left.
        let left = try FileManager.default.contentsOfDirectory(atPath: parent.path)
        #expect(left == [first.directory.lastPathComponent])
    }
}

/// Whether process `pid` is gone (or a zombie) within `seconds`.
private func processEnds(_ pid: pid_t, within seconds: Double) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        guard kill(pid, 0) == 0 else { return true }
        let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
        if let close = stat.lastIndex(of: ")"), stat[close...].dropFirst(2).first == "Z" { return true }
        usleep(20_000)
    }
    return false
}

/// Runs psql from PATH with a connection URL, returning its unaligned, tuples-only output.
@discardableResult
private func runPsql(url: String, _ sql: String) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = ["psql", "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", url, "-c", sql]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    let errorData = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else {
        throw PsqlFailed(status: process.terminationStatus, message: String(decoding: errorData, as: UTF8.self))
    }
    return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .newlines)
}

private struct PsqlFailed: Error {
    let status: Int32
    let message: String
}
