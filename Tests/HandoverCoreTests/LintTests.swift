import Foundation
import HandoverCore
import HandoverTestSupport
import Testing

@Suite struct LintTests {
    let template = ContentFixtures.customerTemplate
    let now = Date(timeIntervalSince1970: 1_800_000_000)

    func account(updated days: Double = 1, renewal: CalendarDate? = CalendarDate("2027-06-30"), kind: AccountKind = .customer) -> Account {
        Account(
            id: "a", organizationID: "o", name: "Acme", kind: kind, ownerID: "m",
            profile: AccountProfile(renewalDate: renewal), createdAt: now, updatedAt: now.addingTimeInterval(-days * 86_400))
    }

    @Test func aCompleteHandoverScores100WithNoFindings() {
        let report = Lint.report(content: ContentFixtures.complete(template), template: template, account: account(), now: now)
        #expect(report.findings == [])
        #expect(report.score == 100)
        #expect(!report.blocksSubmission)
    }

    @Test func anEmptyHandoverListsEveryRequiredFieldAndBlocks() {
        let report = Lint.report(content: HandoverContent(), template: template, account: account(), now: now)
        let required = template.fieldsWithPaths.filter(\.field.required).map(\.path)
        #expect(Set(report.findings.filter { $0.rule == "required-field" }.map(\.path)) == Set(required))
        #expect(report.blocksSubmission)
        #expect(report.score == 0)
    }

    @Test func findingsNameTheFieldByLabelAndFollowTheFormsOrder() {
        let report = Lint.report(content: HandoverContent(), template: template, account: account(), now: now)
        let order = template.fieldsWithPaths.map(\.path)
        let positions = report.findings.map { finding in order.firstIndex(of: String(finding.path.prefix { $0 != "[" })) ?? order.count }
        #expect(positions == positions.sorted(), "findings out of form order: \(report.findings.map(\.path))")
        let first = try! #require(report.findings.first)
        let field = try! #require(template.field(at: first.path))
        #expect(first.label == field.label)
        // Read as "label: message": the message does not repeat the label, nor say "is is".
        #expect(first.text.hasPrefix("\(field.label): required, still empty."))
        #expect(!report.findings.contains { finding in finding.message.contains(" is is ") || finding.label.map { finding.message.contains($0) } ?? false })
    }

    @Test func theScoreSaysWhatItsMissingPointsAreFor() {
        var content = ContentFixtures.complete(template)
        let optional = template.fieldsWithPaths.filter { !$0.field.required }
        let cleared = Array(optional.prefix(3))
        for (path, _) in cleared {
            let parts = path.split(separator: ".").map(String.init)
            content[parts[0], parts[1]] = nil
        }
        let report = Lint.report(content: content, template: template, account: account(), now: now)
        #expect(report.findings.isEmpty)
        #expect(report.score < 100)
        let loss = try! #require(report.lost.first)
        #expect(report.lost.count == 1 && loss.reason == .recommendedEmpty && loss.points == 100 - report.score)
        #expect(loss.fields == cleared.map(\.field.label))
        #expect(
            report.explanation == "\(report.score)/100: \(100 - report.score) points are for 3 recommended fields not filled in: \(loss.fields.joined(separator: ", ")).")
        let full = Lint.report(content: ContentFixtures.complete(template), template: template, account: account(), now: now)
        #expect(full.explanation == "100/100: every field is filled in and nothing is flagged." && full.lost.isEmpty)
    }

    @Test func theMissingPointsAddUpAcrossEmptyFieldsAndWarnings() {
        var content = HandoverContent()
        content["openWork", "openItems"] = .array([.object(["title": .string("Send the quote")])])
        let report = Lint.report(content: content, template: template, account: account(), now: now)
        let lost = report.lost.reduce(0) { $0 + $1.points }
        #expect(report.score > 0 || lost >= 100)
        if report.score > 0 { #expect(lost == 100 - report.score, "\(report.lost)") }
        #expect(report.lost.contains { $0.reason == .warnings && $0.count == 2 && $0.points == 6 })
        #expect(report.lost.contains { $0.reason == .requiredEmpty })
    }

    @Test func itemsContactsAndDecisionsMissingTheirDetailsAreFlagged() {
        var content = ContentFixtures.complete(template)
        content["openWork", "openItems"] = .array([.object(["title": .string("Send the quote")])])
        content["contacts", "keyContacts"] = .array([.object(["name": .string("Jo")])])
        content["decisions", "pastDecisions"] = .array([.object(["decision": .string("Waived the setup fee")])])
        let report = Lint.report(content: content, template: template, account: account(), now: now)
        let rules = report.findings.map { "\($0.rule) \($0.path)" }
        #expect(rules.contains("item-owner openWork.openItems[0]"))
        #expect(rules.contains("item-due openWork.openItems[0]"))
        #expect(rules.contains("contact-preference contacts.keyContacts[0]"))
        #expect(rules.contains("decision-rationale decisions.pastDecisions[0]"))
        #expect(!report.blocksSubmission, "these are warnings")
        #expect(report.score == 100 - 4 * 3)
    }

    @Test func aCustomerWithoutRenewalDateIsFlaggedUnlessTheHandoverGivesOne() {
        var content = ContentFixtures.complete(template)
        content["renewal", "renewalDate"] = nil
        let report = Lint.report(content: content, template: template, account: account(renewal: nil), now: now)
        #expect(report.findings.contains { $0.rule == "renewal-date" })
        let withDate = Lint.report(content: ContentFixtures.complete(template), template: template, account: account(renewal: nil), now: now)
        #expect(!withDate.findings.contains { $0.rule == "renewal-date" })
    }

    @Test func aStaleProfileIsFlagged() {
        let report = Lint.report(content: ContentFixtures.complete(template), template: template, account: account(updated: 200), now: now)
        #expect(report.findings.map(\.rule) == ["profile-stale"])
    }

    @Test(arguments: [
        "the admin password: Tr0ub4dor&3",
        "AKIAIOSFODNN7EXAMPLE is the key",
        "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAAB",
        "api_key=sk_live_51HxYzAbCdEfGhIjKlMn",
        "token ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        "connect to postgres://app:s3cret@db.internal/app",
    ])
    func credentialsInPlainFieldsBlockSubmission(text: String) {
        var content = ContentFixtures.complete(template)
        content["risks", "worries"] = .string(text)
        let report = Lint.report(content: content, template: template, account: account(), now: now)
        let finding = report.findings.first { $0.rule == "plaintext-credential" }
        #expect(finding?.path == "risks.worries")
        #expect(report.blocksSubmission)
        // The finding never repeats the secret.
        #expect(!(finding?.message.contains(text) ?? true))
    }

    @Test(arguments: ["We reset the password last week", "They use an API key rotation policy", "Passwords live in the vault"])
    func ordinaryTalkAboutCredentialsIsNotFlagged(text: String) {
        var content = ContentFixtures.complete(template)
        content["risks", "worries"] = .string(text)
        #expect(!Lint.report(content: content, template: template, account: account(), now: now).findings.contains { $0.rule == "plaintext-credential" })
    }
}
