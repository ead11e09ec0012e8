import Crypto
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Rotation after a handover, on both engines: completion records every secret version the
/// transferor could open, with the template's due date; a rotation settles it; the report is
/// oldest first, overdue by an injected clock, and read only by those who steer the account.
@Suite struct SecretExposureTests {
    static let day: TimeInterval = 86_400
    static let logKeys = try! LogKeys(secret: Array(repeating: 7, count: 32))

    /// A template without sign-offs, so the services alone complete a handover; `days` is its
    /// `rules.rotateSecretsWithinDays` (absent when nil, as in every template written before it).
    static func template(_ key: String, days: Int?) -> Data {
        let rules = days.map { #", "rules": {"rotateSecretsWithinDays": \#($0)}"# } ?? ""
        return Data(
            """
            {"key": "\(key)", "version": 1, "name": "Rotation \(key)", "summary": "For the rotation tests", "accountKinds": ["customer"],
             "requiredSignoffs": [], "synthesisPrompt": "Say it back"\(rules),
             "sections": [{"id": "notes", "title": "Notes", "guidance": "Anything", "fields": [{"id": "text", "label": "Text", "type": "text", "guidance": "Anything"}]}]}
            """.utf8)
    }

    /// Services over the world's store whose clock reads `date`.
    static func at(_ date: Date, _ w: SecretServiceTests.World) -> Services { Services(store: w.store, logKeys: logKeys, clock: .fixed(date)) }

    /// Alice's account Acme, keys for Alice, Bob, Carol and the admin, the recovery key, and the
    /// two templates (7 days, and the default).
    static func world(store: SQLHandoverStore, org: OrgFixture, at t0: Date) async throws -> SecretServiceTests.World {
        let services = Services(store: store, logKeys: logKeys, clock: .fixed(t0))
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        var keys: [String: Curve25519.KeyAgreement.PrivateKey] = [:]
        for member in [org.alice, org.bob, org.carol, org.admin] {
            let key = Curve25519.KeyAgreement.PrivateKey()
            _ = try await SecretServiceTests.enrol(key, member, services)
            keys[member.id] = key
        }
        let recovery = Curve25519.KeyAgreement.PrivateKey()
        _ = try await services.secrets.registerRecoveryKey(publicKey: recovery.publicKey.rawRepresentation, by: org.admin)
        _ = try await services.templates.addTemplate(template("rotate-week", days: 7), by: org.admin)
        _ = try await services.templates.addTemplate(template("rotate-default", days: nil), by: org.admin)
        return SecretServiceTests.World(store: store, services: services, org: org, account: account, keys: keys, recovery: recovery, sqlitePath: nil)
    }

    static func add(_ name: String, to account: Account, sealedTo readers: [Member], by actor: Member, _ w: SecretServiceTests.World) async throws -> Secret {
        let sealed = try await SecretServiceTests.seal("value of \(name) \(UUID().uuidString)", to: readers, in: w)
        return try await w.services.secrets.add(
            id: sealed.id, accountID: account.id, name: name, system: "Stripe", kind: .apiKey, ciphertext: sealed.ciphertext, wraps: sealed.wraps, by: actor)
    }

    /// Hands `account` over from its owner to `recipient` at `date`: the transferor shares
    /// `sharing` as a step of the handover, the recipient acknowledges and completes it.
    @discardableResult
    static func handOver(
        _ account: Account, from transferor: Member, to recipient: Member, template: String, sharing: [Secret] = [], at date: Date,
        _ w: SecretServiceTests.World
    ) async throws -> Handover {
        let services = at(date, w)
        let handover = try await services.handovers.begin(
            accountID: account.id, recipientID: recipient.id, templateKey: template, templateVersion: nil, content: nil, by: transferor)
        let recipientKey = try await services.secrets.encryptionKeys(memberID: recipient.id, by: transferor)[0]
        for secret in sharing {
            let opened = try await services.secrets.open(id: secret.id, by: transferor)
            let contentKey = try SecretSeal.unwrap(
                Data(base64Encoded: opened.wrap.wrappedKey)!, with: w.keys[transferor.id]!, readerID: transferor.id, secretID: secret.id,
                version: opened.wrap.version)
            let wrapped = try SecretSeal.wrap(
                contentKey, to: w.keys[recipient.id]!.publicKey, readerID: recipient.id, secretID: secret.id, version: opened.secret.version)
            _ = try await services.secrets.share(
                id: secret.id,
                wraps: [
                    SecretWrap(
                        secretID: secret.id, version: opened.secret.version, readerID: recipient.id, keyID: recipientKey.id,
                        wrappedKey: wrapped.base64EncodedString(), handoverID: handover.id)
                ], by: transferor)
        }
        _ = try await services.handovers.transition(id: handover.id, event: .submit, expectedVersion: nil, by: transferor)
        _ = try await services.handovers.transition(
            id: handover.id, event: .acknowledge(synthesis: "I own the account and its keys now; rotate them."), expectedVersion: nil, by: recipient)
        return try await services.handovers.transition(id: handover.id, event: .complete, expectedVersion: nil, by: recipient)
    }

    static func now() -> Date { Date(millis: Date().millis) }

    @Test(arguments: TestDatabases.engines) func completionExposesWhatTheTransferorCouldOpenUntilARotationSettlesIt(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let t0 = Self.now()
        let w = try await Self.world(store: store, org: try await OrgFixture.make(in: store), at: t0)
        let (alice, bob) = (w.org.alice, w.org.bob)
        let stripe = try await Self.add("Stripe live key", to: w.account, sealedTo: [alice], by: alice, w)
        // Sealed to the admin alone: Alice never held it, so her leaving exposes nothing of it.
        let vault = try await Self.add("Vault root token", to: w.account, sealedTo: [w.org.admin], by: w.org.admin, w)
        let handover = try await Self.handOver(w.account, from: alice, to: bob, template: "rotate-week", sharing: [stripe], at: t0, w)
        #expect(handover.state == .completed)

        let report = try await Self.at(t0, w).secrets.exposures(by: bob)
        #expect(report.items.count == 1)
        let exposure = try #require(report.items.first)
        #expect(exposure.secretID == stripe.id && exposure.memberID == alice.id && exposure.version == 1)
        #expect(exposure.cause == .handover && exposure.handoverID == handover.id && exposure.ownerID == bob.id && exposure.accountName == "Acme")
        #expect(exposure.exposedAt == t0)
        #expect(exposure.dueAt == t0.addingTimeInterval(7 * Self.day), "the template's rules.rotateSecretsWithinDays")
        #expect(!report.isOverdue(exposure) && exposure.rotatedAt == nil)
        #expect(!report.items.contains { $0.secretID == vault.id })
        // Bob's handover wrap became his own: he is the owner, not exposed.
        #expect(!report.items.contains { $0.memberID == bob.id })
        let audit = try await store.auditEntries(organizationID: w.org.organization.id, targets: ["secret:\(stripe.id)"])
        #expect(audit.map(\.entry.action).contains("secret.expose"))

        // Overdue by the clock: not at six days, yes at eight.
        #expect(try await Self.at(t0.addingTimeInterval(6 * Self.day), w).secrets.exposures(state: .overdue, by: bob).items.isEmpty)
        #expect(try await Self.at(t0.addingTimeInterval(6 * Self.day), w).secrets.exposures(state: .open, by: bob).items.count == 1)
        let late = Self.at(t0.addingTimeInterval(8 * Self.day), w)
        let overdue = try await late.secrets.exposures(state: .overdue, by: bob)
        #expect(overdue.items.map(\.secretID) == [stripe.id] && overdue.isOverdue(overdue.items[0]))
        // The home page of whoever owns the account now, and of their manager and the admins.
        #expect(try await late.pages.home(for: bob).overdueRotations.map(\.secretID) == [stripe.id])
        #expect(try await late.pages.home(for: w.org.manager).overdueRotations.count == 1)
        #expect(try await late.pages.home(for: w.org.admin).overdueRotations.count == 1)
        #expect(try await late.pages.home(for: alice).overdueRotations.isEmpty, "Alice left the account")
        #expect(try await late.pages.home(for: w.org.carol).overdueRotations.isEmpty)

        // Bob rotates: version 2 settles Alice's exposure.
        let next = try await SecretServiceTests.seal("rotated \(UUID().uuidString)", id: stripe.id, version: 2, to: [bob], in: w)
        let rotated = try await late.secrets.rotate(id: stripe.id, expectedVersion: 1, ciphertext: next.ciphertext, wraps: next.wraps, by: bob)
        #expect(rotated.version == 2)
        #expect(try await late.secrets.exposures(state: .open, by: bob).items.isEmpty)
        #expect(try await late.pages.home(for: bob).overdueRotations.isEmpty)
        let settled = try #require(try await late.secrets.exposures(state: .rotated, by: bob).items.first)
        #expect(settled.rotatedBy == bob.id && settled.rotatedVersion == 2 && settled.rotatedAt == t0.addingTimeInterval(8 * Self.day))
        #expect(try await late.secrets.exposures(by: bob).items.count == 1, "the settled exposure stays in the report")
    }

    @Test(arguments: TestDatabases.engines) func theReportIsOldestFirstAndReadOnlyByThoseWhoSteerTheAccount(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let t0 = Self.now()
        let org = try await OrgFixture.make(in: store)
        let w = try await Self.world(store: store, org: org, at: t0)
        let beta = try await w.services.accounts.createAccount(name: "Beta", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        let stripe = try await Self.add("Stripe live key", to: w.account, sealedTo: [org.alice], by: org.alice, w)
        let nas = try await Self.add("NAS admin", to: beta, sealedTo: [org.alice], by: org.alice, w)
        // Beta goes to Carol first (the template leaves the default), Acme to Bob an hour later
        // (seven days): oldest exposure first, whatever is due first.
        try await Self.handOver(beta, from: org.alice, to: org.carol, template: "rotate-default", at: t0, w)
        try await Self.handOver(w.account, from: org.alice, to: org.bob, template: "rotate-week", at: t0.addingTimeInterval(3600), w)
        let services = Self.at(t0.addingTimeInterval(3600), w)

        let all = try await services.secrets.exposures(by: org.admin).items
        #expect(all.map(\.secretID) == [nas.id, stripe.id])
        #expect(all[0].dueAt == t0.addingTimeInterval(14 * Self.day), "a template that does not say gives 14 days")
        #expect(all[1].dueAt == t0.addingTimeInterval(3600 + 7 * Self.day))
        #expect(try await services.secrets.exposures(by: org.auditor).items.map(\.secretID) == [nas.id, stripe.id])
        #expect(try await services.secrets.exposures(memberID: org.alice.id, by: org.admin).items.count == 2)
        #expect(try await services.secrets.exposures(memberID: org.carol.id, by: org.admin).items.isEmpty)
        // Owners see their accounts'; the manager of Alice and Bob sees Bob's (Carol has none).
        #expect(try await services.secrets.exposures(by: org.bob).items.map(\.secretID) == [stripe.id])
        #expect(try await services.secrets.exposures(by: org.carol).items.map(\.secretID) == [nas.id])
        #expect(try await services.secrets.exposures(by: org.manager).items.map(\.secretID) == [stripe.id])
        #expect(try await services.secrets.exposures(by: org.alice).items.isEmpty, "the departed member reads no rotation list")
        #expect(try await services.secrets.exposures(accountID: beta.id, by: org.auditor).items.map(\.secretID) == [nas.id])
        await #expect(throws: HandoverError.self) { _ = try await services.secrets.exposures(accountID: beta.id, by: org.bob) }
        await #expect(throws: HandoverError.self) { _ = try await services.secrets.exposures(accountID: w.account.id, by: org.alice) }
        await #expect(throws: HandoverError.self) { _ = try await services.secrets.exposures(accountID: beta.id, by: org.manager) }

        // Another organization's account or member is not found; its admin sees none of these.
        let other = try await OrgFixture.make(in: store, name: "Other")
        await #expect(throws: StoreError.self) { _ = try await services.secrets.exposures(accountID: w.account.id, by: other.admin) }
        await #expect(throws: StoreError.self) { _ = try await services.secrets.exposures(memberID: org.alice.id, by: other.admin) }
        #expect(try await services.secrets.exposures(by: other.admin).items.isEmpty)

        // A template's rotation window is 1 to 365 days.
        for days in [0, 366] {
            await #expect(throws: HandoverError.self) { _ = try await services.templates.addTemplate(Self.template("bad-\(days)", days: days), by: org.admin) }
        }
    }

    @Test(arguments: TestDatabases.engines) func theReportOverHTTP(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let t0 = Self.now()
        let w = try await Self.world(store: f.store, org: f.org, at: t0)
        let stripe = try await Self.add("Stripe live key", to: w.account, sealedTo: [f.org.alice], by: f.org.alice, w)
        try await Self.handOver(w.account, from: f.org.alice, to: f.org.bob, template: "rotate-week", sharing: [stripe], at: t0, w)
        let otherAccount = try await f.other.account(f.other.alice, in: f.store, name: "Theirs")
        try await f.test { client in
            let list = try await client.execute(uri: "/api/v1/secret-exposures?state=open", method: .get, headers: f.headers(f.org.bob)) { response in
                #expect(response.status == .ok)
                return try response.decode(ListResponse<SecretExposureResponse>.self)
            }
            #expect(list.items.map(\.secretID) == [stripe.id])
            #expect(list.items.first?.memberID == f.org.alice.id && list.items.first?.overdue == false && list.items.first?.accountName == "Acme")
            try await client.execute(uri: "/api/v1/secret-exposures?account=\(w.account.id)", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .ok)
            }
            let overdue = try await client.execute(uri: "/api/v1/secret-exposures?state=overdue", method: .get, headers: f.headers(f.org.bob)) { response in
                #expect(response.status == .ok)
                return try response.decode(ListResponse<SecretExposureResponse>.self)
            }
            #expect(overdue.items.isEmpty)
            try await client.execute(uri: "/api/v1/secret-exposures?state=late", method: .get, headers: f.headers(f.org.bob)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/secret-exposures?account=\(w.account.id)", method: .get, headers: f.headers(f.org.carol)) {
                #expect($0.status == .forbidden)
            }
            for uri in ["/api/v1/secret-exposures?account=\(w.account.id)", "/api/v1/secret-exposures?member=\(f.org.alice.id)"] {
                try await client.execute(uri: uri, method: .get, headers: f.headers(f.other.admin)) { #expect($0.status == .notFound, "\(uri)") }
            }
            try await client.execute(uri: "/api/v1/secret-exposures?account=\(otherAccount.id)", method: .get, headers: f.headers(f.org.admin)) {
                #expect($0.status == .notFound)
            }
            let theirs = try await client.execute(uri: "/api/v1/secret-exposures", method: .get, headers: f.headers(f.other.admin)) { response in
                #expect(response.status == .ok)
                return try response.decode(ListResponse<SecretExposureResponse>.self)
            }
            #expect(theirs.items.isEmpty)
        }
    }
}
