import Foundation
import HandoverCore
@testable import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The receiver's receipt form in the web app: an outcome the form leaves out, or one that is
/// not received, missing or damaged, is a problem naming the item, never taken as "received";
/// the form comes back with what was typed.
@Suite struct CustodyWebTests {
    func session(_ f: APIFixture, _ member: Member) async throws -> (headers: HTTPFields, csrf: String) {
        let (value, _) = try await MemberService(store: f.store).startSession(for: member, lifetime: 3600)
        return ([.cookie: "\(sessionCookieName)=\(value)", .contentType: "application/x-www-form-urlencoded"], CSRF.token(session: value))
    }

    func encoded(_ pairs: [(String, String)]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(
            string: pairs.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&"))
    }

    @Test(arguments: TestDatabases.engines) func aMissingOrGarbledOutcomeIsAProblemAndTheFormKeepsWhatWasTyped(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let laptop = try await CustodyTests.register(client, f, .laptop, "ThinkPad X1", holder: f.org.alice, by: f.org.admin)
            let badge = try await CustodyTests.register(client, f, .badge, "Badge 0042", holder: f.org.alice, by: f.org.admin)
            let start = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.bob.id))
            let id = try await CustodyTests.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
                .decode(CustodyTransferResponse.self).transfer.id
            let bob = try await session(f, f.org.bob)
            for badgeOutcome in [nil, "lost-ish"] {
                var pairs = [
                    ("csrf", bob.csrf), ("outcome-\(laptop.id)", "received"), ("note-\(laptop.id)", "Scratched lid"),
                    ("note-\(badge.id)", "Left in the car"), ("extras", "USB-C charger\nSpare mouse"),
                ]
                if let badgeOutcome { pairs.append(("outcome-\(badge.id)", badgeOutcome)) }
                try await client.execute(uri: "/custody/\(id)/receipt", method: .post, headers: bob.headers, body: encoded(pairs)) { r in
                    let html = String(buffer: r.body)
                    #expect(r.status == .unprocessableContent, "\(badgeOutcome ?? "no outcome"): \(r.status)")
                    #expect(html.contains("say what became of Badge 0042"), "the problem names the item")
                    #expect(!html.contains("say what became of ThinkPad"), "the laptop's outcome was given")
                    #expect(html.contains("value=\"Left in the car\"") && html.contains("value=\"Scratched lid\""), "notes as typed")
                    #expect(html.contains("USB-C charger\nSpare mouse"), "extras as typed")
                    #expect(html.contains("<option value=\"\" selected>"), "no outcome shown chosen for the badge")
                }
            }
            let untouched = try await CustodyTests.transfer(client, f, id, as: f.org.bob).transfer
            #expect(untouched.state == .awaitingReceipt && untouched.items.allSatisfy { $0.outcome == nil }, "nothing recorded")

            // A refusal from the rules (a damaged item needs a note) also keeps what was typed.
            let damaged = [("csrf", bob.csrf), ("outcome-\(laptop.id)", "damaged"), ("outcome-\(badge.id)", "missing"), ("extras", "Dock")]
            try await client.execute(uri: "/custody/\(id)/receipt", method: .post, headers: bob.headers, body: encoded(damaged)) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .unprocessableContent && html.contains("say what is damaged") && html.contains(">Dock</textarea>"))
            }

            let complete = [("csrf", bob.csrf), ("outcome-\(laptop.id)", "received"), ("outcome-\(badge.id)", "missing"), ("note-\(badge.id)", "Left in the car")]
            try await client.execute(uri: "/custody/\(id)/receipt", method: .post, headers: bob.headers, body: encoded(complete)) { r in
                #expect(r.status == .seeOther, "\(String(buffer: r.body))")
            }
            let recorded = try await CustodyTests.transfer(client, f, id, as: f.org.bob).transfer
            #expect(Dictionary(uniqueKeysWithValues: recorded.items.map { ($0.asset, $0.outcome) }) == [laptop.id: .received, badge.id: .missing])
        }
    }
}
