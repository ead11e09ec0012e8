import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Shift schedules, their overrides and their changes (Docs/Shifts.md; migration 30). The
/// timeline itself is pure (`ShiftTimeline`); here are its rows, each write with its audit
/// entry and the job of the next change in one transaction.
extension SQLHandoverStore {
    static let scheduleColumns = """
        id, organization_id, name, account_id, team_id, rotation, rule, starts_on, start_time, duration, time_zone, ack_minutes, wait_for_ack,
        template_key, state, version, created_by, created_at, updated_at
        """
    static let overrideColumns = "id, schedule_id, organization_id, member_id, starts_at, ends_at, reason, created_by, created_at"
    static let changeColumns = "id, schedule_id, organization_id, at, from_member_id, to_member_id, handover_id, state, reason, ack_due_at, escalated_at"

    static func decodeSchedule(_ row: any SQLRow) throws -> ShiftSchedule {
        ShiftSchedule(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            name: try row.decode(column: "name", as: String.self), accountID: try row.decode(column: "account_id", as: String.self),
            teamID: try row.decode(column: "team_id", as: String?.self),
            rotation: try JSONCoding.decode([String].self, from: try row.decode(column: "rotation", as: String.self)),
            rule: try row.decode(column: "rule", as: String.self),
            startsOn: CalendarDate(try row.decode(column: "starts_on", as: String.self)) ?? CalendarDate(Date()),
            startTime: try row.decode(column: "start_time", as: String.self), duration: try row.decode(column: "duration", as: String.self),
            timeZone: try row.decode(column: "time_zone", as: String.self), ackMinutes: try row.decode(column: "ack_minutes", as: Int.self),
            waitForAcknowledgment: try row.decode(column: "wait_for_ack", as: Int.self) != 0,
            templateKey: try row.decode(column: "template_key", as: String?.self),
            state: ShiftSchedule.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .stopped,
            version: try row.decode(column: "version", as: Int.self), createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    static func decodeOverride(_ row: any SQLRow) throws -> ShiftOverride {
        ShiftOverride(
            id: try row.decode(column: "id", as: String.self), scheduleID: try row.decode(column: "schedule_id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self), memberID: try row.decode(column: "member_id", as: String.self),
            startsAt: Date(millis: try row.decode(column: "starts_at", as: Int64.self)), endsAt: Date(millis: try row.decode(column: "ends_at", as: Int64.self)),
            reason: try row.decode(column: "reason", as: String?.self), createdBy: try row.decode(column: "created_by", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    static func decodeChange(_ row: any SQLRow) throws -> ShiftChangeRecord {
        ShiftChangeRecord(
            id: try row.decode(column: "id", as: String.self), scheduleID: try row.decode(column: "schedule_id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self), at: Date(millis: try row.decode(column: "at", as: Int64.self)),
            fromMemberID: try row.decode(column: "from_member_id", as: String?.self), toMemberID: try row.decode(column: "to_member_id", as: String.self),
            handoverID: try row.decode(column: "handover_id", as: String?.self),
            state: ShiftChangeRecord.State(rawValue: try row.decode(column: "state", as: String.self)) ?? .missed,
            reason: try row.decode(column: "reason", as: String?.self), ackDueAt: Date(millis: try row.decode(column: "ack_due_at", as: Int64.self)),
            escalatedAt: try row.decode(column: "escalated_at", as: Int64?.self).map(Date.init(millis:)))
    }

    /// What the audit log keeps of a schedule: its digest, not its names.
    static func scheduleAudit(_ action: String, _ schedule: ShiftSchedule) throws -> AuditRecord {
        AuditRecord(action: action, target: "shift-schedule:\(schedule.id)", digest: try CanonicalJSON.digest(schedule))
    }

    // MARK: Schedules

    /// A new schedule, its audit entry and the job of its first change, in one transaction.
    public func createShiftSchedule(_ schedule: ShiftSchedule, nextChange: NewJob?) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO shift_schedules (\(unsafeRaw: Self.scheduleColumns)) VALUES (
                    \(bind: schedule.id), \(bind: schedule.organizationID), \(bind: schedule.name), \(bind: schedule.accountID), \(bind: schedule.teamID),
                    \(bind: try JSONCoding.encode(schedule.rotation)), \(bind: schedule.rule), \(bind: schedule.startsOn.description),
                    \(bind: schedule.startTime), \(bind: schedule.duration), \(bind: schedule.timeZone), \(bind: schedule.ackMinutes),
                    \(bind: schedule.waitForAcknowledgment ? 1 : 0), \(bind: schedule.templateKey), \(bind: schedule.state.rawValue),
                    \(bind: schedule.version), \(bind: schedule.createdBy), \(bind: schedule.createdAt.millis), \(bind: schedule.updatedAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [try Self.scheduleAudit("shift.schedule.create", schedule)], organizationID: schedule.organizationID,
                actor: AuditActor(member: schedule.createdBy), at: schedule.createdAt, db)
            if let nextChange { try await Self.enqueue([nextChange], at: schedule.createdAt, db) }
        }
    }

    /// Saves an edit if the schedule is still at `expectedVersion` (409 otherwise), with its
    /// audit entry and the job of the next change as the edit makes it. A job already pending
    /// for a change the edit moved finds no change at its instant and does nothing.
    public func updateShiftSchedule(_ schedule: ShiftSchedule, expectedVersion: Int, nextChange: NewJob?, by actor: AuditActor) async throws {
        try await write { db in
            let updated = try await db.raw(
                """
                UPDATE shift_schedules SET name = \(bind: schedule.name), team_id = \(bind: schedule.teamID),
                    rotation = \(bind: try JSONCoding.encode(schedule.rotation)), rule = \(bind: schedule.rule),
                    starts_on = \(bind: schedule.startsOn.description), start_time = \(bind: schedule.startTime), duration = \(bind: schedule.duration),
                    time_zone = \(bind: schedule.timeZone), ack_minutes = \(bind: schedule.ackMinutes), wait_for_ack = \(bind: schedule.waitForAcknowledgment ? 1 : 0),
                    template_key = \(bind: schedule.templateKey), state = \(bind: schedule.state.rawValue), version = \(bind: schedule.version),
                    updated_at = \(bind: schedule.updatedAt.millis)
                WHERE id = \(bind: schedule.id) AND organization_id = \(bind: schedule.organizationID) AND version = \(bind: expectedVersion)
                RETURNING id
                """
            ).all()
            guard !updated.isEmpty else { throw StoreError.stale("shift schedule \(schedule.id) changed meanwhile") }
            try await Self.appendAudit(
                [try Self.scheduleAudit(schedule.state == .stopped ? "shift.schedule.stop" : "shift.schedule.update", schedule)],
                organizationID: schedule.organizationID, actor: actor, at: schedule.updatedAt, db)
            if let nextChange { try await Self.enqueue([nextChange], at: schedule.updatedAt, db) }
        }
    }

    public func shiftSchedule(id: String, organizationID: String) async throws -> ShiftSchedule? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.scheduleColumns) FROM shift_schedules WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodeSchedule)
        }
    }

    /// The organization's schedules by name; `accountID` narrows to one account's.
    public func shiftSchedules(organizationID: String, accountID: String?) async throws -> [ShiftSchedule] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.scheduleColumns) FROM shift_schedules WHERE organization_id = \(bind: organizationID)")
            if let accountID { query += " AND account_id = \(bind: accountID)" }
            query += " ORDER BY name, id LIMIT 1000"
            return try await db.raw(query).all().map(Self.decodeSchedule)
        }
    }

    // MARK: Overrides

    /// An override, its audit entry and the job of the next change as it makes it.
    public func addShiftOverride(_ override: ShiftOverride, nextChange: NewJob?, pendingLimit: Int) async throws {
        let lock = database.engine == .postgres ? " FOR UPDATE" : ""
        try await write { db in
            // The schedule's row, locked on PostgreSQL, orders concurrent adds so each counts
            // the others' (SQLite has one writer at a time).
            try await db.raw(
                """
                SELECT id FROM shift_schedules WHERE id = \(bind: override.scheduleID) AND organization_id = \(bind: override.organizationID)\(unsafeRaw: lock)
                """
            ).run()
            let pending =
                try await db.raw(
                    """
                    SELECT COUNT(*) AS n FROM shift_overrides
                    WHERE schedule_id = \(bind: override.scheduleID) AND organization_id = \(bind: override.organizationID) AND ends_at > \(bind: override.createdAt.millis)
                    """
                ).first()?.decode(column: "n", as: Int.self) ?? 0
            guard pending < pendingLimit else {
                throw StoreError.conflict("This schedule has \(pendingLimit) overrides still to come: remove some, or change the rota.")
            }
            try await db.raw(
                """
                INSERT INTO shift_overrides (\(unsafeRaw: Self.overrideColumns)) VALUES (
                    \(bind: override.id), \(bind: override.scheduleID), \(bind: override.organizationID), \(bind: override.memberID),
                    \(bind: override.startsAt.millis), \(bind: override.endsAt.millis), \(bind: override.reason), \(bind: override.createdBy),
                    \(bind: override.createdAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "shift.override.add", target: "shift-override:\(override.id)", digest: try CanonicalJSON.digest(override))],
                organizationID: override.organizationID, actor: AuditActor(member: override.createdBy), at: override.createdAt, db)
            if let nextChange { try await Self.enqueue([nextChange], at: override.createdAt, db) }
        }
    }

    /// Removes an override, or with `endingAt` (one that has begun) ends it then, keeping the
    /// span so far; false when it was not there. With the job of the next change as the
    /// timeline is without it.
    public func removeShiftOverride(_ override: ShiftOverride, endingAt end: Date?, nextChange: NewJob?, at now: Date, by actor: AuditActor) async throws
        -> Bool
    {
        try await write { db in
            let changed: [any SQLRow]
            if let end {
                changed = try await db.raw(
                    """
                    UPDATE shift_overrides SET ends_at = \(bind: end.millis) WHERE id = \(bind: override.id) AND schedule_id = \(bind: override.scheduleID)
                      AND organization_id = \(bind: override.organizationID) AND ends_at > \(bind: end.millis) RETURNING id
                    """
                ).all()
            } else {
                changed = try await db.raw(
                    """
                    DELETE FROM shift_overrides WHERE id = \(bind: override.id) AND schedule_id = \(bind: override.scheduleID)
                      AND organization_id = \(bind: override.organizationID) RETURNING id
                    """
                ).all()
            }
            guard !changed.isEmpty else { return false }
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: end == nil ? "shift.override.remove" : "shift.override.end", target: "shift-override:\(override.id)",
                        digest: try CanonicalJSON.digest(override))
                ],
                organizationID: override.organizationID, actor: actor, at: now, db)
            if let nextChange { try await Self.enqueue([nextChange], at: now, db) }
            return true
        }
    }

    /// A schedule's overrides that end after `after`, newest first (the newest wins where two
    /// overlap, so those are the ones a cap must keep).
    public func shiftOverrides(scheduleID: String, organizationID: String, endingAfter after: Date) async throws -> [ShiftOverride] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.overrideColumns) FROM shift_overrides
                WHERE schedule_id = \(bind: scheduleID) AND organization_id = \(bind: organizationID) AND ends_at > \(bind: after.millis)
                ORDER BY created_at DESC, id DESC LIMIT 5000
                """
            ).all().map(Self.decodeOverride)
        }
    }

    /// The account's open handover, if it has one (there is at most one).
    public func openHandoverID(accountID: String, organizationID: String) async throws -> String? {
        try await database.withSession { db in try await Self.openHandoverID(accountID: accountID, organizationID: organizationID, db) }
    }

    /// The same, in the caller's session or transaction (a cover's end reads it in its own).
    static func openHandoverID(accountID: String, organizationID: String, _ db: any SQLDatabase) async throws -> String? {
        try await db.raw(
            """
            SELECT id FROM handovers WHERE organization_id = \(bind: organizationID) AND account_id = \(bind: accountID)
              AND state IN (\(binds: HandoverState.openStates.map(\.rawValue))) LIMIT 1
            """
        ).first()?.decode(column: "id", as: String.self)
    }

    // MARK: Changes

    /// Records a change of shift, in one transaction with what it does: the drafted handover
    /// (and its event), the audit entry, and `jobs` (the acknowledgment check, the next change,
    /// or the retry of a blocked one). The row is unique per schedule and instant: a second run
    /// (another replica, a retry after a crash) finds it and writes nothing (false). A blocked
    /// change is the exception: its retry rewrites it.
    public func recordShiftChange(_ change: ShiftChangeRecord, handover: Handover?, record: HandoverEventRecord?, jobs: [NewJob], by actor: AuditActor)
        async throws -> Bool
    {
        try await write("account already has an open handover: the change waits for it") { db in
            let inserted = try await db.raw(
                """
                INSERT INTO shift_changes (\(unsafeRaw: Self.changeColumns)) VALUES (
                    \(bind: change.id), \(bind: change.scheduleID), \(bind: change.organizationID), \(bind: change.at.millis), \(bind: change.fromMemberID),
                    \(bind: change.toMemberID), NULL, \(bind: change.state.rawValue), \(bind: change.reason), \(bind: change.ackDueAt.millis), NULL)
                ON CONFLICT (schedule_id, at) DO NOTHING RETURNING id
                """
            ).all()
            if inserted.isEmpty {
                let retried = try await db.raw(
                    """
                    UPDATE shift_changes SET state = \(bind: change.state.rawValue), reason = \(bind: change.reason),
                        from_member_id = \(bind: change.fromMemberID), to_member_id = \(bind: change.toMemberID)
                    WHERE schedule_id = \(bind: change.scheduleID) AND at = \(bind: change.at.millis) AND state = 'blocked' RETURNING id
                    """
                ).all()
                guard !retried.isEmpty else { return false }
            }
            if let handover, let record {
                try await Self.insertHandover(handover, record: record, db)
                try await db.raw(
                    "UPDATE shift_changes SET handover_id = \(bind: handover.id) WHERE schedule_id = \(bind: change.scheduleID) AND at = \(bind: change.at.millis)"
                ).run()
            }
            if change.state != .blocked {
                var stored = change
                stored.handoverID = handover?.id
                try await Self.appendAudit(
                    [AuditRecord(action: "shift.change", target: "shift-schedule:\(change.scheduleID)", digest: try CanonicalJSON.digest(stored))],
                    organizationID: change.organizationID, actor: actor, at: change.at, db)
            }
            try await Self.enqueue(jobs, at: Date(), db)
            return true
        }
    }

    /// A schedule's changes, newest first.
    public func shiftChanges(scheduleID: String, organizationID: String, limit: Int) async throws -> [ShiftChangeRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.changeColumns) FROM shift_changes WHERE schedule_id = \(bind: scheduleID) AND organization_id = \(bind: organizationID)
                ORDER BY at DESC, id DESC LIMIT \(bind: max(1, min(limit, 1000)))
                """
            ).all().map(Self.decodeChange)
        }
    }

    public func shiftChange(id: String, organizationID: String) async throws -> ShiftChangeRecord? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.changeColumns) FROM shift_changes WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodeChange)
        }
    }

    public func shiftChange(scheduleID: String, organizationID: String, at: Date) async throws -> ShiftChangeRecord? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.changeColumns) FROM shift_changes
                WHERE schedule_id = \(bind: scheduleID) AND organization_id = \(bind: organizationID) AND at = \(bind: at.millis)
                """
            ).first().map(Self.decodeChange)
        }
    }

    /// Marks a change escalated and, in the same write, tells the managers and emits
    /// `sla.breached`; only once (false, and nothing sent, when it already was).
    public func escalateShiftChange(id: String, organizationID: String, notices: [Notice], webhook: WebhookEvent, at now: Date) async throws -> Bool {
        try await write { db in
            let marked = try await db.raw(
                """
                UPDATE shift_changes SET escalated_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND escalated_at IS NULL RETURNING id
                """
            ).all()
            guard !marked.isEmpty else { return false }
            try await Self.insertNotices(notices, db)
            try await Self.emitWebhooks([webhook], db)
            try await Self.appendAudit(
                [AuditRecord(action: "shift.escalate", target: "shift-change:\(id)", digest: try CanonicalJSON.digest(webhook.data))],
                organizationID: organizationID, actor: .job(JobKind.shiftAcknowledgment), at: now, db)
            return true
        }
    }
}

extension JobKind {
    /// A change of shift (payload `{"schedule": id, "at": millis}`): drafts the handover to the
    /// incoming person and enqueues the next change (`ShiftService.change`).
    public static let shiftChange = "shift.change"
    /// A change's acknowledgment deadline (payload `{"change": id}`): escalates when missed.
    public static let shiftAcknowledgment = "shift.ack-check"
}
