import Foundation

/// Where a bundle's entries differ from the log its checkpoints signed, as tightly as the
/// bundle's evidence proves it.
public struct AuditDamage: Sendable, Equatable {
    public struct Place: Sendable, Equatable {
        /// Entry numbers proven to hold at least one entry that differs from the signed log: a
        /// single number when the evidence isolates the entry.
        public var entries: Range<Int>
        /// The smallest range with a signed hash that the entries do not reproduce and that holds
        /// `entries`; the rest of it is proven unchanged.
        public var subtree: Range<Int>
        /// The first checkpoint whose tree holds `entries`: the earliest signature they contradict.
        public var signedSize: Int

        public init(entries: Range<Int>, subtree: Range<Int>, signedSize: Int) {
            self.entries = entries
            self.subtree = subtree
            self.signedSize = signedSize
        }
    }

    /// In entry order.
    public var places: [Place]

    public init(places: [Place]) {
        self.places = places
    }
}

extension AuditDamage {
    /// One sentence per place, at most `limit` of them; says when the changes run to the end of
    /// the signed log, which is what removing or inserting an entry and renumbering the rest does.
    public func description(limit: Int = 5) -> String {
        guard !places.isEmpty else { return "the entries do not reproduce a signed root, and the evidence does not say where" }
        let shown = places.prefix(limit).map(\.description)
        var text = places.count == 1 ? shown[0] : "the entries differ from the signed log in \(places.count) places: " + shown.joined(separator: "; ")
        if places.count > limit { text += "; and \(places.count - limit) more" }
        if places.count > limit, let first = places.first, let last = places.last, last.entries.upperBound == last.signedSize {
            text +=
                " (every part from entry \(first.entries.lowerBound) to the end of the signed log differs: as when an entry is removed or inserted and the rest renumbered)"
        }
        return text
    }
}

extension AuditDamage.Place: CustomStringConvertible {
    public var description: String {
        let subtreeText = "[\(subtree.lowerBound), \(subtree.upperBound))"
        if entries.count == 1 {
            let clean = subtree.count > 1 ? "; the rest of it is proven unchanged" : ""
            return "entry \(entries.lowerBound) does not match the log signed at size \(signedSize) (the signed subtree \(subtreeText) holding it differs\(clean))"
        }
        let narrowed = entries == subtree ? "" : ", and the rest of \(subtreeText) is proven unchanged"
        return "entries \(entries.lowerBound)–\(entries.upperBound - 1) do not match the log signed at size \(signedSize) "
            + "(the signed subtree \(subtreeText) differs\(narrowed); the bundle holds no signed evidence of which of them changed)"
    }
}
