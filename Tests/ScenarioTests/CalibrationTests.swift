import Foundation
import MonitoringEngine
import Scenario
import Simulation
import Testing

/// `binoculars calibrate`'s fit: a live run's requests into the scenario's simulated deployment.
@Suite("Calibrating a scenario from a live run")
struct CalibrationTests {
    static let header = "operation,node,due_ms,sent_ms,answered_ms,node_ms,answered_by_engine"

    static var emptyConfiguration: WorldConfiguration {
        WorldConfiguration(name: "calibration-test", duration: .seconds(1), queues: [], channels: [], agentGroups: [], supervisorGroups: [])
    }

    static func csv(_ lines: [String]) -> String { ([header] + lines).joined(separator: "\n") + "\n" }

    @Test("Only the supervisors' requests answered by the engine with the node's time are fitted")
    func readsSupervisorRequests() throws {
        let text = Self.csv([
            "start,0,1000.000,1000.500,1020.000,16.000,true",
            "stop,1,2000.000,2000.100,2010.000,8.000,true",
            "renew,2,3000.000,3000.100,3004.000,2.000,true",
            "message,0,4000.000,4000.100,4030.000,20.000,true",
            "start,0,5000.000,5000.100,6000.000,,false",
            "stop,0,6000.000,6000.100,6003.000,,true",
        ])
        let calibration = try Calibration.read(requestsCSV: text, path: "requests.csv", nodes: 3)
        #expect(calibration.samples.map(\.operation) == ["start", "stop", "renew"])
        #expect(calibration.samples.map(\.responseMilliseconds) == [20, 10, 4])
        #expect(calibration.samples.map(\.nodeMilliseconds) == [16, 8, 2])
    }

    @Test("The node's time becomes the node's service, the rest half each way, the store hop zero, the nodes and workers the live run's")
    func fits() throws {
        let lines = (0..<1_000).map { index in
            let node = Double(index % 100) / 10
            let response = node + 2 + Double(index % 7)
            return "start,0,\(index).000,\(index).000,\(Double(index) + response),\(node),true"
        }
        let calibration = try Calibration.read(requestsCSV: Self.csv(lines), path: "requests.csv", nodes: 3, workers: 8)
        var configuration = Self.emptyConfiguration
        configuration.cluster.storeHopMilliseconds = .constant(5)
        let calibrated = calibration.calibrated(configuration)
        #expect(calibrated.cluster.nodes == 3)
        #expect(calibrated.cluster.nodeWorkers == 8)
        #expect(calibrated.cluster.storeHopMilliseconds == .constant(0))
        guard case .empirical(let service) = try #require(calibrated.cluster.nodeServiceMilliseconds),
            case .empirical(let up) = calibrated.network.supervisor.upMilliseconds
        else {
            Issue.record("not empirical: \(String(describing: calibrated.cluster.nodeServiceMilliseconds))")
            return
        }
        #expect(calibrated.network.supervisor.downMilliseconds == calibrated.network.supervisor.upMilliseconds)
        // At most 200 values, spanning what was measured: node times 0…9.9 ms, each way (2…8)/2 = 1…4 ms.
        #expect(service.count == Calibration.quantiles)
        #expect(service.first! < 0.1 && service.last! > 9.8)
        #expect(up.first! >= 1 && up.last! <= 4 && up.last! > 3.9)
        let mean = service.reduce(0, +) / Double(service.count)
        #expect(abs(mean - 4.95) < 0.05, "mean \(mean)")
    }

    @Test("A file that is not a live run's requests.csv is an error naming the file and line")
    func badInput() {
        #expect(throws: CalibrationError.self) { try Calibration.read(requestsCSV: "a,b\n", path: "x.csv", nodes: 1) }
        do {
            _ = try Calibration.read(requestsCSV: Self.csv(["start,0,1,1,oops,1,true"]), path: "x.csv", nodes: 1)
            Issue.record("read a malformed line")
        } catch {
            #expect(error.description.hasPrefix("x.csv:2:1: expected"), "\(error)")
        }
        do {
            _ = try Calibration.read(requestsCSV: Self.csv(["message,0,1,1,2,1,true"]), path: "x.csv", nodes: 1)
            Issue.record("fitted nothing")
        } catch {
            #expect(error.description.contains("nothing to fit"), "\(error)")
        }
    }

