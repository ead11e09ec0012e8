import Foundation
import HandoverStore

/// `followup.start`: a completed handover's follow-up, `followUpAfterDays` after completion
/// (`FollowUpService.start`). Registered whether or not SMTP is configured: its emails wait in
/// the outbox like any other, and the recipient's survey is on the handover page either way.
public enum FollowUpJob {
    public static let kind = JobKind.followUp

    public static func handler(followUps: FollowUpService) -> JobHandler {
        { job in try await followUps.start(job) }
    }
}
