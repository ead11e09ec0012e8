import Foundation
import HandoverCore
import HandoverStore

/// The engines the storage contract runs against: SQLite always, PostgreSQL when
/// `HANDOVER_TEST_POSTGRES_URL` is set (CI sets it).
public enum TestDatabases {
    public static var engines: [String] {
        ProcessInfo.processInfo.environment["HANDOVER_TEST_POSTGRES_URL"].map { $0.isEmpty ? ["sqlite"] : ["sqlite", "postgres"] } ?? ["sqlite"]
    }

    /// A store on a fresh SQLite file, or on the test PostgreSQL database (shared; tests isolate
    /// themselves by creating their own organization).
    ///
    /// Two PostgreSQL connections per store, not the server's four: dozens of suites run at once,
    /// each with stores of its own, and CI's cluster refused connections ("too many clients") once
    /// a run came near its limit. With two, a run of 400 tests peaked at 297 (`.ci/run` allows
    /// 1000). Tests that are about the pool (PostgresPoolTests) open their own.
    public static func store(_ engine: String) async throws -> SQLHandoverStore {
        switch engine {
        case "postgres":
            return try await SQLHandoverStore.open(.postgres(url: try postgresURL()), maxConnections: 2)
        default:
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-tests-\(UUID().uuidString)")
            return try await SQLHandoverStore.open(.sqlite(path: folder.appendingPathComponent("test.sqlite").path))
        }
    }

    /// The PostgreSQL URL for tests; refuses anything but a loopback host, so that a test can never
    /// write to a real database by accident.
    public static func postgresURL() throws -> String {
        guard let url = ProcessInfo.processInfo.environment["HANDOVER_TEST_POSTGRES_URL"], !url.isEmpty else {
            throw TestSetupError("HANDOVER_TEST_POSTGRES_URL is not set")
        }
        guard let host = URLComponents(string: url)?.host, ["127.0.0.1", "localhost", "::1", "[::1]"].contains(host) || host.hasPrefix("127.") else {
            throw TestSetupError("HANDOVER_TEST_POSTGRES_URL must point at a loopback address, not \(URLComponents(string: url)?.host ?? "?")")
        }
        return url
    }
}

extension TestDatabases {
    /// Runs `body` with the URL of a PostgreSQL database of its own, created beside the test
    /// database and dropped afterwards: for a test that needs an empty schema, or must count
    /// every connection to its database without other tests' connections in the way.
    public static func withScratchPostgresDatabase<R: Sendable>(_ body: (String) async throws -> R) async throws -> R {
        let url = try postgresURL()
        guard var components = URLComponents(string: url) else { throw TestSetupError("HANDOVER_TEST_POSTGRES_URL is not a URL") }
        let base = components.path.trimmingCharacters(in: CharacterSet(charactersIn: "/"))
        guard !base.isEmpty else { throw TestSetupError("HANDOVER_TEST_POSTGRES_URL names no database") }
        let name = "\(base)_scratch_\(UUID().uuidString.prefix(8).lowercased())"
        components.path = "/" + name
        guard let scratchURL = components.string else { throw TestSetupError("cannot build a URL for database \(name)") }
        let admin = try await Database.open(.postgres(url: url), maxConnections: 1)
        do {
            try await admin.withSession { try await $0.raw("CREATE DATABASE \(unsafeRaw: name)").run() }
            let result: R
            do {
                result = try await body(scratchURL)
            } catch {
                try? await admin.withSession { try await $0.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
                throw error
            }
            try await admin.withSession { try await $0.raw("DROP DATABASE \(unsafeRaw: name) WITH (FORCE)").run() }
            try await admin.close()
            return result
        } catch {
            try? await admin.close()
            throw error
        }
    }
}

public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// An organization with one member of each role, made directly through the store.
public struct OrgFixture: Sendable {
    public var organization: Organization
    public var admin: Member
    public var manager: Member
    public var alice: Member  // member, managed by `manager`
    public var bob: Member  // member, managed by `manager`
    public var carol: Member  // member, no manager
    public var auditor: Member

    public static func make(in store: any HandoverStore, name: String = "Org") async throws -> OrgFixture {
        let now = Date(millis: Date().millis)
        let tag = UUID().uuidString.prefix(8).lowercased()
        func id() -> String { UUID().uuidString.lowercased() }
        let organization = Organization(id: id(), name: "\(name) \(tag)", createdAt: now)
        func member(_ n: String, _ role: Role, manager: String? = nil) -> Member {
            Member(id: id(), organizationID: organization.id, email: "\(n)-\(tag)@example.com", name: n.capitalized, role: role, managerID: manager, createdAt: now)
        }
        let admin = member("admin", .admin)
        let manager = member("manager", .manager)
        let alice = member("alice", .member, manager: manager.id)
        let bob = member("bob", .member, manager: manager.id)
        let carol = member("carol", .member)
        let auditor = member("auditor", .auditor)
        try await store.createOrganization(organization, firstAdmin: admin, passwordHash: nil)
        for m in [manager, alice, bob, carol, auditor] { try await store.createMember(m, passwordHash: nil, by: AuditActor(member: admin.id)) }
        return OrgFixture(organization: organization, admin: admin, manager: manager, alice: alice, bob: bob, carol: carol, auditor: auditor)
    }

    /// A customer account owned by `owner`.
    public func account(_ owner: Member, in store: any HandoverStore, name: String = "Acme") async throws -> Account {
        let now = Date(millis: Date().millis)
        let account = Account(
            id: UUID().uuidString.lowercased(), organizationID: organization.id, name: name, kind: .customer, ownerID: owner.id,
            profile: AccountProfile(overview: "A customer", renewalDate: CalendarDate("2027-03-31")), createdAt: now, updatedAt: now)
        try await store.createAccount(account, by: AuditActor(member: owner.id))
        return account
    }

    /// A draft customer-account handover of `account` to `recipient`.
    public func handover(of account: Account, to recipient: Member, in store: any HandoverStore, content: HandoverContent = HandoverContent()) async throws -> Handover {
        let now = Date(millis: Date().millis)
        let handover = Handover(
            id: UUID().uuidString.lowercased(), organizationID: organization.id, accountID: account.id,
            templateKey: "customer-account", templateVersion: 1, transferorID: account.ownerID,
            recipientID: recipient.id, content: content, createdAt: now, updatedAt: now)
        try await store.createHandover(
            handover,
            record: HandoverEventRecord(
                id: UUID().uuidString.lowercased(), handoverID: handover.id, organizationID: organization.id, actorID: account.ownerID,
                event: "create", handoverVersion: 1, fromState: nil, toState: .draft, note: nil, at: now))
        return handover
    }
}
