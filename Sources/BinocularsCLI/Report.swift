import ArgumentParser
import Foundation
import Reports

struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Build one capacity report from the runs in one or more result directories.",
        discussion: """
            Reads every run directory (one with run.json) at or under each DIR, groups the runs by \
            scenario and by variant of a sweep, and writes report.html (self-contained, with inline SVG \
            charts), report.md, summary.json and tables/*.csv. With one scenario they go to --out \
            (default: the first DIR); with several, to <out>/<scenario>/. Exit status: 0 written, 2 no \
            runs found or a run's files unreadable, 1 the report could not be written.
            """)

    @Argument(help: "Result directories: a run's own directory, or any directory above runs (e.g. Results/runs/steady-day).")
    var directories: [String]

    @Option(help: "Where to write the report (default: the first directory).")
    var out: String?

    @Option(help: "The target precision: the relative half-width of a 95% interval that 'replications needed' aims at.")
    var precision = 0.05

    func validate() throws {
        guard precision > 0, precision < 1 else { throw ValidationError("--precision must be between 0 and 1, e.g. 0.05 for ±5%") }
    }

    func run() throws {
        let records: [RunRecord]
        do {
            let found = try RunRecord.directories(under: directories)
            guard !found.isEmpty else {
                throw RunRecordError(
                    description:
                        "no runs under \(directories.joined(separator: ", ")): expected directories written by binoculars run (with run.json)")
            }
            records = try found.map { try RunRecord.load(directory: $0) }
        } catch {
            StandardError.write("\(error)\n")
            throw ExitCode(2)
        }
        let reports = CapacityReport.reports(from: records, precision: precision)
        let base = try OutputDirectory.chosen(out ?? directories[0])
        for report in reports {
            let directory = reports.count == 1 ? base.url : base.url.appendingPathComponent(report.scenario)
            do {
                try report.write(to: reports.count == 1 ? base : base.subdirectory(report.scenario))
            } catch {
                StandardError.write("could not write the report to \(directory.path): \(error)\n")
                throw ExitCode(1)
            }
            for duplicate in report.duplicates {
                StandardError.write("\(duplicate): a seed already counted for its variant; left out\n")
            }
            let runs = report.variants.map(\.runs.count).reduce(0, +)
            print(
                "\(report.scenario): \(runs) runs in \(report.variants.count) variant\(report.variants.count == 1 ? "" : "s") → \(directory.appendingPathComponent("report.html").path)"
            )
        }
    }
}
