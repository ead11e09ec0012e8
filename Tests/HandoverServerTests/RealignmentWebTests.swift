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

/// The realignment pages: a member is refused (403); a file with bad rows comes back with every
/// one named by its line and the text kept; the preview's apply form sent twice (same key)
/// applies once; another organization's realignment is 404.
@Suite struct RealignmentWebTests {
    @Test func previewBadRowsApplyTwiceAndWhoMaySee() async throws {
        let f = try await APIFixture.make()
        let web = CustodyWebTests()
        let services = Services(store: f.store, logKeys: try LogKeys(secret: Array(repeating: 9, count: 32)))
        _ = try await RealignmentTests.account("Acme Web", owner: f.org.alice, services: services)
        _ = try await RealignmentTests.account("Borealis, Web", owner: f.org.alice, services: services)
        try await f.test { client in
            let admin = try await web.session(f, f.org.admin)
            let bob = try await web.session(f, f.org.bob)
            try await client.execute(uri: "/realignments", method: .get, headers: bob.headers) { r in #expect(r.status == .forbidden) }
            let csv = "account,new_owner,note\nAcme Web,\(f.org.bob.email),Say hello <b>\n\"Borealis, Web\",\(f.org.carol.email),\n"
            try await client.execute(
                uri: "/realignments/preview", method: .post, headers: bob.headers, body: web.encoded([("csrf", bob.csrf), ("csv", csv)])
            ) { r in #expect(r.status == .forbidden) }

            let bad = csv + "Nowhere,\(f.org.bob.email),\nAcme Web,\(f.org.carol.email),\n"
            try await client.execute(
                uri: "/realignments/preview", method: .post, headers: admin.headers, body: web.encoded([("csrf", admin.csrf), ("csv", bad)])
            ) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .unprocessableContent, "\(html)")
                #expect(html.contains("<li>line 4: no account &quot;Nowhere&quot; in this organization</li>"), "\(html)")
                #expect(html.contains("<li>line 5: Acme Web is already on line 2"))
                #expect(html.contains("id=\"csv\"") && html.contains("Nowhere,"), "what was typed is kept")
            }
            try await client.execute(
                uri: "/realignments/preview", method: .post, headers: admin.headers, body: web.encoded([("csrf", admin.csrf), ("csv", csv)])
            ) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok, "\(html)")
                #expect(html.contains("id=\"realignment-lines\"") && html.contains("name=\"key\" value=\"web-"))
                #expect(html.contains("Say hello &lt;b&gt;"), "the note is escaped")
            }
            let apply = web.encoded([("csrf", admin.csrf), ("csv", csv), ("key", "k-\(UUID().uuidString)")])
            var locations: [String] = []
            for _ in 0..<2 {
                try await client.execute(uri: "/realignments", method: .post, headers: admin.headers, body: apply) { r in
                    #expect(r.status == .seeOther)
                    locations.append(r.headers[.location] ?? "")
                }
            }
            #expect(locations[0] == locations[1] && locations[0].hasPrefix("/realignments/"), "\(locations)")
            #expect(try await RealignmentTests.handovers(f.store, f.org).count == 2, "one set of handovers")
            let path = String(locations[0].split(separator: "?")[0])
            try await client.execute(uri: path, method: .get, headers: admin.headers) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok && html.contains("Acme Web</a>") && html.contains("from Alice to Bob"), "\(html)")
            }
            try await client.execute(uri: "/realignments", method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).components(separatedBy: "class=\"realignment\"").count == 2, "exactly one realignment listed")
            }
            let stranger = try await web.session(f, f.other.admin)
            try await client.execute(uri: path, method: .get, headers: stranger.headers) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: path, method: .get, headers: bob.headers) { r in #expect(r.status == .notFound) }
        }
    }
}
