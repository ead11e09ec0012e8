import Crypto
import Foundation

/// A SHA-256 hash in a Merkle tree: 32 bytes.
public typealias TreeHash = [UInt8]

/// Hashing exactly as RFC 6962 §2.1 / RFC 9162 §2.1.1: leaves and interior nodes are hashed
/// with different one-byte prefixes, so a leaf can never be passed off as a node.
public enum MerkleTree {
    /// MTH({}) = SHA-256 of nothing.
    public static let emptyRoot: TreeHash = Array(SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 || data).
    public static func leafHash(_ data: some DataProtocol) -> TreeHash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    /// SHA-256(0x01 || left || right). Both must be 32 bytes (proof checks validate hashes
    /// from outside first).
    public static func nodeHash(_ left: TreeHash, _ right: TreeHash) -> TreeHash {
        InlineHash.node(InlineHash(left), InlineHash(right)).bytes
    }

    /// MTH(D[0:n]) from the leaf hashes, level by level. Carrying an unpaired last node up
    /// unchanged gives the same tree as RFC 6962's "largest power of two smaller than n" split.
    public static func rootHash(leafHashes: [TreeHash]) -> TreeHash {
        guard !leafHashes.isEmpty else { return emptyRoot }
        var level = leafHashes
        while level.count > 1 {
            var next: [TreeHash] = []
            next.reserveCapacity((level.count + 1) / 2)
            var index = 0
            while index + 1 < level.count {
                next.append(nodeHash(level[index], level[index + 1]))
                index += 2
            }
            if index < level.count { next.append(level[index]) }
            level = next
        }
        return level[0]
    }

    /// The largest power of two strictly smaller than `n` (n ≥ 2): RFC 6962's split point.
    static func split(_ n: Int) -> Int {
        precondition(n >= 2)
        return 1 << (Int.bitWidth - 1 - (n - 1).leadingZeroBitCount)
    }
}

/// A complete subtree: the 2^level leaves starting at index × 2^level. Every interior hash a
/// proof needs is one of these or a right-to-left fold of a few of them.
public struct PerfectSubtree: Hashable, Sendable, Comparable {
    public let level: Int
    public let index: Int

    public init(level: Int, index: Int) {
        self.level = level
        self.index = index
    }

    public var leaves: Range<Int> { (index << level)..<((index + 1) << level) }

    public static func < (a: PerfectSubtree, b: PerfectSubtree) -> Bool { (a.level, a.index) < (b.level, b.index) }

    /// The perfect subtrees `range` is made of, left to right, largest first. `range` must start
    /// at a multiple of the largest power of two not above its length, as every range in an
    /// RFC 6962 proof does; the hash of the range is then the right fold of theirs.
    public static func covering(_ range: Range<Int>) -> [PerfectSubtree] {
        var result: [PerfectSubtree] = []
        var start = range.lowerBound
        while start < range.upperBound {
            var level = Int.bitWidth - 1 - (range.upperBound - start).leadingZeroBitCount
            while start & ((1 << level) - 1) != 0 { level -= 1 }
            result.append(PerfectSubtree(level: level, index: start >> level))
            start += 1 << level
        }
        return result
    }

    /// The hash of `range` given the hashes of its perfect subtrees.
    public static func hash(of range: Range<Int>, _ lookup: (PerfectSubtree) throws -> TreeHash) rethrows -> TreeHash {
        let parts = covering(range)
        guard var hash = try parts.last.map(lookup) else { return MerkleTree.emptyRoot }
        for part in parts.dropLast().reversed() { hash = MerkleTree.nodeHash(try lookup(part), hash) }
        return hash
    }
}

/// The growing right edge of a tree: the perfect subtrees of its decomposition (at most
/// log2(n) hashes). Appending a leaf gives the interior nodes it completes, so a log stores each
/// node once and never re-reads old leaves; the root is the fold of the edge.
public struct MerkleFrontier: Sendable, Equatable {
    public private(set) var size: Int
    /// Left to right: strictly decreasing levels.
    private var nodes: [(level: Int, hash: InlineHash)]

    public init() {
        size = 0
        nodes = []
    }

    /// The edge of a tree of `size` leaves, from the hashes of `PerfectSubtree.covering(0..<size)`.
    public init(size: Int, lookup: (PerfectSubtree) throws -> TreeHash) rethrows {
        self.size = size
        nodes = try PerfectSubtree.covering(0..<size).map { ($0.level, InlineHash(try lookup($0))) }
    }

    /// Adds a leaf without collecting the nodes it completes: the verifier's hot path.
    mutating func extend(leafDigest: SHA256Digest) {
        push(InlineHash(leafDigest)) { _, _ in }
    }

    /// Adds a leaf; returns the perfect subtrees it completed (its own leaf first).
    @discardableResult
    public mutating func append(leafHash: TreeHash) -> [(PerfectSubtree, TreeHash)] {
        var completed: [(PerfectSubtree, TreeHash)] = []
        push(InlineHash(leafHash)) { completed.append(($0, $1.bytes)) }
        return completed
    }

    /// Merges equal-level subtrees on the edge, reporting each perfect subtree formed.
    @inline(__always)
    private mutating func push(_ leafHash: InlineHash, completed: (PerfectSubtree, InlineHash) -> Void) {
        completed(PerfectSubtree(level: 0, index: size), leafHash)
        var hash = leafHash
        var level = 0
        while let last = nodes.last, last.level == level {
            nodes.removeLast()
            hash = InlineHash.node(last.hash, hash)
            level += 1
            completed(PerfectSubtree(level: level, index: size >> level), hash)
        }
        nodes.append((level, hash))
        size += 1
    }

    public var root: TreeHash {
        guard var hash = nodes.last?.hash else { return MerkleTree.emptyRoot }
        for node in nodes.dropLast().reversed() { hash = InlineHash.node(node.hash, hash) }
        return hash.bytes
    }

    public static func == (a: MerkleFrontier, b: MerkleFrontier) -> Bool {
        a.size == b.size && a.nodes.elementsEqual(b.nodes) { $0.level == $1.level && $0.hash == $1.hash }
    }
}
