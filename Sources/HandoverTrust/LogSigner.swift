import Crypto
import Foundation

/// Signs an organization's checkpoints, refusing any tree that does not extend the last one it
/// signed: two signed checkpoints that disagree about the past would be proof of a forked log.
public struct LogSigner: Sendable {
    public let origin: String
    let signer: NoteSigner

    public init(origin: String, key: Curve25519.Signing.PrivateKey) throws {
        self.origin = origin
        signer = try NoteSigner(name: origin, key: key)
    }

    public var verifier: NoteVerifier { signer.verifier }

    /// The signed note for a tree of `size` with `root`, after checking `proof` shows it extends
    /// `previous` (the latest checkpoint this log signed, if any).
    public func sign(size: Int, root: TreeHash, after previous: Checkpoint?, consistencyProof proof: [TreeHash]) throws -> String {
        if let previous {
            guard previous.origin == origin else { throw TrustError.invalid("the previous checkpoint is for another log") }
            guard size >= previous.size else { throw TrustError.inconsistent("the log shrank from \(previous.size) to \(size) entries") }
            do {
                try MerkleProof.verifyConsistency(oldSize: previous.size, newSize: size, oldRoot: previous.rootHash, newRoot: root, proof: proof)
            } catch let error as ProofError {
                throw TrustError.inconsistent("the tree of \(size) entries does not extend the signed tree of \(previous.size): \(error.description)")
            }
        }
        return try signer.sign(Checkpoint(origin: origin, size: size, rootHash: root).text)
    }
}

/// Log keys derived from the server secret: HKDF-SHA-256(secret, salt, info: organization).
/// The database holds no private key, every replica with the same secret derives the same
/// key, and losing the secret only stops new checkpoints (old ones stay verifiable).
public struct LogKeys: Sendable {
    let secret: SymmetricKey
    public let originPrefix: String

    public init(secret: [UInt8], originPrefix: String = "handover.local") throws {
        guard secret.count >= 32 else { throw TrustError.invalid("the server secret must be at least 32 bytes") }
        self.secret = SymmetricKey(data: secret)
        self.originPrefix = originPrefix
    }

    public func origin(organizationID: String) -> String { "\(originPrefix)/audit/\(organizationID)" }

    public func signer(organizationID: String) throws -> LogSigner {
        let seed = HKDF<SHA256>.deriveKey(
            inputKeyMaterial: secret, salt: Array("handover audit log key v1".utf8),
            info: Array(organizationID.utf8), outputByteCount: 32)
        let key = try seed.withUnsafeBytes { try Curve25519.Signing.PrivateKey(rawRepresentation: $0) }
        return try LogSigner(origin: origin(organizationID: organizationID), key: key)
    }
}
