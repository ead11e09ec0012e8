import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Synchronization
import Testing

/// Departures and deactivation on both engines: deactivation revokes sessions and tokens and
/// blocks sign-in; an apply is atomic (a failure midway leaves nothing); the Idempotency-Key
/// replays, refuses another body (422) and a concurrent use (409); a future-dated departure is
/// applied by its job once, however often the job runs; another organization's ids are 404.
@Suite struct DepartureTests {
    static func services(_ store: any HandoverStore, clock: PipelineTests.Clock, fault: (@Sendable () async throws -> Void)? = nil) -> (Services, DepartureService) {
        let services = PipelineTests.services(store, clock: clock)
        let counter = ServicesTests.Counter(), run = UUID().uuidString.prefix(8).lowercased()
        let departures = DepartureService(
            store: store, templates: services.templates, clock: clock.wall, ids: IDMaker { _ in "dp-\(run)-" + String(format: "%06d", counter.next()) },
            fault: fault)
        return (services, departures)
    }

    static func accounts(_ names: [String], owner: Member, services: Services, tags: [String] = []) async throws -> [Account] {
        var made: [Account] = []
        for name in names {
            made.append(
                try await services.accounts.createAccount(
                    name: name, kind: .customer, ownerID: owner.id,
                    profile: AccountProfile(overview: "About \(name)", openItems: [OpenItem(title: "Call", owner: owner.name)], tags: tags), by: owner))
        }
        return made
    }

    static func handoverCount(_ store: SQLHandoverStore, _ org: OrgFixture) async throws -> Int {
        try await store.database.withSession { db in
            try await db.raw("SELECT COUNT(*) AS n FROM handovers WHERE organization_id = \(bind: org.organization.id)").first()?.decode(column: "n", as: Int.self) ?? 0
        }
    }

