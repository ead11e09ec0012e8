import Crypto
import CryptoExtras
import Foundation
import HandoverTrust

/// A member's private key on their own machine: their Ed25519 signing key or their X25519
/// encryption key, in a JSON file with 0600 permissions. With a passphrase, the private key is
/// sealed with ChaCha20-Poly1305 under a key derived by scrypt (N=2^15, r=8, p=1: about 32 MB and
/// a tenth of a second per try); without, it is stored as is and the file's permissions are all
/// that protect it.
struct KeyFile: Codable {
    enum Kind: String {
        case signing = "handover.signing-key/v1"
        case encryption = "handover.encryption-key/v1"
        /// The organization's recovery key: kept offline by an admin, never in the default folder.
        case recovery = "handover.recovery-key/v1"

        var folder: String { self == .signing ? "signing-keys" : "encryption-keys" }
        var environment: String { self == .signing ? "HANDOVER_SIGNING_KEY" : "HANDOVER_ENCRYPTION_KEY" }
        var noun: String {
            switch self {
            case .signing: "signing key"
            case .encryption: "encryption key"
            case .recovery: "recovery key"
            }
        }
        var makeCommand: String {
            switch self {
            case .signing: "handover key new"
            case .encryption: "handover key new --encryption"
            case .recovery: "handover admin recovery-key new"
            }
        }
    }

    struct Sealed: Codable {
        var kdf = "scrypt"
        var salt: String
        var n: Int
        var r: Int
        var p: Int
        var cipher = "chacha20-poly1305"
        /// Base64 of nonce ‖ ciphertext ‖ tag.
        var box: String
    }

    var format: String
    var keyID: String
    var publicKey: String
    /// The member it belongs to (the organization, for a recovery key).
    var member: String
    var server: String
    var created: String
    /// Base64 of the raw 32-byte private key, when not sealed.
    var privateKey: String?
    var sealed: Sealed?

    /// Where a member's key lives unless --key-file or the kind's environment variable says otherwise.
    static func defaultPath(member: String, kind: Kind = .signing) -> URL {
        if let path = ProcessInfo.processInfo.environment[kind.environment], !path.isEmpty { return URL(fileURLWithPath: path) }
        return ClientConfigFile.path.deletingLastPathComponent().appendingPathComponent("\(kind.folder)/\(member).json")
    }

    init(key: Curve25519.Signing.PrivateKey, member: String, server: String, passphrase: String?) throws {
        try self.init(
            kind: .signing, privateKey: key.rawRepresentation, publicKey: key.publicKey.rawRepresentation, member: member, server: server, passphrase: passphrase)
    }

    /// An X25519 key: a member's encryption key, or the organization's recovery key.
    init(key: Curve25519.KeyAgreement.PrivateKey, kind: Kind = .encryption, member: String, server: String, passphrase: String?) throws {
        try self.init(
            kind: kind, privateKey: key.rawRepresentation, publicKey: key.publicKey.rawRepresentation, member: member, server: server, passphrase: passphrase)
    }

    private init(kind: Kind, privateKey raw: Data, publicKey rawPublic: Data, member: String, server: String, passphrase: String?) throws {
        format = kind.rawValue
        keyID = SigningKeyID.make(rawPublic)
        publicKey = rawPublic.base64EncodedString()
        self.member = member
        self.server = server
        created = RFC3339.format(Date())
        if let passphrase {
            var salt = [UInt8](repeating: 0, count: 16)
            for i in salt.indices { salt[i] = UInt8.random(in: 0...255) }
            let (n, r, p) = (1 << 15, 8, 1)
            let box = try ChaChaPoly.seal(
                raw, using: try Self.derive(passphrase, salt: salt, n: n, r: r, p: p),
                authenticating: Data(keyID.utf8))
            sealed = Sealed(salt: Data(salt).base64EncodedString(), n: n, r: r, p: p, box: box.combined.base64EncodedString())
        } else {
            privateKey = raw.base64EncodedString()
        }
    }

    var needsPassphrase: Bool { sealed != nil }

