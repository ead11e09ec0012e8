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
import SQLKit
import Testing

/// Deactivation reaches every bearer credential and every place that picks a member: the
/// calendar feed's token dies with the sessions and API tokens; `member.deactivated` is emitted
/// in the same transaction (once); a deactivated member cannot be given a handover or invited
/// to a briefing, and gets no notices and no digest.
@Suite struct DeactivationReachTests {
    static func count(_ store: SQLHandoverStore, _ sql: SQLQueryString) async throws -> Int {
        try await store.database.withSession { db in try await db.raw(sql).first()?.decode(column: "n", as: Int.self) ?? 0 }
    }

    @Test(arguments: TestDatabases.engines) func theCalendarFeedDiesWithTheMember(engine: String) async throws {
        // The fixture closes the store when its test ends.
        let store = try await TestDatabases.store(engine)
        let f = try await APIFixture.make(engine, store: store)
        let services = HandoverApplication.services(store: store, configuration: f.configuration)
        let token = try await services.briefings.createFeed(by: f.org.alice)
        try await f.test { client in
            try await client.execute(uri: "/calendar/\(token).ics", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/api/v1/members/\(f.org.alice.id)/deactivate", method: .post, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/calendar/\(token).ics", method: .get) { r in #expect(r.status == .notFound) }
            // The row itself is gone, so reactivation does not bring the old link back.
            #expect(try await Self.count(store, "SELECT COUNT(*) AS n FROM calendar_feeds WHERE member_id = \(bind: f.org.alice.id)") == 0)
            _ = try await services.members.reactivate(memberID: f.org.alice.id, by: f.org.admin)
            try await client.execute(uri: "/calendar/\(token).ics", method: .get) { r in #expect(r.status == .notFound) }
        }
    }

    @Test(arguments: TestDatabases.engines) func memberDeactivatedIsEmittedInTheTransactionOnce(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let now = Date(millis: Date().millis)
        let subscription = WebhookSubscription(
            id: "wh-" + UUID().uuidString.lowercased(), organizationID: org.organization.id, url: "https://hooks.example.com/in", events: ["member.deactivated"],
            createdAt: now, updatedAt: now)
        try await store.createWebhook(subscription, sealedSecret: "sealed", by: AuditActor(member: org.admin.id))
        let members = MemberService(store: store)
        let deliveries: SQLQueryString = "SELECT COUNT(*) AS n FROM webhook_deliveries WHERE subscription_id = \(bind: subscription.id)"
        // A deactivation that fails (another organization's admin: 404) emits nothing.
        await #expect(throws: StoreError.notFound("member \(org.bob.id)")) { try await members.deactivate(memberID: org.bob.id, by: other.admin) }
        #expect(try await Self.count(store, deliveries) == 0)

        _ = try await members.deactivate(memberID: org.bob.id, by: org.admin)
        let rows = try await store.webhookDeliveries(subscriptionID: subscription.id, organizationID: org.organization.id, limit: 10)
        #expect(rows.map(\.type) == ["member.deactivated"])
        let payload = try JSONDecoder().decode([String: JSONValue].self, from: Data(try #require(rows.first).payload.utf8))
        #expect(
            payload["data"]
                == .object([
                    "member": .string(org.bob.id), "email": .string(org.bob.email), "role": .string(org.bob.role.rawValue), "actor": .string(org.admin.id),
                    "deactivatedAt": payload["data"]?["deactivatedAt"] ?? .null,
                ]))
        #expect(
            try await Self.count(store, "SELECT COUNT(*) AS n FROM jobs WHERE kind = \(bind: JobKind.webhookDeliver) AND dedupe_key = \(bind: "webhook:" + rows[0].id)")
                == 1)
        // Deactivating again changes nothing and emits nothing.
        _ = try await members.deactivate(memberID: org.bob.id, by: org.admin)
        #expect(try await Self.count(store, deliveries) == 1)
    }

    @Test(arguments: TestDatabases.engines) func aDeactivatedMemberIsNeitherRecipientNorAttendee(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await BriefingTests.world(store)
        let account = try await w.org.account(w.org.alice, in: store, name: "Globex")
        _ = try await w.services.members.deactivate(memberID: w.org.carol.id, by: w.org.admin)
        do {
            _ = try await w.services.handovers.begin(
                accountID: account.id, recipientID: w.org.carol.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: w.org.alice)
            Issue.record("a deactivated member was given a handover")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["recipientID"])
            #expect(problems.first?.message.contains("deactivated") == true)
        }
        do {
            _ = try await w.services.briefings.schedule(
                handoverID: w.handover.id, startsAt: BriefingTests.start.addingTimeInterval(86_400), durationMinutes: 30, place: "Room", videoURL: nil,
                attendeeIDs: [w.org.carol.id], by: w.org.alice)
            Issue.record("a deactivated member was invited")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["attendeeIDs[0]"])
        }
    }

    @Test(arguments: TestDatabases.engines) func aDeactivatedMemberGetsNoNoticesAndNoDigest(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = NotificationTests.services(store)
        func draft(_ name: String) async throws -> Handover {
            let account = try await org.account(org.alice, in: store, name: name)
            return try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        }
        let (first, second, third) = (try await draft("Acme"), try await draft("Globex"), try await draft("Initech"))
        _ = try await services.notifications.setPreferences(["handover.submitted": "digest"], by: org.bob)
        _ = try await services.handovers.transition(id: first.id, event: .submit, expectedVersion: nil, by: org.alice)
        #expect(try await store.membersWithPendingDigest().contains { $0.memberID == org.bob.id })

        _ = try await services.members.deactivate(memberID: org.bob.id, by: org.admin)
        // The digest skips them (their pending item waits in case they come back)…
        #expect(try await !store.membersWithPendingDigest().contains { $0.memberID == org.bob.id })
        // …and new notices are dropped, by digest or by email.
        _ = try await services.handovers.transition(id: second.id, event: .submit, expectedVersion: nil, by: org.alice)
        #expect(try await Self.count(store, "SELECT COUNT(*) AS n FROM digest_items WHERE member_id = \(bind: org.bob.id)") == 1)
        _ = try await services.notifications.setPreferences(["handover.submitted": "email"], by: org.bob)
        _ = try await services.handovers.transition(id: third.id, event: .submit, expectedVersion: nil, by: org.alice)
        let outbox = try await NotificationTests.outbox(store, org)
        // (Only the third handover's mail: other tests' digest runs may have sent bob's first item before.)
        #expect(!outbox.contains { $0.handoverID == third.id && $0.to.contains { $0.address == org.bob.email } })
    }
}
