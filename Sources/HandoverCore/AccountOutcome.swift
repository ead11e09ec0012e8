import Foundation

/// What happened to a customer after a handover, as a manager records it: the outcome the risk
/// model learns to predict (Docs/Risks.md).
public enum OutcomeKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// The customer escalated: a complaint to leadership, a formal escalation, a threat to leave.
    case escalation
    /// The customer left or did not renew.
    case churn
}

public struct AccountOutcome: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var accountID: String
    public var kind: OutcomeKind
    /// The day it happened.
    public var on: CalendarDate
    public var note: String?
    public var recordedBy: String
    public var recordedAt: Date

    public init(
        id: String, organizationID: String, accountID: String, kind: OutcomeKind, on: CalendarDate, note: String?, recordedBy: String, recordedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.accountID = accountID
        self.kind = kind
        self.on = on
        self.note = note
        self.recordedBy = recordedBy
        self.recordedAt = recordedAt
    }
}
