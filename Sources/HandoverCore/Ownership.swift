import Foundation

/// One step in an account's chain of owners.
public struct Ownership: Sendable, Hashable, Codable {
    public var ownerID: String
    public var from: Date
    public var until: Date?
    /// The handover that made this owner, if one did.
    public var handoverID: String?

    public init(ownerID: String, from: Date, until: Date? = nil, handoverID: String? = nil) {
        self.ownerID = ownerID
        self.from = from
        self.until = until
        self.handoverID = handoverID
    }
}
