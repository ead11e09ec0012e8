import Foundation
import NIOConcurrencyHelpers

/// What one write transaction enqueues, gathered while it runs (a task-local set by
/// `SQLHandoverStore.write`): the runner is told only after the transaction commits, so a
/// rolled-back write wakes nobody, and the audit append learns the checkpoint interval.
final class JobOutbox: Sendable {
    let checkpointInterval: TimeInterval
    let pendingCheckpoints: PendingCheckpoints
    private let earliest = NIOLockedValueBox<Date?>(nil)
    private let checkpoints = NIOLockedValueBox<[(organizationID: String, due: Date)]>([])

    init(checkpointInterval: TimeInterval, pendingCheckpoints: PendingCheckpoints) {
        self.checkpointInterval = checkpointInterval
        self.pendingCheckpoints = pendingCheckpoints
    }

    @TaskLocal static var current: JobOutbox?

    func enqueued(runAfter: Date) {
        earliest.withLockedValue { $0 = min($0 ?? runAfter, runAfter) }
    }

    /// This transaction inserted a checkpoint job (not merely met a pending one).
    func insertedCheckpoint(organizationID: String, due: Date) {
        checkpoints.withLockedValue { $0.append((organizationID, due)) }
    }

    /// After commit: tells the runner, if anything was enqueued, and remembers the checkpoint
    /// jobs now known to be pending.
    func committed(_ signal: JobSignal) {
        for (organizationID, due) in checkpoints.withLockedValue({ $0 }) { pendingCheckpoints.record(organizationID, due: due) }
        if let due = earliest.withLockedValue({ $0 }) { signal.notify(runAfter: due) }
    }
}

/// The `audit.checkpoint` jobs this process inserted, by organization, with their due times.
///
/// A write that appends to the audit log needs a checkpoint job pending for its organization.
/// While one this process inserted is not yet due, it is still pending (claims take due jobs
/// only) and will sign everything written until it runs, so the write skips its insert: the
/// insert cost a statement per audited write (measured: 12% of the raw write rate on SQLite).
/// Only jobs this process itself inserted count (one that met another replica's pending job
/// learns nothing of its due time), and only until a second before they are due (clock skew
/// between replicas). An operator who cancels a pending checkpoint job delays the next one until
/// this due time has passed.
final class PendingCheckpoints: Sendable {
    private let due = NIOLockedValueBox([String: Date]())
    static let margin: TimeInterval = 1

    /// Whether a job this process inserted for the organization will run after `now`.
    func covers(_ organizationID: String, at now: Date) -> Bool {
        due.withLockedValue { $0[organizationID] }.map { $0.timeIntervalSince(now) > Self.margin } ?? false
    }

    func record(_ organizationID: String, due date: Date) {
        due.withLockedValue { due in
            due[organizationID] = date
            // Past entries cover nothing; drop them now and then so the map stays small.
            if due.count > 10_000 {
                let now = Date()
                due = due.filter { $0.value > now }
            }
        }
    }
}