    @Test(arguments: TestDatabases.engines) func deactivationRevokesSessionsAndTokensAndBlocksSignIn(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let members = MemberService(store: store)
        let dana = try await members.createMember(
            organizationID: org.organization.id, email: "dana-\(UUID().uuidString.prefix(6))@example.com", name: "Dana", role: .member, managerID: nil,
            password: "correct horse battery", by: .operator)
        let (_, secret) = try await members.createToken(for: dana, name: "laptop", by: AuditActor(member: dana.id))
        let session = try await members.startSession(for: dana, lifetime: 3600)
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(secret)) != nil)
        let throttle = LoginThrottle(email: LoginLimit(key: "e:" + dana.email, maxGuesses: 100, window: 60), address: nil)

        await #expect(throws: HandoverError.self) { try await members.deactivate(memberID: dana.id, by: org.manager) }
        await #expect(throws: StoreError.notFound("member \(dana.id)")) { try await members.deactivate(memberID: dana.id, by: other.admin) }
        let auditBefore = try await store.auditSize(organizationID: org.organization.id)
        let deactivated = try await members.deactivate(memberID: dana.id, by: org.admin)
        #expect(!deactivated.isActive)
        #expect(try await store.auditSize(organizationID: org.organization.id) == auditBefore + 1)
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(secret)) == nil)
        #expect(try await members.authenticate(sessionDigest: Secrets.digest(session.value)) == nil)
        guard case .invalid = try await members.login(email: dana.email, password: "correct horse battery", throttle: throttle) else {
            Issue.record("a deactivated member signed in"); return
        }
        // Nothing deleted: still in the directory, flagged.
        #expect(try await members.member(id: dana.id, by: org.admin).deactivatedAt != nil)

        let back = try await members.reactivate(memberID: dana.id, by: org.admin)
        #expect(back.isActive)
        guard case .success = try await members.login(email: dana.email, password: "correct horse battery", throttle: throttle) else {
            Issue.record("reactivation did not restore sign-in"); return
        }
        // Sign-in only: the old token stays revoked.
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(secret)) == nil)
    }

    @Test(arguments: TestDatabases.engines) func applyIsAtomicWhenItFailsMidway(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, _) = Self.services(store, clock: clock)
        let accounts = try await Self.accounts((1...700).map { String(format: "Acct %03d", $0) }, owner: org.alice, services: services)
        // Between the plan and the write, someone opens a handover on the last account: the
        // multi-row insert fails in its second statement, after 500 rows went in.
        let last = accounts.last!
        let sizeAfterFault = Mutex(0)
        let (_, departures) = Self.services(
            store, clock: clock,
            fault: {
                _ = try await services.handovers.begin(
                    accountID: last.id, recipientID: org.carol.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.alice)
                let size = try await store.auditSize(organizationID: org.organization.id)
                sizeAfterFault.withLock { $0 = size }
            })
        await #expect(throws: StoreError.self) {
            try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: "k-atomic", by: org.admin)
        }
        #expect(try await Self.handoverCount(store, org) == 1)  // the one the fault opened
        #expect(try await store.auditSize(organizationID: org.organization.id) == sizeAfterFault.withLock { $0 })
        #expect(try await store.departures(organizationID: org.organization.id, limit: 10).isEmpty)
        // The key was released: the same key may be used once the conflict is resolved (skipped).
        let (_, retry) = Self.services(store, clock: clock)
        let answer = try await retry.apply(DepartureRequest(memberID: org.alice.id, skipConflicts: true), idempotencyKey: "k-atomic", by: org.admin)
        #expect(answer.status == 201)
        #expect(try await Self.handoverCount(store, org) == 700)
    }

    @Test(arguments: TestDatabases.engines) func idempotencyKeyReplaysRefusesAnotherBodyAndAConcurrentUse(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = Self.services(store, clock: clock)
        _ = try await Self.accounts(["A", "B", "C"], owner: org.alice, services: services)
        let request = DepartureRequest(memberID: org.alice.id, balanceAmong: [org.bob.id, org.carol.id])
        let first = try await departures.apply(request, idempotencyKey: "k1", by: org.admin)
        #expect(first.status == 201 && !first.replayed)
        let audit = try await store.auditSize(organizationID: org.organization.id)
        let again = try await departures.apply(request, idempotencyKey: "k1", by: org.admin)
        #expect(again == DepartureService.Response(status: 201, body: first.body, replayed: true))
        #expect(try await Self.handoverCount(store, org) == 3)
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit)

        var different = request
        different.balanceAmong = [org.bob.id]
        await #expect(
            throws: HandoverError.invalid([Problem(path: "Idempotency-Key", message: "this key was used with a different request; use a new key for a new request")])
        ) {
            try await departures.apply(different, idempotencyKey: "k1", by: org.admin)
        }
        // Another request holds "k2" (claimed, not finished): 409 until it finishes or its lease ends.
        let retry = DepartureRequest(memberID: org.alice.id, skipConflicts: true)
        let claim = try await store.claimIdempotencyKey(
            organizationID: org.organization.id, key: "k2", actorID: org.admin.id, operation: "departure.apply", requestDigest: try CanonicalJSON.digest(retry),
            at: clock.now.withLock { $0 }, lease: 60)
        guard case .claimed = claim else { Issue.record("k2 was not claimed: \(claim)"); return }
        await #expect(throws: DepartureError.keyInProgress(retryAfter: 5)) {
            try await departures.apply(retry, idempotencyKey: "k2", by: org.admin)
        }
        // After a kill -9 (its transaction rolled back) the lease runs out and a retry takes the key over, once.
        clock.advance(days: 1)
        let takeover = try await departures.apply(retry, idempotencyKey: "k2", by: org.admin)
        #expect(takeover.status == 201 && !takeover.replayed)
        #expect(try await departures.apply(retry, idempotencyKey: "k2", by: org.admin).replayed)
        #expect(try await Self.handoverCount(store, org) == 3)  // every account was open already: all skipped
    }

    /// The leaver's access moves with their accounts: each active grant they hold on an account
    /// becomes a revoke line (theirs) and a grant line (the recipient's) in its handover's access
    /// plan, in the apply's transaction; a grant someone else holds is not theirs to move.
    @Test(arguments: TestDatabases.engines) func theLeaversGrantsAreDrawnIntoTheAccessPlans(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let (services, departures) = Self.services(store, clock: PipelineTests.Clock())
        let accounts = try await Self.accounts(["A", "B"], owner: org.alice, services: services)
        var grants: [AccessGrant] = []
        for (system, holder) in [("CRM", org.alice), ("Billing", org.alice), ("Wiki", org.bob)] {
            grants.append(
                try await services.access.addGrant(
                    accountID: accounts[0].id, system: system, role: "admin", holderID: holder.id, holderName: nil, grantedOn: nil, note: nil, by: org.admin))
        }
        let plan = try await departures.preview(DepartureRequest(memberID: org.alice.id), by: org.admin)
        #expect(plan.pointers.accessGrants.map(\.id) == [grants[0].id, grants[1].id])
        _ = try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: nil, by: org.admin)
        let made = try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(accountID: accounts[0].id, limit: 5))
        let lines = try await services.access.plan(handoverID: made[0].id, by: org.admin).lines
        #expect(lines.map(\.system) == ["CRM", "CRM", "Billing", "Billing"])
        #expect(lines.map(\.kind) == [.revoke, .grant, .revoke, .grant])
        #expect(lines.map(\.memberID) == [org.alice.id, org.manager.id, org.alice.id, org.manager.id])
        #expect(lines.map(\.position) == [1, 2, 3, 4])
        // Drawing again by hand adds nothing: every grant is in the plan already.
        #expect(try await services.access.draw(handoverID: made[0].id, by: org.alice).lines.count == 4)
        let other = try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(accountID: accounts[1].id, limit: 5))
        #expect(try await services.access.plan(handoverID: other[0].id, by: org.admin).lines.isEmpty)
    }

    /// Open handovers sent to the leaver go on to someone else: one still waiting on them keeps
    /// its state and gets the new recipient, with its pending access-plan grant; one they
    /// acknowledged cannot (its new recipient never did), so it is a conflict, skipped and said.
    @Test(arguments: TestDatabases.engines) func openHandoversSentToTheLeaverAreSentOn(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let (services, departures) = Self.services(store, clock: PipelineTests.Clock())
        let accounts = try await Self.accounts(["Waiting", "Taken"], owner: org.bob, services: services)
        _ = try await services.access.addGrant(
            accountID: accounts[0].id, system: "CRM", role: "admin", holderID: org.bob.id, holderName: nil, grantedOn: nil, note: nil, by: org.admin)
        var sent: [Handover] = []
        for account in accounts {
            sent.append(
                try await services.handovers.begin(
                    accountID: account.id, recipientID: org.alice.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.bob))
        }
        _ = try await services.access.draw(handoverID: sent[0].id, by: org.bob)
        let (waitingID, acknowledged) = (sent[0].id, sent[1].id)
        try await store.database.transaction { db in
            try await db.raw("UPDATE handovers SET state = 'submitted' WHERE id = \(bind: waitingID)").run()
            try await db.raw("UPDATE handovers SET state = 'acknowledged' WHERE id = \(bind: acknowledged)").run()
        }

        let plan = try await departures.preview(DepartureRequest(memberID: org.alice.id), by: org.admin)
        #expect(plan.pointers.incomingHandovers.map(\.id) == [sent[1].id, sent[0].id])  // by account name: Taken, Waiting
        #expect(plan.pointers.incomingHandovers.map(\.recipientID) == [nil, org.manager.id])
        #expect(plan.conflicts.map(\.kind) == [.handoverNotRedirected])
        #expect(plan.conflicts.first?.message.contains("acknowledged") == true)
        await #expect(throws: DepartureError.self) {
            try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: nil, by: org.admin)
        }

        let answer = try await departures.apply(DepartureRequest(memberID: org.alice.id, skipConflicts: true), idempotencyKey: nil, by: org.admin)
        let summary = try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8))
        #expect(summary.handoversRedirected == 1 && summary.skipped.map(\.kind) == [.handoverNotRedirected])
        let waiting = try #require(try await store.handover(id: sent[0].id, organizationID: org.organization.id))
        #expect(waiting.recipientID == org.manager.id && waiting.state == .submitted && waiting.version == sent[0].version + 1)
        // Already submitted: the new recipient hears of it as of a submission to them.
        let mail = try await services.outbox.messages(handoverID: waitingID, by: org.admin)
        #expect(mail.map(\.kind) == [OutboxKind.handoverSubmitted] && mail.first?.to.first?.address == org.manager.email)
        let lines = try await services.access.plan(handoverID: sent[0].id, by: org.admin).lines
        #expect(lines.map(\.kind) == [.revoke, .grant] && lines.map(\.memberID) == [org.bob.id, org.manager.id])
        let events = try await store.events(handoverID: sent[0].id, organizationID: org.organization.id)
        #expect(events.last?.event == "redirect" && events.last?.note?.contains("sent on from \(org.alice.name)") == true)
        let taken = try #require(try await store.handover(id: sent[1].id, organizationID: org.organization.id))
        #expect(taken.recipientID == org.alice.id && taken.state == .acknowledged)
        // The new recipient works it as their own: it is theirs to acknowledge, not the leaver's.
        let inbox = try await store.handovers(visibleTo: org.manager, filter: HandoverFilter(recipientID: org.manager.id, limit: 5))
        #expect(inbox.map(\.id).contains(sent[0].id))
    }

    @Test(arguments: TestDatabases.engines) func futureDatedDepartureIsAppliedOnceByItsJob(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = Self.services(store, clock: clock)
        _ = try await Self.accounts(["A", "B"], owner: org.alice, services: services)
        let tomorrow = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(86_400))
        let yesterday = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(-86_400))
        await #expect(throws: HandoverError.self) {
            try await departures.apply(DepartureRequest(memberID: org.alice.id, effectiveOn: yesterday), idempotencyKey: nil, by: org.admin)
        }
        let scheduled = try await departures.apply(DepartureRequest(memberID: org.alice.id, effectiveOn: tomorrow), idempotencyKey: nil, by: org.manager)
        #expect(scheduled.status == 202)
        #expect(try await Self.handoverCount(store, org) == 0)
        // Not due yet.
        // (Only this organization's: other tests on the same database have due departure jobs too.)
        #expect(
            try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [DepartureJob.kind], at: clock.now.withLock { $0 }).isEmpty)
        clock.advance(days: 2)
        let jobs = try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [DepartureJob.kind], at: clock.now.withLock { $0 })
        #expect(jobs.count == 1)
        let handler = DepartureJob.handler(departures: departures)
        try await handler(jobs[0])
        try await handler(jobs[0])  // a second run (a retry after a crash) does nothing twice
        #expect(try await Self.handoverCount(store, org) == 2)
        let listed = try await departures.departures(by: org.admin)
        #expect(listed.map(\.state) == ["applied"])
        #expect(listed[0].handoversCreated == 2)
    }

    /// What hangs on a handover sent on follows it: the cover it is for names the new recipient
    /// (so its handback finds them), a briefing the leaver attends has the new recipient in their
    /// place, and one the leaver organizes goes to the new recipient; both are sent again.
    @Test(arguments: TestDatabases.engines) func coversAndBriefingsFollowAHandoverSentOn(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = Self.services(store, clock: clock)
        let accounts = try await Self.accounts(["Covered", "Briefed"], owner: org.bob, services: services)
        let until = CalendarDate(clock.wall.now().addingTimeInterval(7 * 86_400))
        let cover = try await services.covers.start(CoverRequest(accountID: accounts[0].id, covererID: org.alice.id, until: until), by: org.bob)
        let briefed = try await services.handovers.begin(
            accountID: accounts[1].id, recipientID: org.alice.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.bob)
        let tomorrow = clock.wall.now().addingTimeInterval(86_400)
        let bobs = try await services.briefings.schedule(
            handoverID: briefed.id, startsAt: tomorrow, durationMinutes: 30, place: "Room 1", videoURL: nil, attendeeIDs: nil, by: org.bob)
        let alices = try await services.briefings.schedule(
            handoverID: briefed.id, startsAt: tomorrow.addingTimeInterval(3600), durationMinutes: 30, place: "Room 2", videoURL: nil, attendeeIDs: nil,
            by: org.alice)
        #expect(alices.organizerID == org.alice.id)

        let answer = try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: nil, by: org.admin)
        #expect(try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8)).handoversRedirected == 2)
        #expect(try await store.cover(id: cover.id, organizationID: org.organization.id)?.covererID == org.manager.id)
        let attended = try #require(try await store.briefing(id: bobs.id, organizationID: org.organization.id))
        #expect(attended.organizerID == org.bob.id && attended.attendeeIDs == [org.bob.id, org.manager.id] && attended.sequence == bobs.sequence + 1)
        let organized = try #require(try await store.briefing(id: alices.id, organizationID: org.organization.id))
        #expect(organized.organizerID == org.manager.id && !organized.attendeeIDs.contains(org.alice.id))
    }

    /// Asked to, a departure deactivates the leaver in its own transaction, on its day when it is
    /// dated: not before (they still work until then), and then with their token revoked. Only
    /// an admin may ask it, and never of themself; an admin scheduling it who is demoted by the
    /// day makes it fail, not apply without the deactivation.
    @Test(arguments: TestDatabases.engines) func aDepartureDeactivatesTheLeaverWhenAsked(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = Self.services(store, clock: clock)
        let members = MemberService(store: store)
        _ = try await Self.accounts(["A"], owner: org.alice, services: services)
        _ = try await Self.accounts(["B"], owner: org.bob, services: services)
        let (_, aliceToken) = try await members.createToken(for: org.alice, name: "laptop", by: AuditActor(member: org.alice.id))

        await #expect(throws: HandoverError.self) {  // a manager may plan it, not deactivate
            try await departures.preview(DepartureRequest(memberID: org.alice.id, deactivate: true), by: org.manager)
        }
        await #expect(throws: HandoverError.self) {
            try await departures.apply(DepartureRequest(memberID: org.admin.id, deactivate: true), idempotencyKey: nil, by: org.admin)
        }
        let answer = try await departures.apply(DepartureRequest(memberID: org.alice.id, deactivate: true), idempotencyKey: nil, by: org.admin)
        #expect(try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8)).leaverDeactivated)
        #expect(try await store.member(id: org.alice.id, organizationID: org.organization.id)?.isActive == false)
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(aliceToken)) == nil)

        // Dated: Bob works until his day; then the job applies and deactivates at once.
        let (_, bobToken) = try await members.createToken(for: org.bob, name: "laptop", by: AuditActor(member: org.bob.id))
        let tomorrow = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(86_400))
        let scheduled = try await departures.apply(
            DepartureRequest(memberID: org.bob.id, effectiveOn: tomorrow, deactivate: true), idempotencyKey: nil, by: org.admin)
        #expect(scheduled.status == 202)
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(bobToken)) != nil)
        clock.advance(days: 2)
        let jobs = try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [DepartureJob.kind], at: clock.now.withLock { $0 })
        try await DepartureJob.handler(departures: departures)(try #require(jobs.first))
        #expect(try await store.member(id: org.bob.id, organizationID: org.organization.id)?.isActive == false)
        #expect(try await members.authenticate(tokenDigest: Secrets.digest(bobToken)) == nil)
        let listed = try await departures.departures(by: org.admin)
        #expect(listed.count == 2 && listed.allSatisfy { $0.state == "applied" && $0.leaverDeactivated })
        #expect(DepartureService.lostAuthority(org.manager, leaver: org.alice) == nil)
        #expect(DepartureService.lostAuthority(org.manager, leaver: org.alice, deactivating: true) != nil)
    }

    @Test(arguments: TestDatabases.engines) func rolesAndAnotherOrganizationsIds(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let clock = PipelineTests.Clock()
        let (services, departures) = Self.services(store, clock: clock)
        let accounts = try await Self.accounts(["A"], owner: org.alice, services: services)
        // Another organization's member: 404, for their admin too.
        await #expect(throws: StoreError.notFound("member \(org.alice.id)")) {
            try await departures.preview(DepartureRequest(memberID: org.alice.id), by: other.admin)
        }
        // Only admins and the leaver's own manager.
        await #expect(throws: HandoverError.self) { try await departures.preview(DepartureRequest(memberID: org.alice.id), by: org.bob) }
        await #expect(throws: HandoverError.self) { try await departures.preview(DepartureRequest(memberID: org.carol.id), by: org.manager) }
        // A mapping to another organization's member is a conflict, never a handover to them.
        let plan = try await departures.preview(
            DepartureRequest(memberID: org.alice.id, mappings: [DepartureMapping(accountID: accounts[0].id, recipientID: other.bob.id)]), by: org.manager)
        #expect(plan.conflicts.map(\.kind) == [.unknownRecipient])
        await #expect(throws: DepartureError.self) {
            try await departures.apply(
                DepartureRequest(memberID: org.alice.id, mappings: [DepartureMapping(accountID: accounts[0].id, recipientID: other.bob.id)]),
                idempotencyKey: nil, by: org.admin)
        }
        #expect(try await Self.handoverCount(store, org) == 0)
        // The departure's handover, pre-filled, from the leaver to the manager (the fallback).
        _ = try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: nil, by: org.admin)
        let made = try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(accountID: accounts[0].id, limit: 5, includeContent: true))
        #expect(made.count == 1)
        #expect(made.first?.recipientID == org.manager.id && made.first?.transferorID == org.alice.id)
        #expect(made.first?.content["overview", "summary"] == .string("About A"))
        // Its audit entry covers exactly the stored packet, as every other handover's does.
        let entry = try await store.auditEntries(organizationID: org.organization.id, targets: ["handover:\(made[0].id)"])
        #expect(entry.map(\.entry.digest) == [try CanonicalJSON.digest(made[0].content)])
        let listed = try await departures.departures(by: org.admin)
        await #expect(throws: StoreError.self) { try await departures.departure(id: listed[0].id, by: other.admin) }
    }

    @Test func apiAppliesWithAnIdempotencyKeyAndADeactivatedTokenIs401() async throws {
        let f = try await APIFixture.make()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        _ = try await Self.accounts(["A", "B"], owner: f.org.alice, services: services)
        let body = #"{"memberID": "\#(f.org.alice.id)", "balanceAmong": ["\#(f.org.bob.id)"]}"#
        try await f.test { client in
            try await client.execute(uri: "/api/v1/departures/preview", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: body)) { r in
                #expect(r.status == .ok)
                let plan = try r.decode(DeparturePlan.self)
                #expect(plan.lines.count == 2)
            }
            var headers = f.headers(f.org.admin)
            headers[HTTPField.Name("Idempotency-Key")!] = "api-key-1"
            let first = try await client.execute(uri: "/api/v1/departures", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
                #expect(r.status == .created)
                return String(buffer: r.body)
            }
            try await client.execute(uri: "/api/v1/departures", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
                #expect(r.status == .created)
                #expect(r.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                #expect(String(buffer: r.body) == first)
            }
            try await client.execute(
                uri: "/api/v1/departures", method: .post, headers: headers, body: ByteBuffer(string: #"{"memberID": "\#(f.org.alice.id)"}"#)
            ) { r in #expect(r.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/members/\(f.org.alice.id)/deactivate", method: .post, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/members/\(f.org.alice.id)/deactivate", method: .post, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .ok)
                let member = try r.decode(Member.self)
                #expect(member.deactivatedAt != nil)
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: f.headers(f.org.alice)) { r in #expect(r.status == .unauthorized) }
            #expect(try await Self.handoverCount(f.store, f.org) == 2)
        }
    }
}
