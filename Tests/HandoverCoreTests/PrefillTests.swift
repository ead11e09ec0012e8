import Foundation
import HandoverCore
import Testing

/// A new handover's packet, pre-filled from the account's profile and its imported rows: which
/// row goes to which field, where each value came from, and how a field gets reviewed.
@Suite struct PrefillTests {
    static let now = Date(timeIntervalSince1970: 1_796_000_000)  // 2026-11-30
    static let ann = Member(id: "ann", organizationID: "o", email: "ann@example.com", name: "Ann Lee", role: .member, createdAt: now)

    static func account(_ profile: AccountProfile = AccountProfile()) -> Account {
        Account(id: "a1", organizationID: "o", name: "Northwind", kind: .customer, ownerID: "ann", profile: profile, createdAt: now, updatedAt: now)
    }

    static func row(
        _ source: String, _ kind: ImportKind, _ id: String, _ name: String, status: String? = nil, priority: String? = nil, owner: String? = nil,
        due: String? = nil, amount: String? = nil, email: String? = nil, role: String? = nil, fileRow: Int = 2
    ) -> ImportedRecord {
        ImportedRecord(
            source: source, kind: kind, externalID: id, accountID: "a1", name: name, status: status, priority: priority, owner: owner,
            due: due.flatMap(CalendarDate.init), amount: amount, email: email, role: role,
            provenance: .init(importID: "i1", file: "\(kind.rawValue)s.csv", row: fileRow, importedAt: now))
    }

    static let imported: [ImportedRecord] = [
        row("zendesk.ticket", .ticket, "101", "Gateway outage", status: "open", priority: "urgent", owner: "Ann Lee", due: "2026-12-20", fileRow: 2),
        row("zendesk.ticket", .ticket, "102", "Invoice in EUR", status: "pending", priority: "normal", owner: "Tom Hart", due: "2026-12-10", fileRow: 3),
        row("zendesk.ticket", .ticket, "103", "Login loop", status: "solved", priority: "low", due: "2026-11-02", fileRow: 4),
        row("jira.issue", .task, "OPS-7", "Rotate the feed's certificate", status: "In Progress", owner: "ann@example.com", fileRow: 5),
        row("salesforce.opportunity", .deal, "006B", "Expansion", status: "Closed Won", due: "2026-06-30", amount: "4000", fileRow: 2),
        row("salesforce.opportunity", .deal, "006A", "Renewal 2027", status: "Negotiation", due: "2027-01-31", amount: "12500.50", fileRow: 3),
        row("hubspot.contact", .contact, "c1", "Jo Park", email: "JO@northwind.example", role: "CFO", fileRow: 2),
        row("hubspot.contact", .contact, "c2", "Sam Ray", email: "sam@northwind.example", role: "Head of IT", fileRow: 3),
    ]

