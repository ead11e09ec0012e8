import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// Encryption keys, the recovery key, secrets and their wraps. Every change is audited in its own
/// transaction; the audit digests name keys and versions, never a value (the store has none).
extension SQLHandoverStore {
    public func enrolEncryptionKey(_ key: EncryptionKey) async throws {
        try await write("key \(key.id) is already enrolled") { db in
            let retired = try await db.raw(
                """
                UPDATE encryption_keys SET revoked_at = \(bind: key.enrolledAt.millis)
                WHERE member_id = \(bind: key.memberID) AND organization_id = \(bind: key.organizationID) AND revoked_at IS NULL
                RETURNING id
                """
            ).all().map { try $0.decode(column: "id", as: String.self) }
            try await db.raw(
                """
                INSERT INTO encryption_keys (id, organization_id, member_id, public_key, origin, enrolled_at)
                VALUES (\(bind: key.id), \(bind: key.organizationID), \(bind: key.memberID), \(bind: key.publicKey), \(bind: key.origin), \(bind: key.enrolledAt.millis))
                """
            ).run()
            let digest = try CanonicalJSON.digest(["id": key.id, "member": key.memberID, "publicKey": key.publicKey, "replaces": retired.joined(separator: ",")])
            try await Self.appendAudit(
                [AuditRecord(action: retired.isEmpty ? "encryption-key.enrol" : "encryption-key.replace", target: "encryption-key:\(key.id)", digest: digest)],
                organizationID: key.organizationID, actor: AuditActor(member: key.memberID), at: key.enrolledAt, db)
        }
    }

