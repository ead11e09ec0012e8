import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

extension SQLHandoverStore {
    static let handoverColumns = """
        h.id, h.organization_id, h.account_id, h.template_key, h.template_version, h.transferor_id, h.recipient_id,
        h.state, h.content, h.prefill, h.synthesis, h.return_reason, h.version, h.created_at, h.updated_at,
        h.submitted_at, h.acknowledged_at, h.completed_at
        """

    /// For lists: the content and where it came from left out (an empty object, no pre-fill).
    static let handoverColumnsWithoutContent = handoverColumns.replacingOccurrences(of: "h.content, h.prefill", with: "'{}' AS content, NULL AS prefill")

    static func decodeHandover(_ row: any SQLRow) throws -> Handover {
        try decodeHandover(row, content: try JSONCoding.decode(HandoverContent.self, from: try row.decode(column: "content", as: String.self)))
    }

    static func decodeHandover(_ row: any SQLRow, content: HandoverContent) throws -> Handover {
        func date(_ column: String) throws -> Date? { try row.decode(column: column, as: Int64?.self).map(Date.init(millis:)) }
        return Handover(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self),
            templateKey: try row.decode(column: "template_key", as: String.self),
            templateVersion: try row.decode(column: "template_version", as: Int.self),
            transferorID: try row.decode(column: "transferor_id", as: String.self),
            recipientID: try row.decode(column: "recipient_id", as: String.self),
            state: HandoverState(rawValue: try row.decode(column: "state", as: String.self)) ?? .draft,
            content: content,
            prefill: try row.decode(column: "prefill", as: String?.self).map { try JSONCoding.decode([String: PrefilledField].self, from: $0) },
            synthesis: try row.decode(column: "synthesis", as: String?.self),
            returnReason: try row.decode(column: "return_reason", as: String?.self),
            version: try row.decode(column: "version", as: Int.self),
            createdAt: try date("created_at")!,
            updatedAt: try date("updated_at")!,
            submittedAt: try date("submitted_at"),
            acknowledgedAt: try date("acknowledged_at"),
            completedAt: try date("completed_at"))
    }

    /// Records a lifecycle event in the handover's history and in the organization's audit log,
    /// with the digest of the content as it stands after the event.
    static func insertEvent(_ record: HandoverEventRecord, content: HandoverContent, _ db: any SQLDatabase) async throws {
        try await appendAudit(
            [AuditRecord(action: "handover.\(record.event)", target: "handover:\(record.handoverID)", digest: try CanonicalJSON.digest(content))],
            organizationID: record.organizationID, actor: AuditActor(member: record.actorID), at: record.at, db)
        try await db.raw(
            """
            INSERT INTO handover_events (id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at)
            VALUES (\(bind: record.id), \(bind: record.handoverID), \(bind: record.organizationID), \(bind: record.actorID),
                    \(bind: record.event), \(bind: record.handoverVersion), \(bind: record.fromState?.rawValue), \(bind: record.toState.rawValue),
                    \(bind: record.note), \(bind: record.at.millis))
            """
        ).run()
    }

    static func prefillJSON(_ handover: Handover) throws -> String? { try handover.prefill.map(JSONCoding.encode) }

    public func createHandover(_ handover: Handover, record: HandoverEventRecord) async throws {
        try await write("account \(handover.accountID) already has an open handover: finish or cancel it first") { db in
            try await Self.insertHandover(handover, record: record, db)
        }
    }

    static func insertHandover(_ handover: Handover, record: HandoverEventRecord, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO handovers (id, organization_id, account_id, template_key, template_version, transferor_id, recipient_id,
                state, content, prefill, synthesis, return_reason, version, created_at, updated_at, submitted_at, acknowledged_at, completed_at)
            VALUES (\(bind: handover.id), \(bind: handover.organizationID), \(bind: handover.accountID), \(bind: handover.templateKey),
                    \(bind: handover.templateVersion), \(bind: handover.transferorID), \(bind: handover.recipientID),
                    \(bind: handover.state.rawValue), \(bind: try JSONCoding.encode(handover.content)), \(bind: try Self.prefillJSON(handover)),
                    \(bind: handover.synthesis),
                    \(bind: handover.returnReason), \(bind: handover.version), \(bind: handover.createdAt.millis), \(bind: handover.updatedAt.millis),
                    \(bind: handover.submittedAt?.millis), \(bind: handover.acknowledgedAt?.millis), \(bind: handover.completedAt?.millis))
            """
        ).run()
        try await Self.insertEvent(record, content: handover.content, db)
    }

    public func handover(id: String, organizationID: String) async throws -> Handover? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.handoverColumns) FROM handovers h WHERE h.id = \(bind: id) AND h.organization_id = \(bind: organizationID)")
                .first().map(Self.decodeHandover)
        }
    }

    public func handoverWithParties(id: String, organizationID: String) async throws -> (handover: Handover, parties: Parties)? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.handoverColumns), \(unsafeRaw: Self.memberColumns("t", prefix: "t_")), \(unsafeRaw: Self.memberColumns("r", prefix: "r_"))
                FROM handovers h JOIN members t ON t.id = h.transferor_id JOIN members r ON r.id = h.recipient_id
                WHERE h.id = \(bind: id) AND h.organization_id = \(bind: organizationID)
                """
            ).first().map { row in
                (try Self.decodeHandover(row), Parties(transferor: try Self.decodeMember(row, prefix: "t_"), recipient: try Self.decodeMember(row, prefix: "r_")))
            }
        }
    }

    /// The read path of every GET of a handover: the row alone, its content left as the stored
    /// JSON text (empty in `handover`). No join: SQLite prepares this statement on every
    /// request, and the parties are needed only when a manager reads (`Access.canView`).
    public func handoverForReading(id: String, organizationID: String) async throws -> (handover: Handover, contentJSON: String)? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.handoverColumns) FROM handovers h WHERE h.id = \(bind: id) AND h.organization_id = \(bind: organizationID)")
                .first().map { row in (try Self.decodeHandover(row, content: HandoverContent()), try row.decode(column: "content", as: String.self)) }
        }
    }

    public func handoverTimes(accountID: String, organizationID: String) async throws -> [HandoverTimes] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT created_at, updated_at, state FROM handovers
                WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID) ORDER BY created_at
                """
            ).all().map { row in
                HandoverTimes(
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
                    updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)),
                    state: HandoverState(rawValue: try row.decode(column: "state", as: String.self)) ?? .draft)
            }
        }
    }

    public func handovers(visibleTo viewer: Member, filter: HandoverFilter) async throws -> [Handover] {
        try await database.withSession { db in
            let columns = filter.includeContent ? Self.handoverColumns : Self.handoverColumnsWithoutContent
            var query = SQLQueryString("SELECT \(unsafeRaw: columns) FROM handovers h WHERE h.organization_id = \(bind: viewer.organizationID)")
            query += Self.partiesVisible(to: viewer, transferor: "h.transferor_id", recipient: "h.recipient_id")
            if let states = filter.states, !states.isEmpty {
                query += " AND h.state IN (\(binds: states.map(\.rawValue)))"
            }
            if let accountID = filter.accountID { query += " AND h.account_id = \(bind: accountID)" }
            if let transferorID = filter.transferorID { query += " AND h.transferor_id = \(bind: transferorID)" }
            if let recipientID = filter.recipientID { query += " AND h.recipient_id = \(bind: recipientID)" }
            query += " ORDER BY h.updated_at DESC, h.id LIMIT \(bind: max(1, min(filter.limit, 1000)))"
            return try await db.raw(query).all().map(Self.decodeHandover)
        }
    }

    /// `Access.canView` in SQL, for lists: admins and auditors see every handover of their
    /// organization, a manager their own and their reports', a member their own. Empty, or an
    /// `AND (…)` over the two party columns named.
    static func partiesVisible(to viewer: Member, transferor: String, recipient: String) -> SQLQueryString {
        switch viewer.role {
        case .admin, .auditor:
            return ""
        case .manager:
            return """
                 AND (\(unsafeRaw: transferor) = \(bind: viewer.id) OR \(unsafeRaw: recipient) = \(bind: viewer.id)
                   OR \(unsafeRaw: transferor) IN (SELECT id FROM members WHERE manager_id = \(bind: viewer.id))
                   OR \(unsafeRaw: recipient) IN (SELECT id FROM members WHERE manager_id = \(bind: viewer.id)))
                """
        case .member:
            return " AND (\(unsafeRaw: transferor) = \(bind: viewer.id) OR \(unsafeRaw: recipient) = \(bind: viewer.id))"
        }
    }

    public func updateHandover(_ handover: Handover, expectedVersion: Int, record: HandoverEventRecord?, by actor: AuditActor) async throws {
        try await write { db in
            try await Self.saveHandover(handover, expectedVersion: expectedVersion, db)
            if let record {
                try await Self.insertEvent(record, content: handover.content, db)
            } else {
                try await Self.appendAudit(
                    [AuditRecord(action: "handover.edit", target: "handover:\(handover.id)", digest: try CanonicalJSON.digest(handover.content))],
                    organizationID: handover.organizationID, actor: actor, at: handover.updatedAt, db)
            }
        }
    }

    static func saveHandover(_ handover: Handover, expectedVersion: Int, _ db: any SQLDatabase) async throws {
        let rows = try await db.raw(
            """
            UPDATE handovers SET state = \(bind: handover.state.rawValue), content = \(bind: try JSONCoding.encode(handover.content)),
                prefill = \(bind: try Self.prefillJSON(handover)), synthesis = \(bind: handover.synthesis), return_reason = \(bind: handover.returnReason), version = \(bind: handover.version),
                updated_at = \(bind: handover.updatedAt.millis), submitted_at = \(bind: handover.submittedAt?.millis),
                acknowledged_at = \(bind: handover.acknowledgedAt?.millis), completed_at = \(bind: handover.completedAt?.millis)
            WHERE id = \(bind: handover.id) AND organization_id = \(bind: handover.organizationID) AND version = \(bind: expectedVersion)
            RETURNING id
            """
        ).all()
        if rows.isEmpty { throw StoreError.stale("handover \(handover.id) changed since version \(expectedVersion)") }
    }

    public func apply(_ transition: Transition, expectedVersion: Int) async throws {
        try await apply(transition, expectedVersion: expectedVersion, notices: [])
    }

    public func apply(_ transition: Transition, expectedVersion: Int, notices: [Notice]) async throws {
        try await write("the account already has another open handover") { db in
            let handover = transition.handover
            try await Self.saveHandover(handover, expectedVersion: expectedVersion, db)
            // The template's briefing gate, decided on the briefings as they are under the write lock.
            if let minimum = transition.briefingMinimumMinutes,
                let unmet = BriefingRules.unmet(
                    minimumMinutes: minimum, briefings: try await Self.briefings(handoverID: handover.id, organizationID: handover.organizationID, db),
                    handover: handover)
            {
                throw HandoverError.conflict("Not acknowledged: \(unmet).")
            }
            if handover.state == .cancelled {
                // Its scheduled briefings are called off with it (HandoverService sends the cancellations).
                try await db.raw(
                    """
                    UPDATE briefings SET state = 'cancelled', sequence = sequence + 1, version = version + 1, updated_at = \(bind: handover.updatedAt.millis)
                    WHERE handover_id = \(bind: handover.id) AND organization_id = \(bind: handover.organizationID) AND state = 'scheduled'
                    """
                ).run()
            }
            if let newOwnerID = transition.newOwnerID {
                // The template's access-plan gate, decided on the plan as it is under the write lock.
                if transition.accessPlanGate {
                    let open = try await Self.openAccessPlan(handover, db)
                    if !open.isEmpty { throw HandoverError.accessPlanOpen(open) }
                }
                // Moves the owner only if it is still the transferor: the same check the lifecycle made
                // on what it read, repeated under the write lock.
                let moved = try await db.raw(
                    """
                    UPDATE accounts SET owner_id = \(bind: newOwnerID), version = version + 1, updated_at = \(bind: handover.updatedAt.millis)
                    WHERE id = \(bind: handover.accountID) AND organization_id = \(bind: handover.organizationID)
                      AND owner_id = \(bind: handover.transferorID)
                    RETURNING id
                    """
                ).all()
                if moved.isEmpty { throw StoreError.stale("the account's owner changed since this handover began") }
                try await db.raw(
                    """
                    UPDATE account_owners SET owned_until = \(bind: handover.updatedAt.millis)
                    WHERE account_id = \(bind: handover.accountID) AND owned_until IS NULL
                    """
                ).run()
                try await db.raw(
                    """
                    INSERT INTO account_owners (account_id, owner_id, owned_from, handover_id)
                    VALUES (\(bind: handover.accountID), \(bind: newOwnerID), \(bind: handover.updatedAt.millis), \(bind: handover.id))
                    """
                ).run()
                // What the transferor could open is exposed until rotated: recorded from their wraps
                // before completion removes them.
                try await Self.recordSecretExposures(
                    memberID: handover.transferorID, organizationID: handover.organizationID, accountID: handover.accountID, cause: .handover,
                    handoverID: handover.id, at: handover.updatedAt,
                    dueAt: transition.rotateSecretsBy ?? SecretExposure.dueDate(exposedAt: handover.updatedAt, withinDays: nil),
                    by: AuditActor(member: transition.record.actorID), db)
                try await Self.settleSecretWraps(handover: handover, at: handover.updatedAt, db)
                // A hand-off between pipeline stages moves the account with its owner.
                try await Self.settleAdvance(handover: handover, newOwnerID: newOwnerID, actorID: transition.record.actorID, at: handover.updatedAt, db)
                let change: [String: String] = ["account": handover.accountID, "from": handover.transferorID, "to": newOwnerID, "handover": handover.id]
                try await Self.appendAudit(
                    [AuditRecord(action: "account.owner", target: "account:\(handover.accountID)", digest: try CanonicalJSON.digest(change))],
                    organizationID: handover.organizationID, actor: AuditActor(member: transition.record.actorID), at: handover.updatedAt, db)
            }
            try await Self.insertEvent(transition.record, content: handover.content, db)
            try await Self.insertNotices(notices, db)
            try await Self.emitWebhooks([WebhookEvent.transition(transition)].compactMap { $0 }, db)
            try await Self.scheduleFollowUp(transition, db)
        }
    }

    public func events(handoverID: String, organizationID: String) async throws -> [HandoverEventRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at FROM handover_events
                WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) ORDER BY handover_version
                """
            ).all().map { row in
                HandoverEventRecord(
                    id: try row.decode(column: "id", as: String.self),
                    handoverID: try row.decode(column: "handover_id", as: String.self),
                    organizationID: try row.decode(column: "organization_id", as: String.self),
                    actorID: try row.decode(column: "actor_id", as: String.self),
                    event: try row.decode(column: "event", as: String.self),
                    handoverVersion: try row.decode(column: "handover_version", as: Int.self),
                    fromState: try row.decode(column: "from_state", as: String?.self).flatMap(HandoverState.init(rawValue:)),
                    toState: HandoverState(rawValue: try row.decode(column: "to_state", as: String.self)) ?? .draft,
                    note: try row.decode(column: "note", as: String?.self),
                    at: Date(millis: try row.decode(column: "at", as: Int64.self)))
            }
        }
    }
}
