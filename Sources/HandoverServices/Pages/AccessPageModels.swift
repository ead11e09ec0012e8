import Foundation
import HandoverCore
import HandoverStore

/// An account's access inventory as its page shows it, with what the viewer may do.
public struct AccessGrantsModel: Sendable {
    public var grants: [AccessGrant]
    /// The viewer may add, edit and revoke (the owner, the owner's manager, an admin).
    public var canChange: Bool
    /// Who may be named as holder.
    public var members: [Member]
    /// A refused form's reasons and what was typed, shown again in the section.
    public var problems: [Problem]
    public var typed: [String: String]

    public init(grants: [AccessGrant] = [], canChange: Bool = false, members: [Member] = [], problems: [Problem] = [], typed: [String: String] = [:]) {
        self.grants = grants
        self.canChange = canChange
        self.members = members
        self.problems = problems
        self.typed = typed
    }
}

/// A handover's access plan as its page shows it.
public struct AccessPlanModel: Sendable {
    public var plan: AccessService.Plan
    /// The viewer may draw the plan, add and drop lines (the transferor, their manager, an admin, while open).
    public var canEdit: Bool
    /// The viewer may confirm or decline lines (the parties, their managers, admins).
    public var canSettle: Bool
    /// Who a grant line may name.
    public var members: [Member]

    public init(plan: AccessService.Plan, canEdit: Bool, canSettle: Bool, members: [Member]) {
        self.plan = plan
        self.canEdit = canEdit
        self.canSettle = canSettle
        self.members = members
    }

    /// What a gated plan still has open (0 without the gate): the next-step hint waits for it.
    public var gateOpen: Int { plan.gate ? plan.open.count : 0 }
}

/// The lingering-access page.
public struct LingeringModel: Sendable {
    public var report: AccessService.LingeringReport
    public var accountID: String?
    public var memberID: String?
    public var members: [Member]

    public init(report: AccessService.LingeringReport, accountID: String?, memberID: String?, members: [Member]) {
        self.report = report
        self.accountID = accountID
        self.memberID = memberID
        self.members = members
    }
}

extension AccessService {
    public func grantsModel(accountID: String, for me: Member) async throws -> AccessGrantsModel {
        let account = try await handovers.accounts.account(id: accountID, by: me)
        let members = try await store.members(organizationID: me.organizationID)
        let owner = members.first { $0.id == account.ownerID }
        return AccessGrantsModel(
            grants: try await grants(accountID: account.id, by: me), canChange: owner.map { Access.canChangeAccessGrants(of: account, owner: $0, actor: me) } ?? false,
            members: members.filter { $0.role != .auditor })
    }

    public func planModel(handoverID: String, for me: Member) async throws -> AccessPlanModel {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: me)
        return AccessPlanModel(
            plan: try await plan(of: handover), canEdit: Access.canEditAccessPlan(handover, parties: parties, actor: me),
            canSettle: Access.canSettleAccessLine(handover, parties: parties, actor: me), members: try await store.members(organizationID: me.organizationID))
    }

    public func lingeringModel(accountID: String?, memberID: String?, for me: Member) async throws -> LingeringModel {
        LingeringModel(
            report: try await lingering(accountID: accountID, memberID: memberID, by: me), accountID: accountID, memberID: memberID,
            members: try await store.members(organizationID: me.organizationID))
    }
}
