import ArgumentParser
import Crypto
import Foundation
import HandoverClient
import HandoverCore
import HandoverServices
import HandoverTrust
import HandoverWire

struct SecretCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secret", abstract: "Sealed credentials, opened only on your machine.",
        discussion: """
            A value is sealed on this machine to each reader's encryption key and to the \
            organization's recovery key; the server stores only ciphertext. Values are read from \
            standard input or a file, never from an argument (arguments end up in shell history).
              handover key new --encryption            once: your encryption key
              handover secret add --account ID --name "Stripe key" < key.txt
              handover secret list --account ID        names, versions, readers
              handover secret open SECRET              the value, on stdout
              handover secret share SECRET --with EMAIL
              handover secret share --handover ID      all, to its recipient
              handover secret rotate SECRET < new.txt  a new value, same readers
              handover secret recover SECRET --recovery-key FILE --to EMAIL
              handover secret exposed [--overdue]      what a leaver could open, to rotate
            """,
        subcommands: [SecretAdd.self, SecretList.self, SecretOpen.self, SecretShare.self, SecretRotate.self, SecretRecover.self, SecretExposed.self]
    )
}

/// What sealing needs from the server: who can be a reader (their active keys) and the recovery key.
struct SealingKeys {
    var readers: [String: EncryptionKeyResponse]
    var recovery: RecoveryKeyResponse

    static func fetch(client: HandoverAPIClient) async throws -> SealingKeys {
        let recovery: RecoveryKeyResponse
        do {
            recovery = try await client.get("/api/v1/recovery-key", as: RecoveryKeyResponse.self).value
        } catch ClientError.problem(status: 404, _) {
            throw CLIError("No recovery key is registered for your organization, so nothing can be sealed yet: an admin runs 'handover admin recovery-key new'.")
        }
        let keys = try await CLIErrors.run { try await client.get("/api/v1/encryption-keys", as: ListResponse<EncryptionKeyResponse>.self) }.value.items
        return SealingKeys(
            readers: Dictionary(keys.filter { $0.revokedAt == nil }.map { ($0.memberID, $0) }, uniquingKeysWith: { a, _ in a }), recovery: recovery)
    }

    /// The content key wrapped to `readerID` (a member, or the recovery key).
    func wrap(_ contentKey: SymmetricKey, to readerID: String, secretID: String, version: Int, handoverID: String? = nil) throws -> WrapBody {
        let (keyID, publicKey): (String, String)
        if readerID == SecretWrap.recoveryReader {
            (keyID, publicKey) = (recovery.id, recovery.publicKey)
        } else {
            guard let key = readers[readerID] else { throw CLIError("Member \(readerID) has no encryption key yet: ask them to run 'handover key new --encryption'.") }
            (keyID, publicKey) = (key.id, key.publicKey)
        }
        guard let raw = Data(base64Encoded: publicKey), let reader = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: raw) else {
            throw CLIError("\(readerID)'s encryption key is not a valid X25519 key.")
        }
        let wrapped = try SecretSeal.wrap(contentKey, to: reader, readerID: readerID, secretID: secretID, version: version)
        return WrapBody(readerID: readerID, keyID: keyID, wrappedKey: wrapped.base64EncodedString(), version: version, handoverID: handoverID)
    }
}

/// Reads a value from a file or standard input, refusing an empty one.
enum SecretValue {
    static func read(file: String?) throws -> Data {
        let data: Data
        if let file {
            guard let contents = FileManager.default.contents(atPath: file) else { throw CLIError("Cannot read \(file).") }
            data = contents
        } else {
            if isatty(STDIN_FILENO) == 1 { FileHandle.standardError.write(Data("Type or paste the value, then Ctrl-D:\n".utf8)) }
            data = FileHandle.standardInput.readDataToEndOfFile()
        }
        guard !data.isEmpty else { throw CLIError("The value is empty: give it on standard input or with --value-file.") }
        guard data.count <= 65_536 else { throw CLIError("The value is \(data.count) bytes; a secret holds at most 64 KiB.") }
        return data
    }
}

/// Opens a secret with the signed-in member's encryption key: its content key and value.
enum SecretOpening {
    static func open(_ id: String, client: HandoverAPIClient, me: Member) async throws -> (opened: OpenedSecret, contentKey: SymmetricKey, value: Data) {
        let (_, key) = try EncryptionKeyEnrolment.load(member: me.id)
        let opened = try await CLIErrors.run { try await client.send(.POST, "/api/v1/secrets/\(id)/open", body: nil, as: OpenedSecret.self) }.value
        return try unseal(opened, id: id, key: key, readerID: me.id)
    }

