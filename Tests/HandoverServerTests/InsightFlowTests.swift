import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The quality dashboards and the documentation audit on both engines, from a lifecycle driven
/// through the services (a return, an acknowledgment, a question after it) and a finished
/// handover that lacks what its template asks for; then the same through the API and the web.
@Suite struct InsightFlowTests {
    struct Setup {
        let f: APIFixture
        let services: Services
        let team: Team
        let returned: Handover
        let finished: Handover
    }

    static func setup(_ engine: String) async throws -> Setup {
        let f = try await APIFixture.make(engine)
        let (org, store) = (f.org, f.store)
        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let now = Date(millis: Date().millis)
        let team = try await store.saveTeam(
            id: UUID().uuidString.lowercased(), organizationID: org.organization.id, creating: true,
            change: Scim.GroupChange(displayName: "Support", members: [.add([org.alice.id])]), at: now, by: .operator)

        // Alice hands Northwind to Bob: he sends it back once, then acknowledges and asks a question.
        let northwind = try await org.account(org.alice, in: store, name: "Northwind Clinics")
        let h = services.handovers
        var returned = try await h.begin(
            accountID: northwind.id, recipientID: org.bob.id, templateKey: "customer-account", templateVersion: nil,
            content: DemoData.completeCustomerContent(renewal: "2027-06-30", due: "2027-01-15"), by: org.alice)
        returned = try await h.transition(id: returned.id, event: .submit, expectedVersion: nil, by: org.alice)
        returned = try await h.transition(id: returned.id, event: .returnToTransferor(reason: "Say who owns the payroll rollout"), expectedVersion: nil, by: org.bob)
        returned = try await h.transition(id: returned.id, event: .revise, expectedVersion: nil, by: org.alice)
        returned = try await h.transition(id: returned.id, event: .submit, expectedVersion: nil, by: org.alice)
        returned = try await h.transition(id: returned.id, event: .acknowledge(synthesis: "Payroll rollout first, then the renewal."), expectedVersion: nil, by: org.bob)
        _ = try await h.ask(id: returned.id, body: "Who signs the renewal on their side?", by: org.bob)

        // Carol's handover to the admin finished without sign-offs, a step unticked and a list in one row.
        let globex = try await org.account(org.carol, in: store, name: "Globex")
        var content = DemoData.completeCustomerContent(renewal: "2027-06-30", due: "2027-01-15")
        content["contacts", "warmIntroduction"] = .array([.object(["item": .string("Tell the customer about the change and why"), "done": .bool(true)])])
        content["openWork", "openItems"] = .array([.object(["title": .string("- call Jo\n- send the deck\n- book the QBR")])])
        let begun = now.addingTimeInterval(-3 * 86_400)
        let completedAt = now.addingTimeInterval(-2 * 86_400)
        let finished = Handover(
            id: UUID().uuidString.lowercased(), organizationID: org.organization.id, accountID: globex.id, templateKey: "customer-account",
            templateVersion: 1, transferorID: org.carol.id, recipientID: org.admin.id, state: .completed, content: content, createdAt: begun,
            updatedAt: now, submittedAt: begun.addingTimeInterval(3600), acknowledgedAt: begun.addingTimeInterval(4 * 3600), completedAt: completedAt)
        try await store.createHandover(
            finished,
            record: HandoverEventRecord(
                id: UUID().uuidString.lowercased(), handoverID: finished.id, organizationID: org.organization.id, actorID: org.carol.id, event: "create",
                handoverVersion: 1, fromState: nil, toState: .completed, note: nil, at: now))
        // Globex escalated the day after: an incident within 30 days of the transition.
        _ = try await services.risks.recordOutcome(
            accountID: globex.id, kind: .escalation, on: CalendarDate(completedAt.addingTimeInterval(86_400)), note: nil, by: org.admin)
        return Setup(f: f, services: services, team: team, returned: returned, finished: finished)
    }

