import Foundation
import HandoverCore
import HandoverStore

/// The rotation report: secret versions members could open when their access ended, and whether
/// a rotation has settled them. The rows are recorded by the store in the transaction that ends
/// the access (completion) and settled in the one that rotates; this decides who reads them.
extension SecretService {
    /// Exposures as of one moment, which decides the overdue ones.
    public struct ExposureReport: Sendable {
        public var asOf: Date
        /// Oldest exposure first.
        public var items: [SecretExposure]

        public init(asOf: Date, items: [SecretExposure]) {
            self.asOf = asOf
            self.items = items
        }

        public func isOverdue(_ exposure: SecretExposure) -> Bool { exposure.isOverdue(at: asOf) }
    }

    /// The exposures the caller may see: on the accounts they own, on those their reports own
    /// (managers), or all of the organization's (admins and auditors). An account or member of
    /// another organization is not found; an account whose list the caller may not read is refused.
    public func exposures(accountID: String? = nil, memberID: String? = nil, state: ExposureState? = nil, by actor: Member) async throws -> ExposureReport {
        let now = clock.now()
        var filter = SecretExposureFilter(state: state)
        if let memberID {
            guard try await store.member(id: memberID, organizationID: actor.organizationID) != nil else { throw StoreError.notFound("member \(memberID)") }
            filter.memberID = memberID
        }
        if let accountID {
            let account = try await handovers.accounts.account(id: accountID, by: actor)
            guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID),
                Access.canSeeSecretExposures(of: account, owner: owner, actor: actor)
            else {
                throw HandoverError.notPermitted(
                    action: "read the rotation list of \(account.name)", reason: "only its owner, the owner's manager, admins and auditors do")
            }
            filter.accountID = account.id
        } else {
            filter.ownerIDs = try await ownersVisible(to: actor)
        }
        return ExposureReport(asOf: now, items: try await store.secretExposures(organizationID: actor.organizationID, filter: filter, at: now))
    }

    /// Whose accounts' rotation lists the caller reads without naming an account; nil for all.
    func ownersVisible(to actor: Member) async throws -> [String]? {
        switch actor.role {
        case .admin, .auditor: return nil
        case .manager: return [actor.id] + (try await store.members(organizationID: actor.organizationID)).filter { $0.managerID == actor.id }.map(\.id)
        case .member: return [actor.id]
        }
    }
}
