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

/// Realignments on both engines: a CSV's handovers go from each account's current owner to its
/// new one, pre-filled, with the row's note; a file with one bad row applies nothing; the
/// Idempotency-Key replays and two concurrent uses apply once; an account moved meanwhile rolls
/// the whole apply back; roles and organizations are checked; the API says it all.
@Suite struct RealignmentTests {
    static func services(_ store: any HandoverStore, clock: PipelineTests.Clock) -> Services { PipelineTests.services(store, clock: clock) }

    static func account(_ name: String, owner: Member, services: Services, tags: [String] = []) async throws -> Account {
        try await services.accounts.createAccount(
            name: name, kind: .customer, ownerID: owner.id,
            profile: AccountProfile(overview: "About \(name)", openItems: [OpenItem(title: "Call", owner: owner.name)], tags: tags), by: owner)
    }

    /// `count` accounts of `owner`, inserted straight into the table (500 a statement): a
    /// realignment test needs many accounts, not their audit entries.
    static func bulkAccounts(_ count: Int, owner: Member, store: SQLHandoverStore) async throws -> [Account] {
        let now = Date(millis: Date().millis)
        let accounts = (1...count).map { index in
            Account(
                id: UUID().uuidString.lowercased(), organizationID: owner.organizationID, name: String(format: "Acct %05d", index), kind: .customer,
                ownerID: owner.id, profile: AccountProfile(overview: "About \(index)"), createdAt: now, updatedAt: now)
        }
        for start in stride(from: 0, to: count, by: 500) {
            var insert = SQLQueryString(
                "INSERT INTO accounts (id, organization_id, name, kind, owner_id, profile, version, created_at, updated_at) VALUES ")
            for (offset, account) in accounts[start..<min(start + 500, count)].enumerated() {
                if offset > 0 { insert += ", " }
                insert += """
                    (\(bind: account.id), \(bind: account.organizationID), \(bind: account.name), 'customer', \(bind: account.ownerID),
                     \(bind: #"{"overview":"\#(account.profile.overview)"}"#), 1, \(bind: now.millis), \(bind: now.millis))
                    """
            }
            let statement = insert
            try await store.database.transaction { db in try await db.raw(statement).run() }
        }
        return accounts
    }

