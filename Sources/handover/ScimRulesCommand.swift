import ArgumentParser
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore

/// `handover admin scim-rules`: where a deprovisioned member's accounts go (Docs/SCIM.md).
struct ScimRulesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scim-rules", abstract: "Say where a deprovisioned member's accounts go.",
        discussion: """
            When the identity provider deprovisions someone, their accounts are handed \
            over at once: by these rules in order, else to their manager. A rule sends \
            accounts with a tag (a territory is a tag) or of a kind to a member, or to \
            the least loaded member of a team. An account whose rule names nobody who \
            can receive it is skipped and named in the departure. --rule replaces every \
            rule; --clear removes them; without either, the rules are listed.
            Examples:
              handover admin scim-rules --org ORG --rule tag:emea=team:EMEA desk \\
                  --rule kind:project=pm@example.com
              handover admin scim-rules --org ORG --clear
            """)
    @Option(help: "The organization's id.") var org: String
    @Option(help: ArgumentHelp("A rule, in order (repeatable).", valueName: "tag:T=EMAIL|kind:K=team:NAME")) var rule: [String] = []
    @Flag(help: "Remove every rule: every account goes to the manager.") var clear = false
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func validate() throws {
        if clear && !rule.isEmpty { throw ValidationError("--clear and --rule: choose one") }
        for text in rule { _ = try RuleText.parse(text) }
    }

    func run() async throws {
        try await db.withStore { store in
            let scim = ScimService(store: store)
            try await requireOrganization(org, MemberService(store: store))
            let members = try await MemberService(store: store).members(organizationID: org)
            let teams = try await scim.teams(organizationID: org)
            if clear || !rule.isEmpty {
                var rules: [DepartureRule] = []
                for text in rule {
                    let (match, value, target) = try RuleText.parse(text)
                    switch target {
                    case .member(let who):
                        let email = Member.normalizedEmail(who)
                        guard let member = members.first(where: { $0.email == email || $0.id == who }) else {
                            throw CLIError("--rule \(text): no member \(who) in organization \(org).")
                        }
                        rules.append(DepartureRule(match: match, value: value, recipientID: member.id))
                    case .team(let name):
                        guard let team = teams.first(where: { $0.id == name || Team.nameKey($0.name) == Team.nameKey(name) }) else {
                            throw CLIError("--rule \(text): no team \(name) in organization \(org) (teams come from the identity provider).")
                        }
                        rules.append(DepartureRule(match: match, value: value, teamID: team.id))
                    }
                }
                try await CLIErrors.run { try await scim.setDeprovisioningRules(organizationID: org, rules: rules, by: .operator) }
            }
            let rules = try await scim.deprovisioningRules(organizationID: org)
            let names = Member.namesByID(members), teamNames = Dictionary(teams.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
            let json: [JSONValue] = rules.map { rule in
                var fields: [String: JSONValue] = ["match": .string(rule.match.rawValue), "value": .string(rule.value)]
                if let id = rule.recipientID { fields["recipientID"] = .string(id) }
                if let id = rule.teamID { fields["teamID"] = .string(id) }
                return .object(fields)
            }
            try output.emit(["rules": .array(json)]) {
                if rules.isEmpty { print("No deprovisioning rules in organization \(org): every account goes to the member's manager.") }
                for (index, rule) in rules.enumerated() {
                    let target = rule.teamID.map { "team \(teamNames[$0] ?? $0)" } ?? rule.recipientID.map { names[$0] ?? $0 } ?? "?"
                    print("\(index + 1). \(rule.match.rawValue) \(rule.value) → \(target)")
                }
            }
        }
    }
}
