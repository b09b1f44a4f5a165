import MonitoringEngine
import Scenario
import Simulation
import Testing

/// A scenario that sets every key, with durations in every unit and every kind of distribution.
let completeScenario = """
    name: steady-day
    seed: 42
    duration: 8h
    warmUp: 30m
    reportingInterval: 15m
    serviceLevelThreshold: 45s
    engine:
      leaseDuration: 20s
      renewalInterval: 5s
      checkInvariants: false
      thoroughCheckEvery: 250
    queues:
      - name: Support
        wrapUpCodes: [resolved, escalated]
      - Sales
    channels:
      - kind: messaging
        queue: Support
        platforms: {whatsApp: 0.6, facebook: 0.4}
        ratesPerHour: [120, 240, 180]
        profileInterval: 1h
        patience: {exponential: {mean: 3m}}
        customerMessages: {weightedDiscrete: [{value: 2, weight: 1}, {value: 4, weight: 3}]}
        customerReplyTime: {lognormal: {mean: 20s, p95: 60s}}
      - kind: sms
        queue: Sales
        ratesPerHour: 30
        handleTime: {exponential: {mean: 5m}}
    agentGroups:
      - name: team-a
        count: 40
        queues: [Support, Sales]
        channels: [webMessaging, messaging, sms]
        capacity: 2
        replyTime: {gamma: {shape: 2, scale: 10s}}
        wrapUpTime: {uniform: {minimum: 10s, maximum: 40s}}
        transferProbability: 0.05
        conferenceProbability: 0.02
        conferenceTime: {erlang: {phases: 3, mean: 5m}}
        breakInterval: {normal: {mean: 2h, standardDeviation: 10m}}
        breakLength: 15m
    supervisorGroups:
      - name: leads
        count: 5
        licence: cx2Digital
        permissions: [conversation:message:monitor, conversation:message:view, analytics:conversationDetail:view]
        thinkTime: {exponential: {mean: 2m}}
        queueActivityShare: 0.5
        policy: {queue: Support}
        holdTime: {empirical: [12s, 30s, 45s]}
        stopFromInteractionShare: 0.25
        vanishProbability: 0.01
        presenceChangeInterval: {exponential: {mean: 1h}}
        presenceChangeLength: 2m
        presenceChangeTo: [busy, meeting]
      - name: managers
        count: 2
        policy: {agentGroup: team-a}
      - name: watchers
        count: 1
        permissions: supervisorRole
        policy: longest
    network:
      supervisor: {up: {constant: 20ms}, down: {constant: 0.5s}, timeout: 2s, retries: 3}
      agent: {up: 15}
      viewDelay: {lognormal: {mu: 5.0, sigma: 0.6}}
      clientAnswers: overTheLink
    contention:
      stampedes: [{at: 1h, every: 30m, supervisors: 5, window: 200ms}]
      duplicateStopProbability: 0.1
      lateStopProbability: 0.05
      lateStopDelay: {exponential: {mean: 1500ms}}
      stopAtConversationEndProbability: 0.02
      stopAtTransferProbability: 0.03
      presenceFlapAroundStartProbability: 0.04
      latencySpikes: [{at: 2h, length: 10m, factor: 8}]
    limits:
      maximumEvents: 1_000_000
      maximumPendingEvents: 50000
      maximumHistoryOperations: 0
    expect:
      invariants: hold
      min: {kpis.serviceLevel: 0.8, outcomes.start.ok.granted: 1}
      max: {latencyMilliseconds.start.p99: 500, contentionRate: 0.6}
    """

@Suite("Scenario files decode into the world configuration")
struct ScenarioDecodingTests {
    static func decode(_ text: String) throws -> Scenario {
        try ScenarioLoader.parse(text, path: "Scenarios/test.yaml")
    }

