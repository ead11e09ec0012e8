import Crypto
import Foundation
import HandoverCore

/// A consistency proof that verified, with its hashes decoded.
struct VerifiedConsistency {
    var from: Int
    var to: Int
    var hashes: [TreeHash]
}

extension AuditBundle {
    /// Narrows a signed root the entries do not reproduce down to the entries that differ.
    ///
    /// A hash is *trusted* when it is a signed root, a node of a verified consistency proof (the
    /// proof folds it into two signed roots), or one of two hashes that fold into a trusted node.
    /// Any range with a trusted hash is either reproduced by the entries (every entry in it is
    /// the signed one) or not (at least one differs). The search walks the latest signed tree the
    /// entries cover from its root: at each differing node it looks for hashes of the two children
    /// that fold into the node (the stored nodes, the recorded leaf hashes, the entries' own),
    /// which makes them trusted, and descends into the child that differs. Where no candidates
    /// fold, it stops: the node is as far as the evidence goes. Call after `verify` has checked
    /// the checkpoints and proofs.
    func locateDamage(signed: [Checkpoint], proofs: [VerifiedConsistency]) -> AuditDamage {
        let count = entries.count
        var trusted: [Range<Int>: InlineHash] = [:]
        for checkpoint in signed where checkpoint.size > 0 && checkpoint.size <= count && checkpoint.rootHash.count == 32 {
            trusted[0..<checkpoint.size] = InlineHash(checkpoint.rootHash)
        }
        for proof in proofs {
            for (range, hash) in zip(MerkleProof.consistencyRanges(from: proof.from, to: proof.to), proof.hashes)
            where range.upperBound <= count && hash.count == 32 {
                trusted[range] = InlineHash(hash)
            }
        }
        guard let size = signed.last(where: { $0.size > 0 && $0.size <= count })?.size else { return AuditDamage(places: []) }

        var buffer = ByteWriter()
        // Over every entry, not just the walked tree: later proofs also sign ranges past it.
        let own = SubtreeHashes(leaves: entries.map { InlineHash($0.leafDigest(buffer: &buffer)) })
        let claimed = SubtreeHashes(
            leaves: leafHashes.map { Hex.decode($0).flatMap(Self.inline) },
            stored: (treeNodes ?? []).map { $0.map { Data(base64Encoded: $0).flatMap { Self.inline(Array($0)) } } })
        var search = DamageSearch(own: own, claimed: claimed, trusted: trusted)
        // Trusted ranges outside the walked tree's nodes (earlier roots, later proofs' nodes)
        // are judged directly.
        for (range, hash) in trusted { search.judge(range, truth: hash) }
        search.walk(0..<size, truth: trusted[0..<size])
        let sizes = signed.map(\.size)
        return AuditDamage(
            places: search.places().map { entries, subtree in
                AuditDamage.Place(entries: entries, subtree: subtree, signedSize: sizes.first { $0 >= entries.upperBound } ?? size)
            })
    }

    static func inline(_ bytes: [UInt8]) -> InlineHash? {
        bytes.count == 32 ? InlineHash(bytes) : nil
    }
}

/// The state of one damage search: which ranges are proven reproduced (clean) and which proven
/// to hold a difference.
struct DamageSearch {
    let own: SubtreeHashes
    let claimed: SubtreeHashes
    let trusted: [Range<Int>: InlineHash]
    /// The trusted ranges by start, then end: a log signs a checkpoint whenever one is asked for,
    /// so there can be thousands, and the walk asks what lies inside a node at every level.
    let trustedByStart: [Range<Int>]
    var clean: [Range<Int>] = []
    var differing: [Range<Int>] = []

    init(own: SubtreeHashes, claimed: SubtreeHashes, trusted: [Range<Int>: InlineHash]) {
        self.own = own
        self.claimed = claimed
        self.trusted = trusted
        trustedByStart = trusted.keys.sorted { ($0.lowerBound, $0.upperBound) < ($1.lowerBound, $1.upperBound) }
    }

    /// Records whether the entries reproduce a trusted hash; true when they do. A range the
    /// entries do not reach says nothing (missing entries are reported on their own).
    @discardableResult
    mutating func judge(_ range: Range<Int>, truth: InlineHash) -> Bool {
        guard let hash = own.hash(range) else { return false }
        if hash == truth {
            clean.append(range)
            return true
        }
        differing.append(range)
        return false
    }