    static func handovers(_ store: SQLHandoverStore, _ org: OrgFixture) async throws -> [Handover] {
        try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(limit: 1000, includeContent: true))
    }

    @Test(arguments: TestDatabases.engines) func aCSVDraftsAHandoverFromEachCurrentOwnerWithItsNote(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store, clock: PipelineTests.Clock())
        let acme = try await Self.account("Acme", owner: org.alice, services: services)
        let globex = try await Self.account("Globex", owner: org.bob, services: services)
        _ = try await Self.account("Initech", owner: org.carol, services: services)
        let csv = """
            account,new_owner,note
            Acme,\(org.carol.email),"Renewal in March, call first"
            \(globex.id),\(org.carol.id),
            Initech,\(org.carol.email),
            """
        let plan = try await services.realignments.preview(RealignmentRequest(csv: csv), by: org.admin)
        #expect(plan.lines.map(\.accountName) == ["Acme", "Globex"])
        #expect(plan.unchanged == 1)
        #expect(try await Self.handovers(store, org).isEmpty)  // a dry run writes nothing

        // Alice's access to Acme's CRM moves with it: drawn into the handover's access plan.
        let grant = try await services.access.addGrant(
            accountID: acme.id, system: "CRM", role: "owner", holderID: org.alice.id, holderName: nil, grantedOn: nil, note: nil, by: org.admin)
        let audit = try await store.auditSize(organizationID: org.organization.id)
        let answer = try await services.realignments.apply(RealignmentRequest(csv: csv), idempotencyKey: nil, by: org.admin)
        #expect(answer.status == 201)
        let summary = try WireJSON.decoder.decode(RealignmentSummary.self, from: Data(answer.body.utf8))
        #expect(summary.handoversCreated == 2 && summary.unchanged == 1 && summary.source == "csv")
        let made = try await Self.handovers(store, org).sorted { $0.accountID == acme.id && $1.accountID != acme.id }
        #expect(made.map(\.transferorID) == [org.alice.id, org.bob.id])
        #expect(made.allSatisfy { $0.recipientID == org.carol.id && $0.state == .draft })
        // Pre-filled from the profile; the old owner's open item given to the new one.
        #expect(made[0].content["overview", "summary"] == .string("About Acme"))
        #expect(made[0].content["openWork", "openItems"] == .array([.object(["title": .string("Call"), "owner": .string("Carol")])]))
        // The row's note is on the handover's create event; both are found again by the realignment.
        let events = try await store.events(handoverID: made[0].id, organizationID: org.organization.id)
        #expect(events.first?.note == "realignment \(summary.id): Renewal in March, call first")
        #expect(try await services.realignments.handovers(realignmentID: summary.id, by: org.auditor).count == 2)
        let access = try await services.access.plan(handoverID: made[0].id, by: org.admin)
        #expect(access.lines.map(\.kind) == [.revoke, .grant])
        #expect(access.lines.map(\.memberID) == [org.alice.id, org.carol.id])
        #expect(access.lines.allSatisfy { $0.grantID == grant.id && $0.status == .pending && $0.system == "CRM" })
        #expect(try await services.access.plan(handoverID: made[1].id, by: org.admin).lines.isEmpty)
        // Each handover's audit entry, one per plan line, and one for the realignment.
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit + 5)
        // Ownership moves when the handover completes, as for any handover.
        #expect(try await services.accounts.account(id: acme.id, by: org.admin).ownerID == org.alice.id)
    }

    @Test(arguments: TestDatabases.engines) func oneBadRowAppliesNothing(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store, clock: PipelineTests.Clock())
        _ = try await Self.account("Acme", owner: org.alice, services: services)
        _ = try await Self.account("Globex", owner: org.bob, services: services)
        let csv = "account,new_owner\nAcme,\(org.carol.email)\nGlobex,nobody@example.com\nAcme,\(org.bob.email)\n"
        await #expect(
            throws: HandoverError.invalid([
                Problem(path: "line 3", message: "no member \"nobody@example.com\" in this organization"),
                Problem(path: "line 4", message: "Acme is already on line 2: an account moves once per realignment"),
            ])
        ) {
            try await services.realignments.apply(RealignmentRequest(csv: csv), idempotencyKey: "k-bad", by: org.admin)
        }
        #expect(try await Self.handovers(store, org).isEmpty)
        #expect(try await store.realignments(organizationID: org.organization.id, limit: 10).isEmpty)
        // The key was released with the refusal: the corrected file may use it.
        let fixed = "account,new_owner\nAcme,\(org.carol.email)\nGlobex,\(org.carol.email)\n"
        #expect(try await services.realignments.apply(RealignmentRequest(csv: fixed), idempotencyKey: "k-bad", by: org.admin).status == 201)
        #expect(try await Self.handovers(store, org).count == 2)
    }

    @Test(arguments: TestDatabases.engines) func concurrentUsesOfOneKeyApplyOnce(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store, clock: PipelineTests.Clock())
        for index in 1...40 { _ = try await Self.account("Acct \(index)", owner: org.alice, services: services) }
        let request = RealignmentRequest(rules: [DepartureRule(match: .kind, value: "customer", recipientID: org.bob.id)])
        let outcomes = await withTaskGroup(of: String.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    do {
                        let answer = try await services.realignments.apply(request, idempotencyKey: "k-race", by: org.admin)
                        return answer.replayed ? "replayed" : "applied"
                    } catch DepartureError.keyInProgress {
                        return "409"
                    } catch {
                        return "\(error)"
                    }
                }
            }
            return await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == "applied" }.count == 1, "\(outcomes)")
        #expect(outcomes.allSatisfy { ["applied", "replayed", "409"].contains($0) }, "\(outcomes)")
        #expect(try await Self.handovers(store, org).count == 40)
        #expect(try await store.realignments(organizationID: org.organization.id, limit: 10).count == 1)
        // Another realignment of the same accounts now conflicts: each has an open handover.
        await #expect(throws: DepartureError.self) {
            try await services.realignments.apply(
                RealignmentRequest(rules: [DepartureRule(match: .kind, value: "customer", recipientID: org.carol.id)]), idempotencyKey: nil, by: org.admin)
        }
    }

    @Test(arguments: TestDatabases.engines) func anAccountMovedMeanwhileRollsEverythingBack(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let clock = PipelineTests.Clock()
        let services = Self.services(store, clock: clock)
        // More than one chunk, so the moved account is checked after 2,000 rows went in.
        let accounts = try await Self.bulkAccounts(2_050, owner: org.alice, store: store)
        let request = RealignmentRequest(rules: [DepartureRule(match: .kind, value: "customer", recipientID: org.bob.id)])
        let planned = try await services.realignments.preview(request, by: org.admin)
        #expect(planned.lines.count == 2_050)
        let lines = planned.lines.map { line in
            BulkHandoverLine(
                handoverID: UUID().uuidString, eventID: UUID().uuidString, accountID: line.accountID, templateKey: line.templateKey, templateVersion: 1,
                ownerID: line.fromID, recipientID: line.toID)
        }
        let moved = accounts.last!
        try await store.database.transaction { db in
            try await db.raw("UPDATE accounts SET owner_id = \(bind: org.carol.id) WHERE id = \(bind: moved.id)").run()
        }
        let audit = try await store.auditSize(organizationID: org.organization.id)
        let now = clock.now.withLock { $0 }
        let record = RealignmentRecord(
            id: "r-moved-\(engine)", organizationID: org.organization.id, source: "rules", request: "{}", summary: "{}", createdBy: org.admin.id, createdAt: now)
        await #expect(throws: StoreError.conflict("account \(moved.name) is no longer owned by Alice: preview again")) {
            try await store.applyRealignment(
                RealignmentWrite(
                    record: record,
                    handovers: BulkHandovers(
                        organizationID: org.organization.id, lines: lines, owners: [org.alice.id: org.alice], recipientNames: [org.bob.id: "Bob"],
                        actorID: org.admin.id, eventNote: "realignment \(record.id)", actor: AuditActor(member: org.admin.id), at: now),
                    skipped: 0, idempotency: nil))
        }
        #expect(try await Self.handovers(store, org).isEmpty)
        #expect(try await store.auditSize(organizationID: org.organization.id) == audit)
        #expect(try await store.realignment(id: record.id, organizationID: org.organization.id) == nil)
    }

    @Test func rolesAndOrganizationsAreChecked() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let services = Self.services(store, clock: PipelineTests.Clock())
        _ = try await Self.account("Acme", owner: org.alice, services: services)
        let theirs = try await Self.account("Theirs", owner: other.alice, services: services)
        let csv = "account,new_owner\nAcme,\(org.bob.email)\n"
        for member in [org.alice, org.auditor] {
            await #expect(throws: HandoverError.self) { try await services.realignments.preview(RealignmentRequest(csv: csv), by: member) }
        }
        // Another organization's account and member are unknown here, by id or by name.
        await #expect(
            throws: HandoverError.invalid([
                Problem(path: "line 2", message: "no account \"\(theirs.id)\" in this organization"),
                Problem(path: "line 3", message: "no member \"\(other.bob.email)\" in this organization"),
            ])
        ) {
            try await services.realignments.preview(
                RealignmentRequest(csv: "account,new_owner\n\(theirs.id),\(org.bob.email)\nAcme,\(other.bob.email)\n"), by: org.admin)
        }
        // A manager moves their reports' accounts.
        #expect(try await services.realignments.preview(RealignmentRequest(csv: csv), by: org.manager).lines.count == 1)
        let applied = try await services.realignments.apply(RealignmentRequest(csv: csv), idempotencyKey: nil, by: org.manager)
        let id = try WireJSON.decoder.decode(RealignmentSummary.self, from: Data(applied.body.utf8)).id
        await #expect(throws: StoreError.notFound("realignment \(id)")) { try await services.realignments.realignment(id: id, by: other.admin) }
        await #expect(throws: StoreError.notFound("realignment \(id)")) { try await services.realignments.realignment(id: id, by: org.alice) }
        // Both or neither of csv and rules.
        await #expect(throws: HandoverError.self) { try await services.realignments.preview(RealignmentRequest(), by: org.admin) }
        await #expect(throws: HandoverError.self) {
            try await services.realignments.preview(
                RealignmentRequest(csv: csv, rules: [DepartureRule(match: .tag, value: "x", recipientID: org.bob.id)]), by: org.admin)
        }
    }

    @Test func apiPreviewsAppliesReplaysAndLists() async throws {
        let f = try await APIFixture.make()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        _ = try await Self.account("Acme", owner: f.org.alice, services: services, tags: ["north"])
        _ = try await Self.account("Globex", owner: f.org.alice, services: services, tags: ["south"])
        let csv = "account,new_owner,note\nAcme,\(f.org.bob.email),hello\nGlobex,\(f.org.carol.email),\n"
        let request = String(decoding: try WireJSON.encoder.encode(RealignmentRequest(csv: csv)), as: UTF8.self)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/realignments/preview", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: request)) {
                r in
                #expect(r.status == .ok)
                let plan = try r.decode(RealignmentPlan.self)
                #expect(plan.lines.map(\.line) == [2, 3])
            }
            let bad = String(decoding: try WireJSON.encoder.encode(RealignmentRequest(csv: csv + "Nope,x\n")), as: UTF8.self)
            try await client.execute(uri: "/api/v1/realignments/preview", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: bad)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.map(\.path) == ["line 4"])
            }
            try await client.execute(uri: "/api/v1/realignments/preview", method: .post, headers: f.headers(f.org.bob), body: ByteBuffer(string: request)) { r in
                #expect(r.status == .forbidden)
            }
            var headers = f.headers(f.org.admin)
            headers[HTTPField.Name("Idempotency-Key")!] = "realign-1"
            let first = try await client.execute(uri: "/api/v1/realignments", method: .post, headers: headers, body: ByteBuffer(string: request)) { r in
                #expect(r.status == .created)
                return try r.decode(RealignmentSummary.self)
            }
            try await client.execute(uri: "/api/v1/realignments", method: .post, headers: headers, body: ByteBuffer(string: request)) { r in
                #expect(r.status == .created)
                #expect(r.headers[HTTPField.Name("Idempotent-Replayed")!] == "true")
                let replayed = try r.decode(RealignmentSummary.self)
                #expect(replayed == first)
            }
            try await client.execute(uri: "/api/v1/realignments", method: .post, headers: headers, body: ByteBuffer(string: bad)) { r in
                #expect(r.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/realignments", method: .get, headers: f.headers(f.org.auditor)) { r in
                let list = try r.decode(ListResponse<RealignmentSummary>.self)
                #expect(list.items.map(\.id) == [first.id])
            }
            try await client.execute(uri: "/api/v1/realignments/\(first.id)", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/realignments/\(first.id)/handovers", method: .get, headers: f.headers(f.org.manager)) { r in
                let list = try r.decode(ListResponse<Handover>.self)
                #expect(list.items.map(\.transferorID) == [f.org.alice.id, f.org.alice.id])
            }
            // By rules, over one owner's accounts: nothing left to move (both have open handovers now).
            let rules = String(
                decoding: try WireJSON.encoder.encode(
                    RealignmentRequest(rules: [DepartureRule(match: .tag, value: "north", recipientID: f.org.carol.id)], owners: [f.org.alice.id])),
                as: UTF8.self)
            try await client.execute(uri: "/api/v1/realignments/preview", method: .post, headers: f.headers(f.org.admin), body: ByteBuffer(string: rules)) { r in
                #expect(r.status == .ok)
                let plan = try r.decode(RealignmentPlan.self)
                #expect(plan.conflicts.map(\.kind) == [.openHandover])
            }
        }
    }
}
