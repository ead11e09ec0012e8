import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// The one SQL implementation of `HandoverStore`, for SQLite and PostgreSQL alike.
public struct SQLHandoverStore: HandoverStore {
    public let database: Database
    /// How soon after the audit log grows a checkpoint is signed: each write that appends to it
    /// enqueues an `audit.checkpoint` job due this many seconds later (one pending per organization).
    public var checkpointInterval: TimeInterval
    /// Wakes this process's job runner when a write here enqueues (see `JobSignal`).
    public let jobSignal = JobSignal()
    /// Tells this process's pages that a handover's thread changed (see `ThreadSignal`).
    public let threadSignal = ThreadSignal()

    public init(database: Database, checkpointInterval: TimeInterval = 60) {
        self.database = database
        self.checkpointInterval = checkpointInterval
    }

    public var readExecutor: (any TaskExecutor)? { database.readExecutor }

    public func ping() async throws {
        try await database.withSession { try await $0.raw("SELECT 1").run() }
    }

    public func operationalFigures() async throws -> OperationalFigures {
        let states = try await database.withSession { db in
            try await db.raw("SELECT state, COUNT(*) AS n FROM handovers GROUP BY state").all().map {
                (try $0.decode(column: "state", as: String.self), try $0.decode(column: "n", as: Int.self))
            }
        }
        let jobs = try await jobFigures()
        return OperationalFigures(
            writeQueueDepth: database.writeQueueDepth, readWaits: database.readWaits,
            handoversByState: Dictionary(states, uniquingKeysWith: +),
            jobsByState: jobs.byState, jobFailuresByKind: jobs.failuresByKind)
    }

    /// Opens the database and applies pending migrations.
    public static func open(_ location: DatabaseLocation, maxConnections: Int = 4, checkpointInterval: TimeInterval = 60) async throws -> SQLHandoverStore {
        let database = try await Database.open(location, maxConnections: maxConnections)
        try await Migrations.apply(to: database)
        return SQLHandoverStore(database: database, checkpointInterval: checkpointInterval)
    }

    /// Opens the store, runs `body` with it and closes it, whether `body` returns or throws: for
    /// commands that use a store for their length. The close is awaited, so no connection (nor
    /// SQLite's writer) outlives the command.
    public static func withStore<R>(
        _ location: DatabaseLocation, maxConnections: Int = 4, checkpointInterval: TimeInterval = 60,
        _ body: (SQLHandoverStore) async throws -> R
    ) async throws -> R {
        try await open(location, maxConnections: maxConnections, checkpointInterval: checkpointInterval).closing(after: body)
    }

    /// Runs `body` with this store, then closes its database, whether `body` returned or threw.
    /// A failure to close is reported only when `body` succeeded (otherwise its error wins).
    public func closing<R>(after body: (SQLHandoverStore) async throws -> R) async throws -> R {
        let result: R
        do {
            result = try await body(self)
        } catch {
            try? await database.close()
            throw error
        }
        try await database.close()
        return result
    }

    /// Runs a write in one transaction and turns a UNIQUE violation into `.conflict(conflict)`.
    func write<R: Sendable>(
        _ conflict: String = "the change conflicts with another one; reload and try again", _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        do {
            // Jobs enqueued inside (the audit append's checkpoint, an outbox job) are announced
            // to this process's runner only once the transaction has committed.
            let outbox = JobOutbox(checkpointInterval: checkpointInterval)
            let result = try await JobOutbox.$current.withValue(outbox) { try await database.transaction(body) }
            outbox.committed(jobSignal)
            return result
        } catch let error as StoreError {
            throw error
        } catch  where StoreError.isUniqueViolation(error) {
            throw StoreError.conflict(conflict)
        }
    }
}

// MARK: - Organizations and members

