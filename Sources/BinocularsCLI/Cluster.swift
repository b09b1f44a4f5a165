import ArgumentParser

/// `binoculars cluster …`: a private cluster (PostgreSQL and N live nodes) in one command, run by
/// `binoculars-server cluster` from beside this executable, in place of this process.
struct Cluster: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a private cluster: PostgreSQL and N live nodes over it (binoculars-server cluster).",
        discussion: """
            Build the server once with `swift build -c release --product binoculars-server`; every option is the \
            server's own (`binoculars-server cluster --help` lists them).
            """)

    @Argument(parsing: .allUnrecognized, help: "The cluster's options, e.g. --nodes 3 --directory scenario.yaml.")
    var arguments: [String] = []

    func run() throws {
        try execServer(["cluster"] + arguments, as: "binoculars cluster")
    }
}
