import Foundation

/// "While I'm away": an account handed to a colleague until a day, and handed back by itself
/// on that day with what changed meanwhile (issue 16, part 3; Docs/Covers.md).
public struct Cover: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        /// Until its day (or until it is ended early).
        case active
        /// Its day came: the handback handover is drafted (or the account was back already).
        case handedBack = "handed-back"
        /// The cover this one rested on (its owner's coverer's) ended first: the account went
        /// back to that cover's owner, so this one has nothing left to hand back.
        case superseded
        /// The cover handover was cancelled, or the account went outside the cover's chain (a
        /// realignment, an ordinary handover): nothing to hand back; `reason` says which.
        case cancelled
        /// It could not be handed back (the owner was deactivated meanwhile); `reason` says why.
        case failed
    }

    public var id: String
    public var organizationID: String
    public var accountID: String
    /// Who is away: the account's owner when the cover began, who gets it back.
    public var ownerID: String
    /// Who covers.
    public var covererID: String
    /// The day it is handed back (at 00:00 UTC).
    public var until: CalendarDate
    /// The cover handover, from the owner to the coverer.
    public var handoverID: String
    /// The handback handover, once drafted.
    public var handbackID: String?
    public var state: State
    /// Why it ended as it did (superseded by which cover, why it failed).
    public var reason: String?
    public var createdBy: String
    public var createdAt: Date
    public var endedAt: Date?

    public init(
        id: String, organizationID: String, accountID: String, ownerID: String, covererID: String, until: CalendarDate, handoverID: String,
        handbackID: String? = nil, state: State = .active, reason: String? = nil, createdBy: String, createdAt: Date, endedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.ownerID = ownerID
        self.covererID = covererID
        self.until = until
        self.handoverID = handoverID
        self.handbackID = handbackID
        self.state = state
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.endedAt = endedAt
    }
}

/// What ending a cover does, decided from the account as it is (pure: the store applies it in
/// the transaction that read it).
public enum CoverEnding: Sendable, Hashable {
    /// Nothing: it is not active any more (another run ended it).
    case none
    /// The cover handover was cancelled: the cover is over, nothing moved.
    case cancelled
    /// An open handover of the account stands in the way (the cover handover itself, not yet
    /// completed, or one begun since): nothing now. The day's job tries again hourly; a person
    /// ending it early is told. Never cancelled by a job: a person decides whether it goes on.
    case blocked(handoverID: String)
    /// The account is back with this cover's owner (or was, since it began), or with the owner
    /// of an older cover: end it without a new handover.
    case alreadyBack(supersede: [Cover])
    /// The account went to someone outside the cover's chain (a realignment, an ordinary
    /// handover): end it without pulling the account back from them.
    case movedOn(holderID: String)
    /// Draft the handback from `from` (the account's holder now, reached from this cover through
    /// the covers that rest on it) to the cover's owner, and supersede those covers.
    case handback(from: String, supersede: [Cover])
    /// The owner cannot take it back.
    case fail(reason: String)
}

public enum CoverRules {
    /// A cover's day: after today (a cover that ends today is no cover), at most a year away.
    public static let longest = 366

    public static func untilProblems(_ until: CalendarDate, today: CalendarDate) -> [Problem] {
        if until <= today { return [Problem(path: "until", message: "\(until) is not after today: a cover ends on a later day")] }
        if today.days(until: until) > longest {
            return [Problem(path: "until", message: "\(until) is more than a year away: that is a handover, not a cover")]
        }
        return []
    }

    /// Ends `cover`. Covers of one account chain: Alice away, Bob covers (cover 1); Bob away
    /// too, Carol covers him (cover 2 rests on cover 1: its owner is cover 1's coverer) and holds
    /// the account. When cover 1 ends first, Alice gets it back from Carol and cover 2 is
    /// superseded (Bob's responsibility for it ended with cover 1); when cover 2 ends first, Bob
    /// gets it back and cover 1 goes on.
    ///
    /// The way back is found from the holder: the newest active cover whose coverer holds the
    /// account, then the cover it rests on, and so on; only if that path reaches `cover` is there
    /// a handback, and only the covers on it are superseded. An account that came back to its
    /// owner since the cover began (by hand, or before a later cover of theirs) is back, and one
    /// that left the path (a realignment, a handover to someone else) is not pulled back.
    /// - Parameters:
    ///   - active: the account's active covers, oldest first (`cover` among them if active).
    ///   - coverHandover: the state of `cover`'s cover handover.
    ///   - returnedToOwner: whether `cover`'s owner has held the account again since it began.
    ///   - openHandoverID: an open handover of the account, if any.
    public static func ending(
        _ cover: Cover, active: [Cover], coverHandover: HandoverState?, accountOwnerID: String, returnedToOwner: Bool, owner: Member?,
        openHandoverID: String?
    ) -> CoverEnding {
        guard cover.state == .active, let index = active.firstIndex(where: { $0.id == cover.id }) else { return .none }
        if coverHandover == nil || coverHandover == .cancelled { return .cancelled }
        if let openHandoverID { return .blocked(handoverID: openHandoverID) }
        if returnedToOwner || accountOwnerID == cover.ownerID { return .alreadyBack(supersede: []) }
        if active[..<index].contains(where: { $0.ownerID == accountOwnerID }) { return .alreadyBack(supersede: []) }
        // Backwards from the holder, through the covers from this one on.
        let candidates = Array(active[index...])
        var path: [Cover] = []
        var holder = accountOwnerID
        var before = candidates.count
        while let found = candidates[..<before].lastIndex(where: { $0.covererID == holder }) {
            path.insert(candidates[found], at: 0)
            if found == 0 { break }
            holder = candidates[found].ownerID
            before = found
        }
        guard path.first?.id == cover.id else { return .movedOn(holderID: accountOwnerID) }
        guard let owner, owner.isActive else {
            return .fail(reason: "\(owner?.name ?? "its owner") is deactivated and cannot take the account back: hand it over to someone else")
        }
        return .handback(from: accountOwnerID, supersede: Array(path.dropFirst()))
    }
}

