import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import Synchronization

/// The audit log over HTTP and for export: signs checkpoints (never two that disagree), serves
/// entries and proofs, builds offline bundles. Only admins and auditors read the log: it shows
/// everything everyone in the organization did.
public struct AuditService: Sendable {
    let store: any HandoverStore
    public let keys: LogKeys
    public let appender: AuditAppender
    let clock: WallClock
    let nodeCache = TreeNodeCache()

    public init(store: any HandoverStore, keys: LogKeys, appender: AuditAppender, clock: WallClock = .system) {
        self.store = store
        self.keys = keys
        self.appender = appender
        self.clock = clock
    }

    /// Largest page of entries per request.
    public static let maxEntries = 1000

    func requireReader(_ member: Member) throws {
        guard member.role == .admin || member.role == .auditor else {
            throw HandoverError.notPermitted(action: "read the audit log", reason: "only admins and auditors read it")
        }
    }

    /// The latest signed checkpoint, first extending the tree over new entries and signing it if
    /// it grew. Signing checks the new tree extends the last signed one; if the stored tree was
    /// altered it refuses, and the log stays at its last good checkpoint.
    public func checkpoint(for member: Member) async throws -> StoredCheckpoint {
        try requireReader(member)
        return try await checkpoint(organizationID: member.organizationID)
    }

    public func checkpoint(organizationID: String) async throws -> StoredCheckpoint {
        let signer = try keys.signer(organizationID: organizationID)
        let (size, root) = try await store.integrateAudit(organizationID: organizationID)
        let latest = try await store.latestCheckpoint(organizationID: organizationID)
        if let latest, latest.size == size {
            guard latest.rootHash == root else {
                throw HandoverError.conflict("the audit log's stored tree no longer matches its signed checkpoint at size \(size): it was altered outside Handover")
            }
            return latest
        }
        let previous = latest.map { Checkpoint(origin: signer.origin, size: $0.size, rootHash: $0.rootHash) }
        let proof = try await consistencyProof(organizationID: organizationID, from: latest?.size ?? 0, to: size)
        let note: String
        do {
            note = try signer.sign(size: size, root: root, after: previous, consistencyProof: proof)
        } catch let error as TrustError {
            throw HandoverError.conflict("refused to sign the audit log: \(error.description)")
        }
        return try await store.saveCheckpoint(organizationID: organizationID, size: size, root: root, note: note, at: clock.now())
    }

    public func entries(for member: Member, start: Int, end: Int?) async throws -> [(entry: AuditEntry, leafHash: String)] {
        try requireReader(member)
        guard start >= 0 else { throw HandoverError.invalid([Problem(path: "start", message: "must be 0 or more")]) }
        // Saturating: start may be as large as Int.max (the spec allows it), and that must not trap.
        let end = end ?? (start > Int.max - Self.maxEntries ? Int.max : start + Self.maxEntries)
        guard end >= start, end - start <= Self.maxEntries else {
            throw HandoverError.invalid([Problem(path: "end", message: "must be from start to start + \(Self.maxEntries)")])
        }
        return try await store.auditEntries(organizationID: member.organizationID, range: start..<end)
    }

    /// Largest page of tree nodes per request (a node is a fifth the size of an entry).
    public static let maxNodes = 5000

    /// The stored interior nodes of `level` with indices start..<end, base64, nil where one is
    /// not stored: what an export carries so the offline verifier can bisect a failed root.
    /// Unsigned, like the recorded leaf hashes; the verifier trusts only those that fold into a
    /// signed root.
    public func nodes(for member: Member, level: Int, start: Int, end: Int?) async throws -> [String?] {
        try requireReader(member)
        guard level >= 1, level < Int.bitWidth - 1 else { throw HandoverError.invalid([Problem(path: "level", message: "must be 1 to \(Int.bitWidth - 2)")]) }
        let end = end ?? (start > Int.max - Self.maxNodes ? Int.max : start + Self.maxNodes)  // no overflow at the top
        guard start >= 0, end >= start, end - start <= Self.maxNodes else {
            throw HandoverError.invalid([Problem(path: "end", message: "must be from start to start + \(Self.maxNodes)")])
        }
        let stored = try await store.auditNodes(organizationID: member.organizationID, level: level, range: start..<end)
        // Up to the last stored node asked for: the tree's size decides where a level ends.
        let last = stored.keys.max() ?? start - 1
        return (start..<(last + 1)).map { index in stored[index].flatMap(Hex.decode).map { Data($0).base64EncodedString() } }
    }

    /// Proof that entry `index` is in the signed tree of `size` (default: the latest checkpoint).
    public func inclusionProof(for member: Member, index: Int, size: Int?) async throws -> (size: Int, proof: [TreeHash]) {
        try requireReader(member)
        let size = try await signedSize(member, size)
        guard index >= 0, index < size else {
            throw HandoverError.invalid([Problem(path: "index", message: "must be below the tree size \(size)")])
        }
        return (size, try await inclusionProof(organizationID: member.organizationID, index: index, size: size))
    }

