import Foundation
import HandoverTestSupport
import HandoverTrust
import Testing

/// Property tests on random trees: every proof verifies; any single flipped bit in a proof, a
/// leaf or a root makes it fail; proofs are never longer than ceil(log2 n).
@Suite struct MerklePropertyTests {
    static func randomTree(_ size: Int, _ random: inout SeededRandom) -> InMemoryTree {
        InMemoryTree(
            leafHashes: (0..<size).map { _ in MerkleTree.leafHash((0..<Int.random(in: 0...40, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }) })
    }

    static func ceilLog2(_ n: Int) -> Int { n <= 1 ? 0 : Int.bitWidth - (n - 1).leadingZeroBitCount }

    static func flip(_ hash: TreeHash, _ random: inout SeededRandom) -> TreeHash {
        var copy = hash
        let bit = Int.random(in: 0..<(hash.count * 8), using: &random)
        copy[bit / 8] ^= UInt8(1 << (bit % 8))
        return copy
    }

    @Test(arguments: [1, 2, 3, 5, 8, 13, 64, 100, 257])
    func everyInclusionProofVerifiesAndAnyFlippedBitFails(size: Int) throws {
        var random = SeededRandom(state: UInt64(size) * 7919)
        let tree = Self.randomTree(size, &random)
        let root = tree.root(size)
        for index in 0..<size {
            let proof = tree.inclusion(index, size: size)
            #expect(proof.count <= Self.ceilLog2(size))
            try MerkleProof.verifyInclusion(index: index, size: size, leafHash: tree.leafHashes[index], proof: proof, root: root)
            if !proof.isEmpty {
                var bad = proof
                let which = Int.random(in: 0..<proof.count, using: &random)
                bad[which] = Self.flip(bad[which], &random)
                #expect(throws: ProofError.self) { try MerkleProof.verifyInclusion(index: index, size: size, leafHash: tree.leafHashes[index], proof: bad, root: root) }
            }
            #expect(throws: ProofError.self) {
                try MerkleProof.verifyInclusion(index: index, size: size, leafHash: Self.flip(tree.leafHashes[index], &random), proof: proof, root: root)
            }
            #expect(throws: ProofError.self) {
                try MerkleProof.verifyInclusion(index: index, size: size, leafHash: tree.leafHashes[index], proof: proof, root: Self.flip(root, &random))
            }
        }
    }

    @Test(arguments: [2, 3, 7, 16, 33, 100])
    func everyConsistencyProofVerifiesAndAnyFlippedBitFails(size: Int) throws {
        var random = SeededRandom(state: UInt64(size) * 104_729)
        let tree = Self.randomTree(size, &random)
        for new in 1...size {
            let newRoot = tree.root(new)
            for old in 1...new {
                let oldRoot = tree.root(old)
                let proof = tree.consistency(old, new)
                #expect(proof.count <= Self.ceilLog2(new) + 1)
                try MerkleProof.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
                guard old < new else { continue }
                var bad = proof
                let which = Int.random(in: 0..<proof.count, using: &random)
                bad[which] = Self.flip(bad[which], &random)
                #expect(throws: ProofError.self) { try MerkleProof.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: newRoot, proof: bad) }
                #expect(throws: ProofError.self) {
                    try MerkleProof.verifyConsistency(oldSize: old, newSize: new, oldRoot: Self.flip(oldRoot, &random), newRoot: newRoot, proof: proof)
                }
                #expect(throws: ProofError.self) {
                    try MerkleProof.verifyConsistency(oldSize: old, newSize: new, oldRoot: oldRoot, newRoot: Self.flip(newRoot, &random), proof: proof)
                }
            }
        }
    }

    /// A frontier rebuilt from stored perfect subtrees continues exactly like one that saw
    /// every leaf: what lets the log extend its tree without re-reading old entries.
    @Test func frontierRestoredFromStoredNodesContinuesTheSameTree() {
        var random = SeededRandom(state: 42)
        let tree = Self.randomTree(300, &random)
        var stored: [PerfectSubtree: TreeHash] = [:]
        var live = MerkleFrontier()
        for (index, hash) in tree.leafHashes.enumerated() {
            for (node, nodeHash) in live.append(leafHash: hash) { stored[node] = nodeHash }
            #expect(live.root == tree.root(index + 1))
            if index % 37 == 0 {
                var restored = MerkleFrontier(size: index + 1) { stored[$0]! }
                #expect(restored == live)
                for next in tree.leafHashes[(index + 1)...].prefix(10) {
                    restored.append(leafHash: next)
                }
                #expect(restored.root == tree.root(min(300, index + 11)))
            }
        }
        // Every perfect subtree the appends completed is the hash of its leaves.
        for (node, hash) in stored.prefix(200) { #expect(hash == tree.subtree(node)) }
    }
}