    @Test func importedActivityFillsTheCustomerPacketWithItsSources() throws {
        let profile = AccountProfile(
            overview: "Clinic group", contacts: [Contact(name: "Jo Park", email: "jo@northwind.example")],
            openItems: [OpenItem(title: "QBR deck", owner: "Ann Lee")], historyNotes: [HistoryNote(date: CalendarDate("2026-10-01")!, text: "Kick-off")])
        let packet = PacketPrefill.build(
            templateKey: "customer-account", account: Self.account(profile), imported: Self.imported, leaver: Self.ann, recipientName: "Bo",
            today: CalendarDate(Self.now))
        // Open items: the profile's, then open tickets and tasks soonest due first (undated last);
        // the leaver's (by name or email) go to the recipient; solved ones are not open work.
        let items = try #require(packet.content["openWork", "openItems"]?.arrayValue)
        #expect(items.map { $0.objectValue?["title"]?.stringValue } == ["QBR deck", "Invoice in EUR", "Gateway outage", "Rotate the feed's certificate"])
        #expect(items.map { $0.objectValue?["owner"]?.stringValue } == ["Bo", "Tom Hart", "Bo", "Bo"])
        #expect(items[2].objectValue?["due"] == .string("2026-12-20"))
        #expect(items[2].objectValue?["notes"] == .string("Zendesk ticket 101, priority urgent"))
        let itemSources = try #require(packet.fields["openWork.openItems"]?.sources)
        #expect(itemSources.map(\.row) == [0, 1, 2, 3])
        #expect(itemSources.map(\.label) == ["Account profile", "Zendesk ticket 102", "Zendesk ticket 101", "Jira issue OPS-7"])
        #expect(itemSources[2].text == "Zendesk ticket 101 (tickets.csv, row 2)" && itemSources[2].importedAt == Self.now)
        // No renewal date in the profile: the open deal ahead gives it; both deals are the terms.
        #expect(packet.content["renewal", "renewalDate"] == .string("2027-01-31"))
        #expect(packet.fields["renewal.renewalDate"]?.sources.map(\.label) == ["Salesforce opportunity 006A"])
        #expect(
            packet.content["renewal", "contractTerms"]
                == .string("- Renewal 2027: 12500.50, Negotiation, closes 2027-01-31\n- Expansion: 4000, Closed Won, closes 2026-06-30"))
        // History: the profile's notes, then closed work; risks: open urgent tickets.
        #expect(packet.content["history", "relationshipHistory"] == .string("- 2026-10-01: Kick-off\n- 2026-11-02: Login loop (solved)"))
        #expect(packet.fields["history.relationshipHistory"]?.sources.map(\.label) == ["Account profile", "Zendesk ticket 103"])
        #expect(packet.content["risks", "riskSignals"] == .string("- Open urgent-priority ticket: Gateway outage, due 2026-12-20"))
        // Contacts: the profile's, then imported people not already there (the same email in another case).
        let contacts = try #require(packet.content["contacts", "keyContacts"]?.arrayValue)
        #expect(contacts.map { $0.objectValue?["name"]?.stringValue } == ["Jo Park", "Sam Ray"])
        #expect(packet.fields["contacts.keyContacts"]?.sources.map(\.label) == ["Account profile", "HubSpot contact c2"])
        #expect(packet.fields["contacts.keyContacts"]?.sources.map(\.row) == [0, 1])
        #expect(packet.fields["overview.summary"]?.from == "Account profile")
        // Every pre-filled field starts unreviewed, and every filled field has its sources.
        #expect(packet.fields.values.allSatisfy { !$0.isReviewed && !$0.sources.isEmpty })
        #expect(Set(packet.fields.keys) == Set(packet.content.sections.flatMap { section, fields in fields.keys.map { "\(section).\($0)" } }))
        // The result is valid content of the template.
        let template = try #require(TemplateLibrary.builtIn(key: "customer-account"))
        #expect(template.problems(in: packet.content).isEmpty)
    }

    @Test func theProfilesRenewalWinsAndNothingImportedLeavesOnlyTheProfile() {
        let account = Self.account(AccountProfile(overview: "Clinic group", renewalDate: CalendarDate("2027-05-01")))
        let packet = PacketPrefill.build(
            templateKey: "customer-account", account: account, imported: Self.imported, leaver: Self.ann, recipientName: "Bo", today: CalendarDate(Self.now))
        #expect(packet.content["renewal", "renewalDate"] == .string("2027-05-01"))
        #expect(packet.fields["renewal.renewalDate"]?.sources.map(\.source) == ["profile"])
        // Without today no deal is known to be ahead; without rows, only what the profile has.
        let bare = PacketPrefill.build(templateKey: "customer-account", account: Self.account(), leaver: Self.ann, recipientName: "Bo")
        #expect(bare.content.sections.isEmpty && bare.fields.isEmpty)
        // An organization's own template starts empty.
        #expect(PacketPrefill.build(templateKey: "our-own", account: account, imported: Self.imported, leaver: Self.ann, recipientName: "Bo").fields.isEmpty)
    }

    @Test func removingAValueDropsItsRowAndRenumbersTheRest() {
        let packet = PacketPrefill.build(
            templateKey: "customer-account", account: Self.account(AccountProfile(overview: "x")), imported: Self.imported, leaver: Self.ann,
            recipientName: "Bo", today: CalendarDate(Self.now))
        let trimmed = packet.removing(paths: ["openWork.openItems[1].notes", "overview.summary"])
        #expect(
            trimmed.content["openWork", "openItems"]?.arrayValue?.map { $0.objectValue?["title"]?.stringValue } == ["Invoice in EUR", "Rotate the feed's certificate"])
        #expect(trimmed.fields["openWork.openItems"]?.sources.map(\.label) == ["Zendesk ticket 102", "Jira issue OPS-7"])
        #expect(trimmed.fields["openWork.openItems"]?.sources.map(\.row) == [0, 1])
        #expect(trimmed.content["overview", "summary"] == nil && trimmed.fields["overview.summary"] == nil)
        // Every row gone: the field goes.
        let empty = trimmed.removing(paths: ["openWork.openItems[0]", "openWork.openItems[1].title"])
        #expect(empty.content["openWork", "openItems"] == nil && empty.fields["openWork.openItems"] == nil)
        // A section the template lacks (an organization's own version of a built-in) goes whole.
        let unknown = packet.removing(paths: ["risks"])
        #expect(unknown.content.sections["risks"] == nil && unknown.fields["risks.riskSignals"] == nil && unknown.fields["overview.summary"] != nil)
        // What the caller wrote is theirs, not pre-filled.
        let given = packet.overlaid(with: HandoverContent(["risks": ["riskSignals": .string("Mine")]]))
        #expect(given.content["risks", "riskSignals"] == .string("Mine") && given.fields["risks.riskSignals"] == nil)
        #expect(given.fields["openWork.openItems"] != nil)
    }

    @Test func aFieldIsReviewedByEditingItOrCheckingIt() throws {
        let before = HandoverContent(["overview": ["summary": .string("Clinic group")], "risks": ["riskSignals": .string("- a\n- b")]])
        let fields = [
            "overview.summary": PrefilledField(sources: [.profile()]), "risks.riskSignals": PrefilledField(sources: [.profile()]),
        ]
        // A form posts every field back: unchanged ones (CRLF, trailing space, empty and still
        // empty) are no change, so they review nothing.
        let posted = HandoverContent([
            "overview": ["summary": .string("Clinic group"), "successCriteria": .null], "risks": ["riskSignals": .string("- a\r\n- b ")],
        ])
        #expect(PrefillReview.changes(posted, to: before).sections.isEmpty)
        let unchanged = try PrefillReview.apply(to: fields, patch: PrefillReview.changes(posted, to: before), checked: [], by: "ann", at: Self.now)
        #expect(unchanged?.values.allSatisfy { !$0.isReviewed } == true)
        let cleared = PrefillReview.changes(HandoverContent(["risks": ["riskSignals": .null]]), to: before)
        #expect(cleared["risks", "riskSignals"] == .null)
        // Set by the patch: edited; named: checked; each says who and when.
        let patch = HandoverContent(["overview": ["summary": .string("A clinic group in Leeds")]])
        let reviewed = try #require(try PrefillReview.apply(to: fields, patch: patch, checked: ["risks.riskSignals"], by: "ann", at: Self.now))
        #expect(reviewed["overview.summary"]?.review == .edited && reviewed["risks.riskSignals"]?.review == .checked)
        #expect(reviewed["risks.riskSignals"]?.reviewedBy == "ann" && reviewed["risks.riskSignals"]?.reviewedAt == Self.now)
        // A later edit keeps the first review.
        let later = try PrefillReview.apply(to: reviewed, patch: cleared, checked: [], by: "bo", at: Self.now.addingTimeInterval(60))
        #expect(later?["risks.riskSignals"]?.review == .checked && later?["risks.riskSignals"]?.reviewedBy == "ann")
        // A field that was not pre-filled cannot be reviewed: the caller is told which.
        #expect(throws: HandoverError.self) { try PrefillReview.apply(to: fields, patch: HandoverContent(), checked: ["usage.products"], by: "ann", at: Self.now) }
        do {
            _ = try PrefillReview.apply(to: nil, patch: HandoverContent(), checked: ["overview.summary"], by: "ann", at: Self.now)
            Issue.record("a review of a handover with nothing pre-filled was accepted")
        } catch .invalid(let problems) {
            #expect(problems.map(\.path) == ["reviewed[0]"] && problems[0].message.contains("overview.summary was not pre-filled"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func lintFlagsPrefilledValuesNobodyReviewed() throws {
        let template = try #require(TemplateLibrary.builtIn(key: "customer-account"))
        let account = Self.account(AccountProfile(overview: "Clinic group", renewalDate: CalendarDate("2027-05-01")))
        let packet = PacketPrefill.build(templateKey: "customer-account", account: account, imported: Self.imported, leaver: Self.ann, recipientName: "Bo")
        let report = Lint.report(content: packet.content, template: template, account: account, now: Self.now, prefill: packet.fields)
        let flagged = report.findings.filter { $0.rule == "prefill-unreviewed" }
        #expect(flagged.map(\.path) == PrefillReview.unreviewed(packet.fields, template: template))
        #expect(flagged.count == packet.fields.count && flagged.allSatisfy { $0.severity == .warning })
        let items = try #require(flagged.first { $0.path == "openWork.openItems" })
        #expect(items.label == "Open items and commitments")
        #expect(items.message.hasPrefix("pre-filled from Zendesk ticket 102 and 2 more, and nobody has reviewed it yet"))
        // Each costs 3 points, as any warning.
        let plain = Lint.report(content: packet.content, template: template, account: account, now: Self.now)
        #expect(plain.score - report.score == min(plain.score, 3 * flagged.count))
        // Reviewed, or emptied since: no finding.
        var fields = packet.fields
        fields["openWork.openItems"]?.review = .checked
        let emptied = packet.content.merging(HandoverContent(["overview": ["summary": .null]]))
        let after = Lint.report(content: emptied, template: template, account: account, now: Self.now, prefill: fields)
        #expect(!after.findings.contains { $0.rule == "prefill-unreviewed" && ["openWork.openItems", "overview.summary"].contains($0.path) })
        #expect(after.findings.filter { $0.rule == "prefill-unreviewed" }.count == flagged.count - 2)
    }
}
