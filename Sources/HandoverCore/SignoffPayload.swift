import Foundation

/// What a sign-off signs: RFC 8785 canonical JSON of the handover, its version and content
/// digest, the signer, their role, the fixed statement for that role, and the time. The shape
/// lives here because the API sends it (`SignoffPayloadResponse`); making, encoding and parsing
/// it canonically is HandoverTrust's (`SignoffPayload.init(signing:…)`, `canonicalBytes`, `parse`).
public struct SignoffPayload: Sendable, Hashable, Codable {
    public static let type = "application/vnd.handover.signoff+json"

    public var handover: String
    public var version: Int
    public var contentDigest: String
    public var signer: String
    public var role: SignoffRole
    public var statement: String
    /// RFC 3339, UTC, milliseconds: "2026-11-21T09:30:00.000Z".
    public var time: String

    public init(handover: String, version: Int, contentDigest: String, signer: String, role: SignoffRole, statement: String, time: String) {
        self.handover = handover
        self.version = version
        self.contentDigest = contentDigest
        self.signer = signer
        self.role = role
        self.statement = statement
        self.time = time
    }
}
