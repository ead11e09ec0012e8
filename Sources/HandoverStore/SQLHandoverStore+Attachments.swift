import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Attachment rows: one per upload, each with its audit entry (`attachment.create` and
/// `attachment.delete`, committing to the content's SHA-256).
extension SQLHandoverStore {
    static let attachmentColumns = "id, organization_id, handover_id, account_id, name, media_type, size, sha256, uploader_id, created_at, deleted_at"

    static func decodeAttachment(_ row: any SQLRow) throws -> Attachment {
        let handoverID = try row.decode(column: "handover_id", as: String?.self)
        let accountID = try row.decode(column: "account_id", as: String?.self)
        return Attachment(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            owner: handoverID.map(AttachmentOwner.handover) ?? .account(accountID ?? ""), name: try row.decode(column: "name", as: String.self),
            mediaType: try row.decode(column: "media_type", as: String.self), size: try row.decode(column: "size", as: Int64.self),
            sha256: try row.decode(column: "sha256", as: String.self), uploaderID: try row.decode(column: "uploader_id", as: String.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            deletedAt: try row.decode(column: "deleted_at", as: Int64?.self).map { Date(millis: $0) })
    }

    static func attachmentDigest(_ attachment: Attachment) throws -> String {
        try CanonicalJSON.digest([
            "attachment": attachment.id, "owner": attachment.owner.description, "name": attachment.name, "mediaType": attachment.mediaType,
            "size": String(attachment.size), "sha256": attachment.sha256,
        ])
    }

    static func attachmentTarget(_ attachment: Attachment) -> String {
        switch attachment.owner {
        case .handover(let id): "handover:\(id)"
        case .account(let id): "account:\(id)"
        }
    }

    public func createAttachment(_ attachment: Attachment, by actor: AuditActor) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO attachments (id, organization_id, handover_id, account_id, name, media_type, size, sha256, uploader_id, created_at, deleted_at)
                VALUES (\(bind: attachment.id), \(bind: attachment.organizationID), \(bind: attachment.handoverID), \(bind: attachment.accountID),
                        \(bind: attachment.name), \(bind: attachment.mediaType), \(bind: attachment.size), \(bind: attachment.sha256),
                        \(bind: attachment.uploaderID), \(bind: attachment.createdAt.millis), NULL)
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "attachment.create", target: Self.attachmentTarget(attachment), digest: try Self.attachmentDigest(attachment))],
                organizationID: attachment.organizationID, actor: actor, at: attachment.createdAt, db)
        }
    }

    public func attachment(id: String, organizationID: String) async throws -> Attachment? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.attachmentColumns) FROM attachments
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND deleted_at IS NULL
                """
            ).first().map(Self.decodeAttachment)
        }
    }

    public func attachments(owner: AttachmentOwner, organizationID: String) async throws -> [Attachment] {
        let column = owner.handoverID == nil ? "account_id" : "handover_id"
        let id = owner.handoverID ?? owner.accountID ?? ""
        return try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.attachmentColumns) FROM attachments
                WHERE organization_id = \(bind: organizationID) AND \(unsafeRaw: column) = \(bind: id) AND deleted_at IS NULL
                ORDER BY created_at, id
                """
            ).all().map(Self.decodeAttachment)
        }
    }

    public func deleteAttachment(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            let rows = try await db.raw(
                """
                UPDATE attachments SET deleted_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND deleted_at IS NULL
                RETURNING \(unsafeRaw: Self.attachmentColumns)
                """
            ).all()
            guard let row = rows.first else { throw StoreError.notFound("attachment \(id)") }
            let attachment = try Self.decodeAttachment(row)
            try await Self.appendAudit(
                [AuditRecord(action: "attachment.delete", target: Self.attachmentTarget(attachment), digest: try Self.attachmentDigest(attachment))],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    public func attachmentContentInUse(sha256: String) async throws -> Bool {
        try await database.withSession { db in
            try await db.raw("SELECT id FROM attachments WHERE sha256 = \(bind: sha256) AND deleted_at IS NULL LIMIT 1").first() != nil
        }
    }
}
