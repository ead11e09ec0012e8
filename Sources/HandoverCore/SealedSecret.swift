import Foundation

/// A member's X25519 public key for encryption, beside their Ed25519 signing keys. Secrets'
/// content keys are wrapped to it; the private half never leaves the member's client.
public struct EncryptionKey: Sendable, Hashable, Codable {
    /// Hex of the first 16 bytes of SHA-256 of the raw public key.
    public var id: String
    public var organizationID: String
    public var memberID: String
    /// Base64 of the 32-byte raw X25519 public key.
    public var publicKey: String
    /// "cli" or "browser".
    public var origin: String
    public var enrolledAt: Date
    /// Set when the member enrolled a newer key (one active key per member) or revoked it.
    public var revokedAt: Date?

    public init(id: String, organizationID: String, memberID: String, publicKey: String, origin: String, enrolledAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.organizationID = organizationID
        self.memberID = memberID
        self.publicKey = publicKey
        self.origin = origin
        self.enrolledAt = enrolledAt
        self.revokedAt = revokedAt
    }
}

/// The organization's recovery key: only its public half is registered; the private half is kept
/// offline by an admin. Every secret's content key is also wrapped to it, so no secret becomes
/// unreadable when its last reader leaves.
public struct RecoveryKey: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    /// Base64 of the 32-byte raw X25519 public key.
    public var publicKey: String
    public var createdBy: String
    public var createdAt: Date

    public init(id: String, organizationID: String, publicKey: String, createdBy: String, createdAt: Date) {
        self.id = id
        self.organizationID = organizationID
        self.publicKey = publicKey
        self.createdBy = createdBy
        self.createdAt = createdAt
    }
}

public enum SecretKind: String, Sendable, Hashable, Codable, CaseIterable {
    case password
    case apiKey = "api-key"
    case privateKey = "private-key"
    case recoveryCodes = "recovery-codes"
    case note
}

/// A credential that belongs to an account. The server holds its value only as ciphertext, sealed
/// on a client (`SecretSeal` in HandoverTrust), and one wrapped content key per reader.
public struct Secret: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var accountID: String
    public var name: String
    /// The system it opens ("Stripe", "the NAS").
    public var system: String
    public var kind: SecretKind
    /// Raised on every rotation; the value's associated data names it, so an old ciphertext
    /// cannot be replayed as the current one.
    public var version: Int
    public var lastRotatedAt: Date
    public var createdBy: String
    public var createdAt: Date
    /// The member ids whose wraps of the current version exist: who can open it.
    public var readers: [String]

    public init(
        id: String, organizationID: String, accountID: String, name: String, system: String, kind: SecretKind, version: Int, lastRotatedAt: Date,
        createdBy: String, createdAt: Date, readers: [String] = []
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.name = name
        self.system = system
        self.kind = kind
        self.version = version
        self.lastRotatedAt = lastRotatedAt
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.readers = readers
    }

    public static let maxNameLength = 200
}

/// A secret's content key wrapped to one reader's encryption key (or to the recovery key).
public struct SecretWrap: Sendable, Hashable, Codable {
    public var secretID: String
    public var version: Int
    /// A member id, or `SecretWrap.recoveryReader`.
    public var readerID: String
    /// The encryption key (or recovery key) it is wrapped to.
    public var keyID: String
    /// Base64 of the HPKE encapsulated key and the sealed content key (64 bytes).
    public var wrappedKey: String
    /// Set while the wrap waits for its handover: the recipient opens it once they acknowledged.
    public var handoverID: String?

    public init(secretID: String, version: Int, readerID: String, keyID: String, wrappedKey: String, handoverID: String? = nil) {
        self.secretID = secretID
        self.version = version
        self.readerID = readerID
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.handoverID = handoverID
    }

    public static let recoveryReader = "organization-recovery"
    public static let wrappedKeyLength = 64
}
