import Foundation
import HandoverCore

// Bodies of the access endpoints. A grant (`AccessGrant`) and a plan line (`AccessPlanLine`) are
// sent as the core encodes them; these are the requests, the plan and the lingering report.

/// `POST /accounts/{id}/access-grants`: a member's id as holder, or a holderName for someone
/// outside the organization (one of the two).
public struct CreateAccessGrantRequest: Codable, Sendable {
    public var system: String
    public var role: String
    public var holderID: String?
    public var holderName: String?
    /// Today when absent.
    public var grantedOn: CalendarDate?
    public var note: String?

    public init(system: String, role: String, holderID: String? = nil, holderName: String? = nil, grantedOn: CalendarDate? = nil, note: String? = nil) {
        self.system = system
        self.role = role
        self.holderID = holderID
        self.holderName = holderName
        self.grantedOn = grantedOn
        self.note = note
    }
}

/// `PATCH /access-grants/{id}`: what changes; `version` guards against a lost update.
public struct UpdateAccessGrantRequest: Codable, Sendable {
    public var system: String?
    public var role: String?
    public var grantedOn: CalendarDate?
    public var note: String?
    public var version: Int?

    public init(system: String? = nil, role: String? = nil, grantedOn: CalendarDate? = nil, note: String? = nil, version: Int? = nil) {
        self.system = system
        self.role = role
        self.grantedOn = grantedOn
        self.note = note
        self.version = version
    }
}

/// `POST /access-grants/{id}/revoke`.
public struct RevokeAccessGrantRequest: Codable, Sendable {
    /// Today when absent.
    public var revokedOn: CalendarDate?
    public var evidence: String?

    public init(revokedOn: CalendarDate? = nil, evidence: String? = nil) {
        self.revokedOn = revokedOn
        self.evidence = evidence
    }
}

/// `POST /handovers/{id}/access-plan`: a line added by hand. A grant line names system, role and
/// member (the recipient when absent); a revoke line names the grant it revokes.
public struct AddAccessPlanLineRequest: Codable, Sendable {
    public var kind: AccessPlanLine.Kind
    public var system: String?
    public var role: String?
    public var memberID: String?
    public var grantID: String?

    public init(kind: AccessPlanLine.Kind, system: String? = nil, role: String? = nil, memberID: String? = nil, grantID: String? = nil) {
        self.kind = kind
        self.system = system
        self.role = role
        self.memberID = memberID
        self.grantID = grantID
    }
}

/// `POST /handovers/{id}/access-plan/{line}/confirm`: confirmed (the default) with evidence, or
/// declined with a reason.
public struct SettleAccessPlanLineRequest: Codable, Sendable {
    public var status: AccessPlanLine.Status?
    public var evidence: String?
    public var reason: String?

    public init(status: AccessPlanLine.Status? = nil, evidence: String? = nil, reason: String? = nil) {
        self.status = status
        self.evidence = evidence
        self.reason = reason
    }
}

/// `GET /handovers/{id}/access-plan`: the lines, and what keeps a gated plan open.
public struct AccessPlanResponse: Codable, Sendable {
    public var handoverID: String
    /// The template makes the plan a completion gate (`rules.accessPlanGate`).
    public var gate: Bool
    public var lines: [AccessPlanLine]
    /// Lines neither confirmed nor declined, and active grants of the transferor no revoke line
    /// covers: what the gate refuses completion for (listed with or without the gate).
    public var open: [Problem]

    public init(handoverID: String, gate: Bool, lines: [AccessPlanLine], open: [Problem]) {
        self.handoverID = handoverID
        self.gate = gate
        self.lines = lines
        self.open = open
    }
}

/// One line of `GET /access-lingering`.
public struct LingeringAccessResponse: Codable, Sendable {
    public var grant: AccessGrant
    public var accountID: String
    public var accountName: String
    public var memberID: String
    public var memberName: String
    public var cause: AccessEnd
    public var handoverID: String?
    public var endedAt: Date
    /// Whole days from `endedAt` to the response.
    public var days: Int

    public init(_ item: LingeringAccess, asOf now: Date) {
        grant = item.grant
        accountID = item.grant.accountID
        accountName = item.accountName
        memberID = item.grant.holderID ?? ""
        memberName = item.grant.holderName
        cause = item.cause
        handoverID = item.handoverID
        endedAt = item.endedAt
        days = item.days(at: now)
    }
}
