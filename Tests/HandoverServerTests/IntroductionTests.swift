import Foundation
import HandoverCore
import HandoverMail
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Testing

/// The customer's introduction and the follow-up (Docs/Introduction.md), on both engines:
/// rendering, permissions, other organizations, refusals that leave nothing behind, the ticked
/// checklist, the survey tokens (single use, expiry, unknown) and the check-in that verifies.
@Suite struct IntroductionTests {
    static let keys = try! LogKeys(secret: Array(repeating: 9, count: 32))

    static func services(_ store: any HandoverStore, clock: WallClock = .system) -> Services {
        Services(store: store, logKeys: keys, clock: clock, mail: MailSettings(publicURL: "https://handover.example.com"))
    }

    /// The customer template's content with key contacts that have addresses and the
    /// introduction's checklist entry still open.
    static func content(_ tag: String) -> HandoverContent {
        let template = ContentFixtures.customerTemplate
        var content = ContentFixtures.complete(template)
        content["contacts", "keyContacts"] = .array([
            .object(["name": .string("Zoë Ödegaard"), "role": .string("CFO"), "email": .string("zoe-\(tag)@customer.example")]),
            .object(["name": .string("Sam"), "role": .string("Ops"), "email": .string("sam-\(tag)@customer.example")]),
            .object(["name": .string("No Mail"), "role": .string("Sponsor")]),
        ])
        let options = template.sections.flatMap(\.fields).first { $0.id == "warmIntroduction" }?.options ?? []
        content["contacts", "warmIntroduction"] = .array(
            options.map { .object(["item": .string($0), "done": .bool($0 != Introduction.checklistItem)]) })
        return content
    }

