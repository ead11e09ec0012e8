import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// SCIM connections' tokens and the member changes an identity provider makes (Docs/SCIM.md).
extension SQLHandoverStore {
    static let scimTokenColumns = "id, organization_id, name, created_at, revoked_at, last_used_at"

    static func decodeScimToken(_ row: any SQLRow) throws -> ScimToken {
        ScimToken(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            name: try row.decode(column: "name", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Date.init(millis:)))
    }

    public func createScimToken(_ token: ScimToken, digest: String, by actor: AuditActor) async throws {
        try await write("token digest collision") { db in
            try await db.raw(
                """
                INSERT INTO scim_tokens (id, organization_id, name, token_digest, created_at)
                VALUES (\(bind: token.id), \(bind: token.organizationID), \(bind: token.name), \(bind: digest), \(bind: token.createdAt.millis))
                """
            ).run()
            // Never the token or its digest in the log: what it is for only.
            try await Self.appendAudit(
                [AuditRecord(action: "scim-token.create", target: "scim-token:\(token.id)", digest: try CanonicalJSON.digest(["name": token.name]))],
                organizationID: token.organizationID, actor: actor, at: token.createdAt, db)
        }
    }

    public func authenticateScim(tokenDigest: String, at now: Date) async throws -> ScimToken? {
        let found = try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.scimTokenColumns) FROM scim_tokens WHERE token_digest = \(bind: tokenDigest) AND revoked_at IS NULL"
            ).first().map(Self.decodeScimToken)
        }
        guard let found else { return nil }
        // At most once a minute, so that a provisioning burst does not write on every request.
        if found.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.transaction { db in
                try await db.raw("UPDATE scim_tokens SET last_used_at = \(bind: now.millis) WHERE id = \(bind: found.id)").run()
            }
        }
        return found
    }

    public func scimTokens(organizationID: String) async throws -> [ScimToken] {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.scimTokenColumns) FROM scim_tokens WHERE organization_id = \(bind: organizationID) ORDER BY created_at DESC"
            ).all().map(Self.decodeScimToken)
        }
    }

    public func revokeScimToken(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            let row = try await db.raw("SELECT id FROM scim_tokens WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first()
            if row == nil { throw StoreError.notFound("SCIM token \(id)") }
            let revoked = try await db.raw(
                "UPDATE scim_tokens SET revoked_at = \(bind: now.millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id"
            ).all()
            if !revoked.isEmpty {
                try await Self.appendAudit(
                    [AuditRecord(action: "scim-token.revoke", target: "scim-token:\(id)")], organizationID: organizationID, actor: actor, at: now, db)
            }
        }
    }

    public func updateMemberIdentity(id: String, organizationID: String, email: String, name: String, at now: Date, by actor: AuditActor) async throws -> Member {
        try await write("a member with email \(email) already exists in this organization") { db in
            guard
                var member = try await db.raw(
                    "SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.id = \(bind: id) AND m.organization_id = \(bind: organizationID)"
                ).first().map(Self.decodeMember)
            else { throw StoreError.notFound("member \(id)") }
            if member.email == email && member.name == name { return member }
            try await db.raw("UPDATE members SET email = \(bind: email), name = \(bind: name) WHERE id = \(bind: id)").run()
            member.email = email
            member.name = name
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: "member.update", target: "member:\(id)", digest: try CanonicalJSON.digest(["id": id, "email": email, "name": name]))
                ], organizationID: organizationID, actor: actor, at: now, db)
            return member
        }
    }
}
