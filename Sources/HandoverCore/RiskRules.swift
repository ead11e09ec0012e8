import Foundation

/// A reason an account may be at risk around a handover, each explained in one sentence.
public enum RiskRule: String, Sendable, Hashable, Codable, CaseIterable {
    case renewalSoon = "renewal-soon"
    case urgentTickets = "urgent-tickets"
    case negativeSentiment = "negative-sentiment"
    case championGone = "champion-gone"
    case frequentHandovers = "frequent-handovers"
    case unrotatedCredentials = "unrotated-credentials"
    case noActivity = "no-activity"
}

/// One rule that holds for an account, and why, in a sentence a person reads on the account and
/// on its handover.
public struct RiskFlag: Sendable, Hashable, Codable {
    public var rule: RiskRule
    public var sentence: String

    public init(rule: RiskRule, sentence: String) {
        self.rule = rule
        self.sentence = sentence
    }
}

/// What the rules read about one account, gathered by the caller.
public struct RiskEvidence: Sendable, Hashable {
    public var account: Account
    /// The account's imported rows (tickets, tasks, contacts…).
    public var imported: [ImportedRecord]
    /// When each of the account's handovers began, cancelled ones left out.
    public var handoverStarts: [Date]
    /// Exposures of the account's secrets not rotated since.
    public var unrotatedExposures: Int
    /// The latest change anyone made to the account or one of its handovers.
    public var lastActivity: Date

    public init(account: Account, imported: [ImportedRecord] = [], handoverStarts: [Date] = [], unrotatedExposures: Int = 0, lastActivity: Date) {
        self.account = account
        self.imported = imported
        self.handoverStarts = handoverStarts
        self.unrotatedExposures = unrotatedExposures
        self.lastActivity = lastActivity
    }
}

/// The risk rules. Pure: everything they read is passed in, including `now`.
public enum RiskRules {
    public static let renewalWindowDays = 90
    public static let sentimentWindowDays = 90
    public static let handoverWindowDays = 365
    public static let quietDays = 60

    /// Words that mark a note as unhappy; a note is negative when it has more of them than of
    /// `positiveWords`. A lexicon, not a model: it is explainable and needs no training data.
    static let negativeWords = [
        "angry", "annoyed", "frustrat", "unhappy", "upset", "disappoint", "complain", "escalat", "churn", "cancel", "threaten", "refund",
        "unacceptable", "furious", "poor", "worse", "worst", "outage", "slow", "broken", "leaving", "competitor",
    ]
    static let positiveWords = ["happy", "pleased", "great", "thank", "delighted", "love", "excellent", "renewed", "expand", "praise"]
    static let goneWords = ["left", "gone", "departed", "no longer", "resigned", "moved on", "retired"]

    /// The rules that hold, in `RiskRule.allCases` order.
    public static func flags(_ evidence: RiskEvidence, now: Date) -> [RiskFlag] {
        let today = CalendarDate(now)
        let profile = evidence.account.profile
        var flags: [RiskFlag] = []
        if let renewal = profile.renewalDate {
            let days = today.days(until: renewal)
            if (0...renewalWindowDays).contains(days) {
                flags.append(
                    RiskFlag(
                        rule: .renewalSoon,
                        sentence:
                            "The contract renews \(days == 0 ? "today" : "in \(days) day\(days == 1 ? "" : "s")") (\(renewal)): a new owner has little time to earn trust before it."
                    ))
            }
        }
        let urgent = evidence.imported.filter { ($0.kind == .ticket || $0.kind == .task) && PacketPrefill.isOpen($0) && PacketPrefill.isUrgent($0) }
        if !urgent.isEmpty {
            let named = urgent.prefix(2).map { "\"\($0.name)\"" }.joined(separator: ", ")
            flags.append(
                RiskFlag(
                    rule: .urgentTickets,
                    sentence:
                        "\(urgent.count) high-severity ticket\(urgent.count == 1 ? " is" : "s are") open (\(named)\(urgent.count > 2 ? " and more" : "")): the customer is waiting on us now."
                ))
        }
        let negative = profile.historyNotes.filter { note in
            let age = note.date.days(until: today)
            return (0...sentimentWindowDays).contains(age) && isNegative(note.text)
        }
        if let latest = negative.max(by: { $0.date < $1.date }) {
            flags.append(
                RiskFlag(
                    rule: .negativeSentiment,
                    sentence:
                        "\(negative.count) note\(negative.count == 1 ? "" : "s") from the last \(sentimentWindowDays) days read\(negative.count == 1 ? "s" : "") as unhappy (latest \(latest.date)): ask what went wrong before anything else."
                ))
        }
        if let champion = profile.contacts.first(where: isChampionGone) {
            flags.append(
                RiskFlag(
                    rule: .championGone,
                    sentence: "\(champion.name), the customer's champion, has left: nobody on their side is known to argue for us.")
            )
        }
        let since = now.addingTimeInterval(-TimeInterval(handoverWindowDays) * 86_400)
        let recent = evidence.handoverStarts.filter { $0 >= since && $0 <= now }.count
        if recent >= 2 {
            flags.append(
                RiskFlag(
                    rule: .frequentHandovers,
                    sentence: "This account has changed hands \(recent) times in 12 months: the customer has had to start over with someone new each time."))
        }
        if evidence.unrotatedExposures > 0 {
            let n = evidence.unrotatedExposures
            flags.append(
                RiskFlag(
                    rule: .unrotatedCredentials,
                    sentence:
                        "\(n) credential exposure\(n == 1 ? " has" : "s have") not been rotated: someone who no longer holds the account can still open \(n == 1 ? "it" : "them")."
                ))
        }
        let quiet = CalendarDate(evidence.lastActivity).days(until: today)
        if quiet >= quietDays {
            flags.append(
                RiskFlag(
                    rule: .noActivity,
                    sentence: "Nothing has been recorded on this account for \(quiet) days: what we know about it may no longer be true."))
        }
        return flags
    }

    /// The rules as the model reads them: 1 where a rule holds, else 0, in `RiskRule.allCases` order.
    public static func features(_ flags: [RiskFlag]) -> [Double] {
        let held = Set(flags.map(\.rule))
        return RiskRule.allCases.map { held.contains($0) ? 1 : 0 }
    }

    /// More unhappy words than happy ones.
    public static func isNegative(_ text: String) -> Bool {
        let lowered = text.lowercased()
        let bad = negativeWords.filter { lowered.contains($0) }.count
        let good = positiveWords.filter { lowered.contains($0) }.count
        return bad > good
    }

    /// A contact whose role or notes call them the champion, and say they have gone.
    static func isChampionGone(_ contact: Contact) -> Bool {
        let text = [contact.role, contact.notes].compactMap { $0?.lowercased() }.joined(separator: " ")
        return text.contains("champion") && goneWords.contains { text.contains($0) }
    }
}
