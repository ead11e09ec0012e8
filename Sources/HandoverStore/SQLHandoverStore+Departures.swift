import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// A briefing a departure hands to a new organizer, as it will be saved (organizer, attendees,
/// sequence and version already changed), and the version it was read at.
public struct DepartureBriefingChange: Sendable, Hashable {
    public var briefing: Briefing
    public var expectedVersion: Int

    public init(briefing: Briefing, expectedVersion: Int) {
        self.briefing = briefing
        self.expectedVersion = expectedVersion
    }
}

/// What a departure's apply writes, all in one transaction.
public struct DepartureWrite: Sendable {
    public var departure: DepartureRecord
    /// The leaver: transferor of every handover, and whose open items the packets give away.
    public var leaver: Member
    public var lines: [BulkHandoverLine]
    /// Recipient id → name, for the packets' reassigned open items.
    public var recipientNames: [String: String]
    /// Who the `create` events name.
    public var actorID: String
    /// Accounts skipped for a conflict (for the `departure.applied` event).
    public var skipped: Int
    /// Briefings to their new organizers, and their invitations (`BriefingNotices`).
    public var briefings: [DepartureBriefingChange]
    /// Open handovers sent to the leaver, sent on to their new recipients.
    public var redirects: [DepartureRedirect]
    /// The leaver is deactivated in the same transaction (sessions and tokens revoked).
    public var deactivateLeaver: Bool
    public var notices: [Notice]
    public var actor: AuditActor
    public var at: Date
    /// Recorded in the same transaction, so a replay sees exactly what was applied.
    public var idempotency: IdempotencyCompletion?

    public init(
        departure: DepartureRecord, leaver: Member, lines: [BulkHandoverLine], recipientNames: [String: String], actorID: String, skipped: Int,
        briefings: [DepartureBriefingChange], redirects: [DepartureRedirect] = [], deactivateLeaver: Bool = false, notices: [Notice], actor: AuditActor,
        at: Date, idempotency: IdempotencyCompletion?
    ) {
        self.departure = departure
        self.leaver = leaver
        self.lines = lines
        self.recipientNames = recipientNames
        self.actorID = actorID
        self.skipped = skipped
        self.briefings = briefings
        self.redirects = redirects
        self.deactivateLeaver = deactivateLeaver
        self.notices = notices
        self.actor = actor
        self.at = at
        self.idempotency = idempotency
    }

    /// Its handovers, all from the leaver, found again by "departure ID" on their events.
    var handovers: BulkHandovers {
        BulkHandovers(
            organizationID: departure.organizationID, lines: lines, owners: [leaver.id: leaver], recipientNames: recipientNames, actorID: actorID,
            eventNote: "departure \(departure.id)", actor: actor, at: at)
    }
}

/// An open handover sent to the leaver, to send on: only if it is still at the version the plan
/// read (else a conflict: preview again).
public struct DepartureRedirect: Sendable, Hashable {
    public var handoverID: String
    public var expectedVersion: Int
    public var recipientID: String
    /// Of its `redirect` event.
    public var eventID: String