    /// The signing key, checked against the public key the file names.
    func signingKey(passphrase: String?) throws -> Curve25519.Signing.PrivateKey {
        let raw = try privateKeyBytes(passphrase: passphrase)  // a wrong passphrase says so
        guard let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw),
            key.publicKey.rawRepresentation.base64EncodedString() == publicKey
        else { throw CLIError("The key file's private key does not match its public key.") }
        return key
    }

    /// The X25519 key (encryption or recovery), checked against the public key the file names.
    func agreementKey(passphrase: String?) throws -> Curve25519.KeyAgreement.PrivateKey {
        let raw = try privateKeyBytes(passphrase: passphrase)
        guard let key = try? Curve25519.KeyAgreement.PrivateKey(rawRepresentation: raw),
            key.publicKey.rawRepresentation.base64EncodedString() == publicKey
        else { throw CLIError("The key file's private key does not match its public key.") }
        return key
    }

    /// The passphrase when the key is sealed (HANDOVER_KEY_PASSPHRASE, or asked at the terminal).
    func passphrase() throws -> String? {
        needsPassphrase ? try Passphrase.read(prompt: "Passphrase for key \(keyID): ", confirm: false) : nil
    }

    private func privateKeyBytes(passphrase: String?) throws -> Data {
        let raw: Data
        if let sealed {
            guard let passphrase else { throw CLIError("This key file is protected by a passphrase: set HANDOVER_KEY_PASSPHRASE or run from a terminal.") }
            guard let salt = Data(base64Encoded: sealed.salt), let combined = Data(base64Encoded: sealed.box), sealed.kdf == "scrypt",
                sealed.cipher == "chacha20-poly1305",
                sealed.n > 1, sealed.n <= 1 << 20, sealed.r > 0, sealed.r <= 32, sealed.p > 0, sealed.p <= 16
            else {
                throw CLIError("The key file's sealed key is damaged or in an unknown format.")
            }
            do {
                raw = try ChaChaPoly.open(
                    try ChaChaPoly.SealedBox(combined: combined), using: try Self.derive(passphrase, salt: Array(salt), n: sealed.n, r: sealed.r, p: sealed.p),
                    authenticating: Data(keyID.utf8))
            } catch {
                throw CLIError("Wrong passphrase for this key file (or the file was altered).")
            }
        } else {
            guard let text = privateKey, let decoded = Data(base64Encoded: text) else { throw CLIError("The key file has no private key.") }
            raw = decoded
        }
        return raw
    }

    static func derive(_ passphrase: String, salt: [UInt8], n: Int, r: Int, p: Int) throws -> SymmetricKey {
        try KDF.Scrypt.deriveKey(
            from: Array(passphrase.utf8), salt: salt, outputByteCount: 32, rounds: n, blockSize: r, parallelism: p,
            maxMemory: 256 * r * n * p + (1 << 20))
    }

    static func load(_ url: URL, kind: Kind = .signing) throws -> KeyFile {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw CLIError("No \(kind.noun) at \(url.path). Create and enrol one with '\(kind.makeCommand)'.")
        }
        let file: KeyFile
        do { file = try JSONDecoder().decode(KeyFile.self, from: data) } catch { throw CLIError("\(url.path) is not a Handover key file: \(error)") }
        guard file.format == kind.rawValue else { throw CLIError("\(url.path) is a \(file.format) file, not \(kind.rawValue).") }
        return file
    }

    /// Written with 0600 permissions in a 0700 directory, never over an existing key.
    func save(to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        let fd = open(url.path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else {
            throw CLIError(
                errno == EEXIST
                    ? "\(url.path) already exists; revoke that key and delete the file first, or pass --key-file."
                    : "Could not create \(url.path): \(String(cString: strerror(errno)))")
        }
        let handle = FileHandle(fileDescriptor: fd, closeOnDealloc: true)
        try handle.write(contentsOf: data)
        try handle.synchronize()
    }
}

/// Reads a passphrase from HANDOVER_KEY_PASSPHRASE, else from the terminal without echo.
enum Passphrase {
    static func read(prompt: String, confirm: Bool) throws -> String {
        if let value = ProcessInfo.processInfo.environment["HANDOVER_KEY_PASSPHRASE"] {
            guard !value.isEmpty else { throw CLIError("HANDOVER_KEY_PASSPHRASE is empty.") }
            return value
        }
        guard isatty(STDIN_FILENO) == 1, let typed = getpass(prompt).map({ String(cString: $0) }), !typed.isEmpty else {
            throw CLIError("No passphrase: set HANDOVER_KEY_PASSPHRASE or run from a terminal.")
        }
        if confirm {
            guard let again = getpass("Again: ").map({ String(cString: $0) }), again == typed else { throw CLIError("The passphrases differ.") }
        }
        return typed
    }
}