    @Test(arguments: TestDatabases.engines) func aRefreshTalliesTheLifecycleAndTheAuditFindsWhatIsMissing(engine: String) async throws {
        let s = try await Self.setup(engine)
        defer { Task { try? await s.f.store.database.close() } }
        let (org, insight) = (s.f.org, s.services.insight)
        #expect(try await insight.report(filter: InsightFilter(), by: org.admin) == nil)

        let snapshot = try await insight.refresh(organizationID: org.organization.id)
        #expect(snapshot.handovers == 2 && snapshot.findings == 3)
        #expect(snapshot.teams.map(\.name) == ["Support"] && snapshot.templates.map(\.id) == ["customer-account"])

        let total = try #require(try await insight.report(filter: InsightFilter(), by: org.manager)).report.total
        #expect(total.begun == 2 && total.submitted == 2 && total.returned == 1 && total.returns == 1)
        #expect(total.acknowledged == 2 && total.questionsAfter == 1 && total.finished == 1 && total.briefed == 0 && total.signedOff == 0)
        #expect(total.withProblems == 1 && total.problems == 1)
        // The demo content fills the 9 required fields (weight 27 of 35), none of the 8 recommended ones.
        #expect(QualityMeasure.completenessAtSubmit.value(total) == 77)
        // The team counts its members' handovers as senders: Alice's, not Carol's.
        let support = try #require(try await insight.report(filter: InsightFilter(teamID: s.team.id), by: org.auditor)).report.total
        #expect(support.begun == 1 && support.returned == 1 && support.finished == 0)

        // The audit: Carol's handover, three findings; the manager does not manage Carol or the admin.
        let all = try await insight.findings(filter: InsightFilter(), rule: nil, limit: 100, offset: 0, by: org.auditor)
        #expect(all.total == 3 && Set(all.findings.map(\.rule)) == [.missingSignoffs, .checklistUnticked, .freeText])
        #expect(all.findings.allSatisfy { $0.handoverID == s.finished.id })
        #expect(try await insight.findings(filter: InsightFilter(), rule: .freeText, limit: 100, offset: 0, by: org.admin).total == 1)
        #expect(try await insight.findings(filter: InsightFilter(), rule: nil, limit: 100, offset: 0, by: org.manager).total == 0)
        #expect(try await insight.findings(filter: InsightFilter(teamID: s.team.id), rule: nil, limit: 100, offset: 0, by: org.admin).total == 0)
        let month = QualityMeasures.month(of: try #require(s.finished.completedAt))
        #expect(try await insight.findings(filter: InsightFilter(from: month, to: month), rule: nil, limit: 2, offset: 2, by: org.admin).findings.count == 1)

        // Members read nothing; unknown teams (another organization's among them) and bad months are refused by name.
        await #expect(throws: HandoverError.self) { try await insight.report(filter: InsightFilter(), by: org.alice) }
        await #expect(throws: HandoverError.self) { try await insight.requestRefresh(by: org.auditor) }
        do {
            _ = try await insight.report(filter: InsightFilter(teamID: "nope", from: "2026-13"), by: org.admin)
            Issue.record("an unknown team was accepted")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["from", "team"])
        }
        // Another organization has its own (empty) numbers and none of these findings.
        let other = try await insight.refresh(organizationID: s.f.other.organization.id)
        #expect(other.handovers == 0 && other.findings == 0)
        #expect(try await insight.findings(filter: InsightFilter(), rule: nil, limit: 100, offset: 0, by: s.f.other.admin).total == 0)

        // A refresh replaces the findings, never adds to them.
        #expect(try await insight.refresh(organizationID: org.organization.id).findings == 3)
        #expect(try await insight.findings(filter: InsightFilter(), rule: nil, limit: 100, offset: 0, by: org.admin).total == 3)
    }

