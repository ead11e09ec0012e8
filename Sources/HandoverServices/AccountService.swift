import Foundation
import HandoverCore
import HandoverStore

/// Accounts: what is handed over. Members create accounts they own; their owner, the owner's
/// manager or an admin edits one; every member of the organization may read and list them.
public struct AccountService: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    let ids: IDMaker

    public init(store: any HandoverStore, clock: WallClock = .system, ids: IDMaker = .random) {
        self.store = store
        self.clock = clock
        self.ids = ids
    }

    public func createAccount(name: String, kind: AccountKind, ownerID: String?, profile: AccountProfile, by actor: Member) async throws -> Account {
        let ownerID = ownerID ?? actor.id
        guard Access.canCreateAccount(ownerID: ownerID, actor: actor) else {
            throw HandoverError.notPermitted(
                action: "create this account", reason: actor.role == .auditor ? "auditors have read-only access" : "members create accounts they own themselves")
        }
        // Length as JSON Schema's maxLength counts it (Unicode scalars, before trimming): the spec's limit exactly.
        let tooLong = name.unicodeScalars.count > 200
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [Problem] = []
        if name.isEmpty || tooLong { problems.append(Problem(path: "name", message: "give the account a name of 1 to 200 characters")) }
        guard let owner = try await store.member(id: ownerID, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(ownerID)") }
        if owner.role == .auditor { problems.append(Problem(path: "ownerID", message: "an auditor cannot own an account")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name)]) + CredentialScan.findings(in: profile, at: "profile"))
        let now = clock.now()
        let account = Account(
            id: ids.next(at: now), organizationID: actor.organizationID, name: name, kind: kind,
            ownerID: owner.id, profile: profile, createdAt: now, updatedAt: now)
        try await store.createAccount(account, by: AuditActor(member: actor.id))
        return account
    }

    public func account(id: String, by actor: Member) async throws -> Account {
        guard let account = try await store.account(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("account \(id)") }
        return account
    }

    /// Replaces the name and/or profile if the account is still at `expectedVersion`.
    public func updateAccount(id: String, name: String?, profile: AccountProfile?, expectedVersion: Int?, by actor: Member) async throws -> Account {
        var account = try await account(id: id, by: actor)
        guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID) else {
            throw StoreError.notFound("member \(account.ownerID)")
        }
        guard Access.canEditAccount(account, owner: owner, actor: actor) else {
            throw HandoverError.notPermitted(action: "edit this account", reason: "only its owner, the owner's manager or an admin edit an account")
        }
        if let expectedVersion, expectedVersion != account.version {
            throw StoreError.stale("account \(id) is at version \(account.version), not \(expectedVersion)")
        }
        try CredentialGuard.refuse(CredentialScan.findings([("name", name)]) + (profile.map { CredentialScan.findings(in: $0, at: "profile") } ?? []))
        if let name {
            let tooLong = name.unicodeScalars.count > 200  // as the spec's maxLength counts
            let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty || tooLong { throw HandoverError.invalid([Problem(path: "name", message: "give the account a name of 1 to 200 characters")]) }
            account.name = name
        }
        if let profile { account.profile = profile }
        let read = account.version
        account.version += 1
        account.updatedAt = clock.now()
        try await store.updateAccount(account, expectedVersion: read, by: AuditActor(member: actor.id))
        return account
    }

    public func accounts(filter: AccountFilter, by actor: Member) async throws -> [Account] {
        try await store.accounts(organizationID: actor.organizationID, filter: filter)
    }

    /// The account's owners over time, oldest first.
    public func owners(accountID: String, by actor: Member) async throws -> [Ownership] {
        let account = try await account(id: accountID, by: actor)
        return try await store.ownershipChain(accountID: account.id, organizationID: actor.organizationID)
    }

    /// The actor's own accounts with an open item due before `day`, earliest first, and how many there are.
    public func overdue(before day: CalendarDate, limit: Int, by actor: Member) async throws -> (accounts: [Account], total: Int) {
        try await store.overdueAccounts(ownerID: actor.id, organizationID: actor.organizationID, before: day, limit: limit)
    }

    /// Names of these accounts (in the actor's organization), for lists.
    public func names(ids: [String], by actor: Member) async throws -> [String: String] {
        try await store.accountNames(ids: ids, organizationID: actor.organizationID)
    }
}
