import Foundation
import Hummingbird
import MonitoringEngine

/// The node's HTTP routes, registered on a router (`buildRouter`): one method per route group.
struct Routes {
    let node: Node
    let reader: RequestReader
    let renewEvery: TimeSpan

    typealias Handler = @Sendable (Request, NodeRequestContext) async throws -> Response

    /// Applies one command for a request: its idempotency key, its fingerprint, the principal's check and the
    /// command from `command`, and the answer drawn by `render`.
    func apply(
        _ request: Request, principal: Principal?, body: Data, issuesToken: CommandRequest.TokenIssue? = nil,
        command: @escaping @Sendable (MonitoringEngine) throws -> Command,
        render: @escaping @Sendable (Outcome, String?) -> Answer = { outcome, _ in .ok(outcome) }
    ) async throws -> Response {
        let key = try reader.idempotencyKey(request)
        // A guest has no identity to scope a key by: the key alone names the retry, and its answer holds the new
        // customer's token, so it must be unguessable (a random UUID is).
        if principal == nil, let key, key.count < RequestReader.guestKeyCharactersMinimum {
            throw ServiceFailure.badRequest(
                "a guest's Idempotency-Key must be at least \(RequestReader.guestKeyCharactersMinimum) characters and random"
                    + " (a UUID): it alone identifies the retry")
        }
        let (answer, replayed) = try await node.perform(
            CommandRequest(
                principal: principal, idempotencyKey: key, fingerprint: reader.fingerprint(request, body: body),
                command: command, issuesToken: issuesToken, render: render))
        return answer.response(replayed: replayed)
    }

    /// A command by a participant of a conversation, with a JSON body of type `Body`.
    func participantCommand<Body: Decodable & Sendable>(
        _ body: Body.Type, _ make: @escaping @Sendable (ConversationID, ParticipantID, Body) throws -> Command
    ) -> Handler {
        { request, context in
            let principal = try await reader.principal(request)
            let conversation = try reader.id("conversationId", context, as: ConversationID.self)
            let participant = try reader.participant(context)
            let data = try await reader.body(request)
            let decoded = try reader.decode(Body.self, from: data)
            let command = try make(conversation, participant, decoded)
            return try await apply(request, principal: principal, body: data) { engine in
                try Access.participant(participant, of: conversation, principal, engine)
                return command
            }
        }
    }

    /// A command on a conversation by whoever `make` lets do it, with a JSON body of type `Body`: `make` checks the
    /// principal against the engine's current state and builds the command.
    func conversationCommand<Body: Decodable & Sendable>(
        _ body: Body.Type,
        _ make: @escaping @Sendable (Principal, ConversationID, Body, MonitoringEngine) throws -> Command
    ) -> Handler {
        { request, context in
            let principal = try await reader.principal(request)
            let conversation = try reader.id("conversationId", context, as: ConversationID.self)
            let data = try await reader.body(request)
            let decoded = try reader.decode(Body.self, from: data)
            return try await apply(request, principal: principal, body: data) { engine in
                try make(principal, conversation, decoded, engine)
            }
        }
    }

    /// A directory command by an administrator.
    func administratorCommand<Body: Decodable & Sendable>(
        _ body: Body.Type, issuesToken: (@Sendable (Body) -> CommandRequest.TokenIssue)? = nil,
        render: (@Sendable (Body, Outcome, String?) -> Answer)? = nil,
        _ make: @escaping @Sendable (NodeRequestContext, Body) throws -> Command
    ) -> Handler {
        { request, context in
            let principal = try await reader.principal(request)
            let data = try await reader.body(request)
            let decoded = try reader.decode(Body.self, from: data)
            let command = try make(context, decoded)
            return try await apply(
                request, principal: principal, body: data, issuesToken: issuesToken?(decoded),
                command: { engine in
                    try Access.administrator(principal, engine)
                    return command
                },
                render: { outcome, token in
                    render?(decoded, outcome, token) ?? .ok(outcome)
                })
        }
    }

    /// A read of the node's state as `principal`.
    func view(_ read: @escaping @Sendable (Principal, NodeState, NodeRequestContext, Request) throws -> Answer) -> Handler {
        { request, context in
            let principal = try await reader.principal(request)
            let answer = try await node.read { state in
                do {
                    return try read(principal, state, context, request)
                } catch let error as MonitoringError {
                    return .refusal(error)
                }
            }
            return answer.response()
        }
    }
}

// MARK: Monitoring (M6–M12, M17)

