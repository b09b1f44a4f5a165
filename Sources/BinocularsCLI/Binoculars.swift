import ArgumentParser

@main
struct Binoculars: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binoculars",
        abstract: "Proves a contact-centre monitoring engine correct under contention and measures it.",
        subcommands: [Demo.self, Measure.self],
        defaultSubcommand: Demo.self)
}
