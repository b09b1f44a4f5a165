import Foundation
import Reports
import Scenario
import Simulation

/// A capacity report built once from real runs: the shipped supervisor sweep, shortened to one hour and two
/// variants, two replications each, written with the same code `binoculars run` uses.
enum ReportFixture {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../..").standardized

    /// Built on first use; a failure fails each test that needs the report, rather than the whole test process.
    private static let built = Result { try build() }

    static func directory() throws -> URL { try built.get() }

    static func html() throws -> String { try String(contentsOf: directory().appendingPathComponent("report.html"), encoding: .utf8) }

    private static func build() throws -> URL {
        let path = root.appendingPathComponent("Scenarios/supervisor-sweep.yaml").path
        var text = try String(contentsOfFile: path, encoding: .utf8)
        text = text.replacingOccurrences(of: "duration: 4h", with: "duration: 1h")
        text = text.replacingOccurrences(of: "warmUp: 30m", with: "warmUp: 10m")
        text = text.replacingOccurrences(of: "values: [10, 25, 50, 100, 200]", with: "values: [5, 60]")
        let variants = try ScenarioLoader.parseVariants(text, path: path)
        precondition(variants.count == 2, "the sweep's values were not replaced")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("binoculars-report-\(UUID().uuidString)")
        var records: [RunRecord] = []
        for scenario in variants {
            for seed: UInt64 in [1, 2] {
                var configuration = scenario.configuration
                configuration.seed = seed
                var world = World(configuration: configuration, wallClock: { DispatchTime.now().uptimeNanoseconds })
                var result = world.run()
                result.timing.wallSeconds = 1
                result.timing.eventsPerSecond = Double(result.summary.events)
                let directory = try OutputDirectory(out.path).subdirectory([configuration.name, scenario.variant!.directoryName, String(seed)])
                let info = RunInfo(
                    scenario: configuration.name, source: path, seed: seed, variant: scenario.variant,
                    command: "binoculars replay \(path) --seed \(seed)")
                let outcomes = scenario.expectations.evaluate(result.summary).map { ExpectationOutcome(held: $0.held, message: $0.message) }
                try RunWriter.write(result, expectations: outcomes, info: info, scenarioYAML: scenario.yaml, to: directory)
                records.append(try RunRecord.load(directory: directory.url.path))
            }
        }
        let reportDirectory = out.appendingPathComponent("supervisor-sweep")
        for report in CapacityReport.reports(from: records, precision: 0.05) {
            try report.write(to: OutputDirectory(reportDirectory.path))
        }
        return reportDirectory
    }
}
