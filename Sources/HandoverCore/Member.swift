import Foundation

/// A tenant. Nothing crosses between organizations.
public struct Organization: Sendable, Hashable, Codable {
    public var id: String
    public var name: String
    public var createdAt: Date

    public init(id: String, name: String, createdAt: Date) {
        self.id = id
        self.name = name
        self.createdAt = createdAt
    }
}

/// What a member may do in their organization.
public enum Role: String, Sendable, Hashable, Codable, CaseIterable {
    /// Everything, including members, tokens and templates.
    case admin
    /// Sees and steers their team's handovers.
    case manager
    /// Owns accounts and hands them over.
    case member
    /// Reads everything, changes nothing.
    case auditor
}

/// A person in an organization.
public struct Member: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var email: String
    public var name: String
    public var role: Role
    /// The member's manager, who may see and steer their handovers.
    public var managerID: String?
    public var createdAt: Date
    /// When an admin (or, later, the identity provider) deactivated them: they cannot sign in and
    /// their sessions and tokens are gone, but nothing of theirs is deleted.
    public var deactivatedAt: Date?

    public init(
        id: String, organizationID: String, email: String, name: String, role: Role, managerID: String? = nil, createdAt: Date, deactivatedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.email = email
        self.name = name
        self.role = role
        self.managerID = managerID
        self.createdAt = createdAt
        self.deactivatedAt = deactivatedAt
    }

    public var isActive: Bool { deactivatedAt == nil }
}

extension Member {
    /// Emails are compared case-insensitively and without surrounding white space.
    public static func normalizedEmail(_ email: String) -> String {
        email.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
    }

    /// A deliberately small check: one `@`, something on each side, a dot in the domain, no spaces.
    public static func isPlausibleEmail(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[1].contains("."),
            !parts[1].hasPrefix("."), !parts[1].hasSuffix("."),
            !email.contains(where: \.isWhitespace), email.count <= 254
        else { return false }
        return true
    }
}

extension Member {
    /// Names by member id, for showing who did what (the first wins if an id repeats).
    public static func namesByID(_ members: [Member]) -> [String: String] {
        Dictionary(members.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }
}
