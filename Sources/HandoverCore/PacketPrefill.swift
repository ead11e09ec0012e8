import Foundation

/// What a new handover starts with: the account's profile and its imported activity, placed in
/// the fields of its template, each field with the sources it came from. Pure.
///
/// Open tickets and tasks become open items (with their owners and due dates), deals the
/// renewal, contacts the key contacts, closed tickets and tasks the relationship history, open
/// high-priority tickets the risk signals. The built-in templates are mapped; an organization's
/// own templates start empty.
public enum PacketPrefill {
    /// Imported rows, at most, per field: the packet is a starting point, not the CRM.
    public static let maxOpenWork = 50
    public static let maxContacts = 30
    public static let maxDeals = 10
    public static let maxHistory = 20
    public static let maxRisks = 10

    /// `leaver`: the member giving the account up; items and contacts they own go to `recipientName`.
    /// `imported`: the account's imported rows (any order). `today` decides which deals are ahead
    /// (a renewal date is taken from a deal only with it).
    public static func build(
        templateKey: String, account: Account, imported: [ImportedRecord] = [], leaver: Member, recipientName: String, today: CalendarDate? = nil
    ) -> PrefilledPacket {
        var packet = Builder(leaver: leaver, recipientName: recipientName)
        let profile = account.profile
        let work = openWork(imported)
        switch templateKey {
        case "customer-account":
            packet.text("overview.summary", profile.overview, from: .profile())
            if let date = profile.renewalDate {
                packet.value("renewal.renewalDate", .string(date.description), from: [.profile()])
            } else if let today, let deal = deals(imported).first(where: { isOpen($0) && ($0.due.map { $0 >= today } ?? false) }), let due = deal.due {
                packet.value("renewal.renewalDate", .string(due.description), from: [.imported(deal)])
            }
            packet.lines("renewal.contractTerms", deals(imported).prefix(maxDeals).map { (dealLine($0), PrefillSource.imported($0)) })
            packet.items("openWork.openItems", profile: profile.openItems, imported: work)
            packet.lines(
                "history.relationshipHistory",
                profile.historyNotes.map { ("- \($0.date): \($0.text)", PrefillSource.profile()) }
                    + closedWork(imported).prefix(maxHistory).map { (historyLine($0), PrefillSource.imported($0)) })
            packet.contacts("contacts.keyContacts", profile: profile.contacts, imported: imported)
            packet.lines("risks.riskSignals", work.filter(isUrgent).prefix(maxRisks).map { (riskLine($0), PrefillSource.imported($0)) })
        case "project":
            packet.text("overview.summary", profile.overview, from: .profile())
            packet.items("deliverables.deliverables", profile: profile.openItems, imported: work)
            packet.contacts("contacts.keyContacts", profile: profile.contacts, imported: imported)
        case "it-offboarding":
            packet.text("systems.systems", profile.overview, from: .profile())
            packet.items("assets.assets", profile: profile.openItems, imported: [])
        case "ipass":
            packet.text("patientSummary.summary", profile.overview, from: .profile())
            packet.items("actionList.actions", profile: profile.openItems, imported: [])
        case "shift":
            packet.text("watchOuts.watchOuts", profile.overview, from: .profile())
            packet.items("itemStatus.items", profile: profile.openItems, imported: [])
            packet.contacts("escalation.onCall", profile: profile.contacts, imported: [])
        default:
            break
        }
        return packet.result
    }

    // MARK: What the imported rows say

    /// Closed, solved, resolved, done, completed, cancelled, won or lost, as the systems spell it.
    public static func isOpen(_ record: ImportedRecord) -> Bool {
        guard let status = record.status?.lowercased() else { return true }
        return !["closed", "solved", "resolved", "done", "complete", "cancel", "won", "lost"].contains { status.contains($0) }
    }

    /// High, urgent, critical, highest or blocker priority, or P1.
    public static func isUrgent(_ record: ImportedRecord) -> Bool {
        guard let priority = record.priority?.lowercased() else { return false }
        return ["high", "urgent", "critical", "blocker"].contains { priority.contains($0) } || priority == "p1" || priority == "1"
    }

    /// Open tickets and tasks, soonest due first (undated last), then by name.
    static func openWork(_ imported: [ImportedRecord]) -> [ImportedRecord] {
        imported.filter { ($0.kind == .ticket || $0.kind == .task) && isOpen($0) }.sorted(by: soonestDue).prefix(maxOpenWork).map { $0 }
    }

    /// Closed tickets and tasks, the latest due (or imported) first.
    static func closedWork(_ imported: [ImportedRecord]) -> [ImportedRecord] {
        imported.filter { ($0.kind == .ticket || $0.kind == .task) && !isOpen($0) }.sorted { a, b in
            let (da, db) = (a.due ?? CalendarDate(a.provenance.importedAt), b.due ?? CalendarDate(b.provenance.importedAt))
            return da != db ? da > db : a.externalID < b.externalID
        }
    }

    /// Deals: open ones first, soonest closing first.
    static func deals(_ imported: [ImportedRecord]) -> [ImportedRecord] {
        imported.filter { $0.kind == .deal }.sorted { a, b in
            if isOpen(a) != isOpen(b) { return isOpen(a) }
            return soonestDue(a, b)
        }
    }

