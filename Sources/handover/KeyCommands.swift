import ArgumentParser
import Crypto
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire
import HandoverTrust

struct Key: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Your signing and encryption keys.",
        discussion: """
            The private key stays on this machine, in a file only you can read (0600), sealed with \
            a passphrase if you ask for one; the server only ever sees the public key.
              handover key new                 create a key, save it, enrol its public key
              handover key new --passphrase    the same, sealed with a passphrase
              handover key list                your enrolled keys
              handover key revoke KEYID        stop a key signing (lost or leaked)
              handover key new --encryption    your encryption key, for sealed secrets
              handover key fingerprints        everyone's encryption keys, to compare
            Scripts can set HANDOVER_KEY_PASSPHRASE; HANDOVER_SIGNING_KEY and
            HANDOVER_ENCRYPTION_KEY name the key files.
            """,
        subcommands: [KeyNew.self, KeyList.self, KeyRevoke.self, KeyFingerprints.self]
    )
}

struct KeyNew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "new", abstract: "Create a signing key here and enrol its public key.")
    @Option(help: "Where to save the key (default: signing-keys/<member id>.json beside the login config).") var keyFile: String?
    @Flag(help: "Seal the private key with a passphrase (asked twice, or HANDOVER_KEY_PASSPHRASE).") var passphrase = false
    @Flag(help: "Make your X25519 encryption key for sealed secrets instead (encryption-keys/<member id>.json).") var encryption = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        if encryption { return try await EncryptionKeyEnrolment.run(client: client, me: me, keyFile: keyFile, passphrase: passphrase, output: options.output) }
        let url = keyFile.map { URL(fileURLWithPath: $0) } ?? KeyFile.defaultPath(member: me.id)
        if FileManager.default.fileExists(atPath: url.path) {
            throw CLIError("\(url.path) already exists; revoke that key ('handover key revoke ID') and delete the file first, or pass --key-file.")
        }
        let secret = passphrase ? try Passphrase.read(prompt: "Passphrase for the new key: ", confirm: true) : nil
        let key = Curve25519.Signing.PrivateKey()
        let file = try KeyFile(key: key, member: me.id, server: client.server.absoluteString, passphrase: secret)
        let payload = EnrolmentPayload(member: me.id, organization: me.organizationID, publicKey: file.publicKey, time: RFC3339.format(Date()))
        let envelope = try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: EnrolmentPayload.type, key: key)
        // Save first: a key enrolled but lost would be useless; a key saved but not enrolled is retried.
        try file.save(to: url)
        let reply: HandoverAPIClient.Reply<SigningKey>
        do {
            reply = try await CLIErrors.run {
                try await client.send(.POST, "/api/v1/keys", json: EnrolKeyRequest(envelope: envelope, origin: "cli"), as: SigningKey.self)
            }
        } catch {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        options.output.emit(raw: reply.json) {
            print("Created and enrolled key \(reply.value.id) for \(me.name).")
            print("  private key: \(url.path) (mode 0600\(secret == nil ? ", no passphrase" : ", sealed with your passphrase"))")
            print("Sign a handover with 'handover sign ID'.")
        }
    }
}

struct KeyList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List enrolled keys (admins, auditors: anyone's).")
    @Option(help: "A member id (admins and auditors).") var member: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let query = member.map { "?member=\($0.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? $0)" } ?? ""
        let reply = try await CLIErrors.run { try await client.get("/api/v1/keys\(query)", as: ListResponse<SigningKey>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No keys enrolled. Create one with 'handover key new'."); return }
            Table.print(
                ["KEY", "MEMBER", "ORIGIN", "ENROLLED", "STATE"],
                reply.value.items.map { key in
                    [
                        key.id, names[key.memberID] ?? key.memberID, key.origin, HumanDate.format(key.enrolledAt),
                        key.revokedAt.map { "revoked \(HumanDate.format($0))" } ?? "active",
                    ]
                })
        }
    }
}

struct KeyRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke", abstract: "Revoke a key: its open sign-offs stop counting.")
    @Argument(help: "Key id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        _ = try await CLIErrors.run { try await client.send(.DELETE, "/api/v1/keys/\(id)", body: nil, as: EmptyReply.self) }
        try options.output.emit(["revoked": .string(id)]) { print("Revoked key \(id).") }
    }
}

