import Foundation
import HandoverCore
@testable import HandoverStore
import HandoverTestSupport
import Testing

/// The jobs table's contract on both engines. Each test uses kinds of its own, so that on the
/// shared PostgreSQL database it claims only its own jobs.
@Suite struct JobStoreTests {
    static let engines = TestDatabases.engines
    let now = Date(millis: Date().millis)

    func kind(_ name: String) -> String { "test.\(name).\(UUID().uuidString.prefix(8).lowercased())" }

    @Test(arguments: engines) func enqueueClaimCompleteFailDeadAndRetry(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("flow")
        let first = NewJob(kind: kind, payload: #"{"n":1}"#, runAfter: now, maxAttempts: 2)
        let second = NewJob(kind: kind, runAfter: now.addingTimeInterval(-1), maxAttempts: 2)
        let later = NewJob(kind: kind, runAfter: now.addingTimeInterval(3600))
        try await store.enqueueJobs([first, second, later])

        // Due ones only, earliest first; each claim counts an attempt and takes a lease.
        let claimed = try await store.claimJobs(runner: "a", kinds: [kind], limit: 10, lease: 30, at: now)
        #expect(claimed.map(\.id) == [second.id, first.id])
        #expect(claimed.allSatisfy { $0.state == .running && $0.attempts == 1 && $0.lockedBy == "a" && $0.lockedUntil == now.addingTimeInterval(30) })
        #expect(claimed.last?.payload == #"{"n":1}"#)
        #expect(try await store.claimJobs(runner: "b", kinds: [kind], limit: 10, lease: 30, at: now).isEmpty)

        #expect(try await store.completeJob(id: second.id, runner: "a", at: now))
        #expect(try await store.job(id: second.id)?.state == .done)
        // Completing twice (or a done job) does nothing.
        #expect(try await !store.completeJob(id: second.id, runner: "a", at: now))

        // A failure with a retry time: pending again then, with the error kept.
        let retryAt = now.addingTimeInterval(5)
        #expect(try await store.failJob(id: first.id, runner: "a", error: "the mail server said no", retryAt: retryAt, at: now))
        var job = try #require(try await store.job(id: first.id))
        #expect(job.state == .pending && job.runAfter == retryAt && job.lastError == "the mail server said no" && job.attempts == 1)
        #expect(try await store.claimJobs(runner: "a", kinds: [kind], limit: 10, lease: 30, at: now.addingTimeInterval(4)).isEmpty)
        let again = try await store.claimJobs(runner: "a", kinds: [kind], limit: 10, lease: 30, at: retryAt)
        #expect(again.map(\.id) == [first.id] && again.first?.attempts == 2)
        // Without a retry time: dead.
        #expect(try await store.failJob(id: first.id, runner: "a", error: "still no", retryAt: nil, at: retryAt))
        job = try #require(try await store.job(id: first.id))
        #expect(job.state == .dead && job.lastError == "still no")

        let figures = try await store.operationalFigures()
        #expect(figures.jobFailuresByKind[kind] == 2)
        #expect((figures.jobsByState["dead"] ?? 0) >= 1 && (figures.jobsByState["pending"] ?? 0) >= 1)

        // An operator retries the dead job: pending now, attempts from zero.
        let retried = try await store.retryJob(id: first.id, at: retryAt)
        #expect(retried.state == .pending && retried.attempts == 0 && retried.runAfter == retryAt)
        #expect(try await store.job(id: first.id) == retried)
        await #expect(throws: StoreError.conflict("job \(first.id) is already pending (due \(Timestamp.format(retryAt))): nothing to retry")) {
            try await store.retryJob(id: first.id, at: retryAt)
        }
        await #expect(throws: StoreError.notFound("job nope")) { try await store.retryJob(id: "nope", at: now) }

        let listed = try await store.jobs(filter: JobFilter(kind: kind))
        #expect(Set(listed.map(\.id)) == [first.id, second.id, later.id])
        #expect(try await store.jobs(filter: JobFilter(states: [.done], kind: kind)).map(\.id) == [second.id])
        #expect(try await store.jobs(filter: JobFilter(kind: kind, limit: 1)).count == 1)
    }

