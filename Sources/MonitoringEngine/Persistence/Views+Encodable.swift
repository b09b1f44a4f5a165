// The views as JSON, for the live service's answers (docs/persistence.md#views). Views are read, never
// stored, so they are only `Encodable`; the structs use their field names, the enums below are written by hand
// in the form every enum of the persistence format has: a discriminator naming the case, then its fields.

extension UnavailableReason: Encodable {
    /// `{"reason": "<case>", …}`: `licence`, `permission`, `presence`, `channel`, `state` carry the value that
    /// disables the button; `ownConversation` carries nothing.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .licence(let licence):
            try c.put("licence", "reason")
            try c.put(licence, "licence")
        case .permission(let permission):
            try c.put("permission", "reason")
            try c.put(permission, "permission")
        case .presence(let presence):
            try c.put("presence", "reason")
            try c.put(presence, "presence")
        case .channel(let channel):
            try c.put("channel", "reason")
            try c.put(channel, "channel")
        case .state(let state):
            try c.put("state", "reason")
            try c.put(state, "state")
        case .ownConversation:
            try c.put("ownConversation", "reason")
        }
    }
}

extension MonitorButton: Encodable {
    /// `{"button": "monitor"}`, `{"button": "monitoredBy", "monitoredBy": {"id", "name"}, "session", "since"}` (the
    /// greyed button with who monitors, M9) or `{"button": "unavailable", "unavailable": {"reason": …}}`.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .monitor:
            try c.put("monitor", "button")
        case .monitoredBy(let holder):
            try c.put("monitoredBy", "button")
            var by = c.nestedContainer(keyedBy: JSONKey.self, forKey: "monitoredBy")
            try by.put(holder.supervisor, "id")
            try by.put(holder.supervisorName, "name")
            try c.put(holder.session, "session")
            try c.put(holder.since, "since")
        case .unavailable(let reason):
            try c.put("unavailable", "button")
            try c.put(reason, "unavailable")
        }
    }
}

extension AuditAction: Encodable {
    /// `{"action": "attempted" | "denied" | "granted" | "resumed" | "ended", …}`: a denial carries the refusal in
    /// its JSON form (`code`, `rule`, fields), an end its reason.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: JSONKey.self)
        switch self {
        case .attempted(let agent, let entryPoint):
            try c.put("attempted", "action")
            try c.putIfPresent(agent, "agent")
            try c.put(entryPoint, "entryPoint")
        case .denied(let error):
            try c.put("denied", "action")
            try c.put(error, "refusal")
        case .granted(let session, let monitored):
            try c.put("granted", "action")
            try c.put(session, "session")
            try c.put(monitored, "monitoredParticipant")
        case .resumed(let session):
            try c.put("resumed", "action")
            try c.put(session, "session")
        case .ended(let session, let reason):
            try c.put("ended", "action")
            try c.put(session, "session")
            try c.put(reason, "reason")
        }
    }
}
