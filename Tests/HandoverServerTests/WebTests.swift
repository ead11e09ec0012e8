import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import HTTPTypes
import Testing

/// The web pages through the router: escaping, CSRF, and the same organization and role checks
/// as the API. (The whole flow in a real browser is `scripts/browser-tests`.)
@Suite struct WebTests {
    static let payload = #"<script>alert("x")</script>"#

    /// A browser session for `member`: the cookie header and the form token.
    func session(_ f: APIFixture, _ member: Member) async throws -> (headers: HTTPFields, csrf: String) {
        let (value, _) = try await MemberService(store: f.store).startSession(for: member, lifetime: 3600)
        return ([.cookie: "\(sessionCookieName)=\(value)"], CSRF.token(session: value))
    }

    func form(_ headers: HTTPFields) -> HTTPFields {
        var headers = headers
        headers[.contentType] = "application/x-www-form-urlencoded"
        return headers
    }

    func encoded(_ pairs: [String: String]) -> ByteBuffer {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return ByteBuffer(
            string: pairs.map { "\($0.key.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.value.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&"))
    }

    /// Every field of the template holding the payload wherever free text goes.
    func hostileContent(_ template: Template) -> HandoverContent {
        let p = JSONValue.string(Self.payload)
        var content = HandoverContent()
        for section in template.sections {
            for field in section.fields {
                switch field.type {
                case .text, .markdown: content[section.id, field.id] = p
                case .date: content[section.id, field.id] = .string("2027-01-31")
                case .contacts: content[section.id, field.id] = .array([.object(["name": p, "role": p, "email": p, "phone": p, "preference": p, "notes": p])])
                case .items: content[section.id, field.id] = .array([.object(["title": p, "owner": p, "due": .string("2027-01-31"), "status": p, "notes": p])])
                case .checklist: content[section.id, field.id] = .array((field.options ?? []).map { .object(["item": .string($0), "done": .bool(true), "note": p]) })
                case .decisions: content[section.id, field.id] = .array([.object(["decision": p, "rationale": p])])
                }
            }
        }
        return content
    }

    @Test func userTextComesBackInertOnEveryPage() async throws {
        let f = try await APIFixture.make()
        let service = HandoverService(store: f.store)
        let admin = MemberService(store: f.store)
        let org = f.org
        let hostile = try await admin.createMember(
            organizationID: org.organization.id, email: "x@example.com", name: Self.payload, role: .member, managerID: org.manager.id, password: nil, by: .operator)
        _ = try await admin.createToken(for: org.alice, name: Self.payload, by: .operator)
        let account = try await service.accounts.createAccount(
            name: Self.payload, kind: .customer, ownerID: org.alice.id,
            profile: AccountProfile(
                overview: Self.payload, contacts: [Contact(name: Self.payload, role: Self.payload, preference: Self.payload, notes: Self.payload)],
                openItems: [OpenItem(title: Self.payload, owner: Self.payload, due: CalendarDate("2020-01-01"))],
                historyNotes: [HistoryNote(date: CalendarDate("2026-01-01")!, text: Self.payload)], renewalDate: CalendarDate("2027-01-31"), tags: [Self.payload]),
            by: org.alice)
        let draft = try await service.begin(
            accountID: account.id, recipientID: org.bob.id, templateKey: "customer-account", templateVersion: nil,
            content: hostileContent(ContentFixtures.customerTemplate), by: org.alice)
        let submittedID = try await {
            let other = try await service.accounts.createAccount(
                name: "Second " + Self.payload, kind: .customer, ownerID: org.alice.id,
                profile: AccountProfile(renewalDate: CalendarDate("2027-01-31")), by: org.alice)
            let h = try await service.begin(
                accountID: other.id, recipientID: hostile.id, templateKey: "customer-account", templateVersion: nil,
                content: hostileContent(ContentFixtures.customerTemplate), by: org.alice)
            _ = try await service.transition(id: h.id, event: .submit, expectedVersion: nil, by: org.alice)
            _ = try await service.ask(id: h.id, body: Self.payload, by: hostile)
            return h.id
        }()
        let alice = try await session(f, org.alice)
        let recipient = try await session(f, hostile)
        let boss = try await session(f, org.admin)
        let pages: [(String, HTTPFields)] = [
            ("/", alice.headers), ("/accounts", alice.headers), ("/accounts?q=%3Cscript%3E&tag=%3Cscript%3E", alice.headers), ("/accounts/\(account.id)", alice.headers),
            ("/handovers/new", alice.headers), ("/handovers/\(draft.id)", alice.headers), ("/handovers/\(draft.id)/report", alice.headers),
            ("/handovers/\(submittedID)", recipient.headers), ("/", recipient.headers), ("/admin", boss.headers), ("/", boss.headers),
        ]
        try await f.test { client in
            for (uri, headers) in pages {
                try await client.execute(uri: uri, method: .get, headers: headers) { r in
                    let html = String(buffer: r.body)
                    #expect(r.status == .ok, "\(uri)")
                    #expect(!html.contains("<script>alert"), "raw payload on \(uri)")
                    #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"), "payload not shown on \(uri)")
                    // Our own markup must never be escaped into text either.
                    for tag in ["&lt;p", "&lt;ul", "&lt;li", "&lt;div", "&lt;span", "&lt;a ", "&lt;h", "&lt;br", "&lt;strong"] {
                        #expect(!html.contains(tag), "escaped markup \(tag) on \(uri)")
                    }
                    #expect(r.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("script-src 'self'") == true)
                }
            }
        }
    }

