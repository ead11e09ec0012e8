import Foundation

/// One line of an account's access inventory: someone holds a role or permission on a system
/// that belongs to the account (admin on its GitHub organization, signer on its bank account).
/// The inventory is what a handover's access plan is drawn from and what the lingering-access
/// report reads; a grant is revoked, never deleted, so the record of who had what stays.
public struct AccessGrant: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var accountID: String
    public var system: String
    /// The role or permission on `system`.
    public var role: String
    /// The member who holds it; nil for someone outside the organization (a contractor).
    public var holderID: String?
    /// The holder's name: the member's (read with the grant) when `holderID` is set, otherwise the
    /// name written for a non-member.
    public var holderName: String
    public var grantedOn: CalendarDate
    /// Evidence or a note: the ticket, who approved it, why.
    public var note: String
    public var revokedOn: CalendarDate?
    public var revokedBy: String?
    public var revokedAt: Date?
    /// What shows it was revoked (a ticket, a screenshot's name): said when revoking.
    public var revokeEvidence: String?
    /// The handover whose access plan granted or revoked it, when one did.
    public var handoverID: String?
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date
    public var version: Int

    public init(
        id: String, organizationID: String, accountID: String, system: String, role: String, holderID: String?, holderName: String, grantedOn: CalendarDate,
        note: String, revokedOn: CalendarDate? = nil, revokedBy: String? = nil, revokedAt: Date? = nil, revokeEvidence: String? = nil, handoverID: String? = nil,
        createdBy: String, createdAt: Date, updatedAt: Date, version: Int = 1
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.system = system
        self.role = role
        self.holderID = holderID
        self.holderName = holderName
        self.grantedOn = grantedOn
        self.note = note
        self.revokedOn = revokedOn
        self.revokedBy = revokedBy
        self.revokedAt = revokedAt
        self.revokeEvidence = revokeEvidence
        self.handoverID = handoverID
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.version = version
    }

    public var isActive: Bool { revokedAt == nil }

    /// "GitHub: admin", how lists and messages name it.
    public var label: String { "\(system): \(role)" }

    /// The longest system, role or holder name (as the API's maxLength counts).
    public static let maxNameLength = 200
    /// The longest note, evidence or reason.
    public static let maxNoteLength = 2000

    /// The problems of a grant's words, trimmed as they will be stored; paths are the API's keys.
    public static func problems(system: String?, role: String?, holderName: String? = nil, note: String?) -> [Problem] {
        var problems: [Problem] = []
        for (path, value) in [("system", system), ("role", role), ("holderName", holderName)] {
            guard let value else { continue }
            if value.unicodeScalars.count > maxNameLength || value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(Problem(path: path, message: "give it 1 to \(maxNameLength) characters"))
            }
        }
        if let note, note.unicodeScalars.count > maxNoteLength { problems.append(Problem(path: "note", message: "is longer than \(maxNoteLength) characters")) }
        return problems
    }
}

/// Which grants of an account to list.
public enum AccessGrantState: String, Sendable, Hashable, Codable, CaseIterable {
    case active, revoked, all
}

