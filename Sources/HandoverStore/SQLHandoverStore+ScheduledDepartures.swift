import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// A scheduled departure's other ends: cancelled before its day, or failed on it. Each is one
/// conditional `UPDATE … WHERE state = 'scheduled'`, so it cannot race an apply into both.
extension SQLHandoverStore {
    public func cancelDeparture(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> DepartureRecord {
        try await write { db in
            guard
                var record = try await db.raw(
                    "SELECT \(unsafeRaw: Self.departureColumns) FROM departures WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
                ).first().map(Self.decodeDeparture)
            else { throw StoreError.notFound("departure \(id)") }
            let changed = try await db.raw(
                "UPDATE departures SET state = 'cancelled' WHERE id = \(bind: id) AND state = 'scheduled' RETURNING id"
            ).all()
            guard !changed.isEmpty else {
                throw StoreError.conflict("departure \(id) is \(record.state.rawValue): only a scheduled departure can be cancelled")
            }
            // Its job, if still waiting, goes too (the job would find it cancelled and stop anyway).
            try await db.raw(
                "UPDATE jobs SET state = 'cancelled', updated_at = \(bind: now.millis) WHERE dedupe_key = \(bind: "\(JobKind.departureApply):\(id)") AND state = 'pending'"
            ).run()
            try await Self.appendAudit(
                [AuditRecord(action: "departure.cancel", target: "departure:\(id)", digest: Hex.sha256(Data(record.request.utf8)))],
                organizationID: organizationID, actor: actor, at: now, db)
            record.state = .cancelled
            return record
        }
    }

    public func failDeparture(id: String, organizationID: String, summary: String, reason: String, at now: Date) async throws -> Bool {
        try await write { db in
            let changed = try await db.raw(
                """
                UPDATE departures SET state = 'failed', summary = \(bind: summary)
                WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND state = 'scheduled' RETURNING id
                """
            ).all()
            guard !changed.isEmpty else { return false }
            try await Self.appendAudit(
                [AuditRecord(action: "departure.fail", target: "departure:\(id)", digest: Hex.sha256(Data(reason.utf8)))],
                organizationID: organizationID, actor: .job(JobKind.departureApply), at: now, db)
            return true
        }
    }
}
