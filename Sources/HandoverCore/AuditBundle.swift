import Foundation

/// Everything needed to check an organization's audit log without its server: the entries,
/// the leaf hashes recorded when each was appended, every signed checkpoint, the consistency
/// proofs between them, and the log's public key.
public struct AuditBundle: Codable, Sendable {
    public static let formatName = "handover.audit-bundle/v1"

    public struct Consistency: Codable, Sendable, Equatable {
        public var from: Int
        public var to: Int
        /// Base64 hashes.
        public var hashes: [String]

        public init(from: Int, to: Int, hashes: [String]) {
            self.from = from
            self.to = to
            self.hashes = hashes
        }
    }

    public var format: String
    public var origin: String
    /// Go `note` verifier key string: "<origin>+<key id>+<base64 key>".
    public var verifierKey: String
    public var exportedAt: Int64
    /// Signed notes, oldest first.
    public var checkpoints: [String]
    public var consistencyProofs: [Consistency]
    public var entries: [AuditEntry]
    /// Hex, one per entry: the leaf hash recorded at append time. It lets the verifier name the
    /// entry that changed; the signed roots are what make the check trustworthy.
    public var leafHashes: [String]
    /// The server's stored interior nodes, base64: `treeNodes[l - 1][i]` is the perfect subtree
    /// of 2^l entries starting at i·2^l. Like the leaf hashes they are not signed: the verifier
    /// believes a node only once it and its sibling hash to a node it already believes, up to a
    /// signed root. They let it bisect a signed root that the entries do not reproduce down to
    /// the changed entries instead of stopping at the checkpoint. Absent in older bundles.
    public var treeNodes: [[String]]?

    public init(
        origin: String, verifierKey: String, exportedAt: Int64, checkpoints: [String], consistencyProofs: [Consistency],
        entries: [AuditEntry], leafHashes: [String], treeNodes: [[String]]? = nil
    ) {
        format = Self.formatName
        self.origin = origin
        self.verifierKey = verifierKey
        self.exportedAt = exportedAt
        self.checkpoints = checkpoints
        self.consistencyProofs = consistencyProofs
        self.entries = entries
        self.leafHashes = leafHashes
        self.treeNodes = treeNodes
    }
}
