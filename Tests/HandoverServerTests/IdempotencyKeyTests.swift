import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
@testable import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import SQLKit
import Testing

/// Idempotency-Key claims have an owner (a claim id), on both engines: concurrent first uses and
/// concurrent takeovers of an expired lease give exactly one `.claimed`; an attempt whose lease
/// was taken over can neither release the key nor complete it (its change rolls back); finished
/// keys are purged after 24 hours.
@Suite struct IdempotencyKeyTests {
    static func claim(_ store: SQLHandoverStore, _ org: OrgFixture, key: String, at now: Date, lease: TimeInterval = 60) async throws -> IdempotencyClaim {
        try await store.claimIdempotencyKey(
            organizationID: org.organization.id, key: key, actorID: org.admin.id, operation: "test.op", requestDigest: "digest-1", at: now, lease: lease)
    }

    static func claimed(_ claims: [IdempotencyClaim]) -> [String] {
        claims.compactMap { if case .claimed(let id) = $0 { id } else { nil } }
    }

    @Test(arguments: TestDatabases.engines) func concurrentFirstUsesAndTakeoversHaveExactlyOneWinner(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let t0 = Date(millis: Date().millis)
        // Eight requests with a new key at once.
        let first = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for _ in 0..<8 { group.addTask { try await Self.claim(store, org, key: "fresh", at: t0) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Self.claimed(first).count == 1)
        #expect(first.filter { $0 == .inProgress }.count == 7)
        // Its holder died; after the lease eight retries race to take it over.
        let later = t0.addingTimeInterval(120)
        let takeovers = try await withThrowingTaskGroup(of: IdempotencyClaim.self) { group in
            for _ in 0..<8 { group.addTask { try await Self.claim(store, org, key: "fresh", at: later) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(Self.claimed(takeovers).count == 1)
        #expect(Self.claimed(takeovers) != Self.claimed(first))
        #expect(takeovers.filter { $0 == .inProgress }.count == 7)
    }

    @Test(arguments: TestDatabases.engines) func aStaleAttemptCannotReleaseOrCompleteANewerClaim(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let t0 = Date(millis: Date().millis)
        guard case .claimed(let stale) = try await Self.claim(store, org, key: "k", at: t0, lease: 1) else { Issue.record("no claim"); return }
        guard case .claimed(let fresh) = try await Self.claim(store, org, key: "k", at: t0.addingTimeInterval(5)) else { Issue.record("no takeover"); return }
        #expect(stale != fresh)
        // The stale attempt fails and releases: the newer claim stays.
        try await store.releaseIdempotencyKey(organizationID: org.organization.id, key: "k", claimID: stale)
        #expect(try await Self.claim(store, org, key: "k", at: t0.addingTimeInterval(6)) == .inProgress)
        // The stale attempt's change completes: it throws, so its transaction rolls back.
        await #expect(throws: StoreError.self) {
            try await store.write { db in
                try await db.raw("UPDATE organizations SET name = 'changed by a stale attempt' WHERE id = \(bind: org.organization.id)").run()
                try await SQLHandoverStore.complete(
                    IdempotencyCompletion(organizationID: org.organization.id, key: "k", claimID: stale, status: 201, body: "stale"), db)
            }
        }
        let name = try await store.database.withSession { db in
            try await db.raw("SELECT name FROM organizations WHERE id = \(bind: org.organization.id)").first()?.decode(column: "name", as: String.self)
        }
        #expect(name == org.organization.name)
        // The holder completes; the same request then replays its answer.
        try await store.write { db in
            try await SQLHandoverStore.complete(
                IdempotencyCompletion(organizationID: org.organization.id, key: "k", claimID: fresh, status: 201, body: "fresh"), db)
        }
        #expect(try await Self.claim(store, org, key: "k", at: t0.addingTimeInterval(7)) == .replay(status: 201, body: "fresh"))
        // Completed once: neither attempt completes it again.
        await #expect(throws: StoreError.self) {
            try await store.write { db in
                try await SQLHandoverStore.complete(
                    IdempotencyCompletion(organizationID: org.organization.id, key: "k", claimID: fresh, status: 201, body: "again"), db)
            }
        }
    }

    /// The whole departure: an apply whose lease was taken over while it ran writes nothing; the
    /// retry that took it over applies once, and a third request replays the retry's answer.
    @Test(arguments: TestDatabases.engines) func aDepartureWhoseLeaseWasTakenOverRollsBack(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let (services, departures) = DepartureTests.services(store, clock: clock)
        _ = try await DepartureTests.accounts(["A", "B"], owner: org.alice, services: services)
        let request = DepartureRequest(memberID: org.alice.id)
        let digest = try CanonicalJSON.digest(request)
        let now = clock.now.withLock { $0 }
        func claim(_ at: Date) async throws -> IdempotencyClaim {
            try await store.claimIdempotencyKey(
                organizationID: org.organization.id, key: "slow", actorID: org.admin.id, operation: "departure.apply", requestDigest: digest, at: at, lease: 1)
        }
        guard case .claimed(let slow) = try await claim(now), case .claimed(let retry) = try await claim(now.addingTimeInterval(5)) else {
            Issue.record("claims"); return
        }
        func completing(_ claimID: String) -> (Int, String) -> IdempotencyCompletion? {
            { status, body in IdempotencyCompletion(organizationID: org.organization.id, key: "slow", claimID: claimID, status: status, body: body) }
        }
        await #expect(throws: StoreError.self) {
            try await departures.applyOnce(request, leaver: org.alice, completion: completing(slow), by: org.admin)
        }
        #expect(try await DepartureTests.handoverCount(store, org) == 0)
        #expect(try await store.departures(organizationID: org.organization.id, limit: 10).isEmpty)
        let applied = try await departures.applyOnce(request, leaver: org.alice, completion: completing(retry), by: org.admin)
        #expect(applied.status == 201)
        let replay = try await departures.apply(request, idempotencyKey: "slow", by: org.admin)
        #expect(replay == DepartureService.Response(status: 201, body: applied.body, replayed: true))
        #expect(try await DepartureTests.handoverCount(store, org) == 2)
    }

    @Test(arguments: TestDatabases.engines) func finishedKeysArePurgedAfterADay(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        // The purge is for every organization: long ago, so that it reaches no other test's keys.
        let t0 = Date(timeIntervalSince1970: 1_000_000_000)
        guard case .claimed(let done) = try await Self.claim(store, org, key: "old-done", at: t0) else { Issue.record("claim"); return }
        try await store.write { db in
            try await SQLHandoverStore.complete(IdempotencyCompletion(organizationID: org.organization.id, key: "old-done", claimID: done, status: 201, body: "{}"), db)
        }
        _ = try await Self.claim(store, org, key: "old-abandoned", at: t0)
        _ = try await Self.claim(store, org, key: "old-still-leased", at: t0, lease: 3 * 86_400)
        _ = try await Self.claim(store, org, key: "recent", at: t0.addingTimeInterval(86_000))
        let later = t0.addingTimeInterval(90_000)
        _ = try await store.purgeIdempotencyKeys(createdBefore: later.addingTimeInterval(-JobRunner.idempotencyKeyLifetime), at: later)
        let left = try await store.database.withSession { db in
            try await db.raw("SELECT key FROM idempotency_keys WHERE organization_id = \(bind: org.organization.id) ORDER BY key").all().map {
                try $0.decode(column: "key", as: String.self)
            }
        }
        #expect(left == ["old-still-leased", "recent"])
    }

    /// HANDOVER_IDEMPOTENCY_LEASE_SECONDS reaches the departure service; nonsense is refused at start-up.
    @Test func theLeaseIsConfigurable() async throws {
        #expect(try ServerConfiguration.fromEnvironment([:]).idempotencyLease == DepartureService.defaultIdempotencyLease)
        let short = try ServerConfiguration.fromEnvironment(["HANDOVER_IDEMPOTENCY_LEASE_SECONDS": "2"])
        #expect(short.idempotencyLease == 2)
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        #expect(HandoverApplication.services(store: store, configuration: short).departures.idempotencyLease == 2)
        for bad in ["0", "-5", "soon", "100000"] {
            #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["HANDOVER_IDEMPOTENCY_LEASE_SECONDS": bad]) }
        }
    }
}
