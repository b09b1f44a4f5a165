import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failure to set up, start or stop a `LocalPostgres`: the command that failed, its exit status and the end of
/// its output (and of the server's log, when there is one).
public struct LocalPostgresError: Error, CustomStringConvertible, Sendable {
    /// The command line that failed, or what was being attempted.
    public let command: String
    /// Its exit status, when it ran.
    public let status: Int32?
    /// The last lines of its output and of the server log.
    public let output: String

    public init(command: String, status: Int32? = nil, output: String = "") {
        self.command = command
        self.status = status
        self.output = output
    }

    public var description: String {
        var text = "LocalPostgres: \(command)"
        if let status { text += " exited with status \(status)" }
        let trimmed = output.trimmingCharacters(in: .whitespacesAndNewlines)
        if !trimmed.isEmpty { text += "\n" + trimmed }
        return text
    }
}

/// A private PostgreSQL server under a temporary directory, for tests and for `binoculars-server cluster`.
///
/// `start` makes a directory (`mkdtemp`), runs `initdb` in it (trust authentication, superuser `binoculars`,
/// UTF-8, no locale, durability on), starts the server with `pg_ctl` on a free loopback port and creates the
/// database. The server listens on 127.0.0.1 and on a Unix socket in the directory. PostgreSQL refuses to run as
/// root: as root the directory is handed to the `postgres` user and the server's programs run as that user
/// through `runuser`.
///
/// `stop`, `start`, `restart` and `remove` are idempotent; `deinit` stops a server still running (but keeps its
/// directory: call `remove()` for that).
public final class LocalPostgres: @unchecked Sendable {
    /// How `stop` asks the server to end (`pg_ctl stop -m`).
    public enum StopMode: String, Sendable {
        /// Waits for the clients to disconnect.
        case smart
        /// Disconnects the clients and shuts down cleanly (the default).
        case fast
        /// Kills the server without a shutdown checkpoint: the next start recovers from the WAL, as after a crash.
        case immediate
    }

    /// The port the server listens on, on 127.0.0.1; kept across `stop` and `start`.
    public let port: Int
    /// The database `start` created.
    public let database: String
    /// The directory made by `start`: it holds the data directory, the server log and the Unix socket.
    public let directory: URL
    /// The cluster's data directory (`pg_ctl -D`).
    public let dataDirectory: URL
    /// The server's log (`pg_ctl -l`).
    public let logFile: URL
    /// Where the server's programs (`initdb`, `pg_ctl`, `postgres`, `psql`) are.
    public let binaries: URL

    /// The server's connection URL: `postgres://binoculars@127.0.0.1:PORT/DATABASE`.
    public var url: String { "postgres://\(Self.user)@127.0.0.1:\(port)/\(database)" }

    /// Whether the server was last started (and not stopped since) by this object.
    public var isRunning: Bool { lock.withLock { running } }

    /// The superuser `initdb` creates; trusted, without a password.
    public static let user = "binoculars"

    private let lock = NSLock()
    private var running = false
    private var removed = false
    private let asUser: String?

    private init(
        port: Int, database: String, directory: URL, binaries: URL, asUser: String?
    ) {
        self.port = port
        self.database = database
        self.directory = directory
        self.dataDirectory = directory.appendingPathComponent("data")
        self.logFile = directory.appendingPathComponent("log")
        self.binaries = binaries
        self.asUser = asUser
    }

    deinit {
        if running { try? stopServer(mode: .fast) }
    }

    // MARK: Starting

