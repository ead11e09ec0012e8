import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// SCIM 2.0 at /scim/v2 on both engines (Docs/SCIM.md): the connection's token (a digest
/// stored, revoked → 401), discovery, the filter and pages, creating users, and deprovisioning
/// in every shape Okta and Entra send: the member deactivated, their API token refused, a
/// departure for their accounts; another organization's ids 404; errors in SCIM's format.
@Suite struct ScimTests {
    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONDecoder().decode(JSONValue.self, from: Data(response.body.readableBytesView))
    }

    static func scimHeaders(_ token: String) -> HTTPFields {
        [.authorization: "Bearer \(token)", .contentType: "application/scim+json"]
    }

    /// Asserts an RFC 7644 §3.12 error document with this status and scimType.
    static func expectError(_ response: TestResponse, _ status: Int, _ scimType: String?, sourceLocation: SourceLocation = #_sourceLocation) throws {
        #expect(Int(response.status.code) == status, sourceLocation: sourceLocation)
        #expect(response.headers[.contentType] == "application/scim+json", sourceLocation: sourceLocation)
        let body = try json(response)
        #expect(body["schemas"] == .array([.string("urn:ietf:params:scim:api:messages:2.0:Error")]), sourceLocation: sourceLocation)
        #expect(body["status"] == .string(String(status)), sourceLocation: sourceLocation)
        #expect(body["scimType"] == scimType.map(JSONValue.string), sourceLocation: sourceLocation)
        if case .string(let detail)? = body["detail"] { #expect(!detail.isEmpty) } else { Issue.record("no detail", sourceLocation: sourceLocation) }
    }

    static func token(_ f: APIFixture, org: OrgFixture) async throws -> (ScimToken, String) {
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        return try await services.scim.createToken(organizationID: org.organization.id, name: "okta", by: .operator)
    }

    @Test(arguments: TestDatabases.engines) func theTokenIsStoredAsADigestAndARevokedOneIs401(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (token, secret) = try await Self.token(f, org: f.org)
        #expect(secret.hasPrefix("hscim_"))
        let stored = try await f.store.database.withSession { db in
            try await db.raw("SELECT token_digest FROM scim_tokens WHERE id = \(bind: token.id)").first()?.decode(column: "token_digest", as: String.self)
        }
        #expect(stored == Secrets.digest(secret))
        #expect(stored != secret)
        try await f.test { client in
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: Self.scimHeaders(secret)) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType] == "application/scim+json")
            }
            try await client.execute(uri: "/scim/v2/Users", method: .get) { try Self.expectError($0, 401, nil) }
            // A member's API token is not a SCIM connection.
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: f.headers(f.org.admin)) { try Self.expectError($0, 401, nil) }
            try await services.scim.revokeToken(id: token.id, organizationID: f.org.organization.id, by: .operator)
            try await client.execute(uri: "/scim/v2/Users", method: .get, headers: Self.scimHeaders(secret)) { try Self.expectError($0, 401, nil) }
        }
    }

    @Test(arguments: TestDatabases.engines) func discoveryIsStaticAndHonest(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (_, secret) = try await Self.token(f, org: f.org)
        try await f.test { client in
            try await client.execute(uri: "/scim/v2/ServiceProviderConfig", method: .get, headers: Self.scimHeaders(secret)) { r in
                #expect(r.status == .ok)
                let body = try Self.json(r)
                #expect(body["patch"]?["supported"] == .bool(true))
                #expect(body["bulk"]?["supported"] == .bool(false))
                #expect(body["etag"]?["supported"] == .bool(false))
                #expect(body["filter"]?["supported"] == .bool(true))
                #expect(body["filter"]?["maxResults"] == .number(200))
            }
            try await client.execute(uri: "/scim/v2/ResourceTypes", method: .get, headers: Self.scimHeaders(secret)) { r in
                let body = try Self.json(r)
                #expect(body["totalResults"] == .number(2))
                #expect(body["Resources"]?.arrayValue?.compactMap { $0["endpoint"]?.stringValue } == ["/Users", "/Groups"])
            }
            try await client.execute(uri: "/scim/v2/Schemas", method: .get, headers: Self.scimHeaders(secret)) { r in
                let body = try Self.json(r)
                #expect(
                    body["Resources"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [
                        "urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group",
                    ])
            }
        }
    }

    @Test(arguments: TestDatabases.engines) func filterPagesAndBadFilters(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (_, secret) = try await Self.token(f, org: f.org)
        let alice = f.org.alice
        try await f.test { client in
            let filter = "userName%20eq%20%22\(alice.email.uppercased())%22"
            try await client.execute(uri: "/scim/v2/Users?filter=\(filter)", method: .get, headers: Self.scimHeaders(secret)) { r in
                let body = try Self.json(r)
                #expect(body["totalResults"] == .number(1))
                let user = body["Resources"]?.arrayValue?.first
                #expect(user?["id"] == .string(alice.id))
                #expect(user?["userName"] == .string(alice.email))
                #expect(user?["active"] == .bool(true))
                #expect(user?["name"]?["formatted"] == .string(alice.name))
                #expect(user?["meta"]?["resourceType"] == .string("User"))
                #expect(user?["meta"]?["location"] == .string("/scim/v2/Users/\(alice.id)"))
            }
            // Another organization's email: nothing.
            try await client.execute(
                uri: "/scim/v2/Users?filter=emails.value%20eq%20%22\(f.other.alice.email)%22", method: .get, headers: Self.scimHeaders(secret)
            ) { r in #expect((try? Self.json(r))?["totalResults"] == .number(0)) }
            // The fixture's organization has six members: pages of two.
            try await client.execute(uri: "/scim/v2/Users?startIndex=1&count=2", method: .get, headers: Self.scimHeaders(secret)) { r in
                let body = try Self.json(r)
                #expect(body["totalResults"] == .number(6))
                #expect(body["itemsPerPage"] == .number(2))
                #expect(body["Resources"]?.arrayValue?.count == 2)
            }
            try await client.execute(uri: "/scim/v2/Users?startIndex=6&count=2", method: .get, headers: Self.scimHeaders(secret)) { r in
                let body = try Self.json(r)
                #expect(body["startIndex"] == .number(6))
                #expect(body["Resources"]?.arrayValue?.count == 1)
            }
            for bad in ["userName%20co%20%22a%22", "name.givenName%20eq%20%22Alice%22", "userName%20eq%20alice", "active"] {
                try await client.execute(uri: "/scim/v2/Users?filter=\(bad)", method: .get, headers: Self.scimHeaders(secret)) {
                    try Self.expectError($0, 400, "invalidFilter")
                }
            }
        }
    }

    @Test(arguments: TestDatabases.engines) func createUniquenessAndAnotherOrganizationsIDs(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (_, secret) = try await Self.token(f, org: f.org)
        let email = "new-\(UUID().uuidString.prefix(6).lowercased())@example.com"
        let user =
            #"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":"\#(email)","name":{"givenName":"Nora","familyName":"Quist"},"emails":[{"value":"\#(email)","primary":true}],"active":true}"#
        try await f.test { client in
            let id = try await client.execute(uri: "/scim/v2/Users", method: .post, headers: Self.scimHeaders(secret), body: body(user)) { r in
                #expect(r.status == .created)
                let body = try Self.json(r)
                #expect(body["userName"] == .string(email))
                #expect(body["name"]?["formatted"] == .string("Nora Quist"))
                return body["id"]?.stringValue ?? ""
            }
            let member = try await f.store.member(id: id, organizationID: f.org.organization.id)
            #expect(member?.role == .member)
            #expect(member?.name == "Nora Quist")
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: Self.scimHeaders(secret), body: body(user)) {
                try Self.expectError($0, 409, "uniqueness")
            }
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: Self.scimHeaders(secret), body: body(#"{"name":{}}"#)) {
                try Self.expectError($0, 400, "invalidValue")
            }
            try await client.execute(uri: "/scim/v2/Users", method: .post, headers: Self.scimHeaders(secret), body: body("{not json")) {
                try Self.expectError($0, 400, "invalidSyntax")
            }
            // PUT renames.
            let renamed = #"{"userName":"\#(email)","name":{"formatted":"Nora Q. Quist"},"active":true}"#
            try await client.execute(uri: "/scim/v2/Users/\(id)", method: .put, headers: Self.scimHeaders(secret), body: body(renamed)) { r in
                #expect(r.status == .ok)
                #expect((try? Self.json(r))?["name"]?["formatted"] == .string("Nora Q. Quist"))
            }
            // Another organization's member: 404 for every verb, and nothing changes.
            let outsider = f.other.alice.id
            try await client.execute(uri: "/scim/v2/Users/\(outsider)", method: .get, headers: Self.scimHeaders(secret)) { try Self.expectError($0, 404, nil) }
            try await client.execute(
                uri: "/scim/v2/Users/\(outsider)", method: .patch, headers: Self.scimHeaders(secret),
                body: body(#"{"Operations":[{"op":"replace","path":"active","value":false}]}"#)
            ) { try Self.expectError($0, 404, nil) }
            try await client.execute(uri: "/scim/v2/Users/\(outsider)", method: .delete, headers: Self.scimHeaders(secret)) { try Self.expectError($0, 404, nil) }
            #expect(try await f.store.member(id: outsider, organizationID: f.other.organization.id)?.isActive == true)
        }
    }

    /// Each shape deprovisions: Okta's value object, a path, Entra's "False" with "Replace", DELETE.
    @Test(arguments: TestDatabases.engines) func deprovisioningInEveryShapeDeactivatesAndHandsTheAccountsOver(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await Self.token(f, org: f.org)
        let shapes: [(HTTPRequest.Method, String?)] = [
            (.patch, #"{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}"#),
            (.patch, #"{"Operations":[{"op":"replace","path":"active","value":false}]}"#),
            (.patch, #"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#),
            (.delete, nil),
        ]
        var made: [(Member, String, Account)] = []
        for index in shapes.indices {
            let leaver = try await services.members.createMember(
                organizationID: f.org.organization.id, email: "leaver\(index)-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: "Leaver \(index)",
                role: .member, managerID: f.org.manager.id, password: nil, by: .operator)
            let apiToken = try await services.members.createToken(for: leaver, name: "laptop", by: .operator).secret
            let account = try await services.accounts.createAccount(
                name: "Acme \(index) \(UUID().uuidString.prefix(4))", kind: .customer, ownerID: leaver.id, profile: AccountProfile(overview: "About"), by: f.org.admin)
            made.append((leaver, apiToken, account))
        }
        let leavers = made
        // Someone with no accounts: deactivated, but no departure.
        let idle = try await services.members.createMember(
            organizationID: f.org.organization.id, email: "idle-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: "Idle", role: .member,
            managerID: f.org.manager.id, password: nil, by: .operator)
        try await f.test { client in
            for ((method, json), (leaver, apiToken, _)) in zip(shapes, leavers) {
                try await client.execute(uri: "/api/v1/accounts", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { #expect($0.status == .ok) }
                try await client.execute(uri: "/scim/v2/Users/\(leaver.id)", method: method, headers: Self.scimHeaders(secret), body: json.map(body)) { r in
                    if method == .delete {
                        #expect(r.status == .noContent)
                    } else {
                        #expect(r.status == .ok)
                        #expect((try? Self.json(r))?["active"] == .bool(false))
                    }
                }
                try await client.execute(uri: "/api/v1/accounts", method: .get, headers: [.authorization: "Bearer \(apiToken)"]) { #expect($0.status == .unauthorized) }
                try await client.execute(uri: "/scim/v2/Users/\(leaver.id)", method: .get, headers: Self.scimHeaders(secret)) { r in
                    #expect(r.status == .ok)
                    #expect((try? Self.json(r))?["active"] == .bool(false))
                }
            }
            // The same deprovisioning again (an identity provider retries): replayed, not a second departure.
            try await client.execute(
                uri: "/scim/v2/Users/\(leavers[0].0.id)", method: .patch, headers: Self.scimHeaders(secret),
                body: body(#"{"Operations":[{"op":"replace","path":"active","value":false}]}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/scim/v2/Users/\(idle.id)", method: .patch, headers: Self.scimHeaders(secret),
                body: body(#"{"Operations":[{"op":"replace","value":{"active":false}}]}"#)
            ) { #expect($0.status == .ok) }
            // Re-activation restores sign-in only: the revoked API token stays revoked.
            try await client.execute(
                uri: "/scim/v2/Users/\(leavers[1].0.id)", method: .patch, headers: Self.scimHeaders(secret),
                body: body(#"{"Operations":[{"op":"replace","path":"active","value":"True"}]}"#)
            ) { r in #expect((try? Self.json(r))?["active"] == .bool(true)) }
            try await client.execute(uri: "/api/v1/accounts", method: .get, headers: [.authorization: "Bearer \(leavers[1].1)"]) {
                #expect($0.status == .unauthorized)
            }
            let store = f.store
            let departures = try await store.departures(organizationID: f.org.organization.id, limit: 100)
            for (leaver, _, account) in leavers {
                let theirs = departures.filter { $0.memberID == leaver.id }
                #expect(theirs.count == 1, "one departure for \(leaver.name)")
                guard let departure = theirs.first else { continue }
                #expect(departure.state == .applied)
                let handovers = try await store.departureHandovers(departure, limit: 10)
                #expect(handovers.map(\.accountID) == [account.id])
                #expect(handovers.first?.recipientID == f.org.manager.id)
                #expect(try await store.member(id: leaver.id, organizationID: f.org.organization.id)?.isActive == (leaver.id == leavers[1].0.id))
            }
            #expect(!departures.contains { $0.memberID == idle.id })
            #expect(try await store.member(id: idle.id, organizationID: f.org.organization.id)?.isActive == false)
        }
    }

    /// An identity provider that times out and retries sends the same deprovisioning twice at
    /// once (PATCH and DELETE); weeks later Entra DELETEs a user it disabled. Either way one
    /// deactivation, one departure.
    @Test(arguments: TestDatabases.engines) func repeatedDeprovisioningMakesOneDeparture(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await Self.token(f, org: f.org)
        let org = f.org.organization.id
        let leaver = try await services.members.createMember(
            organizationID: org, email: "twice-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: "Twice Leaver", role: .member,
            managerID: f.org.manager.id, password: nil, by: .operator)
        _ = try await services.accounts.createAccount(
            name: "Twice \(UUID().uuidString.prefix(4))", kind: .customer, ownerID: leaver.id, profile: AccountProfile(overview: "About"), by: f.org.admin)
        let store = f.store
        try await f.test { client in
            let h = Self.scimHeaders(secret)
            let statuses = try await withThrowingTaskGroup(of: UInt16.self) { group in
                for attempt in 0..<4 {
                    group.addTask {
                        try await client.execute(
                            uri: "/scim/v2/Users/\(leaver.id)", method: attempt % 2 == 0 ? .patch : .delete, headers: h,
                            body: attempt % 2 == 0 ? body(#"{"Operations":[{"op":"replace","path":"active","value":false}]}"#) : nil
                        ) { UInt16($0.status.code) }
                    }
                }
                return try await group.reduce(into: [UInt16]()) { $0.append($1) }
            }
            // Answered, or "still running, retry" while another holds the key: never an error.
            #expect(statuses.allSatisfy { [200, 204, 409].contains($0) }, "\(statuses)")
            #expect(try await store.departures(memberID: leaver.id, organizationID: org).count == 1)
            // The key's 24 hours pass (its row purged); the identity provider deletes the user.
            try await store.database.transaction { db in
                try await db.raw("DELETE FROM idempotency_keys WHERE organization_id = \(bind: org) AND key LIKE 'scim-deactivate-%'").run()
            }
            try await client.execute(uri: "/scim/v2/Users/\(leaver.id)", method: .delete, headers: h) { #expect($0.status == .noContent) }
            #expect(try await store.departures(memberID: leaver.id, organizationID: org).count == 1)
            #expect(try await store.member(id: leaver.id, organizationID: org)?.isActive == false)
        }
    }

    /// A change that deactivates and also renames to an email another member has: the
    /// deactivation happens whatever the identity change answers.
    @Test(arguments: TestDatabases.engines) func aDeactivationIsNeverStoppedByABadIdentity(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (_, secret) = try await Self.token(f, org: f.org)
        try await f.test { client in
            let put = #"{"userName":"\#(f.org.bob.email)","name":{"formatted":"Alice"},"active":false}"#
            try await client.execute(uri: "/scim/v2/Users/\(f.org.alice.id)", method: .put, headers: Self.scimHeaders(secret), body: body(put)) {
                try Self.expectError($0, 409, "uniqueness")
            }
            #expect(try await f.store.member(id: f.org.alice.id, organizationID: f.org.organization.id)?.isActive == false)
        }
    }
}
