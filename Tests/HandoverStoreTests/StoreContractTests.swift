import Foundation
import HandoverCore
import HandoverStore
import HandoverTestSupport
import Synchronization
import Testing

/// The same contract, run against SQLite always and PostgreSQL when HANDOVER_TEST_POSTGRES_URL is set.
@Suite struct StoreContractTests {
    static let engines = TestDatabases.engines
    let now = Date(millis: Date().millis)

    @Test(arguments: engines) func migrationsAreRecordedAndIdempotent(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        #expect(try await Migrations.appliedVersions(in: store.database).contains(1))
        #expect(try await Migrations.apply(to: store.database) == [])
        try await store.database.close()
    }

    /// An email is unique within an organization; another organization may have a member with
    /// the same one (so adding a member never reveals another organization's members).
    @Test(arguments: engines) func membersAreUniqueByEmailWithinTheirOrganization(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        var twin = org.alice
        twin.id = UUID().uuidString
        twin.email = org.alice.email.uppercased()
        await #expect(throws: StoreError.self) { try await store.createMember(twin, passwordHash: nil, by: .operator) }
        #expect(try await store.members(organizationID: org.organization.id).count == 6)
        twin.organizationID = other.organization.id
        twin.managerID = nil
        try await store.createMember(twin, passwordHash: nil, by: .operator)
        let candidates = try await store.loginCandidates(email: " " + org.alice.email.uppercased()).map(\.member)
        #expect(Set(candidates.map(\.id)) == [org.alice.id, twin.id])
        try await store.database.close()
    }

    /// Guesses are counted per key in a fixed window, all limits or none; a success resets
    /// the `resetting` key and refunds the `refunding` one.
    @Test(arguments: engines) func loginGuessesAreCountedAtomically(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let tag = UUID().uuidString
        let now = Date(millis: Date().millis)
        let email = LoginLimit(key: "email:\(tag)", maxGuesses: 3, window: 60)
        let address = LoginLimit(key: "address:\(tag)", maxGuesses: 4, window: 60)
        // Twenty at once: exactly three granted.
        let answers = try await withThrowingTaskGroup(of: LoginReservation.self) { group in
            for _ in 0..<20 { group.addTask { try await store.reserveLoginGuess([email, address], at: now) } }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(answers.filter { $0 == .granted }.count == 3)
        #expect(answers.contains(.refused(retryAfter: 60)))
        // The refused guesses were not counted against the address either: one more email fits it.
        let otherEmail = LoginLimit(key: "email:other-\(tag)", maxGuesses: 3, window: 60)
        #expect(try await store.reserveLoginGuess([otherEmail, address], at: now) == .granted)
        #expect(try await store.reserveLoginGuess([otherEmail, address], at: now) == .refused(retryAfter: 60))
        // A success clears the email's count and gives the address its guess back.
        try await store.settleLoginGuess(succeeded: true, resetting: [email.key], refunding: [address.key])
        #expect(try await store.reserveLoginGuess([email, address], at: now) == .granted)
        // The window ends 60 s after its first guess.
        let once = LoginLimit(key: "email:once-\(tag)", maxGuesses: 1, window: 60)
        #expect(try await store.reserveLoginGuess([once], at: now) == .granted)
        #expect(try await store.reserveLoginGuess([once], at: now.addingTimeInterval(30)) == .refused(retryAfter: 30))
        #expect(try await store.reserveLoginGuess([once], at: now.addingTimeInterval(60)) == .granted)
        try await store.database.close()
    }

    /// Two processes on one SQLite file (here two `Database`s, each with its own writer): a
    /// write that meets the other's write lock waits for it, without holding a thread, and
    /// succeeds once the other commits.
    @Test func aSecondWriterOnTheSameFileWaitsForTheLock() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-two-\(UUID().uuidString)")
        let location = DatabaseLocation.sqlite(path: folder.appendingPathComponent("shared.sqlite").path)
        let first = try await SQLHandoverStore.open(location)
        let second = try await Database.open(location)
        try await first.database.transaction { db in try await db.raw("CREATE TABLE lock_probe (n BIGINT NOT NULL)").run() }
        // The first says when it holds the write lock (a fixed sleep here was too short once on a
        // loaded machine: the second writer went first and did not wait).
        let (held, holds) = AsyncStream<Void>.makeStream()
        // Set by the first as the last thing before its commit: the second can only have
        // committed after it, whatever the machine's load (a measured wait was flaky on a busy one).
        let releasing = Mutex(false)
        let holding = Task {
            try await first.database.transaction { db in
                try await db.raw("INSERT INTO lock_probe (n) VALUES (1)").run()
                holds.yield()
                try await Task.sleep(for: .milliseconds(300))
                releasing.withLock { $0 = true }
            }
        }
        for await _ in held { break }
        try await second.transaction { db in try await db.raw("INSERT INTO lock_probe (n) VALUES (2)").run() }
        #expect(releasing.withLock { $0 }, "the second writer should have waited for the first to commit")
        try await holding.value
        let rows = try await second.withSession { db in try await db.raw("SELECT n FROM lock_probe ORDER BY n").all().map { try $0.decode(column: "n", as: Int.self) } }
        #expect(rows == [1, 2])
        try await second.close()
        try await first.database.close()
    }

