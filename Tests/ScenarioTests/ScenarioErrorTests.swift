import Foundation
import Scenario
import Simulation
import Testing

@Suite("Scenario errors say where and what was expected")
struct ScenarioErrorTests {
    static let path = "Scenarios/x.yaml"

    /// The error the text gives; a failed expectation when it decodes.
    static func error(_ text: String) -> ScenarioError? {
        do {
            _ = try ScenarioLoader.parse(text, path: path)
            Issue.record("the scenario decoded, but an error was expected")
            return nil
        } catch {
            return error
        }
    }

    /// A valid scenario with lines added to its first channel, agent group and supervisor group, and at its end.
    static func scenario(agentGroupLines: [String] = [], supervisorGroupLines: [String] = [], channelLines: [String] = [], tail: [String] = [])
        -> String
    {
        ([
            "name: x",  // 1
            "duration: 1h",  // 2
            "queues: [Support, Sales]",  // 3
            "channels:",  // 4
            "  - kind: webMessaging",  // 5
            "    queue: Support",  // 6
            "    ratesPerHour: [60]",  // 7
        ] + channelLines + [
            "agentGroups:",
            "  - name: team-a",
            "    count: 1",
            "    queues: [Support]",
        ] + agentGroupLines + [
            "supervisorGroups:",
            "  - name: leads",
            "    count: 1",
        ] + supervisorGroupLines + tail).joined(separator: "\n")
    }

