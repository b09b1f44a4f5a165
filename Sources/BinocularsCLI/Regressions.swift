import ArgumentParser
import Foundation
import Scenario
import Simulation

struct Regressions: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Replay every seed of a regression file (default Results/regressions.yaml).",
        discussion: """
            An entry names a scenario file and a seed, or a reduced file written by `explore --shrink` \
            (its path relative to the regression file), which runs at its own seed. An entry with a \
            broken variant must still fail, on its `rule` if it names one: the checks still catch it. \
            An entry without one found a real bug and must now pass. Exit status 1 if any entry does \
            not, 2 if the file is wrong.
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
            let seed = regression.seed ?? base.seed
            let verdict = Explorer.run(base, seed: seed, swarm: regression.swarm)
            let expectedToFail = regression.defect != nil
            let behaves = expectedToFail ? !verdict.passed && (regression.rule == nil || verdict.rule == regression.rule) : verdict.passed
            if !behaves { wrong += 1 }
            let what = (regression.defect.map { "variant \($0.rawValue)" } ?? "real engine") + (regression.rule.map { ", must fail on \($0)" } ?? "")
            let firstLine = verdict.problems.first?.split(separator: "\n").first.map(String.init) ?? ""
            let outcome = verdict.passed ? "passes" : "fails: \(firstLine)"
            print("\(behaves ? "ok" : "WRONG")  \(regression.scenario) seed \(seed), \(what): \(outcome)")
        }
        print("\(regressions.count - wrong) of \(regressions.count) regressions behave")
        if wrong > 0 { throw ExitCode(1) }
    }
}
