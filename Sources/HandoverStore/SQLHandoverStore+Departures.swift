import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// What a departure's apply writes, all in one transaction.
public struct DepartureWrite: Sendable {
    public var departure: DepartureRecord
    public var handovers: [Handover]
    /// One `create` event per handover (same order).
    public var events: [HandoverEventRecord]
    /// Briefing id → new organizer id.
    public var briefingOrganizers: [(id: String, organizerID: String)]
    public var actor: AuditActor
    public var at: Date
    /// Recorded in the same transaction, so a replay sees exactly what was applied.
    public var idempotency: IdempotencyCompletion?

    public init(
        departure: DepartureRecord, handovers: [Handover], events: [HandoverEventRecord], briefingOrganizers: [(id: String, organizerID: String)],
        actor: AuditActor, at: Date, idempotency: IdempotencyCompletion?
    ) {
        self.departure = departure
        self.handovers = handovers
        self.events = events
        self.briefingOrganizers = briefingOrganizers
        self.actor = actor
        self.at = at
        self.idempotency = idempotency
    }
}

/// A departure as stored: scheduled (future-dated) or applied.
public struct DepartureRecord: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        case scheduled, applied
        /// Cancelled before its day (`DELETE /api/v1/departures/{id}`); its job does nothing.
        case cancelled
        /// Its day came but it could not be applied (the summary says why), e.g. whoever
        /// scheduled it is no longer active or no longer an admin or the leaver's manager.
        case failed
    }
    public var id: String
    public var organizationID: String
    public var memberID: String
    public var effectiveOn: CalendarDate?
    public var state: State
    /// The request as sent (JSON), re-planned when a scheduled departure comes due.
    public var request: String
    /// What was applied: counts and skipped accounts (JSON).
    public var summary: String
    public var createdBy: String
    public var createdAt: Date
    public var appliedAt: Date?

    public init(
        id: String, organizationID: String, memberID: String, effectiveOn: CalendarDate?, state: State, request: String, summary: String, createdBy: String,
        createdAt: Date, appliedAt: Date?
    ) {
        self.id = id
        self.organizationID = organizationID
        self.memberID = memberID
        self.effectiveOn = effectiveOn
        self.state = state
        self.request = request
        self.summary = summary
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.appliedAt = appliedAt
    }
}

/// What the store read for the planner.
public struct DepartureInputs: Sendable {
    public var accounts: [Account]
    public var openHandoverAccounts: Set<String>
    public var load: [String: Int]
    public var pointers: DeparturePointers
}

extension SQLHandoverStore {
    // MARK: Deactivation

