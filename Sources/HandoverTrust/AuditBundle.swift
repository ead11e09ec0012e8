import Crypto
import Foundation
import HandoverCore

/// What `verify` found: counts on success, or the first problem and, when it is one entry, its
/// number.
public struct AuditVerification: Sendable, Equatable {
    public var entriesChecked = 0
    public var checkpointsChecked = 0
    public var proofsChecked = 0
    public var latestSize = 0
    public var latestRoot = ""
    /// Entries after the latest checkpoint: hashed, but not yet covered by a signature.
    public var uncovered = 0
    public var keyPinned = false
    public var failure: String?
    /// The entry the failure is about, when it is one entry.
    public var failedEntry: Int?
    /// When signed roots fail: ranges of entry numbers, in order, each proven to hold at least
    /// one entry that differs from the signed log, as tight as the bundle's evidence allows.
    public var changedEntries: [Range<Int>] = []

    public var ok: Bool { failure == nil }
}

extension AuditBundle {
    /// Checks the bundle offline. With `pinnedKey`, the bundle's key must be that key; without,
    /// the bundle vouches for its own key, and the result says so.
    public func verify(pinnedKey: NoteVerifier? = nil) -> AuditVerification {
        var result = AuditVerification()
        func fail(_ message: String, entry: Int? = nil) -> AuditVerification {
            result.failure = message
            result.failedEntry = entry
            return result
        }
        guard format == Self.formatName else { return fail("not a Handover audit bundle (format \"\(format)\")") }
        let key: NoteVerifier
        do { key = try NoteVerifier(keyString: verifierKey) } catch { return fail("the bundle's public key is unreadable: \(error)") }
        if let pinnedKey {
            guard pinnedKey == key else { return fail("the bundle is signed by \(key.keyString), not by the key you trust (\(pinnedKey.keyString))") }
            result.keyPinned = true
        }
        guard key.name == origin else { return fail("the key is for \"\(key.name)\", the bundle for \"\(origin)\"") }

        // 1. Every checkpoint is signed by the log's key, for this log, and none goes backwards.
        var signed: [Checkpoint] = []
        for (index, note) in checkpoints.enumerated() {
            do {
                let checkpoint = try Checkpoint(signedNote: note, verifier: key, origin: origin)
                if let last = signed.last, checkpoint.size < last.size {
                    return fail("checkpoint \(index + 1) (size \(checkpoint.size)) is older than the one before it (size \(last.size))")
                }
                signed.append(checkpoint)
            } catch {
                return fail("checkpoint \(index + 1): \(error)")
            }
        }
        result.checkpointsChecked = signed.count

        // 2. The server's consistency proofs between checkpoints hold.
        let bySize = Dictionary(signed.map { ($0.size, $0.rootHash) }, uniquingKeysWith: { first, _ in first })
        var verifiedProofs: [VerifiedConsistency] = []
        for proof in consistencyProofs {
            guard let oldRoot = bySize[proof.from], let newRoot = bySize[proof.to] else {
                return fail("a consistency proof refers to tree sizes \(proof.from) → \(proof.to) with no signed checkpoint")
            }
            let hashes = proof.hashes.compactMap { Data(base64Encoded: $0).map(Array.init) }
            do {
                guard hashes.count == proof.hashes.count else { throw ProofError("a hash is not base64") }
                try MerkleProof.verifyConsistency(oldSize: proof.from, newSize: proof.to, oldRoot: oldRoot, newRoot: newRoot, proof: hashes)
            } catch {
                return fail("the log forked: checkpoints \(proof.from) and \(proof.to) are not consistent (\(error))")
            }
            verifiedProofs.append(VerifiedConsistency(from: proof.from, to: proof.to, hashes: hashes))
            result.proofsChecked += 1
        }

        // 3. Recompute the tree from the entries; at each checkpoint the root must be the signed one.
        guard leafHashes.count == entries.count else { return fail("the bundle has \(entries.count) entries but \(leafHashes.count) recorded hashes") }
        var frontier = MerkleFrontier()
        var pending = signed[...]
        while let next = pending.first, next.size == 0 {
            guard next.rootHash == MerkleTree.emptyRoot else { return fail("an empty tree signed with a non-empty root") }
            pending.removeFirst()
        }
        var buffer = ByteWriter()
        var rootFailed = false
        for index in entries.indices {
            // entries[index] used in place, not bound to a name: no copy of five strings per entry.
            let seq = entries[index].seq
            if seq != index {
                return seq > index
                    ? fail("entry \(index) is missing: the next entry in the bundle is \(seq)", entry: index)
                    : fail("entry \(seq) appears twice or out of order at position \(index)", entry: seq)
            }
            let hash = entries[index].leafDigest(buffer: &buffer)
            if !Hex.matches(hash, leafHashes[index]) {
                return fail("entry \(index) does not match the hash recorded when it was appended: it was changed afterwards", entry: index)
            }
            frontier.extend(leafDigest: hash)
            result.entriesChecked += 1
            while let next = pending.first, next.size == frontier.size {
                // Keep going: the search for what changed uses every checkpoint the entries reach.
                if frontier.root != next.rootHash { rootFailed = true }
                pending.removeFirst()
            }
        }
        var missing = ""
        if let first = pending.first {
            missing = "the log signed \(first.size) entries but the bundle has only \(entries.count): entry \(entries.count) onwards is missing"
        }
        if rootFailed {
            // An entry changed together with its recorded hash, or removed with the rest
            // renumbered: only the signed hashes can say where.
            let damage = locateDamage(signed: signed, proofs: verifiedProofs)
            result.changedEntries = damage.places.map(\.entries)
            let single = damage.places.first.flatMap { $0.entries.count == 1 ? $0.entries.lowerBound : nil }
            return fail(damage.description() + (missing.isEmpty ? "" : "; and " + missing), entry: single)
        }
        if !missing.isEmpty { return fail(missing, entry: entries.count) }
        result.latestSize = signed.last?.size ?? 0
        result.latestRoot = Data(signed.last?.rootHash ?? MerkleTree.emptyRoot).base64EncodedString()
        result.uncovered = entries.count - result.latestSize
        return result
    }
}
