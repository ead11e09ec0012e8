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

/// Covers on the account page: its owner starts one (and lands on the cover handover), the page
/// then shows it with "Back early" for the parties, an early end while the cover handover is a
/// draft is refused on an error page naming it, and another organization's cover is 404.
@Suite struct CoverWebTests {
    @Test func startFromTheAccountPageAndEndEarly() async throws {
        let f = try await APIFixture.make()
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        let account = try await services.accounts.createAccount(
            name: "Acme Cover", kind: .customer, ownerID: nil, profile: AccountProfile(overview: "Ours"), by: f.org.alice)
        let until = CalendarDate(Date().addingTimeInterval(5 * 86_400)).description
        try await f.test { client in
            let alice = try await web.session(f, f.org.alice)
            let bob = try await web.session(f, f.org.bob)
            try await client.execute(uri: "/accounts/\(account.id)", method: .get, headers: alice.headers) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"start-cover\"") && html.contains("<option value=\"\(f.org.bob.id)\">Bob</option>"), "\(html)")
                let form = html.range(of: "id=\"start-cover\"").map { String(html[$0.lowerBound...]).components(separatedBy: "</form>")[0] }
                #expect(form?.contains(f.org.alice.id) == false, "the owner does not cover themself")
                #expect(form?.contains(f.org.auditor.id) == false, "nor does an auditor")
            }
            let start = web.encoded([("csrf", alice.csrf), ("coverer", f.org.bob.id), ("until", until)])
            let location = try await client.execute(uri: "/accounts/\(account.id)/cover", method: .post, headers: alice.headers, body: start) { r in
                #expect(r.status == .seeOther)
                return r.headers[.location] ?? ""
            }
            #expect(location.hasPrefix("/handovers/") && location.contains("done=cover-started"), "\(location)")
            let covers = try await services.covers.covers(accountID: account.id, by: f.org.admin)
            #expect(covers.count == 1 && covers[0].covererID == f.org.bob.id)
            let cover = covers[0]
            try await client.execute(uri: "/accounts/\(account.id)", method: .get, headers: bob.headers) { r in
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"cover-\(cover.id)\"") && html.contains("id=\"end-cover-\(cover.id)\""), "\(html)")
                #expect(!html.contains("id=\"start-cover\""), "not while the cover handover is open")
            }
            try await client.execute(
                uri: "/covers/\(cover.id)/end", method: .post, headers: alice.headers, body: web.encoded([("csrf", alice.csrf)])
            ) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains(cover.handoverID))
            }
            let stranger = try await web.session(f, f.other.admin)
            try await client.execute(
                uri: "/covers/\(cover.id)/end", method: .post, headers: stranger.headers, body: web.encoded([("csrf", stranger.csrf)])
            ) { r in #expect(r.status == .notFound) }
            // A day that is not after today is refused on the page, nothing started.
            let past = web.encoded([("csrf", alice.csrf), ("coverer", f.org.carol.id), ("until", "2020-01-01")])
            try await client.execute(uri: "/accounts/\(account.id)/cover", method: .post, headers: alice.headers, body: past) { r in
                #expect(r.status == .unprocessableContent)
            }
        }
    }
}
