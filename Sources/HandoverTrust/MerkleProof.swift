import Foundation

/// Why a proof did not verify.
public struct ProofError: Error, Equatable, CustomStringConvertible, Sendable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Inclusion and consistency proofs of RFC 6962 §2.1.1–2.1.2 (RFC 9162 §2.1.3–2.1.4).
///
/// Generation is split in two so storage stays at the edge: `inclusionRanges` and
/// `consistencyRanges` say which leaf ranges a proof is made of (pure arithmetic), the caller
/// fetches the perfect subtrees those ranges cover in one read, and `PerfectSubtree.hash`
/// folds them. A proof has at most ceil(log2 n) hashes.
public enum MerkleProof {
    /// PATH(m, D[0:n]): the ranges whose hashes prove leaf `index` is in a tree of `size`.
    public static func inclusionRanges(index: Int, size: Int) -> [Range<Int>] {
        precondition(index >= 0 && index < size)
        var ranges: [Range<Int>] = []
        var (lower, upper) = (0, size)
        // Walk down from the root; the recursion's siblings come out root-first, so reverse.
        while upper - lower > 1 {
            let k = MerkleTree.split(upper - lower)
            if index < lower + k {
                ranges.append((lower + k)..<upper)
                upper = lower + k
            } else {
                ranges.append(lower..<(lower + k))
                lower += k
            }
        }
        return ranges.reversed()
    }

    /// PROOF(m, D[0:n]): the ranges whose hashes prove a tree of `oldSize` is a prefix of one of
    /// `newSize`. Empty when the sizes are equal or the old tree is empty.
    public static func consistencyRanges(from oldSize: Int, to newSize: Int) -> [Range<Int>] {
        precondition(oldSize >= 0 && oldSize <= newSize)
        guard oldSize > 0, oldSize < newSize else { return [] }
        var ranges: [Range<Int>] = []
        var (m, lower, upper, complete) = (oldSize, 0, newSize, true)
        // SUBPROOF(m, D[lower:upper], complete), iteratively; siblings again come out root-first.
        while true {
            let n = upper - lower
            if m == n {
                if !complete { ranges.append(lower..<upper) }
                break
            }
            let k = MerkleTree.split(n)
            if m <= k {
                ranges.append((lower + k)..<upper)
                upper = lower + k
            } else {
                ranges.append(lower..<(lower + k))
                lower += k
                m -= k
                complete = false
            }
        }
        return ranges.reversed()
    }

    /// The perfect subtrees to fetch for these ranges, deduplicated.
    public static func subtrees(for ranges: [Range<Int>]) -> Set<PerfectSubtree> {
        Set(ranges.flatMap(PerfectSubtree.covering))
    }

    // MARK: Verification (RFC 9162 §2.1.3.2 and §2.1.4.2)

    /// The root a leaf and its inclusion proof lead to.
    public static func rootFromInclusion(index: Int, size: Int, leafHash: TreeHash, proof: [TreeHash]) throws -> TreeHash {
        guard index >= 0, index < size else { throw ProofError("leaf \(index) is not in a tree of \(size)") }
        guard leafHash.count == 32, proof.allSatisfy({ $0.count == 32 }) else { throw ProofError("hashes must be 32 bytes") }
        var (fn, sn, hash) = (index, size - 1, leafHash)
        for sibling in proof {
            guard sn != 0 else { throw ProofError("the proof is longer than the tree is deep") }
            if fn & 1 == 1 || fn == sn {
                hash = MerkleTree.nodeHash(sibling, hash)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                hash = MerkleTree.nodeHash(hash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw ProofError("the proof is shorter than the tree is deep") }
        return hash
    }

    public static func verifyInclusion(index: Int, size: Int, leafHash: TreeHash, proof: [TreeHash], root: TreeHash) throws {
        guard try rootFromInclusion(index: index, size: size, leafHash: leafHash, proof: proof) == root else {
            throw ProofError("leaf \(index) is not in the tree with this root")
        }
    }

    public static func verifyConsistency(oldSize: Int, newSize: Int, oldRoot: TreeHash, newRoot: TreeHash, proof: [TreeHash]) throws {
        guard oldSize >= 0, oldSize <= newSize else { throw ProofError("a tree of \(newSize) cannot extend one of \(oldSize)") }
        guard oldRoot.count == 32, newRoot.count == 32, proof.allSatisfy({ $0.count == 32 }) else { throw ProofError("hashes must be 32 bytes") }
        if oldSize == newSize {
            guard proof.isEmpty else { throw ProofError("trees of equal size need an empty proof") }
            guard oldRoot == newRoot else { throw ProofError("two trees of size \(oldSize) with different roots") }
            return
        }
        if oldSize == 0 {
            guard proof.isEmpty else { throw ProofError("an empty tree needs an empty proof") }
            return
        }
        guard !proof.isEmpty else { throw ProofError("empty consistency proof") }
        var path = proof[...]
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: path.startIndex) }
        var (fn, sn) = (oldSize - 1, newSize - 1)
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        var oldHash = path.removeFirst()
        var newHash = oldHash
        for sibling in path {
            guard sn != 0 else { throw ProofError("the proof is longer than the tree is deep") }
            if fn & 1 == 1 || fn == sn {
                oldHash = MerkleTree.nodeHash(sibling, oldHash)
                newHash = MerkleTree.nodeHash(sibling, newHash)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                newHash = MerkleTree.nodeHash(newHash, sibling)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw ProofError("the proof is shorter than the tree is deep") }
        guard oldHash == oldRoot else { throw ProofError("the proof does not lead to the old root") }
        guard newHash == newRoot else { throw ProofError("the proof does not lead to the new root") }
    }
}
