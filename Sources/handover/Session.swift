import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

struct Login: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign in and save an API token for the other commands.",
        discussion: "The token is saved to ~/.config/handover/config.json (mode 0600; HANDOVER_CONFIG overrides the path).")
    @Option(help: "Your email.") var email: String
    @Option(help: "The organization's id, when your email belongs to members of several (the server lists them).") var org: String?
    @Flag(help: "Read the password from the first line of standard input instead of prompting.") var passwordStdin = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let password: String
        if passwordStdin {
            guard let line = readLine(strippingNewline: true), !line.isEmpty else { throw CLIError("No password on standard input.") }
            password = line
        } else {
            guard let typed = getpass("Password for \(email): ").map({ String(cString: $0) }), !typed.isEmpty else { throw CLIError("No password given.") }
            password = typed
        }
        let client = try options.anonymousClient()
        let host = ProcessInfo.processInfo.hostName
        let reply = try await CLIErrors.run {
            do {
                return try await client.send(
                    .POST, "/api/v1/auth/login", json: LoginRequest(email: email, password: password, tokenName: "cli on \(host)", organization: org),
                    as: LoginResponse.self)
            } catch ClientError.unauthorized(let problem) {
                // Only why: the usual hint ("sign in with 'handover login'") is what the user just did.
                throw CLIError(problem.detail, problem: problem)
            }
        }
        guard let token = reply.value.token else { throw CLIError("The server did not issue a token.") }
        let replaced = ClientConfigFile.load()
        try ClientConfigFile(server: client.server.absoluteString, token: token, tokenID: reply.value.tokenID).save()
        // The token this login replaces would otherwise stay live on the server, unused: revoke it
        // (with itself, so it works whoever it belonged to) when it was for this same server.
        var revoked: String?
        if let replaced, let oldID = replaced.tokenID, oldID != reply.value.tokenID,
            URL(string: replaced.server).map({ Self.sameServer($0, client.server) }) ?? false
        {
            let old = HandoverAPIClient(server: client.server, token: replaced.token)
            let path = "/api/v1/tokens/" + (oldID.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? oldID)
            if (try? await old.send(.DELETE, path, body: nil, as: EmptyReply.self)) != nil { revoked = oldID }
        }
        try options.output.emit([
            "member": .object(["id": .string(reply.value.member.id), "email": .string(reply.value.member.email)]),
            "config": .string(ClientConfigFile.path.path),
            "revokedTokenId": revoked.map { .string($0) } ?? .null,
        ]) {
            print(
                "Signed in as \(reply.value.member.name) <\(reply.value.member.email)>, \(reply.value.member.role.rawValue). Token saved to \(ClientConfigFile.path.path)."
            )
            if let revoked { print("The token it replaces (\(revoked)) is revoked.") }
        }
    }

    /// The same server: scheme, host and port, whatever the trailing slash.
    static func sameServer(_ a: URL, _ b: URL) -> Bool {
        a.scheme?.lowercased() == b.scheme?.lowercased() && a.host?.lowercased() == b.host?.lowercased() && a.port == b.port
    }
}

struct Logout: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke the saved token and forget it.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        guard let saved = ClientConfigFile.load() else { print("Not signed in."); return }
        let client = try options.client()
        var revoked = false
        if let tokenID = saved.tokenID {
            revoked = (try? await client.send(.DELETE, "/api/v1/tokens/\(tokenID)", body: nil, as: EmptyReply.self)) != nil
        }
        try? FileManager.default.removeItem(at: ClientConfigFile.path)
        print(revoked ? "Signed out; the token is revoked." : "Signed out locally; the server could not be told, so revoke the token from another session if it matters.")
    }
}

struct WhoAmI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "whoami", abstract: "Show who the saved token belongs to.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }
        options.output.emit(raw: reply.json) {
            print("\(reply.value.name) <\(reply.value.email)>, \(reply.value.role.rawValue), organization \(reply.value.organizationID)")
        }
    }
}

struct Tokens: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List and revoke your API tokens.",
        discussion: """
            Each 'handover login' makes a token named after the machine and revokes the one it replaces on \
            the same server. Tokens do not expire: revoke the ones you do not use.
              handover tokens list              name, created, last used, which one is here
              handover tokens revoke TOKEN_ID   it stops working at once
            """,
        subcommands: [TokenList.self, TokenRevoke.self], defaultSubcommand: TokenList.self)
}

struct TokenList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List API tokens: created, last used, in use here.")
    @Flag(help: "Also list revoked tokens.") var all = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/tokens", as: ListResponse<APIToken>.self) }
        let names = try await MemberLookup.names(client: client)
        // The token this CLI sends: the saved login's, unless HANDOVER_TOKEN overrides it (its id is then unknown).
        let environmentToken = ProcessInfo.processInfo.environment["HANDOVER_TOKEN"].map { !$0.isEmpty } ?? false
        let inUse = environmentToken ? nil : ClientConfigFile.load()?.tokenID
        options.output.emit(raw: reply.json) {
            let tokens = reply.value.items.filter { all || $0.revokedAt == nil }.sorted { $0.createdAt > $1.createdAt }
            if tokens.isEmpty { print("No tokens."); return }
            Table.print(
                ["ID", "NAME", "MEMBER", "CREATED", "LAST USED", "STATE"],
                tokens.map { token in
                    [
                        token.id, token.name, names[token.memberID] ?? token.memberID, HumanDate.format(token.createdAt),
                        token.lastUsedAt.map { HumanDate.format($0) } ?? "never",
                        token.revokedAt.map { "revoked \(HumanDate.format($0))" } ?? (token.id == inUse ? "active, used by this CLI" : "active"),
                    ]
                })
            print("Tokens do not expire; revoke unused ones with 'handover tokens revoke ID'.")
        }
    }
}

struct TokenRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Revoke an API token: it stops working at once.")
    @Argument(help: "Token id (from 'handover tokens list').") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let path = "/api/v1/tokens/" + (id.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? id)
        _ = try await CLIErrors.run { try await client.send(.DELETE, path, body: nil, as: EmptyReply.self) }
        let own = ClientConfigFile.load()?.tokenID == id
        try options.output.emit(["revoked": .string(id)]) {
            print(own ? "Revoked token \(id), the one this CLI was using: sign in again with 'handover login'." : "Revoked token \(id).")
        }
    }
}