    public func setMemberDeactivated(id: String, organizationID: String, deactivated: Bool, at now: Date, by actor: AuditActor) async throws -> Member {
        try await write { db in
            guard
                let member = try await db.raw(
                    "SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.id = \(bind: id) AND m.organization_id = \(bind: organizationID)"
                ).first().map(Self.decodeMember)
            else { throw StoreError.notFound("member \(id)") }
            var changed = member
            if deactivated {
                changed.deactivatedAt = member.deactivatedAt ?? now
                try await db.raw("UPDATE members SET deactivated_at = \(bind: changed.deactivatedAt!.millis) WHERE id = \(bind: id)").run()
                // Revoked in the same transaction: no moment where the flag is set but a cookie still works.
                try await db.raw("DELETE FROM sessions WHERE member_id = \(bind: id)").run()
                try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: now.millis) WHERE member_id = \(bind: id) AND revoked_at IS NULL").run()
                // Every bearer credential a member holds: sessions, API tokens, and the calendar feed's
                // `hcal_` token (a subscribed calendar would otherwise keep pulling briefings).
                try await db.raw("DELETE FROM calendar_feeds WHERE member_id = \(bind: id)").run()
                // Only the first deactivation is an event: a second one changes nothing.
                if member.deactivatedAt == nil {
                    try await Self.emitWebhooks([WebhookEvent.memberDeactivated(changed, by: actor.id, at: changed.deactivatedAt ?? now)], db)
                }
            } else {
                changed.deactivatedAt = nil
                try await db.raw("UPDATE members SET deactivated_at = NULL WHERE id = \(bind: id)").run()
            }
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: deactivated ? "member.deactivate" : "member.reactivate", target: "member:\(id)",
                        digest: try CanonicalJSON.digest(["id": id, "active": deactivated ? "false" : "true"]))
                ], organizationID: organizationID, actor: actor, at: now, db)
            return changed
        }
    }

    // MARK: Planning

    public func departureInputs(memberID: String, organizationID: String) async throws -> DepartureInputs {
        try await database.withSession { db in
            let accounts = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.accountColumns) FROM accounts a
                WHERE a.organization_id = \(bind: organizationID) AND a.owner_id = \(bind: memberID) ORDER BY a.name, a.id
                """
            ).all().map(Self.decodeAccount)
            let open = try await db.raw(
                """
                SELECT h.account_id FROM handovers h JOIN accounts a ON a.id = h.account_id
                WHERE h.organization_id = \(bind: organizationID) AND a.owner_id = \(bind: memberID)
                  AND h.state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
                """
            ).all().map { try $0.decode(column: "account_id", as: String.self) }
            var load: [String: Int] = [:]
            for row in try await db.raw(
                "SELECT owner_id AS m, COUNT(*) AS n FROM accounts WHERE organization_id = \(bind: organizationID) GROUP BY owner_id"
            ).all() {
                load[try row.decode(column: "m", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            for row in try await db.raw(
                """
                SELECT recipient_id AS m, COUNT(*) AS n FROM handovers WHERE organization_id = \(bind: organizationID)
                  AND state IN (\(binds: HandoverState.openStates.map(\.rawValue))) GROUP BY recipient_id
                """
            ).all() {
                load[try row.decode(column: "m", as: String.self), default: 0] += try row.decode(column: "n", as: Int.self)
            }
            let briefings = try await db.raw(
                """
                SELECT b.id, h.account_id, b.starts_at FROM briefings b JOIN handovers h ON h.id = b.handover_id
                WHERE b.organization_id = \(bind: organizationID) AND b.organizer_id = \(bind: memberID) AND b.state = 'scheduled'
                ORDER BY b.starts_at, b.id
                """
            ).all().map { row in
                DeparturePointer(
                    id: try row.decode(column: "id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
                    label: "briefing at " + ISO8601DateFormatter().string(from: Date(millis: try row.decode(column: "starts_at", as: Int64.self))))
            }
            let grants = try await db.raw(
                """
                SELECT id, account_id, system, role FROM access_grants
                WHERE organization_id = \(bind: organizationID) AND holder_id = \(bind: memberID) AND revoked_at IS NULL ORDER BY account_id, id
                """
            ).all().map { row in
                DeparturePointer(
                    id: try row.decode(column: "id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
                    label: "\(try row.decode(column: "system", as: String.self)): \(try row.decode(column: "role", as: String.self))")
            }
            // Secrets whose only member reader is the leaver (the recovery key does not count: it is the last resort).
            let secrets = try await db.raw(
                """
                SELECT s.id, s.account_id, s.name FROM secrets s
                WHERE s.organization_id = \(bind: organizationID)
                  AND EXISTS (SELECT 1 FROM secret_wraps w WHERE w.secret_id = s.id AND w.reader_id = \(bind: memberID))
                  AND NOT EXISTS (SELECT 1 FROM secret_wraps w WHERE w.secret_id = s.id AND w.reader_id <> \(bind: memberID)
                                  AND w.reader_id <> \(bind: SecretWrap.recoveryReader))
                ORDER BY s.account_id, s.id
                """
            ).all().map { row in
                DeparturePointer(
                    id: try row.decode(column: "id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
                    label: try row.decode(column: "name", as: String.self))
            }
            return DepartureInputs(
                accounts: accounts, openHandoverAccounts: Set(open), load: load,
                pointers: DeparturePointers(briefings: briefings, accessGrants: grants, soleReaderSecrets: secrets))
        }
    }

    // MARK: Applying

    /// Everything of one departure in ONE transaction: the handovers and their events in
    /// multi-row statements, the audit entries in one append, the briefings' organizers, the
    /// departure row and the idempotency key's response. A failure anywhere leaves nothing.
    public func applyDeparture(_ change: DepartureWrite) async throws {
        // Each packet's canonical JSON once, before the transaction: it is both the stored text
        // and what its audit digest covers (the same bytes `CanonicalJSON.digest` would hash,
        // without its encode-decode-encode round trip, which took most of a 100,000-row apply).
        let encoded = try change.handovers.map { handover in
            let bytes = try CanonicalJSON.encode(JSONValue.object(handover.content.sections.mapValues { JSONValue.object($0) }))
            return (json: String(decoding: bytes, as: UTF8.self), digest: Hex.sha256(bytes))
        }
        try await write("an account of this departure got an open handover meanwhile: preview again") { db in
            for start in stride(from: 0, to: change.handovers.count, by: 500) {
                var query = SQLQueryString(
                    """
                    INSERT INTO handovers (id, organization_id, account_id, template_key, template_version, transferor_id, recipient_id,
                        state, content, version, created_at, updated_at) VALUES
                    """)
                for index in start..<min(start + 500, change.handovers.count) {
                    let handover = change.handovers[index]
                    if index > start { query += ", " }
                    query += """
                        (\(bind: handover.id), \(bind: handover.organizationID), \(bind: handover.accountID), \(bind: handover.templateKey),
                         \(bind: handover.templateVersion), \(bind: handover.transferorID), \(bind: handover.recipientID), \(bind: handover.state.rawValue),
                         \(bind: encoded[index].json), \(bind: handover.version), \(bind: handover.createdAt.millis), \(bind: handover.updatedAt.millis))
                        """
                }
                try await db.raw(query).run()
            }
            for start in stride(from: 0, to: change.events.count, by: 500) {
                var query = SQLQueryString(
                    "INSERT INTO handover_events (id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at) VALUES ")
                for (index, record) in change.events[start..<min(start + 500, change.events.count)].enumerated() {
                    if index > 0 { query += ", " }
                    query += """
                        (\(bind: record.id), \(bind: record.handoverID), \(bind: record.organizationID), \(bind: record.actorID), \(bind: record.event),
                         \(bind: record.handoverVersion), \(bind: record.fromState?.rawValue), \(bind: record.toState.rawValue), \(bind: record.note), \(bind: record.at.millis))
                        """
                }
                try await db.raw(query).run()
            }
            for briefing in change.briefingOrganizers {
                try await db.raw(
                    """
                    UPDATE briefings SET organizer_id = \(bind: briefing.organizerID), version = version + 1, updated_at = \(bind: change.at.millis)
                    WHERE id = \(bind: briefing.id) AND organization_id = \(bind: change.departure.organizationID)
                    """
                ).run()
            }
            var records = change.handovers.indices.map { index in
                AuditRecord(action: "handover.\(change.events[index].event)", target: "handover:\(change.handovers[index].id)", digest: encoded[index].digest)
            }
            records += change.briefingOrganizers.map { briefing in
                AuditRecord(action: "briefing.reassign", target: "briefing:\(briefing.id)", digest: Hex.sha256(Data(briefing.organizerID.utf8)))
            }
            records.append(
                AuditRecord(
                    action: "departure.apply", target: "departure:\(change.departure.id)",
                    digest: Hex.sha256(Data((change.departure.request + change.departure.summary).utf8))))
            _ = try await Self.appendAudit(records, organizationID: change.departure.organizationID, actor: change.actor, at: change.at, db)
            try await Self.saveDeparture(change.departure, db)
            if let completion = change.idempotency { try await Self.complete(completion, db) }
        }
    }

    static func saveDeparture(_ departure: DepartureRecord, _ db: any SQLDatabase) async throws {
        let exists = try await db.raw("SELECT id FROM departures WHERE id = \(bind: departure.id)").first() != nil
        if exists {
            // A scheduled departure coming due: only the first apply moves it (the job may run twice).
            try await db.raw(
                """
                UPDATE departures SET state = \(bind: departure.state.rawValue), summary = \(bind: departure.summary), applied_at = \(bind: departure.appliedAt?.millis)
                WHERE id = \(bind: departure.id) AND state = 'scheduled'
                """
            ).run()
        } else {
            try await db.raw(
                """
                INSERT INTO departures (id, organization_id, member_id, effective_on, state, request, summary, created_by, created_at, applied_at)
                VALUES (\(bind: departure.id), \(bind: departure.organizationID), \(bind: departure.memberID), \(bind: departure.effectiveOn?.description),
                        \(bind: departure.state.rawValue), \(bind: departure.request), \(bind: departure.summary), \(bind: departure.createdBy),
                        \(bind: departure.createdAt.millis), \(bind: departure.appliedAt?.millis))
                """
            ).run()
        }
    }

    /// Stores a future-dated departure (and its idempotent response) to be applied by the job.
    public func scheduleDeparture(_ departure: DepartureRecord, job: NewJob, idempotency: IdempotencyCompletion?, by actor: AuditActor) async throws {
        try await write { db in
            try await Self.saveDeparture(departure, db)
            try await Self.appendAudit(
                [AuditRecord(action: "departure.schedule", target: "departure:\(departure.id)", digest: Hex.sha256(Data(departure.request.utf8)))],
                organizationID: departure.organizationID, actor: actor, at: departure.createdAt, db)
            try await Self.enqueue([job], at: departure.createdAt, db)
            if let idempotency { try await Self.complete(idempotency, db) }
        }
    }

    static let departureColumns = "id, organization_id, member_id, effective_on, state, request, summary, created_by, created_at, applied_at"

    static func decodeDeparture(_ row: any SQLRow) throws -> DepartureRecord {
        DepartureRecord(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            memberID: try row.decode(column: "member_id", as: String.self),
            effectiveOn: try row.decode(column: "effective_on", as: String?.self).flatMap { CalendarDate($0) },
            state: DepartureRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .scheduled,
            request: try row.decode(column: "request", as: String.self), summary: try row.decode(column: "summary", as: String.self),
            createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            appliedAt: try row.decode(column: "applied_at", as: Int64?.self).map(Date.init(millis:)))
    }

    public func departure(id: String, organizationID: String) async throws -> DepartureRecord? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.departureColumns) FROM departures WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
            ).first().map(Self.decodeDeparture)
        }
    }

    public func departures(organizationID: String, limit: Int) async throws -> [DepartureRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.departureColumns) FROM departures WHERE organization_id = \(bind: organizationID)
                ORDER BY created_at DESC, id LIMIT \(bind: max(1, min(limit, 1000)))
                """
            ).all().map(Self.decodeDeparture)
        }
    }
}

extension JobKind {
    /// Apply a future-dated departure on its day (payload `{"departure": id}`, organization set).
    /// Idempotent: an applied departure is left alone, so a second run (or one after a kill -9,
    /// whose transaction rolled back) does nothing twice.
    public static let departureApply = "departure.apply"
}
