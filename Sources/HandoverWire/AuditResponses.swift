import Foundation
import HandoverCore

// The bodies of /api/v1/audit besides the export (`AuditBundle`, in HandoverCore).

/// `GET /audit/checkpoint`: the latest signed checkpoint and the key that checks it.
public struct CheckpointResponse: Codable, Sendable {
    public var size: Int
    /// Base64.
    public var rootHash: String
    /// The C2SP signed note.
    public var checkpoint: String
    public var verifierKey: String

    public init(size: Int, rootHash: String, checkpoint: String, verifierKey: String) {
        self.size = size
        self.rootHash = rootHash
        self.checkpoint = checkpoint
        self.verifierKey = verifierKey
    }
}

/// One entry of `GET /audit/entries`, with the leaf hash recorded when it was appended (hex).
public struct AuditEntryBody: Codable, Sendable {
    public var entry: AuditEntry
    public var leafHash: String

    public init(entry: AuditEntry, leafHash: String) {
        self.entry = entry
        self.leafHash = leafHash
    }
}

/// `GET /audit/entries`.
public struct AuditEntriesResponse: Codable, Sendable {
    public var entries: [AuditEntryBody]

    public init(entries: [AuditEntryBody]) { self.entries = entries }
}

/// `GET /audit/nodes`: stored tree nodes of one level from `start`, base64, null where one is not stored.
public struct AuditNodesResponse: Codable, Sendable {
    public var level: Int
    public var start: Int
    public var hashes: [String?]

    public init(level: Int, start: Int, hashes: [String?]) {
        self.level = level
        self.start = start
        self.hashes = hashes
    }
}

/// `GET /audit/proofs/inclusion`: base64 hashes.
public struct InclusionProofResponse: Codable, Sendable {
    public var index: Int
    public var size: Int
    public var hashes: [String]

    public init(index: Int, size: Int, hashes: [String]) {
        self.index = index
        self.size = size
        self.hashes = hashes
    }
}

/// `GET /audit/proofs/consistency`: base64 hashes.
public struct ConsistencyProofResponse: Codable, Sendable {
    public var from: Int
    public var to: Int
    public var hashes: [String]

    public init(from: Int, to: Int, hashes: [String]) {
        self.from = from
        self.to = to
        self.hashes = hashes
    }
}
