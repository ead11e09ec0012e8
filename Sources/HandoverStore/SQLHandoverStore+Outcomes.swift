import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// What a fit of the risk model reads about an organization's past, each in one query.
public struct RiskHistory: Sendable {
    /// Every finished handover: its account and when it completed.
    public var finished: [(accountID: String, completedAt: Date)] = []
    /// Those accounts, as they are now (profiles are not versioned).
    public var accounts: [String: Account] = [:]
    /// When each of their handovers began, cancelled ones left out.
    public var starts: [String: [Date]] = [:]
    /// Their credential exposures: when each was exposed and rotated.
    public var exposures: [String: [(exposedAt: Date, rotatedAt: Date?)]] = [:]
    /// Their imported tickets and tasks with a high priority (open or not: `PacketPrefill.isOpen` decides).
    public var urgent: [String: [ImportedRecord]] = [:]
    /// The days of their recorded escalations and churn.
    public var outcomes: [String: [CalendarDate]] = [:]

    public init() {}
}

extension SQLHandoverStore {
    public func addOutcome(_ outcome: AccountOutcome, by actor: AuditActor) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO account_outcomes (id, organization_id, account_id, kind, occurred_on, note, recorded_by, recorded_at)
                VALUES (\(bind: outcome.id), \(bind: outcome.organizationID), \(bind: outcome.accountID), \(bind: outcome.kind.rawValue),
                        \(bind: outcome.on.description), \(bind: outcome.note), \(bind: outcome.recordedBy), \(bind: outcome.recordedAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "account.outcome", target: "account:\(outcome.accountID)", digest: try CanonicalJSON.digest(outcome))],
                organizationID: outcome.organizationID, actor: actor, at: outcome.recordedAt, db)
        }
    }

    /// Newest day first.
    public func outcomes(accountID: String, organizationID: String) async throws -> [AccountOutcome] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, organization_id, account_id, kind, occurred_on, note, recorded_by, recorded_at FROM account_outcomes
                WHERE organization_id = \(bind: organizationID) AND account_id = \(bind: accountID) ORDER BY occurred_on DESC, recorded_at DESC
                """
            ).all().map { row in
                let kind = try row.decode(column: "kind", as: String.self), day = try row.decode(column: "occurred_on", as: String.self)
                guard let kind = OutcomeKind(rawValue: kind), let on = CalendarDate(day) else { throw StoreError.damaged("account outcome \(kind) \(day)") }
                return AccountOutcome(
                    id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    accountID: try row.decode(column: "account_id", as: String.self), kind: kind, on: on,
                    note: try row.decode(column: "note", as: String?.self), recordedBy: try row.decode(column: "recorded_by", as: String.self),
                    recordedAt: Date(millis: try row.decode(column: "recorded_at", as: Int64.self)))
            }
        }
    }

    public func riskHistory(organizationID: String) async throws -> RiskHistory {
        try await database.withSession { db in
            var h = RiskHistory()
            let org = organizationID
            // Only the accounts of finished handovers matter: each query ends with this subquery.
            func ofFinished(_ head: SQLQueryString, column: String) -> SQLQueryString {
                var query = head
                query += " AND \(unsafeRaw: column) IN (SELECT account_id FROM handovers WHERE organization_id = \(bind: org)"
                query += " AND completed_at IS NOT NULL AND state IN ('completed', 'verified', 'closed'))"
                return query
            }
            for row in try await db.raw(
                """
                SELECT account_id, completed_at FROM handovers
                WHERE organization_id = \(bind: org) AND completed_at IS NOT NULL AND state IN ('completed', 'verified', 'closed') ORDER BY id
                """
            ).all() {
                h.finished.append((try row.decode(column: "account_id", as: String.self), Date(millis: try row.decode(column: "completed_at", as: Int64.self))))
            }
            guard !h.finished.isEmpty else { return h }
            for row in try await db.raw(ofFinished("SELECT \(unsafeRaw: Self.accountColumns) FROM accounts a WHERE a.organization_id = \(bind: org)", column: "a.id"))
                .all()
            {
                let account = try Self.decodeAccount(row)
                h.accounts[account.id] = account
            }
            for row in try await db.raw(
                ofFinished("SELECT account_id, created_at FROM handovers WHERE organization_id = \(bind: org) AND state <> 'cancelled'", column: "account_id")
            ).all() {
                h.starts[try row.decode(column: "account_id", as: String.self), default: []].append(
                    Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
            for row in try await db.raw(
                ofFinished(
                    """
                    SELECT s.account_id, e.exposed_at, e.rotated_at FROM secret_exposures e JOIN secrets s ON s.id = e.secret_id
                    WHERE e.organization_id = \(bind: org)
                    """, column: "s.account_id")
            ).all() {
                h.exposures[try row.decode(column: "account_id", as: String.self), default: []].append(
                    (Date(millis: try row.decode(column: "exposed_at", as: Int64.self)), try row.decode(column: "rotated_at", as: Int64?.self).map(Date.init(millis:))))
            }
            // `PacketPrefill.isUrgent`'s words, so that only candidate rows leave the database.
            for row in try await db.raw(
                ofFinished(
                    """
                    SELECT \(unsafeRaw: Self.importColumns) FROM imported_records
                    WHERE organization_id = \(bind: org) AND kind IN ('ticket', 'task')
                      AND (lower(priority) LIKE '%high%' OR lower(priority) LIKE '%urgent%' OR lower(priority) LIKE '%critical%'
                           OR lower(priority) LIKE '%blocker%' OR lower(priority) IN ('p1', '1'))
                    """, column: "account_id")
            ).all() {
                let record = try Self.decodeImported(row)
                if let accountID = record.accountID { h.urgent[accountID, default: []].append(record) }
            }
            for row in try await db.raw("SELECT account_id, occurred_on FROM account_outcomes WHERE organization_id = \(bind: org)").all() {
                if let day = CalendarDate(try row.decode(column: "occurred_on", as: String.self)) {
                    h.outcomes[try row.decode(column: "account_id", as: String.self), default: []].append(day)
                }
            }
            return h
        }
    }

    /// The organization's last fit: the model, or why there is none.
    public func saveRiskFit(organizationID: String, at now: Date, fitted: RiskTraining.Fitted?, reason: String?) async throws {
        let model = try fitted.map(JSONCoding.encode)
        try await write { db in
            try await db.raw(
                """
                INSERT INTO risk_models (organization_id, fitted_at, model, reason) VALUES (\(bind: organizationID), \(bind: now.millis), \(bind: model), \(bind: reason))
                ON CONFLICT (organization_id) DO UPDATE SET fitted_at = excluded.fitted_at, model = excluded.model, reason = excluded.reason
                """
            ).run()
        }
    }

    public func riskFit(organizationID: String) async throws -> (fittedAt: Date, fitted: RiskTraining.Fitted?, reason: String?)? {
        try await database.withSession { db in
            guard let row = try await db.raw("SELECT fitted_at, model, reason FROM risk_models WHERE organization_id = \(bind: organizationID)").first()
            else { return nil }
            return (
                Date(millis: try row.decode(column: "fitted_at", as: Int64.self)),
                try row.decode(column: "model", as: String?.self).map { try JSONCoding.decode(RiskTraining.Fitted.self, from: $0) },
                try row.decode(column: "reason", as: String?.self)
            )
        }
    }

    /// Organizations whose last fit is older than `before`, or that have none.
    public func riskFitsDue(before: Date) async throws -> [String] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT o.id FROM organizations o LEFT JOIN risk_models m ON m.organization_id = o.id
                WHERE m.fitted_at IS NULL OR m.fitted_at < \(bind: before.millis) ORDER BY o.id
                """
            ).all().map { try $0.decode(column: "id", as: String.self) }
        }
    }
}
