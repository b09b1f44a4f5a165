import ArgumentParser

/// `binoculars-server`: one live node (`serve`, the default, so `binoculars-server --port 0 …` runs a node as it
/// always did) or a private cluster of them over one PostgreSQL server (`cluster`).
@main
struct BinocularsServer: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binoculars-server",
        abstract: "The monitoring engine as a live service: one node, or a private cluster of nodes.",
        subcommands: [Serve.self, Cluster.self, Load.self],
        defaultSubcommand: Serve.self)
}
