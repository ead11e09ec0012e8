import Foundation
import HandoverCore
import Testing

/// SCIM Users, the pure part: the one filter, and PATCH in the shapes Okta and Entra send,
/// including Entra's habit of sending only the part of a name that changed.
@Suite struct ScimUserTests {
    static func body(_ text: String) throws -> JSONValue { try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8)) }

    @Test func aPartOfTheNameChangesOnlyThatPart() throws {
        let given = try Scim.patch(Self.body(#"{"Operations":[{"op":"Replace","path":"name.givenName","value":"Jane"}]}"#))
        #expect(given.name(current: "John Smith") == "Jane Smith")
        let family = try Scim.patch(Self.body(#"{"Operations":[{"op":"replace","value":{"name":{"familyName":"Doe"}}}]}"#))
        #expect(family.name(current: "John Smith") == "John Doe")
        let removed = try Scim.patch(Self.body(#"{"Operations":[{"op":"remove","path":"name.familyName"}]}"#))
        #expect(removed.name(current: "John Smith") == "John")
        let formatted = try Scim.patch(Self.body(#"{"Operations":[{"op":"replace","path":"name.formatted","value":"Dr. J. Smith"}]}"#))
        #expect(formatted.name(current: "John Smith") == "Dr. J. Smith")
        // Nothing about the name: the name stays.
        let active = try Scim.patch(Self.body(#"{"Operations":[{"op":"replace","path":"active","value":"False"}]}"#))
        #expect(active.active == false && active.name(current: "John Smith") == "John Smith")
    }

    @Test func requiredAttributesCannotBeRemoved() throws {
        for path in ["userName", "active", "name", "emails"] {
            do {
                _ = try Scim.patch(Self.body(#"{"Operations":[{"op":"remove","path":"\#(path)"}]}"#))
                Issue.record("removed \(path)")
            } catch let failure as Scim.Failure {
                #expect(failure.scimType == "mutability")
            }
        }
    }

    @Test func theFilterIsEqOnlyAndCaseInsensitiveInItsNames() throws {
        let filter = try Scim.Filter.parse(#"USERNAME EQ "a@b.dev""#)
        #expect(filter.attribute == .userName && filter.value == "a@b.dev")
        #expect(try Scim.Filter.parse(#"displayName eq "Ops \"EMEA\"""#, attributes: Scim.Filter.groupAttributes).value == #"Ops "EMEA""#)
        for bad in [#"userName co "a""#, #"displayName eq "x""#, "userName eq a", "active", #"userName eq "a" and active eq true"#] {
            #expect(throws: Scim.Failure.self) { try Scim.Filter.parse(bad) }
        }
    }

    @Test func groupMemberPathsTheServerDoesNotTakeAreRefused() throws {
        for operation in [
            #"{"op":"add","path":"members[value eq \"a\"]","value":[{"value":"a"}]}"#, #"{"op":"remove","path":"members[value eq \"a\"].display"}"#,
            #"{"op":"replace","path":"members.value","value":"a"}"#,
        ] {
            #expect(throws: Scim.Failure.self) { try Scim.groupPatch(Self.body(#"{"Operations":[\#(operation)]}"#)) }
        }
    }
}
