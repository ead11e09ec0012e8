import Foundation
import HandoverCore
import SQLKit

/// Notifications: each member's preference per kind, the items kept for their daily digest,
/// and which handovers were reported overdue on which day. `insertNotices` is the one place
/// that turns a notice into an email, a digest item or nothing, inside the caller's transaction.
extension SQLHandoverStore {
    /// Delivers each notice by its member's preference for its kind, read in this transaction:
    /// `email` queues the message (and its mail.send job), `digest` keeps its subject and link
    /// for the next digest, `off` drops it.
    static func insertNotices(_ notices: [Notice], _ db: any SQLDatabase) async throws {
        guard !notices.isEmpty else { return }
        // A deactivated member gets no mail and no digest items: they have left (Docs/Departures.md).
        let inactive = Set(
            try await db.raw("SELECT id FROM members WHERE id IN (\(binds: Array(Set(notices.map(\.memberID))))) AND deactivated_at IS NOT NULL").all().map {
                try $0.decode(column: "id", as: String.self)
            })
        let notices = notices.filter { !inactive.contains($0.memberID) }
        guard !notices.isEmpty else { return }
        var preferences: [String: NotificationPreferences] = [:]
        for memberID in Set(notices.map(\.memberID)) {
            preferences[memberID] = try await readPreferences(memberID: memberID, organizationID: notices.first { $0.memberID == memberID }!.message.organizationID, db)
        }
        var mail: [OutboxMessage] = []
        for notice in notices {
            switch preferences[notice.memberID, default: NotificationPreferences()].setting(for: notice.kind) {
            case .email: mail.append(notice.message)
            case .off: continue
            case .digest:
                let message = notice.message
                try await db.raw(
                    """
                    INSERT INTO digest_items (id, organization_id, member_id, kind, handover_id, summary, link, created_at)
                    VALUES (\(bind: message.id), \(bind: message.organizationID), \(bind: notice.memberID), \(bind: notice.kind.rawValue),
                        \(bind: message.handoverID), \(bind: message.subject), \(bind: notice.link), \(bind: message.createdAt.millis))
                    """
                ).run()
            }
        }
        try await insertOutbox(mail, db)
    }

    static func readPreferences(memberID: String, organizationID: String, _ db: any SQLDatabase) async throws -> NotificationPreferences {
        let rows = try await db.raw(
            "SELECT kind, setting FROM notification_preferences WHERE member_id = \(bind: memberID) AND organization_id = \(bind: organizationID)"
        ).all()
        var settings: [NotificationKind: NotificationSetting] = [:]
        for row in rows {
            // A kind or setting this version does not know (written by a newer one) is skipped: the default applies.
            guard let kind = NotificationKind(rawValue: try row.decode(column: "kind", as: String.self)),
                let setting = NotificationSetting(rawValue: try row.decode(column: "setting", as: String.self))
            else { continue }
            settings[kind] = setting
        }
        return NotificationPreferences(settings)
    }

    public func notificationPreferences(memberID: String, organizationID: String) async throws -> NotificationPreferences {
        try await database.withSession { db in try await Self.readPreferences(memberID: memberID, organizationID: organizationID, db) }
    }