    @Test(arguments: engines) func accountsUseOptimisticConcurrency(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        var account = try await org.account(org.alice, in: store)
        account.profile.overview = "Updated"
        account.version = 2
        try await store.updateAccount(account, expectedVersion: 1, by: AuditActor(member: account.ownerID))
        account.profile.overview = "Lost update"
        account.version = 2
        await #expect(throws: StoreError.self) { try await store.updateAccount(account, expectedVersion: 1, by: AuditActor(member: account.ownerID)) }
        #expect(try await store.account(id: account.id, organizationID: org.organization.id)?.profile.overview == "Updated")
        try await store.database.close()
    }

    @Test(arguments: engines) func anAccountHasAtMostOneOpenHandover(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let account = try await org.account(org.alice, in: store)
        var first = try await org.handover(of: account, to: org.bob, in: store)
        await #expect(throws: StoreError.self) { _ = try await org.handover(of: account, to: org.carol, in: store) }
        // The refused insert left nothing behind, not even its event.
        #expect(try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(accountID: account.id)).count == 1)
        first.state = .cancelled
        first.version = 2
        try await store.updateHandover(first, expectedVersion: 1, record: nil, by: AuditActor(member: first.transferorID))
        _ = try await org.handover(of: account, to: org.carol, in: store)
        try await store.database.close()
    }

