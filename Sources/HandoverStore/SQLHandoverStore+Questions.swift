import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

extension SQLHandoverStore {
    public func addQuestion(_ question: HandoverQuestion) async throws {
        try await addQuestion(question, notices: [])
    }

    public func addQuestion(_ question: HandoverQuestion, notices: [Notice]) async throws {
        let engine = database.engine
        try await write { db in
            try await db.raw(
                """
                INSERT INTO handover_questions (id, handover_id, organization_id, author_id, body, created_at)
                VALUES (\(bind: question.id), \(bind: question.handoverID), \(bind: question.organizationID), \(bind: question.authorID),
                        \(bind: question.body), \(bind: question.createdAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "question.ask", target: "handover:\(question.handoverID)", digest: Hex.sha256(Array(question.body.utf8)))],
                organizationID: question.organizationID, actor: AuditActor(member: question.authorID), at: question.createdAt, db)
            try await Self.insertNotices(notices, db)
            try await Self.emitWebhooks([WebhookEvent.questionAsked(question)], db)
            // Delivered to every listening replica when (and only if) this transaction commits.
            if engine == .postgres {
                try await db.raw("SELECT pg_notify(\(bind: ThreadSignal.channel), \(bind: question.handoverID))").run()
            }
        }
        threadSignal.notify(handoverID: question.handoverID)
    }

    public func listenForThreadChanges() async throws {
        try await database.listen(channel: ThreadSignal.channel) { [threadSignal] handoverID in threadSignal.notify(handoverID: handoverID) }
    }

    public func questions(handoverID: String, organizationID: String) async throws -> [HandoverQuestion] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, handover_id, organization_id, author_id, body, created_at FROM handover_questions
                WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) ORDER BY created_at, id
                """
            ).all().map { row in
                HandoverQuestion(
                    id: try row.decode(column: "id", as: String.self),
                    organizationID: try row.decode(column: "organization_id", as: String.self),
                    handoverID: try row.decode(column: "handover_id", as: String.self),
                    authorID: try row.decode(column: "author_id", as: String.self),
                    body: try row.decode(column: "body", as: String.self),
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }
}