    public init(handoverID: String, expectedVersion: Int, recipientID: String, eventID: String) {
        self.handoverID = handoverID
        self.expectedVersion = expectedVersion
        self.recipientID = recipientID
        self.eventID = eventID
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
    /// What the planner reads of each account; not the profiles (the apply reads those in chunks).
    public var accounts: [DepartureAccount]
    public var openHandoverAccounts: Set<String>
    public var load: [String: Int]
    /// Briefing id → the party of its handover who is not the leaver (who takes it over when its
    /// account's line does not apply, which is usual: a briefing is on an open handover).
    public var briefingOtherParties: [String: String]
    public var pointers: DeparturePointers
    /// Open handovers sent to the leaver.
    public var incoming: [DepartureIncoming]
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
            if deactivated { return try await Self.deactivate(member, at: now, by: actor, db) }
            var changed = member
            changed.deactivatedAt = nil
            try await db.raw("UPDATE members SET deactivated_at = NULL WHERE id = \(bind: id)").run()
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: "member.reactivate", target: "member:\(id)", digest: try CanonicalJSON.digest(["id": id, "active": "true"]))
                ], organizationID: organizationID, actor: actor, at: now, db)
            return changed
        }
    }

    /// Deactivates `member` in the caller's transaction (an admin's deactivation, or a departure
    /// that asked for it when it applies): sign-in ends, and every bearer credential they hold
    /// is revoked in the same transaction, so there is no moment where the flag is set but a
    /// cookie still works. Audited; `member.deactivated` is emitted once.
    static func deactivate(_ member: Member, at now: Date, by actor: AuditActor, _ db: any SQLDatabase) async throws -> Member {
        let id = member.id
        var changed = member
        // Only the first of two concurrent deactivations sets the time (PostgreSQL re-checks
        // the WHERE after waiting for the other): both then name the same deactivation,
        // so a retried deprovisioning replays one departure instead of making two.
        let first =
            try await db.raw(
                "UPDATE members SET deactivated_at = \(bind: now.millis) WHERE id = \(bind: id) AND deactivated_at IS NULL RETURNING id"
            ).first() != nil
        if first {
            changed.deactivatedAt = now
        } else {
            changed.deactivatedAt =
                try await db.raw("SELECT deactivated_at FROM members WHERE id = \(bind: id)").first()?
                .decode(column: "deactivated_at", as: Int64?.self).map(Date.init(millis:)) ?? member.deactivatedAt ?? now
        }
        try await db.raw("DELETE FROM sessions WHERE member_id = \(bind: id)").run()
        try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: now.millis) WHERE member_id = \(bind: id) AND revoked_at IS NULL").run()
        // Every bearer credential a member holds: sessions, API tokens, and the calendar feed's
        // `hcal_` token (a subscribed calendar would otherwise keep pulling briefings).
        try await db.raw("DELETE FROM calendar_feeds WHERE member_id = \(bind: id)").run()
        // Only the first deactivation is an event: a second one changes nothing.
        if first {
            try await Self.emitWebhooks([WebhookEvent.memberDeactivated(changed, by: actor.id, at: changed.deactivatedAt ?? now)], db)
        }
        try await Self.appendAudit(
            [AuditRecord(action: "member.deactivate", target: "member:\(id)", digest: try CanonicalJSON.digest(["id": id, "active": "false"]))],
            organizationID: member.organizationID, actor: actor, at: now, db)
        return changed
    }

    // MARK: Planning

    public func departureInputs(memberID: String, organizationID: String) async throws -> DepartureInputs {
        try await database.withSession { db in
            let rows = try await db.raw(
                """
                SELECT a.id, a.name, a.kind, a.profile FROM accounts a
                WHERE a.organization_id = \(bind: organizationID) AND a.owner_id = \(bind: memberID) ORDER BY a.name, a.id
                """
            ).all()
            // Only the tags and the open items' owners of the profile are decoded and kept.
            let facts = try await PlanningProfile.decodeAll(try rows.map { try $0.decode(column: "profile", as: String.self) })
            let accounts = try zip(rows, facts).map { row, facts in
                DepartureAccount(
                    id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                    kind: AccountKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .customer, tags: facts.tags ?? [],
                    openItemOwners: facts.openItems?.map(\.owner) ?? [])
            }
            let open = try await db.raw(
                """
                SELECT h.account_id FROM handovers h JOIN accounts a ON a.id = h.account_id
                WHERE h.organization_id = \(bind: organizationID) AND a.owner_id = \(bind: memberID)
                  AND h.state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
                """
            ).all().map { try $0.decode(column: "account_id", as: String.self) }
            let load = try await Self.memberLoad(organizationID: organizationID, db)
            var otherParties: [String: String] = [:]
            let briefings = try await db.raw(
                """
                SELECT b.id, h.account_id, b.starts_at, h.transferor_id, h.recipient_id FROM briefings b JOIN handovers h ON h.id = b.handover_id
                WHERE b.organization_id = \(bind: organizationID) AND b.organizer_id = \(bind: memberID) AND b.state = 'scheduled'
                ORDER BY b.starts_at, b.id
                """
            ).all().map { row in
                let id = try row.decode(column: "id", as: String.self)
                let parties = [try row.decode(column: "transferor_id", as: String.self), try row.decode(column: "recipient_id", as: String.self)]
                otherParties[id] = parties.first { $0 != memberID }
                return DeparturePointer(
                    id: id, accountID: try row.decode(column: "account_id", as: String.self),
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
            let incoming = try await db.raw(
                """
                SELECT h.id, h.account_id, a.name, h.transferor_id, h.state, h.version FROM handovers h JOIN accounts a ON a.id = h.account_id
                WHERE h.recipient_id = \(bind: memberID) AND h.organization_id = \(bind: organizationID)
                  AND h.state IN (\(binds: HandoverState.openStates.map(\.rawValue)))
                ORDER BY a.name, h.id
                """
            ).all().map { row in
                DepartureIncoming(
                    handoverID: try row.decode(column: "id", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
                    accountName: try row.decode(column: "name", as: String.self), transferorID: try row.decode(column: "transferor_id", as: String.self),
                    state: HandoverState(rawValue: try row.decode(column: "state", as: String.self)) ?? .draft, version: try row.decode(column: "version", as: Int.self))
            }
            return DepartureInputs(
                accounts: accounts, openHandoverAccounts: Set(open), load: load, briefingOtherParties: otherParties,
                pointers: DeparturePointers(briefings: briefings, accessGrants: grants, soleReaderSecrets: secrets), incoming: incoming)
        }
    }

    // MARK: Applying

    /// Everything of one departure in ONE transaction: first the departure's state (a scheduled
    /// one moves only if still scheduled, so a second job run or replica writes nothing), then
    /// the plan re-checked against the rows as they are now, then the handovers, events and
    /// audit entries a chunk at a time, the briefings, the `departure.applied` event and the
    /// idempotency key's response. A failure anywhere leaves nothing.
    /// - Returns: false when a scheduled departure had already been applied (nothing written).
    @discardableResult
    public func applyDeparture(_ change: DepartureWrite) async throws -> Bool {
        try await write("an account of this departure got an open handover meanwhile: preview again") { db in
            guard try await Self.saveDeparture(change.departure, db) else { return false }
            let org = change.departure.organizationID
            try await Self.checkDepartureRecipients(change, db)
            try await Self.writeBulkHandovers(change.handovers, db)
            try await Self.reassignBriefings(change, db)
            var records = try change.briefings.map { change in
                AuditRecord(action: "briefing.reassign", target: "briefing:\(change.briefing.id)", digest: try CanonicalJSON.digest(change.briefing))
            }
            records += try await Self.redirectHandovers(change, db)
            records.append(
                AuditRecord(
                    action: "departure.apply", target: "departure:\(change.departure.id)",
                    digest: Hex.sha256(Data((change.departure.request + change.departure.summary).utf8))))
            _ = try await Self.appendAudit(records, organizationID: org, actor: change.actor, at: change.at, db)
            try await Self.emitWebhooks(
                [
                    WebhookEvent.departureApplied(
                        id: change.departure.id, organizationID: org, memberID: change.leaver.id, handovers: change.lines.count, skipped: change.skipped,
                        effectiveOn: change.departure.effectiveOn, at: change.at)
                ], db)
            if change.deactivateLeaver { _ = try await Self.deactivate(change.leaver, at: change.at, by: change.actor, db) }
            if let completion = change.idempotency { try await Self.complete(completion, db) }
            return true
        }
    }

    /// Each briefing as the service changed it, only if nobody changed it since it was read
    /// (else a conflict: preview again), its attendees replaced, and the invitations queued.
    static func reassignBriefings(_ change: DepartureWrite, _ db: any SQLDatabase) async throws {
        for item in change.briefings {
            let briefing = item.briefing
            let updated = try await db.raw(
                """
                UPDATE briefings SET organizer_id = \(bind: briefing.organizerID), sequence = \(bind: briefing.sequence), version = \(bind: briefing.version),
                    updated_at = \(bind: briefing.updatedAt.millis)
                WHERE id = \(bind: briefing.id) AND organization_id = \(bind: briefing.organizationID) AND version = \(bind: item.expectedVersion)
                  AND state = 'scheduled'
                RETURNING id
                """
            ).all()
            if updated.isEmpty { throw StoreError.conflict("briefing \(briefing.id) changed since the plan: preview again") }
            try await db.raw("DELETE FROM briefing_attendees WHERE briefing_id = \(bind: briefing.id)").run()
            for (position, memberID) in briefing.attendeeIDs.enumerated() {
                try await db.raw(
                    """
                    INSERT INTO briefing_attendees (briefing_id, organization_id, member_id, position)
                    VALUES (\(bind: briefing.id), \(bind: briefing.organizationID), \(bind: memberID), \(bind: position))
                    """
                ).run()
            }
        }
        try await insertNotices(change.notices, db)
    }

    /// Each open handover sent to the leaver, sent on: its recipient (and version) change if it
    /// is still as the plan read it, waiting on the leaver; its pending access-plan grants to the
    /// leaver go to the new recipient, and so does the cover it is for, if any; a `redirect`
    /// event says so. Returns the audit records.
    static func redirectHandovers(_ change: DepartureWrite, _ db: any SQLDatabase) async throws -> [AuditRecord] {
        let org = change.departure.organizationID
        var records: [AuditRecord] = []
        for redirect in change.redirects {
            guard
                let row = try await db.raw(
                    """
                    UPDATE handovers SET recipient_id = \(bind: redirect.recipientID), version = version + 1, updated_at = \(bind: change.at.millis)
                    WHERE id = \(bind: redirect.handoverID) AND organization_id = \(bind: org) AND recipient_id = \(bind: change.leaver.id)
                      AND version = \(bind: redirect.expectedVersion) AND state IN ('draft', 'submitted', 'returned')
                    RETURNING state, version
                    """
                ).first()
            else { throw StoreError.conflict("handover \(redirect.handoverID) sent to \(change.leaver.name) changed since the plan: preview again") }
            let state = try row.decode(column: "state", as: String.self)
            let version = try row.decode(column: "version", as: Int.self)
            try await db.raw(
                """
                UPDATE access_plan_lines SET member_id = \(bind: redirect.recipientID)
                WHERE handover_id = \(bind: redirect.handoverID) AND organization_id = \(bind: org) AND kind = 'grant'
                  AND member_id = \(bind: change.leaver.id) AND status = 'pending'
                """
            ).run()
            // A cover's handover sent on: the new recipient covers, so the handback finds them.
            try await db.raw(
                """
                UPDATE covers SET coverer_id = \(bind: redirect.recipientID)
                WHERE handover_id = \(bind: redirect.handoverID) AND organization_id = \(bind: org) AND coverer_id = \(bind: change.leaver.id) AND state = 'active'
                """
            ).run()
            try await db.raw(
                """
                INSERT INTO handover_events (id, handover_id, organization_id, actor_id, event, handover_version, from_state, to_state, note, at)
                VALUES (\(bind: redirect.eventID), \(bind: redirect.handoverID), \(bind: org), \(bind: change.actorID), 'redirect', \(bind: version),
                        \(bind: state), \(bind: state), \(bind: "departure \(change.departure.id): sent on from \(change.leaver.name)"), \(bind: change.at.millis))
                """
            ).run()
            records.append(
                AuditRecord(
                    action: "handover.redirect", target: "handover:\(redirect.handoverID)",
                    digest: Hex.sha256(Data("\(redirect.handoverID) \(change.leaver.id) \(redirect.recipientID) \(version)".utf8))))
        }
        return records
    }

    /// The plan was made outside this transaction: every recipient must still be an active,
    /// non-auditor member of the organization now (one COUNT over the distinct ids).
    static func checkDepartureRecipients(_ change: DepartureWrite, _ db: any SQLDatabase) async throws {
        try await checkActiveRecipients(
            Set(change.lines.map(\.recipientID) + change.briefings.map(\.briefing.organizerID) + change.redirects.map(\.recipientID)),
            organizationID: change.departure.organizationID, db,
            conflict: "a recipient of this departure was deactivated, made an auditor or removed meanwhile: preview again")
    }

    /// Writes the departure row. A new one is inserted; one already stored (scheduled, coming
    /// due) moves only from `scheduled`, in the apply's transaction: when no row changes another
    /// run applied it first, and the caller writes nothing.
    /// - Returns: whether the caller goes on.
    static func saveDeparture(_ departure: DepartureRecord, _ db: any SQLDatabase) async throws -> Bool {
        let moved = try await db.raw(
            """
            UPDATE departures SET state = \(bind: departure.state.rawValue), summary = \(bind: departure.summary), applied_at = \(bind: departure.appliedAt?.millis)
            WHERE id = \(bind: departure.id) AND organization_id = \(bind: departure.organizationID) AND state = 'scheduled' RETURNING id
            """
        ).first()
        if moved != nil { return true }
        if try await db.raw("SELECT id FROM departures WHERE id = \(bind: departure.id)").first() != nil { return false }
        try await db.raw(
            """
            INSERT INTO departures (id, organization_id, member_id, effective_on, state, request, summary, created_by, created_at, applied_at)
            VALUES (\(bind: departure.id), \(bind: departure.organizationID), \(bind: departure.memberID), \(bind: departure.effectiveOn?.description),
                    \(bind: departure.state.rawValue), \(bind: departure.request), \(bind: departure.summary), \(bind: departure.createdBy),
                    \(bind: departure.createdAt.millis), \(bind: departure.appliedAt?.millis))
            """
        ).run()
        return true
    }

    /// Stores a future-dated departure (and its idempotent response) to be applied by the job.
    public func scheduleDeparture(_ departure: DepartureRecord, job: NewJob, idempotency: IdempotencyCompletion?, by actor: AuditActor) async throws {
        try await write { db in
            _ = try await Self.saveDeparture(departure, db)
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

    public func departureHandovers(_ departure: DepartureRecord, limit: Int) async throws -> [Handover] {
        guard let appliedAt = departure.appliedAt else { return [] }
        // The apply stamps its handovers with its own time and notes itself on their `create` events.
        return try await database.withSession { db in
            try await Self.bulkHandovers(
                organizationID: departure.organizationID, transferorID: departure.memberID, eventNote: "departure \(departure.id)", at: appliedAt,
                limit: limit, db)
        }
    }

    public func departures(memberID: String, organizationID: String) async throws -> [DepartureRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.departureColumns) FROM departures WHERE organization_id = \(bind: organizationID) AND member_id = \(bind: memberID)
                ORDER BY created_at DESC, id
                """
            ).all().map(Self.decodeDeparture)
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
