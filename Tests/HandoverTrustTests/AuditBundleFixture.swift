import Foundation
import HandoverCore
import HandoverTrust

/// Bundles as the server exports them, for the verifier and comparison tests.
struct AuditBundleFixture {
    let signer = try! LogKeys(secret: Array(repeating: 9, count: 32)).signer(organizationID: "org1")

    func entries(_ count: Int) -> [AuditEntry] {
        (0..<count).map {
            AuditEntry(
                seq: $0, time: 1_800_000_000_000 + Int64($0), actor: "m\($0 % 3)", action: "handover.edit", target: "handover:h\($0 / 4)", request: "r\($0)",
                digest: Hex.sha256(Array("v\($0)".utf8)))
        }
    }

    /// Checkpoints at `sizes`, each signed after checking it extends the last, the consistency
    /// proofs between them, and (with `nodes`) the stored interior nodes up to the last checkpoint.
    func bundle(_ entries: [AuditEntry], checkpointsAt sizes: [Int], nodes: Bool = true) throws -> AuditBundle {
        let tree = InMemoryTree(leafHashes: entries.map(\.leafHash))
        var notes: [String] = [], proofs: [AuditBundle.Consistency] = [], previous: Checkpoint?
        for size in sizes {
            let proof = previous.map { tree.consistency($0.size, size) } ?? []
            notes.append(try signer.sign(size: size, root: tree.root(size), after: previous, consistencyProof: proof))
            if let previous { proofs.append(.init(from: previous.size, to: size, hashes: proof.map { Data($0).base64EncodedString() })) }
            previous = Checkpoint(origin: signer.origin, size: size, rootHash: tree.root(size))
        }
        let signedSize = sizes.last ?? 0
        let treeNodes = (1..<max(1, signedSize.bitWidth - signedSize.leadingZeroBitCount)).map { level in
            (0..<(signedSize >> level)).map { Data(tree.subtree(PerfectSubtree(level: level, index: $0))).base64EncodedString() }
        }
        return AuditBundle(
            origin: signer.origin, verifierKey: signer.verifier.keyString, exportedAt: 0, checkpoints: notes,
            consistencyProofs: proofs, entries: entries, leafHashes: entries.map { Hex.encode($0.leafHash) },
            treeNodes: nodes ? treeNodes : nil)
    }
}

extension AuditBundle {
    /// What someone with write access to the database does: changes an entry and rewrites its
    /// recorded leaf hash to match, leaving the stored tree nodes alone.
    mutating func rewrite(_ index: Int, actor: String = "mallory") {
        entries[index].actor = actor
        leafHashes[index] = Hex.encode(entries[index].leafHash)
    }

    /// Removes an entry and renumbers the rest, rewriting their recorded hashes.
    mutating func removeAndRenumber(_ index: Int) {
        entries.remove(at: index)
        leafHashes.remove(at: index)
        for position in index..<entries.count {
            entries[position].seq = position
            leafHashes[position] = Hex.encode(entries[position].leafHash)
        }
    }
}
