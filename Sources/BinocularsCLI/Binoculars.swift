import ArgumentParser

@main
struct Binoculars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binoculars",
        abstract: "Proves a contact-centre monitoring engine correct under contention and measures it.",
        subcommands: [Run.self, Report.self, Check.self, Replay.self, Explore.self, Regressions.self, Demo.self, Measure.self])
}
