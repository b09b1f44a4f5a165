import MonitoringEngine

/// Everything that can happen in the simulated contact centre: small values, not closures,
/// so that scheduling does not allocate. Indices are into the world's tables.
enum WorldEvent: Sendable {
    // Customers and routing
    case arrival(channel: Int32)
    case abandon(ConversationID)
    case agentAnswers(ConversationID, agent: Int32, ParticipantID)
    case agentReplies(ConversationID)
    case customerReplies(ConversationID)
    case agentCloses(ConversationID)
    case conferenceEnds(ConversationID, agent: Int32, ParticipantID)
    case wrapUpDone(ConversationID, agent: Int32, ParticipantID)
    case breakStarts(agent: Int32)
    case breakEnds(agent: Int32)
    case shiftStarts(agent: Int32)
    case shiftEnds(agent: Int32)

    // Supervisors
    case supervisorWakes(Int32, generation: UInt32)
    case holdEnds(Int32, generation: UInt32)
    case renewDue(Int32, generation: UInt32)
    case sessionEndNotice(Int32, token: UInt64, ConversationID)
    case clientReturns(Int32, generation: UInt32)
    case presenceChange(Int32)
    case presenceRestore(Int32)
    case presenceFlap(Int32, Presence)
    case lateStop(Int32, token: UInt64, ConversationID)
    case stampede(Int32)
    case stampedeAttempt(Int32, ConversationID)

    // The network between clients and the engine
    case requestArrives(Int32)
    case requestReachesStore(Int32)
    case responseReachesNode(Int32)
    case responseArrives(Int32)
    case requestTimesOut(Int32)
    case nodeCrash(node: Int32, downForNanoseconds: Int64)
    case nodeRestart(node: Int32)
    /// The answer to a customer's or an agent's command reaches its client (`AnswerDelivery.overTheLink`).
    case answerArrives(Int32)

    // The engine and the read models
    case viewUpdate(node: Int32)
    case leaseSweep
    case intervalEnds
}
