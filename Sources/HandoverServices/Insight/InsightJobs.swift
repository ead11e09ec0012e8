import Foundation
import HandoverCore
import HandoverStore

/// The insight jobs:
/// - `insight.refresh` (organization set): recompute that organization's dashboards and audit
///   (`InsightService.refresh`). At most one waits per organization (its dedupe key).
/// - `insight.schedule` (hourly, no organization): queue a refresh for every organization whose
///   snapshot is older than `InsightService.refreshInterval`, or that has none, and a `risk.fit`
///   for every one whose model is older than a day. `handover serve` queues its first run at start-up.
public enum InsightJobs {
    public static let refreshKind = "insight.refresh"
    public static let scheduleKind = "insight.schedule"

    public static func refreshJob(organizationID: String, at now: Date) -> NewJob {
        NewJob(id: NewJob.newID(at: now), organizationID: organizationID, kind: refreshKind, runAfter: now, dedupeKey: "\(refreshKind):\(organizationID)")
    }

    public static func scheduleJob(at runAfter: Date) -> NewJob {
        NewJob(id: NewJob.newID(at: runAfter), kind: scheduleKind, runAfter: runAfter, dedupeKey: scheduleKind)
    }

    public static func refreshHandler(_ insight: InsightService) -> JobHandler {
        { job in
            guard let organizationID = job.organizationID else { return }
            try await insight.refresh(organizationID: organizationID)
        }
    }

    public static func scheduleHandler(_ insight: InsightService) -> JobHandler {
        { _ in try await schedule(insight) }
    }

    /// One run of the schedule: its next run first, then what is due.
    public static func schedule(_ insight: InsightService) async throws {
        let now = insight.clock.now()
        try await insight.store.enqueueJobs([scheduleJob(at: now.addingTimeInterval(InsightService.refreshInterval))])
        let due = try await insight.store.insightOrganizationsDue(before: now.addingTimeInterval(-InsightService.refreshInterval + 60))
        try await insight.store.enqueueJobs(due.map { refreshJob(organizationID: $0, at: now) })
        // The risk model's daily fit rides on the same hourly schedule.
        let fits = try await insight.store.riskFitsDue(before: now.addingTimeInterval(-RiskJobs.fitInterval + 60))
        try await insight.store.enqueueJobs(fits.map { RiskJobs.fitJob(organizationID: $0, at: now) })
    }
}
