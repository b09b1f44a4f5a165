import ArgumentParser

/// `binoculars load FILE …`: a scenario's population driven against a live deployment in real time, run by
/// `binoculars-server load` from beside this executable, in place of this process, so that the simulator's build
/// never waits for the server stack and the load driver.
struct Load: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a scenario against a live deployment in real time, with the same checks (binoculars-server load).",
        discussion: """
            Build the server once with `swift build -c release --product binoculars-server`; every option is the \
            server's own (`binoculars-server load --help` lists them).
            """)

    @Argument(parsing: .allUnrecognized, help: "The scenario file and the load's options, e.g. FILE --spawn-nodes 3 --store postgres.")
    var arguments: [String] = []

    func run() throws {
        try execServer(["load"] + arguments, as: "binoculars load")
    }
}