extension SQLHandoverStore {
    public func createOrganization(_ organization: Organization, firstAdmin: Member, passwordHash: String?) async throws {
        try await write("a member with email \(firstAdmin.email) already exists") { db in
            try await db.raw(
                """
                INSERT INTO organizations (id, name, created_at)
                VALUES (\(bind: organization.id), \(bind: organization.name), \(bind: organization.createdAt.millis))
                """
            ).run()
            try await db.raw("INSERT INTO audit_heads (organization_id, size, integrated) VALUES (\(bind: organization.id), 0, 0)").run()
            // Whoever creates an organization (sign-up, or the operator's CLI) acts as its first admin.
            let actor = AuditActor(member: firstAdmin.id)
            try await Self.appendAudit(
                [AuditRecord(action: "organization.create", target: "organization:\(organization.id)", digest: try CanonicalJSON.digest(["name": organization.name]))],
                organizationID: organization.id, actor: actor, at: organization.createdAt, db)
            try await Self.insert(firstAdmin, passwordHash: passwordHash, by: actor, db)
        }
    }

    public func organization(id: String) async throws -> Organization? {
        try await database.withSession { db in
            try await db.raw("SELECT id, name, created_at FROM organizations WHERE id = \(bind: id)").first().map { row in
                Organization(
                    id: try row.decode(column: "id", as: String.self), name: try row.decode(column: "name", as: String.self),
                    createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)))
            }
        }
    }

    public func createMember(_ member: Member, passwordHash: String?, by actor: AuditActor) async throws {
        try await write("a member with email \(member.email) already exists in this organization") { db in
            if let managerID = member.managerID {
                let manager = try await db.raw("SELECT id FROM members WHERE id = \(bind: managerID) AND organization_id = \(bind: member.organizationID)").first()
                if manager == nil { throw StoreError.notFound("manager \(managerID)") }
            }
            try await Self.insert(member, passwordHash: passwordHash, by: actor, db)
        }
    }

    static func insert(_ member: Member, passwordHash: String?, by actor: AuditActor, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO members (id, organization_id, email, name, role, manager_id, password_hash, created_at)
            VALUES (\(bind: member.id), \(bind: member.organizationID), \(bind: Member.normalizedEmail(member.email)), \(bind: member.name),
                    \(bind: member.role.rawValue), \(bind: member.managerID), \(bind: passwordHash), \(bind: member.createdAt.millis))
            """
        ).run()
        // The digest covers who the member is and their role, never their password hash.
        let identity = [
            "id": member.id, "email": Member.normalizedEmail(member.email), "name": member.name, "role": member.role.rawValue, "manager": member.managerID ?? "",
        ]
        try await appendAudit(
            [AuditRecord(action: "member.create", target: "member:\(member.id)", digest: try CanonicalJSON.digest(identity))],
            organizationID: member.organizationID, actor: actor, at: member.createdAt, db)
    }

    static let memberColumns = "m.id, m.organization_id, m.email, m.name, m.role, m.manager_id, m.created_at, m.deactivated_at"

    static func decodeMember(_ row: any SQLRow) throws -> Member {
        try decodeMember(row, prefix: "")
    }

    /// Decodes a member from columns named `<prefix>id`, `<prefix>email`, … (for joins).
    static func decodeMember(_ row: any SQLRow, prefix: String) throws -> Member {
        Member(
            id: try row.decode(column: prefix + "id", as: String.self),
            organizationID: try row.decode(column: prefix + "organization_id", as: String.self),
            email: try row.decode(column: prefix + "email", as: String.self),
            name: try row.decode(column: prefix + "name", as: String.self),
            role: Role(rawValue: try row.decode(column: prefix + "role", as: String.self)) ?? .member,
            managerID: try row.decode(column: prefix + "manager_id", as: String?.self),
            createdAt: Date(millis: try row.decode(column: prefix + "created_at", as: Int64.self)),
            deactivatedAt: try row.decode(column: prefix + "deactivated_at", as: Int64?.self).map(Date.init(millis:)))
    }

    /// The member columns of table alias `alias`, renamed with `prefix`.
    static func memberColumns(_ alias: String, prefix: String) -> String {
        ["id", "organization_id", "email", "name", "role", "manager_id", "created_at", "deactivated_at"]
            .map { "\(alias).\($0) AS \(prefix)\($0)" }.joined(separator: ", ")
    }

    public func member(id: String, organizationID: String) async throws -> Member? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.id = \(bind: id) AND m.organization_id = \(bind: organizationID)")
                .first().map(Self.decodeMember)
        }
    }

    public func members(organizationID: String) async throws -> [Member] {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.memberColumns) FROM members m WHERE m.organization_id = \(bind: organizationID) ORDER BY m.name, m.id")
                .all().map(Self.decodeMember)
        }
    }

    public func loginCandidates(email: String) async throws -> [(member: Member, passwordHash: String?)] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.memberColumns), m.password_hash FROM members m JOIN organizations o ON o.id = m.organization_id
                WHERE m.email = \(bind: Member.normalizedEmail(email)) ORDER BY o.created_at, o.id
                """
            ).all().map { row in (try Self.decodeMember(row), try row.decode(column: "password_hash", as: String?.self)) }
        }
    }
}