    @Test(arguments: engines) func completionMovesTheOwnerAtomically(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let account = try await org.account(org.alice, in: store)
        var handover = try await org.handover(of: account, to: org.bob, in: store)
        handover.state = .acknowledged
        handover.version = 2
        try await store.updateHandover(handover, expectedVersion: 1, record: nil, by: AuditActor(member: handover.transferorID))

        let transition = try Lifecycle.apply(
            .complete, to: handover, by: org.bob, parties: Parties(transferor: org.alice, recipient: org.bob),
            template: ContentFixtures.customerTemplate, account: account, signedRoles: [.transferor, .recipient],
            eventID: UUID().uuidString, at: now)
        // Two completions race; exactly one wins.
        let results = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<2 {
                group.addTask { (try? await store.apply(transition, expectedVersion: 2)) != nil }
            }
            return await group.reduce(into: [Bool]()) { $0.append($1) }
        }
        #expect(results.filter { $0 }.count == 1)
        let stored = try #require(try await store.account(id: account.id, organizationID: org.organization.id))
        #expect(stored.ownerID == org.bob.id)
        #expect(stored.version == account.version + 1)
        let chain = try await store.ownershipChain(accountID: account.id, organizationID: org.organization.id)
        #expect(chain.map(\.ownerID) == [org.alice.id, org.bob.id])
        #expect(chain[0].until != nil && chain[1].until == nil && chain[1].handoverID == handover.id)
        let events = try await store.events(handoverID: handover.id, organizationID: org.organization.id)
        #expect(events.map(\.event) == ["create", "complete"])
        try await store.database.close()
    }

    @Test(arguments: engines) func aFailedTransitionLeavesNothingBehind(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let account = try await org.account(org.alice, in: store)
        let handover = try await org.handover(of: account, to: org.bob, in: store)
        // A transition computed from a stale read (version 7 does not exist) must change nothing.
        var next = handover
        next.state = .completed
        next.version = 8
        let record = HandoverEventRecord(
            id: UUID().uuidString, handoverID: handover.id, organizationID: org.organization.id, actorID: org.bob.id,
            event: "complete", handoverVersion: 8, fromState: .acknowledged, toState: .completed, note: nil, at: now)
        let transition = Transition(handover: next, record: record, newOwnerID: org.bob.id)
        await #expect(throws: StoreError.self) { try await store.apply(transition, expectedVersion: 7) }
        #expect(try await store.account(id: account.id, organizationID: org.organization.id)?.ownerID == org.alice.id)
        #expect(try await store.handover(id: handover.id, organizationID: org.organization.id)?.state == .draft)
        #expect(try await store.events(handoverID: handover.id, organizationID: org.organization.id).count == 1)
        try await store.database.close()
    }

    @Test(arguments: engines) func nothingCrossesOrganizations(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let account = try await org.account(org.alice, in: store)
        let handover = try await org.handover(of: account, to: org.bob, in: store)
        #expect(try await store.handover(id: handover.id, organizationID: other.organization.id) == nil)
        #expect(try await store.account(id: account.id, organizationID: other.organization.id) == nil)
        #expect(try await store.member(id: org.alice.id, organizationID: other.organization.id) == nil)
        #expect(try await store.handovers(visibleTo: other.admin, filter: HandoverFilter()).isEmpty)
        #expect(try await store.accounts(organizationID: other.organization.id, filter: AccountFilter()).isEmpty)
        #expect(try await store.events(handoverID: handover.id, organizationID: other.organization.id).isEmpty)
        try await store.database.close()
    }

    @Test(arguments: engines) func handoverListsFollowVisibility(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        _ = try await org.handover(of: try await org.account(org.alice, in: store), to: org.bob, in: store)
        _ = try await org.handover(of: try await org.account(org.carol, in: store, name: "Carol's"), to: org.admin, in: store)
        func count(_ member: Member) async throws -> Int { try await store.handovers(visibleTo: member, filter: HandoverFilter()).count }
        #expect(try await count(org.alice) == 1)
        #expect(try await count(org.bob) == 1)
        #expect(try await count(org.carol) == 1)
        #expect(try await count(org.manager) == 1)  // manages alice and bob, not carol
        #expect(try await count(org.admin) == 2)
        #expect(try await count(org.auditor) == 2)
        #expect(try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(states: [.submitted])).isEmpty)
        try await store.database.close()
    }

    @Test(arguments: engines) func tokensSessionsAndLoginAttempts(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let token = APIToken(id: UUID().uuidString, organizationID: org.organization.id, memberID: org.alice.id, name: "cli", createdAt: now)
        let digest = "digest-\(UUID().uuidString)"
        try await store.createToken(token, digest: digest, by: AuditActor(member: token.memberID))
        #expect(try await store.authenticate(tokenDigest: digest, at: now)?.member.id == org.alice.id)
        try await store.revokeToken(id: token.id, organizationID: org.organization.id, at: now, by: AuditActor(member: token.memberID))
        #expect(try await store.authenticate(tokenDigest: digest, at: now) == nil)
        await #expect(throws: StoreError.self) { try await store.revokeToken(id: token.id, organizationID: UUID().uuidString, at: now, by: .operator) }

        let session = "session-\(UUID().uuidString)"
        try await store.createSession(digest: session, memberID: org.bob.id, at: now, expiresAt: now.addingTimeInterval(60))
        #expect(try await store.authenticate(sessionDigest: session, at: now)?.id == org.bob.id)
        #expect(try await store.authenticate(sessionDigest: session, at: now.addingTimeInterval(61)) == nil)

        try await store.database.close()
    }

    @Test(arguments: engines) func customTemplatesAreVersionedPerOrganization(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        var template = ContentFixtures.customerTemplate
        template.key = "our-customer"
        try await store.addTemplate(template, organizationID: org.organization.id, createdBy: org.admin.id, at: now)
        await #expect(throws: StoreError.self) { try await store.addTemplate(template, organizationID: org.organization.id, createdBy: org.admin.id, at: now) }
        template.version = 2
        try await store.addTemplate(template, organizationID: org.organization.id, createdBy: org.admin.id, at: now)
        #expect(try await store.templates(organizationID: org.organization.id).map(\.version) == [1, 2])
        let other = try await OrgFixture.make(in: store, name: "Other")
        #expect(try await store.templates(organizationID: other.organization.id).isEmpty)
        template.key = "customer-account"
        await #expect(throws: StoreError.self) { try await store.addTemplate(template, organizationID: org.organization.id, createdBy: org.admin.id, at: now) }
        try await store.database.close()
    }

    @Test func databaseLocationsParseAndMaskPasswords() throws {
        #expect(DatabaseLocation.postgres(url: "postgres://u:secret@db/x").description.contains("***"))
        #expect(throws: StoreError.self) { try DatabaseLocation(parsing: "mysql://x") }
        #expect(try DatabaseLocation(parsing: "data/h.sqlite") == .sqlite(path: "data/h.sqlite"))
    }
}
