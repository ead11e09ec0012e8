import Foundation
import HandoverTrust
import Testing

/// The RFC 6962 test vectors published with transparency-dev/merkle (proof/verify_test.go),
/// which Certificate Transparency implementations share: eight leaves, the root of every prefix,
/// and known inclusion and consistency proofs.
enum RFC6962Vectors {
    static func h(_ hex: String) -> [UInt8] { Hex.decode(hex)! }

    static let leaves: [[UInt8]] = ["", "00", "10", "2021", "3031", "40414243", "5051525354555657", "606162636465666768696a6b6c6d6e6f"].map(h)

    /// roots[i] is the root of the tree of the first i + 1 leaves.
    static let roots: [[UInt8]] = [
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ].map(h)

    /// (leaf index, tree size, proof). The source numbers leaves from 1; these are 0-based.
    static let inclusion: [(Int, Int, [[UInt8]])] = [
        (0, 1, []),
        (
            0, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ].map(h)
        ),
        (
            5, 8,
            [
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ].map(h)
        ),
        (2, 3, ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"].map(h)),
        (
            1, 5,
            [
                "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ].map(h)
        ),
    ]

    /// (old size, new size, proof).
    static let consistency: [(Int, Int, [[UInt8]])] = [
        (1, 1, []),
        (
            1, 8,
            [
                "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
            ].map(h)
        ),
        (
            6, 8,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ].map(h)
        ),
        (
            2, 5,
            [
                "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
                "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            ].map(h)
        ),
        (
            6, 7,
            [
                "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
                "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
                "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            ].map(h)
        ),
    ]

    static let emptyRoot = h("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
}

/// Builds proofs the way the server does: ranges → perfect subtrees → fold.
struct InMemoryTree {
    let leafHashes: [TreeHash]

    func subtree(_ node: PerfectSubtree) -> TreeHash {
        MerkleTree.rootHash(leafHashes: Array(leafHashes[node.leaves]))
    }

    func inclusion(_ index: Int, size: Int) -> [TreeHash] {
        MerkleProof.inclusionRanges(index: index, size: size).map { PerfectSubtree.hash(of: $0, subtree) }
    }

    func consistency(_ old: Int, _ new: Int) -> [TreeHash] {
        MerkleProof.consistencyRanges(from: old, to: new).map { PerfectSubtree.hash(of: $0, subtree) }
    }

    func root(_ size: Int) -> TreeHash { MerkleTree.rootHash(leafHashes: Array(leafHashes[0..<size])) }
}

@Suite struct MerkleVectorTests {
    let tree = InMemoryTree(leafHashes: RFC6962Vectors.leaves.map { MerkleTree.leafHash($0) })

    @Test func emptyTreeAndLeafHashes() {
        #expect(MerkleTree.emptyRoot == RFC6962Vectors.emptyRoot)
        #expect(MerkleTree.rootHash(leafHashes: []) == RFC6962Vectors.emptyRoot)
        // A one-leaf tree's root is its leaf hash: SHA-256(0x00).
        #expect(MerkleTree.leafHash([UInt8]()) == RFC6962Vectors.roots[0])
    }

    @Test func rootOfEveryPrefix() {
        for size in 1...8 {
            #expect(tree.root(size) == RFC6962Vectors.roots[size - 1], "root of \(size)")
            var frontier = MerkleFrontier()
            for hash in tree.leafHashes.prefix(size) { frontier.append(leafHash: hash) }
            #expect(frontier.root == RFC6962Vectors.roots[size - 1], "frontier root of \(size)")
        }
    }

    @Test func publishedInclusionProofsAreGeneratedAndVerified() throws {
        for (index, size, proof) in RFC6962Vectors.inclusion {
            #expect(tree.inclusion(index, size: size) == proof, "proof for leaf \(index) of \(size)")
            try MerkleProof.verifyInclusion(index: index, size: size, leafHash: tree.leafHashes[index], proof: proof, root: RFC6962Vectors.roots[size - 1])
        }
    }

    @Test func publishedConsistencyProofsAreGeneratedAndVerified() throws {
        for (old, new, proof) in RFC6962Vectors.consistency {
            #expect(tree.consistency(old, new) == proof, "proof \(old) → \(new)")
            try MerkleProof.verifyConsistency(
                oldSize: old, newSize: new, oldRoot: RFC6962Vectors.roots[old - 1],
                newRoot: RFC6962Vectors.roots[new - 1], proof: proof)
        }
    }

    /// The corruptions transparency-dev's tests apply to each published proof: all must fail.
    @Test func corruptedInclusionProofsFail() {
        let someHash = RFC6962Vectors.h("abacaba000000000000000000000000000000000000000000060061e00123456")
        for (index, size, proof) in RFC6962Vectors.inclusion where !proof.isEmpty {
            let root = RFC6962Vectors.roots[size - 1], leaf = tree.leafHashes[index]
            var probes: [(Int, Int, TreeHash, [TreeHash], TreeHash)] = [
                (index - 1, size, leaf, proof, root), (index + 1, size, leaf, proof, root), (index ^ 2, size, leaf, proof, root),
                (index, size * 2, leaf, proof, root), (index, size / 2, leaf, proof, root),
                (index, size, Array("WrongLeaf".utf8), proof, root), (index, size, leaf, proof, RFC6962Vectors.emptyRoot),
                (index, size, leaf, proof, someHash), (index, size, leaf, proof + [root], root), (index, size, leaf, [root] + proof, root),
                (index, size, leaf, Array(proof.dropLast()), root),
            ]
            if proof.count > 1 { probes.append((index, size, leaf, [proof[0], someHash] + proof.dropFirst(), root)) }
            for i in proof.indices {
                var flipped = proof
                flipped[i][0] ^= 8
                probes.append((index, size, leaf, flipped, root))
            }
            for (i, s, l, p, r) in probes {
                #expect(throws: (any Error).self, "leaf \(i) of \(s) should not verify") {
                    try MerkleProof.verifyInclusion(index: i, size: s, leafHash: l, proof: p, root: r)
                }
            }
        }
    }

    @Test func corruptedConsistencyProofsFail() {
        for (old, new, proof) in RFC6962Vectors.consistency where !proof.isEmpty {
            let r1 = RFC6962Vectors.roots[old - 1], r2 = RFC6962Vectors.roots[new - 1]
            var probes: [(Int, Int, TreeHash, TreeHash, [TreeHash])] = [
                (old - 1, new, r1, r2, proof), (old + 1, new, r1, r2, proof), (old ^ 2, new, r1, r2, proof),
                (old, new * 2, r1, r2, proof), (old, new / 2, r1, r2, proof),
                (old, new, Array("WrongRoot".utf8), r2, proof), (old, new, r1, Array("WrongRoot".utf8), proof), (old, new, r2, r1, proof),
                (old, new, r1, r2, []), (old, new, r1, r2, proof + [r1]), (old, new, r1, r2, proof + [r2]),
                (old, new, r1, r2, [r1] + proof), (old, new, r1, r2, [r2] + proof), (old, new, r1, r2, [proof[0]] + proof),
                (old, new, r1, r2, Array(proof.dropLast())),
            ]
            for i in proof.indices {
                var flipped = proof
                flipped[i][0] ^= 16
                probes.append((old, new, r1, r2, flipped))
            }
            for (o, n, a, b, p) in probes {
                #expect(throws: (any Error).self, "\(o) → \(n) should not verify") {
                    try MerkleProof.verifyConsistency(oldSize: o, newSize: n, oldRoot: a, newRoot: b, proof: p)
                }
            }
        }
    }

    @Test func trivialConsistencyCases() throws {
        let r1 = RFC6962Vectors.roots[0], r2 = RFC6962Vectors.roots[1]
        try MerkleProof.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: r1, newRoot: r1, proof: [])
        try MerkleProof.verifyConsistency(oldSize: 0, newSize: 1, oldRoot: r1, newRoot: r2, proof: [])
        #expect(throws: ProofError.self) { try MerkleProof.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: ProofError.self) { try MerkleProof.verifyConsistency(oldSize: 1, newSize: 0, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: ProofError.self) { try MerkleProof.verifyConsistency(oldSize: 1, newSize: 2, oldRoot: r1, newRoot: r2, proof: []) }
        #expect(throws: ProofError.self) { try MerkleProof.verifyConsistency(oldSize: 1, newSize: 1, oldRoot: r1, newRoot: r1, proof: [r1]) }
    }
}
