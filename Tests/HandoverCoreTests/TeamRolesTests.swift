import Foundation
import HandoverCore
import Testing

/// Teams as SCIM Groups, the pure part: the PATCH shapes Okta and Entra send for groups, the
/// member list they lead to, and the role a member's mapped teams give.
@Suite struct TeamRolesTests {
    static func body(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    @Test func oktaAndEntraGroupPatchesChangeTheMembers() throws {
        let okta = try Scim.groupPatch(
            Self.body(
                #"""
                {"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[
                 {"op":"add","path":"members","value":[{"value":"c","display":"C"},{"value":"d"}]},
                 {"op":"remove","path":"members[value eq \"a\"]"}]}
                """#))
        #expect(okta.memberIDs(from: ["a", "b"]) == ["b", "c", "d"])
        #expect(okta.addedIDs == ["c", "d"])
        // Entra: capitalised ops, remove with a value array, and a rename by path.
        let entra = try Scim.groupPatch(
            Self.body(
                #"""
                {"Operations":[{"op":"Remove","path":"members","value":[{"value":"b"}]},
                 {"op":"Replace","path":"displayName","value":"Renamed"},{"op":"Add","path":"members","value":[{"value":"b"}]}]}
                """#))
        #expect(entra.displayName == "Renamed")
        #expect(entra.memberIDs(from: ["a", "b"]) == ["a", "b"])
        // Okta renames without a path; remove of all members; replace of the list.
        let rename = try Scim.groupPatch(Self.body(#"{"Operations":[{"op":"replace","value":{"id":"x","displayName":"New"}}]}"#))
        #expect(rename.displayName == "New")
        #expect(rename.memberIDs(from: ["a"]) == ["a"])
        #expect(try Scim.groupPatch(Self.body(#"{"Operations":[{"op":"remove","path":"members"}]}"#)).memberIDs(from: ["a", "b"]) == [])
        let replace = try Scim.groupPatch(Self.body(#"{"Operations":[{"op":"replace","path":"members","value":[{"value":"z"},{"value":"z"}]}]}"#))
        #expect(replace.memberIDs(from: ["a"]) == ["z"])
    }

    @Test func badGroupPatchesAreRefusedNeverIgnored() throws {
        func failure(_ text: String) -> Scim.Failure? {
            do {
                _ = try Scim.groupPatch(try Self.body(text))
                return nil
            } catch let failure as Scim.Failure { return failure } catch { return nil }
        }
        // A member filter on anything but value would match nobody and look applied.
        #expect(failure(#"{"Operations":[{"op":"remove","path":"members[display eq \"A\"]"}]}"#)?.scimType == "invalidFilter")
        #expect(failure(#"{"Operations":[{"op":"remove","path":"displayName"}]}"#)?.scimType == "mutability")
        #expect(failure(#"{"Operations":[{"op":"add","path":"members","value":[{"display":"no id"}]}]}"#)?.scimType == "invalidValue")
        #expect(failure(#"{"Operations":[{"op":"add","path":"members","value":"a"}]}"#)?.scimType == "invalidValue")
        #expect(failure(#"{"Operations":[{"op":"move","path":"members"}]}"#)?.scimType == "invalidSyntax")
        #expect(failure(#"{"Operations":[{"op":"remove"}]}"#)?.scimType == "noTarget")
        #expect(failure(#"{"members":[]}"#)?.scimType == "invalidSyntax")
    }

    @Test func aWholeGroupReplacesItsMembers() throws {
        let put = try Scim.GroupChange.resource(Self.body(#"{"displayName":"Ops","externalId":"ignored"}"#))
        #expect(put.displayName == "Ops")
        // A PUT without members empties the group: PUT is the whole resource.
        #expect(put.memberIDs(from: ["a"]) == [])
        let withMembers = try Scim.GroupChange.resource(Self.body(#"{"displayName":"Ops","members":[{"value":"b"}]}"#))
        #expect(withMembers.memberIDs(from: ["a"]) == ["b"])
    }

    @Test func theHighestMappedRoleWins() {
        let mapping: [String: Role] = ["admins": .admin, "leads": .manager, "readers": .auditor]
        #expect(TeamRoles.mapped(teamNames: ["Readers", " LEADS "], mapping: mapping) == .manager)
        #expect(TeamRoles.mapped(teamNames: ["Leads", "Admins"], mapping: mapping) == .admin)
        #expect(TeamRoles.mapped(teamNames: ["Readers"], mapping: mapping) == .auditor)
        #expect(TeamRoles.mapped(teamNames: ["Sales"], mapping: mapping) == nil)
        #expect(TeamRoles.mapped(teamNames: [], mapping: mapping) == nil)
    }

    @Test func rolesFollowMappedTeamsOnly() {
        // Joining a mapped team decides; leaving the last one takes the role away.
        #expect(TeamRoles.role(current: .member, before: nil, after: .manager) == .manager)
        #expect(TeamRoles.role(current: .manager, before: .manager, after: nil) == .member)
        #expect(TeamRoles.role(current: .admin, before: .admin, after: .manager) == .manager)
        // Never in a mapped team: an admin's choice stands.
        #expect(TeamRoles.role(current: .auditor, before: nil, after: nil) == .auditor)
        #expect(TeamRoles.role(current: .admin, before: nil, after: nil) == .admin)
    }

    @Test func theLastActiveAdminIsKeptAndHeldUntilAnotherExists() {
        typealias C = TeamRoles.Change
        // Alone: the admin a change would demote stays admin, held.
        var (roles, held) = TeamRoles.guarded([C(memberID: "a", current: .admin, next: .member, isActive: true)], untouchedActiveAdmins: 0)
        #expect(roles == ["a": .admin] && held == ["a"])
        // Replaced in the same change (a PUT of the admins' group with B instead of A): A goes.
        (roles, held) = TeamRoles.guarded(
            [C(memberID: "a", current: .admin, next: .member, isActive: true), C(memberID: "b", current: .member, next: .admin, isActive: true)],
            untouchedActiveAdmins: 0)
        #expect(roles == ["a": .member, "b": .admin] && held.isEmpty)
        // Another admin untouched by the change: nobody is held.
        (roles, held) = TeamRoles.guarded([C(memberID: "a", current: .admin, next: .manager, isActive: true)], untouchedActiveAdmins: 1)
        #expect(roles == ["a": .manager] && held.isEmpty)
        // A deactivated member made admin does not count as the admin who remains.
        (roles, held) = TeamRoles.guarded(
            [C(memberID: "a", current: .admin, next: .member, isActive: true), C(memberID: "z", current: .member, next: .admin, isActive: false)],
            untouchedActiveAdmins: 0)
        #expect(roles == ["a": .admin, "z": .admin] && held == ["a"])
    }

    @Test func teamNamesCompareLooselyAndRefuseNonsense() {
        #expect(Team.nameKey("  Handover Admins ") == "handover admins")
        #expect(Team.nameProblem("") != nil)
        #expect(Team.nameProblem("   ") != nil)
        #expect(Team.nameProblem(String(repeating: "x", count: 201)) != nil)
        #expect(Team.nameProblem("a\u{7}b") != nil)
        #expect(Team.nameProblem("Ops (EMEA)") == nil)
    }
}