    /// RFC 6962's recursion over node `range`: a node whose hash is trusted is judged; below a
    /// differing one, children are trusted when candidates for both fold into it. Nodes with no
    /// trusted hash are entered only when trusted ranges lie inside them.
    mutating func walk(_ range: Range<Int>, truth: InlineHash?) {
        if let truth, judge(range, truth: truth) { return }
        guard range.count > 1 else { return }
        let middle = range.lowerBound + MerkleTree.split(range.count)
        let left = range.lowerBound..<middle, right = middle..<range.upperBound
        var (leftTruth, rightTruth) = (trusted[left], trusted[right])
        if let truth, leftTruth == nil || rightTruth == nil, let found = children(of: truth, left, right, leftTruth, rightTruth) {
            (leftTruth, rightTruth) = found
        }
        if leftTruth != nil || hasTrusted(inside: left) { walk(left, truth: leftTruth) }
        if rightTruth != nil || hasTrusted(inside: right) { walk(right, truth: rightTruth) }
    }

    /// Hashes for the two children that fold into `truth`: both are then the signed ones.
    func children(of truth: InlineHash, _ left: Range<Int>, _ right: Range<Int>, _ leftKnown: InlineHash?, _ rightKnown: InlineHash?) -> (InlineHash, InlineHash)? {
        func candidates(_ range: Range<Int>, _ known: InlineHash?) -> [InlineHash] {
            if let known { return [known] }
            var list: [InlineHash] = []
            for hash in [claimed.hash(range), own.hash(range)] { if let hash, !list.contains(hash) { list.append(hash) } }
            return list
        }
        for leftHash in candidates(left, leftKnown) {
            for rightHash in candidates(right, rightKnown) where InlineHash.node(leftHash, rightHash) == truth {
                return (leftHash, rightHash)
            }
        }
        return nil
    }

    func hasTrusted(inside range: Range<Int>) -> Bool {
        var (low, high) = (0, trustedByStart.count)
        while low < high {
            let mid = (low + high) / 2
            if trustedByStart[mid].lowerBound < range.lowerBound { low = mid + 1 } else { high = mid }
        }
        while low < trustedByStart.count, trustedByStart[low].lowerBound < range.upperBound {
            if trustedByStart[low].upperBound <= range.upperBound { return true }
            low += 1
        }
        return false
    }

    /// The smallest differing ranges with their proven-clean ends cut off, each paired with the
    /// range it was cut from. A range that holds another is left out: the smaller one already
    /// accounts for its difference. Sorting and one sweep keep this O(n log n) when everything
    /// after a removed entry differs.
    func places() -> [(entries: Range<Int>, subtree: Range<Int>)] {
        var merged: [Range<Int>] = []
        for range in clean.sorted(by: { $0.lowerBound < $1.lowerBound }) {
            if let last = merged.last, range.lowerBound <= last.upperBound {
                merged[merged.count - 1] = last.lowerBound..<max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        /// The merged clean range holding `index`, by binary search.
        func cleanRange(holding index: Int) -> Range<Int>? {
            var (low, high) = (0, merged.count)
            while low < high {
                let mid = (low + high) / 2
                if merged[mid].upperBound <= index { low = mid + 1 } else { high = mid }
            }
            return low < merged.count && merged[low].contains(index) ? merged[low] : nil
        }
        var candidates: [Range<Int>: Range<Int>] = [:]
        for range in Set(differing) {
            let lower = cleanRange(holding: range.lowerBound)?.upperBound ?? range.lowerBound
            let upper = cleanRange(holding: range.upperBound - 1)?.lowerBound ?? range.upperBound
            // Empty only if the hashes contradict each other: nothing that can be reported.
            guard lower < upper else { continue }
            // The smaller range is the sharper evidence; the first by position breaks a tie, so
            // the message does not depend on hashing order.
            if let known = candidates[lower..<upper], (known.count, known.lowerBound) <= (range.count, range.lowerBound) { continue }
            candidates[lower..<upper] = range
        }
        // By end, then shortest first: a range holds an earlier one exactly when some earlier
        // one starts at or after its start.
        var found: [(entries: Range<Int>, subtree: Range<Int>)] = []
        var latestStart = Int.min
        for (entries, subtree) in candidates.sorted(by: { ($0.key.upperBound, -$0.key.lowerBound) < ($1.key.upperBound, -$1.key.lowerBound) }) {
            if latestStart < entries.lowerBound { found.append((entries, subtree)) }
            latestStart = max(latestStart, entries.lowerBound)
        }
        return found.sorted { $0.entries.lowerBound < $1.entries.lowerBound }
    }
}
