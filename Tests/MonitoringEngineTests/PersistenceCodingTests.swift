import Foundation
import MonitoringEngine
import Testing

/// Values of every case of the engine's enums, taken from a real run where the engine builds them.
private struct Samples {
    let session: MonitorSession
    let endedSession: MonitorSession
    let message: Message
    let conversation: ConversationID
    let agent: ParticipantID

    init() throws {
        var centre = Centre()
        let (id, agent) = centre.inProgress()
        endedSession = try centre.session(id, by: Centre.alice, agent: agent)
        centre.must(.stopMonitoring(endedSession.id, by: Centre.alice, from: .details))
        session = try centre.session(id, by: Centre.bob)
        message = centre.conversation(id).transcript[1]
        conversation = id
        self.agent = agent
    }

    var user: User { User(id: Centre.alice, displayName: "Alice", licence: .cx3, roles: [Centre.supervisorRole], presence: .available) }
    var role: Role { Role(id: Centre.supervisorRole, name: "Monitoring supervisor", permissions: .supervisorRole) }
    var context: ConversationContext {
        ConversationContext(
            participantData: ["orderId": "A-17"], customer: CustomerDetails(name: "Dana", address: "+44 20 0000 0000", attributes: ["tier": "gold"]),
            journey: ["/orders"], script: "Greet", wrapUpCodes: ["resolved"])
    }

    var commands: [Command] {
        [
            .defineRole(role), .addUser(user), .assignRoles(Centre.bob, [Centre.supervisorRole, Centre.agentRole]),
            .setLicence(Centre.bob, .cx1DigitalAddOn2), .setPresence(Centre.bob, .onBreak),
            .addQueue(Queue(id: Centre.queue, name: "Support", members: [Centre.agentAnna], wrapUpCodes: ["resolved"], script: "Greet")),
            .setQueueMembership(Centre.queue, Centre.agentBen, isMember: false),
            .createConversation(.messaging(.whatsApp), context), .enqueue(conversation, Centre.queue),
            .alertAgent(conversation, Centre.agentBen), .connectAgent(conversation, agent), .disconnectAgent(conversation, agent),
            .transfer(conversation, from: agent, to: .agent(Centre.agentBen)),
            .sendMessage(conversation, from: .customer, .attachment, body: "photo.jpg"), .typing(conversation, agent),
            .markRead(conversation, agent, upTo: 3), .wrapUp(conversation, agent, code: "resolved"),
            .endConversation(conversation), .abandon(conversation),
            .startMonitoring(conversation, supervisor: Centre.alice, agent: nil, via: .queueActivity),
            .stopMonitoring(session.id, by: Centre.bob, from: .interaction), .renewLease(session.id, by: Centre.bob),
            .expireLeases,
        ]
    }

    var outcomes: [Outcome] {
        [
            .done, .conversationCreated(conversation), .participantAdded(agent), .messageSent(index: 4),
            .monitoringStarted(session), .alreadyMonitoring(session), .monitoringStopped(endedSession.id),
            .leaseRenewed(session.id, until: .seconds(2_000)), .leasesExpired(count: 2),
        ]
    }

    var errors: [MonitoringError] {
        [
            .licenceNotEligible(.cx1), .missingPermission(.conversationMessageMonitor), .supervisorNotAvailable(.meal),
            .channelNotMonitorable(.voice), .conversationNotInProgress(.queued),
            .agentChoiceRequired([AgentChoice(participant: agent, agent: Centre.agentAnna, name: "Anna")]),
            .notAConnectedAgent(ParticipantID(9)), .cannotMonitorOwnConversation,
            .alreadyMonitored(by: session.holder, since: session.startedAt),
            .sessionAlreadyEnded(endedSession.id, .stoppedFromDetails), .monitorCannotParticipate,
            .notSessionOwner(session.id, owner: Centre.bob), .administratorsOnly, .unknownUser(UserID(99)),
            .unknownRole(RoleID(99)), .unknownQueue(QueueID(99)), .unknownConversation(ConversationID(99)),
            .unknownParticipant(conversation, ParticipantID(42)), .unknownSession(SessionID(conversation: conversation, token: 7)),
            .userAlreadyExists(Centre.alice), .queueAlreadyExists(Centre.queue), .invalidConversationState(.ended),
            .invalidParticipantState(agent, .wrapUp), .notAnAgent(.customer), .agentAlreadyInConversation(Centre.agentAnna),
            .userMonitorsConversation(Centre.bob), .unknownWrapUpCode("lost"), .limitReached(.sessionsPerConversation),
        ]
    }

