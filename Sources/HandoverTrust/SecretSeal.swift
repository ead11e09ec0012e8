import Crypto
import Foundation

/// How a secret's value is sealed on a client, so the server only ever holds ciphertext.
///
/// Each version of a secret gets a fresh 128-bit content key. The value is encrypted with it
/// (AES-128-GCM, the secret id and version as associated data, so a ciphertext cannot be passed
/// off as another secret's or an older version's). The content key is wrapped to each reader, and
/// to the organization's recovery key, with HPKE (RFC 9180) in base mode with the suite
/// DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-128-GCM: the one suite swift-crypto and
/// WebCrypto (`hpke.js`) can both do. A wrap's associated data names the secret, version and
/// reader, so a wrap made for one reader cannot be handed to another.
///
/// Byte layouts (the browser writes the same): a sealed value is nonce (12) ‖ ciphertext ‖ tag (16);
/// a wrap is the HPKE encapsulated key (32) ‖ the sealed content key (16 + 16).
public enum SecretSeal {
    public static let ciphersuite = HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_128)
    /// HPKE's `info`: binds every wrap to this use, so no other protocol's ciphertext opens here.
    public static let info = Data("handover secret content key v1".utf8)

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case malformed(String)
        case cannotOpen

        public var description: String {
            switch self {
            case .malformed(let what): "The sealed data is malformed: \(what)."
            case .cannotOpen: "It does not open with this key: the key is not one it was sealed to, or the data was altered."
            }
        }
    }

    // MARK: The value

    /// Encrypts `value` under a fresh content key.
    public static func encrypt(_ value: Data, secretID: String, version: Int) throws -> (sealed: Data, contentKey: SymmetricKey) {
        let key = SymmetricKey(size: .bits128)
        let box = try AES.GCM.seal(value, using: key, authenticating: valueAAD(secretID: secretID, version: version))
        guard let combined = box.combined else { throw Failure.malformed("no combined AES-GCM box") }
        return (combined, key)
    }

    public static func decrypt(_ sealed: Data, contentKey: SymmetricKey, secretID: String, version: Int) throws -> Data {
        guard sealed.count >= 12 + 16 else { throw Failure.malformed("a sealed value is at least 28 bytes, this is \(sealed.count)") }
        do {
            return try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: contentKey, authenticating: valueAAD(secretID: secretID, version: version))
        } catch {
            throw Failure.cannotOpen
        }
    }

    // MARK: The content key, per reader

    public static func wrap(
        _ contentKey: SymmetricKey, to reader: Curve25519.KeyAgreement.PublicKey, readerID: String, secretID: String, version: Int
    ) throws -> Data {
        var sender = try HPKE.Sender(recipientKey: reader, ciphersuite: ciphersuite, info: info)
        let sealedKey = contentKey.withUnsafeBytes { Data($0) }
        return sender.encapsulatedKey + (try sender.seal(sealedKey, authenticating: wrapAAD(readerID: readerID, secretID: secretID, version: version)))
    }

    public static func unwrap(
        _ wrapped: Data, with key: Curve25519.KeyAgreement.PrivateKey, readerID: String, secretID: String, version: Int
    ) throws -> SymmetricKey {
        guard wrapped.count == 32 + 16 + 16 else { throw Failure.malformed("a wrapped key is 64 bytes, this is \(wrapped.count)") }
        do {
            var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: ciphersuite, info: info, encapsulatedKey: wrapped.prefix(32))
            let bytes = try recipient.open(wrapped.dropFirst(32), authenticating: wrapAAD(readerID: readerID, secretID: secretID, version: version))
            return SymmetricKey(data: bytes)
        } catch {
            throw Failure.cannotOpen
        }
    }

    // MARK: Associated data

    /// "handover-secret" NUL id NUL version: NUL cannot occur in an id, so the parts cannot run together.
    public static func valueAAD(secretID: String, version: Int) -> Data {
        Data("handover-secret\u{0}\(secretID)\u{0}\(version)".utf8)
    }

    public static func wrapAAD(readerID: String, secretID: String, version: Int) -> Data {
        Data("handover-wrap\u{0}\(secretID)\u{0}\(version)\u{0}\(readerID)".utf8)
    }

    /// A short fingerprint of an encryption public key, for people to compare out of band:
    /// the first 16 bytes of its SHA-256, in four groups of eight hex digits.
    public static func fingerprint(_ publicKey: Data) -> String {
        let hex = Hex.encode(SHA256.hash(data: publicKey).prefix(16))
        return stride(from: 0, to: hex.count, by: 8).map { start in
            let from = hex.index(hex.startIndex, offsetBy: start)
            return String(hex[from..<hex.index(from, offsetBy: 8)])
        }.joined(separator: " ")
    }
}