// MARK: - Tokens, sessions, login attempts

extension SQLHandoverStore {
    public func createToken(_ token: APIToken, digest: String, by actor: AuditActor) async throws {
        try await write("token digest collision") { db in
            try await db.raw(
                """
                INSERT INTO api_tokens (id, organization_id, member_id, name, token_digest, created_at)
                VALUES (\(bind: token.id), \(bind: token.organizationID), \(bind: token.memberID), \(bind: token.name), \(bind: digest), \(bind: token.createdAt.millis))
                """
            ).run()
            // The token itself (or its digest) never goes into the log: only what it is and whose.
            try await Self.appendAudit(
                [AuditRecord(action: "token.create", target: "token:\(token.id)", digest: try CanonicalJSON.digest(["member": token.memberID, "name": token.name]))],
                organizationID: token.organizationID, actor: actor, at: token.createdAt, db)
        }
    }

    static func decodeToken(_ row: any SQLRow) throws -> APIToken {
        APIToken(
            id: try row.decode(column: "token_id", as: String.self),
            organizationID: try row.decode(column: "token_organization_id", as: String.self),
            memberID: try row.decode(column: "member_id", as: String.self),
            name: try row.decode(column: "token_name", as: String.self),
            createdAt: Date(millis: try row.decode(column: "token_created_at", as: Int64.self)),
            lastUsedAt: try row.decode(column: "last_used_at", as: Int64?.self).map(Date.init(millis:)),
            revokedAt: try row.decode(column: "revoked_at", as: Int64?.self).map(Date.init(millis:)))
    }

    static let tokenColumns =
        "t.id AS token_id, t.organization_id AS token_organization_id, t.member_id, t.name AS token_name, t.created_at AS token_created_at, t.last_used_at, t.revoked_at"