    var events: [Event] {
        [
            .roleDefined(role),
            .userAdded(Centre.alice, name: "Alice", .cx3, .supervisorRole, .available, isAdministrator: false),
            .permissionsChanged(Centre.bob, [.conversationMessageView]), .licenceChanged(Centre.bob, .cx2),
            .presenceChanged(Centre.bob, .offline), .queueAdded(Centre.queue, name: "Support"),
            .queueMembershipChanged(Centre.queue, Centre.agentAnna, isMember: true),
            .conversationCreated(conversation, .sms, customerName: "Dana"), .conversationQueued(conversation, Centre.queue),
            .conversationStateChanged(conversation, .inProgress), .agentAlerted(conversation, agent, Centre.agentAnna),
            .agentConnected(conversation, agent, Centre.agentAnna, name: "Anna"),
            .agentDisconnected(conversation, agent, Centre.agentAnna, .transfer),
            .agentWrappedUp(conversation, agent, Centre.agentAnna, code: "resolved"), .messageSent(conversation, message),
            .typing(conversation, .customer), .readReceipt(conversation, agent, upTo: 1),
            .conversationEnded(conversation, abandoned: true),
            .monitorAttempted(conversation, supervisor: Centre.alice, agent: agent, .interactionDetails),
            .monitorDenied(conversation, supervisor: Centre.alice, .alreadyMonitored(by: session.holder, since: session.startedAt)),
            .monitoringStarted(conversation, session.holder, monitoredParticipant: agent, monitoredAgent: Centre.agentAnna),
            .monitoringResumed(session.id, supervisor: Centre.bob),
            .leaseRenewed(session.id, supervisor: Centre.bob, until: .seconds(1_100)),
            .monitoringEnded(endedSession.id, supervisor: Centre.alice, .leaseExpired),
        ]
    }

    var timelineEvents: [TimelineEvent] {
        [
            .created(.webMessaging), .queued(Centre.queue), .agentAlerted(agent, Centre.agentAnna),
            .agentConnected(agent, Centre.agentAnna), .message(index: 0, sender: .customer, .inbound),
            .transferred(from: agent, to: .queue(Centre.otherQueue)),
            .monitoringStarted(session.id, supervisor: Centre.bob, monitoredAgent: agent),
            .monitoringEnded(endedSession.id, .conversationEnded), .agentDisconnected(agent, .client),
            .agentWrappedUp(agent, code: "resolved"), .ended(abandoned: false),
        ]
    }
}

// Each switch lists every case with no default, so a case added to the engine does not compile
// here until it has a sample; the tests then check the sample round-trips under its case name.

private func name(_ command: Command) -> String {
    switch command {
    case .defineRole: "defineRole"
    case .addUser: "addUser"
    case .assignRoles: "assignRoles"
    case .setLicence: "setLicence"
    case .setPresence: "setPresence"
    case .addQueue: "addQueue"
    case .setQueueMembership: "setQueueMembership"
    case .createConversation: "createConversation"
    case .enqueue: "enqueue"
    case .alertAgent: "alertAgent"
    case .connectAgent: "connectAgent"
    case .disconnectAgent: "disconnectAgent"
    case .transfer: "transfer"
    case .sendMessage: "sendMessage"
    case .typing: "typing"
    case .markRead: "markRead"
    case .wrapUp: "wrapUp"
    case .endConversation: "endConversation"
    case .abandon: "abandon"
    case .startMonitoring: "startMonitoring"
    case .stopMonitoring: "stopMonitoring"
    case .renewLease: "renewLease"
    case .expireLeases: "expireLeases"
    }
}

