import Histogram

/// The latencies of an open-model load run, measured as wrk2 measures them, free of coordinated omission.
///
/// Each request has three instants, as offsets from the run's start:
/// - **due**: when the schedule said it should go;
/// - **sent**: when it actually went;
/// - **answered**: when its answer came.
///
/// The **response time** runs from due to answered. It is what a user acting on the schedule waited, including any
/// time the request spent waiting for the driver. The **service time** runs from sent to answered, and is kept beside
/// it. A request sent more than `lateness` after it was due counts as late. A request the driver gave up on is
/// counted as missed (k6's dropped iterations). Neither is absorbed silently.
public struct OpenModelLatencies: Sendable {
    /// One operation's figures, in milliseconds.
    public struct Figures: Sendable, Hashable {
        public var count: Int
        public var late: Int
        public var missed: Int
        public var responseTime: Percentiles
        public var serviceTime: Percentiles
    }

    public struct Percentiles: Sendable, Hashable, Codable {
        public var p50: Double
        public var p90: Double
        public var p99: Double
        public var p999: Double
        public var max: Double
    }

    /// A send later than this after it was due counts as late.
    public let lateness: Duration
    private var response: [String: Histogram<UInt64>] = [:]
    private var service: [String: Histogram<UInt64>] = [:]
    private var late: [String: Int] = [:]
    private var missed: [String: Int] = [:]

    public init(lateness: Duration = .milliseconds(10)) { self.lateness = lateness }

    /// The operations seen, sorted.
    public var operations: [String] { Set(response.keys).union(missed.keys).sorted() }

    public mutating func record(_ operation: String, due: Duration, sent: Duration, answered: Duration) {
        _ = response[operation, default: Self.histogram()].record(Self.microseconds(answered - due))
        _ = service[operation, default: Self.histogram()].record(Self.microseconds(answered - sent))
        if sent - due > lateness { late[operation, default: 0] += 1 }
    }

    /// The driver gave up on a request before it could send it.
    public mutating func recordMissed(_ operation: String) { missed[operation, default: 0] += 1 }

    public func figures(_ operation: String) -> Figures {
        Figures(
            count: Int(response[operation]?.totalCount ?? 0), late: late[operation] ?? 0, missed: missed[operation] ?? 0,
            responseTime: Self.percentiles(response[operation]), serviceTime: Self.percentiles(service[operation]))
    }

    /// Whether the driver itself held the load back: a request missed, or more than one in a hundred sent late. A
    /// report whose driver was the bottleneck measured the driver, not the deployment, and must say so.
    public var driverWasBottleneck: Bool {
        let sent = response.values.reduce(0) { $0 + Int($1.totalCount) }
        let lateCount = late.values.reduce(0, +)
        return !missed.values.allSatisfy { $0 == 0 } || (sent > 0 && Double(lateCount) / Double(sent) > 0.01)
    }

    private static func histogram() -> Histogram<UInt64> {
        // Up to an hour, to three significant digits, in microseconds.
        Histogram(highestTrackableValue: 3_600_000_000, numberOfSignificantValueDigits: .three)
    }

    private static func microseconds(_ duration: Duration) -> UInt64 {
        let (seconds, attoseconds) = duration.components
        let value = seconds * 1_000_000 + attoseconds / 1_000_000_000_000
        return UInt64(min(3_600_000_000, max(0, value)))
    }

    private static func percentiles(_ histogram: Histogram<UInt64>?) -> Percentiles {
        guard let histogram, histogram.totalCount > 0 else { return Percentiles(p50: 0, p90: 0, p99: 0, p999: 0, max: 0) }
        func milliseconds(_ microseconds: UInt64) -> Double { Double(microseconds) / 1_000 }
        return Percentiles(
            p50: milliseconds(histogram.valueAtPercentile(50)), p90: milliseconds(histogram.valueAtPercentile(90)),
            p99: milliseconds(histogram.valueAtPercentile(99)), p999: milliseconds(histogram.valueAtPercentile(99.9)),
            max: milliseconds(histogram.max))
    }
}

/// Runs a schedule of requests in real time as an open model: each request is sent when it is due, whatever the
/// answers of earlier ones are doing, with at most `concurrency` in flight.
public enum OpenLoop {
    /// One request of the schedule: when it is due, as an offset from the run's start, and the operation it is, for
    /// the figures.
    public struct Item: Sendable {
        public var due: Duration
        public var operation: String

        public init(due: Duration, operation: String) {
            self.due = due
            self.operation = operation
        }
    }

    /// Sends `schedule` (in order of `due`), calling `send` with each item's index. When every slot is busy at a
    /// request's due instant, it waits for one, and is recorded late if it goes out past the recorder's lateness. A
    /// request still unsent `giveUpAfter` past its due instant is not sent and is recorded missed. Returns when every
    /// request sent has been answered.
    public static func run(
        _ schedule: [Item], concurrency: Int, giveUpAfter: Duration, into recorder: inout OpenModelLatencies,
        send: @escaping @Sendable (Int) async -> Void
    ) async {
        let clock = ContinuousClock()
        let start = clock.now
        await withTaskGroup(of: (index: Int, sent: Duration, answered: Duration).self) { group in
            var inFlight = 0
            func finish(_ done: (index: Int, sent: Duration, answered: Duration)) {
                inFlight -= 1
                let item = schedule[done.index]
                recorder.record(item.operation, due: item.due, sent: done.sent, answered: done.answered)
            }
            for (index, item) in schedule.enumerated() {
                try? await clock.sleep(until: start + item.due)
                while inFlight >= max(1, concurrency), let done = await group.next() { finish(done) }
                let sent = clock.now - start
                guard sent - item.due <= giveUpAfter else {
                    recorder.recordMissed(item.operation)
                    continue
                }
                inFlight += 1
                group.addTask {
                    await send(index)
                    return (index, sent, clock.now - start)
                }
            }
            while let done = await group.next() { finish(done) }
        }
    }
}
