import HandoverTrust
import Synchronization

/// Hashes of the upper levels of each organization's tree, kept in memory once read.
///
/// A perfect subtree's hash never changes once the subtree is complete (the log only appends,
/// and a node is stored only when complete), so a cached hash is never stale, on any replica.
/// Only subtrees of 2^`minimumLevel` entries or more are kept: there are few of them (one per
/// 64 entries), and they are most of a proof's lookups, so an inclusion proof in a tree of a
/// million entries reads about 7 rows instead of 20.
///
/// A row altered in the database after its hash was cached is not noticed here; it is noticed
/// where it matters, by the signer (a new checkpoint must extend the last one) and by offline
/// verification.
final class TreeNodeCache: Sendable {
    static let minimumLevel = 6

    private struct Key: Hashable {
        var organizationID: String
        var subtree: PerfectSubtree
    }

    private let capacity: Int
    private let nodes = Mutex<[Key: TreeHash]>([:])

    init(capacity: Int = 250_000) {
        self.capacity = max(1, capacity)
    }

    /// The hashes of `subtrees`: cached ones from memory, the rest from `load`.
    func hashes(organizationID: String, _ subtrees: Set<PerfectSubtree>,
                load: (Set<PerfectSubtree>) async throws -> [PerfectSubtree: TreeHash]) async throws -> [PerfectSubtree: TreeHash] {
        var found: [PerfectSubtree: TreeHash] = [:]
        nodes.withLock { nodes in
            for subtree in subtrees where subtree.level >= Self.minimumLevel {
                if let hash = nodes[Key(organizationID: organizationID, subtree: subtree)] { found[subtree] = hash }
            }
        }
        guard found.count < subtrees.count else { return found }
        let loaded = try await load(subtrees.filter { found[$0] == nil })
        nodes.withLock { nodes in
            // Full: start over rather than track recency; the next proofs refill the top levels first.
            if nodes.count >= capacity { nodes.removeAll(keepingCapacity: true) }
            for (subtree, hash) in loaded where subtree.level >= Self.minimumLevel {
                nodes[Key(organizationID: organizationID, subtree: subtree)] = hash
            }
        }
        return found.merging(loaded) { cached, _ in cached }
    }
}
