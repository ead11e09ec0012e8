import Foundation

/// The recipient's answers to the short survey after a handover.
public struct RecipientSurveyAnswer: Sendable, Hashable, Codable {
    /// Was the handover enough to take the account over?
    public var enough: Bool
    /// What was missing (may be empty).
    public var missing: String
    /// Did it feel rushed?
    public var rushed: Bool
    /// 1 (poor) to 5 (excellent).
    public var score: Int
    public var answeredAt: Date

    public init(enough: Bool, missing: String, rushed: Bool, score: Int, answeredAt: Date) {
        self.enough = enough
        self.missing = missing
        self.rushed = rushed
        self.score = score
        self.answeredAt = answeredAt
    }
}

/// One customer contact's survey: who was asked, whether the link is still good, and the answer.
public struct CustomerSurvey: Sendable, Hashable, Codable {
    public var id: String
    public var handoverID: String
    public var accountID: String
    public var contactName: String?
    public var contactEmail: String
    public var createdAt: Date
    public var expiresAt: Date
    public var answeredAt: Date?
    /// 1 (poor) to 5 (excellent).
    public var satisfaction: Int?
    /// "Did you have to repeat your story to your new contact?"
    public var repeatedStory: Bool?
    public var comment: String?

    public init(
        id: String, handoverID: String, accountID: String, contactName: String?, contactEmail: String, createdAt: Date, expiresAt: Date,
        answeredAt: Date? = nil, satisfaction: Int? = nil, repeatedStory: Bool? = nil, comment: String? = nil
    ) {
        self.id = id
        self.handoverID = handoverID
        self.accountID = accountID
        self.contactName = contactName
        self.contactEmail = contactEmail
        self.createdAt = createdAt
        self.expiresAt = expiresAt
        self.answeredAt = answeredAt
        self.satisfaction = satisfaction
        self.repeatedStory = repeatedStory
        self.comment = comment
    }
}

/// A handover's follow-up: when it is (or was) due, what the recipient and the customer said,
/// and the manager's check-in.
public struct FollowUp: Sendable, Hashable, Codable {
    public var handoverID: String
    public var dueAt: Date
    /// When the follow-up job ran (the surveys went out); nil before.
    public var startedAt: Date?
    public var recipient: RecipientSurveyAnswer?
    public var customers: [CustomerSurvey]
    public var checkedInAt: Date?
    public var checkedInBy: String?

    public init(
        handoverID: String, dueAt: Date, startedAt: Date? = nil, recipient: RecipientSurveyAnswer? = nil, customers: [CustomerSurvey] = [],
        checkedInAt: Date? = nil, checkedInBy: String? = nil
    ) {
        self.handoverID = handoverID
        self.dueAt = dueAt
        self.startedAt = startedAt
        self.recipient = recipient
        self.customers = customers
        self.checkedInAt = checkedInAt
        self.checkedInBy = checkedInBy
    }

    /// Whether `actor` may do the manager's check-in now: the follow-up has started, the
    /// handover is still completed (not yet verified), and the actor may verify it (Lifecycle's
    /// verify rule: an admin or a manager of a party; never an auditor). The one place the web
    /// page and the service learn it.
    public func mayCheckIn(_ handover: Handover, parties: Parties, by actor: Member) -> Bool {
        startedAt != nil && handover.state == .completed && actor.role != .auditor && (actor.role == .admin || parties.isManaged(by: actor))
    }

    /// Days after completion for customer accounts when the template says nothing.
    public static let defaultCustomerDays = 14
    /// How long a customer's survey link works.
    public static let surveyLinkDays = 30
    /// The longest comment or "what was missing".
    public static let maxCommentLength = 2000

    /// Days after completion that the follow-up starts: the template's `followUpAfterDays`,
    /// else 14 for customer accounts; nil for no follow-up (other kinds without the rule).
    public static func days(rules: TemplateRules, kind: AccountKind) -> Int? {
        if let days = rules.followUpAfterDays { return max(0, days) }
        return kind == .customer ? defaultCustomerDays : nil
    }

    /// Checks a 1–5 score.
    public static func checkScore(_ score: Int, path: String) throws(HandoverError) {
        guard (1...5).contains(score) else { throw .invalid([Problem(path: path, message: "is a whole number from 1 to 5")]) }
    }

    /// Checks a free-text answer's length.
    public static func checkText(_ text: String, path: String) throws(HandoverError) {
        if text.unicodeScalars.count > maxCommentLength { throw .invalid([Problem(path: path, message: "is longer than \(maxCommentLength) characters")]) }
    }
}