    /// `id` is the secret asked for: the associated data is built from it, never from what the
    /// server answered, so a server cannot pass off one secret as another.
    static func unseal(_ opened: OpenedSecret, id: String, key: Curve25519.KeyAgreement.PrivateKey, readerID: String) throws -> (
        opened: OpenedSecret, contentKey: SymmetricKey, value: Data
    ) {
        guard let wrapped = Data(base64Encoded: opened.wrap.wrappedKey), let sealed = Data(base64Encoded: opened.ciphertext) else {
            throw CLIError("The server sent a damaged secret (not base64).")
        }
        do {
            let contentKey = try SecretSeal.unwrap(wrapped, with: key, readerID: readerID, secretID: id, version: opened.wrap.version)
            let value = try SecretSeal.decrypt(sealed, contentKey: contentKey, secretID: id, version: opened.secret.version)
            return (opened, contentKey, value)
        } catch let failure as SecretSeal.Failure {
            throw CLIError("Cannot open \(opened.secret.name): \(failure.description)")
        }
    }
}

struct SecretAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "add", abstract: "Seal a new secret (the value on stdin).")
    @Option(help: "The account it belongs to.") var account: String
    @Option(help: "What it is, e.g. \"Stripe live key\" (never the value).") var name: String
    @Option(help: "The system it opens.") var system: String = ""
    @Option(help: "password, api-key, private-key, recovery-codes or note.") var kind: SecretKind = .password
    @Option(help: "Read the value from this file instead of standard input.") var valueFile: String?
    @Option(help: "Also seal it to these members (email or id; repeatable).") var shareWith: [String] = []
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        _ = try EncryptionKeyEnrolment.load(member: me.id)  // you must be able to open what you seal
        let value = try SecretValue.read(file: valueFile)
        let keys = try await SealingKeys.fetch(client: client)
        var readers = [me.id]
        for member in shareWith { readers.append(try await MemberLookup.id(of: member, client: client)) }
        let id = Secrets.newID()
        let (sealed, contentKey) = try SecretSeal.encrypt(value, secretID: id, version: 1)
        let wraps = try (Array(Set(readers)) + [SecretWrap.recoveryReader]).map { try keys.wrap(contentKey, to: $0, secretID: id, version: 1) }
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/accounts/\(account)/secrets",
                json: CreateSecretRequest(id: id, name: name, system: system, kind: kind, ciphertext: sealed.base64EncodedString(), wraps: wraps), as: Secret.self)
        }
        options.output.emit(raw: reply.json) {
            print("Sealed \(reply.value.name) (\(reply.value.id)) to \(reply.value.readers.count) reader(s) and the recovery key. The server holds only ciphertext.")
        }
    }
}

extension SecretKind: ExpressibleByArgument {}

struct SecretList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "An account's secrets, without their values.")
    @Option(help: "The account.") var account: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(account)/secrets", as: ListResponse<Secret>.self) }
        let names = try await MemberLookup.names(client: client)
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No secrets on this account. Seal one with 'handover secret add --account \(account) --name …'."); return }
            Table.print(
                ["ID", "NAME", "SYSTEM", "KIND", "VERSION", "ROTATED", "READERS"],
                reply.value.items.map { secret in
                    [
                        secret.id, secret.name, secret.system, secret.kind.rawValue, String(secret.version), HumanDate.day(secret.lastRotatedAt),
                        secret.readers.map { names[$0] ?? $0 }.joined(separator: ", "),
                    ]
                })
        }
    }
}

struct SecretOpen: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "open", abstract: "Open a secret sealed to you (audited).")
    @Argument(help: "Secret id.") var id: String
    @Option(help: "Write the value to this file (mode 0600) instead of standard output.") var output: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        let (opened, _, value) = try await SecretOpening.open(id, client: client, me: me)
        if let output {
            try PrivateFile.write(value, to: output)
            try options.output.emit(["secret": .string(opened.secret.id), "file": .string(output)]) { print("Wrote \(opened.secret.name) to \(output) (mode 0600).") }
        } else if options.format == .json {
            try options.output.printJSON(["secret": opened.secret.id, "name": opened.secret.name, "value": String(decoding: value, as: UTF8.self)])
        } else {
            FileHandle.standardOutput.write(value)
        }
    }
}

