import MonitoringEngine

/// The directory a scenario's population makes: the agents' role, the queues, every agent with their queue
/// memberships, and each supervisor group's role and members — the commands the simulated world starts with, and
/// the directory a live node loads from the same file (`binoculars serve --directory`).
public enum Population {
    /// The agents' role.
    public static let agentRole = RoleID(1)

    /// The role of supervisor group `index`.
    public static func supervisorRole(_ index: Int) -> RoleID { RoleID(UInt64(100 + index)) }

    /// The directory commands, in order; user ids are dense from 1, agents first, group by group, then
    /// supervisors. With `administrator`, one administrator follows the supervisors (a live node's routing account
    /// and the audit log's reader).
    public static func directoryCommands(for configuration: WorldConfiguration, administrator: Bool = false) -> [Command] {
        var commands: [Command] = [
            .defineRole(
                Role(id: agentRole, name: "Agent", permissions: [.conversationMessageView, .conversationMessageAccept]))
        ]
        for (index, queue) in configuration.queues.enumerated() {
            commands.append(.addQueue(Queue(id: QueueID(UInt64(index + 1)), name: queue.name, wrapUpCodes: queue.wrapUpCodes)))
        }
        var nextUser: UInt64 = 1
        for group in configuration.agentGroups {
            let queues = group.queues.compactMap { name in configuration.queues.firstIndex { $0.name == name } }
            for member in 0..<group.count {
                let user = UserID(nextUser)
                nextUser += 1
                commands.append(
                    .addUser(
                        User(
                            id: user, displayName: "\(group.name) \(member + 1)", licence: .cx1, roles: [agentRole],
                            presence: group.shiftStart == .zero ? .onQueue : .offline)))
                for queue in queues { commands.append(.setQueueMembership(QueueID(UInt64(queue + 1)), user, isMember: true)) }
            }
        }
        for (groupIndex, group) in configuration.supervisorGroups.enumerated() {
            let role = supervisorRole(groupIndex)
            commands.append(.defineRole(Role(id: role, name: "\(group.name) role", permissions: group.permissions)))
            for member in 0..<group.count {
                commands.append(
                    .addUser(
                        User(
                            id: UserID(nextUser), displayName: "\(group.name) \(member + 1)", licence: group.licence,
                            roles: [role], presence: .available)))
                nextUser += 1
            }
        }
        if administrator {
            commands.append(
                .addUser(
                    User(
                        id: UserID(nextUser), displayName: "Administrator", licence: .cx3, presence: .available,
                        isAdministrator: true)))
        }
        return commands
    }
}
