import Foundation

/// The organization's template for the customer's introduction: a Mustache subject and body
/// (rendered in HandoverServices' `IntroductionRenderer`), and an optional booking link that
/// every introduction offers for a first call with the new owner.
public struct IntroductionTemplate: Sendable, Hashable, Codable {
    public var subject: String
    public var body: String
    /// A scheduling page (the team's, or a shared calendar): `{{bookingLink}}` in the template.
    public var bookingLink: String?
    /// False while the organization uses the built-in default.
    public var customized: Bool

    public init(subject: String, body: String, bookingLink: String? = nil, customized: Bool = false) {
        self.subject = subject
        self.body = body
        self.bookingLink = bookingLink
        self.customized = customized
    }

    public static let maxSubjectLength = MailMessage.maxSubjectLength
    public static let maxBodyLength = 8_000

    /// The built-in template: why, what has been done, what comes next with dates, the
    /// reassurance that the new owner has the full story, and how to reach and book them.
    public static let standard = IntroductionTemplate(
        subject: "Introducing {{newOwner.name}}, your new contact for {{account.name}}",
        body: """
            Hello {{contactNames}},

            I am writing to let you know that {{newOwner.name}} is taking over as your contact for {{account.name}}.
            {{#why}}
            {{why}}
            {{/why}}
            {{#hasDoneSoFar}}

            What we have done so far:
            {{/hasDoneSoFar}}
            {{#doneSoFar}}
            - {{date}}: {{text}}
            {{/doneSoFar}}
            {{#hasNextSteps}}

            What comes next:
            {{/hasNextSteps}}
            {{#nextSteps}}
            - {{title}}{{#due}}, by {{due}}{{/due}}
            {{/nextSteps}}

            {{newOwner.name}} has the full story: our history together, the open items and what matters to you. \
            You will not have to repeat anything.

            You can reach {{newOwner.name}} at {{newOwner.email}}{{#newOwner.phone}} or {{newOwner.phone}}{{/newOwner.phone}}.
            {{#bookingLink}}
            Book a first call here: {{bookingLink}}
            {{/bookingLink}}

            Thank you for working with me,
            {{transferor.name}}
            """)
}

/// An introduction that went out (or that the transferor says went out another way).
public struct IntroductionRecord: Sendable, Hashable, Codable {
    public enum Mode: String, Sendable, Hashable, Codable, CaseIterable {
        /// Sent through Handover's outbox.
        case sent
        /// Sent from elsewhere (the transferor's own mail, a call): recorded, no email.
        case recorded
    }

    public var id: String
    public var organizationID: String
    public var handoverID: String
    public var mode: Mode
    public var subject: String
    public var body: String
    /// The key contacts it went to (with `sent`; may be empty with `recorded`).
    public var to: [MailAddress]
    public var outboxMessageID: String?
    public var byID: String
    /// Whether "Tell the customer about the change and why" was ticked in the packet by it.
    public var ticked: Bool
    public var createdAt: Date

    public init(
        id: String, organizationID: String, handoverID: String, mode: Mode, subject: String, body: String, to: [MailAddress],
        outboxMessageID: String?, byID: String, ticked: Bool, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.handoverID = handoverID
        self.mode = mode
        self.subject = subject
        self.body = body
        self.to = to
        self.outboxMessageID = outboxMessageID
        self.byID = byID
        self.ticked = ticked
        self.createdAt = createdAt
    }
}

/// The rules of the introduction, pure.
public enum Introduction {
    /// The checklist entry the introduction ticks (customer-account's `warmIntroduction`).
    public static let checklistItem = "Tell the customer about the change and why"

    /// From acknowledgment on: the recipient has restated the packet in their own words, so the
    /// email's promise that the new owner "has the full story" is true; before that the packet
    /// may still be returned. Completed and verified handovers may still introduce.
    public static let states: Set<HandoverState> = [.acknowledged, .completed, .verified]

    /// Who prepares and sends it: the transferor (the person the customer trusts), or an admin or
    /// a manager of the parties on their behalf (the transferor may have left already).
    public static func canSend(_ handover: Handover, parties: Parties, actor: Member) -> Bool {
        guard actor.role != .auditor else { return false }
        return actor.id == handover.transferorID || actor.role == .admin || parties.isManaged(by: actor)
    }

    /// The content with the introduction's checklist entry ticked, or nil when nothing is to be
    /// ticked: the template has no checklist with that entry, it is ticked already, or the
    /// packet must not change (`signed`: a sign-off is over the current content, or the handover
    /// is completed and its certificate names this content).
    public static func ticked(_ content: HandoverContent, template: Template, signed: Bool, state: HandoverState, note: String) -> HandoverContent? {
        guard !signed, state.isOpen else { return nil }
        for section in template.sections {
            for field in section.fields where field.type == .checklist && (field.options ?? []).contains(checklistItem) {
                var entries: [ChecklistEntry] = []
                if let value = content[section.id, field.id], case .success(.checklist(let list)) = field.parse(value, at: field.id) { entries = list }
                if entries.contains(where: { $0.item == checklistItem && $0.done }) { return nil }
                entries.removeAll { $0.item == checklistItem }
                entries.append(ChecklistEntry(item: checklistItem, done: true, note: note))
                var next = content
                next[section.id, field.id] = .array(
                    entries.map { entry in
                        var object: [String: JSONValue] = ["item": .string(entry.item), "done": .bool(entry.done)]
                        if let note = entry.note { object["note"] = .string(note) }
                        return .object(object)
                    })
                return next
            }
        }
        return nil
    }
}
