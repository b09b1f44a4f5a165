// Users, roles, licences, presence and queues.

extension Transaction {
    /// Creates a role or replaces its permissions; holders who lose the right to monitor lose
    /// their sessions (M18 `accessRevoked`).
    mutating func defineRole(_ role: Role) -> Outcome {
        roles[role.id] = role
        outbox.record(.roleDefined(role))
        // In id order (the store's index is), so the events do not depend on the order users were given the role.
        for holder in roleHolders {
            refreshPermissions(of: holder)
        }
        return .done
    }

    mutating func addUser(_ user: User) throws(MonitoringError) -> Outcome {
        guard users[user.id] == nil else { throw .userAlreadyExists(user.id) }
        for role in user.roles where roles[role] == nil { throw .unknownRole(role) }
        var added = user
        added.permissions = permissions(of: user.roles)
        added.agentConversations = []
        added.monitoringSessions = []
        added.version = 1
        users[user.id] = added
        touched.add(user.id)
        outbox.emit(
            .userAdded(
                user.id, name: added.displayName, added.licence, added.permissions, added.presence,
                isAdministrator: added.isAdministrator), to: .user(user.id))
        return .done
    }

    mutating func assignRoles(_ id: UserID, _ newRoles: [RoleID]) throws(MonitoringError) -> Outcome {
        _ = try touchUser(id)
        for role in newRoles where roles[role] == nil { throw .unknownRole(role) }
        modifyUser(id) { user in
            guard user.roles != newRoles else { return }
            user.roles = newRoles
            user.touch()
        }
        refreshPermissions(of: id)
        return .done
    }

    mutating func setLicence(_ id: UserID, _ licence: Licence) throws(MonitoringError) -> Outcome {
        _ = try touchUser(id)
        modifyUser(id) { user in
            user.licence = licence
            user.touch()
        }
        outbox.emit(.licenceChanged(id, licence), to: .user(id))
        revokeSessionsIfNoLongerAllowed(id)
        return .done
    }

    /// Changes presence. Going offline ends the user's sessions (M18 `supervisorOffline`);
    /// other presences leave a started session alone.
    mutating func setPresence(_ id: UserID, _ presence: Presence) throws(MonitoringError) -> Outcome {
        let user = try touchUser(id)
        guard user.presence != presence else { return .done }
        modifyUser(id) { user in
            user.presence = presence
            user.touch()
        }
        if presence == .offline {
            endAllSessions(of: id, reason: .supervisorOffline)
        }
        outbox.emit(.presenceChanged(id, presence), to: .user(id))
        return .done
    }

    mutating func addQueue(_ queue: Queue) throws(MonitoringError) -> Outcome {
        guard queues[queue.id] == nil else { throw .queueAlreadyExists(queue.id) }
        for member in queue.members where users[member] == nil { throw .unknownUser(member) }
        var unique = queue
        unique.members = []
        for member in queue.members where !unique.members.contains(member) { unique.members.append(member) }
        queues[queue.id] = unique
        outbox.record(.queueAdded(queue.id, name: queue.name))
        for member in unique.members {
            outbox.emit(.queueMembershipChanged(queue.id, member, isMember: true), to: .user(member))
        }
        return .done
    }

    mutating func setQueueMembership(_ queue: QueueID, _ user: UserID, _ isMember: Bool) throws(MonitoringError)
        -> Outcome
    {
        guard queues[queue] != nil else { throw .unknownQueue(queue) }
        _ = try touchUser(user)
        let present = queues[queue]!.members.contains(user)
        guard present != isMember else { return .done }
        queues.modifyValue(forKey: queue) { entry in
            if isMember { entry.members.append(user) } else { entry.members.removeAll { $0 == user } }
        }
        outbox.emit(.queueMembershipChanged(queue, user, isMember: isMember), to: .user(user))
        return .done
    }

    // MARK: Helpers

    func permissions(of roleIDs: [RoleID]) -> PermissionSet { PermissionSet(unionOf: roleIDs) { roles[$0] } }

    mutating func refreshPermissions(of id: UserID) {
        guard let user = users[id] else { return }
        touched.add(id)
        let permissions = permissions(of: user.roles)
        guard permissions != user.permissions else { return }
        modifyUser(id) { user in
            user.permissions = permissions
            user.touch()
        }
        outbox.emit(.permissionsChanged(id, permissions), to: .user(id))
        revokeSessionsIfNoLongerAllowed(id)
    }

    /// M18 `accessRevoked`: a supervisor whose licence or monitor/view permission is gone.
    mutating func revokeSessionsIfNoLongerAllowed(_ id: UserID) {
        guard let user = users[id], !user.mayMonitor else { return }
        endAllSessions(of: id, reason: .accessRevoked)
    }

    mutating func endAllSessions(of id: UserID, reason: EndReason) {
        for session in users[id]?.monitoringSessions ?? [] {
            // Touching first ends a session whose lease was already due with `leaseExpired`.
            guard let instant = try? touchConversation(session.conversation) else { continue }
            endActiveSession(of: session.conversation, reason: reason, at: instant) { $0.id == session }
        }
    }
}
