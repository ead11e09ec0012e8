import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Secret exposures: which secret versions a member could open when their access ended, until a
/// rotation settles them. Written inside the transaction that ends the access (a completion
/// today; a departure later) and the one that rotates.
extension SQLHandoverStore {
    /// Records that `memberID` could open the version of each secret they hold a wrap of: the
    /// secrets of `accountID`, or all of the organization's when nil. Call it in the transaction
    /// that ends their access, before their wraps are removed; the wraps are the record of what
    /// they could open, opened or not. A version already recorded as exposed to them keeps its
    /// first record. Audited as `secret.expose`, one entry per secret.
    /// - Returns: the ids of the secrets newly recorded.
    @discardableResult
    static func recordSecretExposures(
        memberID: String, organizationID: String, accountID: String?, cause: SecretExposure.Cause, handoverID: String?, at now: Date, dueAt: Date,
        by actor: AuditActor, _ db: any SQLDatabase
    ) async throws -> [String] {
        var query = SQLQueryString(
            """
            SELECT w.secret_id, w.version FROM secret_wraps w JOIN secrets s ON s.id = w.secret_id
            WHERE w.reader_id = \(bind: memberID) AND s.organization_id = \(bind: organizationID) AND w.version = s.version
            """)
        if let accountID { query += " AND s.account_id = \(bind: accountID)" }
        query += " ORDER BY w.secret_id"
        let held = try await db.raw(query).all().map { (try $0.decode(column: "secret_id", as: String.self), try $0.decode(column: "version", as: Int.self)) }
        var recorded: [String] = []
        var audit: [AuditRecord] = []
        for (secretID, version) in held {
            let inserted = try await db.raw(
                """
                INSERT INTO secret_exposures (secret_id, version, member_id, organization_id, cause, handover_id, exposed_at, due_at)
                VALUES (\(bind: secretID), \(bind: version), \(bind: memberID), \(bind: organizationID), \(bind: cause.rawValue), \(bind: handoverID),
                        \(bind: now.millis), \(bind: dueAt.millis))
                ON CONFLICT (secret_id, version, member_id) DO NOTHING
                RETURNING secret_id
                """
            ).all()
            guard !inserted.isEmpty else { continue }
            recorded.append(secretID)
            let digest = try CanonicalJSON.digest([
                "member": memberID, "version": String(version), "cause": cause.rawValue, "handover": handoverID ?? "", "due": RFC3339.format(dueAt),
            ])
            audit.append(AuditRecord(action: "secret.expose", target: "secret:\(secretID)", digest: digest))
        }
        if !audit.isEmpty { try await appendAudit(audit, organizationID: organizationID, actor: actor, at: now, db) }
        return recorded
    }

    /// A rotation to `version` settles every open exposure of the secret: nothing exposed can
    /// open the new value. In the rotation's transaction.
    static func settleSecretExposures(secretID: String, version: Int, at now: Date, by actor: AuditActor, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE secret_exposures SET rotated_at = \(bind: now.millis), rotated_by = \(bind: actor.id), rotated_version = \(bind: version)
            WHERE secret_id = \(bind: secretID) AND rotated_at IS NULL AND version < \(bind: version)
            """
        ).run()
    }

    public func secretExposures(organizationID: String, filter: SecretExposureFilter, at now: Date) async throws -> [SecretExposure] {
        if let owners = filter.ownerIDs, owners.isEmpty { return [] }
        return try await database.withSession { db in
            var query = SQLQueryString(
                """
                SELECT e.secret_id, e.version, e.member_id, e.organization_id, e.cause, e.handover_id, e.exposed_at, e.due_at, e.rotated_at,
                       e.rotated_by, e.rotated_version, s.name, s.system, s.kind, s.account_id, a.name AS account_name, a.owner_id
                FROM secret_exposures e JOIN secrets s ON s.id = e.secret_id JOIN accounts a ON a.id = s.account_id
                WHERE e.organization_id = \(bind: organizationID)
                """)
            if let accountID = filter.accountID { query += " AND s.account_id = \(bind: accountID)" }
            if let memberID = filter.memberID { query += " AND e.member_id = \(bind: memberID)" }
            if let owners = filter.ownerIDs { query += " AND a.owner_id IN (\(binds: owners))" }
            switch filter.state {
            case nil: break
            case .open: query += " AND e.rotated_at IS NULL"
            case .overdue: query += " AND e.rotated_at IS NULL AND e.due_at < \(bind: now.millis)"
            case .rotated: query += " AND e.rotated_at IS NOT NULL"
            }
            query += " ORDER BY e.exposed_at, e.due_at, s.name, e.secret_id, e.member_id LIMIT \(bind: max(1, min(filter.limit, 1000)))"
            return try await db.raw(query).all().map { row in
                SecretExposure(
                    secretID: try row.decode(column: "secret_id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    version: try row.decode(column: "version", as: Int.self), memberID: try row.decode(column: "member_id", as: String.self),
                    cause: SecretExposure.Cause(rawValue: try row.decode(column: "cause", as: String.self)) ?? .departure,
                    handoverID: try row.decode(column: "handover_id", as: String?.self),
                    exposedAt: Date(millis: try row.decode(column: "exposed_at", as: Int64.self)),
                    dueAt: Date(millis: try row.decode(column: "due_at", as: Int64.self)),
                    rotatedAt: try row.decode(column: "rotated_at", as: Int64?.self).map(Date.init(millis:)),
                    rotatedBy: try row.decode(column: "rotated_by", as: String?.self), rotatedVersion: try row.decode(column: "rotated_version", as: Int?.self),
                    secretName: try row.decode(column: "name", as: String.self), system: try row.decode(column: "system", as: String.self),
                    kind: SecretKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .note,
                    accountID: try row.decode(column: "account_id", as: String.self), accountName: try row.decode(column: "account_name", as: String.self),
                    ownerID: try row.decode(column: "owner_id", as: String.self))
            }
        }
    }
}