    public func setNotificationPreferences(
        _ changes: [NotificationKind: NotificationSetting], memberID: String, organizationID: String, at now: Date
    ) async throws {
        guard !changes.isEmpty else { return }
        try await write { db in
            for (kind, setting) in changes.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                try await db.raw(
                    """
                    INSERT INTO notification_preferences (organization_id, member_id, kind, setting, updated_at)
                    VALUES (\(bind: organizationID), \(bind: memberID), \(bind: kind.rawValue), \(bind: setting.rawValue), \(bind: now.millis))
                    ON CONFLICT (member_id, kind) DO UPDATE SET setting = excluded.setting, updated_at = excluded.updated_at
                    """
                ).run()
            }
        }
    }

    public func deliver(_ notices: [Notice]) async throws {
        try await write("a notice with this id already exists") { db in try await Self.insertNotices(notices, db) }
    }

    public func membersWithPendingDigest() async throws -> [(organizationID: String, memberID: String)] {
        try await database.withSession { db in
            // Not a deactivated member's: their items wait, unsent, in case they are reactivated.
            try await db.raw(
                """
                SELECT DISTINCT d.organization_id, d.member_id FROM digest_items d JOIN members m ON m.id = d.member_id
                WHERE d.sent_at IS NULL AND m.deactivated_at IS NULL ORDER BY d.organization_id, d.member_id
                """
            ).all().map { row in
                (try row.decode(column: "organization_id", as: String.self), try row.decode(column: "member_id", as: String.self))
            }
        }
    }

    public func queueDigest(
        memberID: String, organizationID: String, at now: Date, compose: @escaping @Sendable ([DigestItem]) -> OutboxMessage?
    ) async throws -> OutboxMessage? {
        try await write { db in
            let items = try await db.raw(
                """
                SELECT id, organization_id, member_id, kind, handover_id, summary, link, created_at FROM digest_items
                WHERE member_id = \(bind: memberID) AND organization_id = \(bind: organizationID) AND sent_at IS NULL
                ORDER BY created_at, id
                """
            ).all().map { row in
                DigestItem(
                    id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    memberID: try row.decode(column: "member_id", as: String.self), kind: try row.decode(column: "kind", as: String.self),
                    handoverID: try row.decode(column: "handover_id", as: String?.self), summary: try row.decode(column: "summary", as: String.self),
                    link: try row.decode(column: "link", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
            guard !items.isEmpty, let message = compose(items) else { return nil }
            try await Self.insertOutbox([message], db)
            // Marks exactly the items listed; a replica that queued a digest of them meanwhile
            // leaves some unmarked here, and this transaction rolls back instead of sending them twice.
            var marked = 0
            for item in items {
                marked += try await db.raw(
                    """
                    UPDATE digest_items SET sent_at = \(bind: now.millis), digest_message_id = \(bind: message.id)
                    WHERE id = \(bind: item.id) AND sent_at IS NULL RETURNING id
                    """
                ).all().count
            }
            if marked != items.count { throw StoreError.stale("another digest listed these items meanwhile") }
            return message
        }
    }

    public func overdueHandovers(before day: CalendarDate, limit: Int) async throws -> [(organizationID: String, handoverID: String, due: CalendarDate)] {
        let open = HandoverState.openStates.map(\.rawValue)
        return try await database.withSession { db in
            // `accounts.next_due` is the account's earliest open item's due date (`AccountProfile.nextDue`),
            // what shows the account as overdue on the home page.
            let query: SQLQueryString = """
                SELECT h.organization_id, h.id, a.next_due FROM handovers h JOIN accounts a ON a.id = h.account_id AND a.organization_id = h.organization_id
                WHERE a.next_due < \(bind: day.description) AND h.state IN (\(binds: open))
                  AND NOT EXISTS (SELECT 1 FROM overdue_notices o WHERE o.handover_id = h.id AND o.day = \(bind: day.description))
                ORDER BY h.organization_id, h.id LIMIT \(bind: max(1, min(limit, 10_000)))
                """
            return try await db.raw(query).all().compactMap { row in
                guard let due = CalendarDate(try row.decode(column: "next_due", as: String.self)) else { return nil }
                return (try row.decode(column: "organization_id", as: String.self), try row.decode(column: "id", as: String.self), due)
            }
        }
    }

    public func recordOverdueNotice(handoverID: String, organizationID: String, day: CalendarDate, notices: [Notice], at now: Date) async throws -> Bool {
        try await write { db in
            let inserted = try await db.raw(
                """
                INSERT INTO overdue_notices (organization_id, handover_id, day, sent_at)
                VALUES (\(bind: organizationID), \(bind: handoverID), \(bind: day.description), \(bind: now.millis))
                ON CONFLICT (handover_id, day) DO NOTHING RETURNING handover_id
                """
            ).all()
            guard !inserted.isEmpty else { return false }
            try await Self.insertNotices(notices, db)
            return true
        }
    }
}
