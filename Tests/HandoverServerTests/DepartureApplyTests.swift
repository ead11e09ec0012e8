import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import SQLKit
import Testing

/// The apply's transaction on both engines: the plan re-checked against the rows as they are
/// when it writes (an account moved or a recipient deactivated meanwhile is a conflict that
/// leaves nothing), a scheduled departure applied once however many runs race for it, the
/// `departure.applied` webhook in the same transaction, and packets built a chunk at a time.
@Suite struct DepartureApplyTests {
    static func count(_ store: SQLHandoverStore, _ sql: SQLQueryString) async throws -> Int {
        try await store.database.withSession { db in try await db.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    @Test(arguments: TestDatabases.engines) func anAccountMovedMeanwhileIsAConflictAndNothingIsWritten(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        // More than one chunk, so the moved account is checked in the second one, after rows went in.
        let accounts = try await RealignmentTests.bulkAccounts(2_100, owner: org.alice, store: store)
        let moved = accounts.last!
        let (_, departures) = DepartureTests.services(
            store, clock: clock,
            fault: {
                try await store.database.transaction { db in
                    try await db.raw("UPDATE accounts SET owner_id = \(bind: org.bob.id) WHERE id = \(bind: moved.id)").run()
                }
            })
        let audit = try await store.auditSize(organizationID: org.organization.id)
        await #expect(throws: StoreError.conflict("account \(moved.name) is no longer owned by Alice: preview again")) {
            try await departures.apply(DepartureRequest(memberID: org.alice.id, balanceAmong: [org.carol.id]), idempotencyKey: "k-moved", by: org.admin)
        }
        #expect(try await DepartureTests.handoverCount(store, org) == 0)
        #expect(try await Self.count(store, "SELECT COUNT(*) AS n FROM handover_events WHERE organization_id = \(bind: org.organization.id)") == 0)
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit)
        #expect(try await store.departures(organizationID: org.organization.id, limit: 10).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func aRecipientDeactivatedMeanwhileIsAConflict(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, _) = DepartureTests.services(store, clock: clock)
        _ = try await DepartureTests.accounts(["A", "B", "C"], owner: org.alice, services: services)
        let (_, departures) = DepartureTests.services(
            store, clock: clock,
            fault: {
                try await store.database.transaction { db in
                    try await db.raw("UPDATE members SET deactivated_at = 1 WHERE id = \(bind: org.carol.id)").run()
                }
            })
        await #expect(throws: StoreError.conflict("a recipient of this departure was deactivated, made an auditor or removed meanwhile: preview again")) {
            try await departures.apply(DepartureRequest(memberID: org.alice.id, balanceAmong: [org.bob.id, org.carol.id]), idempotencyKey: nil, by: org.admin)
        }
        #expect(try await DepartureTests.handoverCount(store, org) == 0)
        #expect(try await store.departures(organizationID: org.organization.id, limit: 10).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func racingRunsOfAScheduledDepartureApplyItOnce(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        _ = try await DepartureTests.accounts((1...300).map { "Acct \($0)" }, owner: org.alice, services: services)
        let tomorrow = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(86_400))
        let scheduled = try await departures.apply(
            DepartureRequest(memberID: org.alice.id, effectiveOn: tomorrow, balanceAmong: [org.bob.id]), idempotencyKey: nil, by: org.admin)
        #expect(scheduled.status == 202)
        clock.advance(days: 2)
        let jobs = try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [DepartureJob.kind], at: clock.now.withLock { $0 })
        #expect(jobs.count == 1)
        // Two runs at once (a lease expiry mid-apply, or two replicas): both read `scheduled`
        // outside the transaction; the state flip inside it lets only one write.
        let (_, second) = DepartureTests.services(store, clock: clock)
        async let one: Void = departures.applyScheduled(jobs[0])
        async let two: Void = second.applyScheduled(jobs[0])
        _ = try await (one, two)
        #expect(try await DepartureTests.handoverCount(store, org) == 300)
        #expect(
            try await Self.count(store, "SELECT COUNT(*) AS n FROM audit_entries WHERE organization_id = \(bind: org.organization.id) AND action = 'departure.apply'")
                == 1)
        try await departures.applyScheduled(jobs[0])  // and a later run: nothing either
        #expect(try await DepartureTests.handoverCount(store, org) == 300)
        #expect(try await departures.departures(by: org.admin).map(\.state) == ["applied"])
    }

    @Test(arguments: TestDatabases.engines) func theAppliedEventGoesToAWildcardSubscriptionInTheSameTransaction(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        let accounts = try await DepartureTests.accounts(["A", "B", "C"], owner: org.alice, services: services)
        _ = try await services.handovers.begin(
            accountID: accounts[0].id, recipientID: org.carol.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.alice)
        _ = try await services.webhooks.create(url: "https://hooks.example.com/in", events: ["*"], by: org.admin)
        let answer = try await departures.apply(
            DepartureRequest(memberID: org.alice.id, balanceAmong: [org.bob.id], skipConflicts: true), idempotencyKey: "k-hook", by: org.admin)
        let summary = try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8))
        let payloads = try await store.database.withSession { db in
            try await db.raw(
                "SELECT payload FROM webhook_deliveries WHERE organization_id = \(bind: org.organization.id) AND type = 'departure.applied'"
            ).all().map { try $0.decode(column: "payload", as: String.self) }
        }
        #expect(payloads.count == 1)
        let body = try JSONDecoder().decode([String: JSONValue].self, from: Data(payloads[0].utf8))
        #expect(
            body["data"]
                == .object([
                    "departure": .string(summary.id), "member": .string(org.alice.id), "handoversCreated": .string("2"), "skipped": .string("1"),
                ]))
        // A failed apply emits nothing: the event is in the transaction that rolled back.
        await #expect(throws: HandoverError.self) {
            try await departures.apply(
                DepartureRequest(memberID: org.bob.id, mappings: [DepartureMapping(accountID: "nope", recipientID: org.carol.id)]), idempotencyKey: nil, by: org.admin)
        }
        #expect(
            try await Self.count(
                store, "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE organization_id = \(bind: org.organization.id) AND type = 'departure.applied'")
                == 1)
    }

    @Test(arguments: TestDatabases.engines) func packetsBuiltInChunksArePrefilledFromTheProfile(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        let accounts = try await DepartureTests.accounts((1...2_005).map { String(format: "Acct %04d", $0) }, owner: org.alice, services: services)
        let answer = try await departures.apply(DepartureRequest(memberID: org.alice.id, balanceAmong: [org.bob.id]), idempotencyKey: nil, by: org.admin)
        #expect(answer.status == 201)
        #expect(try await DepartureTests.handoverCount(store, org) == 2_005)
        // The last chunk's account: its packet has its own overview, and Alice's open item went to Bob.
        let lastID = try await store.database.withSession { db in
            try await db.raw("SELECT id FROM handovers WHERE account_id = \(bind: accounts.last!.id)").first()?.decode(column: "id", as: String.self)
        }
        let lastHandoverID = try #require(lastID)
        let last = try #require(try await store.handover(id: lastHandoverID, organizationID: org.organization.id))
        #expect(last.content["overview", "summary"] == .string("About Acct 2005"))
        #expect(last.content["openWork", "openItems"] == .array([.object(["title": .string("Call"), "owner": .string("Bob")])]))
        #expect(try await store.auditSize(organizationID: org.organization.id) >= 2_005 + 1)
    }

    @Test(arguments: TestDatabases.engines) func aBriefingTheLeaverOrganizesGoesToTheOtherPartyWithItsInvitation(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        let accounts = try await DepartureTests.accounts(["A", "B"], owner: org.alice, services: services)
        let handover = try await services.handovers.begin(
            accountID: accounts[0].id, recipientID: org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.alice)
        let read = try await services.briefings.schedule(
            handoverID: handover.id, startsAt: clock.now.withLock { $0 }.addingTimeInterval(3 * 86_400), durationMinutes: 30, place: "Room 1", videoURL: nil,
            attendeeIDs: [org.carol.id], by: org.alice)
        let mailBefore = try await Self.count(store, "SELECT COUNT(*) AS n FROM outbox_messages WHERE organization_id = \(bind: org.organization.id)")
        // A's line conflicts (its open handover), yet the briefing is taken over by bob, the other party.
        let plan = try await departures.preview(DepartureRequest(memberID: org.alice.id, balanceAmong: [org.carol.id]), by: org.admin)
        #expect(plan.pointers.briefings.map(\.recipientID) == [org.bob.id])
        #expect(!plan.conflicts.contains { $0.kind == .briefingNotReassigned })
        let answer = try await departures.apply(
            DepartureRequest(memberID: org.alice.id, balanceAmong: [org.carol.id], skipConflicts: true), idempotencyKey: nil, by: org.admin)
        let summary = try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8))
        #expect(summary.briefingsReassigned == 1 && summary.handoversCreated == 1)
        let briefing = try #require(try await store.briefing(id: read.id, organizationID: org.organization.id))
        #expect(briefing.organizerID == org.bob.id)
        #expect(briefing.sequence == read.sequence + 1 && briefing.version == read.version + 1)
        #expect(briefing.attendeeIDs == [org.bob.id, org.carol.id])  // alice's row went, bob attends once
        // Bob and Carol get the updated invitation (email is the default preference), in the same transaction.
        #expect(try await Self.count(store, "SELECT COUNT(*) AS n FROM outbox_messages WHERE organization_id = \(bind: org.organization.id)") == mailBefore + 2)
        #expect(
            try await Self.count(store, "SELECT COUNT(*) AS n FROM audit_entries WHERE organization_id = \(bind: org.organization.id) AND action = 'briefing.reassign'")
                == 1)
    }

    @Test func aBriefingNobodyCanTakeOverIsAConflictInThePlan() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let leaver = Member(id: "x", organizationID: "o", email: "x@example.com", name: "Xan", role: .member, managerID: nil, createdAt: now)
        let plan = DeparturePlanner.plan(
            leaver: leaver, effectiveOn: nil, accounts: [DepartureAccount](), members: [leaver], openHandoverAccounts: [], load: [:],
            recipients: DepartureRecipients(mappings: [:], rules: [], balanceAmong: []),
            pointers: DeparturePointers(briefings: [DeparturePointer(id: "b1", accountID: "elsewhere", label: "briefing at 2027-01-01T10:00:00Z")]),
            briefingOtherParties: ["b1": "x"])
        #expect(plan.pointers.briefings[0].recipientID == nil)
        #expect(plan.conflicts.map(\.kind) == [.briefingNotReassigned])
        #expect(plan.conflicts[0].message.contains("stays organized by Xan") || plan.conflicts[0].message.contains("organized by Xan"))
    }
}