    /// A handover from alice to bob, acknowledged by bob.
    static func acknowledged(_ org: OrgFixture, _ store: any HandoverStore, _ services: Services, name: String = "Acme <&>") async throws -> Handover {
        let account = try await org.account(org.alice, in: store, name: name)
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: content(String(org.organization.id.prefix(8))))
        _ = try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
        return try await services.handovers.transition(
            id: draft.id, event: .acknowledge(synthesis: "Acme buys the pro plan; renewal in March; Zoë approves spend."), expectedVersion: nil, by: org.bob)
    }

    static func zoe(_ org: OrgFixture) -> String { "zoe-\(org.organization.id.prefix(8))@customer.example" }

    @Test func theTemplateRendersThePacketAsPlainTextAndRefusesUnknownNames() throws {
        let facts = IntroductionFacts(
            accountName: "Zoë's <Café>", contactNames: "Ann and Bo", why: nil, doneSoFar: [.init(date: "1 Dec 2026", text: "Migrated")],
            nextSteps: [.init(title: "Renewal call", due: "24 Dec 2026", owner: nil)], transferorName: "Tom", transferorEmail: "tom@x.example",
            newOwnerName: "Rita & Co", newOwnerEmail: "rita@x.example", newOwnerPhone: nil, bookingLink: "https://book.example/rita")
        let rendered = IntroductionRenderer.render(.standard, facts: facts)
        #expect(rendered.subject == "Introducing Rita & Co, your new contact for Zoë's <Café>")
        #expect(rendered.body.contains("Hello Ann and Bo,"))
        #expect(rendered.body.contains("- 1 Dec 2026: Migrated") && rendered.body.contains("- Renewal call, by 24 Dec 2026"))
        #expect(rendered.body.contains("Book a first call here: https://book.example/rita"))
        // Missing values leave no trace: no why, no phone.
        #expect(!rendered.body.contains("{{") && !rendered.body.contains(" or ."))
        // The HTML alternative escapes the edited text.
        #expect(IntroductionService.html("<b>Rita & Co</b>").contains("&lt;b&gt;Rita &amp; Co&lt;/b&gt;"))
        #expect(IntroductionRenderer.check(.standard).isEmpty)
        let unknown = IntroductionRenderer.check(IntroductionTemplate(subject: "Hi {{newowner.name}}", body: "{{#nextSteps}}{{title}}{{/nextSteps}} {{title}}"))
        #expect(unknown.map(\.path) == ["subject", "body"])
        #expect(unknown[0].message.contains("{{newowner.name}}") && unknown[1].message.contains("{{title}}"))
        #expect(IntroductionRenderer.check(IntroductionTemplate(subject: "x", body: "{{#why}} open")).map(\.path) == ["body"])
        #expect(IntroductionRenderer.check(IntroductionTemplate(subject: "x", body: "{{> partial}}")).count == 1)
        #expect(IntroductionRenderer.check(IntroductionTemplate(subject: "x", body: " \n")).map(\.path) == ["body"])
        #expect(IntroductionRenderer.check(IntroductionTemplate(subject: "a\r\nBcc: x@y.example", body: "b")).contains { $0.path == "subject" })
    }

    @Test(arguments: TestDatabases.engines) func sendingQueuesTheEmailTicksTheChecklistAndAudits(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let handover = try await Self.acknowledged(org, store, services)
        let preview = try await services.introductions.preview(handoverID: handover.id, why: "Alice moves to the EMEA team.", by: org.alice)
        #expect(preview.contacts.map(\.name) == ["Zoë Ödegaard", "Sam"])
        #expect(preview.body.contains("Alice moves to the EMEA team.") && preview.body.contains("Hello Zoë Ödegaard and Sam,"))
        #expect(preview.from.address == org.alice.email && preview.cc.address == org.bob.email && preview.willTick)
        let record = try await services.introductions.send(
            handoverID: handover.id, subject: "Meet Bob", body: preview.body + "\nEdited by Alice.", to: [Self.zoe(org)], by: org.alice)
        #expect(record.mode == .sent && record.ticked && record.to.map(\.name) == ["Zoë Ödegaard"])
        let message = try #require(try await services.outbox.messages(handoverID: handover.id, by: org.alice).first { $0.kind == OutboxKind.customerIntroduction })
        #expect(message.author?.address == org.alice.email && message.cc.map(\.address) == [org.bob.email] && message.text.hasSuffix("Edited by Alice."))
        let mail = try message.mail(from: try MailAddress(name: "Handover", address: "handover@example.com"))
        let rendered = mail.rendered()
        #expect(rendered.contains("From: Alice <\(org.alice.email)>") && rendered.contains("Sender: Handover <handover@example.com>"))
        #expect(rendered.contains("Reply-To: Alice <\(org.alice.email)>") && !rendered.contains("Auto-Submitted"))
        let (after, _) = try await services.handovers.handover(id: handover.id, by: org.alice)
        #expect(after.version == handover.version + 1)
        guard case .array(let entries) = try #require(after.content["contacts", "warmIntroduction"]) else { Issue.record("no checklist"); return }
        #expect(
            entries.contains(
                .object([
                    "item": .string(Introduction.checklistItem), "done": .bool(true),
                    "note": .string("Introduction emailed to Zoë Ödegaard on \(HumanDate.day(record.createdAt))"),
                ])))
        let audit = try await services.audit.entries(for: org.admin, start: 0, end: nil).map(\.entry)
        #expect(audit.contains { $0.action == "introduction.sent" && $0.target == "handover:\(handover.id)" })
        // Recording another afterwards: no second tick, a second audit entry.
        let again = try await services.introductions.recordSentElsewhere(handoverID: handover.id, note: "Told Sam by phone", by: org.alice)
        #expect(!again.ticked && again.mode == .recorded)
        #expect(try await services.introductions.introductions(handoverID: handover.id, by: org.bob).count == 2)
    }

    @Test(arguments: TestDatabases.engines) func aDoubleSendEmailsTheCustomerOnce(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let handover = try await Self.acknowledged(org, store, services)
        // Two presses of "send" at once: one email; the other is told when it went.
        @Sendable func send(by member: Member) async -> Result<IntroductionRecord, any Error> {
            do {
                return .success(try await services.introductions.send(handoverID: handover.id, subject: "Meet Bob", body: "Hello", to: [Self.zoe(org)], by: member))
            } catch { return .failure(error) }
        }
        async let first = send(by: org.alice)
        async let second = send(by: org.manager)
        let results = await [first, second]
        #expect(results.filter { (try? $0.get()) != nil }.count == 1)
        for case .failure(let error) in results { #expect("\(error)".contains("not sent twice"), "\(error)") }
        let intros = { try await services.outbox.messages(handoverID: handover.id, by: org.admin).filter { $0.kind == OutboxKind.customerIntroduction } }
        #expect(try await intros().count == 1)
        // A different email is another introduction.
        _ = try await services.introductions.send(handoverID: handover.id, subject: "Meet Bob", body: "Hello again", to: [Self.zoe(org)], by: org.alice)
        #expect(try await intros().count == 2)
    }

    @Test(arguments: TestDatabases.engines) func refusalsLeaveNothingBehind(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let services = Self.services(store)
        let handover = try await Self.acknowledged(org, store, services)
        func refused(_ subject: String, _ to: [String], by actor: Member? = nil) async -> HandoverError? {
            do {
                _ = try await services.introductions.send(handoverID: handover.id, subject: subject, body: "Hello", to: to, by: actor ?? org.alice)
                return nil
            } catch let error as HandoverError { return error } catch { return nil }
        }
        guard case .invalid(let crlf) = await refused("Hi\r\nBcc: evil@x.example", [Self.zoe(org)]) else { Issue.record("CR/LF accepted"); return }
        #expect(crlf.map(\.path) == ["subject"])
        guard case .invalid(let bad) = await refused("Hi", ["not an address", "evil@x.example\r\nRCPT TO:<a@b.c>", "stranger@x.example"]) else {
            Issue.record("bad addresses accepted")
            return
        }
        #expect(bad.map(\.path) == ["to[0]", "to[1]", "to[2]"])
        guard case .invalid = await refused("Hi", []) else { Issue.record("no recipients accepted"); return }
        // bob (the recipient), carol (no relation) and the auditor may not send; the manager and an admin may.
        guard case .notPermitted = await refused("Hi", [Self.zoe(org)], by: org.bob) else { Issue.record("the recipient sent"); return }
        guard case .notPermitted = await refused("Hi", [Self.zoe(org)], by: org.auditor) else { Issue.record("an auditor sent"); return }
        await #expect(throws: StoreError.self) {
            try await services.introductions.send(handoverID: handover.id, subject: "Hi", body: "x", to: [Self.zoe(org)], by: org.carol)
        }
        // Another organization's admin: not found, the same as an id that does not exist.
        await #expect(throws: StoreError.self) { try await services.introductions.preview(handoverID: handover.id, why: nil, by: other.admin) }
        await #expect(throws: StoreError.self) { try await services.followUps.followUp(handoverID: handover.id, by: other.admin) }
        #expect(try await services.outbox.messages(handoverID: handover.id, by: org.admin).allSatisfy { $0.kind != OutboxKind.customerIntroduction })
        #expect(try await services.introductions.introductions(handoverID: handover.id, by: org.alice).isEmpty)
        let (unchanged, _) = try await services.handovers.handover(id: handover.id, by: org.alice)
        #expect(unchanged.version == handover.version)
        // Before acknowledgment: not yet.
        let account = try await org.account(org.alice, in: store, name: "Early")
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: Self.content("early"))
        await #expect(throws: HandoverError.self) { try await services.introductions.preview(handoverID: draft.id, why: nil, by: org.alice) }
        // The template: admins only, and a broken one is refused whole.
        await #expect(throws: HandoverError.self) { try await services.introductions.setTemplate(.standard, by: org.alice) }
        await #expect(throws: HandoverError.self) {
            try await services.introductions.setTemplate(IntroductionTemplate(subject: "Hi {{nobody}}", body: "x"), by: org.admin)
        }
        #expect(try await services.introductions.template(by: org.alice) == .standard)
        // A booking link that is not a plain web address, or carries a user and password, is refused and not stored.
        for link in ["https://ann:hunter2hunter2@cal.example/ann", "javascript:alert(1)", "https://cal.example/a\"b"] {
            await #expect(throws: HandoverError.self, "\(link)") {
                try await services.introductions.setTemplate(IntroductionTemplate(subject: "Hi", body: "x", bookingLink: link), by: org.admin)
            }
        }
        #expect(try await services.introductions.template(by: org.alice) == .standard)
        let saved = try await services.introductions.setTemplate(
            IntroductionTemplate(subject: "Meet {{newOwner.name}}", body: "Hello {{contactNames}}", bookingLink: "https://book.example"), by: org.admin)
        let managers = try await services.introductions.preview(handoverID: handover.id, why: nil, by: org.manager)
        #expect(saved.customized && managers.subject == "Meet Bob")
        #expect(try await services.introductions.template(by: other.admin) == .standard)
    }

    @Test(arguments: TestDatabases.engines) func theFollowUpSurveysAndTheCheckInThatVerifies(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let handover = try await Self.acknowledged(org, store, services)
        _ = try await services.introductions.send(handoverID: handover.id, subject: "Meet Bob", body: "Hello", to: [Self.zoe(org)], by: org.alice)
        // Completion as the service does it, with the sign-offs taken as given: the follow-up is scheduled in its transaction.
        let (current, parties) = try await services.handovers.handover(id: handover.id, by: org.alice)
        let account = try await services.accounts.account(id: handover.accountID, by: org.alice)
        let now = Date(millis: Date().millis)
        var transition = try Lifecycle.apply(
            .complete, to: current, by: org.alice, parties: parties, template: ContentFixtures.customerTemplate, account: account,
            signedRoles: [.transferor, .recipient], eventID: UUID().uuidString.lowercased(), at: now)
        #expect(FollowUp.days(rules: ContentFixtures.customerTemplate.rules, kind: .customer) == 14)
        transition.followUpAt = now
        try await store.apply(transition, expectedVersion: current.version, notices: [])
        let scheduled = try #require(try await services.followUps.followUp(handoverID: handover.id, by: org.bob))
        #expect(scheduled.startedAt == nil && scheduled.dueAt == now)
        // No check-in before the surveys went out: the page offers none, the service refuses it.
        #expect(!scheduled.mayCheckIn(try await store.handover(id: handover.id, organizationID: org.organization.id)!, parties: parties, by: org.manager))
        await #expect(throws: HandoverError.conflict("the follow-up of this handover has not started yet: the check-in comes after the surveys")) {
            try await services.followUps.checkIn(handoverID: handover.id, note: nil, by: org.manager)
        }
        await #expect(throws: HandoverError.self) {
            try await services.followUps.answer(handoverID: handover.id, enough: true, missing: "", rushed: false, score: 4, by: org.bob)
        }
        let job = try #require(try await store.jobs(filter: JobFilter(kind: JobKind.followUp, limit: 1000)).first { $0.payload.contains(handover.id) })
        // The notices go by preference: the recipient's (Bob's) is off, the manager's is the default, email.
        try await store.setNotificationPreferences([.followUpDue: .off], memberID: org.bob.id, organizationID: org.organization.id, at: Date())
        try await services.followUps.start(job)
        try await services.followUps.start(job)  // a second run (a lost lease) changes nothing
        let started = try #require(try await services.followUps.followUp(handoverID: handover.id, by: org.bob))
        #expect(started.startedAt != nil && started.customers.count == 1 && started.customers[0].contactEmail == Self.zoe(org))
        let mails = try await services.outbox.messages(handoverID: handover.id, by: org.admin)
        let due = mails.filter { $0.kind == NotificationKind.followUpDue.rawValue }
        #expect(due.count == 1, "\(due.map(\.subject))")
        #expect(
            due.first?.to.map(\.address) == [org.manager.email] && due.first?.subject == "Check in on the handover of Acme <&>"
                && due.first?.text.contains("https://handover.example.com/handovers/\(handover.id)/follow-up") == true)
        let surveyMail = try #require(mails.first { $0.kind == OutboxKind.followUpCustomer })
        // The outbox keeps a placeholder, never the token; the email that goes out has the link.
        let token = Self.keys.surveyToken(surveyID: started.customers[0].id)
        #expect(surveyMail.text.contains(SurveyToken.placeholder) && !surveyMail.text.contains(token))
        #expect(services.followUps.expand(surveyMail).text.contains("https://handover.example.com/survey/\(token)"))
        // The recipient answers once; the others may not.
        await #expect(throws: HandoverError.self) {
            try await services.followUps.answer(handoverID: handover.id, enough: true, missing: "", rushed: false, score: 4, by: org.alice)
        }
        await #expect(throws: HandoverError.self) {
            try await services.followUps.answer(handoverID: handover.id, enough: true, missing: "", rushed: false, score: 6, by: org.bob)
        }
        let answered = try await services.followUps.answer(handoverID: handover.id, enough: false, missing: "The renewal terms", rushed: true, score: 3, by: org.bob)
        #expect(answered.recipient?.score == 3 && answered.recipient?.missing == "The renewal terms")
        await #expect(throws: HandoverError.self) {
            try await services.followUps.answer(handoverID: handover.id, enough: true, missing: "", rushed: false, score: 4, by: org.bob)
        }
        // The customer's link: open, answered once, then used; unknown and malformed links are unknown.
        guard case .open(_, let name) = try await services.followUps.customerSurvey(token: token) else { Issue.record("not open"); return }
        #expect(name == "Acme <&>")
        await #expect(throws: HandoverError.self) { try await services.followUps.answerCustomerSurvey(token: token, satisfaction: 0, repeatedStory: false, comment: "") }
        #expect(try await services.followUps.answerCustomerSurvey(token: token, satisfaction: 5, repeatedStory: false, comment: "Smooth") == nil)
        #expect(try await services.followUps.answerCustomerSurvey(token: token, satisfaction: 1, repeatedStory: true, comment: "again") == .used)
        #expect(try await services.followUps.customerSurvey(token: token) == .used)
        #expect(try await services.followUps.customerSurvey(token: String(repeating: "A", count: 43)) == .unknown)
        #expect(try await services.followUps.customerSurvey(token: "short") == .unknown)
        let surveys = try await services.followUps.customerSurveys(accountID: handover.accountID, by: org.manager)
        #expect(surveys.count == 1 && surveys[0].satisfaction == 5 && surveys[0].repeatedStory == false && surveys[0].comment == "Smooth")
        // The check-in: not the parties, the manager; it verifies and is recorded.
        let completed = try #require(try await store.handover(id: handover.id, organizationID: org.organization.id))
        #expect(answered.mayCheckIn(completed, parties: parties, by: org.manager) && answered.mayCheckIn(completed, parties: parties, by: org.admin))
        #expect(!answered.mayCheckIn(completed, parties: parties, by: org.bob) && !answered.mayCheckIn(completed, parties: parties, by: org.alice))
        await #expect(throws: HandoverError.self) { try await services.followUps.checkIn(handoverID: handover.id, note: nil, by: org.bob) }
        let verified = try await services.followUps.checkIn(handoverID: handover.id, note: "Spoke to Bob", by: org.manager)
        #expect(verified.state == .verified)
        #expect(try await services.followUps.followUp(handoverID: handover.id, by: org.bob)?.checkedInBy == org.manager.id)
    }

    @Test(arguments: TestDatabases.engines) func anExpiredLinkIsGone(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let handover = try await Self.acknowledged(org, store, services)
        _ = try await services.introductions.send(handoverID: handover.id, subject: "Meet Bob", body: "Hello", to: [Self.zoe(org)], by: org.alice)
        let (current, parties) = try await services.handovers.handover(id: handover.id, by: org.alice)
        let account = try await services.accounts.account(id: handover.accountID, by: org.alice)
        let now = Date(millis: Date().millis)
        var transition = try Lifecycle.apply(
            .complete, to: current, by: org.alice, parties: parties, template: ContentFixtures.customerTemplate, account: account,
            signedRoles: [.transferor, .recipient], eventID: UUID().uuidString.lowercased(), at: now)
        transition.followUpAt = now
        try await store.apply(transition, expectedVersion: current.version, notices: [])
        let job = try #require(try await store.jobs(filter: JobFilter(kind: JobKind.followUp, limit: 1000)).first { $0.payload.contains(handover.id) })
        // The notices go by preference: the recipient's (Bob's) is off, the manager's is the default, email.
        try await store.setNotificationPreferences([.followUpDue: .off], memberID: org.bob.id, organizationID: org.organization.id, at: Date())
        try await services.followUps.start(job)
        let survey = try #require(try await services.followUps.followUp(handoverID: handover.id, by: org.bob)?.customers.first)
        let token = Self.keys.surveyToken(surveyID: survey.id)
        let later = Self.services(store, clock: WallClock { now.addingTimeInterval(31 * 86_400) })
        #expect(try await later.followUps.customerSurvey(token: token) == .expired)
        #expect(try await later.followUps.answerCustomerSurvey(token: token, satisfaction: 4, repeatedStory: false, comment: "") == .expired)
        #expect(try await services.followUps.customerSurvey(token: token) != .expired)
    }
}
