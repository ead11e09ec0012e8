import Foundation
import HandoverCore
import Testing

/// A question becomes its content words, and only letters and digits reach an engine.
@Suite struct SearchTermsTests {
    @Test func aQuestionBecomesItsContentWords() throws {
        let terms = try #require(SearchTerms(question: "Who signs the RENEWAL, and when does the renewal happen?"))
        #expect(terms.words == ["signs", "renewal", "happen"])
        #expect(SearchTerms(question: "What is it? Who, when, where?") == nil)
        #expect(SearchTerms(question: "") == nil)
        // Digits count even alone (a clinic number); apostrophes and hyphens split words.
        #expect(SearchTerms(question: "clinic 7, O'Brien's self-booking")?.words == ["clinic", "7", "brien", "self", "booking"])
        #expect(SearchTerms(question: (1...40).map { "word\($0)" }.joined(separator: " "))?.words.count == SearchTerms.maxTerms)
    }

    @Test func queryLanguageIsNeverPassedThrough() throws {
        let terms = try #require(SearchTerms(question: "priya\" OR scope:x* NEAR(a b) ') DROP TABLE passages; -- & | !"))
        #expect(terms.words.allSatisfy { $0.allSatisfy { $0.isLetter || $0.isNumber } })
        let match = terms.fts5Match(scope: SearchTerms.scopeToken(accountID: "acc-1_é"))
        #expect(match.hasPrefix("scope:\"a6163632d315fc3a9\" AND (\"priya\" OR "))
        #expect(SearchTerms.scopeToken(accountID: "x\" OR \"y").allSatisfy { $0.isLetter || $0.isNumber })
    }

    @Test func anAccountIsCutIntoCitablePassages() throws {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let account = Account(
            id: "A", organizationID: "O", name: "Acme", kind: .customer, ownerID: "m1",
            profile: AccountProfile(
                overview: "First paragraph.\n\nSecond paragraph.", contacts: [Contact(name: "Ana", role: "CFO", preference: "phone")],
                openItems: [OpenItem(title: "Renewal call", owner: "Bo", due: CalendarDate("2027-01-02"))], renewalDate: CalendarDate("2027-03-31"),
                tags: ["vip"]),
            createdAt: now, updatedAt: now)
        var handover = Handover(
            id: "H", organizationID: "O", accountID: "A", templateKey: "customer-account", templateVersion: 1, transferorID: "m1", recipientID: "m2",
            content: HandoverContent(["risks": ["worries": .string("Price.\n\nOutages.")], "renewal": ["renewalDate": .string("2027-03-31")]]),
            createdAt: now, updatedAt: now)
        handover.synthesis = "I take it over."
        let question = { (id: String, author: String, body: String) in
            HandoverQuestion(id: id, organizationID: "O", handoverID: "H", authorID: author, body: body, createdAt: now)
        }
        let briefing = Briefing(
            id: "B", organizationID: "O", handoverID: "H", organizerID: "m1", startsAt: now, durationMinutes: 30, place: nil, videoURL: nil,
            attendeeIDs: ["m1", "m2"], state: .held, confirmations: [BriefingConfirmation(memberID: "m2", minutes: 30, covered: "All", stillOpen: "", at: now)],
            createdAt: now, updatedAt: now)
        let template = try #require(TemplateLibrary.builtIns.first { $0.key == "customer-account" })
        let passages = AccountPassages.passages(
            account: account,
            handovers: [
                .init(
                    handover: handover, template: template,
                    questions: [question("q1", "m2", "Who?"), question("q2", "m1", "Ana."), question("q3", "m2", "When?"), question("q4", "m2", "And?")],
                    briefings: [briefing])
            ], names: ["m1": "Mo", "m2": "Bea"])
        #expect(
            passages.map(\.key) == [
                "profile.overview[0]", "profile.overview[1]", "profile.contacts[0]", "profile.openItems[0]", "profile.renewalDate", "profile.tags",
                "packet:H:renewal.renewalDate", "packet:H:risks.worries[0]", "packet:H:risks.worries[1]", "packet:H:synthesis",
                "thread:H:q1", "thread:H:q3", "briefing:B:m2",
            ])
        let byKey = Dictionary(uniqueKeysWithValues: passages.map { ($0.key, $0) })
        #expect(byKey["profile.contacts[0]"]?.text == "Ana, CFO. Prefers phone.")
        #expect(byKey["profile.openItems[0]"]?.text == "Renewal call. Owner: Bo. Due 2027-01-02.")
        #expect(byKey["thread:H:q1"]?.text == "Bea: Who?\nMo: Ana.")
        #expect(byKey["thread:H:q1"]?.title == "Thread · asked by Bea, answered by Mo")
        #expect(byKey["thread:H:q3"]?.text == "Bea: When?\nBea: And?", "a follow-up by the asker stays in its exchange")
        #expect(byKey["briefing:B:m2"]?.text == "Covered: All" && byKey["briefing:B:m2"]?.link == "/briefings/B")
        #expect(passages.filter { $0.kind == .profile }.allSatisfy { $0.handoverID == nil && $0.link == "/accounts/A" })
        #expect(passages.filter { $0.kind != .profile }.allSatisfy { $0.handoverID == "H" })
    }
}
