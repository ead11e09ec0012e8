import Foundation
import HandoverCore
import SQLKit

/// The mail outbox: messages written with their mail.send job in the transaction of the change
/// that causes them, listed by who may see them, and each try's outcome.
extension SQLHandoverStore {
    /// Inserts `messages` and one mail.send job each, in the caller's transaction.
    static func insertOutbox(_ messages: [OutboxMessage], _ db: any SQLDatabase) async throws {
        guard !messages.isEmpty else { return }
        for message in messages {
            try await db.raw(
                """
                INSERT INTO outbox_messages (id, organization_id, handover_id, kind, recipients, subject, text_body, html_body, attachments,
                    state, attempts, last_reply, created_at, sent_at, updated_at)
                VALUES (\(bind: message.id), \(bind: message.organizationID), \(bind: message.handoverID), \(bind: message.kind),
                    \(bind: try JSONCoding.encode(StoredRecipients(to: message.to, cc: message.cc, author: message.author))), \(bind: message.subject), \(bind: message.text),
                    \(bind: message.html), \(bind: try JSONCoding.encode(message.attachments.map(StoredAttachment.init))), \(bind: message.state.rawValue),
                    \(bind: message.attempts), \(bind: message.lastReply), \(bind: message.createdAt.millis), \(bind: message.sentAt?.millis),
                    \(bind: message.updatedAt.millis))
                """
            ).run()
        }
        let jobs = messages.filter { $0.state == .queued }.map { message in
            NewJob(
                id: NewJob.newID(at: message.createdAt), organizationID: message.organizationID, kind: JobKind.mailSend,
                payload: (try? JSONCoding.encode(["message": message.id])) ?? "{}", runAfter: message.createdAt, dedupeKey: "mail:" + message.id)
        }
        try await enqueue(jobs, at: Date(), db)
    }

    public func enqueueMail(_ messages: [OutboxMessage]) async throws {
        try await write("an outbox message with this id already exists") { db in try await Self.insertOutbox(messages, db) }
    }

    static let outboxColumns =
        "m.id, m.organization_id, m.handover_id, m.kind, m.recipients, m.subject, m.text_body, m.html_body, m.attachments, m.state, m.attempts, m.last_reply, m.created_at, m.sent_at, m.updated_at"

