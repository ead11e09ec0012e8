import Crypto
import Foundation
import HandoverCore
@testable import HandoverTrust
import Testing

@Suite struct CheckpointTests {
    let keys = try! LogKeys(secret: Array(repeating: 7, count: 32))

    @Test func signedCheckpointRoundTripsAndNamesItsKey() throws {
        let signer = try keys.signer(organizationID: "org1")
        let root = RFC6962Vectors.roots[7]
        let note = try signer.sign(size: 8, root: root, after: nil, consistencyProof: [])
        // c2sp.org/tlog-checkpoint: origin, size, base64 root, blank line, "— name base64(id || sig)".
        let lines = note.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[0] == "handover.local/audit/org1")
        #expect(lines[1] == "8")
        #expect(lines[2] == Substring(Data(root).base64EncodedString()))
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} handover.local/audit/org1 "))
        let checkpoint = try Checkpoint(signedNote: note, verifier: signer.verifier, origin: "handover.local/audit/org1")
        #expect(checkpoint.size == 8 && checkpoint.rootHash == root)

        // The key string parses back to the same key, and its ID is the C2SP one.
        let parsed = try NoteVerifier(keyString: signer.verifier.keyString)
        #expect(parsed == signer.verifier)
        let id = SignedNote.keyID(name: signer.origin, publicKey: signer.verifier.publicKey.rawRepresentation)
        var expected = SHA256()
        expected.update(data: Array("handover.local/audit/org1\n".utf8) + [0x01] + Array(signer.verifier.publicKey.rawRepresentation))
        #expect(id == Array(expected.finalize().prefix(4)))
    }

    @Test func alteredOrForeignNotesAreRejected() throws {
        let signer = try keys.signer(organizationID: "org1")
        let other = try keys.signer(organizationID: "org2")
        let note = try signer.sign(size: 8, root: RFC6962Vectors.roots[7], after: nil, consistencyProof: [])
        let altered = note.replacingOccurrences(of: "\n8\n", with: "\n9\n")
        #expect(throws: TrustError.self) { try Checkpoint(signedNote: altered, verifier: signer.verifier) }
        #expect(throws: TrustError.self) { try Checkpoint(signedNote: note, verifier: other.verifier) }
        #expect(throws: TrustError.self) { try Checkpoint(signedNote: "not a note", verifier: signer.verifier) }
        // Same name, different key: the ID differs, so the signature is ignored and the note has none.
        let impostor = try LogSigner(origin: signer.origin, key: Curve25519.Signing.PrivateKey())
        let forged = try impostor.sign(size: 8, root: RFC6962Vectors.roots[7], after: nil, consistencyProof: [])
        #expect(throws: TrustError.self) { try Checkpoint(signedNote: forged, verifier: signer.verifier) }
        #expect(throws: TrustError.self) { try NoteVerifier(keyString: signer.verifier.keyString.replacingOccurrences(of: "org1", with: "org3")) }
    }

    @Test func theSignerRefusesATreeThatDoesNotExtendTheLastOne() throws {
        let signer = try keys.signer(organizationID: "org1")
        let tree = InMemoryTree(leafHashes: RFC6962Vectors.leaves.map { MerkleTree.leafHash($0) })
        let first = Checkpoint(origin: signer.origin, size: 6, rootHash: tree.root(6))
        // An honest extension is signed.
        _ = try signer.sign(size: 8, root: tree.root(8), after: first, consistencyProof: tree.consistency(6, 8))
        // A rewritten past: leaf 2 changed, then the log grew. Whatever proof comes with it, no signature.
        var forkedLeaves = tree.leafHashes
        forkedLeaves[2] = MerkleTree.leafHash(Array("rewritten".utf8))
        let fork = InMemoryTree(leafHashes: forkedLeaves)
        for proof in [fork.consistency(6, 8), tree.consistency(6, 8), []] {
            #expect {
                _ = try signer.sign(size: 8, root: fork.root(8), after: first, consistencyProof: proof)
            } throws: { error in
                if case TrustError.inconsistent = error { return true } else { return false }
            }
        }
        // A different root at the same size, and a shrinking log, are refused too.
        #expect(throws: (any Error).self) { try signer.sign(size: 6, root: fork.root(6), after: first, consistencyProof: []) }
        #expect(throws: (any Error).self) { try signer.sign(size: 5, root: tree.root(5), after: first, consistencyProof: []) }
    }

    @Test func logKeysAreStablePerOrganizationAndDistinctAcrossThem() throws {
        let again = try LogKeys(secret: Array(repeating: 7, count: 32))
        #expect(try keys.signer(organizationID: "org1").verifier == again.signer(organizationID: "org1").verifier)
        #expect(try keys.signer(organizationID: "org1").verifier != keys.signer(organizationID: "org2").verifier)
        #expect(throws: TrustError.self) { try LogKeys(secret: [1, 2, 3]) }
    }
}

