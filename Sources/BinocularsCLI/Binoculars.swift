import ArgumentParser

@main
struct Binoculars: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "binoculars")
}
