import Foundation

/// A named group of members, as an identity provider pushes it (a SCIM Group, Docs/SCIM.md).
/// Through the organization's role mapping a team can give its members their role.
public struct Team: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var name: String
    /// Member ids, in the order they joined.
    public var memberIDs: [String]
    public var createdAt: Date
    public var updatedAt: Date

    public init(id: String, organizationID: String, name: String, memberIDs: [String], createdAt: Date, updatedAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.memberIDs = memberIDs
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Team names (and the role mapping's keys) compare case-insensitively, without surrounding space.
    public static func nameKey(_ name: String) -> String {
        name.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A team name: 1 to 200 characters, no control characters.
    public static func nameProblem(_ name: String) -> String? {
        let trimmed = name.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed.unicodeScalars.count > 200 { return "a team's name must have 1 to 200 characters" }
        if trimmed.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) { return "a team's name must not contain control characters" }
        return nil
    }
}

/// How group membership gives a role: the organization maps team names to roles; a member in
/// mapped teams has the highest of their roles. Pure, so the store can apply it inside the
/// transaction that changes a membership.
public enum TeamRoles {
    /// Highest first: a member in "Admins" and "Staff" is an admin. Auditor is last because it
    /// is read-only: any team that grants more wins over it.
    static let rank: [Role] = [.admin, .manager, .member, .auditor]

    /// The role the mapped teams among `teamNames` give, or nil when none of them is mapped.
    public static func mapped(teamNames: [String], mapping: [String: Role]) -> Role? {
        let roles = Set(teamNames.compactMap { mapping[Team.nameKey($0)] })
        return rank.first(where: roles.contains)
    }

    /// A member's role after their teams changed from giving `before` to giving `after`:
    /// - a mapped team decides (`after`);
    /// - leaving the last mapped team takes the role it gave away: back to `member`;
    /// - a member who was never in a mapped team keeps the role an admin gave them.
    /// The last admin is `guarded` over the whole change, not here.
    public static func role(current: Role, before: Role?, after: Role?) -> Role {
        after ?? (before != nil ? .member : current)
    }

    /// One member's role in a change: what it is, and what the teams now say.
    public struct Change: Sendable, Equatable {
        public var memberID: String
        public var current: Role
        public var next: Role
        public var isActive: Bool

        public init(memberID: String, current: Role, next: Role, isActive: Bool) {
            self.memberID = memberID
            self.current = current
            self.next = next
            self.isActive = isActive
        }
    }

    /// The last-admin rule over a whole change (all its members at once, so replacing the admin
    /// in one request works): when no active admin would remain, the active admins it would
    /// demote stay admin and are `held`: the store re-derives them with every later change, so
    /// they lose the role as soon as another admin exists. An identity provider's group edit
    /// must not lock everyone out of the organization's settings.
    /// - Parameter untouchedActiveAdmins: active admins the change does not touch.
    public static func guarded(_ changes: [Change], untouchedActiveAdmins: Int) -> (roles: [String: Role], held: Set<String>) {
        var roles = Dictionary(changes.map { ($0.memberID, $0.next) }, uniquingKeysWith: { a, _ in a })
        let remaining = untouchedActiveAdmins + changes.filter { $0.isActive && $0.next == .admin }.count
        guard remaining == 0 else { return (roles, []) }
        let demoted = changes.filter { $0.isActive && $0.current == .admin && $0.next != .admin }.map(\.memberID)
        for id in demoted { roles[id] = .admin }
        return (roles, Set(demoted))
    }
}
