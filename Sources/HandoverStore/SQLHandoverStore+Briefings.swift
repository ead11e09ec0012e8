import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Briefings and calendar feeds (migration 16). Each change is saved with its audit entry and
/// its invitations (delivered by each attendee's preference: outbox messages with their mail.send
/// jobs) in one transaction.
extension SQLHandoverStore {
    public func createBriefing(_ briefing: Briefing, notices: [Notice], by actor: AuditActor) async throws {
        try await write("a briefing with this id already exists") { db in
            try await db.raw(
                """
                INSERT INTO briefings (id, organization_id, handover_id, organizer_id, starts_at, duration_minutes, place, video_url, sequence, state,
                    confirmations, version, created_at, updated_at)
                VALUES (\(bind: briefing.id), \(bind: briefing.organizationID), \(bind: briefing.handoverID), \(bind: briefing.organizerID),
                    \(bind: briefing.startsAt.millis), \(bind: briefing.durationMinutes), \(bind: briefing.place), \(bind: briefing.videoURL),
                    \(bind: briefing.sequence), \(bind: briefing.state.rawValue), \(bind: try JSONCoding.encode(briefing.confirmations)),
                    \(bind: briefing.version), \(bind: briefing.createdAt.millis), \(bind: briefing.updatedAt.millis))
                """
            ).run()
            for (position, memberID) in briefing.attendeeIDs.enumerated() {
                try await db.raw(
                    """
                    INSERT INTO briefing_attendees (briefing_id, organization_id, member_id, position)
                    VALUES (\(bind: briefing.id), \(bind: briefing.organizationID), \(bind: memberID), \(bind: position))
                    """
                ).run()
            }
            try await Self.auditBriefing(briefing, action: "briefing.schedule", actor: actor, db)
            try await Self.insertNotices(notices, db)
            try await Self.emitWebhooks([WebhookEvent.briefingScheduled(briefing)], db)
        }
    }

    public func saveBriefing(_ briefing: Briefing, expectedVersion: Int, action: String, notices: [Notice], by actor: AuditActor) async throws {
        try await write { db in
            let updated = try await db.raw(
                """
                UPDATE briefings SET starts_at = \(bind: briefing.startsAt.millis), duration_minutes = \(bind: briefing.durationMinutes),
                    place = \(bind: briefing.place), video_url = \(bind: briefing.videoURL), sequence = \(bind: briefing.sequence),
                    state = \(bind: briefing.state.rawValue), confirmations = \(bind: try JSONCoding.encode(briefing.confirmations)),
                    version = \(bind: briefing.version), updated_at = \(bind: briefing.updatedAt.millis)
                WHERE id = \(bind: briefing.id) AND organization_id = \(bind: briefing.organizationID) AND version = \(bind: expectedVersion)
                RETURNING id
                """
            ).all()
            if updated.isEmpty { throw StoreError.stale("briefing \(briefing.id) changed since it was read") }
            try await Self.auditBriefing(briefing, action: action, actor: actor, db)
            try await Self.insertNotices(notices, db)
        }
    }

    /// The audit entry of a briefing change, about its handover, with the digest of the briefing as saved.
    static func auditBriefing(_ briefing: Briefing, action: String, actor: AuditActor, _ db: any SQLDatabase) async throws {
        try await appendAudit(
            [AuditRecord(action: action, target: "handover:\(briefing.handoverID)", digest: try CanonicalJSON.digest(briefing))],
            organizationID: briefing.organizationID, actor: actor, at: briefing.updatedAt, db)
    }

    static let briefingColumns =
        "b.id, b.organization_id, b.handover_id, b.organizer_id, b.starts_at, b.duration_minutes, b.place, b.video_url, b.sequence, b.state, b.confirmations, b.version, b.created_at, b.updated_at"

    public func briefing(id: String, organizationID: String) async throws -> Briefing? {
        try await database.withSession { db in
            try await Self.briefings(
                where: SQLQueryString("b.id = \(bind: id) AND b.organization_id = \(bind: organizationID)"), organizationID: organizationID, db
            ).first
        }
    }

    public func briefings(handoverID: String, organizationID: String) async throws -> [Briefing] {
        try await database.withSession { db in try await Self.briefings(handoverID: handoverID, organizationID: organizationID, db) }
    }