    @Test("an unknown key is reported at the key, with the keys that are valid there")
    func unknownKey() throws {
        let error = try #require(Self.error(Self.scenario(agentGroupLines: ["    supervisor: 3"])))
        #expect(error.location == SourceLocation(file: Self.path, line: 12, column: 5))
        #expect(
            error.message
                == "unknown key \"supervisor\" in agentGroups[0]; expected one of: name, count, queues, channels, capacity, replyTime, wrapUpTime, transferProbability, conferenceProbability, conferenceTime, breakInterval, breakLength, shiftStart, shiftLength"
        )
        #expect(error.followingErrors.isEmpty)
    }

    @Test("an unknown key at the top level is reported too")
    func unknownTopLevelKey() throws {
        let error = try #require(Self.error(Self.scenario(tail: ["expectations: {}"])))
        #expect(error.location == SourceLocation(file: Self.path, line: 15, column: 1))
        #expect(error.message.hasPrefix("unknown key \"expectations\" in the scenario; expected one of: name, seed, duration,"))
    }

    @Test("a bad duration prints file:line:column and what a duration looks like")
    func badDuration() throws {
        let text = Self.scenario().replacingOccurrences(of: "duration: 1h", with: "duration: fast")
        let error = try #require(Self.error(text))
        #expect(error.description == "Scenarios/x.yaml:2:11: expected a duration like 30s, 250ms, 15m or 8h, found \"fast\"")
    }

    @Test("a duration of zero is refused where it must be positive, and negative ones everywhere")
    func nonPositiveDurations() throws {
        let zero = try #require(Self.error(Self.scenario(tail: ["engine: {leaseDuration: 0s}"])))
        #expect(zero.description == "Scenarios/x.yaml:15:25: engine.leaseDuration must be longer than 0, found \"0s\"")
        let negative = try #require(Self.error(Self.scenario(tail: ["warmUp: -5m"])))
        #expect(negative.description == "Scenarios/x.yaml:15:9: warmUp must not be negative, found \"-5m\"")
        let tooLong = try #require(Self.error(Self.scenario(tail: ["warmUp: 2h"])))
        #expect(tooLong.description == "Scenarios/x.yaml:15:9: warmUp must be shorter than duration (1h), found \"2h\"")
        let late = try #require(Self.error(Self.scenario(tail: ["contention: {latencySpikes: [{at: 90m, length: 1m, factor: 2}]}"])))
        #expect(
            late.description
                == "Scenarios/x.yaml:15:35: contention.latencySpikes[0].at must fall before the end of the run (duration 1h), found \"90m\"")
    }

    @Test("an unknown way for answers to come back is reported at its value, with the ways there are")
    func unknownClientAnswers() throws {
        let error = try #require(Self.error(Self.scenario(tail: ["network:", "  clientAnswers: sometimes"])))
        #expect(error.message == "expected how clients' answers come back: one of atOnce, overTheLink, found \"sometimes\"")
        #expect(error.location.column == 18)
    }

    @Test("an unknown distribution kind is reported at the kind, with the kinds there are")
    func unknownDistribution() throws {
        let error = try #require(Self.error(Self.scenario(agentGroupLines: ["    replyTime: {poisson: {mean: 3s}}"])))
        #expect(error.location == SourceLocation(file: Self.path, line: 12, column: 17))
        #expect(
            error.message
                == "expected a distribution: one of constant, exponential, uniform, normal, lognormal, gamma, erlang, weightedDiscrete, empirical, found \"poisson\""
        )
    }

    @Test("distribution parameters are checked by Distribution's own validation")
    func invalidDistribution() throws {
        let error = try #require(Self.error(Self.scenario(supervisorGroupLines: ["    thinkTime: {exponential: {mean: 0s}}"])))
        #expect(error.location == SourceLocation(file: Self.path, line: 15, column: 16))
        #expect(error.message == "invalid distribution for supervisorGroups[0].thinkTime: exponential: the mean must be positive and finite, not 0.0")
        let uniform = try #require(Self.error(Self.scenario(agentGroupLines: ["    wrapUpTime: {uniform: {minimum: 1m, maximum: 30s}}"])))
        #expect(uniform.message == "invalid distribution for agentGroups[0].wrapUpTime: uniform: minimum 60.0 is greater than maximum 30.0")
    }

    @Test("a lognormal by mean and p95 reports when no lognormal fits, and when parameters are mixed or missing")
    func lognormalFit() throws {
        let fit = try #require(Self.error(Self.scenario(agentGroupLines: ["    replyTime: {lognormal: {mean: 20s, p95: 10s}}"])))
        #expect(fit.location == SourceLocation(file: Self.path, line: 12, column: 28))
        #expect(fit.message == "invalid distribution for agentGroups[0].replyTime.lognormal: a log-normal's 95th percentile must be above its mean")
        let mixed = try #require(Self.error(Self.scenario(agentGroupLines: ["    replyTime: {lognormal: {mean: 20s, sigma: 0.5}}"])))
        #expect(mixed.message == "a lognormal takes either mean and p95, or mu and sigma, not both")
        let missing = try #require(Self.error(Self.scenario(agentGroupLines: ["    replyTime: {lognormal: {mu: 3}}"])))
        #expect(
            missing.message == "missing key \"sigma\" in agentGroups[0].replyTime.lognormal; a lognormal takes either mean and p95, or mu and sigma")
    }

    @Test("a count distribution takes numbers, not durations")
    func countDistribution() throws {
        let error = try #require(Self.error(Self.scenario(channelLines: ["    customerMessages: {constant: 30s}"])))
        #expect(error.description == "Scenarios/x.yaml:8:34: expected a number, found \"30s\"")
    }

    @Test("a channel naming a queue that does not exist is reported at the name, with the queues there are")
    func unknownQueue() throws {
        let text = Self.scenario().replacingOccurrences(of: "queue: Support", with: "queue: Suport")
        let error = try #require(Self.error(text))
        #expect(error.description == "Scenarios/x.yaml:6:12: unknown queue \"Suport\" in channels[0].queue; expected one of: Support, Sales")
    }

    @Test("a selection policy naming an unknown agent group is reported")
    func unknownAgentGroup() throws {
        let error = try #require(Self.error(Self.scenario(supervisorGroupLines: ["    policy: {agentGroup: team-b}"])))
        #expect(
            error.description
                == "Scenarios/x.yaml:15:26: unknown agent group \"team-b\" in supervisorGroups[0].policy.agentGroup; expected one of: team-a")
    }

    @Test("a probability above 1 is out of range, and so is a negative share")
    func probabilityOutOfRange() throws {
        let error = try #require(Self.error(Self.scenario(agentGroupLines: ["    transferProbability: 1.5"])))
        #expect(
            error.description == "Scenarios/x.yaml:12:26: agentGroups[0].transferProbability is a probability and must be between 0 and 1, found 1.5")
        let share = try #require(Self.error(Self.scenario(supervisorGroupLines: ["    queueActivityShare: -0.1"])))
        #expect(share.message == "supervisorGroups[0].queueActivityShare is a share and must be between 0 and 1, found -0.1")
    }

    @Test("counts, rates and seeds must be in range")
    func ranges() throws {
        let count = try #require(Self.error(Self.scenario().replacingOccurrences(of: "count: 1\n    queues", with: "count: -2\n    queues")))
        #expect(count.description == "Scenarios/x.yaml:10:12: agentGroups[0].count must be at least 0, found -2")
        let rate = try #require(Self.error(Self.scenario().replacingOccurrences(of: "[60]", with: "[60, -1]")))
        #expect(rate.description == "Scenarios/x.yaml:7:24: channels[0].ratesPerHour[1] must not be negative, found -1")
        let negativeSeed = try #require(Self.error(Self.scenario(tail: ["seed: -1"])))
        #expect(negativeSeed.message == "expected a seed: a whole number from 0 to 18446744073709551615, found \"-1\"")
        let hugeSeed = try #require(Self.error(Self.scenario(tail: ["seed: 18446744073709551616"])))
        #expect(hugeSeed.location == SourceLocation(file: Self.path, line: 15, column: 7))
        #expect(try ScenarioLoader.parse(Self.scenario(tail: ["seed: 18446744073709551615"]), path: Self.path).configuration.seed == .max)
    }

    @Test("the agents and supervisors of all groups together, and the reporting intervals of a run, are bounded too")
    func totals() throws {
        let groups = (0..<3).map { "  - {name: g\($0), count: 400_000, queues: [Support]}" }
        let agents = try #require(
            Self.error(
                Self.scenario(tail: ["agentGroups:"] + groups).replacingOccurrences(
                    of: "agentGroups:\n  - name: team-a\n    count: 1\n    queues: [Support]\n", with: "")))
        #expect(
            agents.description
                == "Scenarios/x.yaml:14:23: agentGroups[2].count brings the agents of all groups past 1000000, the most a scenario may have")
        let supervisors = try #require(Self.error(Self.scenario(supervisorGroupLines: ["  - {name: floor, count: 100_000}"])))
        #expect(
            supervisors.description
                == "Scenarios/x.yaml:15:26: supervisorGroups[1].count brings the supervisors of all groups past 100000, the most a scenario may have")
        let intervals = try #require(Self.error(Self.scenario(tail: ["reportingInterval: 30ms"])))
        #expect(
            intervals.description
                == "Scenarios/x.yaml:15:20: duration 1h in reporting intervals of 30ms makes more than 100000 intervals; make reportingInterval longer"
        )
        #expect(throws: Never.self) { try ScenarioLoader.parse(Self.scenario(tail: ["reportingInterval: 36ms"]), path: Self.path) }
    }

    @Test("a missing required key is reported at the mapping that lacks it")
    func missingKey() throws {
        let text = Self.scenario().replacingOccurrences(of: "    count: 1\n    queues", with: "    queues")
        let error = try #require(Self.error(text))
        #expect(error.description == "Scenarios/x.yaml:9:5: missing key \"count\" in agentGroups[0]")
    }

    @Test("a scenario needs at least one queue, and names are unique")
    func queuesAndNames() throws {
        let none = try #require(Self.error(Self.scenario().replacingOccurrences(of: "[Support, Sales]", with: "[]")))
        #expect(none.location == SourceLocation(file: Self.path, line: 3, column: 9))
        #expect(none.message == "expected at least one queue, found an empty list")
        let duplicate = try #require(Self.error(Self.scenario().replacingOccurrences(of: "[Support, Sales]", with: "[Support, Sales, Support]")))
        #expect(duplicate.description == "Scenarios/x.yaml:3:26: duplicate queue name \"Support\"; it is first declared at 3:10")
        let empty = try #require(Self.error(Self.scenario().replacingOccurrences(of: "name: team-a", with: "name: ''")))
        #expect(empty.description == "Scenarios/x.yaml:9:11: expected a name, found an empty string")
    }

    @Test("platforms belong to messaging channels only")
    func platformsOnSMS() throws {
        let text = Self.scenario(channelLines: ["    platforms: {whatsApp: 1}"]).replacingOccurrences(of: "kind: webMessaging", with: "kind: sms")
        let error = try #require(Self.error(text))
        #expect(error.description == "Scenarios/x.yaml:8:5: platforms apply only to channels of kind messaging, and channels[0] is sms")
    }

    @Test("a YAML syntax error from Yams is reported at its line and column")
    func yamlSyntaxError() throws {
        let error = try #require(Self.error("name: x\nduration: 1h\nqueues: [Support\nchannels: []\n"))
        #expect(error.file == Self.path)
        #expect(error.line == 4)
        #expect(error.column == 9)
        #expect(error.message.hasPrefix("invalid YAML: "))
        let tab = try #require(Self.error("name: x\n\tduration: 1h\n"))
        #expect((tab.line, tab.column) == (2, 1))
        let duplicate = try #require(Self.error("name: x\nname: y\n"))
        #expect(
            duplicate.description
                == "Scenarios/x.yaml:1:1: invalid YAML: key \"name\" appears more than once in one mapping (its first occurrence is here)")
    }

    @Test("an empty file, or one that is not a mapping, says what the top level must be")
    func emptyFile() throws {
        let empty = try #require(Self.error(""))
        #expect(empty.description.hasPrefix("Scenarios/x.yaml:1:1: the file is empty; expected a mapping with the keys name, duration"))
        let list = try #require(Self.error("- a\n- b\n"))
        #expect(list.description.hasPrefix("Scenarios/x.yaml:1:1: expected a mapping for the scenario with keys name, seed,"))
    }

    @Test("an unknown expect path is reported at the path with the nearest valid paths")
    func unknownExpectPath() throws {
        let error = try #require(Self.error(Self.scenario(tail: ["expect:", "  min: {kpis.serviceLevl: 0.8}"])))
        #expect(error.location == SourceLocation(file: Self.path, line: 16, column: 9))
        #expect(error.message.hasPrefix("unknown summary path \"kpis.serviceLevl\"; nearest valid paths: kpis.serviceLevel"))
        let bare = try #require(Self.error(Self.scenario(tail: ["expect:", "  max: {outcomes: 3}"])))
        #expect(bare.message == "outcomes needs a key after it, like outcomes.start.ok.granted")
        let invariants = try #require(Self.error(Self.scenario(tail: ["expect:", "  invariants: sometimes"])))
        #expect(invariants.description == "Scenarios/x.yaml:16:15: expected hold (the run's invariants must hold), found \"sometimes\"")
    }

    @Test("every error of a file is collected, in order of position, one a line")
    func allErrors() throws {
        let text = Self.scenario(
            agentGroupLines: ["    capacity: 0", "    boss: yes"], supervisorGroupLines: ["    licence: cx9"]
        ).replacingOccurrences(of: "duration: 1h", with: "duration: soon")
        let error = try #require(Self.error(text))
        #expect(error.all.count == 4)
        #expect(
            error.description == """
                Scenarios/x.yaml:2:11: expected a duration like 30s, 250ms, 15m or 8h, found "soon"
                Scenarios/x.yaml:12:15: agentGroups[0].capacity must be at least 1, found 0
                Scenarios/x.yaml:13:5: unknown key "boss" in agentGroups[0]; expected one of: name, count, queues, channels, capacity, replyTime, wrapUpTime, transferProbability, conferenceProbability, conferenceTime, breakInterval, breakLength, shiftStart, shiftLength
                Scenarios/x.yaml:17:14: expected a licence: one of cx1, cx1DigitalAddOn2, cx2, cx2Digital, cx3, cx3Digital, found "cx9"
                """)
        #expect(error.all.description == error.description)
    }

    @Test("a file that cannot be read is reported with its path")
    func unreadableFile() {
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: "/nonexistent/scenario.yaml") }
        do {
            _ = try ScenarioLoader.load(path: "/nonexistent/scenario.yaml")
        } catch {
            #expect(error.description.hasPrefix("/nonexistent/scenario.yaml: cannot be read: no such file"))
        }
    }

    @Test("a directory given as a scenario file is reported as a directory, in words")
    func directoryInsteadOfFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-directory-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: directory.path) }
        do {
            _ = try ScenarioLoader.loadVariants(path: directory.path)
        } catch {
            #expect(error.description == "\(directory.path): is a directory, expected a scenario file (.yaml)")
            #expect(!error.description.contains("NSCocoaErrorDomain"))
        }
    }

    @Test("malformed files never crash: every truncation and many byte mutations of a complete file are decoded or rejected")
    func malformedFilesNeverCrash() {
        let text = Array(completeScenario.utf8)
        var decoded = 0
        var rejected = 0
        func attempt(_ bytes: [UInt8]) {
            do {
                _ = try ScenarioLoader.parse(String(decoding: bytes, as: UTF8.self), path: Self.path)
                decoded += 1
            } catch {
                #expect(error.line >= 1 && error.column >= 1)
                rejected += 1
            }
        }
        for length in stride(from: 0, to: text.count, by: 7) {
            attempt(Array(text.prefix(length)))
        }
        var generator = Xoshiro256StarStar(seed: 7)
        let replacements = Array("{}[]:,-&*!|>'\"#%@` \n\t0.5xh".utf8)
        for _ in 0..<400 {
            var bytes = text
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let index = Int.random(in: 0..<bytes.count, using: &generator)
                bytes[index] = replacements[Int.random(in: 0..<replacements.count, using: &generator)]
            }
            attempt(bytes)
        }
        attempt(Array((String(repeating: "[", count: 5_000) + String(repeating: "]", count: 5_000)).utf8))
        attempt(Array(("name: " + String(repeating: "{a: ", count: 3_000)).utf8))
        #expect(decoded + rejected > 500)
        #expect(rejected > 0)
    }
}
