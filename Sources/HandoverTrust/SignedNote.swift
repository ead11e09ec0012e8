import Crypto
import Foundation

/// A C2SP signed note (c2sp.org/signed-note) with Ed25519 signatures: the text, a blank line,
/// then lines "— <key name> base64(key ID || signature)".
public enum SignedNote {
    static let signatureType: UInt8 = 0x01
    static let dash = "\u{2014} "

    /// key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4]
    public static func keyID(name: String, publicKey: Data) -> [UInt8] {
        var hasher = SHA256()
        hasher.update(data: Array(name.utf8) + [0x0A, signatureType])
        hasher.update(data: publicKey)
        return Array(hasher.finalize().prefix(4))
    }

    /// Key names are single tokens: no spaces, no "+", no control characters.
    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains(where: { $0 == "+" || $0.isWhitespace || $0.asciiValue.map { $0 < 0x20 } == true })
    }
}

/// The signing half of a note key. The log key never leaves the server's memory: it is derived
/// from the server secret when needed (see `LogKeys`).
public struct NoteSigner: Sendable {
    public let name: String
    let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey) throws {
        guard SignedNote.isValidName(name) else { throw TrustError.invalid("key name \"\(name)\" must be one word without \"+\"") }
        self.name = name
        self.key = key
    }

    public var verifier: NoteVerifier { NoteVerifier(name: name, publicKey: key.publicKey) }

    /// The note `text` (which must end in a newline) with this key's signature line.
    public func sign(_ text: String) throws -> String {
        guard text.hasSuffix("\n"), !text.contains(where: { $0.asciiValue.map { $0 < 0x20 && $0 != 0x0A } == true }) else {
            throw TrustError.invalid("a note's text ends in a newline and has no other control characters")
        }
        let signature = try key.signature(for: Data(text.utf8))
        let keyID = SignedNote.keyID(name: name, publicKey: key.publicKey.rawRepresentation)
        return text + "\n" + SignedNote.dash + name + " " + Data(keyID + signature).base64EncodedString() + "\n"
    }
}

/// The public half: checks notes offline.
public struct NoteVerifier: Sendable, Equatable {
    public let name: String
    public let publicKey: Curve25519.Signing.PublicKey

    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    public static func == (a: NoteVerifier, b: NoteVerifier) -> Bool {
        a.name == b.name && a.publicKey.rawRepresentation == b.publicKey.rawRepresentation
    }

    /// The verifier key string of Go's `golang.org/x/mod/sumdb/note`:
    /// "<name>+<hex key ID>+<base64(0x01 || public key)>".
    public var keyString: String {
        let raw = publicKey.rawRepresentation
        let id = SignedNote.keyID(name: name, publicKey: raw).map { String(format: "%02x", $0) }.joined()
        return "\(name)+\(id)+\((Data([SignedNote.signatureType]) + raw).base64EncodedString())"
    }

    public init(keyString: String) throws {
        let parts = keyString.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)  // base64 may contain "+"
        guard parts.count == 3, let blob = Data(base64Encoded: String(parts[2])), blob.count == 33, blob.first == SignedNote.signatureType,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: blob.dropFirst())
        else {
            throw TrustError.invalid("not an Ed25519 note verifier key: expected name+keyid+base64")
        }
        let name = String(parts[0])
        let id = SignedNote.keyID(name: name, publicKey: key.rawRepresentation).map { String(format: "%02x", $0) }.joined()
        guard SignedNote.isValidName(name), id == parts[1].lowercased() else { throw TrustError.invalid("the verifier key's ID does not match its name and key") }
        self.init(name: name, publicKey: key)
    }

    /// The note's text if it carries a valid signature by this key; throws otherwise.
    /// Signatures by other keys are ignored, as the spec requires.
    public func verify(_ note: String) throws -> String {
        // Signature lines are never blank, so the last blank line separates them from the text
        // (which may contain blank lines of its own).
        guard note.hasSuffix("\n"), let split = note.range(of: "\n\n", options: .backwards) else {
            throw TrustError.invalid("not a signed note: no blank line before the signatures")
        }
        let text = String(note[..<split.lowerBound]) + "\n"
        let signatures = note[split.upperBound...].split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        guard !signatures.isEmpty, signatures.allSatisfy({ $0.hasPrefix(SignedNote.dash) }) else {
            throw TrustError.invalid("not a signed note: malformed signature lines")
        }
        let keyID = SignedNote.keyID(name: name, publicKey: publicKey.rawRepresentation)
        for line in signatures {
            let fields = line.dropFirst(SignedNote.dash.count).split(separator: " ")
            guard fields.count == 2, fields[0] == name, let blob = Data(base64Encoded: String(fields[1])), blob.count == 68,
                Array(blob.prefix(4)) == keyID
            else { continue }
            guard publicKey.isValidSignature(blob.dropFirst(4), for: Data(text.utf8)) else {
                throw TrustError.invalid("the signature by \(name) does not verify: the note was altered")
            }
            return text
        }
        throw TrustError.invalid("the note is not signed by \(name)")
    }
}

/// A C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint): origin, tree size, base64 root hash.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int
    public let rootHash: TreeHash

    public init(origin: String, size: Int, rootHash: TreeHash) {
        self.origin = origin
        self.size = size
        self.rootHash = rootHash
    }

    public var text: String { "\(origin)\n\(size)\n\(Data(rootHash).base64EncodedString())\n" }

    public init(text: String) throws {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, lines.last == "", let size = Int(lines[1]), size >= 0, String(size) == lines[1],
            let root = Data(base64Encoded: String(lines[2])), root.count == 32, !lines[0].isEmpty
        else {
            throw TrustError.invalid("not a checkpoint: expected origin, tree size and base64 root hash lines")
        }
        self.init(origin: String(lines[0]), size: size, rootHash: Array(root))
    }

    /// Reads a signed checkpoint, checking its signature by `verifier` and its origin.
    public init(signedNote: String, verifier: NoteVerifier, origin: String? = nil) throws {
        try self.init(text: try verifier.verify(signedNote))
        if let origin, origin != self.origin { throw TrustError.invalid("the checkpoint is for \"\(self.origin)\", expected \"\(origin)\"") }
    }
}

public enum TrustError: Error, Equatable, CustomStringConvertible, Sendable {
    case invalid(String)
    /// The log was asked to sign a tree that does not extend what it already signed.
    case inconsistent(String)

    public var description: String {
        switch self {
        case .invalid(let message), .inconsistent(let message): message
        }
    }
}