extension Routes {
    func addMonitoring(to router: Router<NodeRequestContext>) {
        let base = "/api/v2/conversations/messages/{conversationId}"
        router.post(RouterPath(base + "/participants/{participantId}/monitor"), use: start(choosingAgent: true))
        router.post(RouterPath(base + "/monitor"), use: start(choosingAgent: false))
        router.post(RouterPath(base + "/monitor/sessions/{sessionId}/stop")) { request, context in
            let supervisor = try await reader.user(request)
            let session = try reader.session(context)
            let data = try await reader.body(request)
            let from = try reader.decode(StopBody.self, from: data).from ?? .interaction
            return try await apply(request, principal: .user(supervisor), body: data) { _ in
                .stopMonitoring(session, by: supervisor, from: from)
            }
        }
        router.post(RouterPath(base + "/monitor/sessions/{sessionId}/renew")) { request, context in
            let supervisor = try await reader.user(request)
            let session = try reader.session(context)
            let data = try await reader.body(request)
            return try await apply(request, principal: .user(supervisor), body: data) { _ in
                .renewLease(session, by: supervisor)
            }
        }
        router.get(
            RouterPath(base + "/monitor/sessions/{sessionId}"),
            use: view { principal, state, context, _ in
                let viewer = try Access.user(principal)
                return try .ok(state.engine.monitorView(try reader.session(context), viewer: viewer).get())
            })
    }

    /// Start monitoring, the supervisor being the token's user: from a chosen agent participant (M6), or with the
    /// agent implied. A new session is 201, the supervisor's existing one 200 (M10); a refusal carries its rule
    /// (`alreadyMonitored` is 409 with `monitoredBy` and `since`, M8, M9).
    private func start(choosingAgent: Bool) -> Handler {
        { request, context in
            let supervisor = try await reader.user(request)
            let conversation = try reader.id("conversationId", context, as: ConversationID.self)
            let agent = choosingAgent ? try reader.participant(context) : nil
            let data = try await reader.body(request)
            let entryPoint = try reader.decode(StartBody.self, from: data).entryPoint ?? .interactions
            let renewEvery = self.renewEvery
            return try await apply(
                request, principal: .user(supervisor), body: data,
                command: { _ in .startMonitoring(conversation, supervisor: supervisor, agent: agent, via: entryPoint) },
                render: { outcome, _ in
                    switch outcome {
                    case .monitoringStarted(let session):
                        .ok(SessionAnswer(session, resumed: false, renewEvery: renewEvery), status: 201)
                    case .alreadyMonitoring(let session):
                        .ok(SessionAnswer(session, resumed: true, renewEvery: renewEvery))
                    default: .ok(outcome)
                    }
                })
        }
    }
}

// MARK: The conversation lifecycle, on every channel

