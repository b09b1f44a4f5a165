import LoadDriver
import Testing

@Suite("The open model: latencies from when each request was due")
struct OpenModelTests {
    @Test("Response time runs from due to answered, service time from sent to answered; a send past the lateness is late")
    func recorder() {
        var latencies = OpenModelLatencies(lateness: .milliseconds(10))
        // On time: sent 1 ms after due, answered 20 ms after sending.
        latencies.record("start", due: .milliseconds(100), sent: .milliseconds(101), answered: .milliseconds(121))
        // Held back by the driver: sent 500 ms late, answered 20 ms after sending.
        latencies.record("start", due: .milliseconds(200), sent: .milliseconds(700), answered: .milliseconds(720))
        latencies.recordMissed("stop")
        let start = latencies.figures("start")
        #expect(start.count == 2)
        #expect(start.late == 1)
        #expect(start.missed == 0)
        #expect(abs(start.serviceTime.max - 20) < 0.1)
        #expect(abs(start.responseTime.p50 - 21) < 0.1)
        #expect(abs(start.responseTime.max - 520) < 1)
        let stop = latencies.figures("stop")
        #expect(stop.count == 0)
        #expect(stop.missed == 1)
        #expect(stop.responseTime.max == 0)
        #expect(latencies.operations == ["start", "stop"])
        #expect(latencies.driverWasBottleneck)

        var onTime = OpenModelLatencies()
        for index in 0..<200 {
            let due = Duration.milliseconds(index * 5)
            onTime.record("message", due: due, sent: due + .milliseconds(2), answered: due + .milliseconds(30))
        }
        #expect(onTime.figures("message").late == 0)
        #expect(!onTime.driverWasBottleneck)
    }

    // The two tests below run in real time. When the test process's threads are all busy (the simulation suites run
    // beside them), the loop itself is late: what they require holds however late it wakes.

    @Test("A schedule the driver cannot keep up with shows in the late and missed sends, not hidden")
    func overloadedDriver() async {
        // Forty requests due every 5 ms; each takes 50 ms; two at a time: the driver serves 40 a second, not 200.
        let schedule = (0..<40).map { OpenLoop.Item(due: .milliseconds($0 * 5), operation: "start") }
        var latencies = OpenModelLatencies(lateness: .milliseconds(10))
        await OpenLoop.run(schedule, concurrency: 2, giveUpAfter: .milliseconds(300), into: &latencies) { _ in
            try? await Task.sleep(for: .milliseconds(50))
        }
        let figures = latencies.figures("start")
        #expect(figures.count + figures.missed == 40)
        // Two slots of 50 ms cannot send forty requests within 300 ms of their due instants: some wait past it.
        #expect(figures.missed > 0)
        #expect(latencies.driverWasBottleneck)
        if figures.count > 0 {
            #expect(figures.serviceTime.p50 >= 50)
            // A request's wait for a slot is in its response time: never less than its service time.
            #expect(figures.responseTime.max >= figures.serviceTime.max)
        }
    }

    @Test("With enough slots and patience every request is sent, and each is answered once")
    func everyRequestSent() async {
        let schedule = (0..<40).map { OpenLoop.Item(due: .milliseconds($0 * 5), operation: $0.isMultiple(of: 2) ? "start" : "stop") }
        var latencies = OpenModelLatencies()
        let counter = Counter()
        await OpenLoop.run(schedule, concurrency: 64, giveUpAfter: .seconds(3_600), into: &latencies) { index in
            await counter.add(index)
            try? await Task.sleep(for: .milliseconds(20))
        }
        #expect(await counter.seen == Set(0..<40))
        #expect(await counter.calls == 40)
        #expect(latencies.figures("start").count == 20)
        #expect(latencies.figures("stop").count == 20)
        #expect(latencies.figures("start").missed == 0)
        #expect(latencies.figures("start").serviceTime.p50 >= 20)
    }
}

actor Counter {
    var seen = Set<Int>()
    var calls = 0
    func add(_ index: Int) {
        seen.insert(index)
        calls += 1
    }
}
