import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// The answer of an apply behind an `Idempotency-Key`: its status and the exact JSON bytes,
/// replayed for the key.
public struct IdempotentResponse: Sendable, Equatable {
    public var status: Int
    public var body: String
    public var replayed: Bool
}

/// Stripe's `Idempotency-Key` semantics over the store's claims, for every apply that takes
/// one (departures, realignments): the same key and request answer the stored response again
/// without running; the key with another request is 422; while the first still runs, 409
/// with Retry-After. The work records its response in its own transaction
/// (`IdempotencyCompletion`), so a key is done exactly when the change is committed.
struct IdempotentApply: Sendable {
    let store: any HandoverStore
    let clock: WallClock
    /// How long a claimed key blocks a retry when its request died mid-way (`DepartureService.defaultIdempotencyLease`).
    let lease: TimeInterval
    /// What the in-progress 409 tells a client to wait before retrying (most applies take seconds).
    static let retryAfterSeconds = 5

    /// Runs `work` once per key. `work` gets the completion to write with its change (a status
    /// filled in by it), or nil without a key.
    func run(
        key: String?, organizationID: String, actorID: String, operation: String, digest: @autoclosure () throws -> String,
        _ work: (_ completion: (_ status: Int, _ body: String) -> IdempotencyCompletion?) async throws -> IdempotentResponse
    ) async throws -> IdempotentResponse {
        guard let key else { return try await work { _, _ in nil } }
        switch try await store.claimIdempotencyKey(
            organizationID: organizationID, key: key, actorID: actorID, operation: operation, requestDigest: try digest(), at: clock.now(), lease: lease)
        {
        case .replay(let status, let body): return IdempotentResponse(status: status, body: body, replayed: true)
        case .mismatch:
            throw HandoverError.invalid([Problem(path: "Idempotency-Key", message: "this key was used with a different request; use a new key for a new request")])
        case .inProgress: throw DepartureError.keyInProgress(retryAfter: Self.retryAfterSeconds)
        case .claimed(let claimID):
            do {
                return try await work { status, body in
                    IdempotencyCompletion(organizationID: organizationID, key: key, claimID: claimID, status: status, body: body)
                }
            } catch {
                // Nothing was written (one transaction): free the key so a corrected retry can use it.
                // Only this attempt's claim: if a retry took the key over, this deletes nothing.
                try? await store.releaseIdempotencyKey(organizationID: organizationID, key: key, claimID: claimID)
                throw error
            }
        }
    }
}
