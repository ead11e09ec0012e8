import Foundation
import Synchronization
import HandoverCore
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Testing

/// The application layer on its own: a fixed clock and predictable ids instead of real time,
/// and who acted reaching the audit log because the service said so.
@Suite struct ServicesTests {
    static let noon = Date(timeIntervalSince1970: 1_790_000_000.123)

    static func services(_ store: any HandoverStore, at date: Date = noon) -> Services {
        // Counted ids, unique per run (a PostgreSQL test database outlives a run).
        let counter = Counter(), run = UUID().uuidString.prefix(8).lowercased()
        return Services(
            store: store, logKeys: try! LogKeys(secret: Array(repeating: 9, count: 32)),
            clock: .fixed(date), ids: IDMaker { _ in "id-\(run)-" + String(format: "%06d", counter.next()) })
    }

    final class Counter: Sendable {
        private let value = Mutex(0)
        func next() -> Int {
            value.withLock {
                $0 += 1; return $0
            }
        }
    }

    @Test(arguments: TestDatabases.engines) func theInjectedClockAndIdsStampEveryRecord(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        #expect(account.id.hasPrefix("id-") && account.id.hasSuffix("-000001") && account.createdAt == Date(millis: Self.noon.millis))
        let handover = try await services.handovers.begin(
            accountID: account.id, recipientID: org.bob.id, templateKey: "customer-account",
            templateVersion: nil, content: nil, by: org.alice)
        #expect(handover.createdAt == account.createdAt && handover.id != account.id)
        let entries = try await store.auditEntries(organizationID: org.organization.id, targets: ["account:\(account.id)", "handover:\(handover.id)"])
        #expect(entries.count == 2)
        #expect(entries.allSatisfy { $0.entry.time == Int64(Date(millis: Self.noon.millis).millis) && $0.entry.actor == org.alice.id })
    }

    @Test(arguments: TestDatabases.engines) func aSecondOpenHandoverIsRefusedByNameWithTheOpenOnesID(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let account = try await services.accounts.createAccount(name: "Acme Freight", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        let open = try await services.handovers.begin(
            accountID: account.id, recipientID: org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.alice)
        let refused = HandoverError.openHandoverExists(accountName: "Acme Freight", handoverID: open.id)
        await #expect(throws: refused) {
            try await services.handovers.begin(
                accountID: account.id, recipientID: org.bob.id, templateKey: "customer-account", templateVersion: nil, content: nil, by: org.alice)
        }
        #expect(refused.message.hasPrefix("Acme Freight already has an open handover"))
        #expect(!refused.message.contains(account.id))
    }

    @Test(arguments: TestDatabases.engines) func theActorIsWhoTheServiceNames(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        // The operator's CLI adds a member: the log says "operator", never a silent default.
        let byOperator = try await services.members.createMember(
            organizationID: org.organization.id, email: "op-\(UUID().uuidString.prefix(6))@example.com",
            name: "Op", role: .member, managerID: nil, password: nil, by: .operator)
        // An admin adds one through the API's rule.
        let byAdmin = try await services.members.createMember(
            email: "ad-\(UUID().uuidString.prefix(6))@example.com", name: "Ad", role: .member,
            managerID: org.manager.id, password: nil, by: org.admin)
        // A member may not, and an unknown manager is refused field by field.
        await #expect(throws: HandoverError.self) {
            _ = try await services.members.createMember(email: "x@example.com", name: "X", role: .admin, managerID: nil, password: nil, by: org.alice)
        }
        do {
            _ = try await services.members.createMember(email: "y@example.com", name: "Y", role: .member, managerID: "nobody", password: nil, by: org.admin)
            Issue.record("an unknown manager was accepted")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.map(\.path) == ["managerID"])
        }
        let entries = try await store.auditEntries(organizationID: org.organization.id, targets: ["member:\(byOperator.id)", "member:\(byAdmin.id)"])
        #expect(entries.map(\.entry.actor) == ["operator", org.admin.id])
        // Auditors hold tokens (their work is 'handover audit' from a terminal), created by themselves.
        let (token, _) = try await services.members.createToken(for: org.auditor, name: "laptop", by: AuditActor(member: org.auditor.id))
        let tokenEntry = try await store.auditEntries(organizationID: org.organization.id, targets: ["token:\(token.id)"])
        #expect(tokenEntry.map(\.entry.actor) == [org.auditor.id])
    }

    @Test func aSensitiveReadNamesItsReaderAndTheRequest() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let account = try await services.accounts.createAccount(name: "Acme", kind: .customer, ownerID: nil, profile: AccountProfile(), by: org.alice)
        let handover = try await services.handovers.begin(
            accountID: account.id, recipientID: org.bob.id, templateKey: "customer-account",
            templateVersion: nil, content: nil, by: org.alice)
        _ = try await AuditContext.$requestID.withValue("req-42") { try await services.handovers.reading(id: handover.id, by: org.manager) }
        let reads = try await store.auditEntries(organizationID: org.organization.id, targets: ["handover:\(handover.id)"]).map(\.entry).filter {
            $0.action == "handover.read"
        }
        #expect(reads.map(\.actor) == [org.manager.id] && reads.map(\.request) == ["req-42"])
    }
}