private func name(_ outcome: Outcome) -> String {
    switch outcome {
    case .done: "done"
    case .conversationCreated: "conversationCreated"
    case .participantAdded: "participantAdded"
    case .messageSent: "messageSent"
    case .monitoringStarted: "monitoringStarted"
    case .alreadyMonitoring: "alreadyMonitoring"
    case .monitoringStopped: "monitoringStopped"
    case .leaseRenewed: "leaseRenewed"
    case .leasesExpired: "leasesExpired"
    }
}

private func name(_ event: Event) -> String {
    switch event {
    case .roleDefined: "roleDefined"
    case .userAdded: "userAdded"
    case .permissionsChanged: "permissionsChanged"
    case .licenceChanged: "licenceChanged"
    case .presenceChanged: "presenceChanged"
    case .queueAdded: "queueAdded"
    case .queueMembershipChanged: "queueMembershipChanged"
    case .conversationCreated: "conversationCreated"
    case .conversationQueued: "conversationQueued"
    case .conversationStateChanged: "conversationStateChanged"
    case .agentAlerted: "agentAlerted"
    case .agentConnected: "agentConnected"
    case .agentDisconnected: "agentDisconnected"
    case .agentWrappedUp: "agentWrappedUp"
    case .messageSent: "messageSent"
    case .typing: "typing"
    case .readReceipt: "readReceipt"
    case .conversationEnded: "conversationEnded"
    case .monitorAttempted: "monitorAttempted"
    case .monitorDenied: "monitorDenied"
    case .monitoringStarted: "monitoringStarted"
    case .monitoringResumed: "monitoringResumed"
    case .leaseRenewed: "leaseRenewed"
    case .monitoringEnded: "monitoringEnded"
    }
}

private func name(_ error: MonitoringError) -> String {
    switch error {
    case .licenceNotEligible: "licenceNotEligible"
    case .missingPermission: "missingPermission"
    case .supervisorNotAvailable: "supervisorNotAvailable"
    case .channelNotMonitorable: "channelNotMonitorable"
    case .conversationNotInProgress: "conversationNotInProgress"
    case .agentChoiceRequired: "agentChoiceRequired"
    case .notAConnectedAgent: "notAConnectedAgent"
    case .cannotMonitorOwnConversation: "cannotMonitorOwnConversation"
    case .alreadyMonitored: "alreadyMonitored"
    case .sessionAlreadyEnded: "sessionAlreadyEnded"
    case .monitorCannotParticipate: "monitorCannotParticipate"
    case .notSessionOwner: "notSessionOwner"
    case .administratorsOnly: "administratorsOnly"
    case .unknownUser: "unknownUser"
    case .unknownRole: "unknownRole"
    case .unknownQueue: "unknownQueue"
    case .unknownConversation: "unknownConversation"
    case .unknownParticipant: "unknownParticipant"
    case .unknownSession: "unknownSession"
    case .userAlreadyExists: "userAlreadyExists"
    case .queueAlreadyExists: "queueAlreadyExists"
    case .invalidConversationState: "invalidConversationState"
    case .invalidParticipantState: "invalidParticipantState"
    case .notAnAgent: "notAnAgent"
    case .agentAlreadyInConversation: "agentAlreadyInConversation"
    case .userMonitorsConversation: "userMonitorsConversation"
    case .unknownWrapUpCode: "unknownWrapUpCode"
    case .limitReached: "limitReached"
    }
}

private func name(_ event: TimelineEvent) -> String {
    switch event {
    case .created: "created"
    case .queued: "queued"
    case .agentAlerted: "agentAlerted"
    case .agentConnected: "agentConnected"
    case .message: "message"
    case .transferred: "transferred"
    case .monitoringStarted: "monitoringStarted"
    case .monitoringEnded: "monitoringEnded"
    case .agentDisconnected: "agentDisconnected"
    case .agentWrappedUp: "agentWrappedUp"
    case .ended: "ended"
    }
}

