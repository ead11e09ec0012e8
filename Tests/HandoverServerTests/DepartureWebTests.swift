import Foundation
import HandoverCore
@testable import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The departure pages: a member is refused (403), another organization's departure is 404, the
/// preview lists the conflict first, an apply with conflicts left is refused on the page, and the
/// same apply form sent twice (same key) creates one departure and one set of handovers.
@Suite struct DepartureWebTests {
    @Test(arguments: TestDatabases.engines) func previewApplyTwiceAndWhoMaySee(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let accounts = try await DepartureTests.accounts(["Acme Web", "Borealis Web"], owner: f.org.alice, services: services)
        _ = try await services.handovers.begin(
            accountID: accounts[1].id, recipientID: f.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: f.org.alice)
        let before = try await DepartureTests.handoverCount(f.store, f.org)
        try await f.test { client in
            let admin = try await web.session(f, f.org.admin)
            let bob = try await web.session(f, f.org.bob)
            try await client.execute(uri: "/departures", method: .get, headers: bob.headers) { r in #expect(r.status == .forbidden) }
            let asBob = web.encoded([("csrf", bob.csrf), ("member", f.org.alice.id)])
            try await client.execute(uri: "/departures/preview", method: .post, headers: bob.headers, body: asBob) { r in #expect(r.status == .forbidden) }
            try await client.execute(uri: "/departures?member=\(f.org.alice.id)", method: .get, headers: admin.headers) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok && html.contains("id=\"plan-departure\"") && html.contains("<option value=\"\(f.org.alice.id)\" selected>"))
            }

            let plan = web.encoded([("csrf", admin.csrf), ("member", f.org.alice.id)])
            try await client.execute(uri: "/departures/preview", method: .post, headers: admin.headers, body: plan) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok, "\(html)")
                #expect(html.contains("Borealis Web already has an open handover"))
                let conflicts = html.range(of: "id=\"departure-conflicts\"")!.lowerBound, lines = html.range(of: "id=\"departure-lines\"")!.lowerBound
                #expect(conflicts < lines, "conflicts come first")
                #expect(html.contains("name=\"key\" value=\"web-") && html.contains("id=\"skip-conflicts\""))
            }
            let request = DepartureForm.hidden(DepartureRequest(memberID: f.org.alice.id))
            let refused = web.encoded([("csrf", admin.csrf), ("request", request), ("key", "k-\(UUID().uuidString)")])
            try await client.execute(uri: "/departures", method: .post, headers: admin.headers, body: refused) { r in
                #expect(r.status.code >= 400 && r.status.code < 500)
                #expect(String(buffer: r.body).contains("conflict(s) remain"), "the refusal is shown on the plan")
            }
            #expect(try await DepartureTests.handoverCount(f.store, f.org) == before)

