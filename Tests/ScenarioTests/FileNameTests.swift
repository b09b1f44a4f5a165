import Foundation
import Scenario
import Simulation
import Testing

@Suite("A value that names a directory is a name, not a path")
struct FileNameTests {
    static func scenario(name: String) -> String {
        ScenarioErrorTests.scenario().replacingOccurrences(of: "name: x\n", with: "name: \(name)\n")
    }

    @Test("a scenario whose name climbs out of the output directory is refused at the name, saying what is allowed")
    func escapingName() throws {
        let error = try #require(ScenarioErrorTests.error(Self.scenario(name: "../../escaped-dir")))
        #expect(
            error.description
                == "Scenarios/x.yaml:1:7: expected a name of letters, digits, -, _ and . (not first), at most 100 characters (name names a results directory), found \"../../escaped-dir\", which starts with ."
        )
    }

    @Test(
        "names that are paths, hidden, too long or hold other characters are refused",
        arguments: [
            ("/tmp/absolute", "holds /"), ("inner/../..", "holds /"), ("..", "starts with ."), (".hidden", "starts with ."),
            ("'a b'", "holds a space"), (#""back\\slash""#, "holds \\"), (#""new\nline""#, "holds U+A"),
            ("café", "holds é"), (String(repeating: "a", count: 101), "has 101 characters"),
        ])
    func refusedNames(name: String, problem: String) throws {
        let error = try #require(ScenarioErrorTests.error(Self.scenario(name: name)))
        #expect(error.location == SourceLocation(file: ScenarioErrorTests.path, line: 1, column: 7))
        #expect(error.message.hasSuffix("which \(problem)"), "\(error.message)")
    }

    @Test("names of letters, digits, -, _ and inner dots are kept as written")
    func acceptedNames() throws {
        for name in ["steady-day", "Steady_Day.v2", "x", String(repeating: "a", count: 100)] {
            let scenario = try ScenarioLoader.parse(Self.scenario(name: name), path: "ok.yaml")
            #expect(scenario.configuration.name == name)
        }
    }

    @Test("the file's position of the name is kept, so that a clash between two files can point at it")
    func nameLocation() throws {
        let scenario = try ScenarioLoader.parse(Self.scenario(name: "steady-day"), path: "ok.yaml")
        #expect(scenario.nameLocation == SourceLocation(file: "ok.yaml", line: 1, column: 7))
    }

    static func variantsError(_ sweep: String, queues: String) -> ScenarioError? {
        let text = SweepTests.base.replacingOccurrences(of: "queues: [{name: Support}]", with: "queues: [\(queues)]") + sweep
        do {
            _ = try ScenarioLoader.parseVariants(text, path: "sweep.yaml")
            Issue.record("two variants sharing one directory were accepted")
            return nil
        } catch {
            return error
        }
    }

    @Test("two variants of a sweep whose directory names differ only in case are refused at the sweep")
    func variantsDifferingInCase() throws {
        let sweep = "sweep:\n  - {parameter: supervisorGroups.floor.policy, name: policy, values: [{queue: Support}, {queue: support}]}\n"
        let error = try #require(Self.variantsError(sweep, queues: "Support, support"))
        #expect(error.location == SourceLocation(file: "sweep.yaml", line: 15, column: 3))
        #expect(
            error.message
                == "variants policy = {queue: Support} and policy = {queue: support} would write to one directory (\"policy=queue-Support\" and \"policy=queue-support\": directory names keep only letters, digits, ., = and -, and some file systems ignore case); give the values names that differ otherwise"
        )
    }

    @Test("two variants whose values reduce to one directory name, or repeat, are refused too")
    func variantsSharingADirectory() throws {
        let slug = "sweep:\n  - {parameter: supervisorGroups.floor.policy, name: policy, values: [{queue: 'a b'}, {queue: a-b}]}\n"
        let slugged = try #require(Self.variantsError(slug, queues: "Support, 'a b', a-b"))
        #expect(
            slugged.message.hasPrefix("variants policy = {queue: 'a b'} and policy = {queue: a-b} would write to one directory"), "\(slugged.message)"
        )
        let repeated = "sweep:\n  - {parameter: supervisorGroups.floor.count, name: floor, values: [10, 20, 10]}\n"
        let twice = try #require(Self.variantsError(repeated, queues: "Support"))
        #expect(twice.message.hasPrefix("variants floor = 10 and floor = 10 would write to one directory"), "\(twice.message)")
    }
}
