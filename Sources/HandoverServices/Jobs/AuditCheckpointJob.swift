import Foundation
import HandoverStore

/// `audit.checkpoint`: signs a checkpoint of the job's organization's audit log. The store
/// enqueues one (deduped per organization) whenever the log grows, so evidence is signed within
/// the checkpoint interval without waiting for a reader. Idempotent: signing a log that has not
/// grown returns the latest checkpoint.
public enum AuditCheckpointJob {
    public static let kind = JobKind.auditCheckpoint

    /// The handler, around `sign` (today `AuditService.checkpoint(organizationID:)`, passed in
    /// at wiring time so that the runner does not depend on the server).
    public static func handler(sign: @escaping @Sendable (_ organizationID: String) async throws -> Void) -> JobHandler {
        { job in
            guard let organizationID = job.organizationID else {
                throw MissingOrganization(jobID: job.id)
            }
            try await sign(organizationID)
        }
    }

    struct MissingOrganization: Error, CustomStringConvertible {
        var jobID: String
        var description: String { "audit.checkpoint job \(jobID) names no organization" }
    }
}