@Suite struct CanonicalJSONTests {
    /// Examples from RFC 8785 §3.2.2 and appendix B.
    @Test func numbersPrintAsECMAScriptDoes() throws {
        let cases: [(Double, String)] = [
            (0, "0"), (-0.0, "0"), (1, "1"), (-1, "-1"), (1e21, "1e+21"), (1e20, "100000000000000000000"),
            (333333333.33333329, "333333333.3333333"), (1e-7, "1e-7"), (0.000001, "0.000001"), (1.5, "1.5"),
            (9_007_199_254_740_992, "9007199254740992"), (4.50, "4.5"), (2e-3, "0.002"), (1e23, "1e+23"), (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"), (123_456_789_012_345_680_000, "123456789012345680000"),
        ]
        for (number, expected) in cases {
            #expect(try CanonicalJSON.string(.number(number)) == expected, "\(number)")
        }
        #expect(throws: TrustError.self) { try CanonicalJSON.string(.number(.nan)) }
    }

    @Test func objectsAreSortedByUTF16AndStringsMinimallyEscaped() throws {
        let value: JSONValue = .object([
            "b": .array([.number(1), .bool(true), .null]), "a": .string("é\u{2028}\"\\\n\u{1}"), "\u{20AC}": .string("euro"),
            "\u{1F600}": .string("emoji"), "\u{FB01}": .string("ligature"), "1": .object([:]),
        ])
        // U+1F600 is a surrogate pair (0xD83D 0xDE00): in UTF-16 it sorts before U+FB01, unlike by code point.
        #expect(
            try CanonicalJSON.string(value)
                == "{\"1\":{},\"a\":\"é\u{2028}\\\"\\\\\\n\\u0001\",\"b\":[1,true,null],\"\u{20AC}\":\"euro\",\"\u{1F600}\":\"emoji\",\"\u{FB01}\":\"ligature\"}")
    }

    @Test func anEntryHasOneEncoding() throws {
        let entry = AuditEntry(seq: 3, time: 1_800_000_000_000, actor: "m1", action: "handover.submit", target: "handover:h1", request: "r1", digest: "ab")
        #expect(
            String(decoding: entry.leafData, as: UTF8.self)
                == "{\"action\":\"handover.submit\",\"actor\":\"m1\",\"digest\":\"ab\",\"request\":\"r1\",\"seq\":3,\"target\":\"handover:h1\",\"time\":1800000000000}")
        // The fast path agrees with the generic encoder, escapes included.
        for entry in [entry, AuditEntry(seq: 0, time: 0, actor: "a\"b\\c\n\u{1}", action: "é€😀", target: "t", request: "", digest: "")] {
            #expect(try entry.leafData == entry.canonicalJSON)
        }
    }

    @Test func theWordAtATimeEscapeScanAgreesWithTheByteTest() {
        // Every byte value at every position of strings around the 8-byte word boundaries,
        // in a background of bytes on both sides of each threshold (0x1F/0x20, 0x21/0x22/0x23,
        // 0x5B/0x5C/0x5D, high bytes).
        let backgrounds: [UInt8] = [0x20, 0x21, 0x23, 0x5B, 0x5D, 0x7F, 0x80, 0xFF, 0x41]
        for length in [1, 7, 8, 9, 15, 16, 17, 24] {
            for background in backgrounds {
                for position in 0..<length {
                    for byte in UInt8.min...UInt8.max {
                        var bytes = [UInt8](repeating: background, count: length)
                        bytes[position] = byte
                        let expected = bytes.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
                        let found = bytes.withUnsafeBytes { CanonicalJSON.containsEscape($0) }
                        if found != expected { Issue.record("length \(length), background \(background), byte \(byte) at \(position): \(found)") }
                    }
                }
            }
        }
        #expect(![UInt8]().withUnsafeBytes { CanonicalJSON.containsEscape($0) })
    }
}

@Suite struct HexTests {
    @Test func matchingIsExactAndAcceptsEitherCase() {
        let bytes: [UInt8] = (0..<32).map { UInt8($0 * 8 + 3) }
        let lower = Hex.encode(bytes)
        #expect(Hex.matches(bytes, lower))
        #expect(Hex.matches(bytes, lower.uppercased()))
        #expect(!Hex.matches(bytes, String(lower.dropLast())))
        #expect(!Hex.matches(bytes, lower + "00"))
        #expect(!Hex.matches(bytes, String(lower.dropLast(2)) + "zz"))
        for index in lower.indices {
            var changed = lower
            changed.replaceSubrange(index...index, with: lower[index] == "0" ? "1" : "0")
            #expect(!Hex.matches(bytes, changed))
        }
        #expect(Hex.decode(lower) == bytes)
    }
}