    @Test(arguments: TestDatabases.engines) func theAPIAndTheWebServeTheNumbersAndTheJobRefreshesThem(engine: String) async throws {
        let s = try await Self.setup(engine)
        let (f, org) = (s.f, s.f.org)
        let first = try await s.services.insight.refresh(organizationID: org.organization.id)
        let web = try await MemberService(store: f.store).startSession(for: org.auditor, lifetime: 3600).value
        let memberWeb = try await MemberService(store: f.store).startSession(for: org.alice, lifetime: 3600).value
        try await f.test { client in
            let quality = try await client.execute(uri: "/api/v1/insight/quality?team=\(s.team.id)", method: .get, headers: f.headers(org.auditor)) {
                #expect($0.status == .ok, "\(String(buffer: $0.body))")
                return try $0.decode(QualityResponse.self)
            }
            #expect(quality.computedAt == first.computedAt && quality.filter.team == s.team.id && quality.months.count == 12)
            #expect(quality.measures.map(\.id) == QualityMeasure.allCases.map(\.rawValue))
            #expect(quality.measures.first { $0.id == "return-rate" }?.value == 100)
            let findings = try await client.execute(uri: "/api/v1/insight/findings?rule=missing-signoffs", method: .get, headers: f.headers(org.admin)) {
                #expect($0.status == .ok)
                return try $0.decode(DocumentationFindingsResponse.self)
            }
            #expect(findings.total == 1 && findings.items.first?.handoverID == s.finished.id)
            for (uri, status) in [
                ("/api/v1/insight/quality?from=2026-13", HTTPResponse.Status.unprocessableContent), ("/api/v1/insight/findings?rule=nope", .badRequest),
                ("/api/v1/insight/findings?limit=0", .badRequest), ("/api/v1/insight/quality?template=nope", .unprocessableContent),
            ] {
                try await client.execute(uri: uri, method: .get, headers: f.headers(org.admin)) { #expect($0.status == status, "\(uri)") }
            }
            try await client.execute(uri: "/api/v1/insight/quality", method: .get, headers: f.headers(org.alice)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/insight/quality", method: .get) { #expect($0.status == .unauthorized) }
            // Another organization's admin: no numbers yet, and none of ours.
            try await client.execute(uri: "/api/v1/insight/findings", method: .get, headers: f.headers(f.other.admin)) {
                let found = try $0.decode(DocumentationFindingsResponse.self)
                #expect(found.total == 0)
            }
            try await client.execute(uri: "/api/v1/insight/refresh", method: .post, headers: f.headers(org.auditor), body: ByteBuffer(string: "{}")) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/insight/refresh", method: .post, headers: f.headers(org.manager), body: ByteBuffer(string: "{}")) {
                #expect($0.status == .accepted)
                let queued = try $0.decode(InsightRefreshResponse.self)
                #expect(queued.queued)
            }

            // The web: charts with their titles, CSV with a row a month, the audit report.
            let cookie: HTTPFields = [.cookie: "\(sessionCookieName)=\(web)"]
            try await client.execute(uri: "/insight", method: .get, headers: cookie) {
                #expect($0.status == .ok)
                let page = String(buffer: $0.body)
                #expect(page.components(separatedBy: "role=\"img\"").count - 1 == QualityMeasure.allCases.count)
                #expect(page.contains("<title id=\"chart-time-to-acknowledge-title\">Time to acknowledge, by month (hours)</title>"))
                #expect(page.contains("The numbers by month") && !page.contains("id=\"insight-refresh\""))
            }
            try await client.execute(uri: "/insight/quality.csv?template=customer-account", method: .get, headers: cookie) {
                #expect($0.headers[.contentType] == "text/csv; charset=utf-8")
                let lines = String(buffer: $0.body).split(separator: "\r\n")
                #expect(lines.count == 14 && lines[0].hasPrefix("month,handovers_begun,time-to-acknowledge,time-to-acknowledge_counted"))
                #expect(lines.last?.hasPrefix("total,2,") == true)
            }
            try await client.execute(uri: "/insight/audit.csv", method: .get, headers: cookie) {
                let lines = String(buffer: $0.body).split(separator: "\r\n")
                #expect(lines.count == 4 && lines.dropFirst().allSatisfy { $0.contains(s.finished.id) && $0.contains("Globex") })
            }
            try await client.execute(uri: "/insight/audit?from=2026-13", method: .get, headers: cookie) {
                #expect($0.status == .unprocessableContent && String(buffer: $0.body).contains("must be a month written YYYY-MM"))
            }
            try await client.execute(uri: "/insight", method: .get, headers: [.cookie: "\(sessionCookieName)=\(memberWeb)"]) { #expect($0.status == .forbidden) }
            // The queued job refreshes the numbers; the schedule queues every organization that is due.
            let (store, services) = (f.store, s.services)
            let jobs = try await store.claimOwnJobs(organizationID: org.organization.id, kinds: [InsightJobs.refreshKind], at: Date())
            #expect(jobs.count == 1)
            for job in jobs { try await InsightJobs.refreshHandler(services.insight)(job) }
            let later = try #require(try await store.insightComputedAt(organizationID: org.organization.id))
            #expect(later > first.computedAt)
            #expect(try await store.insightOrganizationsDue(before: later).contains(org.organization.id) == false)
            #expect(try await store.insightOrganizationsDue(before: later.addingTimeInterval(1)).contains(org.organization.id))
        }

    }
}
