import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Control characters other than tab, line feed and carriage return are refused with a 400
/// naming the field, on every text field, before anything is stored; allowed text is stored
/// and returned whole.
@Suite struct TextRuleTests {
    @Test func theRuleKeepsTabNewlineAndCarriageReturnOnly() {
        for value: UInt32 in 0...0xA0 {
            let scalar = Unicode.Scalar(value)!
            let allowed = [0x09, 0x0A, 0x0D].contains(value) || (0x20...0x7E).contains(value) || value == 0xA0
            #expect(TextRule.isAllowed(scalar) == allowed, "U+\(String(value, radix: 16))")
            // The byte pre-scan never misses one the rule refuses, written raw or escaped.
            if !allowed {
                let escaped = String(format: "\\u%04x", value)
                #expect(TextRule.mayContainControl(Data(#"{"a": "x\#(escaped)y"}"#.utf8)))
                #expect(TextRule.firstForbidden(inJSON: Data(#"{"a": ["ok", {"b": "x\#(escaped)y"}]}"#.utf8))?.path == "a[1].b")
            }
        }
        #expect(TextRule.firstForbidden(inJSON: Data(#"{"name": "caf\u00e9 \t\n\r fine"}"#.utf8)) == nil)
        #expect(TextRule.firstForbidden(inJSON: Data(#"{"pro\u0001ducts": 1}"#.utf8))?.path == "pro\u{1}ducts")
    }

    /// (method, path, body with a refused character, the field the 400 must name)
    static func hostileBodies(_ f: APIFixture, account: Account, handover: Handover) -> [(HTTPRequest.Method, String, Member, String, String)] {
        [
            (.post, "/api/v1/accounts", f.org.alice, #"{"name": "nul\u0000tail", "kind": "customer"}"#, "name"),
            (.patch, "/api/v1/accounts/\(account.id)", f.org.alice, #"{"name": "bell\u0007"}"#, "name"),
            (.patch, "/api/v1/accounts/\(account.id)", f.org.alice, #"{"profile": {"overview": "esc\u001b[31m"}}"#, "profile.overview"),
            (.post, "/api/v1/members", f.org.admin, #"{"email": "new@example.com", "name": "Nul\u0000l", "role": "member"}"#, "name"),
            (.post, "/api/v1/tokens", f.org.alice, #"{"name": "lap\u007ftop"}"#, "name"),
            (.patch, "/api/v1/handovers/\(handover.id)", f.org.alice, #"{"content": {"usage": {"products": "next\u0085line"}}}"#, "content.usage.products"),
            (.post, "/api/v1/handovers/\(handover.id)/questions", f.org.bob, #"{"body": "why\u0000?"}"#, "body"),
            (
                .post, "/api/v1/handovers", f.org.alice, #"{"accountID": "\#(account.id)", "recipientID": "\#(f.org.bob.id)", "templateKey": "customer\u0000"}"#,
                "templateKey"
            ),
            (.post, "/api/v1/auth/login", f.org.alice, #"{"email": "a\u0000@example.com", "password": "x"}"#, "email"),
        ]
    }

    @Test(arguments: TestDatabases.engines) func everyTextFieldRefusesControlCharactersAndKeepsTheRest(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let other = try await f.org.account(f.org.alice, in: f.store, name: "Other")
        let handover = try await f.org.handover(of: other, to: f.org.bob, in: f.store)
        try await f.test { client in
            for (method, uri, member, json, field) in Self.hostileBodies(f, account: account, handover: handover) {
                try await client.execute(uri: uri, method: method, headers: f.headers(member), body: body(json)) { r in
                    #expect(r.status == .badRequest, "\(method) \(uri): \(r.status)")
                    #expect(r.problem?.errors?.first?.path == field, "\(method) \(uri): \(String(buffer: r.body))")
                }
            }
            // Nothing was stored.
            let stored = try #require(try await f.store.account(id: account.id, organizationID: f.org.organization.id))
            #expect(stored.name == account.name && stored.version == account.version)
            #expect(try await f.store.members(organizationID: f.org.organization.id).count == 6)
            #expect(try await f.store.questions(handoverID: handover.id, organizationID: f.org.organization.id).isEmpty)

            // Tab, newline and carriage return are text: stored and returned whole.
            let text = "line one\r\nline\ttwo\nend"
            let encoded = String(decoding: try JSONEncoder().encode(["name": text]), as: UTF8.self)
            try await client.execute(uri: "/api/v1/accounts/\(account.id)", method: .patch, headers: f.headers(f.org.alice), body: body(encoded)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/v1/accounts/\(account.id)", method: .get, headers: f.headers(f.org.alice)) { r in
                let stored = try r.decode(Account.self)
                #expect(stored.name == text)
            }
        }
    }

    @Test func webFormsFollowTheSameRule() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            try await client.execute(
                uri: "/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                body: body("email=a%00b%40example.com&password=x&csrf=x")
            ) { r in
                #expect(r.status == .badRequest)
                #expect(String(buffer: r.body).contains("email"))
            }
        }
    }
}
