import Foundation

/// A message in a handover's thread: the recipient asks, the transferor answers, before anyone
/// signs. It travels with the handover so that the answers are part of what was handed over.
public struct HandoverQuestion: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var handoverID: String
    public var authorID: String
    public var body: String
    public var createdAt: Date

    public init(id: String, organizationID: String, handoverID: String, authorID: String, body: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.handoverID = handoverID
        self.authorID = authorID
        self.body = body
        self.createdAt = createdAt
    }

    /// Longest message accepted, in characters.
    public static let maxLength = 4000
}
