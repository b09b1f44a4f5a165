import ArgumentParser
import Foundation

/// `binoculars serve …`: the live service, which is its own executable (`binoculars-server`) so that building the
/// simulator never waits for the server stack. This command runs that executable from beside itself with the same
/// arguments, in place of this process.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the monitoring engine as a live service on one node (binoculars-server).",
        discussion: """
            Build the server once with `swift build -c release --product binoculars-server`; every option is the \
            server's own (`binoculars-server serve --help` lists them).
            """)

    @Argument(parsing: .allUnrecognized, help: "The server's options, e.g. --port 8080 --store sqlite:node.sqlite.")
    var arguments: [String] = []

    func run() throws {
        try execServer(["serve"] + arguments, as: "binoculars serve")
    }
}

/// Runs `binoculars-server` from beside this executable with `arguments`, in place of this process (its usage
/// errors, exit status and signals are the caller's). Throws exit status 2 if it has not been built, 1 if it
/// could not be run.
func execServer(_ arguments: [String], as command: String) throws {
    let directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
    let server = directory.appendingPathComponent("binoculars-server").path
    guard FileManager.default.isExecutableFile(atPath: server) else {
        FileHandle.standardError.write(
            Data(
                """
                \(command): the live service is built separately, so that the simulator does not wait for \
                the server stack: run `swift build --product binoculars-server` (add `-c release` for a release \
                build of binoculars) and try again (looked for \(server))

                """.utf8))
        throw ExitCode(2)
    }
    let argv = [server] + arguments
    let cArguments = argv.map { strdup($0) } + [nil]
    execv(server, cArguments)
    FileHandle.standardError.write(Data("\(command): could not run \(server): \(String(cString: strerror(errno)))\n".utf8))
    throw ExitCode(1)
}