    public func inclusionProof(organizationID: String, index: Int, size: Int) async throws -> [TreeHash] {
        try await hashes(organizationID: organizationID, MerkleProof.inclusionRanges(index: index, size: size))
    }

    public func consistencyProof(for member: Member, from: Int, to: Int?) async throws -> (to: Int, proof: [TreeHash]) {
        try requireReader(member)
        let to = try await signedSize(member, to)
        guard from >= 0, from <= to else { throw HandoverError.invalid([Problem(path: "from", message: "must be 0 to \(to)")]) }
        return (to, try await consistencyProof(organizationID: member.organizationID, from: from, to: to))
    }

    func consistencyProof(organizationID: String, from: Int, to: Int) async throws -> [TreeHash] {
        try await hashes(organizationID: organizationID, MerkleProof.consistencyRanges(from: from, to: to))
    }

    /// One read for every perfect subtree the ranges need, then a fold per range.
    func hashes(organizationID: String, _ ranges: [Range<Int>]) async throws -> [TreeHash] {
        let nodes = try await nodeCache.hashes(
            organizationID: organizationID, size: ranges.map(\.upperBound).max() ?? 0, MerkleProof.subtrees(for: ranges),
            loadTop: { try await store.auditSubtrees(organizationID: organizationID, minimumLevel: $0) },
            load: { try await store.auditSubtrees(organizationID: organizationID, $0) })
        return ranges.map { PerfectSubtree.hash(of: $0) { nodes[$0]! } }
    }

    /// Proofs only make sense against a signed tree: sizes up to the latest checkpoint.
    func signedSize(_ member: Member, _ size: Int?) async throws -> Int {
        let latest = try await checkpoint(organizationID: member.organizationID)
        guard let size else { return latest.size }
        guard size >= 0, size <= latest.size else {
            throw HandoverError.invalid([Problem(path: "size", message: "must be 0 to the latest signed size \(latest.size)")])
        }
        return size
    }

    /// Everything needed to verify the organization's log offline. The export is itself logged
    /// (before the checkpoint is signed, so the bundle covers its own export entry). Without
    /// entries, the rest of the bundle: the CLI then pages the entries in, so a log of millions
    /// never has to fit in one response.
    public func export(for member: Member, includeEntries: Bool = true) async throws -> AuditBundle {
        try requireReader(member)
        let organizationID = member.organizationID
        try await appender.append(
            AuditRecord(action: "audit.export", target: "organization:\(organizationID)"), organizationID: organizationID,
            actor: AuditActor(member: member.id))
        let latest = try await checkpoint(organizationID: organizationID)
        let signed = try await store.checkpoints(organizationID: organizationID, latestOnly: false)
        var proofs: [AuditBundle.Consistency] = []
        for (old, new) in zip(signed, signed.dropFirst()) where old.size > 0 {
            let proof = try await consistencyProof(organizationID: organizationID, from: old.size, to: new.size)
            proofs.append(.init(from: old.size, to: new.size, hashes: proof.map { Data($0).base64EncodedString() }))
        }
        var entries: [AuditEntry] = [], hashes: [String] = []
        let size = includeEntries ? try await store.auditSize(organizationID: organizationID) : 0
        for start in stride(from: 0, to: includeEntries ? max(size, latest.size) : 0, by: 5000) {
            for (entry, hash) in try await store.auditEntries(organizationID: organizationID, range: start..<(start + 5000)) {
                entries.append(entry)
                hashes.append(hash)
            }
        }
        var treeNodes: [[String]]?
        if includeEntries {
            let stored = try await store.auditSubtrees(organizationID: organizationID, minimumLevel: 1)
            treeNodes = Self.levels(of: stored, size: latest.size)
        }
        let signer = try keys.signer(organizationID: organizationID)
        return AuditBundle(
            origin: signer.origin, verifierKey: signer.verifier.keyString, exportedAt: clock.now().millis,
            checkpoints: signed.map(\.note), consistencyProofs: proofs, entries: entries, leafHashes: hashes, treeNodes: treeNodes)
    }

    /// The bundle's `treeNodes`: every complete node of the tree of `size`, level 1 up, base64,
    /// "" for one not stored (the verifier then does without it).
    static func levels(of stored: [PerfectSubtree: TreeHash], size: Int) -> [[String]] {
        var levels: [[String]] = []
        var level = 1
        while size >> level > 0 {
            levels.append((0..<(size >> level)).map { stored[PerfectSubtree(level: level, index: $0)].map { Data($0).base64EncodedString() } ?? "" })
            level += 1
        }
        return levels
    }

    public func verifierKey(organizationID: String) throws -> String {
        try keys.signer(organizationID: organizationID).verifier.keyString
    }
}
