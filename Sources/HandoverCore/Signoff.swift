import Foundation

/// A member's Ed25519 public key, enrolled to sign sign-offs. The private key never reaches
/// the server: the CLI keeps it in a file, the web app in the browser's key store.
public struct SigningKey: Sendable, Hashable, Codable {
    /// Hex of the first 16 bytes of SHA-256 of the raw public key: the DSSE `keyid`.
    public var id: String
    public var organizationID: String
    public var memberID: String
    /// Base64 of the 32-byte raw Ed25519 public key.
    public var publicKey: String
    /// Where the private key lives, as the enrolling client said: "cli" or "browser".
    public var origin: String
    public var enrolledAt: Date
    public var revokedAt: Date?

    public init(id: String, organizationID: String, memberID: String, publicKey: String, origin: String, enrolledAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.memberID = memberID
        self.publicKey = publicKey
        self.origin = origin
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }
}

/// A DSSE envelope (https://github.com/secure-systems-lab/dsse): the signature covers the
/// payload type and the payload together (PAE), so a signature over one kind of statement can
/// never be replayed as another. Signing and verifying are in HandoverTrust.
public struct DSSEEnvelope: Sendable, Hashable, Codable {
    public struct Signature: Sendable, Hashable, Codable {
        public var keyid: String
        /// Base64 of the 64-byte Ed25519 signature.
        public var sig: String

        public init(keyid: String, sig: String) {
            self.keyid = keyid
            self.sig = sig
        }
    }

    public var payloadType: String
    /// Base64 of the payload bytes.
    public var payload: String
    public var signatures: [Signature]

    public init(payloadType: String, payload: String, signatures: [Signature]) {
        self.payloadType = payloadType
        self.payload = payload
        self.signatures = signatures
    }
}

/// One recorded sign-off: who signed which version and content of a handover, in which role,
/// with which key, and the envelope exactly as they sent it.
public struct Signoff: Sendable, Hashable, Codable {
    public var id: String
    public var handoverID: String
    public var organizationID: String
    public var memberID: String
    public var role: SignoffRole
    public var keyID: String
    public var handoverVersion: Int
    /// Hex SHA-256 of the RFC 8785 form of the handover's content: the same digest its audit entries carry.
    public var contentDigest: String
    /// The time the signer put in the payload.
    public var signedAt: Date
    /// When the server accepted it.
    public var recordedAt: Date
    /// How the signer was signed in when they sent it: "browser session" or "API token <id>".
    public var authentication: String
    public var envelope: DSSEEnvelope

    public init(
        id: String, handoverID: String, organizationID: String, memberID: String, role: SignoffRole, keyID: String,
        handoverVersion: Int, contentDigest: String, signedAt: Date, recordedAt: Date, authentication: String, envelope: DSSEEnvelope
    ) {
        self.id = id
        self.handoverID = handoverID
        self.organizationID = organizationID
        self.memberID = memberID
        self.role = role
        self.keyID = keyID
        self.handoverVersion = handoverVersion
        self.contentDigest = contentDigest
        self.signedAt = signedAt
        self.recordedAt = recordedAt
        self.authentication = authentication
        self.envelope = envelope
    }
}

/// A handover's sign-offs and what completion still needs (`GET /handovers/:id/signoffs`).
public struct SignoffStatus: Sendable, Hashable, Codable {
    public var required: [SignoffRole]
    /// The digest the next sign-off must sign, and the version it must name.
    public var contentDigest: String
    public var version: Int
    public var missing: [SignoffRole]
    /// Ids of the sign-offs that count now.
    public var valid: [String]
    public var signoffs: [Signoff]

    public init(required: [SignoffRole], contentDigest: String, version: Int, missing: [SignoffRole], valid: [String], signoffs: [Signoff]) {
        self.required = required
        self.contentDigest = contentDigest
        self.version = version
        self.missing = missing
        self.valid = valid
        self.signoffs = signoffs
    }
}

/// Who may sign what, and when: pure rules, like the lifecycle's.
public enum SignoffRules {
    /// What each role's signature says. Fixed text, so a signature always means the same thing.
    public static func statement(for role: SignoffRole) -> String {
        switch role {
        case .transferor: "I hand over responsibility for this account as written in this handover, and it is complete and true to the best of my knowledge."
        case .recipient: "I have read this handover and accept responsibility for this account as written in it."
        case .manager: "As the manager of a party, I approve this handover of responsibility as written."
        }
    }

    /// How far a signer's clock may be from the server's.
    public static let allowedClockSkew: TimeInterval = 10 * 60

    /// The role `actor` would sign `handover` in: their party role, else manager.
    public static func role(of actor: Member, in handover: Handover) -> SignoffRole {
        if actor.id == handover.transferorID { return .transferor }
        if actor.id == handover.recipientID { return .recipient }
        return .manager
    }

    /// Refuses a sign-off the actor may not give now. The transferor signs once the handover is
    /// submitted; the recipient and a manager only after the recipient acknowledged it in their own words.
    public static func check(role: SignoffRole, by actor: Member, handover: Handover, parties: Parties, template: Template) throws(HandoverError) {
        let action = "sign off as \(role.rawValue)"
        if actor.role == .auditor { throw .notPermitted(action: action, reason: "auditors have read-only access") }
        guard template.requiredSignoffs.contains(role) else {
            throw .notPermitted(action: action, reason: "the \(template.name) template does not ask for a \(role.rawValue) sign-off")
        }
        switch role {
        case .transferor:
            guard actor.id == handover.transferorID else { throw .notPermitted(action: action, reason: "only the transferor signs as transferor") }
            guard handover.state == .submitted || handover.state == .acknowledged else {
                throw .invalidTransition(from: handover.state, event: "be signed by the transferor")
            }
        case .recipient:
            guard actor.id == handover.recipientID else { throw .notPermitted(action: action, reason: "only the recipient signs as recipient") }
            guard handover.state == .acknowledged else { throw .invalidTransition(from: handover.state, event: "be signed by the recipient before they acknowledge it") }
        case .manager:
            guard actor.role == .admin || parties.isManaged(by: actor) else {
                throw .notPermitted(action: action, reason: "only a manager of the transferor or recipient, or an admin, signs as manager")
            }
            guard handover.state == .acknowledged else {
                throw .invalidTransition(from: handover.state, event: "be signed by a manager before the recipient acknowledges it")
            }
        }
    }

    /// The roles the template asks for that have no valid sign-off, in the template's order.
    public static func missing(required: [SignoffRole], signed: Set<SignoffRole>) -> [SignoffRole] {
        required.filter { !signed.contains($0) }
    }
}
