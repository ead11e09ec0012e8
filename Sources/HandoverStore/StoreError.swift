import Foundation
import PostgresKit
import SQLiteKit

/// Why storage refused or failed an operation.
public enum StoreError: Error, Sendable, Hashable {
    /// No such row in the caller's organization.
    case notFound(String)
    /// A uniqueness rule would be broken (one open handover per account, one member per email).
    case conflict(String)
    /// The row changed since the caller read it (optimistic concurrency).
    case stale(String)
    /// The database cannot be reached.
    case unavailable(String)
    /// The configuration is wrong.
    case configuration(String)
    /// Stored data contradicts itself (rows deleted or edited outside Handover).
    case damaged(String)

    public var message: String {
        switch self {
        case .notFound(let text), .conflict(let text), .stale(let text), .unavailable(let text), .configuration(let text), .damaged(let text): text
        }
    }

    /// Whether a driver error is a UNIQUE violation, on either engine.
    static func isUniqueViolation(_ error: any Error) -> Bool {
        if let error = error as? PSQLError { return error.serverInfo?[.sqlState] == "23505" }
        if let error = error as? SQLiteError { return error.message.contains("UNIQUE constraint failed") }
        return false
    }

    /// A driver error as one line without query text or bound values (which may hold secrets).
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            return "\(error.code)"
        }
        if let error = error as? SQLiteError { return error.message }
        if let error = error as? StoreError { return error.message }
        return String(describing: type(of: error))
    }
}
