import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// The customer's introduction and the follow-up: the organization's template, introductions
/// (each written with its email, its audit entry and the ticked packet in one transaction), the
/// follow-up scheduled by the completion, the surveys (links kept as SHA-256 digests only).
extension SQLHandoverStore {
    public func introductionTemplate(organizationID: String) async throws -> IntroductionTemplate? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT subject, body, booking_link FROM introduction_templates WHERE organization_id = \(bind: organizationID)"
            ).first().map { row in
                IntroductionTemplate(
                    subject: try row.decode(column: "subject", as: String.self), body: try row.decode(column: "body", as: String.self),
                    bookingLink: try row.decode(column: "booking_link", as: String?.self), customized: true)
            }
        }
    }

    public func saveIntroductionTemplate(_ template: IntroductionTemplate?, organizationID: String, by actor: AuditActor, at now: Date) async throws {
        try await write { db in
            try await db.raw("DELETE FROM introduction_templates WHERE organization_id = \(bind: organizationID)").run()
            if let template {
                try await db.raw(
                    """
                    INSERT INTO introduction_templates (organization_id, subject, body, booking_link, updated_by, updated_at)
                    VALUES (\(bind: organizationID), \(bind: template.subject), \(bind: template.body), \(bind: template.bookingLink), \(bind: actor.id),
                        \(bind: now.millis))
                    """
                ).run()
            }
            let digest = try CanonicalJSON.digest(["subject": template?.subject ?? "", "body": template?.body ?? "", "bookingLink": template?.bookingLink ?? ""])
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: template == nil ? "introduction.template.reset" : "introduction.template.set", target: "organization:\(organizationID)", digest: digest)
                ],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    /// How long the same introduction (subject, body, recipients) is refused again: a double
    /// click or a retried request must not email the customer twice.
    static let introductionRepeatWindow: TimeInterval = 10 * 60

    public func recordIntroduction(_ record: IntroductionRecord, mail: OutboxMessage?, ticked: Handover?, expectedVersion: Int) async throws {
        let lock = database.engine == .postgres ? " FOR UPDATE" : ""
        try await write { db in
            // Two sends at once take turns on the handover's row (SQLite's one writer does this by itself).
            _ = try await db.raw(
                "SELECT version FROM handovers WHERE id = \(bind: record.handoverID) AND organization_id = \(bind: record.organizationID)\(unsafeRaw: lock)"
            ).first()
            let recipients = try JSONCoding.encode(record.to)
            if let earlier = try await db.raw(
                """
                SELECT created_at FROM introductions
                WHERE handover_id = \(bind: record.handoverID) AND organization_id = \(bind: record.organizationID) AND mode = \(bind: record.mode.rawValue)
                  AND subject = \(bind: record.subject) AND body = \(bind: record.body) AND recipients = \(bind: recipients)
                  AND created_at > \(bind: record.createdAt.addingTimeInterval(-Self.introductionRepeatWindow).millis)
                """
            ).first() {
                let at = Date(millis: try earlier.decode(column: "created_at", as: Int64.self))
                let verb = record.mode == .sent ? "sent" : "recorded"
                throw HandoverError.conflict("This introduction, to the same people, was \(verb) at \(Timestamp.format(at)); it is not \(verb) twice.")
            }
            if let ticked { try await Self.saveHandover(ticked, expectedVersion: expectedVersion, db) }
            try await db.raw(
                """
                INSERT INTO introductions (id, organization_id, handover_id, mode, subject, body, recipients, outbox_message_id, by_id, ticked, created_at)
                VALUES (\(bind: record.id), \(bind: record.organizationID), \(bind: record.handoverID), \(bind: record.mode.rawValue), \(bind: record.subject),
                    \(bind: record.body), \(bind: recipients), \(bind: record.outboxMessageID), \(bind: record.byID),
                    \(bind: record.ticked ? 1 : 0), \(bind: record.createdAt.millis))
                """
            ).run()
            try await Self.insertOutbox(mail.map { [$0] } ?? [], db)
            let digest = try CanonicalJSON.digest(["subject": record.subject, "body": record.body, "to": record.to.map(\.address).joined(separator: ",")])
            try await Self.appendAudit(
                [AuditRecord(action: "introduction.\(record.mode.rawValue)", target: "handover:\(record.handoverID)", digest: digest)],
                organizationID: record.organizationID, actor: AuditActor(member: record.byID), at: record.createdAt, db)
        }
    }

    public func introductions(handoverID: String, organizationID: String) async throws -> [IntroductionRecord] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, organization_id, handover_id, mode, subject, body, recipients, outbox_message_id, by_id, ticked, created_at FROM introductions
                WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) ORDER BY created_at, id
                """
            ).all().map { row in
                IntroductionRecord(
                    id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    handoverID: try row.decode(column: "handover_id", as: String.self),
                    mode: IntroductionRecord.Mode(rawValue: try row.decode(column: "mode", as: String.self)) ?? .recorded,
                    subject: try row.decode(column: "subject", as: String.self), body: try row.decode(column: "body", as: String.self),
                    to: try JSONCoding.decode([MailAddress].self, from: try row.decode(column: "recipients", as: String.self)),
                    outboxMessageID: try row.decode(column: "outbox_message_id", as: String?.self), byID: try row.decode(column: "by_id", as: String.self),
                    ticked: try row.decode(column: "ticked", as: Int.self) != 0,
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    /// The completion's follow-up: its row and its job (to run at `followUpAt`), in the
    /// completion's transaction. A verification records the manager's check-in.
    static func scheduleFollowUp(_ transition: Transition, _ db: any SQLDatabase) async throws {
        let handover = transition.handover
        if let at = transition.followUpAt {
            try await db.raw(
                """
                INSERT INTO follow_ups (handover_id, organization_id, due_at) VALUES (\(bind: handover.id), \(bind: handover.organizationID), \(bind: at.millis))
                """
            ).run()
            try await enqueue(
                [
                    NewJob(
                        id: NewJob.newID(at: handover.updatedAt), organizationID: handover.organizationID, kind: JobKind.followUp,
                        payload: (try? JSONCoding.encode(["handover": handover.id])) ?? "{}", runAfter: at, dedupeKey: "followup:" + handover.id)
                ], at: handover.updatedAt, db)
        }
        if handover.state == .verified, transition.record.fromState == .completed {
            try await db.raw(
                """
                UPDATE follow_ups SET checked_in_at = \(bind: handover.updatedAt.millis), checked_in_by = \(bind: transition.record.actorID)
                WHERE handover_id = \(bind: handover.id) AND checked_in_at IS NULL
                """
            ).run()
        }
    }

    public func followUp(handoverID: String, organizationID: String) async throws -> FollowUp? {
        try await database.withSession { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT handover_id, due_at, started_at, enough, missing, rushed, score, answered_at, checked_in_at, checked_in_by FROM follow_ups
                    WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID)
                    """
                ).first()
            else { return nil }
            var answer: RecipientSurveyAnswer?
            if let answeredAt = try row.decode(column: "answered_at", as: Int64?.self) {
                answer = RecipientSurveyAnswer(
                    enough: (try row.decode(column: "enough", as: Int?.self) ?? 0) != 0, missing: try row.decode(column: "missing", as: String?.self) ?? "",
                    rushed: (try row.decode(column: "rushed", as: Int?.self) ?? 0) != 0, score: try row.decode(column: "score", as: Int?.self) ?? 0,
                    answeredAt: Date(millis: answeredAt))
            }
            let surveys = try await db.raw(
                "SELECT \(unsafeRaw: Self.surveyColumns) FROM customer_surveys WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) ORDER BY created_at, id"
            ).all().map(Self.decodeSurvey)
            return FollowUp(
                handoverID: handoverID, dueAt: Date(millis: try row.decode(column: "due_at", as: Int64.self)),
                startedAt: try row.decode(column: "started_at", as: Int64?.self).map(Date.init(millis:)), recipient: answer, customers: surveys,
                checkedInAt: try row.decode(column: "checked_in_at", as: Int64?.self).map(Date.init(millis:)),
                checkedInBy: try row.decode(column: "checked_in_by", as: String?.self))
        }
    }

    public func startFollowUp(
        handoverID: String, organizationID: String, surveys: [(survey: CustomerSurvey, tokenDigest: String)], mail: [OutboxMessage], notices: [Notice],
        at now: Date
    ) async throws -> Bool {
        try await write { db in
            let started = try await db.raw(
                """
                UPDATE follow_ups SET started_at = \(bind: now.millis)
                WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) AND started_at IS NULL RETURNING handover_id
                """
            ).all()
            guard !started.isEmpty else { return false }
            for (survey, digest) in surveys {
                try await db.raw(
                    """
                    INSERT INTO customer_surveys (id, organization_id, handover_id, account_id, contact_name, contact_email, token_digest, created_at, expires_at)
                    VALUES (\(bind: survey.id), \(bind: organizationID), \(bind: survey.handoverID), \(bind: survey.accountID), \(bind: survey.contactName),
                        \(bind: survey.contactEmail), \(bind: digest), \(bind: survey.createdAt.millis), \(bind: survey.expiresAt.millis))
                    """
                ).run()
            }
            try await Self.insertOutbox(mail, db)
            try await Self.insertNotices(notices, db)
            try await Self.appendAudit(
                [AuditRecord(action: "followup.start", target: "handover:\(handoverID)", digest: try CanonicalJSON.digest(["surveys": String(surveys.count)]))],
                organizationID: organizationID, actor: .job(JobKind.followUp), at: now, db)
            return true
        }
    }

    public func answerRecipientSurvey(handoverID: String, organizationID: String, answer: RecipientSurveyAnswer, by actor: AuditActor) async throws -> Bool {
        try await write { db in
            let rows = try await db.raw(
                """
                UPDATE follow_ups SET enough = \(bind: answer.enough ? 1 : 0), missing = \(bind: answer.missing), rushed = \(bind: answer.rushed ? 1 : 0),
                    score = \(bind: answer.score), answered_at = \(bind: answer.answeredAt.millis)
                WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) AND started_at IS NOT NULL AND answered_at IS NULL
                RETURNING handover_id
                """
            ).all()
            guard !rows.isEmpty else { return false }
            try await Self.appendAudit(
                [AuditRecord(action: "followup.recipient", target: "handover:\(handoverID)", digest: try CanonicalJSON.digest(["score": String(answer.score)]))],
                organizationID: organizationID, actor: actor, at: answer.answeredAt, db)
            return true
        }
    }

    static let surveyColumns =
        "id, handover_id, account_id, contact_name, contact_email, created_at, expires_at, answered_at, satisfaction, repeated_story, comment"

    static func decodeSurvey(_ row: any SQLRow) throws -> CustomerSurvey {
        CustomerSurvey(
            id: try row.decode(column: "id", as: String.self), handoverID: try row.decode(column: "handover_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), contactName: try row.decode(column: "contact_name", as: String?.self),
            contactEmail: try row.decode(column: "contact_email", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            expiresAt: Date(millis: try row.decode(column: "expires_at", as: Int64.self)),
            answeredAt: try row.decode(column: "answered_at", as: Int64?.self).map(Date.init(millis:)),
            satisfaction: try row.decode(column: "satisfaction", as: Int?.self),
            repeatedStory: try row.decode(column: "repeated_story", as: Int?.self).map { $0 != 0 },
            comment: try row.decode(column: "comment", as: String?.self))
    }

    public func customerSurvey(tokenDigest: String) async throws -> (organizationID: String, survey: CustomerSurvey)? {
        try await database.withSession { db in
            guard
                let row = try await db.raw(
                    "SELECT organization_id, \(unsafeRaw: Self.surveyColumns) FROM customer_surveys WHERE token_digest = \(bind: tokenDigest)"
                ).first()
            else { return nil }
            return (try row.decode(column: "organization_id", as: String.self), try Self.decodeSurvey(row))
        }
    }

    public func answerCustomerSurvey(
        id: String, organizationID: String, satisfaction: Int, repeatedStory: Bool, comment: String?, at now: Date
    ) async throws -> Bool {
        try await write { db in
            // Single use, decided under the write: a second answer (or one after expiry) changes nothing.
            let rows = try await db.raw(
                """
                UPDATE customer_surveys SET satisfaction = \(bind: satisfaction), repeated_story = \(bind: repeatedStory ? 1 : 0), comment = \(bind: comment),
                    answered_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND answered_at IS NULL AND expires_at > \(bind: now.millis)
                RETURNING handover_id
                """
            ).all()
            guard let row = rows.first else { return false }
            let handoverID = try row.decode(column: "handover_id", as: String.self)
            try await Self.appendAudit(
                [AuditRecord(action: "followup.customer", target: "handover:\(handoverID)", digest: try CanonicalJSON.digest(["survey": id]))],
                organizationID: organizationID, actor: .job("survey"), at: now, db)
            return true
        }
    }

    public func customerSurveys(accountID: String, organizationID: String) async throws -> [CustomerSurvey] {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.surveyColumns) FROM customer_surveys WHERE account_id = \(bind: accountID) AND organization_id = \(bind: organizationID) ORDER BY created_at DESC, id"
            ).all().map(Self.decodeSurvey)
        }
    }
}