    @Test(arguments: engines) func cancelTakesPendingJobsOnly(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("cancel")
        let job = NewJob(kind: kind, runAfter: now)
        try await store.enqueueJobs([job])
        #expect(try await store.cancelJob(id: job.id, at: now).state == .cancelled)
        #expect(try await store.claimJobs(runner: "a", kinds: [kind], limit: 1, lease: 30, at: now).isEmpty)
        await #expect(throws: StoreError.self) { try await store.cancelJob(id: job.id, at: now) }
        // Retry undoes a cancel; a running job cannot be cancelled.
        _ = try await store.retryJob(id: job.id, at: now)
        #expect(try await store.claimJobs(runner: "a", kinds: [kind], limit: 1, lease: 30, at: now).count == 1)
        do {
            _ = try await store.cancelJob(id: job.id, at: now)
            Issue.record("cancelled a running job")
        } catch let error as StoreError {
            #expect(error.message.contains("is running on a"))
        }
        await #expect(throws: StoreError.notFound("job nope")) { try await store.cancelJob(id: "nope", at: now) }
    }

    @Test(arguments: engines) func aDedupeKeyKeepsOnePendingJob(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("dedupe"), key = "dedupe:\(UUID().uuidString)"
        let first = NewJob(kind: kind, runAfter: now, dedupeKey: key)
        try await store.enqueueJobs([first, NewJob(kind: kind, runAfter: now, dedupeKey: key)])
        try await store.enqueueJobs([NewJob(kind: kind, runAfter: now, dedupeKey: key)])
        #expect(try await store.jobs(filter: JobFilter(kind: kind)).map(\.id) == [first.id])
        // Once it runs, the next change enqueues a new pending one.
        _ = try await store.claimJobs(runner: "a", kinds: [kind], limit: 10, lease: 30, at: now)
        let twin = NewJob(kind: kind, runAfter: now.addingTimeInterval(60), dedupeKey: key)
        try await store.enqueueJobs([twin])
        #expect(try await store.jobs(filter: JobFilter(states: [.pending], kind: kind)).map(\.id) == [twin.id])
        // The running one fails: its pending twin does the work, no later than the retry.
        #expect(try await store.failJob(id: first.id, runner: "a", error: "boom", retryAt: now.addingTimeInterval(2), at: now))
        #expect(try await store.job(id: first.id)?.state == .cancelled)
        #expect(try await store.job(id: twin.id)?.runAfter == now.addingTimeInterval(2))
        // Retrying the handed-over one is refused while the twin is pending.
        await #expect(throws: StoreError.self) { try await store.retryJob(id: first.id, at: now) }
    }

    @Test(arguments: engines) func anExpiredLeaseReturnsTheJobAndTheStaleRunnerCannotFinishIt(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("lease")
        let job = NewJob(kind: kind, runAfter: now, maxAttempts: 2)
        try await store.enqueueJobs([job])
        #expect(try await store.claimJobs(runner: "a", kinds: [kind], limit: 1, lease: 10, at: now).count == 1)
        // Runner a was killed (or hangs): within the lease nobody else gets the job, after it b does.
        #expect(try await store.claimJobs(runner: "b", kinds: [kind], limit: 1, lease: 10, at: now.addingTimeInterval(9)).isEmpty)
        let reclaimed = try await store.claimJobs(runner: "b", kinds: [kind], limit: 1, lease: 10, at: now.addingTimeInterval(11))
        #expect(reclaimed.first?.id == job.id && reclaimed.first?.attempts == 2 && reclaimed.first?.lockedBy == "b")
        // a comes back: it can neither finish nor fail what b now holds.
        #expect(try await !store.completeJob(id: job.id, runner: "a", at: now.addingTimeInterval(12)))
        #expect(try await !store.failJob(id: job.id, runner: "a", error: "late", retryAt: nil, at: now.addingTimeInterval(12)))
        #expect(try await store.job(id: job.id)?.state == .running)
        // b's lease runs out too, on the last attempt: dead, not claimed a third time.
        #expect(try await store.claimJobs(runner: "c", kinds: [kind], limit: 1, lease: 10, at: now.addingTimeInterval(30)).isEmpty)
        let dead = try #require(try await store.job(id: job.id))
        #expect(dead.state == .dead && dead.lastError?.contains("lease ran out") == true)
        #expect(try await store.operationalFigures().jobFailuresByKind[kind] == 1)
    }

    @Test(arguments: engines) func aClaimTakesOnlyTheRunnersKinds(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let known = kind("known"), newer = kind("newer")
        try await store.enqueueJobs([NewJob(kind: newer, runAfter: now), NewJob(kind: known, runAfter: now)])
        let claimed = try await store.claimJobs(runner: "a", kinds: [known], limit: 10, lease: 30, at: now)
        #expect(claimed.map(\.kind) == [known])
        #expect(try await store.jobs(filter: JobFilter(kind: newer)).first?.state == .pending)
    }

