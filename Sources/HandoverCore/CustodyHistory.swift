import Foundation

/// An item's chain of custody as the audit log proves it: its creation entry, then one
/// `asset.custody` entry per completed transfer, each with both parties' signed statements and
/// the entries that recorded them, every entry with an inclusion proof against one signed
/// checkpoint. `verify` (HandoverTrust) checks it offline with only the log's public key.
public struct CustodyHistory: Codable, Sendable {
    public static let formatName = "handover.custody-history/v1"

    public struct Subject: Codable, Sendable {
        public var id: String
        public var organization: String
        public var kind: PhysicalAssetKind
        public var name: String
        public var serial: String
        public var custodian: String
        public var condition: PhysicalAssetCondition

        public init(id: String, organization: String, kind: PhysicalAssetKind, name: String, serial: String, custodian: String, condition: PhysicalAssetCondition) {
            self.id = id
            self.organization = organization
            self.kind = kind
            self.name = name
            self.serial = serial
            self.custodian = custodian
            self.condition = condition
        }
    }

    /// A signed statement of one party and the `custody.sign` entry that recorded it.
    public struct Statement: Codable, Sendable {
        public var role: CustodyRole
        public var signer: String
        public var keyID: String
        public var envelope: DSSEEnvelope
        public var entry: Int

        public init(role: CustodyRole, signer: String, keyID: String, envelope: DSSEEnvelope, entry: Int) {
            self.role = role
            self.signer = signer
            self.keyID = keyID
            self.envelope = envelope
            self.entry = entry
        }
    }

    /// One change of hands (or a loss: `to` is then `from`).
    public struct Link: Codable, Sendable {
        public var transfer: String
        public var from: String
        public var to: String
        public var outcome: CustodyOutcome
        /// The digest of the record both parties signed.
        public var recordDigest: String
        public var statements: [Statement]
        /// The `asset.custody` entry.
        public var entry: Int

        public init(transfer: String, from: String, to: String, outcome: CustodyOutcome, recordDigest: String, statements: [Statement], entry: Int) {
            self.transfer = transfer
            self.from = from
            self.to = to
            self.outcome = outcome
            self.recordDigest = recordDigest
            self.statements = statements
            self.entry = entry
        }
    }

    public var format: String
    public var issuedAt: String
    public var asset: Subject
    /// The first custodian. The server names them (the giver of the item's earliest completed
    /// transfer, or its custodian now if it never moved); the `asset.create` entry holds only a
    /// digest over the asset and them, which `verify` recomputes from this field.
    public var createdCustodian: String
    public var createdEntry: Int
    public var links: [Link]
    /// The signing keys of every statement, with the entries that recorded their enrolment and
    /// (when revoked) their revocation.
    public var keys: [CompletionCertificate.Key]
    public var audit: CompletionCertificate.Evidence

    public init(
        issuedAt: String, asset: Subject, createdCustodian: String, createdEntry: Int, links: [Link], keys: [CompletionCertificate.Key],
        audit: CompletionCertificate.Evidence
    ) {
        format = Self.formatName
        self.issuedAt = issuedAt
        self.asset = asset
        self.createdCustodian = createdCustodian
        self.createdEntry = createdEntry
        self.links = links
        self.keys = keys
        self.audit = audit
    }
}
