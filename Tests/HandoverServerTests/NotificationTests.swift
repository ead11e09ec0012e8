import Foundation
import HandoverCore
import HandoverMail
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// Notifications on both engines: who hears of each event (never the actor, never another
/// organization), the preferences (email, digest, off), the daily digest, the overdue reminders
/// to managers, the API, and a returned notice and a digest arriving at a real SMTP server.
@Suite struct NotificationTests {
    /// A clock the test moves.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var date: Date
        init(_ date: Date) { self.date = date }
        var now: Date { lock.withLock { date } }
        func advance(_ seconds: TimeInterval) { lock.withLock { date += seconds } }
        var wallClock: WallClock { WallClock { [self] in now } }
    }

    static func services(_ store: any HandoverStore, clock: WallClock = .system) -> Services {
        Services(
            store: store, logKeys: try! LogKeys(secret: Array(repeating: 7, count: 32)), clock: clock,
            mail: MailSettings(publicURL: "https://handover.example.com/"))
    }

    /// Every message of the organization, oldest first.
    static func outbox(_ store: any HandoverStore, _ org: OrgFixture) async throws -> [OutboxMessage] {
        try await store.outboxMessages(organizationID: org.organization.id, filter: OutboxFilter(viewer: nil, limit: 1000)).reversed()
    }

    static func submitted(_ org: OrgFixture, _ store: any HandoverStore, _ services: Services, name: String = "Acme") async throws -> Handover {
        let account = try await org.account(org.alice, in: store, name: name)
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        return try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
    }

    @Test(arguments: TestDatabases.engines) func eachEventTellsTheOtherPartyAndNeverTheActorNorAnotherOrganization(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        // A millisecond per reading, so the outbox's order is the order of events.
        let clock = TestClock(Date())
        let services = Self.services(
            store,
            clock: WallClock {
                clock.advance(0.001); return clock.now
            })
        let handover = try await Self.submitted(org, store, services)
        _ = try await services.handovers.ask(id: handover.id, body: "Who signs the renewal?", by: org.bob)
        _ = try await services.handovers.ask(id: handover.id, body: "And the invoices?", by: org.bob)
        _ = try await services.handovers.ask(id: handover.id, body: "Rita signs;\ninvoices go to finance.", by: org.alice)
        _ = try await services.handovers.transition(id: handover.id, event: .returnToTransferor(reason: "Add the pricing history."), expectedVersion: nil, by: org.bob)

        let messages = try await Self.outbox(store, org)
        let summary = messages.map { "\($0.kind) → \($0.to.map(\.address).joined())" }
        #expect(
            summary == [
                "handover.submitted → \(org.bob.email)", "question.asked → \(org.alice.email)", "question.asked → \(org.alice.email)",
                "question.answered → \(org.bob.email)", "handover.returned → \(org.alice.email)",
            ])
        #expect(messages.allSatisfy { $0.handoverID == handover.id && $0.state == .queued })
        let returned = try #require(messages.last)
        #expect(returned.subject == "Bob returned the handover of Acme")
        #expect(returned.text.contains("> Add the pricing history.") && returned.text.contains("https://handover.example.com/handovers/\(handover.id)"))
        #expect(returned.html?.contains("<blockquote") == true)
        #expect(messages[3].subject == "Alice answered about Acme" && messages[3].text.contains("> Rita signs;\n> invoices go to finance."))
        // Each email has its mail.send job, written with it.
        let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 1000))
        for message in messages { #expect(jobs.contains { $0.payload.contains(message.id) }) }
        // The other organization hears nothing.
        #expect(try await Self.outbox(store, other).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func offQueuesNothingAndDigestKeepsItemsForOneDigestEmail(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        _ = try await services.notifications.setPreferences(["handover.submitted": "off"], by: org.bob)
        _ = try await services.notifications.setPreferences(["question.asked": "digest"], by: org.alice)
        let handover = try await Self.submitted(org, store, services)
        #expect(try await Self.outbox(store, org).isEmpty)
        _ = try await services.handovers.ask(id: handover.id, body: "Who signs?", by: org.bob)
        _ = try await services.handovers.ask(id: handover.id, body: "And <who> pays?", by: org.bob)
        #expect(try await Self.outbox(store, org).isEmpty)
        // Back to email: what is waiting still goes out in the next digest, and new ones by email.
        _ = try await services.notifications.setPreferences(["question.asked": "email"], by: org.alice)
        #expect(try await services.notifications.preferences(by: org.alice).setting(for: .questionAsked) == .email)
        #expect(try await services.notifications.preferences(by: org.bob).setting(for: .handoverSubmitted) == .off)
        #expect(try await services.notifications.preferences(by: org.bob).setting(for: .questionAnswered) == .email)

        try await services.notifications.sendDigests()
        let digests = try await Self.outbox(store, org)
        #expect(digests.count == 1)
        let digest = try #require(digests.first)
        #expect(digest.kind == NotificationMails.digestKind && digest.to.map(\.address) == [org.alice.email])
        #expect(digest.subject == "Your Handover digest: 2 things")
        #expect(digest.text.components(separatedBy: "Bob asked about Acme").count == 3)
        #expect(digest.text.contains("https://handover.example.com/handovers/\(handover.id)"))
        #expect(digest.text.contains("https://handover.example.com/settings/notifications"))
        #expect(digest.html?.contains("<li><a href=\"https://handover.example.com/handovers/\(handover.id)\">Bob asked about Acme</a></li>") == true)
        // The items are marked: another run sends nothing.
        #expect(try await services.notifications.sendDigests() >= 0)
        #expect(try await Self.outbox(store, org).count == 1)
        _ = try await services.handovers.ask(id: handover.id, body: "One more?", by: org.bob)
        #expect(try await Self.outbox(store, org).last?.kind == "question.asked")
    }

    @Test(arguments: TestDatabases.engines) func anUnknownKindOrSettingIsRefusedNamingItAndNothingChanges(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        do {
            _ = try await services.notifications.setPreferences(["handover.returned": "digest", "handover.exploded": "off", "question.asked": "pigeon"], by: org.alice)
            Issue.record("accepted an unknown kind")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["handover.exploded", "question.asked"])
            #expect(problems[1].message == "\"pigeon\" is not a setting (email, digest or off)")
        }
        #expect(try await services.notifications.preferences(by: org.alice) == NotificationPreferences())
    }

    /// Its own database: the digest run reads every organization's items, and another test's
    /// digest in a shared database could list them first ("another digest listed these items").
    @Test(arguments: TestDatabases.engines) func overdueHandoversAreReportedToTheManagersOncePerDayOrElseToTheAdmins(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let clock = TestClock(Date())
            let org = try await OrgFixture.make(in: store)
            let other = try await OrgFixture.make(in: store, name: "Other")
            let services = Self.services(store, clock: clock.wallClock)
            func lateAccount(_ owner: Member, _ name: String) async throws -> Account {
                var account = try await org.account(owner, in: store, name: name)
                account.profile.openItems = [OpenItem(title: "Renewal call", due: CalendarDate("2020-01-15")), OpenItem(title: "Later", due: CalendarDate("2999-01-01"))]
                account.version += 1
                try await store.updateAccount(account, expectedVersion: account.version - 1, by: AuditActor(member: owner.id))
                return account
            }
            let managed = try await org.handover(of: try await lateAccount(org.alice, "Late Ltd"), to: org.bob, in: store)
            let unmanaged = try await org.handover(of: try await lateAccount(org.carol, "Orphan Inc"), to: org.admin, in: store)
            _ = try await org.handover(of: try await org.account(org.alice, in: store, name: "On time"), to: org.bob, in: store)
            try await services.notifications.reportOverdue()
            var messages = try await Self.outbox(store, org).filter { $0.kind == "handover.overdue" }
            #expect(messages.count == 2)
            let toManager = try #require(messages.first { $0.handoverID == managed.id })
            #expect(toManager.to.map(\.address) == [org.manager.email] && toManager.subject == "Overdue: the handover of Late Ltd")
            #expect(toManager.text.contains("from Alice to Bob is still draft") && toManager.text.contains("due on 2020-01-15"))
            // Neither carol nor the admin (the recipient) has a manager: the organization's admins hear.
            #expect(messages.first { $0.handoverID == unmanaged.id }?.to.map(\.address) == [org.admin.email])
            // Again the same day (a restarted job): nothing more. The next day: once more each.
            try await services.notifications.reportOverdue()
            #expect(try await Self.outbox(store, org).filter { $0.kind == "handover.overdue" }.count == 2)
            clock.advance(86_400)
            try await services.notifications.reportOverdue()
            messages = try await Self.outbox(store, org).filter { $0.kind == "handover.overdue" }
            #expect(messages.count == 4)
            // A manager who chose the digest gets an item instead; the other organization hears nothing.
            _ = try await services.notifications.setPreferences(["handover.overdue": "digest"], by: org.manager)
            clock.advance(86_400)
            try await services.notifications.reportOverdue()
            #expect(try await Self.outbox(store, org).filter { $0.kind == "handover.overdue" }.count == 5)
            #expect(try await Self.outbox(store, other).isEmpty)
            try await services.notifications.sendDigests()
            #expect(try await Self.outbox(store, org).last { $0.kind == NotificationMails.digestKind }?.to.map(\.address) == [org.manager.email])
        }
    }

    @Test func theDigestRunsAtItsHourUTCAndTheFirstRunsAreDeduplicated() throws {
        let iso = ISO8601DateFormatter()
        let morning = try #require(iso.date(from: "2026-12-04T06:30:00Z"))
        #expect(NotificationJobs.nextDigest(after: morning, hour: 7) == iso.date(from: "2026-12-04T07:00:00Z"))
        #expect(NotificationJobs.nextDigest(after: morning.addingTimeInterval(1800), hour: 7) == iso.date(from: "2026-12-05T07:00:00Z"))
        #expect(NotificationJobs.nextDigest(after: morning, hour: 0) == iso.date(from: "2026-12-05T00:00:00Z"))
        let runs = NotificationJobs.firstRuns(at: morning, digestHour: 23)
        #expect(runs.map(\.kind) == ["notify.digest", "notify.overdue"] && runs.map(\.dedupeKey) == ["notify.digest", "notify.overdue"])
        #expect(runs[0].runAfter == iso.date(from: "2026-12-04T23:00:00Z") && runs[1].runAfter == morning)
    }

    @Test func theDigestHourComesFromTheEnvironment() throws {
        #expect(try ServerConfiguration.fromEnvironment([:]).mailSettings.digestHour == 7)
        #expect(try ServerConfiguration.fromEnvironment(["HANDOVER_DIGEST_HOUR": "18"]).mailSettings.digestHour == 18)
        for bad in ["24", "-1", "7am"] {
            #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["HANDOVER_DIGEST_HOUR": bad]) }
        }
    }

    @Test(arguments: TestDatabases.engines) func thePeriodicJobsScheduleTheirNextRunOnceAndReportWhenRun(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            var account = try await org.account(org.alice, in: store, name: "Late Ltd")
            account.profile.openItems = [OpenItem(title: "Renewal call", due: CalendarDate("2020-01-15"))]
            account.version += 1
            try await store.updateAccount(account, expectedVersion: account.version - 1, by: AuditActor(member: org.alice.id))
            _ = try await org.handover(of: account, to: org.bob, in: store)
            // Two start-ups (or two replicas): one pending run of each.
            try await services.notifications.scheduleJobs()
            try await services.notifications.scheduleJobs()
            func jobs(_ kind: String, _ state: JobState) async throws -> Int {
                try await store.jobs(filter: JobFilter(states: [state], kind: kind, limit: 100)).count
            }
            #expect(try await jobs(NotificationJobs.overdueKind, .pending) == 1)
            #expect(try await jobs(NotificationJobs.digestKind, .pending) == 1)
            let runner = JobRunner(
                store: store,
                handlers: [
                    NotificationJobs.overdueKind: NotificationJobs.overdueHandler(services.notifications),
                    NotificationJobs.digestKind: NotificationJobs.digestHandler(services.notifications),
                ], jitter: { 0 })
            try await runner.runOnce()
            #expect(try await jobs(NotificationJobs.overdueKind, .done) == 1)
            #expect(try await jobs(NotificationJobs.overdueKind, .pending) == 1)
            let next = try #require(try await store.jobs(filter: JobFilter(states: [.pending], kind: NotificationJobs.overdueKind)).first)
            #expect(next.runAfter > Date().addingTimeInterval(3000))
            #expect(try await Self.outbox(store, org).map(\.kind) == ["handover.overdue"])
        }
    }

    @Test(arguments: TestDatabases.engines) func theAPIShowsAndChangesOnlyTheCallersOwnSettings(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/me/notifications", method: .get, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .ok)
                let list = try r.decode(NotificationSettingsResponse.self)
                #expect(list.items.map(\.kind) == NotificationKind.allCases.map(\.rawValue) && list.items.allSatisfy { $0.setting == .email })
            }
            let body = ByteBuffer(string: #"{"settings": {"question.asked": "digest", "briefing.invitation": "off"}}"#)
            try await client.execute(uri: "/api/v1/me/notifications", method: .put, headers: f.headers(f.org.bob, json: true), body: body) { r in
                #expect(r.status == .ok)
                let list = try r.decode(NotificationSettingsResponse.self)
                #expect(list.items.first { $0.kind == "question.asked" }?.setting == .digest)
                #expect(list.items.first { $0.kind == "briefing.invitation" }?.setting == .off)
                #expect(list.items.first { $0.kind == "handover.submitted" }?.setting == .email)
            }
            let bad = ByteBuffer(string: #"{"settings": {"question.asked": "email", "handover.nope": "email"}}"#)
            try await client.execute(uri: "/api/v1/me/notifications", method: .put, headers: f.headers(f.org.bob, json: true), body: bad) { r in
                #expect(r.status == .unprocessableContent)
                let problem = try r.decode(ProblemDetails.self)
                #expect(problem.errors?.map(\.path) == ["handover.nope"])
            }
            // Nothing of the bad request was applied, and alice's settings are her own.
            try await client.execute(uri: "/api/v1/me/notifications", method: .get, headers: f.headers(f.org.bob)) { r in
                let list = try r.decode(NotificationSettingsResponse.self)
                #expect(list.items.first { $0.kind == "question.asked" }?.setting == .digest)
            }
            try await client.execute(uri: "/api/v1/me/notifications", method: .get, headers: f.headers(f.org.alice)) { r in
                let list = try r.decode(NotificationSettingsResponse.self)
                #expect(list.items.allSatisfy { $0.setting == .email })
            }
            try await client.execute(
                uri: "/api/v1/me/notifications", method: .put, headers: f.headers(f.org.bob, json: true), body: ByteBuffer(string: #"{"setting": {}}"#)
            ) { r in
                #expect(r.status == .badRequest)
            }
        }
    }

    @Test func theSettingsPageSavesWithTheSessionsTokenOnlyAndNamesABadSetting() async throws {
        let f = try await APIFixture.make()
        let web = WebTests()
        let bob = try await web.session(f, f.org.bob)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        try await f.test { client in
            try await client.execute(uri: "/settings/notifications", method: .get, headers: bob.headers) { r in
                #expect(r.status == .ok)
                let html = String(buffer: r.body)
                #expect(html.contains(#"id="nav-notifications" href="/settings/notifications" aria-current="page""#))
                #expect(html.contains(#"id="question-asked-email" name="question.asked" value="email" checked"#))
            }
            let page = "/settings/notifications"
            try await client.execute(uri: page, method: .post, headers: web.form(bob.headers), body: web.encoded(["question.asked": "off"])) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: page, method: .post, headers: web.form(bob.headers), body: web.encoded(["csrf": bob.csrf, "question.asked": "off", "handover.returned": "digest"])
            ) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/settings/notifications?done=saved")
            }
            try await client.execute(
                uri: page, method: .post, headers: web.form(bob.headers), body: web.encoded(["csrf": bob.csrf, "question.asked": "email", "handover.returned": "loud"])
            ) { r in
                #expect(r.status == .unprocessableContent)
                #expect(String(buffer: r.body).contains("handover.returned: &quot;loud&quot; is not a setting"))
            }
            let saved = try await services.notifications.preferences(by: f.org.bob)
            #expect(saved.setting(for: .questionAsked) == .off && saved.setting(for: .handoverReturned) == .digest)
        }
    }

    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func aReturnedNoticeAndADigestArriveAtTheSMTPServer(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            _ = try await services.notifications.setPreferences(["handover.submitted": "digest"], by: org.bob)
            let handover = try await Self.submitted(org, store, services, name: "Zoë's Café")
            _ = try await services.handovers.transition(
                id: handover.id, event: .returnToTransferor(reason: "The contacts are missing.\nPlease add Rita."), expectedVersion: nil, by: org.bob)
            try await services.notifications.sendDigests()
            let server = try TestSMTPServer()
            defer { server.stop() }
            let runner = OutboxTests.runner(store, services, smtp: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
            for _ in 0..<3 { try await runner.runOnce() }
            let received = try server.received()
            let returned = try #require(received.first { $0.rcptTos == [org.alice.email] })
            #expect(returned.subject == "Bob returned the handover of Zoë's Café" && returned.toNames == ["Alice"])
            #expect(returned.text?.contains("> The contacts are missing.") == true && returned.text?.contains("> Please add Rita.") == true)
            #expect(returned.html?.contains("href=\"https://handover.example.com/handovers/\(handover.id)\"") == true)
            #expect(returned.defects.isEmpty && returned.longestLine <= 78)
            let digest = try #require(received.first { $0.rcptTos == [org.bob.email] })
            #expect(digest.subject == "Your Handover digest: 1 thing")
            #expect(digest.text?.contains("Alice handed over Zoë's Café to you") == true)
            #expect(digest.html?.contains("https://handover.example.com/handovers/\(handover.id)") == true)
            #expect(digest.defects.isEmpty)
            #expect(received.filter { $0.rcptTos == [org.bob.email] }.count == 1)
        }
    }
}
