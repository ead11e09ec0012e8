import Foundation
import HandoverCore
import HandoverStore

/// What the transferor sees before sending the introduction: the rendered text to edit, the
/// key contacts who can receive it, who it is from and who is in copy.
public struct IntroductionPreview: Sendable, Hashable {
    public var subject: String
    public var body: String
    /// The key contacts with an email address (from the packet's contacts, then the account's).
    public var contacts: [Contact]
    public var from: MailAddress
    public var cc: MailAddress
    /// Whether the checklist entry will tick (false once a sign-off is over the packet).
    public var willTick: Bool
    public var sent: [IntroductionRecord]
}

/// The customer's introduction (issue 15 part 5): the organization's template, the preview
/// rendered from the packet, and sending it (or recording that it went out another way).
public struct IntroductionService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker

    public init(store: any HandoverStore, handovers: HandoverService, clock: WallClock = .system, ids: IDMaker = .random) {
        self.store = store
        self.handovers = handovers
        self.clock = clock
        self.ids = ids
    }

    public static let maxRecipients = 20
    public static let maxWhyLength = 1000

    // MARK: The template

    /// The organization's template (the built-in one until an admin saves another). Anyone in the
    /// organization may read it: every transferor's preview is made from it.
    public func template(by actor: Member) async throws -> IntroductionTemplate {
        try await store.introductionTemplate(organizationID: actor.organizationID) ?? .standard
    }

    /// Saves the organization's template (admins only); nil goes back to the built-in one. A
    /// template that does not parse or names an unknown variable is refused whole.
    public func setTemplate(_ template: IntroductionTemplate?, by actor: Member) async throws -> IntroductionTemplate {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "edit the introduction template", reason: "only admins edit it") }
        if var template {
            template.body = template.body.replacingOccurrences(of: "\r\n", with: "\n")
            template.bookingLink = template.bookingLink?.trimmingCharacters(in: .whitespaces).blankAsNil
            let problems = IntroductionRenderer.check(template)
            if !problems.isEmpty { throw HandoverError.invalid(problems) }
            try CredentialGuard.refuse(CredentialScan.findings([("subject", template.subject), ("body", template.body), ("bookingLink", template.bookingLink ?? "")]))
            template.customized = true
            try await store.saveIntroductionTemplate(template, organizationID: actor.organizationID, by: AuditActor(member: actor.id), at: clock.now())
            return template
        }
        try await store.saveIntroductionTemplate(nil, organizationID: actor.organizationID, by: AuditActor(member: actor.id), at: clock.now())
        return .standard
    }

    // MARK: Preview, send, record

    /// The introduction rendered from the packet, for the transferor to edit. `why` is the
    /// reason for the change in the transferor's words (the packet has no field for it).
    public func preview(handoverID: String, why: String?, by actor: Member) async throws -> IntroductionPreview {
        let (handover, parties, account, template) = try await prepare(handoverID: handoverID, by: actor)
        let why = why?.trimmingCharacters(in: .whitespacesAndNewlines).blankAsNil
        if let why, why.count > Self.maxWhyLength { throw HandoverError.invalid([Problem(path: "why", message: "is longer than \(Self.maxWhyLength) characters")]) }
        let contacts = Self.contacts(handover: handover, template: template, account: account)
        let introduction = try await self.template(by: actor)
        var facts = Self.facts(handover: handover, template: template, account: account, parties: parties, contacts: contacts, why: why)
        facts.bookingLink = introduction.bookingLink
        let rendered = IntroductionRenderer.render(introduction, facts: facts)
        return IntroductionPreview(
            subject: rendered.subject, body: rendered.body, contacts: contacts, from: try author(parties.transferor), cc: try copy(parties.recipient),
            willTick: try await willTick(handover, template: template), sent: try await store.introductions(handoverID: handover.id, organizationID: actor.organizationID)
        )
    }

    /// Sends the (edited) introduction: from the actor, to the chosen key contacts, the new owner
    /// in copy; queued in one transaction with its audit entry and the ticked checklist entry.
    public func send(handoverID: String, subject: String, body: String, to: [String], by actor: Member) async throws -> IntroductionRecord {
        let (handover, parties, account, template) = try await prepare(handoverID: handoverID, by: actor)
        // A browser's textarea posts CRLF line ends; the message keeps LF (MIME makes them CRLF).
        let body = body.replacingOccurrences(of: "\r\n", with: "\n")
        var problems: [Problem] = []
        if subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) {
            problems.append(Problem(path: "subject", message: "cannot contain line breaks or other control characters"))
        } else if subject.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(Problem(path: "subject", message: "is empty"))
        } else if subject.count > IntroductionTemplate.maxSubjectLength {
            problems.append(Problem(path: "subject", message: "is longer than \(IntroductionTemplate.maxSubjectLength) characters"))
        }
        if body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { problems.append(Problem(path: "body", message: "is empty")) }
        if body.count > IntroductionTemplate.maxBodyLength {
            problems.append(Problem(path: "body", message: "is longer than \(IntroductionTemplate.maxBodyLength) characters"))
        }
        if to.isEmpty { problems.append(Problem(path: "to", message: "choose at least one key contact")) }
        if to.count > Self.maxRecipients { problems.append(Problem(path: "to", message: "at most \(Self.maxRecipients) recipients")) }
        let contacts = Self.contacts(handover: handover, template: template, account: account)
        var recipients: [MailAddress] = []
        for (index, address) in to.enumerated() {
            let trimmed = address.trimmingCharacters(in: .whitespaces)
            guard MailAddress.isValidAddress(trimmed) else {
                problems.append(Problem(path: "to[\(index)]", message: "is not an email address (local@domain, without spaces or line breaks)"))
                continue
            }
            guard let contact = contacts.first(where: { $0.email?.lowercased() == trimmed.lowercased() }) else {
                problems.append(Problem(path: "to[\(index)]", message: "is not the address of one of this account's key contacts"))
                continue
            }
            if !recipients.contains(where: { $0.address.lowercased() == trimmed.lowercased() }) {
                recipients.append(try MailAddress(name: HandoverMails.headerSafe(contact.name), address: contact.email ?? trimmed))
            }
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("subject", subject), ("body", body)]))
        let now = clock.now()
        let id = ids.next(at: now)
        let mail = OutboxMessage(
            id: id, organizationID: handover.organizationID, handoverID: handover.id, kind: OutboxKind.customerIntroduction, to: recipients,
            cc: [try copy(parties.recipient)], subject: subject, text: body, html: Self.html(body), createdAt: now, author: try author(parties.transferor))
        let names = recipients.map { $0.name ?? $0.address }.joined(separator: ", ")
        return try await save(
            handover, template: template, mode: .sent, subject: subject, body: body, to: recipients, outbox: mail,
            note: "Introduction emailed to \(names) on \(HumanDate.day(now))", by: actor, at: now)
    }

    /// Records that the customer was introduced another way (the transferor's own mail, a call):
    /// the same checklist tick and audit entry, no email.
    public func recordSentElsewhere(handoverID: String, note: String?, by actor: Member) async throws -> IntroductionRecord {
        let (handover, _, _, template) = try await prepare(handoverID: handoverID, by: actor)
        let note = note?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if note.count > 2000 { throw HandoverError.invalid([Problem(path: "note", message: "is longer than 2000 characters")]) }
        try CredentialGuard.refuse(CredentialScan.findings([("note", note)]))
        let now = clock.now()
        return try await save(
            handover, template: template, mode: .recorded, subject: "", body: note, to: [], outbox: nil,
            note: "Introduced outside Handover (recorded \(HumanDate.day(now)))", by: actor, at: now)
    }

    /// The introductions of a handover, for anyone who may see it.
    public func introductions(handoverID: String, by actor: Member) async throws -> [IntroductionRecord] {
        let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
        return try await store.introductions(handoverID: handover.id, organizationID: actor.organizationID)
    }

    // MARK: Rules and facts

    private func prepare(handoverID: String, by actor: Member) async throws -> (Handover, Parties, Account, Template) {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        guard Introduction.canSend(handover, parties: parties, actor: actor) else {
            throw HandoverError.notPermitted(
                action: "introduce the customer", reason: "only the transferor (or their manager, or an admin) introduces the new owner to the customer")
        }
        guard Introduction.states.contains(handover.state) else {
            throw HandoverError.conflict(
                "the customer is introduced once the recipient has acknowledged the handover (it is \(handover.state.rawValue)): until then the new owner does not yet have the full story"
            )
        }
        let template = try await handovers.templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let account = try await handovers.accounts.account(id: handover.accountID, by: actor)
        return (handover, parties, account, template)
    }

    private func willTick(_ handover: Handover, template: Template) async throws -> Bool {
        let signed = !(try await handovers.countingSignoffs(handover)).isEmpty
        return Introduction.ticked(handover.content, template: template, signed: signed, state: handover.state, note: "") != nil
    }

    private func save(
        _ handover: Handover, template: Template, mode: IntroductionRecord.Mode, subject: String, body: String, to: [MailAddress], outbox: OutboxMessage?,
        note: String, by actor: Member, at now: Date
    ) async throws -> IntroductionRecord {
        // A packet someone signed is not changed behind their back: the tick waits for no sign-off
        // over the current content (see Docs/Introduction.md).
        let signed = !(try await handovers.countingSignoffs(handover)).isEmpty
        var ticked: Handover?
        if let content = Introduction.ticked(handover.content, template: template, signed: signed, state: handover.state, note: note) {
            var next = handover
            next.content = content
            next.version = handover.version + 1
            next.updatedAt = now
            ticked = next
        }
        let record = IntroductionRecord(
            id: outbox?.id ?? ids.next(at: now), organizationID: handover.organizationID, handoverID: handover.id, mode: mode, subject: subject, body: body,
            to: to, outboxMessageID: outbox?.id, byID: actor.id, ticked: ticked != nil, createdAt: now)
        defer { handovers.reads.evict(actor.organizationID + "/" + handover.id) }
        try await store.recordIntroduction(record, mail: outbox, ticked: ticked, expectedVersion: handover.version)
        return record
    }

    /// The introduction is the transferor's, whoever presses send (their manager or an admin
    /// may, for a transferor who is away): the customer hears from the person they trust.
    private func author(_ transferor: Member) throws -> MailAddress {
        do { return try MailAddress(name: HandoverMails.headerSafe(transferor.name), address: transferor.email) } catch {
            throw HandoverError.conflict("the transferor's email address (\(transferor.email)) cannot send email; ask an admin to correct it")
        }
    }

    private func copy(_ recipient: Member) throws -> MailAddress {
        do { return try MailAddress(name: HandoverMails.headerSafe(recipient.name), address: recipient.email) } catch {
            throw HandoverError.conflict("the new owner's email address (\(recipient.email)) cannot receive email; ask an admin to correct it")
        }
    }

    /// The key contacts with an email address: the packet's contacts fields first, then the
    /// account profile's, each address once.
    static func contacts(handover: Handover, template: Template, account: Account) -> [Contact] {
        var all: [Contact] = []
        for section in template.sections {
            for field in section.fields where field.type == .contacts {
                if let value = handover.content[section.id, field.id], case .success(.contacts(let list)) = field.parse(value, at: field.id) { all += list }
            }
        }
        all += account.profile.contacts
        var seen: Set<String> = []
        return all.filter { contact in
            guard let email = contact.email?.trimmingCharacters(in: .whitespaces), MailAddress.isValidAddress(email) else { return false }
            return seen.insert(email.lowercased()).inserted
        }
    }

    static func facts(handover: Handover, template: Template, account: Account, parties: Parties, contacts: [Contact], why: String?) -> IntroductionFacts {
        var items: [OpenItem] = []
        for section in template.sections {
            for field in section.fields where field.type == .items {
                if let value = handover.content[section.id, field.id], case .success(.items(let list)) = field.parse(value, at: field.id) { items += list }
            }
        }
        if items.isEmpty { items = account.profile.openItems }
        let steps = items.filter { $0.due != nil }.sorted { $0.due! < $1.due! }.map {
            IntroductionFacts.Step(title: $0.title, due: $0.due.map(HumanDate.day), owner: $0.owner)
        }
        let done = account.profile.historyNotes.sorted { $0.date < $1.date }.suffix(5).map {
            IntroductionFacts.Done(date: HumanDate.day($0.date), text: $0.text)
        }
        let names = contacts.map(\.name)
        let contactNames = names.count <= 1 ? (names.first ?? "") : names.dropLast().joined(separator: ", ") + " and " + names.last!
        return IntroductionFacts(
            accountName: account.name, contactNames: contactNames, why: why, doneSoFar: Array(done), nextSteps: steps,
            transferorName: parties.transferor.name, transferorEmail: parties.transferor.email, newOwnerName: parties.recipient.name,
            newOwnerEmail: parties.recipient.email, newOwnerPhone: nil, bookingLink: nil)
    }

    /// The HTML alternative of the edited text: escaped, paragraphs and line breaks kept.
    static func html(_ text: String) -> String {
        let paragraphs = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n\n").map { paragraph in
            "<p>" + paragraph.split(separator: "\n", omittingEmptySubsequences: false).map { escape(String($0)) }.joined(separator: "<br>\n")
                + "</p>"
        }
        return "<!doctype html>\n<html><body style=\"font-family: sans-serif; line-height: 1.5\">\n" + paragraphs.joined(separator: "\n") + "\n</body></html>"
    }
}

private func escape(_ text: String) -> String {
    text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
}

extension String {
    var blankAsNil: String? { trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : self }
}