struct SecretShare: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "share", abstract: "Seal secrets to a colleague or a recipient.")
    @Argument(help: "Secret id (leave out with --handover to share all of the account's secrets you can open).") var id: String?
    @Option(help: "The member to share with (email or id).") var with: String?
    @Option(help: "A handover you are handing over: its recipient opens them once they acknowledge it.") var handover: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        var reader: String? = nil
        if let with { reader = try await MemberLookup.id(of: with, client: client) }
        var ids = id.map { [$0] } ?? []
        if let handover {
            let h = try await CLIErrors.run { try await client.get("/api/v1/handovers/\(handover)", as: Handover.self) }.value
            if reader == nil { reader = h.recipientID }
            guard reader == h.recipientID else { throw CLIError("A handover's secrets go to its recipient; leave out --with.") }
            if ids.isEmpty {
                let all = try await CLIErrors.run { try await client.get("/api/v1/accounts/\(h.accountID)/secrets", as: ListResponse<Secret>.self) }.value.items
                ids = all.filter { $0.readers.contains(me.id) && !$0.readers.contains(h.recipientID) }.map(\.id)
                if ids.isEmpty { print("Nothing to share: the recipient already has every secret of the account you can open."); return }
            }
        }
        guard let reader else { throw CLIError("Say who to share with: --with EMAIL, or --handover ID for its recipient.") }
        guard !ids.isEmpty else { throw CLIError("Name a secret, or give --handover ID to share all of its account's secrets.") }
        let keys = try await SealingKeys.fetch(client: client)
        var shared: [String] = []
        for secretID in ids {
            let (opened, contentKey, _) = try await SecretOpening.open(secretID, client: client, me: me)
            let wrap = try keys.wrap(contentKey, to: reader, secretID: secretID, version: opened.secret.version, handoverID: handover)
            _ = try await CLIErrors.run {
                try await client.send(.POST, "/api/v1/secrets/\(secretID)/wraps", json: ShareSecretRequest(wraps: [wrap]), as: Secret.self)
            }
            shared.append(opened.secret.name)
        }
        let names = try await MemberLookup.names(client: client)
        try options.output.emit(["shared": .array(ids.map { .string($0) }), "reader": .string(reader)]) {
            print("Sealed \(shared.joined(separator: ", ")) to \(names[reader] ?? reader)\(handover == nil ? "." : "; they open it once they acknowledge the handover.")")
        }
    }
}

struct SecretRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "rotate", abstract: "Seal a new value to the same readers.")
    @Argument(help: "Secret id.") var id: String
    @Option(help: "Read the new value from this file instead of standard input.") var valueFile: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let me = try await CLIErrors.run { try await client.get("/api/v1/me", as: Member.self) }.value
        let (opened, _, _) = try await SecretOpening.open(id, client: client, me: me)  // only a reader rotates, and it proves the key works
        let value = try SecretValue.read(file: valueFile)
        let keys = try await SealingKeys.fetch(client: client)
        let next = opened.secret.version + 1
        let (sealed, contentKey) = try SecretSeal.encrypt(value, secretID: id, version: next)
        let wraps = try (opened.secret.readers + [SecretWrap.recoveryReader]).map { try keys.wrap(contentKey, to: $0, secretID: id, version: next) }
        let reply = try await CLIErrors.run {
            try await client.send(
                .POST, "/api/v1/secrets/\(id)/rotate",
                json: RotateSecretRequest(version: opened.secret.version, ciphertext: sealed.base64EncodedString(), wraps: wraps), as: Secret.self)
        }
        options.output.emit(raw: reply.json) { print("Rotated \(reply.value.name): version \(reply.value.version), sealed to \(reply.value.readers.count) reader(s).") }
    }
}

struct SecretRecover: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "recover", abstract: "Open a secret with the recovery key (admins).")
    @Argument(help: "Secret id.") var id: String
    @Option(help: "The recovery key file 'handover admin recovery-key new' wrote.") var recoveryKey: String
    @Option(help: "Seal it to this member (email or id) instead of printing the value.") var to: String?
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let file = try KeyFile.load(URL(fileURLWithPath: recoveryKey), kind: .recovery)
        let key = try file.agreementKey(passphrase: try file.passphrase())
        let opened = try await CLIErrors.run { try await client.send(.POST, "/api/v1/secrets/\(id)/recover", body: nil, as: OpenedSecret.self) }.value
        let (_, contentKey, value) = try SecretOpening.unseal(opened, id: id, key: key, readerID: SecretWrap.recoveryReader)
        guard let to else {
            if options.format == .json {
                try options.output.printJSON(["secret": opened.secret.id, "name": opened.secret.name, "value": String(decoding: value, as: UTF8.self)])
            } else {
                FileHandle.standardOutput.write(value)
            }
            return
        }
        let reader = try await MemberLookup.id(of: to, client: client)
        let wrap = try await SealingKeys.fetch(client: client).wrap(contentKey, to: reader, secretID: id, version: opened.secret.version)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/secrets/\(id)/wraps", json: ShareSecretRequest(wraps: [wrap]), as: Secret.self) }
        options.output.emit(raw: reply.json) { print("Recovered \(opened.secret.name) and sealed it to \(to).") }
    }
}

/// A file only its owner reads, written without ever being readable by others.
enum PrivateFile {
    static func write(_ data: Data, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CLIError(errno == EEXIST ? "\(path) already exists; choose another path." : "Could not create \(path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}