            let apply = web.encoded([("csrf", admin.csrf), ("request", request), ("key", "k-\(UUID().uuidString)"), ("skip", "on")])
            var locations: [String] = []
            for _ in 0..<2 {
                try await client.execute(uri: "/departures", method: .post, headers: admin.headers, body: apply) { r in
                    #expect(r.status == .seeOther)
                    locations.append(r.headers[.location] ?? "")
                }
            }
            #expect(locations[0] == locations[1] && locations[0].hasPrefix("/departures/"), "\(locations)")
            #expect(try await DepartureTests.handoverCount(f.store, f.org) == before + 1, "one set of handovers")
            let path = String(locations[0].split(separator: "?")[0])
            try await client.execute(uri: path, method: .get, headers: admin.headers) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok && html.contains("Departure of Alice") && html.contains("Acme Web</a>"), "\(html)")
                #expect(html.contains("Borealis Web already has an open handover"), "the skipped account is named")
            }
            try await client.execute(uri: "/departures", method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).components(separatedBy: "class=\"departure\"").count == 2, "exactly one departure listed")
            }
            let stranger = try await web.session(f, f.other.admin)
            try await client.execute(uri: path, method: .get, headers: stranger.headers) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: path, method: .get, headers: bob.headers) { r in #expect(r.status == .notFound) }
        }
    }

    /// Carol has no manager: her account has no recipient, the preview offers a select for it, and
    /// planning again with a choice clears the conflict. A later day schedules instead of applying.
    @Test(arguments: TestDatabases.engines) func aChosenRecipientClearsTheConflictAndALaterDaySchedules(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let account = try await DepartureTests.accounts(["Cirrus Web"], owner: f.org.carol, services: services)[0]
        let before = try await DepartureTests.handoverCount(f.store, f.org)
        try await f.test { client in
            let admin = try await web.session(f, f.org.admin)
            try await client.execute(
                uri: "/departures/preview", method: .post, headers: admin.headers, body: web.encoded([("csrf", admin.csrf), ("member", f.org.carol.id)])
            ) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("no mapping or rule matches") && html.contains("<select name=\"map-\(account.id)\" form=\"replan\""), "\(html)")
            }
            let request = DepartureForm.hidden(DepartureRequest(memberID: f.org.carol.id))
            let replan = web.encoded([("csrf", admin.csrf), ("request", request), ("map-\(account.id)", f.org.bob.id)])
            try await client.execute(uri: "/departures/preview", method: .post, headers: admin.headers, body: replan) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"departure-no-conflicts\"") && html.contains("chosen for this account"), "\(html)")
            }
            var later = DepartureRequest(memberID: f.org.carol.id, mappings: [DepartureMapping(accountID: account.id, recipientID: f.org.bob.id)])
            later.effectiveOn = CalendarDate(Date().addingTimeInterval(3 * 86_400))
            let schedule = web.encoded([("csrf", admin.csrf), ("request", DepartureForm.hidden(later)), ("key", "k-\(UUID().uuidString)")])
            var location = ""
            try await client.execute(uri: "/departures", method: .post, headers: admin.headers, body: schedule) { r in
                #expect(r.status == .seeOther)
                location = r.headers[.location] ?? ""
            }
            #expect(location.contains("done=departure-scheduled"), "\(location)")
            try await client.execute(uri: location, method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).contains("Scheduled for \(Web.day(later.effectiveOn!))"))
            }
            #expect(try await DepartureTests.handoverCount(f.store, f.org) == before, "nothing applied yet")
        }
    }

    /// Admins are offered "deactivate them when it applies" (managers are not); the plan says it
    /// will, and once applied the leaver's web session is refused at once (the credential cache
    /// emptied with it).
    @Test(arguments: TestDatabases.engines) func aDepartureThatDeactivatesEndsTheLeaversSession(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        _ = try await DepartureTests.accounts(["Deimos Web"], owner: f.org.alice, services: services)
        try await f.test { client in
            let admin = try await web.session(f, f.org.admin)
            let manager = try await web.session(f, f.org.manager)
            let alice = try await web.session(f, f.org.alice)
            try await client.execute(uri: "/departures", method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).contains("id=\"deactivate\""))
            }
            try await client.execute(uri: "/departures", method: .get, headers: manager.headers) { r in
                #expect(r.status == .ok && !String(buffer: r.body).contains("id=\"deactivate\""))
            }
            let plan = web.encoded([("csrf", admin.csrf), ("member", f.org.alice.id), ("deactivate", "on")])
            try await client.execute(uri: "/departures/preview", method: .post, headers: admin.headers, body: plan) { r in
                #expect(String(buffer: r.body).contains("id=\"deactivate-note\""))
            }
            // Her session works, and is cached, before.
            try await client.execute(uri: "/", method: .get, headers: alice.headers) { r in #expect(r.status == .ok) }
            let request = DepartureForm.hidden(DepartureRequest(memberID: f.org.alice.id, deactivate: true))
            let apply = web.encoded([("csrf", admin.csrf), ("request", request), ("key", "k-\(UUID().uuidString)")])
            var location = ""
            try await client.execute(uri: "/departures", method: .post, headers: admin.headers, body: apply) { r in
                #expect(r.status == .seeOther)
                location = r.headers[.location] ?? ""
            }
            try await client.execute(uri: location, method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).contains("yes, when it applied"))
            }
            try await client.execute(uri: "/", method: .get, headers: alice.headers) { r in #expect(r.status != .ok) }
        }
    }

    /// The plan page lists the handovers sent to the leaver with where each goes, and a conflict
    /// about one points at that list (it is not one of the leaver's accounts' lines).
    @Test(arguments: TestDatabases.engines) func thePlanListsHandoversSentToTheLeaver(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let accounts = try await DepartureTests.accounts(["Phobos Web", "Europa Web"], owner: f.org.bob, services: services)
        var sent: [Handover] = []
        for account in accounts {
            sent.append(
                try await services.handovers.begin(
                    accountID: account.id, recipientID: f.org.alice.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: f.org.bob))
        }
        let (waiting, acknowledged) = (sent[0].id, sent[1].id)
        try await f.store.database.transaction { db in
            try await db.raw("UPDATE handovers SET state = 'acknowledged' WHERE id = \(bind: acknowledged)").run()
        }
        try await f.test { client in
            let admin = try await web.session(f, f.org.admin)
            let plan = web.encoded([("csrf", admin.csrf), ("member", f.org.alice.id)])
            try await client.execute(uri: "/departures/preview", method: .post, headers: admin.headers, body: plan) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"departure-incoming\"") && html.contains("<a href=\"/handovers/\(waiting)\">Phobos Web, from Bob"), "\(html)")
                #expect(html.contains("Phobos Web, from Bob (draft)</a> → Manager"))
                #expect(html.contains("href=\"#departure-incoming\">see the handovers sent to them"))
            }
        }
    }

    @Test func theFormReadsRulesBalanceAndOverrides() throws {
        var form = Form([
            "member": "m1", "effective": "2031-02-03", "rule-0-match": "kind", "rule-0-value": "customer", "rule-0-recipient": "m2",
            "rule-1-match": "tag", "rule-1-value": "emea", "rule-1-recipient": "team:t1", "balance-m3": "on", "balance-m4": "on",
        ])
        var request = try DepartureForm.request(form)
        #expect(request.effectiveOn == CalendarDate("2031-02-03"))
        #expect(request.rules == [DepartureRule(match: .kind, value: "customer", recipientID: "m2"), DepartureRule(match: .tag, value: "emea", teamID: "t1")])
        #expect(request.balanceAmong == ["m3", "m4"])
        form = Form(["request": DepartureForm.hidden(request), "map-a1": "m5", "map-a2": ""])
        request = try DepartureForm.request(form)
        #expect(request.mappings == [DepartureMapping(accountID: "a1", recipientID: "m5")] && request.balanceAmong == ["m3", "m4"])
        #expect(throws: HandoverError.self) { try DepartureForm.request(Form(["member": "m1", "rule-1-value": "emea"])) }
        #expect(throws: HandoverError.self) { try DepartureForm.request(Form(["member": "m1", "effective": "tomorrow"])) }
        #expect(throws: HandoverError.self) { try DepartureForm.request(Form(["request": "{not json"])) }
    }
}
