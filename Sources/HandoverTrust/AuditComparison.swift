import Foundation
import HandoverCore

/// How a newer export of a log stands to an older one: whether its signed log extends the
/// older signed log, and every entry of the older export that the newer one does not hold
/// unchanged at the same number. Entries past the older export's end are new, not differences.
public struct AuditComparison: Sendable, Equatable {
    /// One entry number where the exports disagree.
    public struct Difference: Sendable, Equatable {
        public var index: Int
        public var old: AuditEntry
        /// Nil when the newer export has no entry with this number.
        public var new: AuditEntry?
        /// The fields whose values differ (not `seq`, which is the number both share).
        public var fields: [String]
        /// Where the newer export holds the older entry now, when it holds it under another number.
        public var movedTo: Int?
        /// Which older entry the newer export holds at this number, when it is one of them.
        public var holdsOld: Int?
    }

    /// Nil when the newer signed log extends the older one; otherwise why not.
    public var inconsistency: String?
    public var differences: [Difference]
    /// Entries of the newer export past the older one's end.
    public var added: Int
    public var compared: Int

    public var ok: Bool { inconsistency == nil && differences.isEmpty }
}

extension AuditBundle {
    /// Compares this (newer) export with `older`. Pure: both bundles' own `verify` results say
    /// whether each is trustworthy; this says how they differ.
    public func compare(against older: AuditBundle) -> AuditComparison {
        var differences: [AuditComparison.Difference] = []
        let newBySeq = Dictionary(entries.map { ($0.seq, $0) }, uniquingKeysWith: { first, _ in first })
        // Where each entry's content (everything but its number) sits, to tell a moved or
        // renumbered entry from an edited one.
        func content(_ entry: AuditEntry) -> AuditEntry {
            var copy = entry
            copy.seq = 0
            return copy
        }
        let newByContent = Dictionary(entries.map { (content($0), $0.seq) }, uniquingKeysWith: { first, _ in first })
        let oldByContent = Dictionary(older.entries.map { (content($0), $0.seq) }, uniquingKeysWith: { first, _ in first })
        for old in older.entries {
            let new = newBySeq[old.seq]
            if let new, content(new) == content(old) { continue }
            let movedTo = newByContent[content(old)]
            differences.append(
                .init(
                    index: old.seq, old: old, new: new, fields: new.map { Self.changedFields(old, $0) } ?? [],
                    movedTo: movedTo, holdsOld: new.flatMap { oldByContent[content($0)] }))
        }
        let oldEnd = (older.entries.map(\.seq).max() ?? -1) + 1
        return AuditComparison(
            inconsistency: extensionProblem(of: older), differences: differences.sorted { $0.index < $1.index },
            added: entries.filter { $0.seq >= oldEnd }.count, compared: older.entries.count)
    }

    static func changedFields(_ a: AuditEntry, _ b: AuditEntry) -> [String] {
        var fields: [String] = []
        if a.time != b.time { fields.append("time") }
        if a.actor != b.actor { fields.append("actor") }
        if a.action != b.action { fields.append("action") }
        if a.target != b.target { fields.append("target") }
        if a.request != b.request { fields.append("request") }
        if a.digest != b.digest { fields.append("digest") }
        return fields
    }

    /// Why this export's signed log does not extend `older`'s, or nil when it does: same key, and
    /// every checkpoint of the older export that this one also has carries the same root; the
    /// older export's latest root, when this one has no checkpoint of that size, must be what
    /// this export's first entries hash to (this export's own verification ties those entries
    /// to its signed roots).
    func extensionProblem(of older: AuditBundle) -> String? {
        guard older.verifierKey == verifierKey else {
            return "the exports are signed by different keys (\(older.verifierKey) and \(verifierKey)): they are not the same log"
        }
        guard let key = try? NoteVerifier(keyString: verifierKey) else { return "the log's key is unreadable" }
        func signed(_ bundle: AuditBundle) -> [Checkpoint] {
            bundle.checkpoints.compactMap { try? Checkpoint(signedNote: $0, verifier: key, origin: bundle.origin) }
        }
        let newer = Dictionary(signed(self).map { ($0.size, $0.rootHash) }, uniquingKeysWith: { first, _ in first })
        let old = signed(older)
        for checkpoint in old {
            if let root = newer[checkpoint.size], root != checkpoint.rootHash {
                return "the log forked: the key signed two different trees of size \(checkpoint.size), one in each export"
            }
        }
        guard let latest = old.last, newer[latest.size] == nil else { return nil }
        let newestSize = newer.keys.max() ?? 0
        guard newestSize >= latest.size else {
            return "the newer export's log is signed up to \(newestSize) entries, the older one's up to \(latest.size): the log went backwards"
        }
        let prefix = entries.prefix { $0.seq < latest.size }
        guard prefix.count == latest.size, MerkleTree.rootHash(leafHashes: prefix.map(\.leafHash)) == latest.rootHash else {
            return "the newer export's entries 0–\(latest.size - 1) do not hash to the root the older export signed at size \(latest.size)"
        }
        return nil
    }
}

extension AuditComparison.Difference: CustomStringConvertible {
    public var description: String {
        guard let new else {
            let moved = movedTo.map { "; it is now entry \($0)" } ?? ""
            return "entry \(index) is missing from the newer export (was \(Self.summary(old)))\(moved)"
        }
        var parts: [String] = []
        if let holdsOld { parts.append("now holds what was entry \(holdsOld)") }
        if let movedTo {
            parts.append("what was here is now entry \(movedTo)")
        } else if holdsOld != nil {
            parts.append("what was here (\(Self.summary(old))) is nowhere in the newer export")
        }
        if holdsOld == nil {
            parts += fields.map { "\($0) was \(Self.value($0, old)), now \(Self.value($0, new))" }
        }
        return "entry \(index): " + parts.joined(separator: "; ")
    }

    static func summary(_ entry: AuditEntry) -> String {
        "\(entry.action) \(entry.target) by \(entry.actor) at \(value("time", entry))"
    }

    /// UTC with milliseconds, from the integer: through a Double, .040 can print as .039.
    static func value(_ field: String, _ entry: AuditEntry) -> String {
        switch field {
        case "time": Timestamp.format(millis: entry.time)
        case "actor": "\"\(entry.actor)\""
        case "action": "\"\(entry.action)\""
        case "target": "\"\(entry.target)\""
        case "request": "\"\(entry.request)\""
        default: "\"\(entry.digest)\""
        }
    }
}

extension AuditComparison {
    /// The differences as lines, a run of three or more entries that each hold the older entry
    /// the same distance away folded into one line: removing or inserting an entry and
    /// renumbering the rest shifts everything after it, and a line per entry would bury the cause.
    public var lines: [String] {
        var lines: [String] = []
        var index = 0
        while index < differences.count {
            let first = differences[index]
            var end = index
            // The head of a shift (the entry that vanished) gets its own line; the run follows.
            if first.new != nil, first.movedTo != nil, let holds = first.holdsOld {
                let shift = holds - first.index
                while end + 1 < differences.count, differences[end + 1].index == differences[end].index + 1, differences[end + 1].new != nil,
                    let next = differences[end + 1].holdsOld, next - differences[end + 1].index == shift
                { end += 1 }
                if end - index >= 2 {
                    let direction = shift > 0 ? "after" : "before"
                    lines.append("entries \(first.index)–\(differences[end].index): each now holds what was the entry \(abs(shift)) \(direction) it (renumbered)")
                    index = end + 1
                    continue
                }
            }
            lines.append(first.description)
            index += 1
        }
        return lines
    }
}
