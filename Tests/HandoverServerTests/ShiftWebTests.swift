import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The shift pages: every member sees the rotas and who is on; a member of the rota takes a
/// shift from the week ahead (an override, shown as such, removable by them); someone outside
/// the rota is offered no button and refused if they post anyway; another organization's
/// schedule is 404.
@Suite struct ShiftWebTests {
    @Test func theRotaReadsAndAMemberTakesAShift() async throws {
        let f = try await APIFixture.make()
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let account = try await services.accounts.createAccount(
            name: "Support desk", kind: .service, ownerID: nil, profile: AccountProfile(overview: "Tier 1"), by: f.org.alice)
        let schedule = try await services.shifts.create(
            ShiftScheduleRequest(
                name: "Support <rota>", accountID: account.id, rotation: [f.org.alice.id, f.org.bob.id], rule: "FREQ=DAILY",
                startsOn: CalendarDate(Date()).adding(days: 1).description, startTime: "08:00,20:00", duration: "PT12H", timeZone: "Europe/Paris"),
            by: f.org.manager)
        try await f.test { client in
            let bob = try await web.session(f, f.org.bob)
            let carol = try await web.session(f, f.org.carol)
            try await client.execute(uri: "/shifts", method: .get, headers: carol.headers) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok && html.contains("id=\"schedule-\(schedule.id)\"") && html.contains("Support &lt;rota&gt;"), "\(html)")
                #expect(!html.contains("Support <rota>"), "the name is escaped")
            }
            try await client.execute(uri: "/shifts/\(schedule.id)", method: .get, headers: carol.headers) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"shift-week\"") && html.contains("On shift now: <strong>nobody</strong>"))
                #expect(!html.contains("Take this shift"), "Carol is not in the rota")
            }
            // Bob is offered Alice's shifts; he takes the first.
            let (start, end) = try await client.execute(uri: "/shifts/\(schedule.id)", method: .get, headers: bob.headers) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("Take this shift"))
                let form = try #require(html.range(of: "action=\"/shifts/\(schedule.id)/take\"").map { String(html[$0.lowerBound...]) })
                func value(_ name: String) -> String {
                    form.components(separatedBy: "name=\"\(name)\" value=\"").dropFirst().first?.components(separatedBy: "\"").first ?? ""
                }
                return (value("start"), value("end"))
            }
            #expect(Timestamp.parse(start) != nil && Timestamp.parse(end) != nil)
            let take = web.encoded([("csrf", bob.csrf), ("start", start), ("end", end)])
            try await client.execute(uri: "/shifts/\(schedule.id)/take", method: .post, headers: bob.headers, body: take) { r in
                #expect(r.status == .seeOther && r.headers[.location] == "/shifts/\(schedule.id)?done=shift-taken")
            }
            let overrides = try await services.shifts.view(id: schedule.id, by: f.org.bob).overrides
            #expect(overrides.count == 1 && overrides.first?.memberID == f.org.bob.id && overrides.first.map { Timestamp.format($0.startsAt) } == start)
            try await client.execute(uri: "/shifts/\(schedule.id)?done=shift-taken", method: .get, headers: bob.headers) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("The shift is yours") && html.contains("id=\"remove-\(overrides[0].id)\"") && html.contains("(override)"))
            }
            // Carol posts anyway: refused, nothing added.
            try await client.execute(
                uri: "/shifts/\(schedule.id)/take", method: .post, headers: carol.headers, body: web.encoded([("csrf", carol.csrf), ("start", start), ("end", end)])
            ) { r in #expect(r.status == .forbidden) }
            try await client.execute(
                uri: "/shifts/\(schedule.id)/overrides/\(overrides[0].id)/remove", method: .post, headers: bob.headers,
                body: web.encoded([("csrf", bob.csrf)])
            ) { r in #expect(r.status == .seeOther) }
            #expect(try await services.shifts.view(id: schedule.id, by: f.org.bob).overrides.isEmpty)
            let stranger = try await web.session(f, f.other.admin)
            try await client.execute(uri: "/shifts/\(schedule.id)", method: .get, headers: stranger.headers) { r in #expect(r.status == .notFound) }
        }
    }
}
