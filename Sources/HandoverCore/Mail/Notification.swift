import Foundation

/// What happened that a member may want to hear about. The raw value is the name members
/// use in their preferences (API, CLI, web) and the outbox message's `kind`.
public enum NotificationKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// To the recipient: a handover was submitted to them.
    case handoverSubmitted = "handover.submitted"
    /// To the transferor: the recipient sent it back, with the reason.
    case handoverReturned = "handover.returned"
    /// To the other party (usually the transferor): a new question in the thread.
    case questionAsked = "question.asked"
    /// To whoever asked: the other party answered in the thread.
    case questionAnswered = "question.answered"
    /// To every attendee: a briefing's invitation, its changes and its cancellation. One setting
    /// for all three: a calendar that got the invitation must get the update and the cancellation.
    case briefingInvitation = "briefing.invitation"
    /// To the managers of the parties (or the admins): an open handover is past its due date.
    case handoverOverdue = "handover.overdue"
    /// When a completed handover's follow-up starts: to the recipient, their short survey; to
    /// the managers of the parties (or the admins), the check-in that now waits for them.
    case followUpDue = "followup.due"
    /// To the managers of the parties (or the admins): a shift's handover was not acknowledged
    /// by its deadline.
    case shiftUnacknowledged = "shift.unacknowledged"

    /// The settings a member may choose. A briefing invitation carries its `.ics`, which a line
    /// in a digest cannot, so for those it is an email or nothing.
    public var settings: [NotificationSetting] {
        switch self {
        case .briefingInvitation: [.email, .off]
        default: NotificationSetting.allCases
        }
    }

    /// A line for settings pages and `handover notifications`.
    public var summary: String {
        switch self {
        case .handoverSubmitted: "A handover is submitted to you"
        case .handoverReturned: "Your handover is returned to you"
        case .questionAsked: "Someone asks a question on your handover"
        case .questionAnswered: "Your question is answered"
        case .briefingInvitation: "A briefing you attend is scheduled, moved or cancelled"
        case .handoverOverdue: "A handover of your team is overdue"
        case .followUpDue: "A follow-up asks for you: your survey, or your check-in as manager"
        case .shiftUnacknowledged: "A shift handover of your team is not acknowledged in time"
        }
    }
}

/// How a member hears of one kind of event.
public enum NotificationSetting: String, Sendable, Hashable, Codable, CaseIterable {
    /// An email at once (the default).
    case email
    /// A line in the next daily digest email instead.
    case digest
    /// Nothing.
    case off
}

/// A member's settings, one per kind; a kind never set is `email`.
public struct NotificationPreferences: Sendable, Hashable {
    public var settings: [NotificationKind: NotificationSetting]

    public init(_ settings: [NotificationKind: NotificationSetting] = [:]) {
        self.settings = settings
    }

    public static let defaultSetting = NotificationSetting.email

    /// A setting the kind does not allow (none can be saved, but the table is only text) is the default.
    public func setting(for kind: NotificationKind) -> NotificationSetting {
        guard let setting = settings[kind], kind.settings.contains(setting) else { return Self.defaultSetting }
        return setting
    }

    /// Every kind with its setting, in the order of `NotificationKind.allCases`.
    public var all: [(kind: NotificationKind, setting: NotificationSetting)] { NotificationKind.allCases.map { ($0, setting(for: $0)) } }
}

/// One member to tell of one event: the email they get now, or the line their digest gets
/// instead. The store decides which, in the transaction of the change, by the member's
/// preference (`NotificationPreferences.setting`).
public struct Notice: Sendable, Equatable {
    public var kind: NotificationKind
    public var memberID: String
    public var message: OutboxMessage
    /// Where the digest's line links to.
    public var link: String

    public init(kind: NotificationKind, memberID: String, message: OutboxMessage, link: String) {
        self.kind = kind
        self.memberID = memberID
        self.message = message
        self.link = link
    }

    /// The notices that go out for an event `actorID` caused: never one to the actor about
    /// their own action, and one per member at most.
    public static func forEvent(_ notices: [Notice?], actorID: String?) -> [Notice] {
        var seen: Set<String> = []
        return notices.compactMap { $0 }.filter { $0.memberID != actorID && seen.insert($0.memberID).inserted }
    }
}

/// A notice kept for a member's daily digest: the email's subject and link, until the digest
/// that lists it is queued (`digestMessageID`).
public struct DigestItem: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var memberID: String
    public var kind: String
    public var handoverID: String?
    public var summary: String
    public var link: String
    public var createdAt: Date

    public init(id: String, organizationID: String, memberID: String, kind: String, handoverID: String?, summary: String, link: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.memberID = memberID
        self.kind = kind
        self.handoverID = handoverID
        self.summary = summary
        self.link = link
        self.createdAt = createdAt
    }
}
