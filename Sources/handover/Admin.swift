import ArgumentParser
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore

/// Bootstrapping a real deployment, directly against its database (no server needed).
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Organizations, members, tokens; the recovery key.",
        discussion: """
            create-org, create-member, create-token and scim-token run on the server's machine against its \
            database (HANDOVER_DATABASE_URL or --database, like 'handover serve'). recovery-key \
            talks to the server as a signed-in admin.
            """,
        subcommands: [CreateOrg.self, CreateMember.self, CreateToken.self, RecoveryKeyCommand.self, ScimTokenCommand.self, ScimRolesCommand.self, ScimRulesCommand.self]
    )
}

struct DatabaseOptions: ParsableArguments {
    @Option(help: "postgres://… or an SQLite file path (default: HANDOVER_DATABASE_URL, else handover-data/handover.sqlite).")
    var database: String?

    /// Runs `body` with the store, closed afterwards whether `body` succeeds or throws.
    func withStore<R>(_ body: (SQLHandoverStore) async throws -> R) async throws -> R {
        let configuration = try ServerConfiguration.fromEnvironment()
        var location = configuration.database
        if let database { location = try DatabaseLocation(parsing: database) }
        // The interval dates the checkpoint jobs that this command's writes enqueue.
        return try await SQLHandoverStore.withStore(location, maxConnections: 1, checkpointInterval: configuration.checkpointInterval, body)
    }
}

struct PasswordOptions: ParsableArguments {
    @Flag(help: "Read the password from the first line of standard input (otherwise one is generated and printed once).")
    var passwordStdin = false

    /// The password to set and whether it was generated (and so must be printed).
    func password() throws -> (String, generated: Bool) {
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw ValidationError("--password-stdin: no password on standard input") }
            return (line, false)
        }
        return (Secrets.newPassword(), true)
    }
}

struct CreateOrg: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-org", abstract: "Create an organization and its first admin.")
    @Option(help: "The organization's name.") var name: String
    @Option(help: "The first admin's email.") var adminEmail: String
    @Option(help: "The first admin's name.") var adminName: String
    @OptionGroup var passwordOptions: PasswordOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await db.withStore { store in
            let (password, generated) = try passwordOptions.password()
            let (organization, admin) = try await CLIErrors.run {
                try await MemberService(store: store).createOrganization(name: name, adminEmail: adminEmail, adminName: adminName, password: password)
            }
            try output.emit([
                "organization": .object(["id": .string(organization.id), "name": .string(organization.name)]),
                "admin": .object(["id": .string(admin.id), "email": .string(admin.email)]),
                "password": generated ? .string(password) : .null,
            ]) {
                print("Created organization \(organization.name) (\(organization.id))")
                print("Admin: \(admin.name) <\(admin.email)> (\(admin.id))")
                if generated { print("Admin password (shown once): \(password)") }
            }
        }
    }
}

struct CreateMember: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-member", abstract: "Add a member to an organization.")
    @Option(help: "Organization id.") var org: String
    @Option(help: "Email (used to sign in).") var email: String
    @Option(help: "Full name.") var name: String
    @Option(help: "admin, manager, member or auditor.") var role: Role = .member
    @Option(help: "Id or email of the member's manager.") var manager: String?
    @OptionGroup var passwordOptions: PasswordOptions
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await db.withStore { store in
            let admin = MemberService(store: store)
            try await requireOrganization(org, admin)
            var managerID: String?
            if let manager {
                let members = try await admin.members(organizationID: org)
                guard let found = members.first(where: { $0.id == manager || $0.email == Member.normalizedEmail(manager) }) else {
                    throw CLIError("No member \(manager) in organization \(org).")
                }
                managerID = found.id
            }
            let (password, generated) = try passwordOptions.password()
            let member = try await CLIErrors.run {
                try await admin.createMember(organizationID: org, email: email, name: name, role: role, managerID: managerID, password: password, by: .operator)
            }
            try output.emit([
                "member": .object(["id": .string(member.id), "email": .string(member.email), "role": .string(member.role.rawValue)]),
                "password": generated ? .string(password) : .null,
            ]) {
                print("Added \(member.name) <\(member.email)> as \(member.role.rawValue) (\(member.id))")
                if generated { print("Password (shown once): \(password)") }
            }
        }
    }
}

struct CreateToken: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "create-token", abstract: "Create an API token for a member (shown once).")
    @Option(help: "The member's email.") var member: String
    @Option(help: "The organization's id, when the email belongs to members of several.") var org: String?
    @Option(help: "What the token is for, e.g. the machine or script.") var name: String
    @OptionGroup var db: DatabaseOptions
    @OptionGroup var output: OutputOptions

    func run() async throws {
        try await db.withStore { store in
            let admin = MemberService(store: store)
            let candidates = try await admin.members(email: member).filter { org == nil || $0.organizationID == org }
            guard let found = candidates.first else { throw CLIError("No member with email \(member)\(org.map { " in organization \($0)" } ?? "").") }
            guard candidates.count == 1 else {
                throw CLIError(
                    "\(member) belongs to members of \(candidates.count) organizations (\(candidates.map(\.organizationID).joined(separator: ", "))); pass --org ID.")
            }
            let (token, secret) = try await CLIErrors.run { try await admin.createToken(for: found, name: name, by: .operator) }
            try output.emit(["id": .string(token.id), "token": .string(secret)]) {
                print("Token \(token.name) for \(found.email) (\(token.id)). Shown once; store it now:")
                print(secret)
            }
        }
    }
}

extension Role: ExpressibleByArgument {}
extension AccountKind: ExpressibleByArgument {}

/// The `admin` verbs name an organization by id: one that does not exist is said plainly.
func requireOrganization(_ id: String, _ members: MemberService) async throws {
    guard try await members.organization(id: id) != nil else { throw CLIError("No organization with id \(id).") }
}
