import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Text that looks like a credential is refused on save at every place text enters (issue 14,
/// part 6): a 422 of type `credential` naming the field and what it looks like, never the value
/// (not in the answer, not in the log), and nothing stored.
@Suite(.serialized) struct CredentialRefusalTests {
    /// A fresh AWS-shaped key per use, so that a search for it finds this run's only.
    static func awsKey() -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567")
        return "AKIA" + String((0..<16).map { _ in letters.randomElement()! })
    }

    /// A password written in prose, unique per use.
    static func password() -> String { "Zq" + UUID().uuidString.prefix(8).lowercased() + "!9x" }

    struct Case {
        var method: HTTPRequest.Method
        var uri: String
        var member: Member?
        var json: String
        var path: String
        var kind: String
        var secret: String
    }

    @Test func findingsNameThePathAndKindWithAGrammaticalPhrase() throws {
        let content = HandoverContent([
            "risks": ["worries": .string("the deploy key is \(Self.awsKey())"), "sentiment": .string("fine")],
            "contacts": [
                "keyContacts": .array([.object(["name": .string("Ann")]), .object(["name": .string("Bo"), "notes": .string("her password is \(Self.password())")])])
            ],
        ])
        #expect(
            CredentialScan.findings(in: content) == [
                CredentialFinding(path: "contacts.keyContacts[1].notes", kind: "password"), CredentialFinding(path: "risks.worries", kind: "AWS access key"),
            ])
        #expect(CredentialFinding(path: "x", kind: "AWS access key").looksLike == "looks like an AWS access key")
        #expect(CredentialFinding(path: "x", kind: "password").looksLike == "looks like a password")
        #expect(CredentialFinding(path: "x", kind: "credentials in a URL").looksLike == "looks like credentials in a URL")
        #expect(CredentialFinding(path: "x", kind: "recovery codes").looksLike == "looks like recovery codes")
        // A key that is itself a credential is reported at its object, so the path never carries it.
        let key = Self.awsKey()
        let keyed = CredentialScan.findings(in: .object(["notes": .object([key: .string("x")])]), at: "profile")
        #expect(keyed == [CredentialFinding(path: "profile.notes", kind: "AWS access key")])
        // Talk about credentials passes.
        #expect(CredentialScan.findings([("reason", "The admin password is in the team vault; rotate it after the move.")]).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func everyTextEntryPointRefusesWithoutEchoOrSaving(engine: String) async throws {
        let f = try await APIFixture.make(engine) { $0.allowSignup = true }
        let org = f.org
        let account = try await org.account(org.alice, in: f.store)
        let free = try await org.account(org.alice, in: f.store, name: "Free")
        let draft = try await org.handover(of: try await org.account(org.alice, in: f.store, name: "Draft"), to: org.bob, in: f.store)
        let submitted = try await Self.handover(f, in: .submitted, name: "Submitted")
        let completed = try await Self.handover(f, in: .completed, name: "Completed")
        let members = MemberService(store: f.store, passwords: Passwords(cost: 12))
        let dana = try await members.createMember(
            organizationID: org.organization.id, email: "dana-\(UUID().uuidString.prefix(6))@example.com", name: "Dana", role: .member, managerID: nil,
            password: "correct horse battery", by: .operator)
        let signupEmail = "signup-\(UUID().uuidString.prefix(6))@example.com"
        let newMemberEmail = "new-\(UUID().uuidString.prefix(6))@example.com"
        let tokensBefore = try await f.store.tokens(organizationID: org.organization.id, memberID: nil).count

        func make(_ method: HTTPRequest.Method, _ uri: String, _ member: Member?, _ path: String, kind: String, _ json: (String) -> String) -> Case {
            let secret = kind == "password" ? Self.password() : Self.awsKey()
            let text = kind == "password" ? "the admin password is \(secret) for now" : "use the key \(secret) to deploy"
            return Case(method: method, uri: uri, member: member, json: json(text), path: path, kind: kind, secret: secret)
        }
        let h = "/api/v1/handovers"
        let cases: [Case] = [
            make(.post, "/api/v1/organizations", nil, "name", kind: "AWS access key") {
                #"{"name": "\#($0)", "adminEmail": "\#(signupEmail)", "adminName": "Sam", "adminPassword": "correct horse battery"}"#
            },
            make(.post, "/api/v1/organizations", nil, "adminName", kind: "password") {
                #"{"name": "New Org", "adminEmail": "\#(signupEmail)", "adminName": "\#($0)", "adminPassword": "correct horse battery"}"#
            },
            make(.post, "/api/v1/auth/login", nil, "name", kind: "AWS access key") {
                #"{"email": "\#(dana.email)", "password": "correct horse battery", "tokenName": "\#($0)"}"#
            },
            make(.post, "/api/v1/members", org.admin, "name", kind: "password") { #"{"email": "\#(newMemberEmail)", "name": "\#($0)", "role": "member"}"# },
            make(.post, "/api/v1/tokens", org.alice, "name", kind: "AWS access key") { #"{"name": "\#($0)"}"# },
            make(.post, "/api/v1/accounts", org.alice, "name", kind: "AWS access key") { #"{"name": "\#($0)", "kind": "customer"}"# },
            make(.post, "/api/v1/accounts", org.alice, "profile.contacts[0].notes", kind: "password") {
                #"{"name": "Fine name", "kind": "customer", "profile": {"contacts": [{"name": "Ann", "notes": "\#($0)"}]}}"#
            },
            make(.patch, "/api/v1/accounts/\(account.id)", org.alice, "name", kind: "password") { #"{"name": "\#($0)"}"# },
            make(.patch, "/api/v1/accounts/\(account.id)", org.alice, "profile.overview", kind: "AWS access key") { #"{"profile": {"overview": "\#($0)"}}"# },
            make(.post, h, org.alice, "risks.worries", kind: "AWS access key") {
                #"{"accountID": "\#(free.id)", "recipientID": "\#(org.bob.id)", "templateKey": "customer-account", "content": {"risks": {"worries": "\#($0)"}}}"#
            },
            make(.patch, "\(h)/\(draft.id)", org.alice, "risks.worries", kind: "password") { #"{"content": {"risks": {"worries": "\#($0)"}}}"# },
            make(.patch, "\(h)/\(draft.id)", org.alice, "contacts.keyContacts[1].notes", kind: "AWS access key") {
                #"{"content": {"contacts": {"keyContacts": [{"name": "Ann", "role": "CFO"}, {"name": "Bo", "role": "CTO", "notes": "\#($0)"}]}}}"#
            },
            make(.post, "\(h)/\(draft.id)/questions", org.bob, "body", kind: "password") { #"{"body": "\#($0)"}"# },
            make(.post, "\(h)/\(submitted.id)/return", org.bob, "reason", kind: "AWS access key") { #"{"reason": "\#($0)"}"# },
            make(.post, "\(h)/\(submitted.id)/acknowledge", org.bob, "synthesis", kind: "password") {
                #"{"synthesis": "I own the Submitted account now; \#($0)"}"#
            },
            make(.post, "\(h)/\(completed.id)/verify", org.manager, "note", kind: "AWS access key") { #"{"note": "\#($0)"}"# },
            make(.post, "\(h)/\(draft.id)/cancel", org.alice, "reason", kind: "password") { #"{"reason": "\#($0)"}"# },
        ]
        let logs = CapturedLogs()
        try await f.test(logger: logs.logger) { client in
            for c in cases {
                let label = "\(c.method) \(c.uri) \(c.path)"
                try await client.execute(uri: c.uri, method: c.method, headers: f.headers(c.member), body: body(c.json)) { r in
                    let text = String(buffer: r.body)
                    #expect(r.status == .unprocessableContent, "\(label): \(r.status) \(text)")
                    #expect(r.problem?.type == "https://handover.dev/problems/credential", "\(label): \(text)")
                    #expect(
                        r.problem?.errors == [Problem(path: c.path, message: "looks like \(c.kind == "password" ? "a password" : "an AWS access key")", kind: c.kind)],
                        "\(label): \(text)")
                    #expect(!text.contains(c.secret), "\(label) echoes the value")
                    #expect(r.headers[.setCookie] == nil, "\(label) started a session")
                }
            }
            let lines = logs.lines.withLockedValue { $0 }
            #expect(lines.filter { $0.message == "request" && $0.metadata["status"] == "422" }.count == cases.count)
            let logged = lines.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
            for c in cases { #expect(!logged.contains(c.secret), "\(c.method) \(c.uri): the value is in the log") }

            // Nothing was stored: no organization, member, token, account or question; the
            // account, the draft and the handovers in flight are as they were.
            let store = f.store
            #expect(try await store.loginCandidates(email: signupEmail).isEmpty)
            #expect(try await store.loginCandidates(email: newMemberEmail).isEmpty)
            #expect(try await store.tokens(organizationID: org.organization.id, memberID: nil).count == tokensBefore)
            let accounts = try await store.accounts(organizationID: org.organization.id, filter: AccountFilter())
            #expect(accounts.count == 5 && !accounts.contains { $0.name == "Fine name" })
            let stored = try #require(try await store.account(id: account.id, organizationID: org.organization.id))
            #expect(stored.name == account.name && stored.profile == account.profile && stored.version == account.version)
            #expect(try await store.questions(handoverID: draft.id, organizationID: org.organization.id).isEmpty)
            for (before, state) in [(draft, HandoverState.draft), (submitted, .submitted), (completed, .completed)] {
                let (after, _) = try #require(try await store.handoverWithParties(id: before.id, organizationID: org.organization.id))
                #expect(after.state == state && after.version == before.version && after.content == before.content)
                #expect(after.returnReason == nil && after.synthesis == nil)
            }
            #expect(try await store.handovers(visibleTo: org.admin, filter: HandoverFilter(accountID: free.id)).isEmpty)
        }
    }

    /// A customer-account handover of a new account of Alice's to Bob, moved to `state` in the store.
    static func handover(_ f: APIFixture, in state: HandoverState, name: String) async throws -> Handover {
        var handover = try await f.org.handover(of: try await f.org.account(f.org.alice, in: f.store, name: name), to: f.org.bob, in: f.store)
        let read = handover.version
        handover.state = state
        handover.version += 1
        try await f.store.updateHandover(handover, expectedVersion: read, record: nil, by: AuditActor(member: f.org.alice.id))
        return handover
    }
}