    public func authenticate(tokenDigest: String, at now: Date) async throws -> (member: Member, token: APIToken)? {
        let found = try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.memberColumns), \(unsafeRaw: Self.tokenColumns)
                FROM api_tokens t JOIN members m ON m.id = t.member_id
                WHERE t.token_digest = \(bind: tokenDigest) AND t.revoked_at IS NULL AND m.deactivated_at IS NULL
                """
            ).first().map { row in (member: try Self.decodeMember(row), token: try Self.decodeToken(row)) }
        }
        guard let found else { return nil }
        // Record use at most once a minute, so that reads stay reads.
        if found.token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await database.transaction { db in
                try await db.raw("UPDATE api_tokens SET last_used_at = \(bind: now.millis) WHERE id = \(bind: found.token.id)").run()
            }
        }
        return found
    }

    public func tokens(organizationID: String, memberID: String?) async throws -> [APIToken] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.tokenColumns) FROM api_tokens t WHERE t.organization_id = \(bind: organizationID)")
            if let memberID { query = query + " AND t.member_id = \(bind: memberID)" }
            return try await db.raw(query + " ORDER BY t.created_at DESC").all().map(Self.decodeToken)
        }
    }

    public func revokeToken(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            let row = try await db.raw("SELECT id FROM api_tokens WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first()
            if row == nil { throw StoreError.notFound("token \(id)") }
            let revoked = try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: now.millis) WHERE id = \(bind: id) AND revoked_at IS NULL RETURNING id").all()
            if !revoked.isEmpty {
                try await Self.appendAudit([AuditRecord(action: "token.revoke", target: "token:\(id)")], organizationID: organizationID, actor: actor, at: now, db)
            }
        }
    }

    public func createSession(digest: String, memberID: String, at now: Date, expiresAt: Date) async throws {
        try await write("session digest collision") { db in
            // Sweep expired sessions while we are here: they are never needed again.
            try await db.raw("DELETE FROM sessions WHERE expires_at < \(bind: now.millis)").run()
            try await db.raw(
                """
                INSERT INTO sessions (token_digest, member_id, created_at, expires_at)
                VALUES (\(bind: digest), \(bind: memberID), \(bind: now.millis), \(bind: expiresAt.millis))
                """
            ).run()
            if let organizationID = try await db.raw("SELECT organization_id FROM members WHERE id = \(bind: memberID)").first()?.decode(
                column: "organization_id", as: String.self)
            {
                try await Self.appendAudit(
                    [AuditRecord(action: "session.start", target: "member:\(memberID)")], organizationID: organizationID, actor: AuditActor(member: memberID), at: now, db
                )
            }
        }
    }

    public func authenticate(sessionDigest: String, at now: Date) async throws -> Member? {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.memberColumns) FROM sessions s JOIN members m ON m.id = s.member_id
                WHERE s.token_digest = \(bind: sessionDigest) AND s.expires_at > \(bind: now.millis) AND m.deactivated_at IS NULL
                """
            ).first().map(Self.decodeMember)
        }
    }

    public func deleteSession(digest: String) async throws {
        try await write { db in
            let ended = try await db.raw(
                """
                DELETE FROM sessions WHERE token_digest = \(bind: digest) RETURNING member_id
                """
            ).first()?.decode(column: "member_id", as: String.self)
            if let memberID = ended,
                let organizationID = try await db.raw("SELECT organization_id FROM members WHERE id = \(bind: memberID)").first()?.decode(
                    column: "organization_id", as: String.self)
            {
                try await Self.appendAudit(
                    [AuditRecord(action: "session.end", target: "member:\(memberID)")], organizationID: organizationID, actor: AuditActor(member: memberID), at: Date(),
                    db)
            }
        }
    }

    public func reserveLoginGuess(_ limits: [LoginLimit], at now: Date) async throws -> LoginReservation {
        do {
            try await write { db in
                // Stale rows (windows over a day old) go as we pass: they would only ever reset.
                try await db.raw("DELETE FROM login_guards WHERE window_start < \(bind: now.addingTimeInterval(-86_400).millis)").run()
                for limit in limits {
                    let expired = now.addingTimeInterval(-limit.window).millis
                    // One statement per limit: the row lock (PostgreSQL) or the single writer
                    // (SQLite) makes the check and the count one step, so concurrent guesses
                    // can never all see room.
                    let granted = try await db.raw(
                        """
                        INSERT INTO login_guards (key, window_start, guesses) VALUES (\(bind: limit.key), \(bind: now.millis), 1)
                        ON CONFLICT (key) DO UPDATE SET
                            window_start = CASE WHEN login_guards.window_start <= \(bind: expired) THEN \(bind: now.millis) ELSE login_guards.window_start END,
                            guesses = CASE WHEN login_guards.window_start <= \(bind: expired) THEN 1 ELSE login_guards.guesses + 1 END
                        WHERE login_guards.window_start <= \(bind: expired) OR login_guards.guesses < \(bind: limit.maxGuesses)
                        RETURNING guesses
                        """
                    ).first()
                    if granted == nil {
                        let start =
                            try await db.raw("SELECT window_start FROM login_guards WHERE key = \(bind: limit.key)").first()?
                            .decode(column: "window_start", as: Int64.self) ?? now.millis
                        let seconds = Double(start - now.millis) / 1000 + limit.window
                        // Thrown to roll back the guesses already counted against other limits.
                        throw LoginGuardFull(retryAfter: max(1, Int(seconds.rounded(.up))))
                    }
                }
            }
            return .granted
        } catch let full as LoginGuardFull {
            return .refused(retryAfter: full.retryAfter)
        }
    }

    public func settleLoginGuess(succeeded: Bool, resetting: [String], refunding: [String]) async throws {
        guard succeeded, !(resetting.isEmpty && refunding.isEmpty) else { return }
        try await write { db in
            if !resetting.isEmpty { try await db.raw("DELETE FROM login_guards WHERE key IN (\(binds: resetting))").run() }
            if !refunding.isEmpty {
                try await db.raw("UPDATE login_guards SET guesses = guesses - 1 WHERE key IN (\(binds: refunding)) AND guesses > 0").run()
            }
        }
    }
}

private struct LoginGuardFull: Error {
    var retryAfter: Int
}
