import Foundation
import HandoverCore

/// The two refusals of a departure's apply that a client must tell apart (Stripe-style clients
/// retry a 409): a plan that still has conflicts (422: retrying never fixes it) and a key whose
/// first request is still running (409 with `Retry-After`: retrying later does).
public enum DepartureError: Error, Sendable, Equatable {
    /// Conflicts remain and the request did not say `skipConflicts`.
    case planConflicts(String, [Problem])
    /// Another request with this Idempotency-Key is still running; try again after this many seconds.
    case keyInProgress(retryAfter: Int)

    /// Conflicts left in a plan an apply was asked to write without `skipConflicts` (a
    /// departure's or a realignment's): the first said, all listed by account.
    static func conflictsRemain(_ conflicts: [DepartureConflict]) -> DepartureError {
        .planConflicts(
            "\(conflicts.count) conflict(s) remain (first: \(conflicts[0].message)); preview lists them all. Resolve them, or send skipConflicts: true to skip those accounts",
            conflicts.map { Problem(path: $0.accountID.map { "accounts.\($0)" } ?? "plan", message: $0.message) })
    }

    public var message: String {
        switch self {
        case .planConflicts(let message, _): message
        case .keyInProgress: "a request with this Idempotency-Key is still in progress; retry when it has finished"
        }
    }
}