    /// Makes a new cluster under `directory` (the system's temporary directory by default) and starts it on
    /// `port` (a free one by default), with `database` created.
    public static func start(
        directory parent: URL? = nil, port: Int? = nil, database: String = "binoculars"
    ) throws -> LocalPostgres {
        let binaries = try findBinaries()
        let asUser: String? = geteuid() == 0 ? "postgres" : nil
        let root = try makeTemporaryDirectory(
            under: parent ?? URL(fileURLWithPath: NSTemporaryDirectory()), owner: asUser)
        var attempts = 0
        while true {
            attempts += 1
            let chosen = try port ?? freePort()
            let server = LocalPostgres(
                port: chosen, database: database, directory: root, binaries: binaries, asUser: asUser)
            do {
                if attempts == 1 { try server.initialise() }
                try server.startServer()
                try server.createDatabase()
                return server
            } catch let error as LocalPostgresError {
                // Another process may have taken the free port between the probe and the server's bind.
                let clash = error.output.contains("could not bind") || error.output.contains("already in use")
                if port == nil && clash && attempts < 5 {
                    try? server.stopServer(mode: .immediate)
                    continue
                }
                server.remove()
                throw error
            } catch {
                server.remove()
                throw error
            }
        }
    }

    /// Starts the server again, on the same port and data directory, after a `stop`; does nothing if it runs.
    public func start() throws {
        try lock.withLock {
            guard !running else { return }
            guard !removed else {
                throw LocalPostgresError(command: "start", output: "the directory \(directory.path) was removed")
            }
            try startLocked()
        }
    }

    /// Stops the server (`pg_ctl stop -m MODE`); does nothing if it is not running.
    public func stop(mode: StopMode = .fast) throws {
        try lock.withLock {
            guard running else { return }
            try stopLocked(mode: mode)
        }
    }

    /// Stops the server (if it runs) and starts it again.
    public func restart(mode: StopMode = .fast) throws {
        try stop(mode: mode)
        try start()
    }

    /// Stops the server if it runs (fast, then immediate if that fails) and deletes the directory. Never throws;
    /// safe to call twice.
    public func remove() {
        lock.withLock {
            if running {
                if (try? stopLocked(mode: .fast)) == nil { try? stopLocked(mode: .immediate) }
            }
            // A server this object did not see start (a failed start that left one behind) is stopped too.
            if FileManager.default.fileExists(atPath: dataDirectory.appendingPathComponent("postmaster.pid").path) {
                _ = try? run(pgctl, ["stop", "-D", dataDirectory.path, "-m", "immediate", "-w", "-t", "30"])
            }
            running = false
            removed = true
            try? FileManager.default.removeItem(at: directory)
        }
    }

    /// Stops the server if it runs, keeping its directory. Never throws.
    public func shutdown() {
        lock.withLock {
            guard running else { return }
            if (try? stopLocked(mode: .fast)) == nil { try? stopLocked(mode: .immediate) }
        }
    }

