import Foundation

/// Where a passage of an account's record comes from.
public enum PassageKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The account's living profile: overview, contacts, open items, history, renewal, tags.
    case profile
    /// A field of a handover's packet, or the recipient's synthesis.
    case packet
    /// A question in a handover's thread with the answers that followed it.
    case thread
    /// What a party wrote on confirming a briefing was held.
    case briefing
    /// A row imported from another tool (a ticket, task, deal, contact or company: Docs/Imports.md),
    /// read like the profile by everyone in the organization.
    case imported
}

/// One retrievable piece of an account's record: small enough to be read as an answer, with a
/// link to where it lives. The question answerer cites passages; it never composes text.
public struct Passage: Sendable, Hashable, Codable {
    public var kind: PassageKind
    /// Names the piece within its account ("profile.contacts[0]", "packet:H:relationship.contacts[1]",
    /// "thread:H:Q", "briefing:B:M"): stable while the record is, so tests and links can name it.
    public var key: String
    /// The handover it belongs to: nil for the profile, which everyone in the organization reads.
    /// Everything else is shown only to those who may see that handover.
    public var handoverID: String?
    public var title: String
    public var text: String
    /// The page the passage comes from, relative to the web app's root.
    public var link: String

    public init(kind: PassageKind, key: String, handoverID: String?, title: String, text: String, link: String) {
        self.kind = kind
        self.key = key
        self.handoverID = handoverID
        self.title = title
        self.text = text
        self.link = link
    }
}

/// An account's record cut into passages. Pure: the service reads the record, this cuts it.
public enum AccountPassages {
    /// A handover as the answerer reads it: its packet by its template, its thread and its briefings.
    public struct HandoverRecord: Sendable {
        public var handover: Handover
        /// Nil when the template can no longer be found: the packet is then skipped, not guessed at.
        public var template: Template?
        public var questions: [HandoverQuestion]
        public var briefings: [Briefing]

        public init(handover: Handover, template: Template?, questions: [HandoverQuestion], briefings: [Briefing]) {
            self.handover = handover
            self.template = template
            self.questions = questions
            self.briefings = briefings
        }
    }

    /// Member names by id, for titles ("Asked by Ana Lee").
    public static func passages(account: Account, handovers: [HandoverRecord], names: [String: String], imported: [ImportedRecord] = []) -> [Passage] {
        profile(account) + handovers.flatMap { packet($0) + thread($0, names: names) + briefings($0, names: names) } + imports(imported, account: account)
    }

    // MARK: Imported rows

    /// Each imported row is one passage: what it is, its facts and its description, titled by the
    /// tool it came from, so "the gateway outage ticket" finds the Zendesk ticket.
    static func imports(_ records: [ImportedRecord], account: Account) -> [Passage] {
        records.compactMap { r in
            let source = ImportSource.named(r.source)
            let what = "\(source?.label ?? r.source) \(r.externalID)"
            let facts = [
                r.name.isEmpty ? nil : r.name + ".", r.status.map { "Status: \($0)." }, r.priority.map { "Priority: \($0)." },
                r.owner.map { "Owner: \($0)." }, r.due.map { "Due \($0)." }, r.amount.map { "Amount \($0)." }, r.role,
                r.email.map { "Email \($0)." }, r.phone.map { "Phone \($0)." }, r.body,
            ].compactMap { $0 }.joined(separator: " ")
            guard !facts.isEmpty else { return nil }
            return Passage(
                kind: .imported, key: "imported:\(r.source):\(r.externalID)", handoverID: nil, title: "\(account.name) · \(what) (\(r.kind.rawValue))",
                text: facts, link: "/accounts/\(account.id)#imported")
        }
    }

    // MARK: The profile

