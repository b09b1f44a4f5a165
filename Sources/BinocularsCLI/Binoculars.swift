import ArgumentParser
import Foundation

@main
struct Binoculars: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "binoculars",
        abstract: "Proves a contact-centre monitoring engine correct under contention and measures it.",
        subcommands: [
            Run.self, Report.self, Check.self, Replay.self, Explore.self, Regressions.self, Demo.self, Measure.self, Serve.self, Cluster.self,
            Load.self, Calibrate.self,
        ])

    /// As ArgumentParser's own `main`, with SIGPIPE ignored first: a reader that closes the pipe early
    /// (`| head`) ends the output quietly (see `StandardOutput`), not the process with status 141.
    static func main() async {
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
