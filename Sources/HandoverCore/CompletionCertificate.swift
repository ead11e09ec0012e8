import Foundation

/// The certificate of completion: who handed over what to whom, how each signed, when each
/// step happened, and the audit entries that record it, each with an inclusion proof against
/// a signed checkpoint. `verify` (HandoverTrust) checks all of it offline, with only the log's public key.
public struct CompletionCertificate: Codable, Sendable {
    public static let formatName = "handover.certificate/v1"

    public struct Subject: Codable, Sendable {
        public var id: String
        public var organization: String
        public var accountID: String
        public var accountName: String
        public var templateKey: String
        public var templateVersion: Int
        public var templateName: String
        public var requiredSignoffs: [SignoffRole]
        /// Hex SHA-256 of the RFC 8785 form of the content every sign-off signed.
        public var contentDigest: String
        public var state: HandoverState

        public init(
            id: String, organization: String, accountID: String, accountName: String, templateKey: String, templateVersion: Int,
            templateName: String, requiredSignoffs: [SignoffRole], contentDigest: String, state: HandoverState
        ) {
            self.id = id
            self.organization = organization
            self.accountID = accountID
            self.accountName = accountName
            self.templateKey = templateKey
            self.templateVersion = templateVersion
            self.templateName = templateName
            self.requiredSignoffs = requiredSignoffs
            self.contentDigest = contentDigest
            self.state = state
        }
    }

    public struct Party: Codable, Sendable {
        public var role: SignoffRole
        public var member: String
        public var name: String
        public var email: String

        public init(role: SignoffRole, member: String, name: String, email: String) {
            self.role = role
            self.member = member
            self.name = name
            self.email = email
        }
    }

    public struct Key: Codable, Sendable {
        public var id: String
        public var member: String
        /// Base64 raw Ed25519 public key.
        public var publicKey: String
        /// "cli" (a key file on the member's machine) or "browser" (the browser's key store).
        public var origin: String
        public var enrolledAt: String
        public var revokedAt: String?
        /// The audit entry that recorded the enrolment.
        public var entry: Int
        /// The `key.revoke` entry, when revoked. A custody history carries it, so the verifier
        /// orders the revocation against the signatures by the log, not by a date the document
        /// states; a certificate leaves it out (it checks `revokedAt`).
        public var revokedEntry: Int?

        public init(
            id: String, member: String, publicKey: String, origin: String, enrolledAt: String, revokedAt: String?, entry: Int, revokedEntry: Int? = nil
        ) {
            self.id = id
            self.member = member
            self.publicKey = publicKey
            self.origin = origin
            self.enrolledAt = enrolledAt
            self.revokedAt = revokedAt
            self.entry = entry
            self.revokedEntry = revokedEntry
        }
    }

    public struct Signature: Codable, Sendable {
        public var role: SignoffRole
        public var signer: String
        public var keyID: String
        /// How the signer was signed in to Handover when they sent it.
        public var authentication: String
        public var envelope: DSSEEnvelope
        /// The audit entry that recorded it.
        public var entry: Int

        public init(role: SignoffRole, signer: String, keyID: String, authentication: String, envelope: DSSEEnvelope, entry: Int) {
            self.role = role
            self.signer = signer
            self.keyID = keyID
            self.authentication = authentication
            self.envelope = envelope
            self.entry = entry
        }
    }

    /// One step in the handover's life, as an audit entry recorded it.
    public struct Milestone: Codable, Sendable {
        /// created, sent, viewed, returned, revised, acknowledged, signed, completed, verified, closed.
        public var event: String
        public var actor: String
        public var at: String
        public var entry: Int

        public init(event: String, actor: String, at: String, entry: Int) {
            self.event = event
            self.actor = actor
            self.at = at
            self.entry = entry
        }
    }

    public struct Evidence: Codable, Sendable {
        public var origin: String
        /// The log's verifier key, "name+id+base64": pin it with `verify --key`.
        public var verifierKey: String
        /// The signed checkpoint (C2SP signed note) every proof is against.
        public var checkpoint: String
        public var entries: [AuditEntry]
        /// For each entry, its inclusion proof (base64 hashes) at the checkpoint's size.
        public var proofs: [[String]]

        public init(origin: String, verifierKey: String, checkpoint: String, entries: [AuditEntry], proofs: [[String]]) {
            self.origin = origin
            self.verifierKey = verifierKey
            self.checkpoint = checkpoint
            self.entries = entries
            self.proofs = proofs
        }
    }

    public var format: String
    public var issuedAt: String
    public var handover: Subject
    public var parties: [Party]
    public var keys: [Key]
    public var signoffs: [Signature]
    public var timeline: [Milestone]
    public var audit: Evidence

    public init(issuedAt: String, handover: Subject, parties: [Party], keys: [Key], signoffs: [Signature], timeline: [Milestone], audit: Evidence) {
        format = Self.formatName
        self.issuedAt = issuedAt
        self.handover = handover
        self.parties = parties
        self.keys = keys
        self.signoffs = signoffs
        self.timeline = timeline
        self.audit = audit
    }

    /// The lifecycle action each milestone must be recorded as.
    public static let milestoneActions: [String: String] = [
        "created": "handover.create", "sent": "handover.submit", "viewed": "handover.read", "returned": "handover.return",
        "revised": "handover.revise", "acknowledged": "handover.acknowledge", "signed": "handover.signoff",
        "completed": "handover.complete", "verified": "handover.verify", "closed": "handover.close",
    ]
}
