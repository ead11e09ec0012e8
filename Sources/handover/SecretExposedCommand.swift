import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover secret exposed`: the rotation report. Every secret a member could open when their
/// access ended stays on it until someone rotates the secret.
struct SecretExposed: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "exposed", abstract: "What a leaver could open, until it is rotated.",
        discussion: """
            At a handover's completion, every secret of the account the transferor held (opened or \
            not) is exposed until it is rotated, by the template's deadline (14 days unless it says \
            otherwise). Lists your accounts' (a manager's team's; everyone's for admins and \
            auditors), oldest first. Rotate with 'handover secret rotate SECRET < new-value'.
            """)
    @Option(help: "Only this account's secrets.") var account: String?
    @Option(help: "Only what this member (email or id) could open.") var member: String?
    @Flag(help: "Only those past their due date.") var overdue = false
    @Flag(help: "Those already rotated instead, with who rotated them.") var rotated = false
    @OptionGroup var options: ClientOptions

    func validate() throws {
        if overdue && rotated { throw ValidationError("--overdue and --rotated exclude each other.") }
    }

    func run() async throws {
        let client = try options.client()
        var query: [URLQueryItem] = [URLQueryItem(name: "state", value: overdue ? "overdue" : rotated ? "rotated" : "open")]
        if let account { query.append(URLQueryItem(name: "account", value: account)) }
        if let member { query.append(URLQueryItem(name: "member", value: try await MemberLookup.id(of: member, client: client))) }
        var components = URLComponents()
        components.path = "/api/v1/secret-exposures"
        components.queryItems = query
        let path = components.string ?? "/api/v1/secret-exposures"
        let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<SecretExposureResponse>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let items = reply.value.items
            if items.isEmpty {
                print(rotated ? "Nothing rotated yet." : overdue ? "No overdue rotations." : "Nothing to rotate: no secret a leaver could open is waiting.")
                return
            }
            Table.print(
                ["SECRET", "NAME", "ACCOUNT", "OWNER", "EXPOSED TO", "VERSION", "SINCE", rotated ? "ROTATED" : "DUE"],
                items.map { item in
                    let who = names[item.memberID] ?? item.memberID
                    let status =
                        rotated
                        ? "\(item.rotatedAt.map { HumanDate.day($0) } ?? "?") by \(item.rotatedBy.map { names[$0] ?? $0 } ?? "?")"
                        : HumanDate.day(item.dueAt) + (item.overdue ? " OVERDUE" : "")
                    return [
                        item.secretID, item.secretName, item.accountName, names[item.ownerID] ?? item.ownerID, who, String(item.version),
                        HumanDate.day(item.exposedAt), status,
                    ]
                })
            if !rotated { print("Rotate each with 'handover secret rotate SECRET < new-value'; a rotation settles it for everyone it was exposed to.") }
        }
    }
}