/// What changed in an account's profile during a cover, said in a few lines for the handback.
public enum CoverChanges {
    public static func lines(from before: AccountProfile, to after: AccountProfile) -> [String] {
        var lines: [String] = []
        if before.overview != after.overview { lines.append("The overview was rewritten.") }
        if before.renewalDate != after.renewalDate {
            lines.append("Renewal: \(before.renewalDate?.description ?? "none") → \(after.renewalDate?.description ?? "none").")
        }
        let beforeItems = Dictionary(before.openItems.map { ($0.title, $0) }, uniquingKeysWith: { a, _ in a })
        let afterItems = Dictionary(after.openItems.map { ($0.title, $0) }, uniquingKeysWith: { a, _ in a })
        for item in after.openItems where beforeItems[item.title] == nil { lines.append("New open item: \(item.title).") }
        for item in before.openItems where afterItems[item.title] == nil { lines.append("Open item no longer listed (done?): \(item.title).") }
        for item in after.openItems {
            guard let old = beforeItems[item.title], old != item else { continue }
            var changes: [String] = []
            if old.status != item.status { changes.append("status \(old.status ?? "none") → \(item.status ?? "none")") }
            if old.owner != item.owner { changes.append("owner \(old.owner ?? "nobody") → \(item.owner ?? "nobody")") }
            if old.due != item.due { changes.append("due \(old.due?.description ?? "none") → \(item.due?.description ?? "none")") }
            if old.notes != item.notes { changes.append("notes changed") }
            lines.append("Open item \(item.title): \(changes.joined(separator: ", ")).")
        }
        let beforeContacts = Set(before.contacts.map(\.name)), afterContacts = Set(after.contacts.map(\.name))
        for contact in after.contacts where !beforeContacts.contains(contact.name) { lines.append("New contact: \(contact.name).") }
        for contact in before.contacts where !afterContacts.contains(contact.name) { lines.append("Contact no longer listed: \(contact.name).") }
        let known = Set(before.historyNotes)
        for note in after.historyNotes where !known.contains(note) { lines.append("Noted \(note.date): \(note.text)") }
        if Set(before.tags) != Set(after.tags) { lines.append("Tags: \(before.tags.joined(separator: ", ")) → \(after.tags.joined(separator: ", ")).") }
        return lines
    }

    /// The handback's packet: the profile as it is now, in the template's fields (as a departure
    /// pre-fills), with what changed during the cover at the head of its summary field (a
    /// custom template has none: the store puts the same text on the handback's event).
    public static func handbackContent(
        account: Account, before: AccountProfile, templateKey: String, holder: Member, owner: Member, coverers: [String], from: Date, to: Date
    ) -> (content: HandoverContent, summary: String) {
        var content = DeparturePlanner.prefill(account: account, templateKey: templateKey, leaver: holder, recipientName: owner.name)
        let changes = lines(from: before, to: account.profile)
        let head =
            "While \(owner.name) was away (\(HumanDate.day(CalendarDate(from))) to \(HumanDate.day(CalendarDate(to)))), "
            + "\(coverers.joined(separator: ", then ")) covered. "
            + (changes.isEmpty ? "Nothing in the account's profile changed." : "What changed:\n" + changes.map { "- \($0)" }.joined(separator: "\n"))
        guard let (section, field) = summaryField[templateKey] else { return (content, head) }
        let existing: String
        if case .string(let text)? = content[section, field] { existing = text } else { existing = "" }
        content[section, field] = .string(existing.isEmpty ? head : head + "\n\n" + existing)
        return (content, head)
    }

    /// Where each built-in template keeps its summary (a custom template gets the profile only).
    public static let summaryField: [String: (String, String)] = [
        "customer-account": ("overview", "summary"), "project": ("overview", "summary"), "it-offboarding": ("systems", "systems"),
        "ipass": ("patientSummary", "summary"), "shift": ("watchOuts", "watchOuts"),
    ]
}

/// What a client asks: cover this account, by this member, until this day.
public struct CoverRequest: Sendable, Hashable, Codable {
    public var accountID: String
    public var covererID: String
    public var until: CalendarDate
    /// The cover handover's template (default: the one for the account's kind); the handback uses it too.
    public var templateKey: String?

    public init(accountID: String, covererID: String, until: CalendarDate, templateKey: String? = nil) {
        self.accountID = accountID
        self.covererID = covererID
        self.until = until
        self.templateKey = templateKey
    }
}
