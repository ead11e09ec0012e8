import Foundation
import HandoverCore

// Bodies of the sealed-secret endpoints. Every byte string is base64; the server never receives a
// secret's value or a content key, only ciphertext and wraps (see `SecretSeal`).

/// `POST /encryption-keys`: the canonical enrolment payload (member, organization, publicKey,
/// time) and the HMAC that proves possession of the key (`KeyPossession`).
public struct EnrolEncryptionKeyRequest: Codable, Sendable {
    public var payload: String
    public var proof: String
    /// "cli" or "browser".
    public var origin: String

    public init(payload: String, proof: String, origin: String) {
        self.payload = payload
        self.proof = proof
        self.origin = origin
    }
}

/// A member's encryption key as the API shows it, with a fingerprint to compare out of band.
public struct EncryptionKeyResponse: Codable, Sendable {
    public var id: String
    public var memberID: String
    public var publicKey: String
    public var origin: String
    public var enrolledAt: Date
    public var revokedAt: Date?
    /// Four groups of eight hex digits of the key's SHA-256.
    public var fingerprint: String

    public init(_ key: EncryptionKey, fingerprint: String) {
        id = key.id
        memberID = key.memberID
        publicKey = key.publicKey
        origin = key.origin
        enrolledAt = key.enrolledAt
        revokedAt = key.revokedAt
        self.fingerprint = fingerprint
    }
}

/// `GET /recovery-key`: the organization's recovery key (its public half; the private half is offline).
public struct RecoveryKeyResponse: Codable, Sendable {
    public var id: String
    public var publicKey: String
    public var createdBy: String
    public var createdAt: Date
    public var fingerprint: String

    public init(_ key: RecoveryKey, fingerprint: String) {
        id = key.id
        publicKey = key.publicKey
        createdBy = key.createdBy
        createdAt = key.createdAt
        self.fingerprint = fingerprint
    }
}

/// `GET /encryption-keys/possession-key`: the server's X25519 key for possession proofs.
public struct PublicKeyBody: Codable, Sendable {
    public var publicKey: String

    public init(publicKey: String) { self.publicKey = publicKey }
}

/// One reader's wrap of a secret's content key.
public struct WrapBody: Codable, Sendable {
    /// A member id, or "organization-recovery".
    public var readerID: String
    public var keyID: String
    public var wrappedKey: String
    /// The secret's version the wrap is for (its associated data names it).
    public var version: Int
    /// For a wrap made as a step of this handover: it opens once the recipient acknowledged.
    public var handoverID: String?

    public init(readerID: String, keyID: String, wrappedKey: String, version: Int, handoverID: String? = nil) {
        self.readerID = readerID
        self.keyID = keyID
        self.wrappedKey = wrappedKey
        self.version = version
        self.handoverID = handoverID
    }

    public func wrap(secretID: String) -> SecretWrap {
        SecretWrap(secretID: secretID, version: version, readerID: readerID, keyID: keyID, wrappedKey: wrappedKey, handoverID: handoverID)
    }
}

/// `POST /accounts/{id}/secrets`.
public struct CreateSecretRequest: Codable, Sendable {
    public var name: String
    public var system: String
    public var kind: SecretKind
    /// The AES-128-GCM box of the value: nonce, ciphertext, tag.
    public var ciphertext: String
    /// Its id is chosen by the client, because the value's associated data names it before the
    /// server has seen anything: a new id made with the same rules as the server's.
    public var id: String
    public var wraps: [WrapBody]

    public init(id: String, name: String, system: String, kind: SecretKind, ciphertext: String, wraps: [WrapBody]) {
        self.id = id
        self.name = name
        self.system = system
        self.kind = kind
        self.ciphertext = ciphertext
        self.wraps = wraps
    }
}

/// `POST /secrets/{id}/wraps`: new readers.
public struct ShareSecretRequest: Codable, Sendable {
    public var wraps: [WrapBody]

    public init(wraps: [WrapBody]) { self.wraps = wraps }
}

/// `POST /secrets/{id}/rotate`: a new value, from the version the client opened.
public struct RotateSecretRequest: Codable, Sendable {
    public var version: Int
    public var ciphertext: String
    public var wraps: [WrapBody]

    public init(version: Int, ciphertext: String, wraps: [WrapBody]) {
        self.version = version
        self.ciphertext = ciphertext
        self.wraps = wraps
    }
}

/// What `POST /secrets/{id}/open` (and `/recover`) hands over: the ciphertext and one wrap.
public struct OpenedSecret: Codable, Sendable {
    public var secret: Secret
    public var ciphertext: String
    public var wrap: WrapBody

    public init(secret: Secret, ciphertext: String, wrap: SecretWrap) {
        self.secret = secret
        self.ciphertext = ciphertext
        self.wrap = WrapBody(readerID: wrap.readerID, keyID: wrap.keyID, wrappedKey: wrap.wrappedKey, version: wrap.version, handoverID: wrap.handoverID)
    }
}

/// `GET /secret-exposures`: one secret version a member could open when their access ended, and
/// whether a rotation has settled it.
public struct SecretExposureResponse: Codable, Sendable {
    public var secretID: String
    public var secretName: String
    public var system: String
    public var kind: SecretKind
    public var accountID: String
    public var accountName: String
    /// The account's owner now: whose rotation list it is on.
    public var ownerID: String
    /// Who could open it.
    public var memberID: String
    /// The version they could open.
    public var version: Int
    public var cause: SecretExposure.Cause
    public var handoverID: String?
    public var exposedAt: Date
    public var dueAt: Date
    /// Not rotated and past `dueAt`, as of the response.
    public var overdue: Bool
    public var rotatedAt: Date?
    public var rotatedBy: String?
    public var rotatedVersion: Int?

    public init(_ exposure: SecretExposure, asOf now: Date) {
        secretID = exposure.secretID
        secretName = exposure.secretName
        system = exposure.system
        kind = exposure.kind
        accountID = exposure.accountID
        accountName = exposure.accountName
        ownerID = exposure.ownerID
        memberID = exposure.memberID
        version = exposure.version
        cause = exposure.cause
        handoverID = exposure.handoverID
        exposedAt = exposure.exposedAt
        dueAt = exposure.dueAt
        overdue = exposure.isOverdue(at: now)
        rotatedAt = exposure.rotatedAt
        rotatedBy = exposure.rotatedBy
        rotatedVersion = exposure.rotatedVersion
    }
}
