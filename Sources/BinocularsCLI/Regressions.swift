import ArgumentParser
import Foundation
import Scenario
import Simulation

struct Regressions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay every seed of a regression file (default Results/regressions.yaml).",
        discussion: """
            An entry with a broken variant must still fail: the checks still catch it. An entry \
            without one found a real bug and must now pass. Exit status 1 if any entry does not.
            """)

    @Argument(help: "The regression file.")
    var file = "Results/regressions.yaml"

    func run() throws {
        let regressions: [Regression]
        do {
            regressions = try RegressionFile.load(path: file)
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        var wrong = 0
        for regression in regressions {
            var base = try ScenarioFiles(files: [regression.scenario]).load()[0].configuration
            base.defect = regression.defect
            let verdict = Explorer.run(base, seed: regression.seed, swarm: regression.swarm)
            let expectedToFail = regression.defect != nil
            let behaves = verdict.passed != expectedToFail
            if !behaves { wrong += 1 }
            let what = regression.defect.map { "variant \($0.rawValue)" } ?? "real engine"
            let firstLine = verdict.problems.first?.split(separator: "\n").first.map(String.init) ?? ""
            let outcome = verdict.passed ? "passes" : "fails: \(firstLine)"
            print("\(behaves ? "ok" : "WRONG")  \(regression.scenario) seed \(regression.seed), \(what): \(outcome)")
        }
        print("\(regressions.count - wrong) of \(regressions.count) regressions behave")
        if wrong > 0 { throw ExitCode(1) }
    }
}