extension Routes {
    func addLifecycle(to router: Router<NodeRequestContext>) {
        let base = "/api/v2/conversations/messages/{conversationId}"
        let limits = reader.limits
        // A customer opens a conversation as a guest; the answer holds the token the customer acts with.
        router.post("/api/v2/conversations/messages") { request, _ in
            let data = try await reader.body(request)
            let body = try reader.decode(CreateConversationBody.self, from: data)
            let context = ConversationContext(
                participantData: try boundedMap(body.participantData ?? [:]),
                customer: CustomerDetails(name: try reader.bounded(body.customerName, "customerName")),
                journey: try reader.bounded(body.journey ?? [], "journey").map { try reader.bounded($0, "journey item") })
            return try await apply(
                request, principal: nil, body: data, issuesToken: .customerOfNewConversation,
                command: { _ in .createConversation(body.channel, context) },
                render: { outcome, token in
                    guard case .conversationCreated(let id) = outcome, let token else { return .ok(outcome) }
                    return .ok(CreatedConversationAnswer(conversationId: id, customerToken: token), status: 201)
                })
        }
        router.post(
            RouterPath(base + "/queue"),
            use: conversationCommand(EnqueueBody.self) { principal, conversation, body, engine in
                try Access.administrator(principal, engine)
                return .enqueue(conversation, body.queueId)
            })
        // Routing offers the conversation to an agent; a connected agent adds a second one (conference, consult).
        router.post(
            RouterPath(base + "/alerts"),
            use: conversationCommand(AlertBody.self) { principal, conversation, body, engine in
                let found = try Access.conversation(conversation, engine)
                guard Access.isAdministrator(principal, engine) || Access.isConnectedAgent(principal, of: found) else {
                    throw ServiceFailure.forbidden("only routing (an administrator) or a connected agent may alert an agent")
                }
                return .alertAgent(conversation, body.userId)
            })
        router.post(
            RouterPath(base + "/participants/{participantId}/connect"),
            use: participantCommand(Empty.self) { conversation, participant, _ in .connectAgent(conversation, participant) })
        router.post(
            RouterPath(base + "/participants/{participantId}/disconnect"),
            use: participantCommand(Empty.self) { conversation, participant, _ in
                .disconnectAgent(conversation, participant)
            })
        router.post(
            RouterPath(base + "/participants/{participantId}/transfer"),
            use: participantCommand(TransferBody.self) { conversation, participant, body in
                switch (body.userId, body.queueId) {
                case (let user?, nil): return .transfer(conversation, from: participant, to: .agent(user))
                case (nil, let queue?): return .transfer(conversation, from: participant, to: .queue(queue))
                default: throw ServiceFailure.badRequest("a transfer names exactly one of userId and queueId")
                }
            })
        router.post(
            RouterPath(base + "/participants/{participantId}/messages"),
            use: participantCommand(MessageBody.self) { conversation, participant, body in
                guard body.body.count <= limits.messageCharactersMaximum else {
                    throw ServiceFailure.badRequest("body is longer than \(limits.messageCharactersMaximum) characters")
                }
                return .sendMessage(conversation, from: participant, body.kind ?? .text, body: body.body)
            })
        router.post(
            RouterPath(base + "/participants/{participantId}/typing"),
            use: participantCommand(Empty.self) { conversation, participant, _ in .typing(conversation, participant) })
        router.post(
            RouterPath(base + "/participants/{participantId}/read"),
            use: participantCommand(ReadBody.self) { conversation, participant, body in
                .markRead(conversation, participant, upTo: body.upTo)
            })
        router.post(
            RouterPath(base + "/participants/{participantId}/wrapup"),
            use: participantCommand(WrapUpBody.self) { conversation, participant, body in
                .wrapUp(conversation, participant, code: try reader.bounded(body.code, "code"))
            })
        router.post(
            RouterPath(base + "/end"),
            use: conversationCommand(Empty.self) { principal, conversation, _, engine in
                let found = try Access.conversation(conversation, engine)
                guard
                    principal == .customer(conversation) || Access.isConnectedAgent(principal, of: found)
                        || Access.isAdministrator(principal, engine)
                else {
                    throw ServiceFailure.forbidden("only the customer, a connected agent or an administrator may end \(conversation)")
                }
                return .endConversation(conversation)
            })
        router.post(
            RouterPath(base + "/abandon"),
            use: conversationCommand(Empty.self) { principal, conversation, _, _ in
                guard principal == .customer(conversation) else {
                    throw ServiceFailure.forbidden("only the customer of \(conversation) may abandon it")
                }
                return .abandon(conversation)
            })
        router.get(
            RouterPath(base + "/participants/{participantId}"),
            use: view { principal, state, context, _ in
                let conversation = try reader.id("conversationId", context, as: ConversationID.self)
                let participant = try reader.participant(context)
                try Access.participant(participant, of: conversation, principal, state.engine)
                return .ok(try state.engine.agentView(conversation, participant: participant).get())
            })
        router.get(
            RouterPath(base + "/customer"),
            use: view { principal, state, context, _ in
                let conversation = try reader.id("conversationId", context, as: ConversationID.self)
                guard principal == .customer(conversation) else {
                    throw ServiceFailure.forbidden("only the customer of \(conversation) sees the customer's view")
                }
                return .ok(try state.engine.customerView(conversation).get())
            })
    }

    private func boundedMap(_ map: [String: String]) throws -> [String: String] {
        guard map.count <= reader.limits.listCountMaximum else {
            throw ServiceFailure.badRequest("participantData has more than \(reader.limits.listCountMaximum) entries")
        }
        for (key, value) in map {
            _ = try reader.bounded(key, "participantData key")
            _ = try reader.bounded(value, "participantData value", maximum: reader.limits.messageCharactersMaximum)
        }
        return map
    }
}

/// A body with no fields; any JSON object, or nothing, reads as it.
struct Empty: Decodable, Sendable {}

// MARK: The directory: roles, users, licences, presence, queues

