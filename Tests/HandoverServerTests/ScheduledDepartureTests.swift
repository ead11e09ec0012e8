import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
@testable import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// A scheduled departure can be cancelled before its day (admins and the leaver's manager;
/// audited; its job then does nothing; 409 once applied); on its day the job re-checks its
/// creator's authority and marks it failed, with the reason, instead of applying it. Over the
/// API: plan conflicts are 422 `departure-conflicts`, a key in use is 409 with Retry-After.
@Suite struct ScheduledDepartureTests {
    /// This organization's departure jobs, read without claiming them: tests run in parallel on
    /// one PostgreSQL database, and claiming would take other tests' due jobs too.
    /// A clock in 2099: the departure jobs these tests schedule are never due for other tests'
    /// clocks, whose claims (and runners) would otherwise take them.
    static func farClock() -> PipelineTests.Clock {
        let clock = PipelineTests.Clock()
        clock.now.withLock { $0 = Date(timeIntervalSince1970: 4_070_908_800) }
        return clock
    }

    static func jobs(_ store: SQLHandoverStore, _ org: OrgFixture) async throws -> [Job] {
        try await store.database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: SQLHandoverStore.jobColumns) FROM jobs
                WHERE organization_id = \(bind: org.organization.id) AND kind = \(bind: DepartureJob.kind) ORDER BY id
                """
            ).all().map(SQLHandoverStore.decodeJob)
        }
    }

    @Test(arguments: TestDatabases.engines) func cancelledBeforeItsDayItsJobDoesNothing(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let clock = Self.farClock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        _ = try await DepartureTests.accounts(["A", "B"], owner: org.alice, services: services)
        let tomorrow = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(86_400))
        func schedule(_ leaver: Member) async throws -> String {
            let answer = try await departures.apply(DepartureRequest(memberID: leaver.id, effectiveOn: tomorrow), idempotencyKey: nil, by: org.admin)
            return try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8)).id
        }
        let id = try await schedule(org.alice), bobs = try await schedule(org.bob)

        await #expect(throws: StoreError.notFound("departure \(id)")) { try await departures.cancel(id: id, by: other.admin) }
        await #expect(throws: HandoverError.self) { try await departures.cancel(id: id, by: org.bob) }
        // Cancelled before its day: its job goes with it.
        let audit = try await store.auditSize(organizationID: org.organization.id)
        #expect(try await departures.cancel(id: bobs, by: org.admin).state == "cancelled")
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit + 1)
        #expect(try await departures.departure(id: bobs, by: org.admin).state == "cancelled")
        await #expect(throws: StoreError.self) { try await departures.cancel(id: bobs, by: org.admin) }
        let jobs = try await Self.jobs(store, org)
        #expect(jobs.first { $0.payload.contains(bobs) }?.state == .cancelled)
        #expect(jobs.first { $0.payload.contains(id) }?.state != .cancelled)
        // Cancelled while its job is already running (alice's manager): the run does nothing.
        clock.advance(days: 2)
        #expect(try await departures.cancel(id: id, by: org.manager).state == "cancelled")
        try await DepartureJob.handler(departures: departures)(try #require(jobs.first { $0.payload.contains(id) }))
        #expect(try await DepartureTests.handoverCount(store, org) == 0)
        #expect(try await departures.departures(by: org.admin).map(\.state) == ["cancelled", "cancelled"])

        // An applied departure cannot be cancelled.
        let applied = try await departures.apply(DepartureRequest(memberID: org.alice.id), idempotencyKey: nil, by: org.admin)
        let appliedID = try WireJSON.decoder.decode(DepartureSummary.self, from: Data(applied.body.utf8)).id
        await #expect(throws: StoreError.self) { try await departures.cancel(id: appliedID, by: org.admin) }
    }

    @Test(arguments: TestDatabases.engines) func onItsDayACreatorWhoLostTheirAuthorityFailsIt(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = Self.farClock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        _ = try await DepartureTests.accounts(["A"], owner: org.alice, services: services)
        let tomorrow = CalendarDate(clock.now.withLock { $0 }.addingTimeInterval(86_400))
        _ = try await departures.apply(DepartureRequest(memberID: org.alice.id, effectiveOn: tomorrow), idempotencyKey: nil, by: org.manager)
        // The manager who scheduled it leaves before the day.
        _ = try await services.members.deactivate(memberID: org.manager.id, by: org.admin)
        clock.advance(days: 2)
        let jobs = try await Self.jobs(store, org)
        #expect(jobs.count == 1)
        let audit = try await store.auditSize(organizationID: org.organization.id)
        try await DepartureJob.handler(departures: departures)(jobs[0])
        #expect(try await DepartureTests.handoverCount(store, org) == 0)
        let listed = try await departures.departures(by: org.admin)
        #expect(listed.map(\.state) == ["failed"])
        #expect(listed[0].failureReason?.contains("deactivated") == true)
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit + 1)
        // A second run finds it failed and does nothing.
        try await DepartureJob.handler(departures: departures)(jobs[0])
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit + 1)
    }

    @Test func apiConflictsAre422AKeyInUseIs409WithRetryAfterAndDeleteCancels() async throws {
        let f = try await APIFixture.make()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let accounts = try await DepartureTests.accounts(["A", "B"], owner: f.org.alice, services: services)
        // An open handover on A: a conflict.
        _ = try await f.org.handover(of: accounts[0], to: f.org.bob, in: f.store)
        let body = #"{"memberID": "\#(f.org.alice.id)"}"#
        let tomorrow = CalendarDate(Date().addingTimeInterval(2 * 86_400))
        try await f.test { client in
            try await client.execute(uri: "/api/v1/departures", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: body)) { r in
                #expect(r.status == .unprocessableContent)
                let problem = try r.decode(ProblemDetails.self)
                #expect(problem.type.hasSuffix("/departure-conflicts"))
                #expect(problem.errors?.count == 1)
            }
            // A key another request holds.
            let digest = try CanonicalJSON.digest(try WireJSON.decoder.decode(DepartureRequest.self, from: Data(body.utf8)))
            _ = try await f.store.claimIdempotencyKey(
                organizationID: f.org.organization.id, key: "held", actorID: f.org.admin.id, operation: "departure.apply", requestDigest: digest, at: Date(),
                lease: 600)
            var headers = f.headers(f.org.admin)
            headers[HTTPField.Name("Idempotency-Key")!] = "held"
            try await client.execute(uri: "/api/v1/departures", method: .post, headers: headers, body: ByteBuffer(string: body)) { r in
                #expect(r.status == .conflict)
                #expect(r.headers[.retryAfter] == "5")
                let problem = try r.decode(ProblemDetails.self)
                #expect(problem.type.hasSuffix("/idempotency-key-in-use"))
            }
            let scheduled = #"{"memberID": "\#(f.org.alice.id)", "effectiveOn": "\#(tomorrow)", "skipConflicts": true}"#
            let id = try await client.execute(uri: "/api/v1/departures", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: scheduled)) { r in
                #expect(r.status == .accepted)
                return try r.decode(DepartureSummary.self).id
            }
            try await client.execute(uri: "/api/v1/departures/\(id)", method: .delete, headers: f.headers(f.org.bob)) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/api/v1/departures/\(id)", method: .delete, headers: f.headers(f.other.admin)) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/api/v1/departures/\(id)", method: .delete, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .ok)
                let summary = try r.decode(DepartureSummary.self)
                #expect(summary.state == "cancelled")
            }
            try await client.execute(uri: "/api/v1/departures/\(id)", method: .delete, headers: f.headers(f.org.admin)) { r in #expect(r.status == .conflict) }
        }
    }
}
