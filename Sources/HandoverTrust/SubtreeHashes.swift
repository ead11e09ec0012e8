/// Every perfect subtree's hash over a list of leaves, level by level, so the damage search can
/// ask for the hash of any node range without re-hashing the entries under it. Built only when
/// a signed root fails (the passing path never pays for it). Hashes are held inline: a million
/// entries make two million nodes, and an array per node would cost more than the hashing.
struct SubtreeHashes {
    /// `levels[l][i]` is the perfect subtree (l, i); nil where a leaf or node is unknown.
    private var levels: [[InlineHash?]]

    /// Hashes up from `leaves`. Where `stored` has a node (level l at `stored[l - 1]`), that is
    /// taken instead of the one computed from below: a claim to test, not a fact.
    init(leaves: [InlineHash?], stored: [[InlineHash?]] = []) {
        levels = [leaves]
        while let below = levels.last, below.count >= 2 {
            let level = levels.count
            let given = level - 1 < stored.count ? stored[level - 1] : []
            var current: [InlineHash?] = []
            current.reserveCapacity(below.count / 2)
            for index in 0..<(below.count / 2) {
                if index < given.count, let node = given[index] {
                    current.append(node)
                } else if let left = below[2 * index], let right = below[2 * index + 1] {
                    current.append(.node(left, right))
                } else {
                    current.append(nil)
                }
            }
            levels.append(current)
        }
    }

    func subtree(_ subtree: PerfectSubtree) -> InlineHash? {
        guard subtree.level < levels.count, subtree.index < levels[subtree.level].count else { return nil }
        return levels[subtree.level][subtree.index]
    }

    /// MTH of `range`, an RFC 6962 node range (as every range the search visits is), or nil when
    /// a part of it is unknown or past the leaves.
    func hash(_ range: Range<Int>) -> InlineHash? {
        let parts = PerfectSubtree.covering(range)
        guard let last = parts.last, var hash = subtree(last) else { return nil }
        for part in parts.dropLast().reversed() {
            guard let left = subtree(part) else { return nil }
            hash = .node(left, hash)
        }
        return hash
    }
}
