import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The access inventory, handovers' access plans and the lingering-access report, on both engines:
/// changes are audited; a plan is drawn from the transferor's grants; confirming applies a line to
/// the inventory in its transaction; a gated template refuses completion until the plan is
/// settled; the report counts days by an injected clock; other organizations and non-parties get 404.
@Suite struct AccessGrantTests {
    static let day: TimeInterval = 86_400
    static let logKeys = try! LogKeys(secret: Array(repeating: 9, count: 32))

    /// A template without sign-offs (the services alone complete a handover), with the access gate or without.
    static func template(_ key: String, gate: Bool) -> Data {
        let rules = gate ? #", "rules": {"accessPlanGate": true}"# : ""
        return Data(
            """
            {"key": "\(key)", "version": 1, "name": "Access \(key)", "summary": "For the access tests", "accountKinds": ["customer"],
             "requiredSignoffs": [], "synthesisPrompt": "Say it back"\(rules),
             "sections": [{"id": "notes", "title": "Notes", "guidance": "Anything", "fields": [{"id": "text", "label": "Text", "type": "text", "guidance": "Anything"}]}]}
            """.utf8)
    }

    /// The domain error `body` throws; nil when it succeeds or throws anything else.
    static func refusal(_ body: () async throws -> Void) async -> HandoverError? {
        do {
            try await body()
            return nil
        } catch {
            return error as? HandoverError
        }
    }

    static func services(_ store: SQLHandoverStore, at date: Date) -> Services { Services(store: store, logKeys: logKeys, clock: .fixed(date)) }
    static func now() -> Date { Date(millis: Date().millis) }

    struct World {
        var store: SQLHandoverStore
        var org: OrgFixture
        var account: Account
        var t0: Date
        func at(_ offset: TimeInterval = 0) -> Services { AccessGrantTests.services(store, at: t0.addingTimeInterval(offset)) }
    }

    static func world(_ store: SQLHandoverStore, org: OrgFixture) async throws -> World {
        let t0 = now()
        let services = Self.services(store, at: t0)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        _ = try await services.templates.addTemplate(template("access-gated", gate: true), by: org.admin)
        _ = try await services.templates.addTemplate(template("access-open", gate: false), by: org.admin)
        return World(store: store, org: org, account: account, t0: t0)
    }

    static func begin(_ w: World, template: String = "access-gated", account: Account? = nil, to recipient: Member? = nil) async throws -> Handover {
        try await w.at().handovers.begin(
            accountID: (account ?? w.account).id, recipientID: (recipient ?? w.org.bob).id, templateKey: template, templateVersion: nil, content: nil, by: w.org.alice)
    }

    static func acknowledge(_ handover: Handover, _ w: World) async throws {
        _ = try await w.at().handovers.transition(id: handover.id, event: .submit, expectedVersion: nil, by: w.org.alice)
        _ = try await w.at().handovers.transition(
            id: handover.id, event: .acknowledge(synthesis: "I own Acme now, with its access."), expectedVersion: nil, by: w.org.bob)
    }