    @Test("The comparison gives each latency's gap, relative to the live figure")
    func compares() throws {
        func summary(_ start: (Double, Double), _ stop: (Double, Double)) throws -> RunSummary {
            func latency(_ p50: Double, _ p99: Double) throws -> LatencySummary {
                try JSONDecoder().decode(
                    LatencySummary.self,
                    from: Data(#"{"count": 10, "p50": \#(p50), "p90": 0, "p99": \#(p99), "p999": 0, "max": 0, "mean": 0}"#.utf8))
            }
            var world = World(configuration: Self.emptyConfiguration)
            var summary = world.run().summary
            summary.latencyMilliseconds["start"] = try latency(start.0, start.1)
            summary.latencyMilliseconds["stop"] = try latency(stop.0, stop.1)
            return summary
        }
        func prediction(_ start: (Double, Double), _ stop: (Double, Double)) throws -> Calibration.Prediction {
            let simulated = try summary(start, stop)
            return Calibration.Prediction(
                replications: 1, latencyMilliseconds: simulated.latencyMilliseconds, startsGranted: 0, refusedShare: 0, held: true)
        }
        let calibration = Calibration(samples: [], nodes: 1)
        let (latencies, _) = calibration.compare(live: try summary((10, 40), (20, 50)), predicted: try prediction((12, 30), (20, 75)))
        #expect(latencies.map(\.figure) == ["start p50 ms", "start p99 ms", "stop p50 ms", "stop p99 ms"])
        let gaps = latencies.map { ($0.gap! * 100).rounded() }
        #expect(gaps == [20, -25, 0, 50])
    }

    @Test("A live node works on as many requests at once as it has database connections over PostgreSQL, one on memory or SQLite")
    func workers() {
        #expect(Calibration.workers(store: "postgres") == Calibration.defaultDatabaseConnections)
        #expect(Calibration.workers(store: "target") == Calibration.defaultDatabaseConnections)
        #expect(Calibration.workers(store: "sqlite") == 1)
        #expect(Calibration.workers(store: "memory") == 1)
    }

    @Test("The live p99's 95% interval brackets it by order statistics, and is absent over too few requests")
    func interval() throws {
        let lines = (1...1_000).map { "start,0,0.000,0.000,\($0).000,0.5,true" }
        let calibration = try Calibration.read(requestsCSV: Self.csv(lines), path: "requests.csv", nodes: 1)
        let p99 = try #require(calibration.interval(of: "start", percentile: 99))
        // 990 ± 1.96 × √9.9 ≈ 990 ± 6.2: ranks 983 and 997, responses of 984 and 998 ms.
        #expect(p99 == 984...998)
        let p50 = try #require(calibration.interval(of: "start", percentile: 50))
        #expect(p50.contains(500) && p50.lowerBound > 460 && p50.upperBound < 540)
        #expect(calibration.interval(of: "stop", percentile: 99) == nil)
        let few = try Calibration.read(requestsCSV: Self.csv(Array(lines.prefix(100))), path: "requests.csv", nodes: 1)
        #expect(few.interval(of: "start", percentile: 99) == nil, "100 requests bound no p99")
    }

    @Test("The prediction pools its replications' latencies: each replication's requests are counted once")
    func predictionPools() throws {
        let text = """
            name: pooled
            duration: 10m
            warmUp: 1m
            queues: [{name: Support}]
            channels:
              - {kind: webMessaging, queue: Support, ratesPerHour: [600], customerMessages: {constant: 6}, customerReplyTime: {constant: 20s}}
            agentGroups:
              - {name: support, count: 20, queues: [Support], channels: [webMessaging], capacity: 3, replyTime: {constant: 10s}}
            supervisorGroups:
              - {name: floor, count: 10, thinkTime: {exponential: {mean: 10s}}, holdTime: {exponential: {mean: 20s}}}
            cluster: {nodes: 2, nodeService: {exponential: {mean: 5ms}}}
            """
        let configuration = try ScenarioLoader.parse(text, path: "pooled.yaml").configuration
        var counts: [Int] = []
        for seed in configuration.seed..<configuration.seed + 3 {
            var replicated = configuration
            replicated.seed = seed
            var world = World(configuration: replicated)
            _ = world.run()
            counts.append(world.metrics.startLatency.summary.count)
        }
        let prediction = Calibration.predict(configuration, replications: 3)
        #expect(prediction.replications == 3 && prediction.held)
        #expect(prediction.latencyMilliseconds["start"]?.count == counts.reduce(0, +), "\(counts)")
        #expect(counts.allSatisfy { $0 > 0 })
    }
}
