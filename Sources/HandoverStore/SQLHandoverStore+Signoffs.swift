import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

// MARK: - Signing keys and sign-offs

extension SQLHandoverStore {
    public func enrolKey(_ key: SigningKey) async throws {
        try await write("key \(key.id) is already enrolled") { db in
            try await db.raw(
                """
                INSERT INTO signing_keys (id, organization_id, member_id, public_key, origin, enrolled_at)
                VALUES (\(bind: key.id), \(bind: key.organizationID), \(bind: key.memberID), \(bind: key.publicKey), \(bind: key.origin), \(bind: key.enrolledAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "key.enrol", target: "key:\(key.id)", digest: try key.auditDigest)],
                organizationID: key.organizationID, actor: AuditActor(member: key.memberID), at: key.enrolledAt, db)
        }
    }

    public func signingKeys(organizationID: String, memberID: String?) async throws -> [SigningKey] {
        try await database.withSession { db in
            let rows: [any SQLRow]
            if let memberID {
                rows = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.keyColumns) FROM signing_keys
                    WHERE organization_id = \(bind: organizationID) AND member_id = \(bind: memberID) ORDER BY enrolled_at
                    """
                ).all()
            } else {
                rows = try await db.raw("SELECT \(unsafeRaw: Self.keyColumns) FROM signing_keys WHERE organization_id = \(bind: organizationID) ORDER BY enrolled_at")
                    .all()
            }
            return try rows.map(Self.decodeKey)
        }
    }

    public func signingKey(id: String, organizationID: String) async throws -> SigningKey? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.keyColumns) FROM signing_keys WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map(Self.decodeKey)
        }
    }

    public func revokeKey(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            guard try await db.raw("SELECT id FROM signing_keys WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first() != nil else {
                throw StoreError.notFound("key \(id)")
            }
            let revoked = try await db.raw("UPDATE signing_keys SET revoked_at = \(bind: now.millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id").all()
            if !revoked.isEmpty {
                try await Self.appendAudit([AuditRecord(action: "key.revoke", target: "key:\(id)")], organizationID: organizationID, actor: actor, at: now, db)
            }
        }
    }

    public func addSignoff(_ signoff: Signoff) async throws {
        try await write("the \(signoff.role.rawValue) already signed this content") { db in
            // A no-op update that matches only the signed version: it takes the row's write lock
            // (PostgreSQL) so an edit cannot slip in between this check and the insert.
            let current = try await db.raw(
                """
                UPDATE handovers SET version = version
                WHERE id = \(bind: signoff.handoverID) AND organization_id = \(bind: signoff.organizationID) AND version = \(bind: signoff.handoverVersion)
                RETURNING id
                """
            ).all()
            if current.isEmpty {
                throw StoreError.stale("handover \(signoff.handoverID) changed after version \(signoff.handoverVersion) was signed; review it and sign again")
            }
            let key = try await db.raw(
                """
                SELECT id FROM signing_keys WHERE id = \(bind: signoff.keyID) AND member_id = \(bind: signoff.memberID) AND revoked_at IS NULL
                """
            ).first()
            if key == nil { throw StoreError.stale("key \(signoff.keyID) was revoked") }
            let envelope = String(decoding: try CanonicalJSON.encode(signoff.envelope), as: UTF8.self)
            try await db.raw(
                """
                INSERT INTO signoffs (id, organization_id, handover_id, member_id, role, key_id, handover_version, content_digest,
                    signed_at, recorded_at, authentication, envelope)
                VALUES (\(bind: signoff.id), \(bind: signoff.organizationID), \(bind: signoff.handoverID), \(bind: signoff.memberID),
                        \(bind: signoff.role.rawValue), \(bind: signoff.keyID), \(bind: signoff.handoverVersion), \(bind: signoff.contentDigest),
                        \(bind: signoff.signedAt.millis), \(bind: signoff.recordedAt.millis), \(bind: signoff.authentication), \(bind: envelope))
                """
            ).run()
            // The entry commits to the exact envelope: the certificate's verifier recomputes this digest.
            try await Self.appendAudit(
                [AuditRecord(action: "handover.signoff", target: "handover:\(signoff.handoverID)", digest: Hex.sha256(Array(envelope.utf8)))],
                organizationID: signoff.organizationID, actor: AuditActor(member: signoff.memberID), at: signoff.recordedAt, db)
        }
    }

    public func signoffs(handoverID: String, organizationID: String) async throws -> [Signoff] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT id, organization_id, handover_id, member_id, role, key_id, handover_version, content_digest, signed_at, recorded_at, authentication, envelope
                FROM signoffs WHERE handover_id = \(bind: handoverID) AND organization_id = \(bind: organizationID) ORDER BY recorded_at, id
                """
            ).all().map { row in
                Signoff(
                    id: try row.decode(column: "id", as: String.self),
                    handoverID: try row.decode(column: "handover_id", as: String.self),
                    organizationID: try row.decode(column: "organization_id", as: String.self),
                    memberID: try row.decode(column: "member_id", as: String.self),
                    role: SignoffRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .manager,
                    keyID: try row.decode(column: "key_id", as: String.self),
                    handoverVersion: try row.decode(column: "handover_version", as: Int.self),
                    contentDigest: try row.decode(column: "content_digest", as: String.self),
                    signedAt: Date(millis: try row.decode(column: "signed_at", as: Int64.self)),
                    recordedAt: Date(millis: try row.decode(column: "recorded_at", as: Int64.self)),
                    authentication: try row.decode(column: "authentication", as: String.self),
                    envelope: try JSONCoding.decode(DSSEEnvelope.self, from: try row.decode(column: "envelope", as: String.self)))
            }
        }
    }

    static let keyColumns = "id, organization_id, member_id, public_key, origin, enrolled_at, revoked_at"

    static func decodeKey(_ row: any SQLRow) throws -> SigningKey {
        SigningKey(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            memberID: try row.decode(column: "member_id", as: String.self),
            publicKey: try row.decode(column: "public_key", as: String.self),
            origin: try row.decode(column: "origin", as: String.self),
            enrolledAt: Date(millis: try row.decode(column: "enrolled_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)))
    }
}
