import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

@Suite struct AuthTests {
    @Test func passwordLoginGivesAnHttpOnlySessionAndThrottlesFailures() async throws {
        let f = try await APIFixture.make { $0.maxFailedLogins = 3 }
        let admin = MemberService(store: f.store)
        let member = try await admin.createMember(
            organizationID: f.org.organization.id, email: "dana-\(UUID().uuidString.prefix(6))@example.com",
            name: "Dana", role: .member, managerID: nil, password: "correct horse battery", by: .operator)
        // The stored hash is bcrypt at cost 12, never the password.
        let stored = try #require(try await f.store.loginCandidates(email: member.email).first?.passwordHash)
        #expect(stored.hasPrefix("$2b$12$") && !stored.contains("correct horse"))
        try await f.test { client in
            let cookie = try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: body(#"{"email": "\#(member.email)", "password": "correct horse battery"}"#)
            ) { r in
                #expect(r.status == .ok)
                let setCookie = try #require(r.headers[.setCookie])
                #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"))
                return String(setCookie.split(separator: ";")[0])
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.cookie: cookie]) { r in
                let decoded = try r.decode(Member.self); #expect(decoded.id == member.id)
            }
            // A cookie-authenticated write must be JSON (no cross-site form posts).
            try await client.execute(
                uri: "/api/v1/tokens", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"], body: body("name=x")
            ) { r in
                #expect(r.status == .forbidden)
            }
            for _ in 0..<3 {
                try await client.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: body(#"{"email": "\#(member.email)", "password": "wrong password!"}"#)
                ) { #expect($0.status == .unauthorized) }
            }
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: body(#"{"email": "\#(member.email)", "password": "correct horse battery"}"#)
            ) { r in
                #expect(r.status == .tooManyRequests)
                #expect(r.headers[.retryAfter] != nil)
            }
        }
    }

    @Test func tokensAreShownOnceStoredAsDigestsAndRevocable() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            let created = try await client.execute(uri: "/api/v1/tokens", method: .post, headers: f.headers(f.org.alice), body: body(#"{"name": "laptop"}"#)) { r in
                #expect(r.status == .created)
                return try r.decode(CreatedToken.self)
            }
            #expect(created.secret.hasPrefix("hov_") && created.secret.count >= 40)
            try await client.execute(uri: "/api/v1/tokens", method: .get, headers: f.headers(f.org.alice)) { r in
                let text = String(buffer: r.body)
                #expect(text.contains("laptop") && !text.contains(created.secret))
            }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(created.secret)"]) { #expect($0.status == .ok) }
            // Bob cannot revoke Alice's token; Alice can.
            try await client.execute(uri: "/api/v1/tokens/\(created.token.id)", method: .delete, headers: f.headers(f.org.bob)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/tokens/\(created.token.id)", method: .delete, headers: f.headers(f.org.alice)) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/api/v1/me", method: .get, headers: [.authorization: "Bearer \(created.secret)"]) { #expect($0.status == .unauthorized) }
        }
    }

    @Test func onlyAdminsAddMembersAndTemplates() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            let member = #"{"email": "new-\#(UUID().uuidString.prefix(6))@example.com", "name": "New", "role": "member"}"#
            try await client.execute(uri: "/api/v1/members", method: .post, headers: f.headers(f.org.manager), body: body(member)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/members", method: .post, headers: f.headers(f.org.admin), body: body(member)) { #expect($0.status == .created) }
            let bad = #"{"key": "ours", "version": 1, "name": "Ours", "sections": []}"#
            try await client.execute(uri: "/api/v1/templates", method: .post, headers: f.headers(f.org.alice), body: body(bad)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/templates", method: .post, headers: f.headers(f.org.admin), body: body(bad)) { r in
                #expect(r.status == .unprocessableContent)
                let paths = Set(r.problem?.errors?.map(\.path) ?? []); #expect(paths.isSuperset(of: ["sections", "accountKinds", "synthesisPrompt", "summary"]))
            }
        }
    }
}

/// Nothing in a response tells one organization about another's members: an email is unique
/// within an organization only, and sign-in picks the organization by the password, or by the
/// caller's choice when the same email and password fit several.
@Suite struct MemberPrivacyTests {
    @Test(arguments: TestDatabases.engines) func anEmailTakenInAnotherOrganizationRevealsNothing(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let admin = MemberService(store: f.store)
        let email = "shared-\(UUID().uuidString.prefix(8))@example.com"
        let theirs = try await admin.createMember(
            organizationID: f.other.organization.id, email: email, name: "Theirs", role: .member, managerID: nil,
            password: "their own secret 1", by: .operator)
        try await f.test { client in
            // Adding the same email in our organization works as if the other did not exist.
            let ours = try await client.execute(
                uri: "/api/v1/members", method: .post, headers: f.headers(f.org.admin),
                body: body(#"{"email": "\#(email.uppercased())", "name": "Ours", "role": "member", "password": "our own secret 22"}"#)
            ) { r in
                #expect(r.status == .created, "\(String(buffer: r.body))")
                return try r.decode(Member.self)
            }
            // Only a duplicate within our organization is refused, and the message is about ours.
            try await client.execute(
                uri: "/api/v1/members", method: .post, headers: f.headers(f.org.admin),
                body: body(#"{"email": "\#(email)", "name": "Again", "role": "member"}"#)
            ) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains("this organization"))
            }
            // Each password signs in to its own organization.
            for (password, expected) in [("our own secret 22", ours.id), ("their own secret 1", theirs.id)] {
                try await client.execute(
                    uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                    body: body(#"{"email": "\#(email)", "password": "\#(password)"}"#)
                ) { r in
                    #expect(r.status == .ok)
                    let signedIn = try r.decode(LoginResponse.self)
                    #expect(signedIn.member.id == expected)
                }
            }
        }
    }

    @Test func theSamePasswordInTwoOrganizationsAsksWhichOne() async throws {
        let f = try await APIFixture.make { $0.maxFailedLogins = 50 }
        let admin = MemberService(store: f.store)
        let email = "twice-\(UUID().uuidString.prefix(8))@example.com"
        let password = "the same secret 333"
        _ = try await admin.createMember(
            organizationID: f.org.organization.id, email: email, name: "One", role: .member, managerID: nil, password: password, by: .operator)
        let second = try await admin.createMember(
            organizationID: f.other.organization.id, email: email, name: "Two", role: .member, managerID: nil, password: password, by: .operator)
        try await f.test { client in
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: body(#"{"email": "\#(email)", "password": "\#(password)"}"#)
            ) { r in
                #expect(r.status == .conflict)
                let detail = r.problem?.detail ?? ""
                #expect(detail.contains(f.org.organization.id) && detail.contains(f.other.organization.id))
            }
            // A wrong password learns nothing of the sort.
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: body(#"{"email": "\#(email)", "password": "not the secret"}"#)
            ) { r in
                #expect(r.status == .unauthorized)
                #expect(!String(buffer: r.body).contains(f.other.organization.id))
            }
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json"],
                body: body(#"{"email": "\#(email)", "password": "\#(password)", "organization": "\#(f.other.organization.id)"}"#)
            ) { r in
                #expect(r.status == .ok)
                let signedIn = try r.decode(LoginResponse.self)
                #expect(signedIn.member.id == second.id)
            }
        }
    }
}
