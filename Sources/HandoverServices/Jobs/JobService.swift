import Foundation
import HandoverCore
import HandoverStore

/// What an operator does to the job queue (`handover jobs list|retry|cancel`): runs on the
/// server's machine against its database, like `handover admin`, so it takes no member.
public struct JobService: Sendable {
    let store: any HandoverStore
    let clock: WallClock

    public init(store: any HandoverStore, clock: WallClock = .system) {
        self.store = store
        self.clock = clock
    }

    public func jobs(filter: JobFilter) async throws -> [Job] {
        try await store.jobs(filter: filter)
    }

    /// A dead or cancelled job runs again now, its attempts reset.
    public func retry(id: String) async throws -> Job {
        try await store.retryJob(id: id, at: clock.now())
    }

    /// A pending job never runs.
    public func cancel(id: String) async throws -> Job {
        try await store.cancelJob(id: id, at: clock.now())
    }
}
