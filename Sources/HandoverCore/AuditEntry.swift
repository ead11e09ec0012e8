import Foundation

/// One entry of an organization's audit log: who did what to which thing, when, in which
/// request, and the SHA-256 of the content affected. Entries are the leaves of the
/// organization's Merkle tree (see HandoverTrust), numbered from 0 without gaps.
public struct AuditEntry: Sendable, Hashable, Codable {
    public var seq: Int
    /// Milliseconds since 1970, UTC.
    public var time: Int64
    /// Who acted: a member id, or a named actor (`operator` for the operator's CLI, `job:<kind>` for background work).
    public var actor: String
    /// What happened, "noun.verb": "handover.submit", "member.create", "handover.read".
    public var action: String
    /// What it happened to, "kind:id": "handover:0192…".
    public var target: String
    /// The request that caused it ("" outside a request).
    public var request: String
    /// Hex SHA-256 of the content affected ("" when there is none).
    public var digest: String

    public init(seq: Int, time: Int64, actor: String, action: String, target: String, request: String, digest: String) {
        self.seq = seq
        self.time = time
        self.actor = actor
        self.action = action
        self.target = target
        self.request = request
        self.digest = digest
    }
}

/// An entry not yet numbered: what a change records. The log gives it its number.
public struct AuditRecord: Sendable, Hashable {
    public var action: String
    public var target: String
    public var digest: String

    public init(action: String, target: String, digest: String = "") {
        self.action = action
        self.target = target
        self.digest = digest
    }
}
