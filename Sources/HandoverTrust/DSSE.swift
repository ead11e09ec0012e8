import Crypto
import Foundation
import HandoverCore

/// DSSE v1 signing and verification with Ed25519 (https://github.com/secure-systems-lab/dsse/blob/master/protocol.md).
extension DSSEEnvelope {
    /// The pre-authentication encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body,
    /// lengths in ASCII decimal. The signature covers these bytes, never the payload alone.
    public static func pae(type: String, body: some Collection<UInt8>) -> [UInt8] {
        var bytes = Array("DSSEv1 \(type.utf8.count) \(type) \(body.count) ".utf8)
        bytes.append(contentsOf: body)
        return bytes
    }

    /// An envelope of `payload` signed by `key`.
    public static func sign(payload: [UInt8], type: String, key: Curve25519.Signing.PrivateKey) throws -> DSSEEnvelope {
        let signature = try key.signature(for: pae(type: type, body: payload))
        return DSSEEnvelope(
            payloadType: type, payload: Data(payload).base64EncodedString(),
            signatures: [Signature(keyid: SigningKeyID.make(key.publicKey.rawRepresentation), sig: signature.base64EncodedString())])
    }

    /// The payload bytes, if a signature by `publicKey` over this type and payload is valid.
    public func verifiedPayload(type: String, publicKey: Data) throws(TrustError) -> [UInt8] {
        guard payloadType == type else { throw .invalid("the envelope holds \"\(payloadType)\", not \"\(type)\"") }
        guard let body = Data(base64Encoded: payload) else { throw .invalid("the envelope's payload is not base64") }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: publicKey) else { throw .invalid("not an Ed25519 public key") }
        let keyID = SigningKeyID.make(key.rawRepresentation)
        let message = Self.pae(type: payloadType, body: body)
        for signature in signatures where signature.keyid == keyID {
            if let sig = Data(base64Encoded: signature.sig), key.isValidSignature(sig, for: message) { return Array(body) }
            throw .invalid("the signature by key \(keyID) does not match the payload")
        }
        throw .invalid("the envelope has no signature by key \(keyID)")
    }

    /// The key ids the envelope claims to be signed by.
    public var keyIDs: [String] { signatures.map(\.keyid) }
}

/// Names a member's signing key by its public key: hex of SHA-256(raw key)[0..<16].
public enum SigningKeyID {
    public static func make(_ rawPublicKey: some DataProtocol) -> String {
        Hex.encode(SHA256.hash(data: Data(rawPublicKey)).prefix(16))
    }
}