/// One line of a handover's access plan: grant a role to the recipient, or revoke one from the
/// transferor. Drawn from the inventory (each active grant the transferor holds on the account
/// gives a revoke line and a matching grant line for the recipient); the transferor may drop or
/// add lines while the handover is open. Confirming a line applies it to the inventory in the
/// same transaction; after completion the plan is the checklist of what is still to be done.
public struct AccessPlanLine: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable, CaseIterable {
        case grant, revoke
    }

    public enum Status: String, Sendable, Hashable, Codable, CaseIterable {
        case pending, confirmed, declined
    }

    public var id: String
    public var handoverID: String
    public var organizationID: String
    public var kind: Kind
    public var system: String
    public var role: String
    /// Who is granted the role, or whose grant is revoked.
    public var memberID: String
    /// Their name, read with the line.
    public var memberName: String
    /// The inventory grant the line was drawn from (for a revoke line: the grant it revokes).
    public var grantID: String?
    /// For a confirmed grant line: the grant it created.
    public var appliedGrantID: String?
    public var status: Status
    /// Why a line was declined.
    public var reason: String?
    /// What shows it was done (a ticket, a screenshot's name).
    public var evidence: String?
    /// Who confirmed or declined it, and when.
    public var confirmedBy: String?
    public var confirmedAt: Date?
    /// Its place in the plan (drawn lines in inventory order, added lines after).
    public var position: Int
    public var createdAt: Date

    public init(
        id: String, handoverID: String, organizationID: String, kind: Kind, system: String, role: String, memberID: String, memberName: String = "",
        grantID: String? = nil, appliedGrantID: String? = nil, status: Status = .pending, reason: String? = nil, evidence: String? = nil,
        confirmedBy: String? = nil, confirmedAt: Date? = nil, position: Int, createdAt: Date
    ) {
        self.id = id
        self.handoverID = handoverID
        self.organizationID = organizationID
        self.kind = kind
        self.system = system
        self.role = role
        self.memberID = memberID
        self.memberName = memberName
        self.grantID = grantID
        self.appliedGrantID = appliedGrantID
        self.status = status
        self.reason = reason
        self.evidence = evidence
        self.confirmedBy = confirmedBy
        self.confirmedAt = confirmedAt
        self.position = position
        self.createdAt = createdAt
    }

    public var isSettled: Bool { status != .pending }

    /// "revoke GitHub: admin from Alice", "grant GitHub: admin to Bob".
    public var summary: String {
        kind == .grant ? "grant \(system): \(role) to \(memberName)" : "revoke \(system): \(role) from \(memberName)"
    }
}

/// Why a member's access to an account ended: the cause a lingering grant is reported under.
public enum AccessEnd: String, Sendable, Hashable, Codable, CaseIterable {
    /// They handed the account over (the handover completed).
    case handover
    /// They left the organization (recorded by departures, issue 16).
    case departure
}

/// A grant still active although its holder's access to the account ended: they handed the
/// account over (or, once departures exist, left). What the lingering-access report lists.
public struct LingeringAccess: Sendable, Hashable, Codable {
    public var grant: AccessGrant
    public var accountName: String
    public var cause: AccessEnd
    /// The completed handover, for `.handover`.
    public var handoverID: String?
    /// When their access ended (the completion).
    public var endedAt: Date

    public init(grant: AccessGrant, accountName: String, cause: AccessEnd, handoverID: String?, endedAt: Date) {
        self.grant = grant
        self.accountName = accountName
        self.cause = cause
        self.handoverID = handoverID
        self.endedAt = endedAt
    }

    /// Whole days the grant has outlived their access, to `now`: from the end of their access, or
    /// from the grant's own date when it was given later (a grant recorded after the handover has
    /// lingered only since then).
    public func days(at now: Date) -> Int {
        let fromEnd = Int(now.timeIntervalSince(endedAt) / 86_400)
        return max(0, min(fromEnd, grant.grantedOn.days(until: CalendarDate(now))))
    }
}

extension Access {
    /// An account's access inventory is kept by whoever steers the account (its owner, the
    /// owner's manager, admins); every member of its organization reads it, as they read accounts.
    public static func canChangeAccessGrants(of account: Account, owner: Member, actor: Member) -> Bool {
        canSteer(account, owner: owner, actor: actor)
    }

    /// The plan is shaped (drawn, lines added or dropped) by the transferor, their manager or an
    /// admin while the handover is open.
    public static func canEditAccessPlan(_ handover: Handover, parties: Parties, actor: Member) -> Bool {
        guard actor.organizationID == handover.organizationID, actor.role != .auditor, handover.state.isOpen else { return false }
        return actor.id == handover.transferorID || actor.role == .admin || (actor.role == .manager && parties.transferor.managerID == actor.id)
    }

    /// A line is confirmed or declined by anyone responsible for the handover: either party, a
    /// manager of either, an admin; before completion (so that a gated plan can be settled) and
    /// after it (the checklist), never on a cancelled handover.
    public static func canSettleAccessLine(_ handover: Handover, parties: Parties, actor: Member) -> Bool {
        guard actor.organizationID == handover.organizationID, actor.role != .auditor, handover.state != .cancelled else { return false }
        return actor.id == handover.transferorID || actor.id == handover.recipientID || actor.role == .admin || parties.isManaged(by: actor)
    }
}
