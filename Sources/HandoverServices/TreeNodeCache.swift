import HandoverTrust
import Synchronization

/// The top of each organization's tree, kept in memory.
///
/// A perfect subtree's hash never changes once the subtree is complete (the log only appends,
/// and a node is stored only when complete), so a cached hash is never stale, on any replica.
/// Only subtrees of 2^`minimumLevel` entries or more are kept: about one node per 32 entries,
/// yet most of a proof's lookups. The first proof for an organization loads its top levels in one
/// range read (about 31,000 rows for a million entries); after that an inclusion proof in a tree of a
/// million entries reads about 7 rows instead of 20, and nodes formed since are kept as read.
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

    private struct State {
        var nodes: [Key: TreeHash] = [:]
        /// Organizations whose top levels were loaded: once per process, even if later dropped.
        var primed: Set<String> = []
    }

    private let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int = 250_000) {
        self.capacity = max(1, capacity)
    }

    /// The hashes of `subtrees` in a tree of `size` entries: cached ones from memory, the rest
    /// from `load`. `loadTop(level)` reads every stored node at `level` and above.
    func hashes(
        organizationID: String, size: Int, _ subtrees: Set<PerfectSubtree>,
        loadTop: (_ minimumLevel: Int) async throws -> [PerfectSubtree: TreeHash],
        load: (Set<PerfectSubtree>) async throws -> [PerfectSubtree: TreeHash]
    ) async throws -> [PerfectSubtree: TreeHash] {
        if state.withLock({ $0.primed.insert(organizationID).inserted }) {
            // Start high enough that the load fits in half the cache (about size / 2^(level-1) nodes).
            var level = Self.minimumLevel
            while size >> (level - 1) > capacity / 2 { level += 1 }
            do {
                keep(try await loadTop(level), organizationID: organizationID)
            } catch {
                state.withLock { _ = $0.primed.remove(organizationID) }
                throw error
            }
        }
        var found: [PerfectSubtree: TreeHash] = [:]
        state.withLock { state in
            for subtree in subtrees where subtree.level >= Self.minimumLevel {
                if let hash = state.nodes[Key(organizationID: organizationID, subtree: subtree)] { found[subtree] = hash }
            }
        }
        guard found.count < subtrees.count else { return found }
        let loaded = try await load(subtrees.filter { found[$0] == nil })
        keep(loaded, organizationID: organizationID)
        return found.merging(loaded) { cached, _ in cached }
    }

    private func keep(_ hashes: [PerfectSubtree: TreeHash], organizationID: String) {
        state.withLock { state in
            // Full: start over rather than track recency; proofs refill what they use.
            if state.nodes.count + hashes.count > capacity { state.nodes.removeAll(keepingCapacity: true) }
            for (subtree, hash) in hashes where subtree.level >= Self.minimumLevel {
                state.nodes[Key(organizationID: organizationID, subtree: subtree)] = hash
            }
        }
    }
}
