import Foundation
import HandoverCore
import SQLKit

/// What claiming an `Idempotency-Key` found (Stripe's semantics; `Docs/Departures.md`).
public enum IdempotencyClaim: Sendable, Equatable {
    /// The key is new (or its earlier attempt died and its lease ran out): go ahead.
    case claimed
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
    public var status: Int
    public var body: String

    public init(organizationID: String, key: String, status: Int, body: String) {
        self.organizationID = organizationID
        self.key = key
        self.status = status
        self.body = body
    }
}

extension SQLHandoverStore {
    /// Claims `key` for one request. The claim commits on its own: a second request with the key
    /// sees it (409) until the first completes (replay) or is released. A claim whose process
    /// died (kill -9) holds until `lease` passes, then the next retry takes it over; the work it
    /// did was rolled back with its transaction, so taking over cannot apply anything twice.
    public func claimIdempotencyKey(
        organizationID: String, key: String, actorID: String, operation: String, requestDigest: String, at now: Date, lease: TimeInterval
    ) async throws -> IdempotencyClaim {
        try await write { db in
            let row = try await db.raw(
                """
                SELECT actor_id, operation, request_digest, state, locked_until, status, body FROM idempotency_keys
                WHERE organization_id = \(bind: organizationID) AND key = \(bind: key)
                """
            ).first()
            guard let row else {
                try await db.raw(
                    """
                    INSERT INTO idempotency_keys (organization_id, key, actor_id, operation, request_digest, state, locked_until, created_at)
                    VALUES (\(bind: organizationID), \(bind: key), \(bind: actorID), \(bind: operation), \(bind: requestDigest), 'running',
                            \(bind: now.addingTimeInterval(lease).millis), \(bind: now.millis))
                    """
                ).run()
                return .claimed
            }
            guard try row.decode(column: "actor_id", as: String.self) == actorID, try row.decode(column: "operation", as: String.self) == operation,
                try row.decode(column: "request_digest", as: String.self) == requestDigest
            else { return .mismatch }
            if try row.decode(column: "state", as: String.self) == "done" {
                return .replay(status: try row.decode(column: "status", as: Int.self), body: try row.decode(column: "body", as: String.self))
            }
            if try row.decode(column: "locked_until", as: Int64.self) > now.millis { return .inProgress }
            try await db.raw(
                """
                UPDATE idempotency_keys SET locked_until = \(bind: now.addingTimeInterval(lease).millis)
                WHERE organization_id = \(bind: organizationID) AND key = \(bind: key)
                """
            ).run()
            return .claimed
        }
    }

    /// Lets go of a claim whose request failed before changing anything (a 4xx), so the client
    /// may fix the request and send it again with the same key.
    public func releaseIdempotencyKey(organizationID: String, key: String) async throws {
        try await write { db in
            try await db.raw("DELETE FROM idempotency_keys WHERE organization_id = \(bind: organizationID) AND key = \(bind: key) AND state = 'running'").run()
        }
    }

    static func complete(_ completion: IdempotencyCompletion, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            UPDATE idempotency_keys SET state = 'done', status = \(bind: completion.status), body = \(bind: completion.body)
            WHERE organization_id = \(bind: completion.organizationID) AND key = \(bind: completion.key)
            """
        ).run()
    }
}