    static func briefings(handoverID: String, organizationID: String, _ db: any SQLDatabase) async throws -> [Briefing] {
        try await briefings(
            where: SQLQueryString("b.handover_id = \(bind: handoverID) AND b.organization_id = \(bind: organizationID)"), organizationID: organizationID, db)
    }

    public func briefings(attendeeID: String, organizationID: String) async throws -> [Briefing] {
        try await database.withSession { db in
            try await Self.briefings(
                where: SQLQueryString(
                    "b.organization_id = \(bind: organizationID) AND b.id IN (SELECT briefing_id FROM briefing_attendees WHERE organization_id = \(bind: organizationID) AND member_id = \(bind: attendeeID))"
                ), organizationID: organizationID, db)
        }
    }

    static func briefings(where condition: SQLQueryString, organizationID: String, _ db: any SQLDatabase) async throws -> [Briefing] {
        var briefings = try await db.raw("SELECT \(unsafeRaw: briefingColumns) FROM briefings b WHERE " + condition + " ORDER BY b.starts_at, b.id").all().map(
            decodeBriefing)
        guard !briefings.isEmpty else { return [] }
        var attendees: [String: [(Int, String)]] = [:]
        let ids = briefings.map(\.id)
        var query = SQLQueryString("SELECT briefing_id, member_id, position FROM briefing_attendees WHERE organization_id = \(bind: organizationID) AND briefing_id IN (")
        for (index, id) in ids.enumerated() { query += index == 0 ? "\(bind: id)" : ", \(bind: id)" }
        query += ")"
        for row in try await db.raw(query).all() {
            attendees[try row.decode(column: "briefing_id", as: String.self), default: []].append(
                (try row.decode(column: "position", as: Int.self), try row.decode(column: "member_id", as: String.self)))
        }
        for index in briefings.indices { briefings[index].attendeeIDs = (attendees[briefings[index].id] ?? []).sorted { $0.0 < $1.0 }.map(\.1) }
        return briefings
    }

    static func decodeBriefing(_ row: any SQLRow) throws -> Briefing {
        let state = try row.decode(column: "state", as: String.self)
        guard let briefingState = BriefingState(rawValue: state) else { throw StoreError.damaged("briefing state \"\(state)\" is not one Handover writes") }
        return Briefing(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            handoverID: try row.decode(column: "handover_id", as: String.self), organizerID: try row.decode(column: "organizer_id", as: String.self),
            startsAt: Date(millis: try row.decode(column: "starts_at", as: Int64.self)), durationMinutes: try row.decode(column: "duration_minutes", as: Int.self),
            place: try row.decode(column: "place", as: String?.self), videoURL: try row.decode(column: "video_url", as: String?.self), attendeeIDs: [],
            sequence: try row.decode(column: "sequence", as: Int.self), state: briefingState,
            confirmations: try JSONCoding.decode([BriefingConfirmation].self, from: try row.decode(column: "confirmations", as: String.self)),
            version: try row.decode(column: "version", as: Int.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)), updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    // MARK: Calendar feeds

    public func setCalendarFeed(memberID: String, organizationID: String, digest: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            try await db.raw("DELETE FROM calendar_feeds WHERE member_id = \(bind: memberID) AND organization_id = \(bind: organizationID)").run()
            try await db.raw(
                """
                INSERT INTO calendar_feeds (member_id, organization_id, token_digest, created_at)
                VALUES (\(bind: memberID), \(bind: organizationID), \(bind: digest), \(bind: now.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "calendar-feed.create", target: "member:\(memberID)")], organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    public func deleteCalendarFeed(memberID: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> Bool {
        try await write { db in
            let deleted = try await db.raw(
                "DELETE FROM calendar_feeds WHERE member_id = \(bind: memberID) AND organization_id = \(bind: organizationID) RETURNING member_id"
            ).all()
            guard !deleted.isEmpty else { return false }
            try await Self.appendAudit(
                [AuditRecord(action: "calendar-feed.revoke", target: "member:\(memberID)")], organizationID: organizationID, actor: actor, at: now, db)
            return true
        }
    }

    public func calendarFeedMember(digest: String) async throws -> Member? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.memberColumns) FROM calendar_feeds f JOIN members m ON m.id = f.member_id
                WHERE f.token_digest = \(bind: digest) AND m.deactivated_at IS NULL
                """
            ).first().map(Self.decodeMember)
        }
    }
}