struct Sign: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Sign off a handover as it is now, with your key.",
        discussion: """
            Reads the handover, computes the SHA-256 of its content's canonical JSON (RFC 8785) on \
            this machine, and signs a DSSE envelope (application/vnd.handover.signoff+json) of \
            {handover, version, contentDigest, signer, role, statement, time}. The transferor signs \
            once it is submitted; the recipient (and a manager, where the template asks) after the \
            recipient acknowledged it. A change to the content after signing voids the sign-off.
            """
    )
    @Argument(help: "Handover id.") var id: String
    @Option(help: "transferor, recipient or manager (default: your part in the handover).") var role: SignoffRole?
    @Option(help: "The key file (default: the one 'handover key new' saved).") var keyFile: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        let file = try KeyFile.load(keyFile.map { URL(fileURLWithPath: $0) } ?? KeyFile.defaultPath(member: me.id))
        guard file.member == me.id else { throw CLIError("That key file belongs to member \(file.member), not to you (\(me.id)).") }
        let key = try file.signingKey(passphrase: try file.passphrase())
        let handover = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)", as: Handover.self) }.value
        let role = role ?? SignoffRules.role(of: me, in: handover)
        let payload = try SignoffPayload(signing: handover, signer: me.id, role: role, at: Date())
        let envelope = try DSSEEnvelope.sign(payload: try payload.canonicalBytes(), type: SignoffPayload.type, key: key)
        let reply = try await CLIErrors.run {
            try await client.send(.POST, "/api/v1/handovers/\(id)/signoffs", json: SignoffRequest(envelope: envelope), as: Signoff.self)
        }
        let next = options.format == .text ? await NextHint.lines(for: handover, client: client) : []
        options.output.emit(raw: reply.json) {
            print("Signed as \(role.rawValue) with key \(file.keyID):")
            print("  \"\(payload.statement)\"")
            print("  version \(payload.version), content SHA-256 \(payload.contentDigest)")
            for line in next { print(line) }
        }
    }
}

extension SignoffRole: ExpressibleByArgument {}

struct Signoffs: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show a handover's sign-offs and the ones missing.")
    @Argument(help: "Handover id.") var id: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/signoffs", as: SignoffStatus.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let status = reply.value
            print("Needs: \(status.required.map(\.rawValue).joined(separator: ", ")). Content SHA-256 \(status.contentDigest)")
            for signoff in status.signoffs {
                let counts = status.valid.contains(signoff.id) ? "counts" : "void (older content or revoked key)"
                print(
                    "  \(signoff.role.rawValue): \(names[signoff.memberID] ?? signoff.memberID), key \(signoff.keyID), \(HumanDate.format(signoff.recordedAt)), \(counts)"
                )
            }
            print(status.missing.isEmpty ? "All sign-offs are in: it can be completed." : "Missing: \(status.missing.map(\.rawValue).joined(separator: ", ")).")
        }
    }
}

struct Certificate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Save a completed handover's certificate.",
        discussion: """
            The certificate of completion: parties, sign-offs, timeline and content digest, with the \
            audit entries they rest on and their proofs. Check it anywhere, with no server:
              handover certificate ID -o cert.json
              handover audit verify cert.json --key K   (K: 'handover audit checkpoint')
            """)
    @Argument(help: "Handover id.") var id: String
    @Option(name: .shortAndLong, help: "File to write (it is replaced).") var output: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(id)/certificate", as: CompletionCertificate.self) }
        do { try reply.json.write(to: URL(fileURLWithPath: output), options: .atomic) } catch {
            throw ValidationError("could not write \(output): \(error.localizedDescription)")
        }
        let certificate = reply.value
        try options.output.emit(["file": .string(output), "signoffs": .number(Double(certificate.signoffs.count)), "verifierKey": .string(certificate.audit.verifierKey)])
        {
            print(
                "Wrote \(output): \(certificate.handover.accountName), \(certificate.signoffs.count) sign-offs, \(certificate.audit.entries.count) audit entries with proofs."
            )
            print("Check it anywhere with: handover audit verify \(output) --key \(certificate.audit.verifierKey)")
        }
    }
}
