import Foundation
import Simulation
import Testing

@Suite("Seeds spread over machines with --shard merge into the report one machine writes")
struct ShardTests {
    @Test("Shards of a range are disjoint, cover it, and keep each seed's place")
    func shardsCoverTheRange() throws {
        let range: Range<UInt64> = 5..<17
        for count in 1...5 {
            let parts = (1...count).map { Shard(index: $0, count: count)!.seeds(of: range) }
            #expect(parts.flatMap { $0 }.sorted() == Array(range), "\(count) shards")
            #expect(Set(parts.flatMap { $0 }).count == range.count, "\(count) shards overlap")
        }
        #expect(Shard("2/3")?.seeds(of: 1..<10) == [2, 5, 8])
        #expect(Shard("4/4")?.seeds(of: 1..<3) == [], "more shards than seeds leaves some with none")
        for bad in ["0/3", "4/3", "1/0", "3", "a/b", "1/2/3", "-1/2", ""] {
            #expect(Shard(bad) == nil, "\(bad) is not a shard")
        }
    }

    @Test("Three machines' shards of run --replications, merged by binoculars report, give the one-machine report byte for byte")
    func mergedShardsMatchOneMachine() throws {
        let binary = try CommandLineTool.executable()
        try CommandLineTool.withWorkDirectory("shards") { work in
            // A copy beside the runs, so both reports name it by the same relative path.
            let text = try String(contentsOf: CommandLineTool.root.appendingPathComponent("Scenarios/ci/stop-races.yaml"), encoding: .utf8)
            try text.write(to: work.appendingPathComponent("races.yaml"), atomically: true, encoding: .utf8)
            let name = "stop-races"

            // One machine: five replications, then its report.
            var result = try CommandLineTool.run(binary, ["run", "races.yaml", "--replications", "5", "--out", "out", "--jobs", "2"], in: work)
            try #require(result.status == 0, "\(result.output)")
            let one = try ReportDeterminismTests.files(in: work.appendingPathComponent("out/\(name)"))
            try FileManager.default.removeItem(at: work.appendingPathComponent("out"))

            // Three machines, each its shard into its own tree, gathered into one place, then merged.
            for index in 1...3 {
                result = try CommandLineTool.run(
                    binary, ["run", "races.yaml", "--replications", "5", "--shard", "\(index)/3", "--out", "machine-\(index)"], in: work)
                try #require(result.status == 0, "\(result.output)")
                let runs = try FileManager.default.contentsOfDirectory(atPath: work.appendingPathComponent("machine-\(index)/\(name)").path)
                    .filter { $0.allSatisfy(\.isNumber) }
                #expect(runs.count == (index == 3 ? 1 : 2), "shard \(index)/3 of 5 seeds ran \(runs)")
                try FileManager.default.createDirectory(at: work.appendingPathComponent("out/\(name)"), withIntermediateDirectories: true)
                for run in runs {
                    try FileManager.default.moveItem(
                        at: work.appendingPathComponent("machine-\(index)/\(name)/\(run)"), to: work.appendingPathComponent("out/\(name)/\(run)"))
                }
            }
            result = try CommandLineTool.run(binary, ["report", "out/\(name)"], in: work)
            try #require(result.status == 0, "\(result.output)")
            let merged = try ReportDeterminismTests.files(in: work.appendingPathComponent("out/\(name)"))
            #expect(one.count > 10)
            #expect(Set(merged.keys) == Set(one.keys))
            for (file, data) in one {
                #expect(merged[file] == data, "\(file) differs between one machine and the merged shards")
            }
        }
    }

    @Test("explore --shard runs only its seeds and says which")
    func exploreShard() throws {
        let binary = try CommandLineTool.executable()
        let result = try CommandLineTool.run(
            binary,
            ["explore", "Scenarios/ci/stop-races.yaml", "--seeds", "6", "--shard", "2/3", "--jobs", "2", "--out", "/tmp/binoculars-shard-explore"],
            in: CommandLineTool.root)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("explored 2 seeds (2…5, one in 3: shard 2/3): all passed"), "\(result.output)")
        let bad = try CommandLineTool.run(binary, ["explore", "Scenarios/ci/stop-races.yaml", "--shard", "4/3"], in: CommandLineTool.root)
        #expect(bad.status == 64 || bad.status == 2, "\(bad.output)")
        #expect(bad.output.contains("--shard"), "\(bad.output)")
    }
}
