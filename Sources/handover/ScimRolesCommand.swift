import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore

/// `handover admin scim-roles`: which identity-provider group (team) gives which role
/// (Docs/SCIM.md). Changing a mapping re-derives its team's members' roles at once.
struct ScimRolesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scim-roles", abstract: "Map identity-provider groups to roles.",
        discussion: """
            A member in a mapped group has the highest role of their mapped groups \
            (admin, manager, member, auditor); leaving the last one makes them a member \
            again. Members in no mapped group keep the role an admin gave them, and the \
            organization's last active admin is never demoted this way. Group names \
            compare case-insensitively.
            Examples:
              handover admin scim-roles --org ORG --map "Handover admins=admin" \\
                  --map "Team leads=manager"
              handover admin scim-roles --org ORG --unmap "Team leads"
              handover admin scim-roles --org ORG
            """)
    @Option(help: "The organization's id.") var org: String
    @Option(help: ArgumentHelp("Give the members of a group a role: \"GROUP=ROLE\" (repeatable).", valueName: "group=role")) var map: [String] = []
    @Option(help: ArgumentHelp("Stop a group giving a role (repeatable).", valueName: "group")) var unmap: [String] = []
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    /// "GROUP=ROLE" split at the last `=`, so a group name may contain one.
    static func mapping(_ text: String) throws -> (group: String, role: Role) {
        guard let equals = text.lastIndex(of: "=") else { throw ValidationError("--map takes GROUP=ROLE, got \(text)") }
        let group = String(text[..<equals]), roleName = text[text.index(after: equals)...].trimmingCharacters(in: .whitespaces).lowercased()
        guard let role = Role(rawValue: roleName) else {
            throw ValidationError("unknown role \(roleName) in \(text): use \(Role.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        return (group, role)
    }

    /// Every name checked before anything is written: a bad third --map never leaves two applied.
    func validate() throws {
        let groups = try map.map { try Self.mapping($0).group } + unmap
        if let problem = groups.lazy.compactMap(Team.nameProblem).first { throw ValidationError(problem) }
    }

    func run() async throws {
        try await db.withStore { store in
            let scim = ScimService(store: store)
            try await requireOrganization(org, MemberService(store: store))
            var changed: [Member] = []
            for text in map {
                let (group, role) = try Self.mapping(text)
                changed += try await CLIErrors.run { try await scim.setTeamRole(organizationID: org, teamName: group, role: role, by: .operator) }
            }
            for group in unmap {
                changed += try await CLIErrors.run { try await scim.setTeamRole(organizationID: org, teamName: group, role: nil, by: .operator) }
            }
            let mapping = try await scim.teamRoles(organizationID: org).sorted { $0.key < $1.key }
            let json: [String: JSONValue] = [
                "mapping": .object(Dictionary(uniqueKeysWithValues: mapping.map { ($0.key, .string($0.value.rawValue)) })),
                "changed": .array(changed.map { .object(["id": .string($0.id), "email": .string($0.email), "role": .string($0.role.rawValue)]) }),
            ]
            try output.emit(json) {
                if mapping.isEmpty { print("No group gives a role in organization \(org).") }
                for (group, role) in mapping { print("\(group) → \(role.rawValue)") }
                for member in changed { print("\(member.email) is now \(member.role.rawValue)") }
            }
        }
    }
}