@Suite("The persistence format: every case round-trips (docs/persistence.md)")
struct PersistenceCodingTests {
    /// Checks that the samples cover every discriminator once and each round-trips under its case name.
    private func checkCases<T: Codable & Equatable>(
        _ samples: [T], names: (T) -> String, known: [String], key: String = "type"
    ) throws {
        #expect(samples.map(names) == known, "samples in declaration order, one per case")
        #expect(Set(known).count == known.count)
        for sample in samples {
            #expect(try JSON.discriminator(sample, key: key) == names(sample), "\(key) is the case name")
            #expect(try JSON.roundTrip(sample) == sample, "\(sample) round-trips")
        }
    }

    @Test("Every command round-trips through its JSON form, with type the case name")
    func commands() throws {
        try checkCases(try Samples().commands, names: name, known: Command.codingTypes)
    }

    @Test("Every outcome round-trips through its JSON form, with type the case name")
    func outcomes() throws {
        try checkCases(try Samples().outcomes, names: name, known: Outcome.codingTypes)
    }

    @Test("Every event round-trips through its JSON form, with type the case name")
    func events() throws {
        try checkCases(try Samples().events, names: name, known: Event.codingTypes)
    }

    @Test("Every refusal round-trips through its JSON form, with code the case name and its rule")
    func errors() throws {
        let samples = try Samples().errors
        try checkCases(samples, names: name, known: MonitoringError.codingCodes, key: "code")
        for error in samples {
            let object = try JSONSerialization.jsonObject(with: try JSON.data(error)) as? [String: Any]
            #expect(object?.keys.contains("rule") == true, "rule is always written, null when none")
            #expect(object?["rule"] as? String == error.rule)
        }
    }

    @Test("Every timeline event round-trips through its JSON form, with type the case name")
    func timelineEvents() throws {
        try checkCases(try Samples().timelineEvents, names: name, known: TimelineEvent.codingTypes)
    }

    @Test("Every channel, transfer target and recipient round-trips")
    func smallEnums() throws {
        for channel in Channel.allChannels { #expect(try JSON.roundTrip(channel) == channel) }
        for target in [TransferTarget.agent(Centre.agentBen), .queue(Centre.otherQueue)] {
            #expect(try JSON.roundTrip(target) == target)
        }
        for recipient in [Recipient.user(Centre.alice), .customer(ConversationID(4))] {
            #expect(try JSON.roundTrip(recipient) == recipient)
        }
        let delivery = Delivery(recipient: .customer(ConversationID(4)), eventIndex: 2)
        #expect(try JSON.roundTrip(delivery) == delivery)
    }

    @Test("Every permission set round-trips as a sorted array of names")
    func permissionSets() throws {
        #expect(try JSON.text(PermissionSet()) == "[]")
        #expect(
            try JSON.text(PermissionSet([.routingQueueView, .conversationMessageView, .analyticsQueueObservationView]))
                == #"["analytics:queueObservation:view","conversation:message:view","routing:queue:view"]"#)
        for permission in Permission.allCases {
            let set = PermissionSet.supervisorRole.removing(permission)
            #expect(try JSON.roundTrip(set) == set)
        }
        #expect(try JSON.roundTrip(PermissionSet.supervisorRole) == .supervisorRole)
    }

    @Test("The events and deliveries of a real command round-trip")
    func recordsOfACommand() throws {
        var centre = Centre()
        let (id, _) = centre.inProgress()
        _ = try centre.session(id, by: Centre.alice)
        centre.must(.endConversation(id))
        #expect(!centre.engine.events.isEmpty)
        #expect(try JSON.roundTrip(centre.engine.events) == centre.engine.events)
        #expect(try JSON.roundTrip(centre.engine.deliveries) == centre.engine.deliveries)
    }
}

extension PermissionSet {
    fileprivate func removing(_ permission: Permission) -> PermissionSet {
        var copy = self
        copy.remove(permission)
        return copy
    }
}
