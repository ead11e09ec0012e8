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

/// SCIM Groups as teams on both engines (Docs/SCIM.md): create, filter, the PATCH shapes Okta
/// and Entra send, PUT, uniqueness, ids from another organization, and roles that follow the
/// organization's team → role mapping, including under concurrent membership changes.
@Suite struct ScimGroupTests {
    typealias S = ScimTests

    /// The body as JSON, or null (a failed decode then fails the expectation that reads it).
    static func json(_ r: TestResponse) -> JSONValue { (try? S.json(r)) ?? .null }

    static func groupID(_ r: TestResponse) -> String { json(r)["id"]?.stringValue ?? "" }

    static func members(_ r: TestResponse) -> [String] {
        json(r)["members"]?.arrayValue?.compactMap { $0["value"]?.stringValue } ?? []
    }

    @Test(arguments: TestDatabases.engines) func groupsAreTeamsInEveryShape(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (_, secret) = try await S.token(f, org: f.org)
        let (alice, bob, carol) = (f.org.alice, f.org.bob, f.org.carol)
        let name = "Ops \(UUID().uuidString.prefix(6))"
        try await f.test { client in
            let h = S.scimHeaders(secret)
            let id = try await client.execute(
                uri: "/scim/v2/Groups", method: .post, headers: h,
                body: body(#"{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"\#(name)","members":[{"value":"\#(alice.id)"}]}"#)
            ) { r in
                #expect(r.status == .created)
                let group = Self.json(r)
                #expect(group["displayName"] == .string(name))
                #expect(group["members"]?.arrayValue?.first?["display"] == .string(alice.name))
                #expect(group["meta"]?["resourceType"] == .string("Group"))
                return Self.groupID(r)
            }
            // The filter Okta and Entra look a group up with; names compare case-insensitively.
            let filter = "displayName%20eq%20%22\(name.uppercased().addingPercentEncoding(withAllowedCharacters: .alphanumerics)!)%22"
            try await client.execute(uri: "/scim/v2/Groups?filter=\(filter)", method: .get, headers: h) { r in
                let list = Self.json(r)
                #expect(list["totalResults"] == .number(1))
                #expect(list["Resources"]?.arrayValue?.first?["id"] == .string(id))
            }
            try await client.execute(uri: "/scim/v2/Groups?filter=\(filter)&excludedAttributes=members", method: .get, headers: h) { r in
                #expect(Self.json(r)["Resources"]?.arrayValue?.first?["members"] == nil)
            }
            for bad in ["members%20eq%20%22x%22", "displayName%20co%20%22O%22", "userName%20eq%20%22a%22"] {
                try await client.execute(uri: "/scim/v2/Groups?filter=\(bad)", method: .get, headers: h) { try S.expectError($0, 400, "invalidFilter") }
            }
            // Okta: add with an array, remove by a value filter, rename without a path.
            try await client.execute(
                uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                body: body(
                    #"{"Operations":[{"op":"add","path":"members","value":[{"value":"\#(bob.id)"},{"value":"\#(carol.id)"}]},{"op":"remove","path":"members[value eq \"\#(alice.id)\"]"}]}"#
                )
            ) { r in
                #expect(r.status == .ok)
                #expect(Self.members(r) == [bob.id, carol.id])
            }
            try await client.execute(
                uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                body: body(#"{"Operations":[{"op":"replace","value":{"id":"\#(id)","displayName":"\#(name) EMEA"}}]}"#)
            ) { r in #expect(Self.json(r)["displayName"] == .string("\(name) EMEA")) }
            // Entra: "Remove" with a value array.
            try await client.execute(
                uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                body: body(#"{"Operations":[{"op":"Remove","path":"members","value":[{"value":"\#(carol.id)"}]}]}"#)
            ) { r in #expect(Self.members(r) == [bob.id]) }
            // Bad members: another organization's user, an unknown id: 400, and nothing changes.
            for stranger in [f.other.alice.id, "nobody"] {
                try await client.execute(
                    uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                    body: body(#"{"Operations":[{"op":"add","path":"members","value":[{"value":"\#(alice.id)"},{"value":"\#(stranger)"}]}]}"#)
                ) { try S.expectError($0, 400, "invalidValue") }
            }
            try await client.execute(uri: "/scim/v2/Groups/\(id)", method: .get, headers: h) { r in #expect(Self.members(r) == [bob.id]) }
            // PUT is the whole group: its members are the ones sent.
            try await client.execute(
                uri: "/scim/v2/Groups/\(id)", method: .put, headers: h,
                body: body(#"{"displayName":"\#(name)","members":[{"value":"\#(carol.id)"}]}"#)
            ) { r in
                #expect(Self.json(r)["displayName"] == .string(name))
                #expect(Self.members(r) == [carol.id])
            }
            // A second group of the same name (in any case) is 409; an empty name is 400.
            try await client.execute(uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"displayName":" \#(name.lowercased()) "}"#)) {
                try S.expectError($0, 409, "uniqueness")
            }
            try await client.execute(uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"displayName":""}"#)) {
                try S.expectError($0, 400, "invalidValue")
            }
            try await client.execute(uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"members":[]}"#)) {
                try S.expectError($0, 400, "invalidValue")
            }
            // Another organization's connection sees none of it.
            let (_, otherSecret) = try await S.token(f, org: f.other)
            for method in [HTTPRequest.Method.get, .delete] {
                try await client.execute(uri: "/scim/v2/Groups/\(id)", method: method, headers: S.scimHeaders(otherSecret)) { try S.expectError($0, 404, nil) }
            }
            try await client.execute(uri: "/scim/v2/Groups", method: .get, headers: S.scimHeaders(otherSecret)) { r in
                #expect(Self.json(r)["totalResults"] == .number(0))
            }
            try await client.execute(uri: "/scim/v2/Groups/\(id)", method: .delete, headers: h) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/scim/v2/Groups/\(id)", method: .get, headers: h) { try S.expectError($0, 404, nil) }
            // Deleting a team deletes no member.
            #expect(try await f.store.member(id: carol.id, organizationID: f.org.organization.id)?.isActive == true)
        }
    }

    @Test(arguments: TestDatabases.engines) func rolesFollowTheMappedTeams(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await S.token(f, org: f.org)
        let org = f.org.organization.id
        let (alice, admin, manager) = (f.org.alice, f.org.admin, f.org.manager)
        let store = f.store
        let role: @Sendable (Member) async throws -> Role? = { try await store.member(id: $0.id, organizationID: org)?.role }
        _ = try await services.scim.setTeamRole(organizationID: org, teamName: "Handover Admins", role: .admin, by: .operator)
        _ = try await services.scim.setTeamRole(organizationID: org, teamName: "leads", role: .manager, by: .operator)
        try await f.test { client in
            let h = S.scimHeaders(secret)
            func group(_ name: String, _ members: [Member]) async throws -> String {
                let list = members.map { #"{"value":"\#($0.id)"}"# }.joined(separator: ",")
                return try await client.execute(
                    uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"displayName":"\#(name)","members":[\#(list)]}"#)
                ) { r in
                    #expect(r.status == .created)
                    return Self.groupID(r)
                }
            }
            func add(_ member: Member, to id: String) async throws {
                try await client.execute(
                    uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                    body: body(#"{"Operations":[{"op":"add","path":"members","value":[{"value":"\#(member.id)"}]}]}"#)
                ) { #expect($0.status == .ok) }
            }
            func remove(_ member: Member, from id: String) async throws {
                try await client.execute(
                    uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                    body: body(#"{"Operations":[{"op":"remove","path":"members[value eq \"\#(member.id)\"]"}]}"#)
                ) { #expect($0.status == .ok) }
            }
            let admins = try await group("handover admins", [alice])
            #expect(try await role(alice) == .admin)
            // Alice's new role works at once: adding a member (admins only) is no longer 403 for
            // her; the body is invalid on purpose, so nothing is added.
            let aliceToken = try await services.members.createToken(for: alice, name: "t", by: .operator).secret
            let addMember = {
                try await client.execute(
                    uri: "/api/v1/members", method: .post, headers: [.authorization: "Bearer \(aliceToken)", .contentType: "application/json"],
                    body: body(#"{"email":"not-an-email","name":"X","role":"member"}"#)
                ) { $0.status }
            }
            #expect(try await addMember() != .forbidden)
            let leads = try await group("Leads", [alice])
            #expect(try await role(alice) == .admin)
            try await remove(alice, from: admins)
            #expect(try await role(alice) == .manager)
            #expect(try await addMember() == .forbidden)
            // Unmapping Leads takes the role it gave: back to member.
            let changed = try await services.scim.setTeamRole(organizationID: org, teamName: "LEADS", role: nil, by: .operator)
            #expect(changed.map(\.id) == [alice.id])
            #expect(try await role(alice) == .member)
            // The manager was never in a mapped team: a team change around them leaves their role.
            let sales = try await group("Sales", [manager])
            #expect(try await role(manager) == .manager)
            try await remove(manager, from: sales)
            #expect(try await role(manager) == .manager)
            // The only admin joins and leaves the admins' team: still admin (no lock-out).
            try await add(admin, to: admins)
            try await remove(admin, from: admins)
            #expect(try await role(admin) == .admin)
            // Held, not forgotten: once the team makes another admin, the identity provider's
            // removal takes effect.
            try await add(alice, to: admins)
            #expect(try await role(alice) == .admin)
            #expect(try await role(admin) == .member)
            // Replacing the admin in one PUT: the new one in, the old one out, in the same change.
            try await client.execute(
                uri: "/scim/v2/Groups/\(admins)", method: .put, headers: h,
                body: body(#"{"displayName":"handover admins","members":[{"value":"\#(manager.id)"}]}"#)
            ) { #expect($0.status == .ok) }
            #expect(try await role(manager) == .admin)
            #expect(try await role(alice) == .member)
            // Deleting a mapped team re-derives its members' roles.
            _ = try await services.scim.setTeamRole(organizationID: org, teamName: "Leads", role: .manager, by: .operator)
            try await add(f.org.bob, to: leads)
            #expect(try await role(f.org.bob) == .manager)
            try await client.execute(uri: "/scim/v2/Groups/\(leads)", method: .delete, headers: h) { #expect($0.status == .noContent) }
            #expect(try await role(f.org.bob) == .member)
            #expect(try await role(alice) == .member)
            // Every role change is in the audit log, in order, named by the connection or the operator.
            let targets = try await f.store.database.withSession { db in
                try await db.raw("SELECT target FROM audit_entries WHERE organization_id = \(bind: org) AND action = 'member.role' ORDER BY seq").all()
                    .map { try $0.decode(column: "target", as: String.self) }
            }
            // Alice: admin, manager, member, admin, member, manager (Leads mapped again), member
            // (Leads deleted); the first admin once (held, then demoted); the manager once; Bob twice.
            // Within one change the entries go by member id, so compare without order.
            let expected = ([alice, alice, alice, alice, alice, alice, alice, admin, manager, f.org.bob, f.org.bob]).map { "member:\($0.id)" }
            #expect(targets.sorted() == expected.sorted())
        }
    }

    /// Teams reach the rest of the product: GET /api/v1/teams lists them for every role, and a
    /// departure rule may send accounts to a team (its least loaded members in turn).
    @Test(arguments: TestDatabases.engines) func aDepartureRuleMaySendAccountsToATeam(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await S.token(f, org: f.org)
        let (_, otherSecret) = try await S.token(f, org: f.other)
        let org = f.org.organization.id
        let leaver = try await services.members.createMember(
            organizationID: org, email: "leaver-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: "Leaver", role: .member,
            managerID: f.org.manager.id, password: nil, by: .operator)
        for index in 0..<4 {
            _ = try await services.accounts.createAccount(
                name: "EMEA \(index) \(UUID().uuidString.prefix(4))", kind: .customer, ownerID: leaver.id,
                profile: AccountProfile(overview: "About", tags: ["emea"]), by: f.org.admin)
        }
        let (bob, carol) = (f.org.bob, f.org.carol)
        try await f.test { client in
            let team = try await client.execute(
                uri: "/scim/v2/Groups", method: .post, headers: S.scimHeaders(secret),
                body: body(#"{"displayName":"EMEA desk","members":[{"value":"\#(bob.id)"},{"value":"\#(carol.id)"}]}"#)
            ) { Self.groupID($0) }
            let foreign = try await client.execute(
                uri: "/scim/v2/Groups", method: .post, headers: S.scimHeaders(otherSecret), body: body(#"{"displayName":"Elsewhere"}"#)
            ) { Self.groupID($0) }
            // Every role reads the teams; the other organization's team is not among them.
            try await client.execute(uri: "/api/v1/teams", method: .get, headers: f.headers(f.org.auditor)) { r in
                #expect(r.status == .ok)
                let items = Self.json(r)["items"]?.arrayValue ?? []
                #expect(items.compactMap { $0["id"]?.stringValue } == [team])
                #expect(items.first?["memberIDs"] == .array([.string(bob.id), .string(carol.id)]))
            }
            func preview(_ rule: String) async throws -> TestResponse {
                try await client.execute(
                    uri: "/api/v1/departures/preview", method: .post, headers: f.headers(f.org.admin),
                    body: body(#"{"memberID":"\#(leaver.id)","rules":[\#(rule)]}"#)
                ) { $0 }
            }
            let plan = try await preview(#"{"match":"tag","value":"emea","teamID":"\#(team)"}"#)
            #expect(plan.status == .ok)
            let recipients = Self.json(plan)["lines"]?.arrayValue?.compactMap { $0["recipientID"]?.stringValue } ?? []
            // Four accounts over the team's two members, balanced by load: both receive, nobody else does.
            #expect(recipients.count == 4)
            #expect(Set(recipients) == [bob.id, carol.id])
            // The web form offers the team in each rule's recipient select, and plans with it.
            let web = CustodyWebTests()
            let admin = try await web.session(f, f.org.admin)
            try await client.execute(uri: "/departures", method: .get, headers: admin.headers) { r in
                #expect(String(buffer: r.body).contains("<option value=\"team:\(team)\">Team: EMEA desk</option>"))
            }
            let form = web.encoded([
                ("csrf", admin.csrf), ("member", leaver.id), ("rule-0-match", "tag"), ("rule-0-value", "emea"), ("rule-0-recipient", "team:\(team)"),
            ])
            try await client.execute(uri: "/departures/preview", method: .post, headers: admin.headers, body: form) { r in
                let html = String(buffer: r.body)
                #expect(r.status == .ok)
                #expect(html.contains(bob.name) && html.contains(carol.name) && html.contains("a rule matched"))
            }
            for bad in [
                #"{"match":"tag","value":"emea","teamID":"\#(team)","recipientID":"\#(bob.id)"}"#, #"{"match":"tag","value":"emea"}"#,
                #"{"match":"tag","value":"emea","teamID":"\#(foreign)"}"#,
            ] {
                #expect(try await preview(bad).status == .unprocessableContent, "\(bad)")
            }
        }
    }

    /// A deprovisioning hands accounts over by the organization's rules (to a team, to a member),
    /// else to the manager; rules naming a team that is gone skip its accounts, never fail.
    @Test(arguments: TestDatabases.engines) func deprovisioningFollowsTheOrganizationsRules(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await S.token(f, org: f.org)
        let org = f.org.organization.id
        let (bob, carol, manager) = (f.org.bob, f.org.carol, f.org.manager)
        func leaver(_ name: String) async throws -> (Member, emea: Account, project: Account, plain: Account) {
            let member = try await services.members.createMember(
                organizationID: org, email: "\(name)-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: name, role: .member,
                managerID: manager.id, password: nil, by: .operator)
            func account(_ label: String, _ kind: AccountKind, _ tags: [String]) async throws -> Account {
                try await services.accounts.createAccount(
                    name: "\(name) \(label) \(UUID().uuidString.prefix(4))", kind: kind, ownerID: member.id,
                    profile: AccountProfile(overview: "About", tags: tags), by: f.org.admin)
            }
            return (member, try await account("EMEA", .customer, ["emea"]), try await account("Project", .project, []), try await account("Plain", .customer, []))
        }
        let first = try await leaver("First"), second = try await leaver("Second")
        try await f.test { client in
            let h = S.scimHeaders(secret)
            let team = try await client.execute(
                uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"displayName":"EMEA desk","members":[{"value":"\#(bob.id)"}]}"#)
            ) { Self.groupID($0) }
            // Bad rules are refused whole: an unknown team, both targets, an auditor.
            for bad in [
                [DepartureRule(match: .tag, value: "emea", teamID: "gone")], [DepartureRule(match: .kind, value: "project", recipientID: f.org.auditor.id)],
                [DepartureRule(match: .kind, value: "starship", recipientID: carol.id)],
            ] {
                await #expect(throws: HandoverError.self) { try await services.scim.setDeprovisioningRules(organizationID: org, rules: bad, by: .operator) }
            }
            var both = DepartureRule(match: .tag, value: "emea", teamID: team)
            both.recipientID = carol.id
            await #expect(throws: HandoverError.self) { try await services.scim.setDeprovisioningRules(organizationID: org, rules: [both], by: .operator) }
            #expect(try await services.scim.deprovisioningRules(organizationID: org).isEmpty)
            let rules = [DepartureRule(match: .tag, value: "emea", teamID: team), DepartureRule(match: .kind, value: "project", recipientID: carol.id)]
            try await services.scim.setDeprovisioningRules(organizationID: org, rules: rules, by: .operator)
            #expect(try await services.scim.deprovisioningRules(organizationID: org) == rules)

            let deactivate = #"{"Operations":[{"op":"replace","path":"active","value":false}]}"#
            try await client.execute(uri: "/scim/v2/Users/\(first.0.id)", method: .patch, headers: h, body: body(deactivate)) { #expect($0.status == .ok) }
            func recipients(_ member: Member) async throws -> [String: String] {
                let departure = try #require(try await f.store.departures(organizationID: org, limit: 100).first { $0.memberID == member.id })
                return Dictionary(try await f.store.departureHandovers(departure, limit: 10).map { ($0.accountID, $0.recipientID) }, uniquingKeysWith: { a, _ in a })
            }
            #expect(try await recipients(first.0) == [first.emea.id: bob.id, first.project.id: carol.id, first.plain.id: manager.id])
            // The team is deleted: the next deprovisioning still deactivates, skips the EMEA account and hands over the rest.
            try await client.execute(uri: "/scim/v2/Groups/\(team)", method: .delete, headers: h) { #expect($0.status == .noContent) }
            try await client.execute(uri: "/scim/v2/Users/\(second.0.id)", method: .delete, headers: h) { #expect($0.status == .noContent) }
            #expect(try await f.store.member(id: second.0.id, organizationID: org)?.isActive == false)
            #expect(try await recipients(second.0) == [second.project.id: carol.id, second.plain.id: manager.id])
        }
    }

    /// Twenty members added to one team at once, each in its own request: every one is in it after.
    @Test(arguments: TestDatabases.engines) func concurrentMembershipChangesAreAllKept(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let (_, secret) = try await S.token(f, org: f.org)
        let org = f.org.organization.id
        _ = try await services.scim.setTeamRole(organizationID: org, teamName: "Night shift", role: .manager, by: .operator)
        var joiners: [Member] = []
        for index in 0..<20 {
            joiners.append(
                try await services.members.createMember(
                    organizationID: org, email: "j\(index)-\(UUID().uuidString.prefix(6).lowercased())@example.com", name: "J \(index)", role: .member,
                    managerID: nil, password: nil, by: .operator))
        }
        let all = joiners
        try await f.test { client in
            let h = S.scimHeaders(secret)
            let id = try await client.execute(uri: "/scim/v2/Groups", method: .post, headers: h, body: body(#"{"displayName":"Night shift"}"#)) {
                Self.groupID($0)
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for member in all {
                    group.addTask {
                        try await client.execute(
                            uri: "/scim/v2/Groups/\(id)", method: .patch, headers: h,
                            body: body(#"{"Operations":[{"op":"add","path":"members","value":[{"value":"\#(member.id)"}]}]}"#)
                        ) { #expect($0.status == .ok) }
                    }
                }
                try await group.waitForAll()
            }
            try await client.execute(uri: "/scim/v2/Groups/\(id)", method: .get, headers: h) { r in
                #expect(Set(Self.members(r)) == Set(all.map(\.id)))
            }
            // And each one's role followed: the team is mapped to manager.
            for member in all { #expect(try await f.store.member(id: member.id, organizationID: org)?.role == .manager) }
        }
    }
}