    @Test func formsNeedTheSessionsToken() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let draft = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        let alice = try await session(f, f.org.alice)
        let bob = try await session(f, f.org.bob)
        try await f.test { client in
            let save = "/handovers/\(draft.id)/save"
            try await client.execute(uri: save, method: .post, headers: form(alice.headers), body: encoded(["version": "1", "f.risks.sentiment": "Good"])) {
                #expect($0.status == .forbidden)
            }
            // Another member's token does not fit this session.
            try await client.execute(
                uri: save, method: .post, headers: form(alice.headers), body: encoded(["csrf": bob.csrf, "version": "1", "f.risks.sentiment": "Good"])
            ) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(
                uri: save, method: .post, headers: form(alice.headers), body: encoded(["csrf": alice.csrf, "version": "1", "f.risks.sentiment": "Good"])
            ) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/handovers/\(draft.id)?done=saved#lint")
            }
            // Sign-in needs the double-submit cookie that comes with the form.
            try await client.execute(uri: "/login", method: .post, headers: form([:]), body: encoded(["email": "a@b.c", "password": "x", "csrf": "guess"])) {
                #expect($0.status == .forbidden)
            }
            #expect(try await f.store.handover(id: draft.id, organizationID: f.org.organization.id)?.content["risks", "sentiment"] == .string("Good"))
        }
    }

    @Test func signingInSetsAnHttpOnlySessionAndPagesNeedIt() async throws {
        let f = try await APIFixture.make()
        let admin = MemberService(store: f.store, passwords: Passwords(cost: 12))
        _ = try await admin.createMember(
            organizationID: f.org.organization.id, email: "pat@example.com", name: "Pat", role: .member, managerID: nil, password: "correct horse battery", by: .operator)
        try await f.test { client in
            try await client.execute(uri: "/", method: .get) { r in
                #expect(r.status == .seeOther)
                #expect(r.headers[.location] == "/login")
            }
            let (cookie, token) = try await client.execute(uri: "/login", method: .get) { r in
                let cookie = try #require(r.headers[.setCookie]?.split(separator: ";").first.map(String.init))
                let html = String(buffer: r.body)
                let token = try #require(html.range(of: #"name="csrf" value=""#).map { html[$0.upperBound...].prefix { $0 != "\"" } })
                return (cookie, String(token))
            }
            #expect(cookie.hasPrefix("\(CSRF.preSessionCookie)="))
            try await client.execute(
                uri: "/login", method: .post, headers: form([.cookie: cookie]),
                body: encoded(["csrf": token, "email": "pat@example.com", "password": "wrong password"])
            ) { r in
                #expect(r.status == .unauthorized)
                #expect(String(buffer: r.body).contains("Email or password is wrong"))
            }
            try await client.execute(
                uri: "/login", method: .post, headers: form([.cookie: cookie]),
                body: encoded(["csrf": token, "email": "pat@example.com", "password": "correct horse battery"])
            ) { r in
                #expect(r.status == .seeOther)
                let session = r.headers[values: .setCookie].first { $0.hasPrefix(sessionCookieName) } ?? ""
                #expect(session.contains("HttpOnly") && session.contains("SameSite=Lax"))
            }
        }
    }

    /// One email and password in two organizations: the form asks which, then signs in there.
    @Test func signInAsksWhichOrganizationWhenThePasswordFitsTwo() async throws {
        let f = try await APIFixture.make()
        let admin = MemberService(store: f.store)
        let email = "both-\(UUID().uuidString.prefix(6))@example.com"
        _ = try await admin.createMember(
            organizationID: f.org.organization.id, email: email, name: "Both", role: .member, managerID: nil, password: "correct horse battery", by: .operator)
        let second = try await admin.createMember(
            organizationID: f.other.organization.id, email: email, name: "Both", role: .member, managerID: nil,
            password: "correct horse battery", by: .operator)
        try await f.test { client in
            let (cookie, token) = try await client.execute(uri: "/login", method: .get) { r in
                let cookie = try #require(r.headers[.setCookie]?.split(separator: ";").first.map(String.init))
                let html = String(buffer: r.body)
                let token = try #require(html.range(of: #"name="csrf" value=""#).map { html[$0.upperBound...].prefix { $0 != "\"" } })
                return (cookie, String(token))
            }
            try await client.execute(
                uri: "/login", method: .post, headers: form([.cookie: cookie]),
                body: encoded(["csrf": token, "email": email, "password": "correct horse battery"])
            ) { r in
                #expect(r.status == .conflict)
                let html = String(buffer: r.body)
                #expect(html.contains(#"<select id="organization" name="organization" required>"#))
                #expect(html.contains(#"value="\#(f.org.organization.id)""#) && html.contains(#"value="\#(f.other.organization.id)""#))
            }
            try await client.execute(
                uri: "/login", method: .post, headers: form([.cookie: cookie]),
                body: encoded(["csrf": token, "email": email, "password": "correct horse battery", "organization": f.other.organization.id])
            ) { r in
                #expect(r.status == .seeOther)
                let session = try #require(r.headers[values: .setCookie].first { $0.hasPrefix(sessionCookieName) })
                let value = String(session.dropFirst(sessionCookieName.count + 1).prefix { $0 != ";" })
                #expect(try await f.store.authenticate(sessionDigest: Secrets.digest(value), at: Date())?.id == second.id)
            }
        }
    }

    @Test func pagesApplyTheSameRulesAsTheAPI() async throws {
        let f = try await APIFixture.make()
        let service = HandoverService(store: f.store)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let submitted = try await service.begin(
            accountID: account.id, recipientID: f.org.bob.id, templateKey: "customer-account", templateVersion: nil,
            content: ContentFixtures.complete(ContentFixtures.customerTemplate), by: f.org.alice)
        _ = try await service.transition(id: submitted.id, event: .submit, expectedVersion: nil, by: f.org.alice)
        let outsider = try await session(f, f.other.admin)
        let carol = try await session(f, f.org.carol)
        let auditor = try await session(f, f.org.auditor)
        let bob = try await session(f, f.org.bob)
        try await f.test { client in
            // Another organization and a non-party get the same 404 page.
            for viewer in [outsider, carol] {
                try await client.execute(uri: "/handovers/\(submitted.id)", method: .get, headers: viewer.headers) { r in
                    #expect(r.status == .notFound)
                    #expect(!String(buffer: r.body).contains(account.name))
                }
                try await client.execute(uri: "/accounts/\(account.id)", method: .get, headers: outsider.headers) { #expect($0.status == .notFound) }
                // No live thread either: the stream is refused before it starts.
                try await client.execute(uri: "/handovers/\(submitted.id)/thread/live", method: .get, headers: viewer.headers) { r in
                    #expect(r.status == .notFound && r.headers[.contentType]?.hasPrefix("text/event-stream") != true)
                }
            }
            try await client.execute(uri: "/handovers/\(submitted.id)/thread/live", method: .get) { r in
                #expect(r.status != .ok && r.headers[.contentType]?.hasPrefix("text/event-stream") != true, "signed out: \(r.status)")
            }
            // The auditor reads without any form to act with, and a forged post is refused.
            try await client.execute(uri: "/handovers/\(submitted.id)", method: .get, headers: auditor.headers) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok && html.contains("id=\"packet\""))
                #expect(!html.contains("id=\"acknowledge\"") && !html.contains("id=\"ask\""))
            }
            try await client.execute(
                uri: "/handovers/\(submitted.id)/acknowledge", method: .post, headers: form(auditor.headers),
                body: encoded(["csrf": auditor.csrf, "synthesis": "An auditor pretending to accept this account."])
            ) {
                #expect($0.status == .forbidden)
            }
            // Only admins manage members.
            try await client.execute(
                uri: "/admin/members", method: .post, headers: form(bob.headers),
                body: encoded(["csrf": bob.csrf, "name": "Eve", "email": "eve@example.com", "role": "admin"])
            ) {
                #expect($0.status == .forbidden)
            }
            // A too-short synthesis comes back with the reason and the text kept.
            try await client.execute(
                uri: "/handovers/\(submitted.id)/acknowledge", method: .post, headers: form(bob.headers),
                body: encoded(["csrf": bob.csrf, "synthesis": "Too short"])
            ) { r in
                #expect(r.status == .unprocessableContent)
                let html = String(buffer: r.body)
                #expect(html.contains("id=\"errors\"") && html.contains(">Too short</textarea>"))
            }
            #expect(try await f.store.members(organizationID: f.org.organization.id).allSatisfy { $0.email != "eve@example.com" })
            #expect(try await f.store.handover(id: submitted.id, organizationID: f.org.organization.id)?.state == .submitted)
        }
    }

    @Test func theEditorFormBecomesContent() throws {
        let template = ContentFixtures.customerTemplate
        let form = Form([
            "f.overview.summary": "Line one\r\nline two",
            "f.renewal.renewalDate": "2027-03-31",
            "f.openWork.openItems.0.title": "QBR", "f.openWork.openItems.0.owner": "Rita", "f.openWork.openItems.0.due": "2027-01-15",
            "f.openWork.openItems.1.title": "", "f.openWork.openItems.1.owner": "ignored: blank first box",
            "f.openWork.openItems.7.title": "Renewal call",
            "f.contacts.warmIntroduction.0.done": "on", "f.contacts.warmIntroduction.2.done": "on",
        ])
        let patch = try EditorForm.patch(from: form, template: template).get()
        #expect(patch["overview", "summary"] == .string("Line one\nline two"))
        #expect(patch["usage", "products"] == .null)  // emptied fields are cleared
        #expect(
            patch["openWork", "openItems"]
                == .array([
                    .object(["title": .string("QBR"), "owner": .string("Rita"), "due": .string("2027-01-15")]),
                    .object(["title": .string("Renewal call")]),
                ]))
        let checklist = patch["contacts", "warmIntroduction"]?.arrayValue?.compactMap { $0.objectValue?["done"] }
        #expect(checklist == [.bool(true), .bool(false), .bool(true), .bool(false), .bool(false), .bool(false)])
        #expect(template.problems(in: HandoverContent().merging(patch)).isEmpty)

        let bad = EditorForm.patch(
            from: Form(["f.renewal.renewalDate": "31/03/2027", "f.openWork.openItems.0.title": "X", "f.openWork.openItems.0.due": "soon"]), template: template)
        guard case .failure(.invalid(let problems)) = bad else { Issue.record("expected problems"); return }
        #expect(problems.map(\.path).sorted() == ["openWork.openItems[0].due", "renewal.renewalDate"])
    }

    @Test func formBodiesDecodeLikeBrowsersEncodeThem() {
        let form = Form(urlEncoded: "a=1&b=two+words&c=%3Cx%3E%26&d=&e")
        #expect(form["a"] == "1" && form["b"] == "two words" && form["c"] == "<x>&" && form["d"] == "" && form["e"] == "")
        #expect(form.text("d") == nil)
    }
}
