import Foundation
import Scenario
import Testing

/// What fuzzing the reader found (Fuzz/run.sh), each kept as a file in Tests/Fixtures/fuzz: the reader must
/// reject it at a position, at once.
@Suite("Inputs found by fuzzing the reader are rejected with a position, quickly")
struct FuzzFindingTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/fuzz")

    /// Each fixture, with the position and the start of the message it must be rejected with.
    static let findings: [(file: String, line: Int, column: Int, message: String)] = [
        ("alias-keys.yaml", 15, 38, "the file holds more than 100000 values once each alias (*name) is replaced by what it names"),
        ("billion-laughs.yaml", 14, 261, "the file holds more than 100000 values once each alias (*name) is replaced by what it names"),
        ("not-utf8.yaml", 2, 13, "expected text in UTF-8, found a byte that is not"),
    ]

    @Test("every fixture in Tests/Fixtures/fuzz is listed here")
    func everyFixtureListed() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.fixtures.path).filter { !$0.hasPrefix(".") }.sorted()
        #expect(files == Self.findings.map(\.file).sorted())
    }

    @Test("a fuzz finding is rejected at its position within a second", arguments: findings.map(\.file))
    func rejected(file: String) throws {
        let finding = try #require(Self.findings.first { $0.file == file })
        let path = Self.fixtures.appendingPathComponent(file).path
        let clock = ContinuousClock()
        let started = clock.now
        let error = #expect(throws: ScenarioError.self) { try ScenarioLoader.loadVariants(path: path) }
        #expect(clock.now - started < .seconds(1))
        #expect(error?.location == SourceLocation(file: path, line: finding.line, column: finding.column))
        #expect(error?.message.hasPrefix(finding.message) == true, "\(error?.message ?? "")")
    }

    @Test("a file longer than a mebibyte is refused at the first byte past it, and no more of it is read")
    func longFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-long-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let line = "# " + String(repeating: "x", count: 1_021) + "\n"
        try Data(String(repeating: line, count: 3_000).utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: ScenarioError.self) { try ScenarioLoader.load(path: path) }
        #expect(error?.description == "\(path):1025:1: the file goes on past 1048576 bytes, the most a scenario file may have")
    }

    @Test("a sweep whose variants together would hold too many values is refused at the sweep")
    func sweepTooLarge() throws {
        let hundred = (1...100).map(String.init).joined(separator: ", ")
        let padding = "queues:\n" + (0..<500).map { "  - {name: q\($0), wrapUpCodes: [a, b, c]}" }.joined(separator: "\n") + "\n"
        let text =
            SweepTests.base.replacingOccurrences(of: "queues: [{name: Support}]\n", with: padding + "  - {name: Support}\n")
            + "sweep:\n  - {parameter: supervisorGroups.floor.count, values: [\(hundred)]}\n  - {parameter: supervisorGroups.leads.count, values: [\(hundred)]}\n"
        let error = #expect(throws: ScenarioError.self) { try ScenarioLoader.parseVariants(text, path: "sweep.yaml") }
        #expect(error?.message.hasPrefix("the sweep makes 10000 variants of a file of ") == true, "\(error?.message ?? "")")
        #expect(error?.message.hasSuffix("values, more than 2000000 values in all; sweep fewer values") == true)
    }
}
