import ArgumentParser
import Crypto
import Foundation
import HandoverClient
import HandoverCore
import HandoverTrust
import HandoverWire

/// `handover key new --encryption`: an X25519 key made here, saved like the signing key, and
/// enrolled with a proof that this machine holds its private half (`KeyPossession`).
enum EncryptionKeyEnrolment {
    static func run(client: HandoverAPIClient, me: Member, keyFile: String?, passphrase: Bool, output: OutputOptions) async throws {
        let url = keyFile.map { URL(fileURLWithPath: $0) } ?? KeyFile.defaultPath(member: me.id, kind: .encryption)
        if FileManager.default.fileExists(atPath: url.path) {
            throw CLIError(
                "\(url.path) already exists: your encryption key is made. To replace it, move that file away first (secrets sealed to it then need re-sharing).")
        }
        let secret = passphrase ? try Passphrase.read(prompt: "Passphrase for the new key: ", confirm: true) : nil
        let key = Curve25519.KeyAgreement.PrivateKey()
        let file = try KeyFile(key: key, member: me.id, server: client.server.absoluteString, passphrase: secret)
        let serverKey = try await CLIErrors.run { try await client.get("/api/v1/encryption-keys/possession-key", as: PublicKeyBody.self) }.value
        guard let serverRaw = Data(base64Encoded: serverKey.publicKey), let server = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: serverRaw) else {
            throw CLIError("The server's possession key is not an X25519 key.")
        }
        let payload = try EnrolmentPayload(member: me.id, organization: me.organizationID, publicKey: file.publicKey, time: RFC3339.format(Date())).canonicalBytes()
        let proof = try KeyPossession.proof(payload: payload, memberKey: key, serverKey: server)
        try file.save(to: url)  // first: a key enrolled but lost would be useless
        let reply: HandoverAPIClient.Reply<EncryptionKeyResponse>
        do {
            reply = try await CLIErrors.run {
                try await client.send(
                    .POST, "/api/v1/encryption-keys",
                    json: EnrolEncryptionKeyRequest(payload: Data(payload).base64EncodedString(), proof: proof.base64EncodedString(), origin: "cli"),
                    as: EncryptionKeyResponse.self)
            }
        } catch {
            try EnrolmentFailure.settle(error, keyFile: url, check: "'handover key fingerprints'")
        }
        output.emit(raw: reply.json) {
            print("Created and enrolled encryption key \(reply.value.id) for \(me.name).")
            print("  fingerprint: \(reply.value.fingerprint) (colleagues see it with 'handover key fingerprints')")
            print("  private key: \(url.path) (mode 0600\(secret == nil ? ", no passphrase" : ", sealed with your passphrase"))")
        }
    }

    /// The signed-in member's encryption key, from its file.
    static func load(member: String) throws -> (file: KeyFile, key: Curve25519.KeyAgreement.PrivateKey) {
        let file = try KeyFile.load(KeyFile.defaultPath(member: member, kind: .encryption), kind: .encryption)
        guard file.member == member else { throw CLIError("That encryption key file belongs to member \(file.member), not to you (\(member)).") }
        return (file, try file.agreementKey(passphrase: try file.passphrase()))
    }
}

struct KeyFingerprints: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fingerprints", abstract: "Everyone's encryption key fingerprints.",
        discussion: """
            Before you share a secret with a colleague, read their fingerprint to them (or have them
            read yours) over a channel you trust: the same four groups mean the same key.
            """)
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/encryption-keys", as: ListResponse<EncryptionKeyResponse>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            let active = reply.value.items.filter { $0.revokedAt == nil }
            if active.isEmpty { print("No encryption keys yet. Make yours with 'handover key new --encryption'."); return }
            Table.print(
                ["MEMBER", "FINGERPRINT", "ORIGIN", "ENROLLED"],
                active.map { [names[$0.memberID] ?? $0.memberID, $0.fingerprint, $0.origin, HumanDate.format($0.enrolledAt)] })
        }
    }
}

struct RecoveryKeyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recovery-key", abstract: "The recovery key for sealed secrets.",
        subcommands: [RecoveryKeyNew.self])
}

struct RecoveryKeyNew: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new", abstract: "Make it: private half to a file, public half sent.",
        discussion: """
            Every secret is also sealed to this key, so none becomes unreadable when its last reader \
            leaves: 'handover secret recover' opens one with the file. Keep the file offline (a \
            safe, a hardware-encrypted drive); anyone with it and an admin login can open every \
            secret. A new recovery key replaces the old one for secrets sealed or rotated from now on.
            """)
    @Option(help: "Where to write the private half (mode 0600; it must not exist).") var output: String
    @Flag(help: "Seal the private half with a passphrase (asked twice, or HANDOVER_KEY_PASSPHRASE).") var passphrase = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        guard me.role == .admin else { throw CLIError("Only admins register the recovery key; you are signed in as \(me.role.rawValue).") }
        let url = URL(fileURLWithPath: output)
        if FileManager.default.fileExists(atPath: url.path) { throw CLIError("\(url.path) already exists; choose another path.") }
        let secret = passphrase ? try Passphrase.read(prompt: "Passphrase for the recovery key: ", confirm: true) : nil
        let key = Curve25519.KeyAgreement.PrivateKey()
        let file = try KeyFile(key: key, kind: .recovery, member: me.organizationID, server: client.server.absoluteString, passphrase: secret)
        try file.save(to: url)
        let reply: HandoverAPIClient.Reply<RecoveryKeyResponse>
        do {
            reply = try await CLIErrors.run {
                try await client.send(.POST, "/api/v1/recovery-key", json: PublicKeyBody(publicKey: file.publicKey), as: RecoveryKeyResponse.self)
            }
        } catch {
            try EnrolmentFailure.settle(error, keyFile: url, check: "'GET /api/v1/recovery-key' (its fingerprint)")
        }
        options.output.emit(raw: reply.json) {
            print("Registered recovery key \(reply.value.id) (fingerprint \(reply.value.fingerprint)).")
            print("  private half: \(url.path) (mode 0600\(secret == nil ? ", no passphrase" : ", sealed with your passphrase")): keep it offline.")
        }
    }
}

/// A key file saved before its enrolment, when the enrolment fails: removed only when the server
/// said no (4xx), since then nothing uses it. Otherwise (no answer, a 5xx) the server may have
/// taken it, and a deleted private half could never be made again: keep it and say how to check.
enum EnrolmentFailure {
    static func settle(_ error: any Error, keyFile url: URL, check: String) throws -> Never {
        if let status = (error as? CLIError)?.problem?.status, (400..<500).contains(status) {
            try? FileManager.default.removeItem(at: url)
            throw error
        }
        throw CLIError(
            "\(error)\nThe key is kept in \(url.path): the server may have registered it. Check with \(check); if it is not there, move the file away and try again.",
            problem: (error as? CLIError)?.problem)
    }
}