extension Routes {
    func addDirectory(to router: Router<NodeRequestContext>) {
        router.post(
            "/api/v2/authorization/roles",
            use: administratorCommand(RoleBody.self) { _, body in
                .defineRole(
                    Role(
                        id: try reader.positive(body.id, "id"), name: try reader.bounded(body.name, "name"),
                        permissions: PermissionSet(try reader.bounded(body.permissions, "permissions"))))
            })
        router.post(
            "/api/v2/users",
            use: administratorCommand(
                UserBody.self, issuesToken: { .newUser($0.id) },
                render: { body, outcome, token in
                    guard let token else { return .ok(outcome) }
                    return .ok(CreatedUserAnswer(userId: body.id, token: token), status: 201)
                }
            ) { _, body in
                .addUser(
                    User(
                        id: try reader.positive(body.id, "id"), displayName: try reader.bounded(body.displayName, "displayName"),
                        licence: body.licence, roles: try reader.bounded(body.roles ?? [], "roles"),
                        presence: body.presence ?? .offline, isAdministrator: body.isAdministrator ?? false))
            })
        router.put(
            "/api/v2/users/{userId}/roles",
            use: administratorCommand(RolesBody.self) { context, body in
                .assignRoles(try reader.id("userId", context, as: UserID.self), try reader.bounded(body.roles, "roles"))
            })
        router.put(
            "/api/v2/users/{userId}/licence",
            use: administratorCommand(LicenceBody.self) { context, body in
                .setLicence(try reader.id("userId", context, as: UserID.self), body.licence)
            })
        // A user sets their own presence; an administrator anyone's.
        router.put("/api/v2/users/{userId}/presence") { request, context in
            let principal = try await reader.principal(request)
            let user = try reader.id("userId", context, as: UserID.self)
            let data = try await reader.body(request)
            let presence = try reader.decode(PresenceBody.self, from: data).presence
            return try await apply(request, principal: principal, body: data) { engine in
                guard principal == .user(user) || Access.isAdministrator(principal, engine) else {
                    throw ServiceFailure.forbidden("a user sets only their own presence")
                }
                return .setPresence(user, presence)
            }
        }
        router.post(
            "/api/v2/routing/queues",
            use: administratorCommand(QueueBody.self) { _, body in
                .addQueue(
                    Queue(
                        id: try reader.positive(body.id, "id"), name: try reader.bounded(body.name, "name"),
                        wrapUpCodes: try reader.bounded(body.wrapUpCodes ?? [], "wrapUpCodes").map {
                            try reader.bounded($0, "wrap-up code")
                        },
                        script: try reader.bounded(
                            body.script ?? "", "script", maximum: reader.limits.messageCharactersMaximum)))
            })
        router.put(
            "/api/v2/routing/queues/{queueId}/members/{userId}",
            use: administratorCommand(MembershipBody.self) { context, body in
                .setQueueMembership(
                    try reader.id("queueId", context, as: QueueID.self), try reader.id("userId", context, as: UserID.self),
                    isMember: body.member)
            })
    }
}

// MARK: Views: the panel, interaction details, Interactions, Queue Activity, the audit log

extension Routes {
    func addViews(to router: Router<NodeRequestContext>) {
        // The user's own interaction panel, where a monitored conversation carries the binoculars mark (M13).
        router.get(
            "/api/v2/users/{userId}/conversations",
            use: view { principal, state, context, _ in
                let user = try reader.id("userId", context, as: UserID.self)
                guard principal == .user(user) else { throw ServiceFailure.forbidden("a user reads only their own panel") }
                return .ok(try state.engine.panel(of: user).get())
            })
        // Interaction details: participants with the monitor marked, metrics and timeline (M20, M21, M25).
        router.get(
            "/api/v2/conversations/{conversationId}/details",
            use: view { principal, state, context, _ in
                let conversation = try reader.id("conversationId", context, as: ConversationID.self)
                let viewer = try Access.user(principal)
                return .ok(try state.engine.interactionDetails(conversation, viewer: viewer, now: state.now).get())
            })
        // Performance › Interactions (M23).
        router.get(
            "/api/v2/analytics/interactions",
            use: view { principal, state, _, _ in
                .ok(try state.readModel.interactions(viewer: try Access.user(principal), now: state.now).get())
            })
        // Performance › Queue Activity (M24).
        router.get(
            "/api/v2/routing/queues/{queueId}/activity",
            use: view { principal, state, context, _ in
                let queue = try reader.id("queueId", context, as: QueueID.self)
                return .ok(try state.readModel.queueActivity(queue, viewer: try Access.user(principal), now: state.now).get())
            })
        // The audit log of monitoring, for administrators (M22), a page at a time.
        router.get(
            "/api/v2/audit/monitoring",
            use: view { principal, state, _, request in
                let viewer = try Access.user(principal)
                guard let user = state.engine.users[viewer] else { throw MonitoringError.unknownUser(viewer) }
                let records = try state.audit.records(visibleTo: user).get()
                let after = try reader.query(request, "after", default: -1)
                let limit = min(try reader.query(request, "limit", default: 100), reader.limits.pageSizeMaximum)
                guard limit > 0 else { throw ServiceFailure.badRequest("limit must be a positive integer") }
                let page = Array(records.lazy.filter { $0.sequence > after }.prefix(limit))
                return .ok(
                    AuditPage(
                        records: page, droppedCount: state.audit.droppedCount,
                        next: page.count == limit ? page.last?.sequence : nil))
            })
    }
}
