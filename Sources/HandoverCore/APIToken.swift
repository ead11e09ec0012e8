import Foundation

/// An API token's record. The token itself is shown once; only its SHA-256 digest is stored.
public struct APIToken: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var memberID: String
    public var name: String
    public var createdAt: Date
    public var lastUsedAt: Date?
    public var revokedAt: Date?

    public init(id: String, organizationID: String, memberID: String, name: String, createdAt: Date, lastUsedAt: Date? = nil, revokedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.memberID = memberID
        self.name = name
        self.createdAt = createdAt
        self.lastUsedAt = lastUsedAt
        self.revokedAt = revokedAt
    }
}
