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
import Testing

/// Covers on both engines: the cover handover goes out pre-filled; on its day the job drafts
/// the handback with what changed, once however often it runs; an open handover makes it wait
/// (and say so) instead of cancelling anything; stacked covers resolve either way round without
/// dropping the account; roles and organizations are checked, and the API says it all.
@Suite struct CoverTests {
    /// Runs the cover's `cover.end` job as the runner would on its day (and not before).
    static func endOnItsDay(_ cover: Cover, store: any HandoverStore, services: Services) async throws {
        try await services.covers.endOnItsDay(coverID: cover.id, organizationID: cover.organizationID)
    }

    static func owner(_ store: any HandoverStore, _ account: Account, _ org: OrgFixture) async throws -> String? {
        try await store.account(id: account.id, organizationID: org.organization.id)?.ownerID
    }

    @Test(arguments: TestDatabases.engines) func theHandbackComesOnItsDayWithWhatChanged(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let services = PipelineTests.services(store, clock: clock)
        let account = try await services.accounts.createAccount(
            name: "Acme", kind: .customer, ownerID: nil,
            profile: AccountProfile(overview: "Our oldest customer", openItems: [OpenItem(title: "Renewal call", owner: "Alice")]), by: org.alice)
        let until = CalendarDate(clock.wall.now().addingTimeInterval(7 * 86_400))
        let cover = try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.bob.id, until: until), by: org.alice)
        let (handover, _) = try await services.handovers.handover(id: cover.handoverID, by: org.alice)
        #expect(handover.transferorID == org.alice.id && handover.recipientID == org.bob.id)
        #expect(handover.content["overview", "summary"] == .string("Our oldest customer"))
        // Before it completes, ending it early is refused and says why; nothing is retried behind her.
        await #expect(
            throws: StoreError.conflict(
                "the cover handover \(handover.id) is still open: nothing has moved yet; cancel it, or complete it and end the cover then")
        ) { try await services.covers.end(id: cover.id, by: org.alice) }
        #expect(try await services.covers.cover(id: cover.id, by: org.alice).state == .active)

        try await PipelineTests.complete(handover, store: store, services: services, by: org.bob, at: clock.wall.now())
        #expect(try await Self.owner(store, account, org) == org.bob.id)
        // Bob works the account meanwhile.
        clock.advance(days: 3)
        var profile = try await services.accounts.account(id: account.id, by: org.bob).profile
        profile.openItems.append(OpenItem(title: "Invoice dispute", owner: "Bob"))
        profile.historyNotes.append(HistoryNote(date: CalendarDate(clock.wall.now()), text: "CFO asked for a discount"))
        _ = try await services.accounts.updateAccount(id: account.id, name: nil, profile: profile, expectedVersion: nil, by: org.bob)

        // Its job comes due at 00:00 UTC on its day, not before.
        func due() async throws -> [Job] {
            try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [CoverJob.kind], at: clock.now.withLock { $0 }).filter {
                $0.dedupeKey == "\(JobKind.coverEnd):\(cover.id)"
            }
        }
        #expect(try await due().isEmpty)
        clock.advance(days: 4)
        let jobs = try await due()
        #expect(jobs.count == 1)
        try await services.covers.endScheduled(jobs[0])
        try await services.covers.endScheduled(jobs[0])  // a second run does nothing
        let ended = try await services.covers.cover(id: cover.id, by: org.alice)
        #expect(ended.state == .handedBack)
        let handbacks = try await store.handovers(
            visibleTo: org.admin, filter: HandoverFilter(states: HandoverState.openStates, accountID: account.id, limit: 5, includeContent: true))
        #expect(handbacks.map(\.id) == [ended.handbackID])
        let handback = try #require(handbacks.first)
        #expect(handback.transferorID == org.bob.id && handback.recipientID == org.alice.id)
        guard case .string(let summary)? = handback.content["overview", "summary"] else { Issue.record("no summary"); return }
        #expect(summary.hasPrefix("While Alice was away"))
        #expect(summary.contains("New open item: Invoice dispute.") && summary.contains("CFO asked for a discount"), "\(summary)")
        #expect(summary.hasSuffix("Our oldest customer"))
        let events = try await store.events(handoverID: handback.id, organizationID: org.organization.id)
        #expect(events.first?.note == "handback of cover \(cover.id)")
    }

    /// B (Alice here) away, Bob covers; Bob away too, Carol covers Bob and holds the account.
    /// Alice's cover ends first: Alice gets it back from Carol, and Bob's cover is superseded.
    /// The other way round: Bob gets it back first, and Alice's cover goes on.
    @Test(arguments: TestDatabases.engines) func stackedCoversResolveWithoutDroppingTheAccount(engine: String) async throws {
        for firstEnding in ["alice's", "bob's"] {
            let store = try await TestDatabases.store(engine)
            let org = try await OrgFixture.make(in: store)
            let clock = PipelineTests.Clock()
            let services = PipelineTests.services(store, clock: clock)
            let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
            let day = { (days: Double) in CalendarDate(clock.wall.now().addingTimeInterval(days * 86_400)) }
            let first = try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.bob.id, until: day(10)), by: org.alice)
            try await PipelineTests.complete(
                try await services.handovers.handover(id: first.handoverID, by: org.admin).0, store: store, services: services, by: org.bob,
                at: clock.wall.now())
            let second = try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.carol.id, until: day(20)), by: org.bob)
            #expect(second.ownerID == org.bob.id)
            try await PipelineTests.complete(
                try await services.handovers.handover(id: second.handoverID, by: org.admin).0, store: store, services: services, by: org.carol,
                at: clock.wall.now())
            #expect(try await Self.owner(store, account, org) == org.carol.id)

            if firstEnding == "alice's" {
                let outcome = try await services.covers.end(id: first.id, by: org.alice)
                #expect(outcome.handback?.transferorID == org.carol.id && outcome.handback?.recipientID == org.alice.id)
                #expect(try await services.covers.cover(id: second.id, by: org.admin).state == .superseded)
                // Bob's cover's day does nothing: it is over.
                try await Self.endOnItsDay(second, store: store, services: services)
                let open = try await store.handovers(
                    visibleTo: org.admin, filter: HandoverFilter(states: HandoverState.openStates, accountID: account.id, limit: 5))
                #expect(open.map(\.id) == [outcome.handback?.id])
            } else {
                let outcome = try await services.covers.end(id: second.id, by: org.carol)
                #expect(outcome.handback?.transferorID == org.carol.id && outcome.handback?.recipientID == org.bob.id)
                #expect(try await services.covers.cover(id: first.id, by: org.admin).state == .active)
                // Alice's day while Bob's handback is still open: it waits for it, and says so.
                try await Self.endOnItsDay(first, store: store, services: services)
                #expect(try await services.covers.cover(id: first.id, by: org.admin).reason?.contains(outcome.handback!.id) == true)
                try await PipelineTests.complete(outcome.handback!, store: store, services: services, by: org.bob, at: clock.wall.now())
                try await Self.endOnItsDay(first, store: store, services: services)
                let back = try await services.covers.cover(id: first.id, by: org.admin)
                let handback = try await services.handovers.handover(id: try #require(back.handbackID), by: org.admin).0
                #expect(handback.transferorID == org.bob.id && handback.recipientID == org.alice.id)
            }
            try? await store.database.close()
        }
    }

    @Test func whoMayAndWhatIsRefused() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let clock = PipelineTests.Clock()
        let services = PipelineTests.services(store, clock: clock)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        let next = CalendarDate(clock.wall.now().addingTimeInterval(5 * 86_400))
        let today = CalendarDate(clock.wall.now())
        await #expect(throws: HandoverError.self) {  // Carol is not the owner, nor their manager
            try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.bob.id, until: next), by: org.carol)
        }
        for (coverer, until) in [(org.alice.id, next), (org.auditor.id, next), (other.bob.id, next), (org.bob.id, today)] {
            await #expect(throws: HandoverError.self) {
                try await services.covers.start(CoverRequest(accountID: account.id, covererID: coverer, until: until), by: org.alice)
            }
        }
        let cover = try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.bob.id, until: next), by: org.manager)
        // One open handover per account: a second cover now is refused.
        await #expect(throws: HandoverError.self) {
            try await services.covers.start(CoverRequest(accountID: account.id, covererID: org.carol.id, until: next), by: org.alice)
        }
        await #expect(throws: StoreError.notFound("cover \(cover.id)")) { try await services.covers.cover(id: cover.id, by: other.admin) }
        await #expect(throws: StoreError.notFound("cover \(cover.id)")) { try await services.covers.cover(id: cover.id, by: org.carol) }
        await #expect(throws: StoreError.notFound("cover \(cover.id)")) { try await services.covers.end(id: cover.id, by: org.carol) }
        #expect(try await services.covers.covers(by: org.bob).map(\.id) == [cover.id])
        #expect(try await services.covers.covers(by: org.carol).isEmpty)
    }

    @Test func apiStartsListsAndEnds() async throws {
        let f = try await APIFixture.make()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: f.org.alice)
        let until = CalendarDate(Date().addingTimeInterval(3 * 86_400))
        let request = String(
            decoding: try WireJSON.encoder.encode(CoverRequest(accountID: account.id, covererID: f.org.bob.id, until: until)), as: UTF8.self)
        try await f.test { client in
            let cover = try await client.execute(uri: "/api/v1/covers", method: .post, headers: f.headers(f.org.alice), body: ByteBuffer(string: request)) { r in
                #expect(r.status == .created)
                return try r.decode(Cover.self)
            }
            #expect(cover.state == .active && cover.until == until)
            try await client.execute(uri: "/api/v1/covers", method: .post, headers: f.headers(f.org.alice), body: ByteBuffer(string: request)) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/covers", method: .get, headers: f.headers(f.org.bob)) { r in
                let list = try r.decode(ListResponse<Cover>.self)
                #expect(list.items.map(\.id) == [cover.id])
            }
            try await client.execute(uri: "/api/v1/covers/\(cover.id)", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/covers/\(cover.id)/end", method: .post, headers: f.headers(f.org.carol)) { r in
                #expect(r.status == .notFound)
            }
            // Ended early while its handover is still a draft: refused, saying which handover.
            try await client.execute(uri: "/api/v1/covers/\(cover.id)/end", method: .post, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.detail.contains(cover.handoverID) == true)
            }
            let past = #"{"accountID": "\#(account.id)", "covererID": "\#(f.org.bob.id)", "until": "2020-01-01"}"#
            try await client.execute(uri: "/api/v1/covers", method: .post, headers: f.headers(f.org.alice), body: ByteBuffer(string: past)) { r in
                #expect(r.status == .unprocessableContent)
            }
        }
    }
}
