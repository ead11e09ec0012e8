import ArgumentParser
import Foundation
import HandoverServices
import HandoverStore

/// `handover admin scim-token`: an identity provider's connection (Docs/SCIM.md), made or
/// revoked on the server's machine against its database, like the other `admin` verbs.
struct ScimTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scim-token", abstract: "Make (or revoke) an identity provider's SCIM token.",
        discussion: """
            Prints a new hscim_ token once: paste it into Okta or Entra as the \
            bearer token of the SCIM app, with /scim/v2 as the base URL. Only its \
            digest is stored. --revoke ID stops a connection at once.
            Example: handover admin scim-token --org ORG --name okta
            """)
    @Option(help: "The organization's id.") var org: String
    @Option(help: "What the connection is for, e.g. okta or entra.") var name: String = "scim"
    @Option(help: "Revoke the connection with this id instead of making one.") var revoke: String?
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await db.withStore { store in
            let scim = ScimService(store: store)
            try await requireOrganization(org, MemberService(store: store))
            if let revoke {
                do {
                    try await scim.revokeToken(id: revoke, organizationID: org, by: .operator)
                } catch StoreError.notFound {
                    throw CLIError("No SCIM token \(revoke) in organization \(org); the id is the one scim-token printed.")
                }
                try output.emit(["id": .string(revoke), "revoked": .bool(true)]) { print("Revoked SCIM token \(revoke).") }
                return
            }
            let (token, secret) = try await CLIErrors.run { try await scim.createToken(organizationID: org, name: name, by: .operator) }
            try output.emit(["id": .string(token.id), "name": .string(token.name), "token": .string(secret)]) {
                print("SCIM token \(token.name) for organization \(org) (\(token.id)). Shown once; store it now:")
                print(secret)
            }
        }
    }
}