    public func outboxMessage(id: String, organizationID: String) async throws -> OutboxMessage? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox_messages m WHERE m.id = \(bind: id) AND m.organization_id = \(bind: organizationID)"
            ).first().map(Self.decodeOutbox)
        }
    }

    public func outboxMessages(organizationID: String, filter: OutboxFilter) async throws -> [OutboxMessage] {
        try await database.withSession { db in
            var query = SQLQueryString(
                "SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox_messages m LEFT JOIN handovers h ON h.id = m.handover_id WHERE m.organization_id = \(bind: organizationID)"
            )
            // The handover list's visibility (`handovers(visibleTo:)`), for the message's handover;
            // messages about no handover are the organization's, for admins.
            if let viewer = filter.viewer {
                switch viewer.role {
                case .admin: break
                case .auditor: query += " AND h.id IS NOT NULL"
                case .manager:
                    query += """
                         AND (h.transferor_id = \(bind: viewer.id) OR h.recipient_id = \(bind: viewer.id)
                           OR h.transferor_id IN (SELECT id FROM members WHERE manager_id = \(bind: viewer.id))
                           OR h.recipient_id IN (SELECT id FROM members WHERE manager_id = \(bind: viewer.id)))
                        """
                case .member: query += " AND (h.transferor_id = \(bind: viewer.id) OR h.recipient_id = \(bind: viewer.id))"
                }
            }
            if let handoverID = filter.handoverID { query += " AND m.handover_id = \(bind: handoverID)" }
            if let state = filter.state { query += " AND m.state = \(bind: state.rawValue)" }
            query += " ORDER BY m.created_at DESC, m.id DESC LIMIT \(bind: max(1, min(filter.limit, 1000)))"
            return try await db.raw(query).all().map(Self.decodeOutbox)
        }
    }

    public func recordMailAttempt(id: String, organizationID: String, state: OutboxState, reply: String?, at now: Date) async throws -> OutboxMessage {
        let text = reply.map { String($0.prefix(2000)) }
        return try await write { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE outbox_messages SET state = \(bind: state.rawValue), attempts = attempts + 1, last_reply = \(bind: text),
                        sent_at = \(bind: state == .sent ? now.millis : nil), updated_at = \(bind: now.millis)
                    WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)
                    RETURNING id, organization_id, handover_id, kind, recipients, subject, text_body, html_body, attachments, state, attempts, last_reply,
                        created_at, sent_at, updated_at
                    """
                ).first()
            else { throw StoreError.notFound("outbox message \(id)") }
            return try Self.decodeOutbox(row)
        }
    }

    public func outboxMessages(ids: [String]) async throws -> [OutboxMessage] {
        guard !ids.isEmpty else { return [] }
        return try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.outboxColumns) FROM outbox_messages m WHERE m.id IN (\(binds: ids))").all().map(Self.decodeOutbox)
        }
    }

    public func recordMailSent(_ sent: [MailSent], at now: Date) async throws -> Set<String> {
        guard !sent.isEmpty else { return [] }
        return try await write { db in
            // Each message's own reply, in one statement: a CTE of (id, organization, reply) rows,
            // which both engines accept before an UPDATE.
            for chunk in stride(from: 0, to: sent.count, by: 200).map({ Array(sent[$0..<min($0 + 200, sent.count)]) }) {
                var query = SQLQueryString("WITH sent (id, organization_id, reply) AS (VALUES ")
                for (index, item) in chunk.enumerated() {
                    if index > 0 { query += ", " }
                    query += "(\(bind: item.messageID), \(bind: item.organizationID), \(bind: String(item.reply.prefix(2000))))"
                }
                query += """
                    ) UPDATE outbox_messages SET state = \(bind: OutboxState.sent.rawValue), attempts = attempts + 1,
                        last_reply = (SELECT reply FROM sent WHERE sent.id = outbox_messages.id),
                        sent_at = \(bind: now.millis), updated_at = \(bind: now.millis)
                    WHERE id IN (SELECT id FROM sent) AND organization_id = (SELECT organization_id FROM sent WHERE sent.id = outbox_messages.id)
                    """
                try await db.raw(query).run()
            }
            var done: Set<String> = []
            for (runner, jobs) in Dictionary(grouping: sent.map(\.job), by: \.lockedBy) {
                guard let runner else { continue }
                for start in stride(from: 0, to: jobs.count, by: 500) {
                    let ids = jobs[start..<min(start + 500, jobs.count)].map(\.id)
                    let rows = try await db.raw(
                        """
                        UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = \(bind: now.millis)
                        WHERE id IN (\(binds: ids)) AND locked_by = \(bind: runner) AND state = 'running' RETURNING id
                        """
                    ).all()
                    for row in rows { done.insert(try row.decode(column: "id", as: String.self)) }
                }
            }
            return done
        }
    }

    static func decodeOutbox(_ row: any SQLRow) throws -> OutboxMessage {
        let state = try row.decode(column: "state", as: String.self)
        guard let outboxState = OutboxState(rawValue: state) else { throw StoreError.damaged("outbox state \"\(state)\" is not one Handover writes") }
        let recipients = try JSONCoding.decode(StoredRecipients.self, from: try row.decode(column: "recipients", as: String.self))
        let attachments = try JSONCoding.decode([StoredAttachment].self, from: try row.decode(column: "attachments", as: String.self))
        return OutboxMessage(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            handoverID: try row.decode(column: "handover_id", as: String?.self),
            kind: try row.decode(column: "kind", as: String.self),
            to: recipients.to, cc: recipients.cc,
            subject: try row.decode(column: "subject", as: String.self),
            text: try row.decode(column: "text_body", as: String.self),
            html: try row.decode(column: "html_body", as: String?.self),
            attachments: try attachments.map { try $0.attachment() },
            state: outboxState,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastReply: try row.decode(column: "last_reply", as: String?.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            sentAt: try row.decode(column: "sent_at", as: Int64?.self).map(Date.init(millis:)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)), author: recipients.author)
    }
}

private struct StoredRecipients: Codable {
    var to: [MailAddress]
    var cc: [MailAddress]
    /// A person's email (the customer's introduction); absent in rows written before it.
    var author: MailAddress?
}

/// An attachment's bytes as base64 in the JSON column (an array of numbers would be four times
/// the size).
private struct StoredAttachment: Codable {
    var filename: String
    var contentType: String
    var base64: String

    init(_ attachment: MailAttachment) {
        filename = attachment.filename
        contentType = attachment.contentType
        base64 = Data(attachment.content).base64EncodedString()
    }

    func attachment() throws -> MailAttachment {
        guard let data = Data(base64Encoded: base64) else { throw StoreError.damaged("an outbox attachment is not base64") }
        return try MailAttachment(filename: filename, contentType: contentType, content: Array(data))
    }
}