    static func soonestDue(_ a: ImportedRecord, _ b: ImportedRecord) -> Bool {
        switch (a.due, b.due) {
        case (let x?, let y?) where x != y: return x < y
        case (.some, nil): return true
        case (nil, .some): return false
        default: return a.name != b.name ? a.name < b.name : a.externalID < b.externalID
        }
    }

    static func dealLine(_ deal: ImportedRecord) -> String {
        var facts: [String] = []
        if let amount = deal.amount { facts.append(amount) }
        if let status = deal.status { facts.append(status) }
        if let due = deal.due { facts.append("closes \(due)") }
        return "- \(deal.name)" + (facts.isEmpty ? "" : ": " + facts.joined(separator: ", "))
    }

    static func historyLine(_ record: ImportedRecord) -> String {
        let status = record.status.map { " (\($0))" } ?? ""
        return "- " + (record.due.map { "\($0): " } ?? "") + record.name + status
    }

    static func riskLine(_ record: ImportedRecord) -> String {
        "- Open \(record.priority?.lowercased() ?? "high")-priority \(record.kind.rawValue): \(record.name)" + (record.due.map { ", due \($0)" } ?? "")
    }

    // MARK: Building

    /// Collects values and their sources, skipping empty ones.
    struct Builder {
        let leaverNames: Set<String>
        let recipientName: String
        var result = PrefilledPacket()

        init(leaver: Member, recipientName: String) {
            leaverNames = Set([leaver.name.lowercased(), Member.normalizedEmail(leaver.email)])
            self.recipientName = recipientName
        }

        /// The leaver's items and relationships go to the recipient with the account.
        func owner(_ name: String?) -> String? {
            name.map { leaverNames.contains($0.lowercased()) ? recipientName : $0 }
        }

        mutating func value(_ path: String, _ value: JSONValue, from sources: [PrefillSource]) {
            let parts = path.split(separator: ".").map(String.init)
            result.content[parts[0], parts[1]] = value
            result.fields[path] = PrefilledField(sources: sources)
        }

        mutating func text(_ path: String, _ text: String, from source: PrefillSource) {
            guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else { return }
            value(path, .string(text), from: [source])
        }

        /// A text field of one line per source.
        mutating func lines(_ path: String, _ lines: [(String, PrefillSource)]) {
            guard !lines.isEmpty else { return }
            value(path, .string(lines.map(\.0).joined(separator: "\n")), from: lines.map(\.1))
        }

        mutating func items(_ path: String, profile: [OpenItem], imported: [ImportedRecord]) {
            var values: [JSONValue] = [], sources: [PrefillSource] = []
            for item in profile {
                var object: [String: JSONValue] = ["title": .string(item.title)]
                if let owner = owner(item.owner) { object["owner"] = .string(owner) }
                if let due = item.due { object["due"] = .string(due.description) }
                if let status = item.status { object["status"] = .string(status) }
                if let notes = item.notes { object["notes"] = .string(notes) }
                sources.append(.profile(row: values.count))
                values.append(.object(object))
            }
            for record in imported {
                var object: [String: JSONValue] = ["title": .string(record.name.isEmpty ? record.externalID : record.name)]
                if let owner = owner(record.owner) { object["owner"] = .string(owner) }
                if let due = record.due { object["due"] = .string(due.description) }
                if let status = record.status { object["status"] = .string(status) }
                let label = "\(ImportSource.singular(record.source)) \(record.externalID)"
                object["notes"] = .string(record.priority.map { "\(label), priority \($0)" } ?? label)
                sources.append(.imported(record, row: values.count))
                values.append(.object(object))
            }
            guard !values.isEmpty else { return }
            value(path, .array(values), from: sources)
        }

        /// The profile's contacts, then imported ones not already there (by email, else by name).
        mutating func contacts(_ path: String, profile: [Contact], imported: [ImportedRecord]) {
            var values: [JSONValue] = [], sources: [PrefillSource] = []
            var seen: Set<String> = []
            func key(name: String, email: String?) -> String { email.map(Member.normalizedEmail) ?? name.lowercased() }
            for contact in profile {
                var object: [String: JSONValue] = ["name": .string(contact.name)]
                if let role = contact.role { object["role"] = .string(role) }
                if let email = contact.email { object["email"] = .string(email) }
                if let phone = contact.phone { object["phone"] = .string(phone) }
                if let preference = contact.preference { object["preference"] = .string(preference) }
                if let owner = owner(contact.owner) { object["owner"] = .string(owner) }
                seen.insert(key(name: contact.name, email: contact.email))
                sources.append(.profile(row: values.count))
                values.append(.object(object))
            }
            let people = imported.filter { $0.kind == .contact && !$0.name.isEmpty }.sorted { a, b in a.name != b.name ? a.name < b.name : a.externalID < b.externalID }
            for record in people.prefix(maxContacts) where seen.insert(key(name: record.name, email: record.email)).inserted {
                var object: [String: JSONValue] = ["name": .string(record.name)]
                if let role = record.role { object["role"] = .string(role) }
                if let email = record.email { object["email"] = .string(email) }
                if let phone = record.phone { object["phone"] = .string(phone) }
                if let owner = owner(record.owner) { object["owner"] = .string(owner) }
                sources.append(.imported(record, row: values.count))
                values.append(.object(object))
            }
            guard !values.isEmpty else { return }
            value(path, .array(values), from: sources)
        }
    }
}
