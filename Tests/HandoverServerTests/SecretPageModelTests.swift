import Crypto
import Foundation
import HandoverCore
import HandoverServices
import HandoverTestSupport
import Testing

/// What the account and handover pages are given about secrets, read through the services on
/// both engines: the list with readers, who may add, the active keys, and only parties' handover
/// pages reading any of it.
@Suite struct SecretPageModelTests {
    @Test(arguments: TestDatabases.engines) func theAccountPageListsSecretsWithReadersAndWhoMayAdd(engine: String) async throws {
        let w = try await SecretServiceTests.world(engine)
        defer { Task { try? await w.store.database.close() } }
        let (alice, bob, carol) = (w.org.alice, w.org.bob, w.org.carol)
        let sealed = try await SecretServiceTests.seal("not-in-any-page", to: [alice], in: w)
        _ = try await w.services.secrets.add(
            id: sealed.id, accountID: w.account.id, name: "Stripe live key", system: "Stripe", kind: .apiKey, ciphertext: sealed.ciphertext, wraps: sealed.wraps,
            by: alice)
        // Bob replaces his key: the page offers only the active one, to seal to and to compare.
        let replacement = try await SecretServiceTests.enrol(Curve25519.KeyAgreement.PrivateKey(), bob, w.services)

        let owners = try await w.services.pages.account(id: w.account.id, for: alice).secrets
        #expect(owners.secrets.map(\.id) == [sealed.id] && owners.secrets[0].readers == [alice.id])
        #expect(owners.canAdd && owners.hasRecoveryKey)
        #expect(owners.keys.count == 4 && owners.key(of: bob.id)?.id == replacement.id)
        let managers = try await w.services.pages.account(id: w.account.id, for: w.org.manager).secrets
        #expect(managers.canAdd)
        let colleagues = try await w.services.pages.account(id: w.account.id, for: carol).secrets
        #expect(!colleagues.canAdd && colleagues.secrets.map(\.id) == [sealed.id])

        // The handover page: its parties get the account's secrets (for the step and the note); others do not.
        let handover = try await w.services.handovers.begin(
            accountID: w.account.id, recipientID: bob.id, templateKey: "customer-account", templateVersion: nil, content: HandoverContent(), by: alice)
        #expect(try await w.services.pages.handover(id: handover.id, for: alice).secrets.secrets.map(\.id) == [sealed.id])
        #expect(try await w.services.pages.handover(id: handover.id, for: bob).secrets.key(of: bob.id)?.id == replacement.id)
        #expect(try await w.services.pages.handover(id: handover.id, for: w.org.admin).secrets.secrets.isEmpty)
    }
}
