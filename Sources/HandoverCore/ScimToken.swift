import Foundation

/// An identity provider's connection (SCIM, `/scim/v2`): a bearer token for one organization.
/// The token itself (`hscim_…`) is printed once by `handover admin scim-token`; only its SHA-256
/// digest is stored, as for API tokens.
public struct ScimToken: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var name: String
    public var createdAt: Date
    public var revokedAt: Date?
    public var lastUsedAt: Date?

    public init(id: String, organizationID: String, name: String, createdAt: Date, revokedAt: Date? = nil, lastUsedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.createdAt = createdAt
        self.revokedAt = revokedAt
        self.lastUsedAt = lastUsedAt
    }

    /// The bearer's prefix: says what the token is for when it turns up in a config file.
    public static let prefix = "hscim_"
}
