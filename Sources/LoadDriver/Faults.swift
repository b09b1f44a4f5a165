import Simulation

/// The faults a `FaultProxy` puts between clients and one node: each request, independently, may be held before it
/// is forwarded, never forwarded, forwarded twice, or have its answer held or lost. Probabilities are from 0 to 1;
/// delays are drawn uniformly from their range, in milliseconds.
public struct FaultSettings: Sendable, Hashable {
    public var requestDelayProbability: Double
    public var requestDelayMilliseconds: ClosedRange<Double>
    /// The request never reaches the node.
    public var requestDropProbability: Double
    /// The node receives the request twice, at once (a retrying middlebox); the client gets the first answer.
    public var requestDuplicationProbability: Double
    public var answerDelayProbability: Double
    public var answerDelayMilliseconds: ClosedRange<Double>
    /// The node applies the request but its answer never reaches the client.
    public var answerDropProbability: Double
    /// How long the proxy holds a client whose request or answer it dropped, before it answers 502: set it past the
    /// client's time-out, so that the client sees a time-out, as it would on a real network.
    public var dropHoldMilliseconds: Double

    public init(
        requestDelayProbability: Double = 0, requestDelayMilliseconds: ClosedRange<Double> = 0...0, requestDropProbability: Double = 0,
        requestDuplicationProbability: Double = 0, answerDelayProbability: Double = 0, answerDelayMilliseconds: ClosedRange<Double> = 0...0,
        answerDropProbability: Double = 0, dropHoldMilliseconds: Double = 10_000
    ) {
        self.requestDelayProbability = requestDelayProbability
        self.requestDelayMilliseconds = requestDelayMilliseconds
        self.requestDropProbability = requestDropProbability
        self.requestDuplicationProbability = requestDuplicationProbability
        self.answerDelayProbability = answerDelayProbability
        self.answerDelayMilliseconds = answerDelayMilliseconds
        self.answerDropProbability = answerDropProbability
        self.dropHoldMilliseconds = dropHoldMilliseconds
    }

    /// No faults: the proxy forwards every request and answer as it is.
    public static let none = FaultSettings()

    /// The first probability out of [0, 1], or a range that is not finite and non-negative, in words; nil if all are
    /// valid.
    public var problem: String? {
        let probabilities = [
            ("requestDelayProbability", requestDelayProbability), ("requestDropProbability", requestDropProbability),
            ("requestDuplicationProbability", requestDuplicationProbability), ("answerDelayProbability", answerDelayProbability),
            ("answerDropProbability", answerDropProbability),
        ]
        for (name, value) in probabilities where !(value >= 0 && value <= 1) { return "\(name) must be from 0 to 1, not \(value)" }
        let durations = [
            ("requestDelayMilliseconds", requestDelayMilliseconds.lowerBound), ("requestDelayMilliseconds", requestDelayMilliseconds.upperBound),
            ("answerDelayMilliseconds", answerDelayMilliseconds.lowerBound), ("answerDelayMilliseconds", answerDelayMilliseconds.upperBound),
            ("dropHoldMilliseconds", dropHoldMilliseconds),
        ]
        for (name, value) in durations where !(value.isFinite && value >= 0) {
            return "\(name) must be a finite number of milliseconds ≥ 0, not \(value)"
        }
        return nil
    }
}

/// What happens to one request on its way through the proxy, drawn before it is forwarded.
public struct FaultDecision: Sendable, Hashable {
    /// Milliseconds the request is held before it is forwarded (0: none).
    public var requestDelayMilliseconds: Double = 0
    public var dropRequest = false
    public var duplicateRequest = false
    public var answerDelayMilliseconds: Double = 0
    public var dropAnswer = false

    public init() {}

    /// Nothing happens to the request: it is forwarded once, at once, and so is its answer.
    public var isClean: Bool { self == FaultDecision() }
}

/// Draws the faults of each request in turn from one seeded stream: the same seed and the same order of requests give
/// the same faults. A live run's requests arrive in an order no seed fixes, so what the seed fixes is the sequence of
/// decisions, and with it the rates.
public struct FaultDraws: Sendable {
    public let settings: FaultSettings
    private var random: Xoshiro256StarStar

    public init(settings: FaultSettings, seed: UInt64) {
        self.settings = settings
        random = RandomStreams(rootSeed: seed).stream(named: "fault-proxy")
    }

    /// The next request's faults. Every knob draws from the stream whatever the others drew, so that turning one knob
    /// leaves the others' decisions as they were.
    public mutating func next() -> FaultDecision {
        var decision = FaultDecision()
        let delayRequest = random.nextUnitInterval() < settings.requestDelayProbability
        let requestDelay = uniform(settings.requestDelayMilliseconds)
        if delayRequest { decision.requestDelayMilliseconds = requestDelay }
        decision.dropRequest = random.nextUnitInterval() < settings.requestDropProbability
        decision.duplicateRequest = random.nextUnitInterval() < settings.requestDuplicationProbability
        let delayAnswer = random.nextUnitInterval() < settings.answerDelayProbability
        let answerDelay = uniform(settings.answerDelayMilliseconds)
        if delayAnswer { decision.answerDelayMilliseconds = answerDelay }
        decision.dropAnswer = random.nextUnitInterval() < settings.answerDropProbability
        // A dropped request is neither duplicated nor answered.
        if decision.dropRequest {
            decision.duplicateRequest = false
            decision.answerDelayMilliseconds = 0
            decision.dropAnswer = false
        }
        return decision
    }

    private mutating func uniform(_ range: ClosedRange<Double>) -> Double {
        range.lowerBound + random.nextUnitInterval() * (range.upperBound - range.lowerBound)
    }
}
