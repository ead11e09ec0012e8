import Crypto
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Testing

/// Sealed secrets through the application layer, on both engines: who may hold a wrap, what is
/// refused without changing anything, and that the store never holds a value.
@Suite(.serialized) struct SecretServiceTests {
    struct World {
        var store: SQLHandoverStore
        var services: Services
        var org: OrgFixture
        var account: Account
        var keys: [String: Curve25519.KeyAgreement.PrivateKey]
        var recovery: Curve25519.KeyAgreement.PrivateKey
        /// The SQLite file, to search for plaintext (nil on PostgreSQL).
        var sqlitePath: String?
    }

    static func world(_ engine: String, recovery registered: Bool = true) async throws -> World {
        var sqlitePath: String?
        let store: SQLHandoverStore
        if engine == "sqlite" {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-secrets-\(UUID().uuidString)")
            sqlitePath = folder.appendingPathComponent("test.sqlite").path
            store = try await SQLHandoverStore.open(.sqlite(path: sqlitePath!))
        } else {
            store = try await TestDatabases.store(engine)
        }
        let org = try await OrgFixture.make(in: store)
        let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 7, count: 32)))
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        var keys: [String: Curve25519.KeyAgreement.PrivateKey] = [:]
        for member in [org.alice, org.bob, org.carol, org.admin] {
            let key = Curve25519.KeyAgreement.PrivateKey()
            _ = try await enrol(key, member, services)
            keys[member.id] = key
        }
        let recovery = Curve25519.KeyAgreement.PrivateKey()
        if registered { _ = try await services.secrets.registerRecoveryKey(publicKey: recovery.publicKey.rawRepresentation, by: org.admin) }
        return World(store: store, services: services, org: org, account: account, keys: keys, recovery: recovery, sqlitePath: sqlitePath)
    }

    static func enrol(_ key: Curve25519.KeyAgreement.PrivateKey, _ member: Member, _ services: Services, proofKey: Curve25519.KeyAgreement.PrivateKey? = nil)
        async throws -> EncryptionKey
    {
        let payload = try EnrolmentPayload(
            member: member.id, organization: member.organizationID, publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
            time: RFC3339.format(Date())
        ).canonicalBytes()
        let server = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: try services.secrets.possessionKey(by: member))
        let proof = try KeyPossession.proof(payload: payload, memberKey: proofKey ?? key, serverKey: server)
        return try await services.secrets.enrolEncryptionKey(payload: Data(payload), proof: proof, origin: "cli", by: member)
    }

    /// Seals `value` as a client does, to `readers` and the recovery key.
    static func seal(_ value: String, id: String = Secrets.newID(), version: Int = 1, to readers: [Member], in w: World) async throws -> (
        id: String, ciphertext: String, wraps: [SecretWrap]
    ) {
        let (sealed, contentKey) = try SecretSeal.encrypt(Data(value.utf8), secretID: id, version: version)
        let active = try await w.services.secrets.encryptionKeys(memberID: nil, by: w.org.admin).filter { $0.revokedAt == nil }
        var wraps = try readers.map { reader in
            let key = active.first { $0.memberID == reader.id }!
            let wrapped = try SecretSeal.wrap(contentKey, to: w.keys[reader.id]!.publicKey, readerID: reader.id, secretID: id, version: version)
            return SecretWrap(secretID: id, version: version, readerID: reader.id, keyID: key.id, wrappedKey: wrapped.base64EncodedString())
        }
        let recoveryKey = try await w.services.secrets.recoveryKey(by: w.org.admin)
        let toRecovery = try SecretSeal.wrap(contentKey, to: w.recovery.publicKey, readerID: SecretWrap.recoveryReader, secretID: id, version: version)
        wraps.append(SecretWrap(secretID: id, version: version, readerID: SecretWrap.recoveryReader, keyID: recoveryKey.id, wrappedKey: toRecovery.base64EncodedString()))
        return (id, sealed.base64EncodedString(), wraps)
    }

    static func open(_ id: String, as member: Member, in w: World) async throws -> String {
        let opened = try await w.services.secrets.open(id: id, by: member)
        let contentKey = try SecretSeal.unwrap(
            Data(base64Encoded: opened.wrap.wrappedKey)!, with: w.keys[member.id]!, readerID: member.id, secretID: id, version: opened.wrap.version)
        return String(
            decoding: try SecretSeal.decrypt(Data(base64Encoded: opened.ciphertext)!, contentKey: contentKey, secretID: id, version: opened.secret.version), as: UTF8.self
        )
    }

    @Test(arguments: TestDatabases.engines) func aSecretIsSealedOpenedSharedRotatedAndRecoveredButNeverStoredInPlainText(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let value = "sk_live_\(UUID().uuidString.replacingOccurrences(of: "-", with: ""))"
        let sealed = try await Self.seal(value, to: [w.org.alice], in: w)
        let secret = try await w.services.secrets.add(
            id: sealed.id, accountID: w.account.id, name: "Stripe live key", system: "Stripe", kind: .apiKey, ciphertext: sealed.ciphertext, wraps: sealed.wraps,
            by: w.org.alice)
        #expect(secret.readers == [w.org.alice.id])
        #expect(try await Self.open(secret.id, as: w.org.alice, in: w) == value)
        // Bob is not a reader until Alice shares it.
        await #expect(throws: HandoverError.self) { _ = try await w.services.secrets.open(id: secret.id, by: w.org.bob) }
        let opened = try await w.services.secrets.open(id: secret.id, by: w.org.alice)
        let contentKey = try SecretSeal.unwrap(
            Data(base64Encoded: opened.wrap.wrappedKey)!, with: w.keys[w.org.alice.id]!, readerID: w.org.alice.id, secretID: secret.id, version: 1)
        let bobKey = try await w.services.secrets.encryptionKeys(memberID: w.org.bob.id, by: w.org.alice)[0]
        let toBob = try SecretSeal.wrap(contentKey, to: w.keys[w.org.bob.id]!.publicKey, readerID: w.org.bob.id, secretID: secret.id, version: 1)
        _ = try await w.services.secrets.share(
            id: secret.id, wraps: [SecretWrap(secretID: secret.id, version: 1, readerID: w.org.bob.id, keyID: bobKey.id, wrappedKey: toBob.base64EncodedString())],
            by: w.org.alice)
        #expect(try await Self.open(secret.id, as: w.org.bob, in: w) == value)
        // Bob rotates: version 2, to the same readers; the old version cannot be replayed.
        let next = "rotated-\(UUID().uuidString)"
        let resealed = try await Self.seal(next, id: secret.id, version: 2, to: [w.org.alice, w.org.bob], in: w)
        let rotated = try await w.services.secrets.rotate(id: secret.id, expectedVersion: 1, ciphertext: resealed.ciphertext, wraps: resealed.wraps, by: w.org.bob)
        #expect(rotated.version == 2)
        #expect(try await Self.open(secret.id, as: w.org.alice, in: w) == next)
        await #expect(throws: (any Error).self) {
            _ = try await w.services.secrets.rotate(id: secret.id, expectedVersion: 1, ciphertext: sealed.ciphertext, wraps: resealed.wraps, by: w.org.bob)
        }
        // The admin opens it with the recovery key's private half.
        let recovered = try await w.services.secrets.recover(id: secret.id, by: w.org.admin)
        let recoveryContentKey = try SecretSeal.unwrap(
            Data(base64Encoded: recovered.wrap.wrappedKey)!, with: w.recovery, readerID: SecretWrap.recoveryReader, secretID: secret.id, version: 2)
        #expect(try SecretSeal.decrypt(Data(base64Encoded: recovered.ciphertext)!, contentKey: recoveryContentKey, secretID: secret.id, version: 2) == Data(next.utf8))
        await #expect(throws: HandoverError.self) { _ = try await w.services.secrets.recover(id: secret.id, by: w.org.alice) }
        // Every open is in the audit log.
        let entries = try await w.store.auditEntries(organizationID: w.org.organization.id, targets: ["secret:\(secret.id)"])
        #expect(entries.filter { $0.entry.action == "secret.open" }.count == 5)
        #expect(Set(entries.map(\.entry.action)) == ["secret.create", "secret.open", "secret.share", "secret.rotate"])
        // No value anywhere in the database (SQLite: the file and its WAL).
        if let path = w.sqlitePath {
            for file in [path, path + "-wal"] {
                let bytes = FileManager.default.contents(atPath: file) ?? Data()
                #expect(bytes.range(of: Data(value.utf8)) == nil && bytes.range(of: Data(next.utf8)) == nil, "\(file)")
            }
        }
    }

    @Test(arguments: TestDatabases.engines) func badInputIsRefusedAndChangesNothing(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let sealed = try await Self.seal("hunter2-hunter2", to: [w.org.alice], in: w)
        func add(_ wraps: [SecretWrap], ciphertext: String? = nil, by actor: Member? = nil, account: String? = nil) async throws {
            _ = try await w.services.secrets.add(
                id: sealed.id, accountID: account ?? w.account.id, name: "NAS admin", system: "NAS", kind: .password, ciphertext: ciphertext ?? sealed.ciphertext,
                wraps: wraps, by: actor ?? w.org.alice)
        }
        // A truncated ciphertext; a wrap of the wrong length; a wrap naming someone else's key;
        // no wrap for the recovery key; no wrap for yourself; someone who may not add; another
        // organization's account.
        await #expect(throws: HandoverError.self) { try await add(sealed.wraps, ciphertext: String(sealed.ciphertext.prefix(20))) }
        var short = sealed.wraps
        short[0].wrappedKey = Data(repeating: 1, count: 40).base64EncodedString()
        await #expect(throws: HandoverError.self) { try await add(short) }
        var wrongKey = sealed.wraps
        wrongKey[0].keyID = try await w.services.secrets.encryptionKeys(memberID: w.org.bob.id, by: w.org.alice)[0].id
        await #expect(throws: HandoverError.self) { try await add(wrongKey) }
        await #expect(throws: HandoverError.self) { try await add(sealed.wraps.filter { $0.readerID != SecretWrap.recoveryReader }) }
        await #expect(throws: HandoverError.self) { try await add(sealed.wraps.filter { $0.readerID == SecretWrap.recoveryReader }) }
        await #expect(throws: HandoverError.self) { try await add(sealed.wraps, by: w.org.bob) }
        let other = try await OrgFixture.make(in: w.store, name: "Other")
        let theirs = try await w.services.accounts.createAccount(name: "Theirs", kind: .customer, ownerID: nil, profile: AccountProfile(), by: other.alice)
        await #expect(throws: StoreError.self) { try await add(sealed.wraps, account: theirs.id) }
        #expect(try await w.services.secrets.secrets(accountID: w.account.id, by: w.org.alice).isEmpty)
        // Now a good one; then a rotation by someone who cannot open it, a share of a stale version,
        // and another organization's member asking for it.
        try await add(sealed.wraps)
        let resealed = try await Self.seal("new-value-123!", id: sealed.id, version: 2, to: [w.org.carol], in: w)
        await #expect(throws: HandoverError.self) {
            _ = try await w.services.secrets.rotate(id: sealed.id, expectedVersion: 1, ciphertext: resealed.ciphertext, wraps: resealed.wraps, by: w.org.carol)
        }
        let stale = try await Self.seal("x-value-1", id: sealed.id, version: 7, to: [w.org.carol], in: w)
        await #expect(throws: (any Error).self) { _ = try await w.services.secrets.share(id: sealed.id, wraps: [stale.wraps[0]], by: w.org.alice) }
        await #expect(throws: StoreError.self) { _ = try await w.services.secrets.open(id: sealed.id, by: other.alice) }
        await #expect(throws: StoreError.self) { _ = try await w.services.secrets.secret(id: sealed.id, by: other.alice) }
        let after = try await w.services.secrets.secret(id: sealed.id, by: w.org.alice)
        #expect(after.version == 1 && after.readers == [w.org.alice.id])
    }

    @Test(arguments: TestDatabases.engines) func sealingWaitsForARecoveryKey(engine: String) async throws {
        let w = try await Self.world(engine, recovery: false)
        defer { Task { try? await w.store.database.close() } }
        let (sealed, contentKey) = try SecretSeal.encrypt(Data("4821".utf8), secretID: Secrets.newID(), version: 1)
        _ = contentKey
        let error = await #expect(throws: HandoverError.self) {
            _ = try await w.services.secrets.add(
                id: Secrets.newID(), accountID: w.account.id, name: "Door", system: "", kind: .password, ciphertext: sealed.base64EncodedString(), wraps: [],
                by: w.org.alice)
        }
        #expect(error?.message.contains("recovery key") == true)
    }

    @Test(arguments: TestDatabases.engines) func anEncryptionKeyNeedsProofOfItsPrivateHalf(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let key = Curve25519.KeyAgreement.PrivateKey()
        // A proof made with another key, and an enrolment for someone else, are refused.
        await #expect(throws: HandoverError.self) { _ = try await Self.enrol(key, w.org.carol, w.services, proofKey: Curve25519.KeyAgreement.PrivateKey()) }
        await #expect(throws: HandoverError.self) { _ = try await Self.enrol(key, w.org.auditor, w.services) }
        // A new key replaces the old one, and both steps are in the audit log.
        let old = try await w.services.secrets.encryptionKeys(memberID: w.org.carol.id, by: w.org.carol)
        let enrolled = try await Self.enrol(key, w.org.carol, w.services)
        let now = try await w.services.secrets.encryptionKeys(memberID: w.org.carol.id, by: w.org.bob)
        #expect(now.filter { $0.revokedAt == nil }.map(\.id) == [enrolled.id])
        #expect(now.count == old.count + 1)
        let entries = try await w.store.auditEntries(organizationID: w.org.organization.id, targets: ["encryption-key:\(enrolled.id)"])
        #expect(entries.map(\.entry.action) == ["encryption-key.replace"])
    }

    /// A share cannot replace a reader's wrap, a rotation keeps exactly the current readers, and a
    /// wrap waiting for its handover still waits after a rotation.
    @Test(arguments: TestDatabases.engines) func sharesAndRotationsKeepWhoMayOpenIt(engine: String) async throws {
        let w = try await Self.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let sealed = try await Self.seal("first-value-1!", to: [w.org.alice], in: w)
        _ = try await w.services.secrets.add(
            id: sealed.id, accountID: w.account.id, name: "Router", system: "", kind: .password, ciphertext: sealed.ciphertext, wraps: sealed.wraps,
            by: w.org.alice)
        let handover = try await w.services.handovers.begin(
            accountID: w.account.id, recipientID: w.org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: w.org.alice)
        // Alice shares it to Bob for the handover.
        let forBob = try await Self.seal("first-value-1!", id: sealed.id, to: [w.org.bob], in: w).wraps[0]
        var pending = forBob
        pending.handoverID = handover.id
        _ = try await w.services.secrets.share(id: sealed.id, wraps: [pending], by: w.org.alice)
        // Sharing again, or replacing Alice's own wrap with something else, is refused.
        await #expect(throws: StoreError.self) { _ = try await w.services.secrets.share(id: sealed.id, wraps: [forBob], by: w.org.alice) }
        let overAlice = try await Self.seal("x", id: sealed.id, to: [w.org.alice], in: w).wraps[0]
        await #expect(throws: StoreError.self) { _ = try await w.services.secrets.share(id: sealed.id, wraps: [overAlice], by: w.org.admin) }
        // A rotation that leaves Bob out, or adds Carol, is refused; one for exactly the readers passes.
        let withoutBob = try await Self.seal("second-value-2!", id: sealed.id, version: 2, to: [w.org.alice], in: w)
        await #expect(throws: StoreError.self) {
            _ = try await w.services.secrets.rotate(id: sealed.id, expectedVersion: 1, ciphertext: withoutBob.ciphertext, wraps: withoutBob.wraps, by: w.org.alice)
        }
        let withCarol = try await Self.seal("second-value-2!", id: sealed.id, version: 2, to: [w.org.alice, w.org.bob, w.org.carol], in: w)
        await #expect(throws: StoreError.self) {
            _ = try await w.services.secrets.rotate(id: sealed.id, expectedVersion: 1, ciphertext: withCarol.ciphertext, wraps: withCarol.wraps, by: w.org.alice)
        }
        let both = try await Self.seal("second-value-2!", id: sealed.id, version: 2, to: [w.org.alice, w.org.bob], in: w)
        let rotated = try await w.services.secrets.rotate(id: sealed.id, expectedVersion: 1, ciphertext: both.ciphertext, wraps: both.wraps, by: w.org.alice)
        #expect(rotated.version == 2)
        // Bob's wrap still waits for his acknowledgment.
        #expect(try await w.store.secretWrap(secretID: sealed.id, readerID: w.org.bob.id)?.handoverID == handover.id)
        await #expect(throws: (any Error).self) { _ = try await w.services.secrets.open(id: sealed.id, by: w.org.bob) }
        // An auditor never opens one.
        await #expect(throws: HandoverError.self) { _ = try await w.services.secrets.open(id: sealed.id, by: w.org.auditor) }
    }
}
