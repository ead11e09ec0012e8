import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Access grants (each account's inventory) and handovers' access plans. Every change appends its
/// audit entry in its own transaction: grants under "access-grant:ID" (access.grant, access.edit,
/// access.revoke), plan lines under their handover (access.plan.add, .drop, .confirm, .decline),
/// so a handover's trail shows its plan. Digests name systems, roles and members, and the digest of
/// a note or evidence, never more.
extension SQLHandoverStore {
    static let grantColumns = """
        g.id, g.organization_id, g.account_id, g.system, g.role, g.holder_id, COALESCE(m.name, g.holder_name) AS holder, g.granted_on, g.note,
        g.revoked_on, g.revoked_by, g.revoked_at, g.revoke_evidence, g.handover_id, g.created_by, g.created_at, g.updated_at, g.version
        """

    static func decodeGrant(_ row: any SQLRow) throws -> AccessGrant {
        func day(_ column: String) throws -> CalendarDate? { try row.decode(column: column, as: String?.self).flatMap(CalendarDate.init) }
        return AccessGrant(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), system: try row.decode(column: "system", as: String.self),
            role: try row.decode(column: "role", as: String.self), holderID: try row.decode(column: "holder_id", as: String?.self),
            holderName: try row.decode(column: "holder", as: String?.self) ?? "", grantedOn: try day("granted_on") ?? CalendarDate(Date(millis: 0)),
            note: try row.decode(column: "note", as: String.self), revokedOn: try day("revoked_on"), revokedBy: try row.decode(column: "revoked_by", as: String?.self),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)),
            revokeEvidence: try row.decode(column: "revoke_evidence", as: String?.self), handoverID: try row.decode(column: "handover_id", as: String?.self),
            createdBy: try row.decode(column: "created_by", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)), version: try row.decode(column: "version", as: Int.self))
    }

    static func grantDigest(_ grant: AccessGrant) throws -> String {
        try CanonicalJSON.digest([
            "account": grant.accountID, "system": grant.system, "role": grant.role, "holder": grant.holderID ?? "",
            "holderName": grant.holderID == nil ? grant.holderName : "",
            "grantedOn": grant.grantedOn.description, "note": Hex.sha256(Data(grant.note.utf8)), "handover": grant.handoverID ?? "",
        ])
    }

    static func insertGrant(_ grant: AccessGrant, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO access_grants (id, organization_id, account_id, system, role, holder_id, holder_name, granted_on, note, handover_id,
                created_by, created_at, updated_at, version)
            VALUES (\(bind: grant.id), \(bind: grant.organizationID), \(bind: grant.accountID), \(bind: grant.system), \(bind: grant.role),
                    \(bind: grant.holderID), \(bind: grant.holderID == nil ? grant.holderName : nil), \(bind: grant.grantedOn.description), \(bind: grant.note),
                    \(bind: grant.handoverID), \(bind: grant.createdBy), \(bind: grant.createdAt.millis), \(bind: grant.updatedAt.millis), \(bind: grant.version))
            """
        ).run()
        try await appendAudit(
            [AuditRecord(action: "access.grant", target: "access-grant:\(grant.id)", digest: try grantDigest(grant))],
            organizationID: grant.organizationID, actor: AuditActor(member: grant.createdBy), at: grant.createdAt, db)
    }

    static func grant(id: String, organizationID: String, _ db: any SQLDatabase) async throws -> AccessGrant? {
        try await db.raw(
            """
            SELECT \(unsafeRaw: grantColumns) FROM access_grants g LEFT JOIN members m ON m.id = g.holder_id
            WHERE g.id = \(bind: id) AND g.organization_id = \(bind: organizationID)
            """
        ).first().map(decodeGrant)
    }

    /// Marks an active grant revoked; nil when it is not active (or not there).
    static func revokeGrant(
        id: String, organizationID: String, on day: CalendarDate, evidence: String?, handoverID: String?, at now: Date, by actor: AuditActor, _ db: any SQLDatabase
    ) async throws -> AccessGrant? {
        let rows = try await db.raw(
            """
            UPDATE access_grants SET revoked_on = \(bind: day.description), revoked_by = \(bind: actor.id), revoked_at = \(bind: now.millis),
                revoke_evidence = \(bind: evidence), handover_id = COALESCE(CAST(\(bind: handoverID) AS TEXT), handover_id), updated_at = \(bind: now.millis), version = version + 1
            WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND revoked_at IS NULL
            RETURNING id
            """
        ).all()
        guard !rows.isEmpty, let grant = try await grant(id: id, organizationID: organizationID, db) else { return nil }
        let digest = try CanonicalJSON.digest([
            "grant": id, "revokedOn": day.description, "evidence": Hex.sha256(Data((evidence ?? "").utf8)), "handover": handoverID ?? "",
        ])
        try await appendAudit(
            [AuditRecord(action: "access.revoke", target: "access-grant:\(id)", digest: digest)], organizationID: organizationID, actor: actor, at: now, db)
        return grant
    }

    public func createAccessGrant(_ grant: AccessGrant) async throws {
        try await write { db in try await Self.insertGrant(grant, db) }
    }

    public func accessGrant(id: String, organizationID: String) async throws -> AccessGrant? {
        try await database.withSession { db in try await Self.grant(id: id, organizationID: organizationID, db) }
    }

    public func accessGrants(accountID: String, organizationID: String, state: AccessGrantState) async throws -> [AccessGrant] {
        try await database.withSession { db in
            var query = SQLQueryString(
                """
                SELECT \(unsafeRaw: Self.grantColumns) FROM access_grants g LEFT JOIN members m ON m.id = g.holder_id
                WHERE g.organization_id = \(bind: organizationID) AND g.account_id = \(bind: accountID)
                """)
            switch state {
            case .active: query += " AND g.revoked_at IS NULL"
            case .revoked: query += " AND g.revoked_at IS NOT NULL"
            case .all: break
            }
            query += " ORDER BY g.system, g.role, g.granted_on, g.id LIMIT 1000"
            return try await db.raw(query).all().map(Self.decodeGrant)
        }
    }

    public func updateAccessGrant(_ grant: AccessGrant, expectedVersion: Int, by actor: AuditActor) async throws {
        try await write { db in
            let rows = try await db.raw(
                """
                UPDATE access_grants SET system = \(bind: grant.system), role = \(bind: grant.role), granted_on = \(bind: grant.grantedOn.description),
                    note = \(bind: grant.note), updated_at = \(bind: grant.updatedAt.millis), version = \(bind: grant.version)
                WHERE id = \(bind: grant.id) AND organization_id = \(bind: grant.organizationID) AND version = \(bind: expectedVersion) AND revoked_at IS NULL
                RETURNING id
                """
            ).all()
            if rows.isEmpty { throw StoreError.stale("access grant \(grant.id) changed or was revoked since version \(expectedVersion)") }
            try await Self.appendAudit(
                [AuditRecord(action: "access.edit", target: "access-grant:\(grant.id)", digest: try Self.grantDigest(grant))],
                organizationID: grant.organizationID, actor: actor, at: grant.updatedAt, db)
        }
    }

    public func revokeAccessGrant(id: String, organizationID: String, on day: CalendarDate, evidence: String?, at now: Date, by actor: AuditActor) async throws
        -> AccessGrant
    {
        try await write { db in
            guard let grant = try await Self.revokeGrant(id: id, organizationID: organizationID, on: day, evidence: evidence, handoverID: nil, at: now, by: actor, db)
            else {
                if try await Self.grant(id: id, organizationID: organizationID, db) == nil { throw StoreError.notFound("access grant \(id)") }
                throw StoreError.conflict("access grant \(id) is already revoked")
            }
            return grant
        }
    }

    // MARK: The access plan

    static let lineColumns = """
        l.id, l.handover_id, l.organization_id, l.kind, l.system, l.role, l.member_id, m.name AS member_name, l.grant_id, l.applied_grant_id, l.status,
        l.reason, l.evidence, l.confirmed_by, l.confirmed_at, l.position, l.created_at
        """

    static func decodeLine(_ row: any SQLRow) throws -> AccessPlanLine {
        AccessPlanLine(
            id: try row.decode(column: "id", as: String.self), handoverID: try row.decode(column: "handover_id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            kind: AccessPlanLine.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .grant, system: try row.decode(column: "system", as: String.self),
            role: try row.decode(column: "role", as: String.self), memberID: try row.decode(column: "member_id", as: String.self),
            memberName: try row.decode(column: "member_name", as: String?.self) ?? "", grantID: try row.decode(column: "grant_id", as: String?.self),
            appliedGrantID: try row.decode(column: "applied_grant_id", as: String?.self),
            status: AccessPlanLine.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
            reason: try row.decode(column: "reason", as: String?.self), evidence: try row.decode(column: "evidence", as: String?.self),
            confirmedBy: try row.decode(column: "confirmed_by", as: String?.self),
            confirmedAt: try row.decode(column: "confirmed_at", as: Int64?.self).map(Date.init(millis:)), position: try row.decode(column: "position", as: Int.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    static func lineDigest(_ line: AccessPlanLine) throws -> String {
        try CanonicalJSON.digest([
            "line": line.id, "kind": line.kind.rawValue, "system": line.system, "role": line.role, "member": line.memberID, "grant": line.grantID ?? "",
            "status": line.status.rawValue, "applied": line.appliedGrantID ?? "", "evidence": Hex.sha256(Data((line.evidence ?? "").utf8)),
            "reason": Hex.sha256(Data((line.reason ?? "").utf8)),
        ])
    }

    static func plan(handoverID: String, organizationID: String, _ db: any SQLDatabase) async throws -> [AccessPlanLine] {
        try await db.raw(
            """
            SELECT \(unsafeRaw: lineColumns) FROM access_plan_lines l LEFT JOIN members m ON m.id = l.member_id
            WHERE l.handover_id = \(bind: handoverID) AND l.organization_id = \(bind: organizationID) ORDER BY l.position, l.created_at, l.id
            """
        ).all().map(decodeLine)
    }

    public func accessPlan(handoverID: String, organizationID: String) async throws -> [AccessPlanLine] {
        try await database.withSession { db in try await Self.plan(handoverID: handoverID, organizationID: organizationID, db) }
    }

    /// Adds lines after the plan's last, each once: a drawn line whose grant and kind the plan has
    /// already (another draw committed first) is skipped. Returns the lines added.
    public func addAccessPlanLines(_ lines: [AccessPlanLine], at now: Date, by actor: AuditActor) async throws -> [AccessPlanLine] {
        guard let first = lines.first else { return [] }
        return try await write { db in
            try await Self.lockOpenHandover(id: first.handoverID, organizationID: first.organizationID, db)
            let last = try await db.raw(
                "SELECT MAX(position) AS max_position FROM access_plan_lines WHERE handover_id = \(bind: first.handoverID) AND organization_id = \(bind: first.organizationID)"
            ).first()?.decode(column: "max_position", as: Int?.self)
            var position = (last ?? 0) + 1
            var added: [AccessPlanLine] = []
            for var line in lines {
                line.position = position
                let inserted = try await db.raw(
                    """
                    INSERT INTO access_plan_lines (id, handover_id, organization_id, kind, system, role, member_id, grant_id, status, position, created_at)
                    VALUES (\(bind: line.id), \(bind: line.handoverID), \(bind: line.organizationID), \(bind: line.kind.rawValue), \(bind: line.system),
                            \(bind: line.role), \(bind: line.memberID), \(bind: line.grantID), 'pending', \(bind: position), \(bind: now.millis))
                    ON CONFLICT (handover_id, kind, grant_id) DO NOTHING
                    RETURNING id
                    """
                ).all()
                guard !inserted.isEmpty else { continue }
                position += 1
                added.append(line)
            }
            if !added.isEmpty {
                try await Self.appendAudit(
                    try added.map { AuditRecord(action: "access.plan.add", target: "handover:\($0.handoverID)", digest: try Self.lineDigest($0)) },
                    organizationID: first.organizationID, actor: actor, at: now, db)
            }
            return added
        }
    }

    public func dropAccessPlanLine(id: String, handoverID: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            try await Self.lockOpenHandover(id: handoverID, organizationID: organizationID, db)
            guard
                let line = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.lineColumns) FROM access_plan_lines l LEFT JOIN members m ON m.id = l.member_id
                    WHERE l.id = \(bind: id) AND l.handover_id = \(bind: handoverID) AND l.organization_id = \(bind: organizationID)
                    """
                ).first().map(Self.decodeLine)
            else { throw StoreError.notFound("access plan line \(id)") }
            let deleted = try await db.raw("DELETE FROM access_plan_lines WHERE id = \(bind: id) AND status = 'pending' RETURNING id").all()
            if deleted.isEmpty { throw StoreError.conflict("the line is \(line.status.rawValue) already; only a pending line is dropped") }
            try await Self.appendAudit(
                [AuditRecord(action: "access.plan.drop", target: "handover:\(handoverID)", digest: try Self.lineDigest(line))],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    /// Holds the handover's row for the rest of the transaction, if it is still open: a plan edited
    /// at the moment of completion lands before the completion reads the plan (which holds the same
    /// row), or is refused once it has completed; it never lands on a completed handover unseen.
    static func lockOpenHandover(id: String, organizationID: String, _ db: any SQLDatabase) async throws {
        let open = HandoverState.allCases.filter(\.isOpen).map { "'\($0.rawValue)'" }.joined(separator: ", ")
        let held = try await db.raw(
            """
            UPDATE handovers SET version = version
            WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND state IN (\(unsafeRaw: open)) RETURNING id
            """
        ).all()
        if held.isEmpty { throw StoreError.conflict("the handover is no longer open, so its access plan's lines are only confirmed or declined now") }
    }

    /// Confirms or declines a pending line and, for a confirmation, applies it to the inventory in
    /// the same transaction: a grant line creates `newGrant` (its id and words are the caller's),
    /// a revoke line marks its grant revoked (a grant revoked meanwhile stays as it was). A line
    /// settled already is a conflict, whoever settled it: the first answer stands.
    public func settleAccessPlanLine(
        id: String, handoverID: String, organizationID: String, status: AccessPlanLine.Status, evidence: String?, reason: String?, newGrant: AccessGrant?,
        at now: Date, by actor: AuditActor
    ) async throws -> AccessPlanLine {
        try await write { db in
            let updated = try await db.raw(
                """
                UPDATE access_plan_lines SET status = \(bind: status.rawValue), evidence = \(bind: evidence), reason = \(bind: reason),
                    confirmed_by = \(bind: actor.id), confirmed_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) AND status = 'pending'
                RETURNING kind, grant_id
                """
            ).first()
            guard let updated else {
                let exists = try await db.raw(
                    "SELECT status FROM access_plan_lines WHERE id = \(bind: id) AND handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID)"
                ).first()
                guard let exists else { throw StoreError.notFound("access plan line \(id)") }
                throw StoreError.conflict("the line is \(try exists.decode(column: "status", as: String.self)) already")
            }
            if status == .confirmed {
                let kind = AccessPlanLine.Kind(rawValue: try updated.decode(column: "kind", as: String.self))
                if kind == .grant, let newGrant {
                    try await Self.insertGrant(newGrant, db)
                    try await db.raw("UPDATE access_plan_lines SET applied_grant_id = \(bind: newGrant.id) WHERE id = \(bind: id)").run()
                } else if kind == .revoke, let grantID = try updated.decode(column: "grant_id", as: String?.self) {
                    _ = try await Self.revokeGrant(
                        id: grantID, organizationID: organizationID, on: CalendarDate(now), evidence: evidence, handoverID: handoverID, at: now, by: actor, db)
                }
            }
            guard
                let line = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.lineColumns) FROM access_plan_lines l LEFT JOIN members m ON m.id = l.member_id WHERE l.id = \(bind: id)
                    """
                ).first().map(Self.decodeLine)
            else { throw StoreError.notFound("access plan line \(id)") }
            try await Self.appendAudit(
                [AuditRecord(action: "access.plan.\(status == .confirmed ? "confirm" : "decline")", target: "handover:\(handoverID)", digest: try Self.lineDigest(line))],
                organizationID: organizationID, actor: actor, at: now, db)
            return line
        }
    }

    /// What a gated plan still has open, as problems naming each line or grant: lines neither
    /// confirmed nor declined, and active grants of the transferor on the account that no revoke
    /// line covers (left out of the plan, or their line dropped). Run in the completion's
    /// transaction, so a line confirmed or added by someone else meanwhile is counted.
    static func openAccessPlan(_ handover: Handover, _ db: any SQLDatabase) async throws -> [Problem] {
        let pending = try await plan(handoverID: handover.id, organizationID: handover.organizationID, db).filter { !$0.isSettled }
        let uncovered = try await db.raw(
            """
            SELECT \(unsafeRaw: grantColumns) FROM access_grants g LEFT JOIN members m ON m.id = g.holder_id
            WHERE g.organization_id = \(bind: handover.organizationID) AND g.account_id = \(bind: handover.accountID)
              AND g.holder_id = \(bind: handover.transferorID) AND g.revoked_at IS NULL
              AND NOT EXISTS (SELECT 1 FROM access_plan_lines l WHERE l.handover_id = \(bind: handover.id) AND l.kind = 'revoke' AND l.grant_id = g.id)
            ORDER BY g.system, g.role, g.id
            """
        ).all().map(decodeGrant)
        return pending.map { Problem(path: "accessPlan.\($0.id)", message: "\($0.summary) is \($0.status.rawValue)") }
            + uncovered.map { Problem(path: "accessGrants.\($0.id)", message: "\($0.holderName)'s \($0.label) is in no revoke line (draw the plan)") }
    }

    public func openAccessPlan(handover: Handover) async throws -> [Problem] {
        try await database.withSession { db in try await Self.openAccessPlan(handover, db) }
    }

    // MARK: Lingering access

    /// Active grants whose holder's access to the account ended, oldest end first. Whose access
    /// ended, on which account (nil: every account of the organization) and since when is one
    /// `ended` row; today a completed handover makes one for its transferor. Departures (issue 16)
    /// add their rows to `ended` with a null account, and the rest of the query stands. A holder
    /// who owns the account again (it was handed back) is not lingering; of several ends of the
    /// same grant, the latest counts.
    public func lingeringAccess(organizationID: String, accountID: String?, memberID: String?) async throws -> [LingeringAccess] {
        try await database.withSession { db in
            var query = SQLQueryString(
                """
                WITH ended AS (
                    SELECT h.transferor_id AS member_id, h.account_id, h.completed_at AS ended_at, 'handover' AS cause, h.id AS handover_id
                    FROM handovers h WHERE h.organization_id = \(bind: organizationID) AND h.completed_at IS NOT NULL
                )
                SELECT \(unsafeRaw: Self.grantColumns), a.name AS account_name, e.cause, e.handover_id AS ended_by, e.ended_at
                FROM access_grants g
                JOIN ended e ON e.member_id = g.holder_id AND (e.account_id IS NULL OR e.account_id = g.account_id)
                JOIN accounts a ON a.id = g.account_id
                LEFT JOIN members m ON m.id = g.holder_id
                WHERE g.organization_id = \(bind: organizationID) AND g.revoked_at IS NULL AND a.owner_id <> g.holder_id
                """)
            if let accountID { query += " AND g.account_id = \(bind: accountID)" }
            if let memberID { query += " AND g.holder_id = \(bind: memberID)" }
            query += " ORDER BY e.ended_at DESC, g.id LIMIT 5000"
            var seen: Set<String> = []
            var items: [LingeringAccess] = []
            for row in try await db.raw(query).all() {
                let grant = try Self.decodeGrant(row)
                guard seen.insert(grant.id).inserted else { continue }
                items.append(
                    LingeringAccess(
                        grant: grant, accountName: try row.decode(column: "account_name", as: String.self),
                        cause: AccessEnd(rawValue: try row.decode(column: "cause", as: String.self)) ?? .handover,
                        handoverID: try row.decode(column: "ended_by", as: String?.self), endedAt: Date(millis: try row.decode(column: "ended_at", as: Int64.self))))
            }
            return items.sorted { ($0.endedAt, $0.accountName, $0.grant.label, $0.grant.id) < ($1.endedAt, $1.accountName, $1.grant.label, $1.grant.id) }
        }
    }
}
