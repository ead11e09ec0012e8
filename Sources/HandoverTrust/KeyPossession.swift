import Crypto
import Foundation

/// Proof that whoever enrols an X25519 encryption key holds its private half, in one request.
///
/// An encryption key cannot sign, so the client proves possession by key agreement instead: it
/// computes X25519 between its private key and the server's possession key for the organization
/// (published at `GET /encryption-keys/possession-key`), derives a MAC key with HKDF-SHA256, and
/// MACs the canonical enrolment payload (member, organization, public key, time). Only the holder
/// of the private key (or the server) can compute it. The browser does the same with WebCrypto.
public enum KeyPossession {
    static let label = Array("handover encryption key possession v1".utf8)

    public static func proof(payload: [UInt8], memberKey: Curve25519.KeyAgreement.PrivateKey, serverKey: Curve25519.KeyAgreement.PublicKey) throws -> Data {
        let key = try macKey(try memberKey.sharedSecretFromKeyAgreement(with: serverKey))
        return Data(HMAC<SHA256>.authenticationCode(for: payload, using: key))
    }

    public static func verify(
        proof: Data, payload: [UInt8], memberKey: Curve25519.KeyAgreement.PublicKey, serverKey: Curve25519.KeyAgreement.PrivateKey
    ) -> Bool {
        guard let shared = try? serverKey.sharedSecretFromKeyAgreement(with: memberKey), let key = try? macKey(shared) else { return false }
        return HMAC<SHA256>.isValidAuthenticationCode(proof, authenticating: payload, using: key)
    }

    static func macKey(_ shared: SharedSecret) throws -> SymmetricKey {
        shared.hkdfDerivedSymmetricKey(using: SHA256.self, salt: [UInt8](), sharedInfo: label, outputByteCount: 32)
    }
}

extension LogKeys {
    /// The server's X25519 key for possession proofs in one organization, derived from the server
    /// secret like the log's signing key, so every replica has the same one.
    public func possessionKey(organizationID: String) throws -> Curve25519.KeyAgreement.PrivateKey {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, salt: Array("handover encryption key possession v1".utf8), info: Array(organizationID.utf8), outputByteCount: 32)
        return try seed.withUnsafeBytes { try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: $0) }
    }
}