    /// Runs `psql` against the database with one SQL command and returns its unaligned, tuples-only output
    /// (`psql -X -A -t -v ON_ERROR_STOP=1 -c SQL`).
    @discardableResult
    public func psql(_ sql: String) throws -> String {
        try run(binaries.appendingPathComponent("psql"), ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", url, "-c", sql])
    }

    /// The tail of the server log.
    public func logTail(lines: Int = 20) -> String {
        guard let data = FileManager.default.contents(atPath: logFile.path) else { return "" }
        return Self.tail(String(decoding: data, as: UTF8.self), lines: lines)
    }

    // MARK: Internals

    private var pgctl: URL { binaries.appendingPathComponent("pg_ctl") }

    private func initialise() throws {
        try run(
            binaries.appendingPathComponent("initdb"),
            [
                "-D", dataDirectory.path, "-A", "trust", "-U", Self.user, "-E", "UTF8", "--no-locale",
            ],
            asServer: true)
    }

    private func startServer() throws { try lock.withLock { try startLocked() } }

    private func stopServer(mode: StopMode) throws { try stopLocked(mode: mode) }

    private func startLocked() throws {
        let options = [
            "-p \(port)", "-k \(directory.path)", "-c listen_addresses=127.0.0.1", "-c max_connections=300",
            "-c shared_buffers=128MB", "-c fsync=on",
        ].joined(separator: " ")
        do {
            try run(
                pgctl, ["start", "-D", dataDirectory.path, "-l", logFile.path, "-w", "-t", "60", "-o", options],
                asServer: true)
        } catch var error as LocalPostgresError {
            error = LocalPostgresError(
                command: error.command, status: error.status,
                output: error.output + "\n--- server log (\(logFile.path)):\n" + logTail())
            throw error
        }
        running = true
    }

    private func stopLocked(mode: StopMode) throws {
        try run(pgctl, ["stop", "-D", dataDirectory.path, "-m", mode.rawValue, "-w", "-t", "60"], asServer: true)
        running = false
    }

    private func createDatabase() throws {
        guard database != "postgres" else { return }
        let name = database.replacingOccurrences(of: "\"", with: "\"\"")
        try run(
            binaries.appendingPathComponent("psql"),
            [
                "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p", "\(port)", "-U", Self.user, "-d",
                "postgres", "-c", "CREATE DATABASE \"\(name)\"",
            ])
    }

    /// Runs a program to its end, its output collected; as the `postgres` user if `asServer` and we are root.
    @discardableResult
    private func run(_ program: URL, _ arguments: [String], asServer: Bool = false) throws -> String {
        try Self.run(program, arguments, asUser: asServer ? asUser : nil, in: directory)
    }

    /// Runs a program with posix_spawn and waitpid rather than Foundation's `Process`, whose wait on Linux does
    /// not end while a process the child started lives on — and `pg_ctl start` leaves the server running.
    @discardableResult
    private static func run(_ program: URL, _ arguments: [String], asUser: String?, in directory: URL) throws
        -> String
    {
        let argv = (asUser.map { [runuser, "-u", $0, "--"] } ?? []) + [program.path] + arguments
        let commandLine = argv.joined(separator: " ")
        var environment = ProcessInfo.processInfo.environment
        for name in ["PGDATA", "PGHOST", "PGPORT", "PGUSER", "PGDATABASE", "PGOPTIONS", "PGSERVICE"] {
            environment.removeValue(forKey: name)
        }
        environment["LC_ALL"] = "C"
        var descriptors: [Int32] = [-1, -1]
        guard pipe(&descriptors) == 0 else {
            throw LocalPostgresError(command: commandLine, output: "pipe: \(String(cString: strerror(errno)))")
        }
        // Neither end may outlive the spawn in the child (nor reach the server it starts).
        for descriptor in descriptors { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, descriptors[1], 1)
        posix_spawn_file_actions_adddup2(&actions, descriptors[1], 2)
        // A working directory the postgres user can enter (it may not enter ours, e.g. /root).
        if let addChdir { _ = addChdir(&actions, directory.path) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        // Default signal handling and an empty mask, whatever the caller ignores or blocks.
        var all = sigset_t()
        var none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        let cArguments = argv.map { strdup($0) } + [nil]
        let cEnvironment = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in cArguments { free(pointer) }
            for pointer in cEnvironment { free(pointer) }
        }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, argv[0], &actions, &attributes, cArguments, cEnvironment)
        close(descriptors[1])
        guard spawned == 0 else {
            close(descriptors[0])
            throw LocalPostgresError(command: commandLine, output: "could not run it: \(String(cString: strerror(spawned)))")
        }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = read(descriptors[0], &buffer, buffer.count)
            if count > 0 {
                data.append(contentsOf: buffer[0..<count])
            } else if count == 0 || errno != EINTR {
                break
            }
        }
        close(descriptors[0])
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let output = String(decoding: data, as: UTF8.self)
        // WIFEXITED and WEXITSTATUS, which Swift does not import.
        let exited = status & 0x7f == 0
        let code = exited ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        guard exited, code == 0 else {
            throw LocalPostgresError(command: commandLine, status: code, output: tail(output, lines: 20))
        }
        return output
    }

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29 and later), which Swift does not import.
    private typealias AddChdir =
        @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>)
        -> Int32
    private static let addChdir: AddChdir? = dlsym(nil, "posix_spawn_file_actions_addchdir_np").map {
        unsafeBitCast($0, to: AddChdir.self)
    }

    private static let runuser =
        ["/usr/sbin/runuser", "/sbin/runuser", "/usr/bin/runuser", "/bin/runuser"]
        .first { FileManager.default.isExecutableFile(atPath: $0) } ?? "runuser"

    private static func tail(_ text: String, lines: Int) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines).joined(separator: "\n")
    }

    /// The directory holding `initdb`, `pg_ctl`, `postgres` and `psql`: from PATH (symbolic links followed),
    /// else the highest version under /usr/lib/postgresql, /usr/local/pgsql/bin or Homebrew's.
    static func findBinaries() throws -> URL {
        let needed = ["initdb", "pg_ctl", "postgres", "psql"]
        func complete(_ directory: URL) -> Bool {
            needed.allSatisfy { FileManager.default.isExecutableFile(atPath: directory.appendingPathComponent($0).path) }
        }
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for entry in path.split(separator: ":") where !entry.isEmpty {
            let candidate = URL(fileURLWithPath: String(entry)).appendingPathComponent("pg_ctl")
            guard FileManager.default.isExecutableFile(atPath: candidate.path) else { continue }
            // Debian puts some programs on PATH as links, and psql as a wrapper script: use the real directory.
            let directory = candidate.resolvingSymlinksInPath().deletingLastPathComponent()
            if complete(directory) { return directory }
        }
        var candidates: [URL] = []
        for root in ["/usr/lib/postgresql", "/usr/local/opt"] {
            let entries = (try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []
            for entry in entries {
                candidates.append(URL(fileURLWithPath: root).appendingPathComponent(entry).appendingPathComponent("bin"))
            }
        }
        candidates = candidates.filter(complete).sorted {
            versionKey($1).lexicographicallyPrecedes(versionKey($0))
        }
        if let best = candidates.first { return best }
        let fallback = URL(fileURLWithPath: "/usr/local/pgsql/bin")
        if complete(fallback) { return fallback }
        throw LocalPostgresError(
            command: "find the PostgreSQL programs",
            output: """
                none of \(needed.joined(separator: ", ")) found together on PATH or under /usr/lib/postgresql/*/bin: \
                install PostgreSQL (on Debian: apt-get install postgresql, or run .ci/setup)
                """)
    }

    /// "15" from …/postgresql/15/bin, "16.2" from …/postgresql@16.2/bin, as numbers for sorting.
    private static func versionKey(_ bin: URL) -> [Int] {
        let name = bin.deletingLastPathComponent().lastPathComponent
        let digits = name.drop { !$0.isNumber }
        return digits.split(separator: ".").map { Int($0.prefix { $0.isNumber }) ?? 0 }
    }

    /// A new directory (mode 0700) under `parent`; handed to `owner` when given.
    private static func makeTemporaryDirectory(under parent: URL, owner: String?) throws -> URL {
        try FileManager.default.createDirectory(at: parent, withIntermediateDirectories: true)
        var template = Array(parent.appendingPathComponent("binoculars-postgres.XXXXXX").path.utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in mkdtemp(buffer.baseAddress!) }
        guard made != nil else {
            throw LocalPostgresError(
                command: "mkdtemp under \(parent.path)", output: String(cString: strerror(errno)))
        }
        let path = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if let owner {
            guard let account = getpwnam(owner) else {
                try? FileManager.default.removeItem(atPath: path)
                throw LocalPostgresError(
                    command: "look up the user \(owner)",
                    output: "PostgreSQL will not run as root, and there is no \(owner) user to run it as")
            }
            guard chown(path, account.pointee.pw_uid, account.pointee.pw_gid) == 0 else {
                let reason = String(cString: strerror(errno))
                try? FileManager.default.removeItem(atPath: path)
                throw LocalPostgresError(command: "chown \(owner) \(path)", output: reason)
            }
        }
        return URL(fileURLWithPath: path)
    }

    /// A port on 127.0.0.1 free a moment ago: the kernel's choice for a socket bound to port 0.
    public static func freePort() throws -> Int {
        #if canImport(Glibc)
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let descriptor = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard descriptor >= 0 else {
            throw LocalPostgresError(command: "socket()", output: String(cString: strerror(errno)))
        }
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) }
        }
        guard bound == 0 else {
            throw LocalPostgresError(command: "bind 127.0.0.1:0", output: String(cString: strerror(errno)))
        }
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        guard named == 0 else {
            throw LocalPostgresError(command: "getsockname", output: String(cString: strerror(errno)))
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