    static func profile(_ account: Account) -> [Passage] {
        let link = "/accounts/\(account.id)"
        let profile = account.profile
        var out: [Passage] = []
        func add(_ key: String, _ title: String, _ text: String) {
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return }
            out.append(Passage(kind: .profile, key: "profile.\(key)", handoverID: nil, title: title, text: text, link: link))
        }
        for (i, paragraph) in paragraphs(profile.overview).enumerated() { add("overview[\(i)]", "\(account.name) · Overview", paragraph) }
        for (i, contact) in profile.contacts.enumerated() { add("contacts[\(i)]", "\(account.name) · Key contact", describe(contact)) }
        for (i, item) in profile.openItems.enumerated() { add("openItems[\(i)]", "\(account.name) · Open item", describe(item)) }
        for (i, note) in profile.historyNotes.enumerated() { add("historyNotes[\(i)]", "\(account.name) · History, \(note.date)", note.text) }
        if let renewal = profile.renewalDate { add("renewalDate", "\(account.name) · Renewal", "The contract renews on \(renewal) (renewal date).") }
        if !profile.tags.isEmpty { add("tags", "\(account.name) · Tags", "Tagged " + profile.tags.joined(separator: ", ") + ".") }
        return out
    }

    // MARK: A handover's packet

    static func packet(_ record: HandoverRecord) -> [Passage] {
        let handover = record.handover
        let link = "/handovers/\(handover.id)"
        var out: [Passage] = []
        func add(_ key: String, _ title: String, _ text: String) {
            let text = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { return }
            out.append(Passage(kind: .packet, key: "packet:\(handover.id):\(key)", handoverID: handover.id, title: title, text: text, link: link))
        }
        if let template = record.template {
            for section in template.sections {
                for field in section.fields {
                    guard let json = handover.content[section.id, field.id], json != .null, case .success(let value) = field.parse(json, at: "") else { continue }
                    let path = "\(section.id).\(field.id)"
                    let title = "\(section.title) · \(field.label)"
                    switch value {
                    case .text(let text):
                        for (i, paragraph) in paragraphs(text).enumerated() { add("\(path)[\(i)]", title, paragraph) }
                    case .date(let day): add(path, title, "\(field.label): \(day)")
                    case .contacts(let list): for (i, c) in list.enumerated() { add("\(path)[\(i)]", title, describe(c)) }
                    case .items(let list): for (i, item) in list.enumerated() { add("\(path)[\(i)]", title, describe(item)) }
                    case .checklist(let list):
                        for (i, entry) in list.enumerated() {
                            guard let note = entry.note, !note.isEmpty else { continue }
                            add("\(path)[\(i)]", title, "\(entry.item) (\(entry.done ? "done" : "not done")): \(note)")
                        }
                    case .decisions(let list):
                        for (i, d) in list.enumerated() {
                            add(
                                "\(path)[\(i)]", title,
                                [d.decision, d.rationale.map { "Why: \($0)" }, d.date.map { "Decided \($0)." }].compactMap { $0 }.joined(separator: " "))
                        }
                    }
                }
            }
        }
        if let synthesis = handover.synthesis { add("synthesis", "The recipient's synthesis", synthesis) }
        return out
    }

    // MARK: A handover's thread

    /// One passage per exchange: a question by the handover's recipient and the messages after it
    /// up to the next question. An answer is found by the words of the question it answers.
    static func thread(_ record: HandoverRecord, names: [String: String]) -> [Passage] {
        let handover = record.handover
        var exchanges: [[HandoverQuestion]] = []
        for message in record.questions {
            if exchanges.isEmpty || (message.authorID == handover.recipientID && exchanges[exchanges.count - 1].last?.authorID != handover.recipientID) {
                exchanges.append([message])
            } else {
                exchanges[exchanges.count - 1].append(message)
            }
        }
        return exchanges.map { messages in
            let first = messages[0]
            let askedBy = names[first.authorID] ?? "someone"
            let answerers = Set(messages.dropFirst().map(\.authorID)).subtracting([first.authorID]).compactMap { names[$0] }.sorted()
            let title = answerers.isEmpty ? "Thread · asked by \(askedBy)" : "Thread · asked by \(askedBy), answered by \(answerers.joined(separator: ", "))"
            let text = messages.map { "\(names[$0.authorID] ?? "Someone"): \($0.body)" }.joined(separator: "\n")
            return Passage(
                kind: .thread, key: "thread:\(handover.id):\(first.id)", handoverID: handover.id, title: title, text: text,
                link: "/handovers/\(handover.id)#questions")
        }
    }

    // MARK: Briefing notes

    static func briefings(_ record: HandoverRecord, names: [String: String]) -> [Passage] {
        record.briefings.flatMap { briefing in
            briefing.confirmations.compactMap { confirmation -> Passage? in
                let text = [
                    confirmation.covered.isEmpty ? nil : "Covered: \(confirmation.covered)",
                    confirmation.stillOpen.isEmpty ? nil : "Still open: \(confirmation.stillOpen)",
                ].compactMap { $0 }.joined(separator: "\n")
                guard !text.isEmpty else { return nil }
                return Passage(
                    kind: .briefing, key: "briefing:\(briefing.id):\(confirmation.memberID)", handoverID: briefing.handoverID,
                    title: "Briefing notes · \(names[confirmation.memberID] ?? "a party")", text: text, link: "/briefings/\(briefing.id)")
            }
        }
    }

    // MARK: Text

    static func paragraphs(_ text: String) -> [String] {
        text.components(separatedBy: "\n\n").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }.filter { !$0.isEmpty }
    }

    static func describe(_ c: Contact) -> String {
        [
            [c.name, c.role].compactMap { $0 }.joined(separator: ", ") + ".",
            c.email.map { "Email \($0)." }, c.phone.map { "Phone \($0)." }, c.preference.map { "Prefers \($0)." },
            c.notes, c.owner.map { "Relationship owner: \($0)." },
        ].compactMap { $0 }.joined(separator: " ")
    }

    static func describe(_ item: OpenItem) -> String {
        [
            item.title + ".", item.owner.map { "Owner: \($0)." }, item.due.map { "Due \($0)." }, item.status.map { "Status: \($0)." }, item.notes,
        ].compactMap { $0 }.joined(separator: " ")
    }
}
