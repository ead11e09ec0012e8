import Foundation
import HandoverCore
import SQLKit

/// What a refresh of the quality dashboards reads beside the handovers themselves: per
/// handover id, each grouped in one query over the organization.
public struct InsightEvidence: Sendable {
    public var returns: [String: Int] = [:]
    /// Messages the recipient wrote after acknowledging (from that millisecond on).
    public var questionsAfter: [String: Int] = [:]
    public var briefingsHeld: [String: Int] = [:]
    public var briefingsPlanned: [String: Int] = [:]
    public var signoffs: [String: [(role: SignoffRole, digest: String, signedAt: Date)]] = [:]
    public var surveys: [String: [HandoverFacts.SurveyAnswer]] = [:]
    public var accessLines: [String: [HandoverFacts.AccessLineFact]] = [:]
    public var exposures: [String: [HandoverFacts.ExposureFact]] = [:]
    public var notEnough: Set<String> = []
    /// The escalations and churn recorded on each account (by account id): incidents, when they
    /// came soon after a transition.
    public var outcomes: [String: [CalendarDate]] = [:]
    /// Each member's teams, and every team of the organization by name.
    public var teamsOfMember: [String: [String]] = [:]
    public var teams: [QualitySnapshot.NamedRef] = []

    public init() {}
}

/// Which documentation findings to list.
public struct DocumentationFilter: Sendable, Hashable {
    public var insight: InsightFilter
    public var rule: DocumentationRule?
    /// Only findings on handovers this member may see (a manager: their own and their reports').
    public var viewer: Member
    public var limit: Int
    public var offset: Int

    public init(insight: InsightFilter, rule: DocumentationRule? = nil, viewer: Member, limit: Int = 100, offset: Int = 0) {
        self.insight = insight
        self.rule = rule
        self.viewer = viewer
        self.limit = limit
        self.offset = offset
    }
}