    public func encryptionKeys(organizationID: String, memberID: String?) async throws -> [EncryptionKey] {
        try await database.withSession { db in
            let rows: [any SQLRow]
            if let memberID {
                rows = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.keyColumns) FROM encryption_keys
                    WHERE organization_id = \(bind: organizationID) AND member_id = \(bind: memberID) ORDER BY enrolled_at
                    """
                ).all()
            } else {
                rows = try await db.raw("SELECT \(unsafeRaw: Self.keyColumns) FROM encryption_keys WHERE organization_id = \(bind: organizationID) ORDER BY enrolled_at")
                    .all()
            }
            return try rows.map { row in
                EncryptionKey(
                    id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    memberID: try row.decode(column: "member_id", as: String.self), publicKey: try row.decode(column: "public_key", as: String.self),
                    origin: try row.decode(column: "origin", as: String.self), enrolledAt: Date(millis: try row.decode(column: "enrolled_at", as: Int64.self)),
                    revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)))
            }
        }
    }

    public func setRecoveryKey(_ key: RecoveryKey) async throws {
        try await write("recovery key \(key.id) is already registered") { db in
            try await db.raw(
                "UPDATE recovery_keys SET retired_at = \(bind: key.createdAt.millis) WHERE organization_id = \(bind: key.organizationID) AND retired_at IS NULL"
            ).run()
            try await db.raw(
                """
                INSERT INTO recovery_keys (id, organization_id, public_key, created_by, created_at)
                VALUES (\(bind: key.id), \(bind: key.organizationID), \(bind: key.publicKey), \(bind: key.createdBy), \(bind: key.createdAt.millis))
                """
            ).run()
            try await Self.appendAudit(
                [
                    AuditRecord(
                        action: "recovery-key.register", target: "recovery-key:\(key.id)", digest: try CanonicalJSON.digest(["id": key.id, "publicKey": key.publicKey]))
                ],
                organizationID: key.organizationID, actor: AuditActor(member: key.createdBy), at: key.createdAt, db)
        }
    }

    public func recoveryKey(organizationID: String) async throws -> RecoveryKey? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT id, organization_id, public_key, created_by, created_at FROM recovery_keys WHERE organization_id = \(bind: organizationID) AND retired_at IS NULL"
            ).first().map { row in
                RecoveryKey(
                    id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
                    publicKey: try row.decode(column: "public_key", as: String.self), createdBy: try row.decode(column: "created_by", as: String.self),
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    public func createSecret(_ secret: Secret, ciphertext: String, wraps: [SecretWrap], by actor: AuditActor) async throws {
        try await write { db in
            guard
                try await db.raw("SELECT id FROM accounts WHERE id = \(bind: secret.accountID) AND organization_id = \(bind: secret.organizationID)").first() != nil
            else { throw StoreError.notFound("account \(secret.accountID)") }
            try await db.raw(
                """
                INSERT INTO secrets (id, organization_id, account_id, name, system, kind, version, ciphertext, last_rotated_at, created_by, created_at)
                VALUES (\(bind: secret.id), \(bind: secret.organizationID), \(bind: secret.accountID), \(bind: secret.name), \(bind: secret.system),
                        \(bind: secret.kind.rawValue), \(bind: secret.version), \(bind: ciphertext), \(bind: secret.lastRotatedAt.millis),
                        \(bind: secret.createdBy), \(bind: secret.createdAt.millis))
                """
            ).run()
            try await Self.insertWraps(wraps, at: secret.createdAt, db)
            try await Self.appendAudit(
                [AuditRecord(action: "secret.create", target: "secret:\(secret.id)", digest: try Self.secretDigest(secret, readers: wraps.map(\.readerID)))],
                organizationID: secret.organizationID, actor: actor, at: secret.createdAt, db)
        }
    }

    public func secrets(accountID: String, organizationID: String) async throws -> [Secret] {
        try await database.withSession { db in
            let rows = try await db.raw(
                """
                SELECT \(unsafeRaw: Self.secretColumns) FROM secrets
                WHERE organization_id = \(bind: organizationID) AND account_id = \(bind: accountID) ORDER BY name, id
                """
            ).all()
            var secrets = try rows.map(Self.decodeSecret)
            let wraps = try await db.raw(
                """
                SELECT w.secret_id, w.reader_id FROM secret_wraps w JOIN secrets s ON s.id = w.secret_id
                WHERE s.organization_id = \(bind: organizationID) AND s.account_id = \(bind: accountID) AND w.reader_id <> \(bind: SecretWrap.recoveryReader)
                ORDER BY w.reader_id
                """
            ).all()
            var readers: [String: [String]] = [:]
            for row in wraps { readers[try row.decode(column: "secret_id", as: String.self), default: []].append(try row.decode(column: "reader_id", as: String.self)) }
            for index in secrets.indices { secrets[index].readers = readers[secrets[index].id] ?? [] }
            return secrets
        }
    }

    public func secret(id: String, organizationID: String) async throws -> (secret: Secret, ciphertext: String)? {
        try await database.withSession { db in
            guard
                let row = try await db.raw(
                    "SELECT \(unsafeRaw: Self.secretColumns), ciphertext FROM secrets WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
                ).first()
            else { return nil }
            var secret = try Self.decodeSecret(row)
            secret.readers = try await db.raw(
                "SELECT reader_id FROM secret_wraps WHERE secret_id = \(bind: id) AND reader_id <> \(bind: SecretWrap.recoveryReader) ORDER BY reader_id"
            ).all().map { try $0.decode(column: "reader_id", as: String.self) }
            return (secret, try row.decode(column: "ciphertext", as: String.self))
        }
    }

    public func secretWrap(secretID: String, readerID: String) async throws -> SecretWrap? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT secret_id, reader_id, version, key_id, wrapped_key, handover_id FROM secret_wraps WHERE secret_id = \(bind: secretID) AND reader_id = \(bind: readerID)"
            ).first().map(Self.decodeWrap)
        }
    }

    public func recordSecretOpen(secretID: String, organizationID: String, readerID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            try await Self.appendAudit(
                [AuditRecord(action: "secret.open", target: "secret:\(secretID)", digest: try CanonicalJSON.digest(["reader": readerID]))],
                organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    public func rotateSecret(
        id: String, organizationID: String, expectedVersion: Int, ciphertext: String, wraps: [SecretWrap], at now: Date, by actor: AuditActor
    ) async throws -> Secret {
        try await write { db in
            let updated = try await db.raw(
                """
                UPDATE secrets SET version = version + 1, ciphertext = \(bind: ciphertext), last_rotated_at = \(bind: now.millis)
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND version = \(bind: expectedVersion)
                RETURNING \(unsafeRaw: Self.secretColumns)
                """
            ).all()
            guard let row = updated.first else {
                if try await db.raw("SELECT id FROM secrets WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first() == nil {
                    throw StoreError.notFound("secret \(id)")
                }
                throw StoreError.stale("the secret was rotated since version \(expectedVersion); open it again and rotate from the current version")
            }
            var secret = try Self.decodeSecret(row)
            guard wraps.allSatisfy({ $0.version == secret.version && $0.secretID == id }) else {
                throw StoreError.stale("the wraps must be for version \(secret.version)")
            }
            // A rotation changes the value, not who may open it: the new version goes to exactly
            // the readers who hold a wrap now (a reader left out would be locked out; one added,
            // such as a transferor whose wraps completion removed meanwhile, would keep access),
            // and a wrap waiting for its handover keeps waiting.
            let holders = try await db.raw("SELECT reader_id, handover_id FROM secret_wraps WHERE secret_id = \(bind: id)").all().map {
                (try $0.decode(column: "reader_id", as: String.self), try $0.decode(column: "handover_id", as: String?.self))
            }
            let pending = Dictionary(holders.compactMap { reader, handover in handover.map { (reader, $0) } }, uniquingKeysWith: { a, _ in a })
            guard Set(holders.map(\.0)) == Set(wraps.map(\.readerID)) else {
                throw StoreError.conflict("the secret's readers changed since you opened it; open it again and rotate for its current readers")
            }
            try await db.raw("DELETE FROM secret_wraps WHERE secret_id = \(bind: id)").run()
            try await Self.insertWraps(
                wraps.map {
                    var wrap = $0; wrap.handoverID = pending[wrap.readerID]; return wrap
                }, at: now, db)
            try await Self.settleSecretExposures(secretID: id, version: secret.version, at: now, by: actor, db)
            secret.readers = wraps.map(\.readerID).filter { $0 != SecretWrap.recoveryReader }.sorted()
            try await Self.appendAudit(
                [AuditRecord(action: "secret.rotate", target: "secret:\(id)", digest: try Self.secretDigest(secret, readers: wraps.map(\.readerID)))],
                organizationID: organizationID, actor: actor, at: now, db)
            return secret
        }
    }

    public func addSecretWraps(_ wraps: [SecretWrap], organizationID: String, at now: Date, by actor: AuditActor) async throws {
        guard !wraps.isEmpty else { return }
        try await write { db in
            for wrap in wraps {
                // Only a wrap of the current version of a secret in this organization. The no-op
                // update takes the row's lock (PostgreSQL), so a rotation cannot commit in between.
                let current = try await db.raw(
                    """
                    UPDATE secrets SET version = version WHERE id = \(bind: wrap.secretID) AND organization_id = \(bind: organizationID)
                    RETURNING version
                    """
                ).first().map { try $0.decode(column: "version", as: Int.self) }
                guard let current else { throw StoreError.notFound("secret \(wrap.secretID)") }
                guard current == wrap.version else { throw StoreError.stale("secret \(wrap.secretID) is at version \(current), not \(wrap.version)") }
                // A new reader only: replacing someone's wrap could lock them out.
                if try await db.raw("SELECT reader_id FROM secret_wraps WHERE secret_id = \(bind: wrap.secretID) AND reader_id = \(bind: wrap.readerID)").first() != nil {
                    throw StoreError.conflict("\(wrap.readerID) can open this secret already")
                }
            }
            try await Self.insertWraps(wraps, at: now, db)
            try await Self.appendAudit(
                try wraps.map { wrap in
                    let digest = try CanonicalJSON.digest([
                        "reader": wrap.readerID, "key": wrap.keyID, "version": String(wrap.version), "handover": wrap.handoverID ?? "",
                    ])
                    return AuditRecord(action: "secret.share", target: "secret:\(wrap.secretID)", digest: digest)
                }, organizationID: organizationID, actor: actor, at: now, db)
        }
    }

    /// At completion, in the completion's transaction: the recipient's wraps made for this
    /// handover become ordinary, and the transferor's wraps of the account's secrets are removed
    /// (after `recordSecretExposures` read them).
    static func settleSecretWraps(handover: Handover, at now: Date, _ db: any SQLDatabase) async throws {
        try await db.raw("UPDATE secret_wraps SET handover_id = NULL WHERE handover_id = \(bind: handover.id)").run()
        let removed = try await db.raw(
            """
            DELETE FROM secret_wraps WHERE reader_id = \(bind: handover.transferorID)
              AND secret_id IN (SELECT id FROM secrets WHERE account_id = \(bind: handover.accountID) AND organization_id = \(bind: handover.organizationID))
            RETURNING secret_id
            """
        ).all().map { try $0.decode(column: "secret_id", as: String.self) }
        if !removed.isEmpty {
            try await appendAudit(
                removed.map {
                    AuditRecord(action: "secret.unshare", target: "secret:\($0)", digest: (try? CanonicalJSON.digest(["reader": handover.transferorID])) ?? "")
                },
                organizationID: handover.organizationID, actor: AuditActor(member: handover.recipientID), at: now, db)
        }
    }

    static func insertWraps(_ wraps: [SecretWrap], at now: Date, _ db: any SQLDatabase) async throws {
        for wrap in wraps {
            try await db.raw(
                """
                INSERT INTO secret_wraps (secret_id, reader_id, version, key_id, wrapped_key, handover_id, created_at)
                VALUES (\(bind: wrap.secretID), \(bind: wrap.readerID), \(bind: wrap.version), \(bind: wrap.keyID), \(bind: wrap.wrappedKey),
                        \(bind: wrap.handoverID), \(bind: now.millis))
                """
            ).run()
        }
    }

    static func secretDigest(_ secret: Secret, readers: [String]) throws -> String {
        try CanonicalJSON.digest([
            "id": secret.id, "account": secret.accountID, "name": secret.name, "system": secret.system, "kind": secret.kind.rawValue,
            "version": String(secret.version), "readers": readers.sorted().joined(separator: ","),
        ])
    }

    static let secretColumns = "id, organization_id, account_id, name, system, kind, version, last_rotated_at, created_by, created_at"

    static func decodeSecret(_ row: any SQLRow) throws -> Secret {
        Secret(
            id: try row.decode(column: "id", as: String.self), organizationID: try row.decode(column: "organization_id", as: String.self),
            accountID: try row.decode(column: "account_id", as: String.self), name: try row.decode(column: "name", as: String.self),
            system: try row.decode(column: "system", as: String.self), kind: SecretKind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .note,
            version: try row.decode(column: "version", as: Int.self), lastRotatedAt: Date(millis: try row.decode(column: "last_rotated_at", as: Int64.self)),
            createdBy: try row.decode(column: "created_by", as: String.self), createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
    }

    static func decodeWrap(_ row: any SQLRow) throws -> SecretWrap {
        SecretWrap(
            secretID: try row.decode(column: "secret_id", as: String.self), version: try row.decode(column: "version", as: Int.self),
            readerID: try row.decode(column: "reader_id", as: String.self), keyID: try row.decode(column: "key_id", as: String.self),
            wrappedKey: try row.decode(column: "wrapped_key", as: String.self), handoverID: try row.decode(column: "handover_id", as: String?.self))
    }
}