    @Test("a complete file sets the run's bounds and the engine")
    func topLevel() throws {
        let configuration = try Self.decode(completeScenario).configuration
        #expect(configuration.name == "steady-day")
        #expect(configuration.seed == 42)
        #expect(configuration.duration == .seconds(8 * 3_600))
        #expect(configuration.warmUp == .seconds(30 * 60))
        #expect(configuration.reportingInterval == .seconds(15 * 60))
        #expect(configuration.serviceLevelThreshold == .seconds(45))
        #expect(
            configuration.engine
                == EngineSettings(
                    leaseDuration: .seconds(20), renewalInterval: .seconds(5), checkInvariants: false, thoroughCheckEvery: 250))
        #expect(configuration.limits == RunLimits(maximumEvents: 1_000_000, maximumPendingEvents: 50_000, maximumHistoryOperations: 0))
    }

    @Test("queues are mappings or bare names, and channels keep their kind, mix, profile and distributions")
    func queuesAndChannels() throws {
        let configuration = try Self.decode(completeScenario).configuration
        #expect(configuration.queues == [QueueSettings(name: "Support", wrapUpCodes: ["resolved", "escalated"]), QueueSettings(name: "Sales")])
        let messaging = try #require(configuration.channels.first)
        #expect(messaging.kind == .messaging)
        #expect(messaging.queue == "Support")
        #expect(messaging.platforms == [PlatformWeight(platform: .whatsApp, weight: 0.6), PlatformWeight(platform: .facebook, weight: 0.4)])
        #expect(messaging.ratesPerHour == [120, 240, 180])
        #expect(messaging.profileInterval == .seconds(3_600))
        #expect(messaging.patience == .exponential(mean: 180))
        #expect(messaging.customerMessages == .weightedDiscrete([.init(value: 2, weight: 1), .init(value: 4, weight: 3)]))
        #expect(messaging.customerReplyTime == (try Distribution.lognormal(mean: 20, percentile95: 60)))
        let sms = try #require(configuration.channels.last)
        #expect(sms == ChannelSettings(kind: .sms, queue: "Sales", ratesPerHour: [30], handleTime: .exponential(mean: 300)))
    }

    @Test("agent groups convert time distributions to seconds")
    func agentGroups() throws {
        let group = try #require(try Self.decode(completeScenario).configuration.agentGroups.first)
        #expect(group.name == "team-a")
        #expect(group.count == 40)
        #expect(group.queues == ["Support", "Sales"])
        #expect(group.channels == [.webMessaging, .messaging, .sms])
        #expect(group.capacity == 2)
        #expect(group.replyTime == .gamma(shape: 2, scale: 10))
        #expect(group.wrapUpTime == .uniform(minimum: 10, maximum: 40))
        #expect(group.transferProbability == 0.05)
        #expect(group.conferenceProbability == 0.02)
        #expect(group.conferenceTime == .erlang(phases: 3, mean: 300))
        #expect(group.breakInterval == .normal(mean: 7_200, standardDeviation: 600))
        #expect(group.breakLength == .constant(900))
    }

    @Test("supervisor groups read licence, permissions, policy and presence changes; {exponential: {mean: 2m}} is 120 seconds")
    func supervisorGroups() throws {
        let groups = try Self.decode(completeScenario).configuration.supervisorGroups
        try #require(groups.count == 3)
        let leads = groups[0]
        #expect(leads.name == "leads")
        #expect(leads.count == 5)
        #expect(leads.licence == .cx2Digital)
        #expect(leads.permissions == [.conversationMessageMonitor, .conversationMessageView, .analyticsConversationDetailView])
        #expect(leads.thinkTime == .exponential(mean: 120))
        #expect(leads.queueActivityShare == 0.5)
        #expect(leads.policy == .queue("Support"))
        #expect(leads.holdTime == .empirical([12, 30, 45]))
        #expect(leads.stopFromInteractionShare == 0.25)
        #expect(leads.vanishProbability == 0.01)
        #expect(leads.presenceChangeInterval == .exponential(mean: 3_600))
        #expect(leads.presenceChangeLength == .constant(120))
        #expect(leads.presenceChangeTo == [.busy, .meeting])
        #expect(groups[1] == SupervisorGroup(name: "managers", count: 2, policy: .agentGroup("team-a")))
        #expect(groups[2].permissions == .supervisorRole)
        #expect(groups[2].policy == .longest)
    }

    @Test("network latencies are in milliseconds: up {constant: 20ms} is 20, 0.5s is 500, a plain 15 is 15")
    func network() throws {
        let network = try Self.decode(completeScenario).configuration.network
        #expect(network.supervisor.upMilliseconds == .constant(20))
        #expect(network.supervisor.downMilliseconds == .constant(500))
        #expect(network.supervisor.timeout == .seconds(2))
        #expect(network.supervisor.retries == 3)
        #expect(network.agent == LinkSettings(upMilliseconds: .constant(15)))
        #expect(network.customer == LinkSettings())
        #expect(network.viewDelayMilliseconds == .lognormal(mu: 5.0, sigma: 0.6))
        #expect(network.clientAnswers == .overTheLink)
        #expect(NetworkSettings().clientAnswers == .atOnce)
        // Written back only when not the default, so files written before the key existed are written the same.
        let written = ScenarioWriter.yaml(try Self.decode(completeScenario).configuration, header: [])
        #expect(written.contains("\n  clientAnswers: overTheLink\n"))
        #expect(try ScenarioLoader.parse(written, path: "written.yaml").configuration.network == network)
        var plain = try Self.decode(completeScenario).configuration
        plain.network.clientAnswers = .atOnce
        #expect(!ScenarioWriter.yaml(plain, header: []).contains("clientAnswers"))
    }

    @Test("contention reads stampedes, probabilities, the late-stop delay in seconds and latency spikes")
    func contention() throws {
        let contention = try Self.decode(completeScenario).configuration.contention
        #expect(contention.stampedes == [Stampede(at: .seconds(3_600), every: .seconds(1_800), supervisors: 5, window: .milliseconds(200))])
        #expect(contention.duplicateStopProbability == 0.1)
        #expect(contention.lateStopProbability == 0.05)
        #expect(contention.lateStopDelaySeconds == .exponential(mean: 1.5))
        #expect(contention.stopAtConversationEndProbability == 0.02)
        #expect(contention.stopAtTransferProbability == 0.03)
        #expect(contention.presenceFlapAroundStartProbability == 0.04)
        #expect(contention.latencySpikes == [LatencySpike(at: .seconds(7_200), length: .seconds(600), factor: 8)])
    }

    @Test("the expect block becomes expectations located at their paths")
    func expectations() throws {
        let scenario = try Self.decode(completeScenario)
        #expect(scenario.source == "Scenarios/test.yaml")
        let file = "Scenarios/test.yaml"
        #expect(
            scenario.expectations == [
                ScenarioExpectation(
                    path: "invariants.held", comparison: .holds, threshold: nil, location: SourceLocation(file: file, line: 82, column: 3)),
                ScenarioExpectation(
                    path: "kpis.serviceLevel", comparison: .atLeast, threshold: 0.8, location: SourceLocation(file: file, line: 83, column: 9)),
                ScenarioExpectation(
                    path: "outcomes.start.ok.granted", comparison: .atLeast, threshold: 1, location: SourceLocation(file: file, line: 83, column: 33)),
                ScenarioExpectation(
                    path: "latencyMilliseconds.start.p99", comparison: .atMost, threshold: 500,
                    location: SourceLocation(file: file, line: 84, column: 9)),
                ScenarioExpectation(
                    path: "contentionRate", comparison: .atMost, threshold: 0.6, location: SourceLocation(file: file, line: 84, column: 45)),
            ])
    }

    @Test("keys left out take the defaults of the Swift initialisers")
    func defaults() throws {
        let scenario = try Self.decode(
            """
            name: minimal
            duration: 1h
            queues: [Support]
            channels: [{kind: webMessaging, queue: Support, ratesPerHour: [60]}]
            agentGroups: [{name: agents, count: 3, queues: [Support]}]
            supervisorGroups: [{name: supervisors, count: 1}]
            """)
        let expected = WorldConfiguration(
            name: "minimal", duration: .seconds(3_600), queues: [QueueSettings(name: "Support")],
            channels: [ChannelSettings(kind: .webMessaging, queue: "Support", ratesPerHour: [60])],
            agentGroups: [AgentGroup(name: "agents", count: 3, queues: ["Support"])],
            supervisorGroups: [SupervisorGroup(name: "supervisors", count: 1)])
        #expect(scenario.configuration == expected)
        #expect(scenario.expectations.isEmpty)
    }

    @Test("durations take ms, s, m and h, fractions, or plain seconds")
    func durations() throws {
        let cases: [(text: String, nanoseconds: Int64)] = [
            ("250ms", 250_000_000), ("30s", 30_000_000_000), ("15m", 900_000_000_000), ("8h", 28_800_000_000_000),
            ("1.5h", 5_400_000_000_000), ("0.1s", 100_000_000), ("90", 90_000_000_000), ("2.5", 2_500_000_000), ("\"45 s\"", 45_000_000_000),
        ]
        for (text, nanoseconds) in cases {
            let scenario = try Self.decode(
                """
                name: d
                duration: \(text)
                queues: [q]
                channels: []
                agentGroups: []
                supervisorGroups: []
                """)
            #expect(scenario.configuration.duration == TimeSpan(nanoseconds: nanoseconds), "\(text)")
        }
    }

    @Test("optional distributions accept null, and anchors and aliases reuse a value")
    func nullsAndAliases() throws {
        let scenario = try Self.decode(
            """
            name: a
            duration: 1h
            queues: [q]
            channels: [{kind: sms, queue: q, ratesPerHour: 1, patience: ~}]
            agentGroups:
              - {name: x, count: 1, queues: [q], replyTime: &quick {exponential: {mean: 5s}}, breakInterval: null}
              - {name: y, count: 1, queues: [q], replyTime: *quick}
            supervisorGroups: []
            """)
        #expect(scenario.configuration.channels[0].patience == nil)
        #expect(scenario.configuration.agentGroups.map(\.replyTime) == [.exponential(mean: 5), .exponential(mean: 5)])
        #expect(scenario.configuration.agentGroups[0].breakInterval == nil)
    }
}
