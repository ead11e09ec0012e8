import Foundation
import HandoverCore
import HandoverStore

/// The risk flags of an account (`RiskRules`): gathers what the rules read, for anyone who may
/// see the account. The same flags show on the account and on each of its handovers.
public struct RiskService: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    let accounts: AccountService
    let ids: IDMaker

    /// The prioritized tickets and tasks the rules read (newest import first).
    static let importedLimit = 2_000

    public func flags(accountID: String, by actor: Member) async throws -> [RiskFlag] {
        let account = try await accounts.account(id: accountID, by: actor)
        return try await flags(account)
    }

    /// For an account the caller has already checked the actor may see (the page models, which
    /// read the account first); not public, so no route can skip that check.
    func flags(_ account: Account) async throws -> [RiskFlag] {
        let now = clock.now()
        let organizationID = account.organizationID
        async let imported = store.prioritizedWork(accountID: account.id, organizationID: organizationID, limit: Self.importedLimit)
        async let times = store.handoverTimes(accountID: account.id, organizationID: organizationID)
        async let exposures = store.secretExposures(
            organizationID: organizationID, filter: SecretExposureFilter(accountID: account.id, state: .open, limit: 1000), at: now)
        let handovers = try await times
        let evidence = RiskEvidence(
            account: account, imported: try await imported, handoverStarts: handovers.filter { $0.state != .cancelled }.map(\.createdAt),
            unrotatedExposures: try await exposures.count, lastActivity: ([account.updatedAt] + handovers.map(\.updatedAt)).max() ?? account.updatedAt)
        return RiskRules.flags(evidence, now: now)
    }
}
