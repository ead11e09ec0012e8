import Foundation
import HandoverCore
import SQLKit

/// What claiming an `Idempotency-Key` found (Stripe's semantics; `Docs/Departures.md`).
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or its earlier attempt died and its lease ran out): go ahead. `claimID`
    /// names this attempt: only it can complete or release the key, so an attempt whose lease
    /// was taken over can no longer touch the row.
    case claimed(claimID: String)
    /// The key already finished with this same request: answer this again.
    case replay(status: Int, body: String)
    /// The key was used with a different request (or operation, or by someone else).
    case mismatch
    /// Another request with this key is still running.
    case inProgress
}

/// The response to record with a key, written in the transaction of the change it answers, so
/// a key is "done" exactly when the change is committed.
public struct IdempotencyCompletion: Sendable, Equatable {
    public var organizationID: String
    public var key: String
    /// The attempt that claimed the key (`IdempotencyClaim.claimed`): completing fails, and the
    /// change rolls back, when another attempt has taken the key over since.
    public var claimID: String
    public var status: Int
    public var body: String

    public init(organizationID: String, key: String, claimID: String, status: Int, body: String) {
        self.organizationID = organizationID
        self.key = key
        self.claimID = claimID
        self.status = status
        self.body = body
    }
}

extension SQLHandoverStore {
    /// Claims `key` for one request. The claim commits on its own: a second request with the key
    /// sees it (409) until the first completes (replay) or is released. A claim whose process
    /// died (kill -9) holds until `lease` passes, then the next retry takes it over; the work it
    /// did was rolled back with its transaction, so taking over cannot apply anything twice.
    ///
    /// Every step is one conditional statement whose returned rows say whether it won, so two
    /// concurrent first uses, or two concurrent takeovers, give exactly one `.claimed` on either
    /// engine (PostgreSQL re-checks a takeover's `WHERE` after waiting for the other's row lock).
    public func claimIdempotencyKey(
        organizationID: String, key: String, actorID: String, operation: String, requestDigest: String, at now: Date, lease: TimeInterval
    ) async throws -> IdempotencyClaim {
        let claimID = UUID().uuidString.lowercased()
        let lockedUntil = now.addingTimeInterval(lease).millis
        return try await write { db in
            let inserted = try await db.raw(
                """
                INSERT INTO idempotency_keys (organization_id, key, actor_id, operation, request_digest, state, locked_until, created_at, claim_id)
                VALUES (\(bind: organizationID), \(bind: key), \(bind: actorID), \(bind: operation), \(bind: requestDigest), 'running',
                        \(bind: lockedUntil), \(bind: now.millis), \(bind: claimID))
                ON CONFLICT (organization_id, key) DO NOTHING RETURNING key
                """
            ).all()
            if !inserted.isEmpty { return .claimed(claimID: claimID) }
            // The key exists: same request? finished? still leased? Otherwise take it over, if no one else just did.
            if let found = try await Self.existingClaim(
                organizationID: organizationID, key: key, actorID: actorID, operation: operation, requestDigest: requestDigest, now: now, db)
            {
                return found
            }
            let taken = try await db.raw(
                """
                UPDATE idempotency_keys SET locked_until = \(bind: lockedUntil), claim_id = \(bind: claimID)
                WHERE organization_id = \(bind: organizationID) AND key = \(bind: key) AND state = 'running' AND locked_until <= \(bind: now.millis)
                RETURNING key
                """
            ).all()
            if !taken.isEmpty { return .claimed(claimID: claimID) }
            // Someone else took it over (or finished) between the read and the update.
            return try await Self.existingClaim(
                organizationID: organizationID, key: key, actorID: actorID, operation: operation, requestDigest: requestDigest, now: now, db)
                ?? .inProgress
        }
    }

    /// What an existing key answers: mismatch, replay, in progress; nil when its lease is over
    /// (or it vanished) and a takeover may be tried.
    static func existingClaim(
        organizationID: String, key: String, actorID: String, operation: String, requestDigest: String, now: Date, _ db: any SQLDatabase
    ) async throws -> IdempotencyClaim? {
        guard
            let row = try await db.raw(
                """
                SELECT actor_id, operation, request_digest, state, locked_until, status, body FROM idempotency_keys
                WHERE organization_id = \(bind: organizationID) AND key = \(bind: key)
                """
            ).first()
        else { return nil }
        guard try row.decode(column: "actor_id", as: String.self) == actorID, try row.decode(column: "operation", as: String.self) == operation,
            try row.decode(column: "request_digest", as: String.self) == requestDigest
        else { return .mismatch }
        if try row.decode(column: "state", as: String.self) == "done" {
            return .replay(status: try row.decode(column: "status", as: Int.self), body: try row.decode(column: "body", as: String.self))
        }
        if try row.decode(column: "locked_until", as: Int64.self) > now.millis { return .inProgress }
        return nil
    }

    /// Lets go of a claim whose request failed before changing anything (a 4xx), so the client
    /// may fix the request and send it again with the same key. Only the attempt that holds the
    /// claim: a stale attempt (its lease taken over) deletes nothing.
    public func releaseIdempotencyKey(organizationID: String, key: String, claimID: String) async throws {
        try await write { db in
            try await db.raw(
                """
                DELETE FROM idempotency_keys
                WHERE organization_id = \(bind: organizationID) AND key = \(bind: key) AND state = 'running' AND claim_id = \(bind: claimID)
                """
            ).run()
        }
    }

    /// Records the response in the change's transaction. Throws when the claim is no longer this
    /// attempt's (its lease ran out and another attempt took the key over): the change then rolls
    /// back, so only one attempt per key ever commits.
    static func complete(_ completion: IdempotencyCompletion, _ db: any SQLDatabase) async throws {
        let updated = try await db.raw(
            """
            UPDATE idempotency_keys SET state = 'done', status = \(bind: completion.status), body = \(bind: completion.body)
            WHERE organization_id = \(bind: completion.organizationID) AND key = \(bind: completion.key) AND claim_id = \(bind: completion.claimID)
              AND state = 'running'
            RETURNING key
            """
        ).all()
        guard !updated.isEmpty else {
            throw StoreError.conflict("this request's Idempotency-Key was taken over by a retry after its lease ran out; nothing was applied by this request")
        }
    }

    /// Deletes finished keys created before `date` (Stripe keeps them 24 hours), and claims left
    /// behind by a dead request whose lease is over: nobody can replay them after that.
    public func purgeIdempotencyKeys(createdBefore date: Date, at now: Date) async throws -> Int {
        try await write { db in
            try await db.raw(
                """
                DELETE FROM idempotency_keys WHERE created_at < \(bind: date.millis) AND (state = 'done' OR locked_until <= \(bind: now.millis))
                RETURNING key
                """
            ).all().count
        }
    }
}