extension SQLHandoverStore {
    /// A page of the organization's handovers with their content, in id order after `afterID`.
    public func insightHandovers(organizationID: String, afterID: String?, limit: Int) async throws -> [Handover] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.handoverColumns) FROM handovers h WHERE h.organization_id = \(bind: organizationID)")
            if let afterID { query += " AND h.id > \(bind: afterID)" }
            query += " ORDER BY h.id LIMIT \(bind: limit)"
            return try await db.raw(query).all().map(Self.decodeHandover)
        }
    }

    public func insightEvidence(organizationID: String) async throws -> InsightEvidence {
        try await database.withSession { db in
            var e = InsightEvidence()
            let org = organizationID
            func counts(_ query: SQLQueryString) async throws -> [String: Int] {
                var out: [String: Int] = [:]
                for row in try await db.raw(query).all() {
                    out[try row.decode(column: "handover_id", as: String.self)] = try row.decode(column: "n", as: Int.self)
                }
                return out
            }
            func date(_ row: any SQLRow, _ column: String) throws -> Date? { try row.decode(column: column, as: Int64?.self).map(Date.init(millis:)) }
            e.returns = try await counts(
                "SELECT handover_id, count(*) AS n FROM handover_events WHERE organization_id = \(bind: org) AND event = 'return' GROUP BY handover_id")
            e.questionsAfter = try await counts(
                """
                SELECT q.handover_id, count(*) AS n FROM handover_questions q JOIN handovers h ON h.id = q.handover_id
                WHERE q.organization_id = \(bind: org) AND h.acknowledged_at IS NOT NULL AND q.created_at >= h.acknowledged_at
                  AND q.author_id = h.recipient_id
                GROUP BY q.handover_id
                """)
            e.briefingsHeld = try await counts(
                "SELECT handover_id, count(*) AS n FROM briefings WHERE organization_id = \(bind: org) AND state = 'held' GROUP BY handover_id")
            e.briefingsPlanned = try await counts("SELECT handover_id, count(*) AS n FROM briefings WHERE organization_id = \(bind: org) GROUP BY handover_id")
            // As `countingSignoffs` counts them: a sign-off by a key since revoked does not count.
            for row in try await db.raw(
                """
                SELECT s.handover_id, s.role, s.content_digest, s.signed_at FROM signoffs s JOIN signing_keys k ON k.id = s.key_id
                WHERE s.organization_id = \(bind: org) AND k.revoked_at IS NULL
                """
            ).all() {
                guard let role = SignoffRole(rawValue: try row.decode(column: "role", as: String.self)) else { continue }
                e.signoffs[try row.decode(column: "handover_id", as: String.self), default: []].append(
                    (role, try row.decode(column: "content_digest", as: String.self), try date(row, "signed_at")!))
            }
            for row in try await db.raw(
                "SELECT handover_id, satisfaction, repeated_story FROM customer_surveys WHERE organization_id = \(bind: org) AND answered_at IS NOT NULL"
            ).all() {
                e.surveys[try row.decode(column: "handover_id", as: String.self), default: []].append(
                    HandoverFacts.SurveyAnswer(
                        satisfaction: try row.decode(column: "satisfaction", as: Int?.self),
                        repeatedStory: try row.decode(column: "repeated_story", as: Int?.self).map { $0 != 0 }))
            }
            for row in try await db.raw("SELECT handover_id, status, confirmed_at FROM access_plan_lines WHERE organization_id = \(bind: org)").all() {
                e.accessLines[try row.decode(column: "handover_id", as: String.self), default: []].append(
                    HandoverFacts.AccessLineFact(status: try row.decode(column: "status", as: String.self), decidedAt: try date(row, "confirmed_at")))
            }
            for row in try await db.raw(
                "SELECT handover_id, due_at, rotated_at FROM secret_exposures WHERE organization_id = \(bind: org) AND handover_id IS NOT NULL"
            ).all() {
                e.exposures[try row.decode(column: "handover_id", as: String.self), default: []].append(
                    HandoverFacts.ExposureFact(dueAt: try date(row, "due_at")!, rotatedAt: try date(row, "rotated_at")))
            }
            for row in try await db.raw("SELECT handover_id FROM follow_ups WHERE organization_id = \(bind: org) AND enough = 0").all() {
                e.notEnough.insert(try row.decode(column: "handover_id", as: String.self))
            }
            for row in try await db.raw("SELECT account_id, occurred_on FROM account_outcomes WHERE organization_id = \(bind: org)").all() {
                if let day = CalendarDate(try row.decode(column: "occurred_on", as: String.self)) {
                    e.outcomes[try row.decode(column: "account_id", as: String.self), default: []].append(day)
                }
            }
            e.teams = try await db.raw("SELECT id, name FROM teams WHERE organization_id = \(bind: org) ORDER BY name_key, id").all().map { row in
                QualitySnapshot.NamedRef(id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self))
            }
            for row in try await db.raw(
                "SELECT tm.member_id, tm.team_id FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE t.organization_id = \(bind: org)"
            ).all() {
                e.teamsOfMember[try row.decode(column: "member_id", as: String.self), default: []].append(try row.decode(column: "team_id", as: String.self))
            }
            return e
        }
    }

    /// Replaces the organization's snapshot and findings in one transaction: a reader sees the
    /// last refresh or this one, never half of each.
    public func saveInsight(_ snapshot: QualitySnapshot, findings: [DocumentationFinding], organizationID: String) async throws {
        let json = try JSONCoding.encode(snapshot)
        try await write { db in
            try await db.raw("DELETE FROM documentation_findings WHERE organization_id = \(bind: organizationID)").run()
            // 11 values a row: 500 rows stay under either engine's bound-parameter limit.
            let numbered = Array(findings.enumerated())
            for start in stride(from: 0, to: numbered.count, by: 500) {
                var insert = SQLQueryString(
                    """
                    INSERT INTO documentation_findings (organization_id, handover_id, position, account_id, template_key, transferor_id,
                        recipient_id, completed_at, rule, path, detail) VALUES
                    """)
                for (i, (position, f)) in numbered[start..<min(start + 500, numbered.count)].enumerated() {
                    if i > 0 { insert += ", " }
                    insert += """
                        (\(bind: organizationID), \(bind: f.handoverID), \(bind: position), \(bind: f.accountID), \(bind: f.templateKey),
                         \(bind: f.transferorID), \(bind: f.recipientID), \(bind: f.completedAt.millis), \(bind: f.rule.rawValue), \(bind: f.path),
                         \(bind: f.detail))
                        """
                }
                try await db.raw(insert).run()
            }
            try await db.raw(
                """
                INSERT INTO insight_snapshots (organization_id, computed_at, snapshot) VALUES (\(bind: organizationID), \(bind: snapshot.computedAt.millis), \(bind: json))
                ON CONFLICT (organization_id) DO UPDATE SET computed_at = excluded.computed_at, snapshot = excluded.snapshot
                """
            ).run()
        }
    }

    /// When the organization's snapshot was computed: a cheap read that says whether a cached copy is current.
    public func insightComputedAt(organizationID: String) async throws -> Date? {
        try await database.withSession { db in
            try await db.raw("SELECT computed_at FROM insight_snapshots WHERE organization_id = \(bind: organizationID)").first()
                .map { Date(millis: try $0.decode(column: "computed_at", as: Int64.self)) }
        }
    }

    public func insightOrganizationsDue(before: Date) async throws -> [String] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT o.id FROM organizations o LEFT JOIN insight_snapshots s ON s.organization_id = o.id
                WHERE s.computed_at IS NULL OR s.computed_at < \(bind: before.millis) ORDER BY o.id
                """
            ).all().map { try $0.decode(column: "id", as: String.self) }
        }
    }

    public func insightSnapshot(organizationID: String) async throws -> QualitySnapshot? {
        try await database.withSession { db in
            try await db.raw("SELECT snapshot FROM insight_snapshots WHERE organization_id = \(bind: organizationID)").first()
                .map { try JSONCoding.decode(QualitySnapshot.self, from: try $0.decode(column: "snapshot", as: String.self)) }
        }
    }

    /// Findings by completion, newest first, and how many match in all.
    public func documentationFindings(organizationID: String, filter: DocumentationFilter) async throws -> (findings: [DocumentationFinding], total: Int) {
        try await database.withSession { db in
            var conditions = SQLQueryString("f.organization_id = \(bind: organizationID)")
            conditions += Self.partiesVisible(to: filter.viewer, transferor: "f.transferor_id", recipient: "f.recipient_id")
            if let teamID = filter.insight.teamID {
                conditions += " AND f.transferor_id IN (SELECT member_id FROM team_members WHERE team_id = \(bind: teamID))"
            }
            if let key = filter.insight.templateKey { conditions += " AND f.template_key = \(bind: key)" }
            if let rule = filter.rule { conditions += " AND f.rule = \(bind: rule.rawValue)" }
            let (from, until) = filter.insight.completionRange
            if let from { conditions += " AND f.completed_at >= \(bind: from.millis)" }
            if let until { conditions += " AND f.completed_at < \(bind: until.millis)" }
            let total = try await db.raw("SELECT count(*) AS n FROM documentation_findings f WHERE \(conditions)").first()?.decode(column: "n", as: Int.self) ?? 0
            let rows = try await db.raw(
                """
                SELECT f.handover_id, f.account_id, f.template_key, f.transferor_id, f.recipient_id, f.completed_at, f.rule, f.path, f.detail
                FROM documentation_findings f WHERE \(conditions)
                ORDER BY f.completed_at DESC, f.handover_id, f.position LIMIT \(bind: max(1, filter.limit)) OFFSET \(bind: max(0, filter.offset))
                """
            ).all()
            let findings = try rows.map { row in
                let ruleName = try row.decode(column: "rule", as: String.self)
                guard let rule = DocumentationRule(rawValue: ruleName) else { throw StoreError.damaged("documentation finding with rule \(ruleName)") }
                return DocumentationFinding(
                    handoverID: try row.decode(column: "handover_id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
                    templateKey: try row.decode(column: "template_key", as: String.self),
                    transferorID: try row.decode(column: "transferor_id", as: String.self),
                    recipientID: try row.decode(column: "recipient_id", as: String.self),
                    completedAt: Date(millis: try row.decode(column: "completed_at", as: Int64.self)),
                    rule: rule,
                    path: try row.decode(column: "path", as: String?.self), detail: try row.decode(column: "detail", as: String.self))
            }
            return (findings, total)
        }
    }
}
