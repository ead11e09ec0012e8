import ArgumentParser
import Crypto
import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverTrust

struct BenchSecrets: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "secrets",
        abstract: "Measure sealing and opening beside raw HPKE and AES-GCM, and re-wrapping 1,000 secrets for one handover.",
        discussion: """
            Seal: SecretSeal.encrypt (a fresh content key, AES-128-GCM with the secret's \
            associated data) and SecretSeal.wrap to one reader (RFC 9180 HPKE), beside the same \
            two primitives called directly (AES.GCM.seal, HPKE.Sender.seal) in the same run. \
            Open: SecretSeal.unwrap and decrypt, beside HPKE.Recipient.open and AES.GCM.open. \
            Target: >= 50% of raw.

            Re-wrap: N secrets on one account (SQLite, in a temporary file), then, as the \
            transferor of a handover does ('handover secret share --handover'): for each, open \
            it through the service (audited), unwrap, wrap to the recipient and share through \
            the service. The time for all N.
            """
    )

    @Option(help: "Operations per seal/open measurement.") var count = 5000
    @Option(help: "Secrets to re-wrap for one handover.") var secrets = 1000
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard count > 0, secrets > 0 else { throw ValidationError("--count and --secrets must be positive") }
        let value = Data("sk_live_0123456789abcdef0123456789abcdef".utf8)
        let reader = Curve25519.KeyAgreement.PrivateKey()
        log("seal and open, \(count) each, beside raw HPKE and AES-GCM…")

        let sealRate = try rate(count) { i in
            let id = "secret-\(i)"
            let (_, key) = try SecretSeal.encrypt(value, secretID: id, version: 1)
            _ = try SecretSeal.wrap(key, to: reader.publicKey, readerID: "reader", secretID: id, version: 1)
        }
        let rawSealRate = try rate(count) { i in
            let key = SymmetricKey(size: .bits128)
            _ = try AES.GCM.seal(value, using: key, authenticating: Data("ad-\(i)".utf8))
            var sender = try HPKE.Sender(recipientKey: reader.publicKey, ciphersuite: SecretSeal.ciphersuite, info: SecretSeal.info)
            _ = try sender.seal(key.withUnsafeBytes { Data($0) }, authenticating: Data("ad-\(i)".utf8))
        }
        let (sealed, contentKey) = try SecretSeal.encrypt(value, secretID: "s", version: 1)
        let wrap = try SecretSeal.wrap(contentKey, to: reader.publicKey, readerID: "reader", secretID: "s", version: 1)
        let openRate = try rate(count) { _ in
            let key = try SecretSeal.unwrap(wrap, with: reader, readerID: "reader", secretID: "s", version: 1)
            _ = try SecretSeal.decrypt(sealed, contentKey: key, secretID: "s", version: 1)
        }
        let rawOpenRate = try rate(count) { _ in
            var recipient = try HPKE.Recipient(privateKey: reader, ciphersuite: SecretSeal.ciphersuite, info: SecretSeal.info, encapsulatedKey: wrap.prefix(32))
            let key = SymmetricKey(data: try recipient.open(wrap.dropFirst(32), authenticating: SecretSeal.wrapAAD(readerID: "reader", secretID: "s", version: 1)))
            _ = try AES.GCM.open(try AES.GCM.SealedBox(combined: sealed), using: key, authenticating: SecretSeal.valueAAD(secretID: "s", version: 1))
        }
        log(String(format: "  seal %.0f/s, raw %.0f/s, ratio %.0f%% (target >= 50%%)", sealRate, rawSealRate, sealRate / rawSealRate * 100))
        log(String(format: "  open %.0f/s, raw %.0f/s, ratio %.0f%% (target >= 50%%)", openRate, rawOpenRate, openRate / rawOpenRate * 100))

        log("re-wrap \(secrets) secrets for one handover (SQLite, through the services)…")
        let rewrap = try await RewrapBench(secrets: secrets).run()
        log(
            String(
                format: "  %d secrets re-wrapped and shared in %.2f s (%.1f ms each; of which sealing %.2f s)", secrets, rewrap.total,
                rewrap.total / Double(secrets) * 1000, rewrap.crypto))
        if output.format == .json {
            try output.printJSON([
                "seal": ["perSecond": sealRate, "rawPerSecond": rawSealRate], "open": ["perSecond": openRate, "rawPerSecond": rawOpenRate],
                "rewrap": ["secrets": Double(secrets), "seconds": rewrap.total, "cryptoSeconds": rewrap.crypto],
            ])
        }
    }

    /// Operations per second of `body` over `count` runs (after a short warm-up).
    func rate(_ count: Int, _ body: (Int) throws -> Void) throws -> Double {
        for i in 0..<min(100, count) { try body(i) }
        let start = ContinuousClock.now
        for i in 0..<count { try body(i) }
        let elapsed = ContinuousClock.now - start
        return Double(count) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// A transferor with N secrets on an account re-wraps every one to the handover's recipient.
struct RewrapBench {
    var secrets: Int

    func run() async throws -> (total: Double, crypto: Double) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        return try await SQLHandoverStore.withStore(.sqlite(path: folder.appendingPathComponent("secrets.sqlite").path)) { store in
            let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 3, count: 32)))
            let (_, admin) = try await services.members.createOrganization(name: "Bench", adminEmail: "ada@bench.example", adminName: "Ada", password: nil)
            let tom = try await services.members.createMember(email: "tom@bench.example", name: "Tom", role: .member, managerID: nil, password: nil, by: admin)
            let rita = try await services.members.createMember(email: "rita@bench.example", name: "Rita", role: .member, managerID: nil, password: nil, by: admin)
            var keys: [String: (key: Curve25519.KeyAgreement.PrivateKey, id: String)] = [:]
            for member in [tom, rita] {
                let key = Curve25519.KeyAgreement.PrivateKey()
                let payload = try EnrolmentPayload(
                    member: member.id, organization: member.organizationID, publicKey: key.publicKey.rawRepresentation.base64EncodedString(),
                    time: RFC3339.format(Date())
                ).canonicalBytes()
                let server = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: try services.secrets.possessionKey(by: member))
                let proof = try KeyPossession.proof(payload: payload, memberKey: key, serverKey: server)
                let enrolled = try await services.secrets.enrolEncryptionKey(payload: Data(payload), proof: proof, origin: "cli", by: member)
                keys[member.id] = (key, enrolled.id)
            }
            let recovery = Curve25519.KeyAgreement.PrivateKey()
            let recoveryKey = try await services.secrets.registerRecoveryKey(publicKey: recovery.publicKey.rawRepresentation, by: admin)
            let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: tom.id, profile: AccountProfile(), by: admin)
            var ids: [String] = []
            for i in 0..<secrets {
                let id = Secrets.newID()
                let (sealed, contentKey) = try SecretSeal.encrypt(Data("value-\(i)".utf8), secretID: id, version: 1)
                let wraps = [
                    SecretWrap(
                        secretID: id, version: 1, readerID: tom.id, keyID: keys[tom.id]!.id,
                        wrappedKey: try SecretSeal.wrap(contentKey, to: keys[tom.id]!.key.publicKey, readerID: tom.id, secretID: id, version: 1).base64EncodedString()),
                    SecretWrap(
                        secretID: id, version: 1, readerID: SecretWrap.recoveryReader, keyID: recoveryKey.id,
                        wrappedKey: try SecretSeal.wrap(contentKey, to: recovery.publicKey, readerID: SecretWrap.recoveryReader, secretID: id, version: 1)
                            .base64EncodedString()),
                ]
                _ = try await services.secrets.add(
                    id: id, accountID: account.id, name: "Secret \(i)", system: "System", kind: .password, ciphertext: sealed.base64EncodedString(), wraps: wraps, by: tom
                )
                ids.append(id)
            }
            let handover = try await services.handovers.begin(
                accountID: account.id, recipientID: rita.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: tom)
            var crypto: Duration = .zero
            let start = ContinuousClock.now
            for id in ids {
                let opened = try await services.secrets.open(id: id, by: tom)
                let cryptoStart = ContinuousClock.now
                let contentKey = try SecretSeal.unwrap(
                    Data(base64Encoded: opened.wrap.wrappedKey)!, with: keys[tom.id]!.key, readerID: tom.id, secretID: id, version: opened.wrap.version)
                let wrapped = try SecretSeal.wrap(contentKey, to: keys[rita.id]!.key.publicKey, readerID: rita.id, secretID: id, version: opened.secret.version)
                crypto += ContinuousClock.now - cryptoStart
                _ = try await services.secrets.share(
                    id: id,
                    wraps: [
                        SecretWrap(
                            secretID: id, version: opened.secret.version, readerID: rita.id, keyID: keys[rita.id]!.id, wrappedKey: wrapped.base64EncodedString(),
                            handoverID: handover.id)
                    ], by: tom)
            }
            let total = ContinuousClock.now - start
            func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
            return (seconds(total), seconds(crypto))
        }
    }
}