    @Test(arguments: TestDatabases.engines) func theInventoryIsKeptByWhoeverSteersTheAccountAndEveryChangeIsAudited(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let w = try await Self.world(store, org: org)
        let access = w.at().access
        let github = try await access.addGrant(
            accountID: w.account.id, system: " GitHub ", role: "admin", holderID: org.alice.id, holderName: nil, grantedOn: CalendarDate("2026-01-05"),
            note: "ticket 42", by: org.alice)
        #expect(github.system == "GitHub" && github.holderName == org.alice.name && github.grantedOn.description == "2026-01-05" && github.isActive)
        let contractor = try await access.addGrant(
            accountID: w.account.id, system: "AWS", role: "billing", holderID: nil, holderName: "Dana (contractor)", grantedOn: nil, note: nil, by: org.manager)
        #expect(contractor.holderID == nil && contractor.holderName == "Dana (contractor)" && contractor.grantedOn == CalendarDate(w.t0))

        let edited = try await access.editGrant(id: github.id, system: nil, role: "owner", grantedOn: nil, note: "ticket 43", expectedVersion: 1, by: org.admin)
        #expect(edited.role == "owner" && edited.version == 2 && edited.note == "ticket 43")
        await #expect(throws: StoreError.self) {
            _ = try await access.editGrant(id: github.id, system: "x", role: nil, grantedOn: nil, note: nil, expectedVersion: 1, by: org.alice)
        }
        let revoked = try await access.revokeGrant(id: contractor.id, revokedOn: nil, evidence: "removed in the console", by: org.alice)
        #expect(revoked.revokedOn == CalendarDate(w.t0) && revoked.revokedBy == org.alice.id && revoked.revokeEvidence == "removed in the console")
        await #expect(throws: StoreError.conflict("access grant \(contractor.id) is already revoked")) {
            _ = try await access.revokeGrant(id: contractor.id, revokedOn: nil, evidence: nil, by: org.alice)
        }
        await #expect(throws: HandoverError.self) {
            _ = try await access.editGrant(id: contractor.id, system: "x", role: nil, grantedOn: nil, note: nil, expectedVersion: nil, by: org.alice)
        }

        // Every change is in the log, under the grant.
        let entries = try await store.auditEntries(organizationID: org.organization.id, targets: ["access-grant:\(github.id)", "access-grant:\(contractor.id)"])
        #expect(entries.map(\.entry.action) == ["access.grant", "access.grant", "access.edit", "access.revoke"])
        #expect(entries.map(\.entry.actor) == [org.alice.id, org.manager.id, org.admin.id, org.alice.id])

        // Everyone in the organization reads; only the owner, the owner's manager and admins change.
        #expect(try await access.grants(accountID: w.account.id, by: org.carol).count == 2)
        #expect(try await access.grants(accountID: w.account.id, state: .active, by: org.auditor).map(\.id) == [github.id])
        #expect(try await access.grants(accountID: w.account.id, state: .revoked, by: org.bob).map(\.id) == [contractor.id])
        for outsider in [org.carol, org.bob, org.auditor] {
            await #expect(throws: HandoverError.self) {
                _ = try await access.addGrant(
                    accountID: w.account.id, system: "VPN", role: "user", holderID: outsider.id, holderName: nil, grantedOn: nil, note: nil, by: outsider)
            }
            await #expect(throws: HandoverError.self) { _ = try await access.revokeGrant(id: github.id, revokedOn: nil, evidence: nil, by: outsider) }
        }

        // Bad input: an unknown member, an empty system, both holders, a credential in the note.
        func refused(_ holderID: String?, _ holderName: String?, system: String = "VPN", note: String? = nil) async -> HandoverError? {
            await Self.refusal {
                _ = try await access.addGrant(
                    accountID: w.account.id, system: system, role: "user", holderID: holderID, holderName: holderName, grantedOn: nil, note: note, by: org.alice)
            }
        }
        guard case .invalid(let unknown)? = await refused("no-such-member", nil) else { Issue.record("an unknown member was accepted"); return }
        #expect(unknown.map(\.path) == ["holderID"])
        guard case .invalid(let empty)? = await refused(org.bob.id, nil, system: "  ") else { Issue.record("an empty system was accepted"); return }
        #expect(empty.map(\.path) == ["system"])
        guard case .invalid? = await refused(org.bob.id, "Someone") else { Issue.record("two holders were accepted"); return }
        guard case .credentialInText(let findings)? = await refused(org.bob.id, nil, note: "password: Tr0ub4dor&3-horse") else {
            Issue.record("a password in the note was accepted"); return
        }
        #expect(findings.map(\.path) == ["note"])
        #expect(try await access.grants(accountID: w.account.id, by: org.alice).count == 2, "nothing refused was stored")

        // Another organization's admin finds neither the account nor the grant.
        let other = try await OrgFixture.make(in: store, name: "Other")
        await #expect(throws: StoreError.self) { _ = try await access.grants(accountID: w.account.id, by: other.admin) }
        await #expect(throws: StoreError.self) { _ = try await access.grant(id: github.id, by: other.admin) }
        await #expect(throws: StoreError.self) { _ = try await access.revokeGrant(id: github.id, revokedOn: nil, evidence: nil, by: other.admin) }
    }

    @Test(arguments: TestDatabases.engines) func thePlanIsDrawnConfirmedIntoTheInventoryAndGatesCompletion(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let w = try await Self.world(store, org: org)
        let access = w.at().access
        let (alice, bob) = (org.alice, org.bob)
        func grant(_ system: String, _ role: String, to member: Member) async throws -> AccessGrant {
            try await access.addGrant(accountID: w.account.id, system: system, role: role, holderID: member.id, holderName: nil, grantedOn: nil, note: nil, by: alice)
        }
        let github = try await grant("GitHub", "admin", to: alice)
        let aws = try await grant("AWS", "billing", to: alice)
        let vpn = try await grant("VPN", "user", to: org.carol)
        let handover = try await Self.begin(w)

        // Before drawing, the gate lists the transferor's grants that no revoke line covers.
        let empty = try await access.plan(handoverID: handover.id, by: alice)
        #expect(empty.gate && empty.lines.isEmpty && Set(empty.open.map(\.path)) == ["accessGrants.\(github.id)", "accessGrants.\(aws.id)"])

        let drawn = try await access.draw(handoverID: handover.id, by: alice)
        #expect(drawn.lines.count == 4, "a revoke and a grant line for each of Alice's two grants; Carol's is not hers")
        #expect(
            drawn.lines.filter { $0.kind == .revoke }.allSatisfy { $0.memberID == alice.id }
                && drawn.lines.filter { $0.kind == .grant }.allSatisfy { $0.memberID == bob.id })
        #expect(!drawn.lines.contains { $0.grantID == vpn.id })
        #expect(try await access.draw(handoverID: handover.id, by: alice).lines.count == 4, "drawing again adds nothing new")
        let planAudit = try await store.auditEntries(organizationID: org.organization.id, targets: ["handover:\(handover.id)"]).map(\.entry.action)
        #expect(planAudit.filter { $0 == "access.plan.add" }.count == 4)

        // A manual grant line, dropped again; the recipient may not shape the plan.
        let extra = try await access.addLine(handoverID: handover.id, kind: .grant, system: "Slack", role: "owner", memberID: nil, grantID: nil, by: alice)
        #expect(extra.memberID == bob.id && extra.position == 5)
        await #expect(throws: HandoverError.self) { try await access.dropLine(handoverID: handover.id, lineID: extra.id, by: bob) }
        try await access.dropLine(handoverID: handover.id, lineID: extra.id, by: alice)
        await #expect(throws: HandoverError.self) {
            _ = try await access.addLine(handoverID: handover.id, kind: .grant, system: "Slack", role: "owner", memberID: "nobody", grantID: nil, by: alice)
        }

        try await Self.acknowledge(handover, w)
        // The gate refuses completion and names the four open lines.
        do {
            _ = try await w.at().handovers.transition(id: handover.id, event: .complete, expectedVersion: nil, by: bob)
            Issue.record("completion passed an open access plan")
        } catch HandoverError.accessPlanOpen(let open) {
            #expect(open.count == 4 && open.allSatisfy { $0.path.hasPrefix("accessPlan.") })
            #expect(open.contains { $0.message.contains("revoke GitHub: admin from \(alice.name)") })
        }
        #expect(try await store.account(id: w.account.id, organizationID: org.organization.id)?.ownerID == alice.id, "nothing of the completion was saved")

        let line = { (kind: AccessPlanLine.Kind, grant: AccessGrant) in drawn.lines.first { $0.kind == kind && $0.grantID == grant.id }! }
        // Confirming a revoke line revokes the grant in the same transaction.
        let confirmed = try await access.settleLine(
            handoverID: handover.id, lineID: line(.revoke, github).id, status: .confirmed, evidence: "removed from the org", reason: nil, by: bob)
        #expect(confirmed.status == .confirmed && confirmed.confirmedBy == bob.id && confirmed.evidence == "removed from the org")
        let revoked = try await access.grant(id: github.id, by: alice)
        #expect(!revoked.isActive && revoked.revokedBy == bob.id && revoked.handoverID == handover.id && revoked.revokeEvidence == "removed from the org")
        await #expect(throws: StoreError.conflict("the line is confirmed already")) {
            _ = try await access.settleLine(handoverID: handover.id, lineID: line(.revoke, github).id, status: .declined, evidence: nil, reason: "no", by: alice)
        }
        // Confirming a grant line records a grant for the recipient.
        let granted = try await access.settleLine(
            handoverID: handover.id, lineID: line(.grant, github).id, status: .confirmed, evidence: nil, reason: nil, by: org.manager)
        let bobs = try await access.grants(accountID: w.account.id, state: .active, by: alice).filter { $0.holderID == bob.id }
        #expect(bobs.map(\.id) == [try #require(granted.appliedGrantID)] && bobs.first?.label == "GitHub: admin" && bobs.first?.handoverID == handover.id)
        // Declining needs a reason; Carol, no party, does not even find the handover.
        await #expect(throws: HandoverError.self) {
            _ = try await access.settleLine(handoverID: handover.id, lineID: line(.revoke, aws).id, status: .declined, evidence: nil, reason: " ", by: alice)
        }
        await #expect(throws: StoreError.self) {
            _ = try await access.settleLine(handoverID: handover.id, lineID: line(.revoke, aws).id, status: .confirmed, evidence: nil, reason: nil, by: org.carol)
        }
        await #expect(throws: StoreError.self) { _ = try await access.plan(handoverID: handover.id, by: org.carol) }
        await #expect(throws: HandoverError.self) {
            _ = try await access.settleLine(handoverID: handover.id, lineID: line(.revoke, aws).id, status: .confirmed, evidence: nil, reason: nil, by: org.auditor)
        }
        _ = try await access.settleLine(
            handoverID: handover.id, lineID: line(.revoke, aws).id, status: .declined, evidence: nil, reason: "billing stays with her until March", by: alice)
        // A line of another handover is not found under this one.
        let beta = try await w.at().accounts.createAccount(name: "Beta", kind: .customer, ownerID: nil, profile: AccountProfile(), by: alice)
        _ = try await access.addGrant(accountID: beta.id, system: "DNS", role: "admin", holderID: alice.id, holderName: nil, grantedOn: nil, note: nil, by: alice)
        let otherHandover = try await Self.begin(w, account: beta, to: org.carol)
        let otherLine = try #require(try await access.draw(handoverID: otherHandover.id, by: alice).lines.first)
        await #expect(throws: StoreError.notFound("access plan line \(otherLine.id)")) {
            _ = try await access.settleLine(handoverID: handover.id, lineID: otherLine.id, status: .confirmed, evidence: nil, reason: nil, by: alice)
        }

        // One line left open: still refused, naming it alone.
        await #expect(
            throws: HandoverError.accessPlanOpen([Problem(path: "accessPlan.\(line(.grant, aws).id)", message: "grant AWS: billing to \(bob.name) is pending")])
        ) {
            _ = try await w.at().handovers.transition(id: handover.id, event: .complete, expectedVersion: nil, by: bob)
        }
        _ = try await access.settleLine(handoverID: handover.id, lineID: line(.grant, aws).id, status: .confirmed, evidence: "invited", reason: nil, by: bob)
        let done = try await w.at().handovers.transition(id: handover.id, event: .complete, expectedVersion: nil, by: bob)
        #expect(done.state == .completed)
        // After completion the plan is a checklist: it can no longer be shaped.
        await #expect(throws: HandoverError.self) { _ = try await access.draw(handoverID: handover.id, by: alice) }

        // The lingering report: Alice kept AWS billing (declined); the days run by the clock.
        let later = w.at(3 * Self.day + 3600).access
        let report = try await later.lingering(by: org.carol)
        #expect(report.items.map(\.grant.id) == [aws.id])
        let item = try #require(report.items.first)
        #expect(item.cause == .handover && item.handoverID == handover.id && item.accountName == "Acme" && item.days(at: report.asOf) == 3)
        #expect(try await later.lingering(accountID: w.account.id, by: org.admin).items.count == 1)
        #expect(try await later.lingering(memberID: org.carol.id, by: org.admin).items.isEmpty, "Carol's VPN grant is hers by right: she handed nothing over")
        #expect(try await later.lingering(accountID: beta.id, by: org.admin).items.isEmpty)
        _ = try await later.revokeGrant(id: aws.id, revokedOn: nil, evidence: "done", by: bob)
        #expect(try await later.lingering(by: org.admin).items.isEmpty)
        let other = try await OrgFixture.make(in: store, name: "Other")
        await #expect(throws: StoreError.self) { _ = try await later.lingering(accountID: w.account.id, by: other.admin) }
        await #expect(throws: StoreError.self) { _ = try await later.lingering(memberID: alice.id, by: other.admin) }
        await #expect(throws: StoreError.self) { _ = try await later.plan(handoverID: handover.id, by: other.admin) }
    }

    @Test(arguments: TestDatabases.engines) func aTemplateWithoutTheGateCompletesWithAnOpenPlan(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let w = try await Self.world(store, org: try await OrgFixture.make(in: store))
        _ = try await w.at().access.addGrant(
            accountID: w.account.id, system: "GitHub", role: "admin", holderID: w.org.alice.id, holderName: nil, grantedOn: nil, note: nil, by: w.org.alice)
        let handover = try await Self.begin(w, template: "access-open")
        let plan = try await w.at().access.draw(handoverID: handover.id, by: w.org.alice)
        #expect(!plan.gate && plan.open.count == 2)
        try await Self.acknowledge(handover, w)
        #expect(try await w.at().handovers.transition(id: handover.id, event: .complete, expectedVersion: nil, by: w.org.bob).state == .completed)
        // The open lines stay a checklist after completion, and Alice's grant lingers until confirmed.
        #expect(try await w.at().access.lingering(by: w.org.admin).items.count == 1)
        let revoke = try #require(plan.lines.first { $0.kind == .revoke })
        _ = try await w.at().access.settleLine(handoverID: handover.id, lineID: revoke.id, status: .confirmed, evidence: nil, reason: nil, by: w.org.manager)
        #expect(try await w.at().access.lingering(by: w.org.admin).items.isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func overHTTP(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let w = try await Self.world(f.store, org: f.org)
        let handover = try await Self.begin(w)
        let theirs = try await f.other.account(f.other.alice, in: f.store, name: "Theirs")
        try await f.test { client in
            let created = try await client.execute(
                uri: "/api/v1/accounts/\(w.account.id)/access-grants", method: .post, headers: f.headers(f.org.alice),
                body: body(#"{"system": "GitHub", "role": "admin", "holderID": "\#(f.org.alice.id)", "grantedOn": "2026-02-01", "note": "ticket 7"}"#)
            ) { r in
                #expect(r.status == .created)
                return try r.decode(AccessGrant.self)
            }
            #expect(created.holderName == f.org.alice.name && created.grantedOn.description == "2026-02-01")
            try await client.execute(
                uri: "/api/v1/accounts/\(w.account.id)/access-grants", method: .post, headers: f.headers(f.org.alice),
                body: body(#"{"system": "GitHub", "role": "admin", "holderID": "nobody"}"#)
            ) { r in
                #expect(r.status == .unprocessableContent && r.problem?.errors?.first?.path == "holderID")
            }
            try await client.execute(
                uri: "/api/v1/accounts/\(w.account.id)/access-grants", method: .post, headers: f.headers(f.org.alice),
                body: body(#"{"system": "", "role": "admin", "holderName": "Dana"}"#)
            ) { #expect($0.status == .unprocessableContent) }
            try await client.execute(
                uri: "/api/v1/accounts/\(w.account.id)/access-grants", method: .post, headers: f.headers(f.org.carol),
                body: body(#"{"system": "VPN", "role": "user", "holderName": "Dana"}"#)
            ) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/accounts/\(w.account.id)/access-grants?state=gone", method: .get, headers: f.headers(f.org.carol)) {
                #expect($0.status == .badRequest)
            }
            let list = try await client.execute(uri: "/api/v1/accounts/\(w.account.id)/access-grants?state=active", method: .get, headers: f.headers(f.org.carol)) { r in
                #expect(r.status == .ok)
                return try r.decode(ListResponse<AccessGrant>.self)
            }
            #expect(list.items.map(\.id) == [created.id])
            try await client.execute(
                uri: "/api/v1/access-grants/\(created.id)", method: .patch, headers: f.headers(f.org.alice), body: body(#"{"note": "ticket 8", "version": 1}"#)
            ) { r in
                #expect(r.status == .ok)
                let edited = try r.decode(AccessGrant.self)
                #expect(edited.version == 2)
            }
            try await client.execute(
                uri: "/api/v1/access-grants/\(created.id)", method: .patch, headers: f.headers(f.org.alice), body: body(#"{"note": "again", "version": 1}"#)
            ) {
                #expect($0.status == .conflict, "a stale version in the body is a conflict (412 answers a stale If-Match)")
            }

            let drawn = try await client.execute(uri: "/api/v1/handovers/\(handover.id)/access-plan/draw", method: .post, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .ok)
                return try r.decode(AccessPlanResponse.self)
            }
            #expect(drawn.gate && drawn.lines.count == 2 && drawn.open.count == 2)
            let added = try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/access-plan", method: .post, headers: f.headers(f.org.alice),
                body: body(#"{"kind": "grant", "system": "Slack", "role": "owner"}"#)
            ) { r in
                #expect(r.status == .created)
                return try r.decode(AccessPlanLine.self)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/access-plan/\(added.id)", method: .delete, headers: f.headers(f.org.alice)) {
                #expect($0.status == .noContent)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/access-plan/\(added.id)", method: .delete, headers: f.headers(f.org.alice)) {
                #expect($0.status == .notFound)
            }

            for path in ["submit", "acknowledge"] {
                let member = path == "submit" ? f.org.alice : f.org.bob
                let text = path == "acknowledge" ? body(#"{"synthesis": "I own Acme now, with its access."}"#) : nil
                try await client.execute(uri: "/api/v1/handovers/\(handover.id)/\(path)", method: .post, headers: f.headers(member), body: text) {
                    #expect($0.status == .ok)
                }
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.errors?.map(\.path).sorted() == drawn.lines.map { "accessPlan.\($0.id)" }.sorted())
                #expect(r.problem?.detail.contains("access plan") == true)
            }
            for line in drawn.lines {
                try await client.execute(
                    uri: "/api/v1/handovers/\(handover.id)/access-plan/\(line.id)/confirm", method: .post, headers: f.headers(f.org.bob),
                    body: body(#"{"evidence": "done"}"#)
                ) { #expect($0.status == .ok) }
            }
            let line = drawn.lines[0]
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/access-plan/\(line.id)/confirm", method: .post, headers: f.headers(f.org.bob),
                body: body(#"{"evidence": "again"}"#)
            ) { #expect($0.status == .conflict) }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/access-plan/\(line.id)/confirm", method: .post, headers: f.headers(f.org.bob),
                body: body(#"{"status": "pending"}"#)
            ) { #expect($0.status == .badRequest || $0.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { #expect($0.status == .ok) }
            let lingering = try await client.execute(uri: "/api/v1/access-lingering?account=\(w.account.id)", method: .get, headers: f.headers(f.org.carol)) { r in
                #expect(r.status == .ok)
                return try r.decode(ListResponse<LingeringAccessResponse>.self)
            }
            #expect(lingering.items.isEmpty, "the plan revoked Alice's grant")

            // Another organization and a non-party: 404 on every access endpoint.
            let lineURI = "/api/v1/handovers/\(handover.id)/access-plan/\(line.id)"
            for (method, uri, json) in [
                (HTTPRequest.Method.get, "/api/v1/accounts/\(w.account.id)/access-grants", nil),
                (.post, "/api/v1/accounts/\(w.account.id)/access-grants", #"{"system": "x", "role": "y", "holderName": "z"}"#),
                (.get, "/api/v1/access-grants/\(created.id)", nil), (.patch, "/api/v1/access-grants/\(created.id)", #"{"note": "x"}"#),
                (.post, "/api/v1/access-grants/\(created.id)/revoke", "{}"), (.get, "/api/v1/handovers/\(handover.id)/access-plan", nil),
                (.post, "/api/v1/handovers/\(handover.id)/access-plan/draw", nil),
                (.post, "/api/v1/handovers/\(handover.id)/access-plan", #"{"kind": "grant", "system": "x", "role": "y"}"#),
                (.delete, lineURI, nil), (.post, lineURI + "/confirm", "{}"), (.get, "/api/v1/access-lingering?account=\(w.account.id)", nil),
                (.get, "/api/v1/access-lingering?member=\(f.org.alice.id)", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                try await client.execute(uri: uri, method: method, headers: f.headers(f.other.admin), body: json.map(body)) {
                    #expect($0.status == .notFound, "\(method) \(uri)")
                }
                if uri.contains("/handovers/") {
                    try await client.execute(uri: uri, method: method, headers: f.headers(f.org.carol), body: json.map(body)) {
                        #expect($0.status == .notFound, "a non-party: \(method) \(uri)")
                    }
                }
            }
            try await client.execute(uri: "/api/v1/accounts/\(theirs.id)/access-grants", method: .get, headers: f.headers(f.org.admin)) {
                #expect($0.status == .notFound)
            }
        }
    }
}