    @Test(arguments: engines) func purgeDeletesOldFinishedJobsOnly(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("purge"), old = now.addingTimeInterval(-30 * 86_400)
        let done = NewJob(kind: kind, runAfter: old), dead = NewJob(kind: kind, runAfter: old, maxAttempts: 1), pending = NewJob(kind: kind, runAfter: old)
        try await store.enqueueJobs([done, dead])
        #expect(try await store.claimJobs(runner: "a", kinds: [kind], limit: 2, lease: 30, at: old).count == 2)
        #expect(try await store.completeJob(id: done.id, runner: "a", at: old))
        #expect(try await store.failJob(id: dead.id, runner: "a", error: "x", retryAt: nil, at: old))
        try await store.enqueueJobs([pending])
        #expect(try await store.purgeJobs(finishedBefore: old.addingTimeInterval(1)) >= 1)
        #expect(Set(try await store.jobs(filter: JobFilter(kind: kind)).map(\.id)) == [dead.id, pending.id])
    }

    /// The outbox: a job exists if and only if the change that enqueued it committed.
    @Test(arguments: engines) func aRolledBackWriteLeavesNoJob(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let kind = kind("outbox")
        await #expect(throws: StoreError.self) {
            try await store.write { db in
                try await SQLHandoverStore.enqueue([NewJob(kind: kind, runAfter: now)], at: now, db)
                throw StoreError.conflict("the change failed after enqueueing")
            }
        }
        #expect(try await store.jobs(filter: JobFilter(kind: kind)).isEmpty)
        // A real write that fails after appending to the audit log: creating an organization
        // whose first admin's id is taken. Neither the organization nor its checkpoint job stays.
        let org = try await OrgFixture.make(in: store)
        let failed = Organization(id: UUID().uuidString.lowercased(), name: "Rolled back", createdAt: now)
        var admin = org.alice
        admin.organizationID = failed.id
        admin.email = "someone-else-\(UUID().uuidString.prefix(6))@example.com"
        await #expect(throws: StoreError.self) { try await store.createOrganization(failed, firstAdmin: admin, passwordHash: nil) }
        #expect(try await store.organization(id: failed.id) == nil)
        let checkpoints = try await store.jobs(filter: JobFilter(kind: JobKind.auditCheckpoint, limit: 10_000))
        #expect(!checkpoints.contains { $0.organizationID == failed.id })
    }

    /// Every write that appends to the audit log enqueues a checkpoint, one pending per
    /// organization however many writes, due one interval after the write.
    @Test(arguments: engines) func auditedWritesEnqueueOneCheckpointJobPerOrganization(engine: String) async throws {
        let opened = try await TestDatabases.store(engine)
        let store = SQLHandoverStore(database: opened.database, checkpointInterval: 30)
        defer { Task { try? await store.database.close() } }
        let before = Date()
        let org = try await OrgFixture.make(in: store)  // an organization and six members: seven audited writes
        let other = try await OrgFixture.make(in: store, name: "Other")
        let account = try await org.account(org.alice, in: store)
        _ = try await org.handover(of: account, to: org.bob, in: store)
        let pending = try await store.jobs(filter: JobFilter(states: [.pending], kind: JobKind.auditCheckpoint, limit: 10_000))
        let ours = pending.filter { $0.organizationID == org.organization.id }
        #expect(ours.count == 1)
        #expect(pending.filter { $0.organizationID == other.organization.id }.count == 1)
        let job = try #require(ours.first)
        #expect(job.dedupeKey == "audit.checkpoint:\(org.organization.id)" && job.payload == "{}")
        #expect(job.runAfter >= before.addingTimeInterval(29) && job.runAfter <= Date().addingTimeInterval(31))
    }

    /// A write that enqueues wakes this process's runner once it has committed.
    @Test func aCommittedEnqueueSignalsTheRunner() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let generation = store.jobSignal.snapshot().generation
        try await store.enqueueJobs([NewJob(kind: kind("signal"), runAfter: now)])
        #expect(store.jobSignal.snapshot().generation != generation)
        #expect(store.jobSignal.snapshot().earliest == now)
        // A waiter that missed the notice returns at once instead of sleeping.
        let clock = ContinuousClock(), start = clock.now
        await store.jobSignal.wait(for: .seconds(5), since: generation)
        #expect(clock.now - start < .seconds(1))
    }
}
