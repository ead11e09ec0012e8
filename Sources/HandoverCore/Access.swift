import Foundation

/// Who may see and change what. Pure rules; every endpoint asks these before answering.
public enum Access {
    /// A handover is visible to its parties, their managers, admins and auditors of its organization.
    public static func canView(_ handover: Handover, parties: Parties, viewer: Member) -> Bool {
        canViewWithoutParties(handover, viewer: viewer) ?? parties.isManaged(by: viewer)
    }

    /// `canView` where the parties do not matter: nil when the answer is whether the viewer
    /// manages one of them (so a caller reads the parties only then).
    public static func canViewWithoutParties(_ handover: Handover, viewer: Member) -> Bool? {
        guard viewer.organizationID == handover.organizationID else { return false }
        switch viewer.role {
        case .admin, .auditor: return true
        case .manager, .member:
            return viewer.id == handover.transferorID || viewer.id == handover.recipientID ? true : nil
        }
    }

    /// Content is written by the transferor while the handover is a draft.
    public static func canEditContent(_ handover: Handover, editor: Member) -> Bool {
        editor.id == handover.transferorID && handover.state == .draft && editor.role != .auditor
    }

    /// The thread is for the people in the handover (parties, their managers, admins) while it
    /// takes questions: while the handover is open, and for a while after completion (`QuestionWindow`).
    public static func canAsk(_ handover: Handover, parties: Parties, asker: Member, rules: TemplateRules, now: Date) -> Bool {
        asker.role != .auditor && QuestionWindow.isOpen(handover, rules: rules, at: now) && canView(handover, parties: parties, viewer: asker)
    }

    /// A handover of an account is begun by whoever may steer the account.
    public static func canBeginHandover(of account: Account, owner: Member, actor: Member) -> Bool {
        canSteer(account, owner: owner, actor: actor)
    }

    /// Accounts are created by anyone but auditors; only admins and managers name another owner.
    public static func canCreateAccount(ownerID: String, actor: Member) -> Bool {
        switch actor.role {
        case .admin, .manager: true
        case .member: ownerID == actor.id
        case .auditor: false
        }
    }

    /// An account's profile is kept by whoever may steer the account.
    public static func canEditAccount(_ account: Account, owner: Member, actor: Member) -> Bool {
        canSteer(account, owner: owner, actor: actor)
    }

    /// An account's secrets are added by whoever may steer the account; each is opened only by
    /// its readers (whoever holds a wrap of its content key).
    public static func canAddSecret(to account: Account, owner: Member, actor: Member) -> Bool {
        canSteer(account, owner: owner, actor: actor)
    }

    /// An account's rotation list (its secrets exposed to members whose access ended) is read by
    /// whoever steers the account, and by auditors; not by other members.
    public static func canSeeSecretExposures(of account: Account, owner: Member, actor: Member) -> Bool {
        canSteer(account, owner: owner, actor: actor) || (actor.role == .auditor && actor.organizationID == account.organizationID)
    }

    /// Its owner, the owner's manager, or an admin of its organization; never an auditor.
    static func canSteer(_ account: Account, owner: Member, actor: Member) -> Bool {
        guard actor.organizationID == account.organizationID else { return false }
        switch actor.role {
        case .admin: return true
        case .auditor: return false
        case .manager: return actor.id == account.ownerID || owner.managerID == actor.id
        case .member: return actor.id == account.ownerID
        }
    }
}
