import Foundation
import NIOConcurrencyHelpers

/// Tells this process's job runner that a write here enqueued jobs, and when the earliest is
/// due, so that it need not wait for its next poll (SQLite latency) nor poll faster than jobs
/// come due. Other processes' jobs are found by polling.
public final class JobSignal: Sendable {
    private struct State {
        /// The earliest `runAfter` enqueued here and not yet taken by a runner round.
        var earliest: Date?
        /// Moves on every notice, so a waiter can tell one came since it last looked.
        var generation = 0
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var cancelled: Set<Int> = []
        var nextWaiter = 0
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// A committed write enqueued a job due at `runAfter`.
    public func notify(runAfter: Date) {
        let waiters = state.withLockedValue { state in
            state.earliest = min(state.earliest ?? runAfter, runAfter)
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Wakes every waiter without news (a runner stopping).
    public func wakeAll() {
        let waiters = state.withLockedValue { state in
            state.generation &+= 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    /// The generation and the earliest known due time, for a runner about to look for work.
    public func snapshot() -> (generation: Int, earliest: Date?) {
        state.withLockedValue { ($0.generation, $0.earliest) }
    }

    /// Forgets a due time that has come: a runner round at `now` looks for those jobs anyway.
    public func consume(upTo now: Date) {
        state.withLockedValue { state in
            if let earliest = state.earliest, earliest <= now { state.earliest = nil }
        }
    }

    /// Returns after `duration`, at once if a notice came since `generation`, or when one comes
    /// (or the task is cancelled), whichever is first.
    public func wait(for duration: Duration, since generation: Int) async {
        let id = state.withLockedValue { state in
            state.nextWaiter &+= 1
            return state.nextWaiter
        }
        let timer = Task { [weak self] in
            try? await Task.sleep(for: duration)
            self?.resume(id)
        }
        defer { timer.cancel() }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let now = state.withLockedValue { state -> Bool in
                    if state.generation != generation || state.cancelled.remove(id) != nil { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            resume(id, cancelling: true)
        }
    }

    private func resume(_ id: Int, cancelling: Bool = false) {
        let waiter = state.withLockedValue { state in
            let waiter = state.waiters.removeValue(forKey: id)
            // Cancelled before it registered: it must not register and wait for the timer.
            if waiter == nil && cancelling { state.cancelled.insert(id) }
            return waiter
        }
        waiter?.resume()
    }
}

/// What one write transaction enqueues, gathered while it runs (a task-local set by
/// `SQLHandoverStore.write`): the runner is told only after the transaction commits, so a
/// rolled-back write wakes nobody, and the audit append learns the checkpoint interval.
final class JobOutbox: Sendable {
    let checkpointInterval: TimeInterval
    private let earliest = NIOLockedValueBox<Date?>(nil)

    init(checkpointInterval: TimeInterval) {
        self.checkpointInterval = checkpointInterval
    }

    @TaskLocal static var current: JobOutbox?

    func enqueued(runAfter: Date) {
        earliest.withLockedValue { $0 = min($0 ?? runAfter, runAfter) }
    }

    /// After commit: tells the runner, if anything was enqueued.
    func committed(_ signal: JobSignal) {
        if let due = earliest.withLockedValue({ $0 }) { signal.notify(runAfter: due) }
    }
}
