import Crypto
import Foundation
import HandoverTrust
import Testing

@Suite struct SecretSealTests {
    struct Vector: Decodable {
        struct Encryption: Decodable { var aad, ct, pt: String }
        struct Export: Decodable {
            var context: String
            var length: Int
            var value: String
            enum CodingKeys: String, CodingKey {
                case context = "exporter_context"
                case length = "L"
                case value = "exported_value"
            }
        }
        var info, skRm, pkRm, enc: String
        var encryptions: [Encryption]
        var exports: [Export]
    }

    static func bytes(_ hex: String) -> Data { Data(Hex.decode(hex)!) }

    /// The suite we seal with is RFC 9180's A.1.1: every encryption of the official vector opens
    /// in order, and every export matches. The browser's hpke.js is held to the same file.
    @Test func theOfficialRFC9180VectorOpens() throws {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("data/hpke-rfc9180-a11.json")
        let vector = try JSONDecoder().decode(Vector.self, from: try Data(contentsOf: url))
        let key = try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: Self.bytes(vector.skRm))
        #expect(key.publicKey.rawRepresentation == Self.bytes(vector.pkRm))
        var recipient = try HPKE.Recipient(privateKey: key, ciphersuite: SecretSeal.ciphersuite, info: Self.bytes(vector.info), encapsulatedKey: Self.bytes(vector.enc))
        for (seq, encryption) in vector.encryptions.enumerated() {
            let plaintext = try recipient.open(Self.bytes(encryption.ct), authenticating: Self.bytes(encryption.aad))
            #expect(plaintext == Self.bytes(encryption.pt), "encryption \(seq)")
        }
        #expect(vector.encryptions.count == 257)
        for export in vector.exports {
            let value = try recipient.exportSecret(context: Self.bytes(export.context), outputByteCount: export.length)
            #expect(value.withUnsafeBytes { Data($0) } == Self.bytes(export.value))
        }
    }

    @Test func aSealedValueOpensForEachReaderAndNobodyElse() throws {
        let alice = Curve25519.KeyAgreement.PrivateKey(), bob = Curve25519.KeyAgreement.PrivateKey(), eve = Curve25519.KeyAgreement.PrivateKey()
        let value = Data("correct horse battery staple".utf8)
        let (sealed, contentKey) = try SecretSeal.encrypt(value, secretID: "s1", version: 3)
        #expect(sealed.range(of: value) == nil)
        let toAlice = try SecretSeal.wrap(contentKey, to: alice.publicKey, readerID: "alice", secretID: "s1", version: 3)
        let toBob = try SecretSeal.wrap(contentKey, to: bob.publicKey, readerID: "bob", secretID: "s1", version: 3)
        #expect(toAlice.count == 64 && toAlice != toBob)
        for (wrap, key, reader) in [(toAlice, alice, "alice"), (toBob, bob, "bob")] {
            let opened = try SecretSeal.unwrap(wrap, with: key, readerID: reader, secretID: "s1", version: 3)
            #expect(try SecretSeal.decrypt(sealed, contentKey: opened, secretID: "s1", version: 3) == value)
        }
        // Another key, a wrap presented as someone else's, another secret or version: all refused.
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.unwrap(toAlice, with: eve, readerID: "alice", secretID: "s1", version: 3) }
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.unwrap(toAlice, with: alice, readerID: "bob", secretID: "s1", version: 3) }
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.unwrap(toAlice, with: alice, readerID: "alice", secretID: "s2", version: 3) }
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.decrypt(sealed, contentKey: contentKey, secretID: "s1", version: 2) }
    }

    @Test func alteredOrTruncatedDataIsRefused() throws {
        let reader = Curve25519.KeyAgreement.PrivateKey()
        let (sealed, contentKey) = try SecretSeal.encrypt(Data("4821".utf8), secretID: "s", version: 1)
        let wrap = try SecretSeal.wrap(contentKey, to: reader.publicKey, readerID: "r", secretID: "s", version: 1)
        var flipped = sealed
        flipped[flipped.count - 1] ^= 1
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.decrypt(flipped, contentKey: contentKey, secretID: "s", version: 1) }
        #expect(throws: SecretSeal.Failure.self) { try SecretSeal.decrypt(sealed.prefix(20), contentKey: contentKey, secretID: "s", version: 1) }
        #expect(throws: SecretSeal.Failure.self) { try SecretSeal.unwrap(wrap.prefix(63), with: reader, readerID: "r", secretID: "s", version: 1) }
        var badWrap = wrap
        badWrap[40] ^= 0x80
        #expect(throws: SecretSeal.Failure.cannotOpen) { try SecretSeal.unwrap(badWrap, with: reader, readerID: "r", secretID: "s", version: 1) }
    }

    @Test func fingerprintsAreShortStableAndDistinct() {
        let a = Data(repeating: 1, count: 32), b = Data(repeating: 2, count: 32)
        #expect(SecretSeal.fingerprint(a) == SecretSeal.fingerprint(a))
        #expect(SecretSeal.fingerprint(a) != SecretSeal.fingerprint(b))
        #expect(SecretSeal.fingerprint(a).split(separator: " ").map(\.count) == [8, 8, 8, 8])
    }
}
