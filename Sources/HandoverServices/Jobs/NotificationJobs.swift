import Foundation
import HandoverCore
import HandoverStore

/// The two periodic notification jobs. Each run first enqueues its next run (deduplicated by
/// the kind's key, so replicas and restarts keep one pending), then does its work; `handover
/// serve` enqueues the first run of each at start-up.
/// - `notify.digest`: once a day at `MailSettings.digestHour` UTC, one digest email per member
///   with pending items (`NotificationService.sendDigests`).
/// - `notify.overdue`: hourly, the managers hear of open handovers past due, once per handover
///   per day (`NotificationService.reportOverdue`).
public enum NotificationJobs {
    public static let digestKind = "notify.digest"
    public static let overdueKind = "notify.overdue"
    static let overdueInterval: TimeInterval = 3600

    /// The next `hour`:00 UTC strictly after `now`.
    public static func nextDigest(after now: Date, hour: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        var parts = calendar.dateComponents([.year, .month, .day], from: now)
        parts.hour = hour
        let today = calendar.date(from: parts)!
        return today > now ? today : calendar.date(byAdding: .day, value: 1, to: today)!
    }

    /// The first runs, for start-up: the digest at its next hour, the overdue check now.
    public static func firstRuns(at now: Date, digestHour: Int) -> [NewJob] {
        [
            NewJob(id: NewJob.newID(at: now), kind: digestKind, runAfter: nextDigest(after: now, hour: digestHour), dedupeKey: digestKind),
            NewJob(id: NewJob.newID(at: now), kind: overdueKind, runAfter: now, dedupeKey: overdueKind),
        ]
    }

    public static func digestHandler(_ notifications: NotificationService) -> JobHandler {
        { _ in
            let now = notifications.clock.now()
            try await notifications.store.enqueueJobs([
                NewJob(id: NewJob.newID(at: now), kind: digestKind, runAfter: nextDigest(after: now, hour: notifications.mail.digestHour), dedupeKey: digestKind)
            ])
            try await notifications.sendDigests()
        }
    }

    public static func overdueHandler(_ notifications: NotificationService) -> JobHandler {
        { _ in
            let now = notifications.clock.now()
            try await notifications.store.enqueueJobs([
                NewJob(id: NewJob.newID(at: now), kind: overdueKind, runAfter: now.addingTimeInterval(overdueInterval), dedupeKey: overdueKind)
            ])
            try await notifications.reportOverdue()
        }
    }
}
