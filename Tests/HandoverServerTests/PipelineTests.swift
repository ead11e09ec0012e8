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

/// Process stages on both engines: who defines pipelines and places accounts, another
/// organization's ids answering 404, a stage holding accounts refused removal, "advance" starting
/// the handover on the next stage's template and the account moving only when it completes, the
/// journey's durations on a clock the test moves, and the board read in one query.
@Suite struct PipelineTests {
    /// A clock the test moves forward. It starts at the real time (whole seconds): the tests
    /// share one PostgreSQL database, and another test's job runner purges, on the real clock,
    /// idempotency keys created a day ago and claims whose lease has passed. A fixed date in the
    /// past made a running claim here look dead, so its apply failed when the key vanished.
    final class Clock: Sendable {
        let now = Mutex(Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down)))
        func advance(days: Double) { now.withLock { $0 += days * 86_400 } }
        var wall: WallClock { WallClock { self.now.withLock { $0 } } }
    }

    static func services(_ store: any HandoverStore, clock: Clock) -> Services {
        let counter = ServicesTests.Counter(), run = UUID().uuidString.prefix(8).lowercased()
        return Services(
            store: store, logKeys: try! LogKeys(secret: Array(repeating: 9, count: 32)), clock: clock.wall,
            ids: IDMaker { _ in "pl-\(run)-" + String(format: "%06d", counter.next()) })
    }

    static let stages = [
        PipelineService.StageInput(name: "Sales", templateKey: "customer-account"),
        PipelineService.StageInput(name: "Onboarding", templateKey: "project"),
        PipelineService.StageInput(name: "Customer success", templateKey: "customer-account"),
    ]

    /// Completes an acknowledged-or-not handover as the lifecycle would with both sign-offs given
    /// (signing needs enrolled keys; `SignoffTests` covers that), through the store's `apply`.
    static func complete(_ handover: Handover, store: any HandoverStore, services: Services, by actor: Member, at now: Date) async throws {
        let (read, parties) = try await services.handovers.handover(id: handover.id, by: actor)
        var acknowledged = read
        acknowledged.state = .acknowledged
        let template = try await services.templates.template(key: read.templateKey, version: read.templateVersion, organizationID: actor.organizationID)
        let account = try await services.accounts.account(id: read.accountID, by: actor)
        let transition = try Lifecycle.apply(
            .complete, to: acknowledged, by: actor, parties: parties, template: template, account: account, signedRoles: [.transferor, .recipient],
            eventID: UUID().uuidString, at: now)
        try await store.apply(transition, expectedVersion: read.version)
    }

    @Test(arguments: TestDatabases.engines) func advanceStartsTheHandoffAndTheAccountMovesWhenItCompletes(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = Clock()
        let services = Self.services(store, clock: clock)
        var stages = Self.stages
        stages[1].defaultOwnerID = org.bob.id
        let pipeline = try await services.pipelines.create(name: "Customers", stages: stages, by: org.admin)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)

        // Not in a pipeline yet: nothing to advance.
        await #expect(throws: HandoverError.conflict("Acme is in no pipeline: place it at a stage first")) {
            try await services.pipelines.advance(accountID: account.id, recipientID: nil, by: org.alice)
        }
        _ = try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[0].id, by: org.alice)
        clock.advance(days: 3)
        let (handover, advance) = try await services.pipelines.advance(accountID: account.id, recipientID: nil, by: org.alice)
        #expect(handover.templateKey == "project", "the template of the hand-off into Onboarding")
        #expect(handover.recipientID == org.bob.id, "the stage's default owner")
        #expect(advance.toStageID == pipeline.stages[1].id)

        // Open: still in Sales, the hand-off shown as under way; a direct move waits for it.
        var journey = try await services.pipelines.journey(accountID: account.id, by: org.manager)
        #expect(journey.placement?.stageID == pipeline.stages[0].id && journey.pending?.handoverID == handover.id)
        await #expect(throws: HandoverError.self) {
            try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[2].id, by: org.manager)
        }
        // Acknowledgment moves nothing: the stage changes with the owner, at completion.
        try await Self.complete(handover, store: store, services: services, by: org.bob, at: clock.wall.now() + 2 * 86_400)
        clock.advance(days: 2)
        journey = try await services.pipelines.journey(accountID: account.id, by: org.manager)
        #expect(journey.placement?.stageID == pipeline.stages[1].id)
        #expect(journey.account.ownerID == org.bob.id)
        #expect(journey.pending == nil)
        #expect(journey.moves.map(\.kind) == [.placed, .handedOff])
        let handOff = try #require(journey.moves.last)
        #expect(handOff.fromOwnerID == org.alice.id && handOff.toOwnerID == org.bob.id && handOff.handoverID == handover.id && handOff.actorID == org.bob.id)
        #expect(handOff.fromStageID == pipeline.stages[0].id && handOff.toStageID == pipeline.stages[1].id)
        // Durations: 5 days in Sales (placed, 3 days, then 2 more until completion), 0 so far in Onboarding.
        #expect(journey.stays.map(\.days) == [5, 0])
        #expect(journey.stays[0].until == handOff.at && journey.stays[1].until == nil)
        clock.advance(days: 4)
        journey = try await services.pipelines.journey(accountID: account.id, by: org.alice)
        #expect(journey.stays.map(\.days) == [5, 4])

        // Both moves are in the audit log, under the account.
        let entries = try await store.auditEntries(organizationID: org.organization.id, targets: ["account:\(account.id)"])
        #expect(entries.filter { $0.entry.action == "account.stage" }.count == 2)

        // At the last stage there is no next one.
        let (second, _) = try await services.pipelines.advance(accountID: account.id, recipientID: org.carol.id, by: org.bob)
        try await Self.complete(second, store: store, services: services, by: org.carol, at: clock.wall.now())
        await #expect(throws: HandoverError.self) { try await services.pipelines.advance(accountID: account.id, recipientID: org.alice.id, by: org.carol) }
    }

    @Test(arguments: TestDatabases.engines) func anOrdinaryHandoverIsAHandOffWithinTheStage(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = Clock()
        let services = Self.services(store, clock: clock)
        let pipeline = try await services.pipelines.create(name: "Customers", stages: Self.stages, by: org.admin)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        _ = try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[1].id, by: org.alice)
        let handover = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        clock.advance(days: 2)
        try await Self.complete(handover, store: store, services: services, by: org.bob, at: clock.wall.now())
        let journey = try await services.pipelines.journey(accountID: account.id, by: org.manager)
        #expect(journey.placement?.stageID == pipeline.stages[1].id, "the stage stays")
        #expect(journey.moves.map(\.kind) == [.placed, .handedOff])
        let handOff = try #require(journey.moves.last)
        #expect(handOff.fromOwnerID == org.alice.id && handOff.toOwnerID == org.bob.id && handOff.handoverID == handover.id)
        #expect(handOff.fromStageID == pipeline.stages[1].id && handOff.toStageID == pipeline.stages[1].id)
        #expect(journey.stays.map(\.ownerID) == [org.alice.id, org.bob.id] && journey.stays.map(\.days) == [2, 0])
    }

    @Test(arguments: TestDatabases.engines) func aCancelledHandoffMovesNothingAndAManagerMovesDirectly(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = Clock()
        let services = Self.services(store, clock: clock)
        let pipeline = try await services.pipelines.create(name: "Customers", stages: Self.stages, by: org.admin)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        _ = try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[0].id, by: org.alice)
        // No default owner on Onboarding: the recipient must be named.
        await #expect(throws: HandoverError.self) { try await services.pipelines.advance(accountID: account.id, recipientID: nil, by: org.alice) }
        let (handover, _) = try await services.pipelines.advance(accountID: account.id, recipientID: org.bob.id, by: org.alice)
        _ = try await services.handovers.transition(id: handover.id, event: .cancel(reason: nil), expectedVersion: nil, by: org.alice)
        #expect(try await services.pipelines.journey(accountID: account.id, by: org.alice).pending == nil)

        // Once placed, its owner does not move it directly; a manager does, and is recorded.
        await #expect(throws: HandoverError.self) {
            try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[1].id, by: org.alice)
        }
        await #expect(throws: HandoverError.self) {
            try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[1].id, by: org.auditor)
        }
        clock.advance(days: 1)
        _ = try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[2].id, by: org.manager)
        let journey = try await services.pipelines.journey(accountID: account.id, by: org.alice)
        let move = try #require(journey.moves.last)
        #expect(move.kind == .moved && move.actorID == org.manager.id && move.fromStageID == pipeline.stages[0].id && move.toOwnerID == org.alice.id)
        #expect(journey.placement?.stageID == pipeline.stages[2].id && journey.stays.map(\.days) == [1, 0])
    }

    @Test(arguments: TestDatabases.engines) func editsKeepStagesByIdAndAStageHoldingAccountsIsNotRemoved(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store, clock: Clock())
        // Only admins define; templates and default owners are checked.
        await #expect(throws: HandoverError.self) { try await services.pipelines.create(name: "Mine", stages: Self.stages, by: org.manager) }
        do {
            _ = try await services.pipelines.create(
                name: "Bad", stages: [.init(name: "One", templateKey: "no-such-template"), .init(name: "one", templateKey: "project", defaultOwnerID: org.auditor.id)],
                by: org.admin)
            Issue.record("an unknown template was accepted")
        } catch HandoverError.invalid(let problems) {
            #expect(Set(problems.map(\.path)) == ["stages[0].templateKey", "stages[1].name", "stages[1].defaultOwnerID"])
        }
        let pipeline = try await services.pipelines.create(name: "Customers", stages: Self.stages, by: org.admin)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        _ = try await services.pipelines.place(accountID: account.id, pipelineID: pipeline.id, stageID: pipeline.stages[1].id, by: org.manager)

        // Reorder, rename a stage and add one: ids kept, the account still where it was.
        let (sales, onboarding, success) = (pipeline.stages[0], pipeline.stages[1], pipeline.stages[2])
        let edited = try await services.pipelines.update(
            id: pipeline.id, name: "Customer journey",
            stages: [
                .init(id: onboarding.id, name: "Onboarding & training", templateKey: "project"), .init(id: sales.id, name: "Sales", templateKey: "customer-account"),
                .init(id: success.id, name: "Success", templateKey: "customer-account"), .init(name: "Renewal", templateKey: "customer-account"),
            ], expectedVersion: 1, by: org.admin)
        #expect(edited.stages.prefix(3).map(\.id) == [onboarding.id, sales.id, success.id] && edited.stages.count == 4 && edited.version == 2)
        #expect(try await services.pipelines.journey(accountID: account.id, by: org.alice).placement?.stageID == onboarding.id)

        // Removing the stage that holds the account: 409, nothing changed.
        await #expect(throws: StoreError.self) {
            try await services.pipelines.update(
                id: pipeline.id, name: nil, stages: [.init(id: sales.id, name: "Sales", templateKey: "customer-account")], expectedVersion: 2, by: org.admin)
        }
        #expect(try await services.pipelines.pipeline(id: pipeline.id, by: org.alice).stages.count == 4)
        // Removing an empty one is fine; deleting a pipeline that has held accounts is not.
        let trimmed = try await services.pipelines.update(
            id: pipeline.id, name: nil, stages: edited.stages.dropLast().map(PipelineService.input), expectedVersion: 2, by: org.admin)
        #expect(trimmed.stages.count == 3)
        await #expect(throws: StoreError.self) { try await services.pipelines.delete(id: pipeline.id, by: org.admin) }
        let unused = try await services.pipelines.create(name: "Unused", stages: Self.stages, by: org.admin)
        try await services.pipelines.delete(id: unused.id, by: org.admin)
        #expect(try await services.pipelines.pipelines(by: org.auditor).map(\.id) == [pipeline.id])
    }

    @Test(arguments: TestDatabases.engines) func theBoardIsOneQueryFilteredByOwnerAndTagWithOverdueMarked(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = Clock()
        let services = Self.services(store, clock: clock)
        let pipeline = try await services.pipelines.create(name: "Customers", stages: Self.stages, by: org.admin)
        let late = AccountProfile(openItems: [OpenItem(title: "Send contract", due: CalendarDate("2020-01-01"))], tags: ["Enterprise"])
        let fine = AccountProfile(openItems: [OpenItem(title: "Kick-off", due: CalendarDate("2099-01-01"))], tags: ["smb"])
        let a = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: late, by: org.alice)
        let b = try await services.accounts.createAccount(name: "Bolt", kind: .customer, ownerID: nil, profile: fine, by: org.bob)
        let c = try await services.accounts.createAccount(name: "Crane", kind: .customer, ownerID: nil, profile: fine, by: org.bob)
        _ = try await services.pipelines.place(accountID: a.id, pipelineID: pipeline.id, stageID: pipeline.stages[0].id, by: org.alice)
        clock.advance(days: 2)
        _ = try await services.pipelines.place(accountID: b.id, pipelineID: pipeline.id, stageID: pipeline.stages[0].id, by: org.bob)
        _ = try await services.pipelines.place(accountID: c.id, pipelineID: pipeline.id, stageID: pipeline.stages[2].id, by: org.manager)
        let today = CalendarDate(clock.wall.now())
        let board = try await services.pipelines.board(pipelineID: pipeline.id, ownerID: nil, tag: nil, by: org.auditor)
        #expect(board.columns.map(\.stage.name) == ["Sales", "Onboarding", "Customer success"])
        #expect(board.columns.map { $0.cards.map(\.name) } == [["Acme", "Bolt"], [], ["Crane"]])
        let acme = board.columns[0].cards[0]
        #expect(acme.overdue && acme.daysInStage == 2 && acme.nextDue == CalendarDate("2020-01-01") && !board.columns[0].cards[1].overdue && board.today == today)
        #expect(try await services.pipelines.board(pipelineID: pipeline.id, ownerID: org.bob.id, tag: nil, by: org.alice).columns.map(\.cards.count) == [1, 0, 1])
        #expect(try await services.pipelines.board(pipelineID: pipeline.id, ownerID: nil, tag: "enterprise", by: org.alice).columns.map(\.cards.count) == [1, 0, 0])
        // One statement for every card: the store's board read answers all three at once.
        let rows = try await store.board(pipelineID: pipeline.id, organizationID: org.organization.id, ownerID: nil, tag: nil)
        #expect(Set(rows.map(\.account.id)) == [a.id, b.id, c.id])
    }

    // MARK: Over the API

    static func call(
        _ client: any TestClientProtocol, _ f: APIFixture, _ method: HTTPRequest.Method, _ uri: String, as member: Member, json: ByteBuffer? = nil,
        expect status: HTTPResponse.Status
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: f.headers(member), body: json) { r in
            #expect(r.status == status, "\(method) \(uri) as \(member.name): \(String(buffer: r.body))")
            return r
        }
    }

    @Test(arguments: TestDatabases.engines) func theAPIScopesEveryIdToTheOrganizationAndChecksRoles(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store, name: "Acme")
        let theirs = try await f.other.account(f.other.alice, in: f.store, name: "Theirs")
        try await f.test { client in
            let create = CreatePipelineRequest(
                name: "Customers",
                stages: [.init(name: "Sales", templateKey: "customer-account"), .init(name: "Onboarding", templateKey: "project", defaultOwnerID: f.org.bob.id)])
            _ = try await Self.call(client, f, .post, "/api/v1/pipelines", as: f.org.manager, json: try body(create), expect: .forbidden)
            _ = try await Self.call(client, f, .post, "/api/v1/pipelines", as: f.org.admin, json: body(#"{"name":"X","stages":[]}"#), expect: .unprocessableContent)
            _ = try await Self.call(client, f, .post, "/api/v1/pipelines", as: f.org.admin, json: body(#"{"name":"X","stages":[],"colour":"red"}"#), expect: .badRequest)
            let pipeline = try await Self.call(client, f, .post, "/api/v1/pipelines", as: f.org.admin, json: try body(create), expect: .created).decode(Pipeline.self)
            let theirPipeline = try await Self.call(
                client, f, .post, "/api/v1/pipelines", as: f.other.admin, json: try body(CreatePipelineRequest(name: "Theirs", stages: [create.stages[0]])),
                expect: .created
            ).decode(Pipeline.self)

            // Another organization's pipeline, account or board: 404, never 403.
            for uri in ["/api/v1/pipelines/\(theirPipeline.id)", "/api/v1/pipelines/\(theirPipeline.id)/board", "/api/v1/accounts/\(theirs.id)/journey"] {
                _ = try await Self.call(client, f, .get, uri, as: f.org.admin, expect: .notFound)
            }
            let placeTheirs = PlaceAccountRequest(pipelineID: theirPipeline.id, stageID: theirPipeline.stages[0].id)
            _ = try await Self.call(client, f, .put, "/api/v1/accounts/\(account.id)/stage", as: f.org.admin, json: try body(placeTheirs), expect: .notFound)
            _ = try await Self.call(
                client, f, .put, "/api/v1/accounts/\(theirs.id)/stage", as: f.org.admin,
                json: try body(PlaceAccountRequest(pipelineID: pipeline.id, stageID: pipeline.stages[0].id)), expect: .notFound)
            _ = try await Self.call(client, f, .post, "/api/v1/accounts/\(theirs.id)/advance", as: f.org.admin, json: body("{}"), expect: .notFound)
            _ = try await Self.call(
                client, f, .put, "/api/v1/pipelines/\(theirPipeline.id)", as: f.org.admin, json: body(#"{"name":"Mine"}"#), expect: .notFound)
            _ = try await Self.call(client, f, .delete, "/api/v1/pipelines/\(theirPipeline.id)", as: f.org.admin, expect: .notFound)

            // Bob does not own Acme: he may not place it; Alice does; an unknown stage is a 422.
            let place = PlaceAccountRequest(pipelineID: pipeline.id, stageID: pipeline.stages[0].id)
            _ = try await Self.call(client, f, .put, "/api/v1/accounts/\(account.id)/stage", as: f.org.bob, json: try body(place), expect: .forbidden)
            _ = try await Self.call(
                client, f, .put, "/api/v1/accounts/\(account.id)/stage", as: f.org.alice,
                json: try body(PlaceAccountRequest(pipelineID: pipeline.id, stageID: "nope")), expect: .unprocessableContent)
            let placed = try await Self.call(client, f, .put, "/api/v1/accounts/\(account.id)/stage", as: f.org.alice, json: try body(place), expect: .ok)
                .decode(AccountJourneyResponse.self)
            #expect(placed.stageName == "Sales" && placed.pipelineName == "Customers" && placed.moves.count == 1 && placed.daysInStage == 0)

            // Removing Sales while Acme is in it: 409.
            let onlyOnboarding = UpdatePipelineRequest(stages: [.init(id: pipeline.stages[1].id, name: "Onboarding", templateKey: "project")])
            _ = try await Self.call(client, f, .put, "/api/v1/pipelines/\(pipeline.id)", as: f.org.admin, json: try body(onlyOnboarding), expect: .conflict)

            // Advance: the handover on Onboarding's template, to its default owner.
            let advanced = try await Self.call(client, f, .post, "/api/v1/accounts/\(account.id)/advance", as: f.org.alice, json: body("{}"), expect: .created)
                .decode(AdvanceAccountResponse.self)
            #expect(advanced.templateKey == "project" && advanced.recipientID == f.org.bob.id && advanced.toStageID == pipeline.stages[1].id)
            let journey = try await Self.call(client, f, .get, "/api/v1/accounts/\(account.id)/journey", as: f.org.auditor, expect: .ok)
                .decode(AccountJourneyResponse.self)
            #expect(journey.pending?.handoverID == advanced.handoverID && journey.placement?.stageID == pipeline.stages[0].id)
            let board = try await Self.call(client, f, .get, "/api/v1/pipelines/\(pipeline.id)/board?owner=\(f.org.alice.id)", as: f.org.carol, expect: .ok)
                .decode(PipelineBoardResponse.self)
            #expect(board.columns.map(\.cards.count) == [1, 0] && board.columns[0].cards[0].accountID == account.id)
            _ = try await Self.call(client, f, .get, "/api/v1/pipelines", as: f.org.auditor, expect: .ok)
        }
    }
}
