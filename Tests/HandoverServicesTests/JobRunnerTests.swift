import Foundation
import HandoverServices
import HandoverStore
import HandoverTestSupport
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// A clock tests move by hand: backoff is checked without sleeping.
final class TestClock: Sendable {
    private let current: Mutex<Date>
    init(_ start: Date) { current = Mutex(start) }
    var now: Date { current.withLock { $0 } }
    func advance(_ seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

struct HandlerFailure: Error, CustomStringConvertible {
    var description: String
}

@Suite struct RetryPolicyTests {
    @Test func delaysDoubleUpToTheCapAndJitterScalesThem() {
        let policy = RetryPolicy(base: 1, cap: 600)
        #expect((1...5).map { policy.delay(afterAttempt: $0, jitter: 1) } == [1, 2, 4, 8, 16])
        #expect(policy.delay(afterAttempt: 10, jitter: 1) == 512)
        #expect(policy.delay(afterAttempt: 11, jitter: 1) == 600)
        #expect(policy.delay(afterAttempt: 1_000, jitter: 1) == 600)
        #expect(policy.delay(afterAttempt: 4, jitter: 0.25) == 2)
        #expect(policy.delay(afterAttempt: 4, jitter: 0) == 0)
        let now = Date(timeIntervalSince1970: 1_000)
        #expect(policy.retryAt(after: (attempts: 3, maxAttempts: 8), now: now, jitter: 0.5) == now.addingTimeInterval(2))
        #expect(policy.retryAt(after: (attempts: 8, maxAttempts: 8), now: now, jitter: 0.5) == nil)
    }
}

@Suite struct JobRunnerTests {
    let now = Date(millis: Date().millis)

    func kind(_ name: String) -> String { "test.\(name).\(UUID().uuidString.prefix(8).lowercased())" }

    /// Each failure is retried after base × 2^(attempt−1) × jitter on the injected clock, and
    /// the job is dead after its last attempt.
    @Test func failuresBackOffOnTheInjectedClockAndDieAfterMaxAttempts() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let kind = kind("backoff"), clock = TestClock(now)
        let runs = Mutex(0)
        let runner = JobRunner(
            store: store,
            handlers: [
                kind: { _ in
                    runs.withLock { $0 += 1 }
                    throw HandlerFailure(description: "the far end said 503")
                }
            ], options: .init(retry: RetryPolicy(base: 2, cap: 600)), clock: WallClock { clock.now }, jitter: { 0.5 })
        let job = NewJob(kind: kind, payload: #"{"secret":"never logged"}"#, runAfter: now, maxAttempts: 3)
        try await store.enqueueJobs([job])

        #expect(try await runner.runOnce() == 1)
        var stored = try #require(try await store.job(id: job.id))
        #expect(stored.state == .pending && stored.attempts == 1 && stored.lastError == "the far end said 503")
        #expect(stored.runAfter == now.addingTimeInterval(1))  // 2 × 2^0 × 0.5
        clock.advance(0.999)
        #expect(try await runner.runOnce() == 0)
        clock.advance(0.001)
        #expect(try await runner.runOnce() == 1)
        stored = try #require(try await store.job(id: job.id))
        #expect(stored.runAfter == clock.now.addingTimeInterval(2))  // 2 × 2^1 × 0.5
        clock.advance(2)
        #expect(try await runner.runOnce() == 1)
        stored = try #require(try await store.job(id: job.id))
        #expect(stored.state == .dead && stored.attempts == 3)
        clock.advance(3600)
        #expect(try await runner.runOnce() == 0)
        #expect(runs.withLock { $0 } == 3)
        #expect(try await store.operationalFigures().jobFailuresByKind[kind] == 3)
    }

    /// A batch kind's jobs reach its handler spread over the free slots, never more than
    /// `batchSize` at once, and each outcome is recorded: done by the handler stays done, a
    /// failure is retried until it dies, a job not started is handed back with its attempt not
    /// counted and runs later, and a job the handler says nothing about is marked done.
    @Test func batchHandlersGetJobsInBatchesAndEachOutcomeIsRecorded() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let kind = kind("batch")
        let jobs = (0..<10).map { NewJob(kind: kind, payload: #"{"n":\#($0)}"#, runAfter: now, maxAttempts: 2) }
        try await store.enqueueJobs(jobs)
        let batches = Mutex<[[String]]>([])
        let handedBackOnce = Mutex(false)
        let runner = JobRunner(
            store: store, handlers: [:],
            batchHandlers: [
                kind: { batch, _ in
                    batches.withLock { $0.append(batch.map(\.id)) }
                    var outcome = JobBatchOutcome()
                    for job in batch {
                        if job.id == jobs[0].id, (try? await store.completeJob(id: job.id, runner: job.lockedBy ?? "", at: job.updatedAt)) == true {
                            outcome.done.insert(job.id)
                        }
                        if job.id == jobs[1].id { outcome.failed[job.id] = HandlerFailure(description: "refused") }
                        if job.id == jobs[2].id, !handedBackOnce.withLock({ $0 }) {
                            handedBackOnce.withLock { $0 = true }
                            outcome.notStarted.insert(job.id)
                        }
                    }
                    return outcome
                }
            ], options: .init(concurrency: 2, batchSize: 3), clock: .fixed(now), jitter: { 0 })

        #expect(try await runner.runOnce() == 6)
        #expect(batches.withLock { $0.map(\.count) } == [3, 3])
        while try await runner.runOnce() > 0 {}
        #expect(batches.withLock { $0.allSatisfy { $0.count <= 3 } })
        var states: [String: (JobState, Int)] = [:]
        for job in jobs {
            let stored = try #require(try await store.job(id: job.id))
            states[job.id] = (stored.state, stored.attempts)
        }
        #expect(states[jobs[0].id]! == (.done, 1))
        #expect(states[jobs[1].id]! == (.dead, 2))
        #expect(states[jobs[2].id]! == (.done, 1))  // handed back once: that claim did not count
        #expect(jobs[3...].allSatisfy { states[$0.id]! == (.done, 1) })
        #expect(batches.withLock { $0.joined().filter { $0 == jobs[2].id }.count } == 2)
    }

    @Test func aJobOfAnUnknownKindStaysPendingForARunnerThatKnowsIt() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let known = kind("known"), newer = kind("newer")
        let runner = JobRunner(store: store, handlers: [known: { _ in }], clock: .fixed(now))
        let job = NewJob(kind: newer, runAfter: now)
        try await store.enqueueJobs([job])
        #expect(try await runner.runOnce() == 0)
        #expect(try await store.job(id: job.id)?.state == .pending)
        #expect(try await store.job(id: job.id)?.attempts == 0)
    }

    /// A handler that says it marked its job done (in its own transaction) gets no second write
    /// from the runner; one that says nothing is completed by the runner as before.
    @Test func aHandlerThatMarkedItsJobDoneGetsNoSecondWrite() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let selfCompleting = kind("self"), plain = kind("plain")
        let runner = JobRunner(
            store: store,
            handlers: [
                // Says "done" without writing it: the job stays running, so the runner did not write.
                selfCompleting: { _ in JobContext.current?.markDone() },
                plain: { _ in #expect(JobContext.current?.isDone == false) },
            ], clock: .fixed(now))
        let first = NewJob(kind: selfCompleting, runAfter: now), second = NewJob(kind: plain, runAfter: now)
        try await store.enqueueJobs([first, second])
        #expect(try await runner.runOnce() == 2)
        #expect(try await store.job(id: first.id)?.state == .running)
        #expect(try await store.job(id: second.id)?.state == .done)
        #expect(JobContext.current == nil)
    }

    /// On graceful shutdown the runner claims nothing more, and returns once the job it is
    /// running has finished (and been marked done).
    @Test func gracefulShutdownLetsRunningJobsFinish() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let kind = kind("shutdown")
        let (started, startedContinuation) = AsyncStream<String>.makeStream()
        let (gate, gateContinuation) = AsyncStream<Void>.makeStream()
        let runner = JobRunner(
            store: store,
            handlers: [
                kind: { job in
                    startedContinuation.yield(job.id)
                    for await _ in gate { break }
                }
            ], options: .init(pollInterval: .milliseconds(20)))
        let group = ServiceGroup(services: [runner], logger: Logger(label: "test"))
        let running = Task { try await group.run() }
        let first = NewJob(kind: kind, runAfter: now)
        try await store.enqueueJobs([first])
        var iterator = started.makeAsyncIterator()
        #expect(await iterator.next() == first.id)

        await group.triggerGracefulShutdown()
        let second = NewJob(kind: kind, runAfter: now)
        try await store.enqueueJobs([second])
        try await Task.sleep(for: .milliseconds(100))
        #expect(try await store.job(id: first.id)?.state == .running)  // not abandoned
        gateContinuation.yield()
        try await running.value
        #expect(try await store.job(id: first.id)?.state == .done)
        #expect(try await store.job(id: second.id)?.state == .pending)  // not claimed after shutdown began
    }

    /// With a long poll interval, a job enqueued in this process still runs at once.
    @Test func anEnqueueHereWakesTheRunnerAtOnce() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let kind = kind("wake")
        let (ran, ranContinuation) = AsyncStream<String>.makeStream()
        let runner = JobRunner(store: store, handlers: [kind: { job in ranContinuation.yield(job.id) }], options: .init(pollInterval: .seconds(30)))
        let running = Task { try await runner.run() }
        defer { running.cancel() }
        try await Task.sleep(for: .milliseconds(50))  // the runner is asleep in its first poll wait
        let clock = ContinuousClock(), start = clock.now
        let job = NewJob(kind: kind, runAfter: Date())
        try await store.enqueueJobs([job])
        var iterator = ran.makeAsyncIterator()
        #expect(await iterator.next() == job.id)
        #expect(clock.now - start < .seconds(5))
    }

    // MARK: The burst

    /// Counts runs per job, and which runner ran them.
    actor RunLog {
        var runs: [String: Int] = [:]
        var byRunner: [String: Int] = [:]
        func record(_ id: String, runner: String) {
            runs[id, default: 0] += 1
            byRunner[runner, default: 0] += 1
        }
        var distinct: Int { runs.count }
    }

    /// Runs `count` jobs through `runners` (one per store) and checks each ran exactly once and
    /// is done; returns the runs per runner.
    func burst(_ count: Int, stores: [SQLHandoverStore], timeout: Duration = .seconds(60)) async throws -> [String: Int] {
        let kind = kind("burst"), log = RunLog()
        let runners = stores.enumerated().map { index, store in
            let name = "replica-\(index)"
            return JobRunner(
                store: store, handlers: [kind: { job in await log.record(job.id, runner: name) }], id: name,
                options: .init(concurrency: 8, pollInterval: .milliseconds(50)))
        }
        let tasks = runners.map { runner in Task { try await runner.run() } }
        defer { for task in tasks { task.cancel() } }
        // A burst: ten transactions of a hundred, enqueued at once through every store.
        let jobs = (0..<count).map { _ in NewJob(kind: kind, runAfter: Date()) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, start) in stride(from: 0, to: count, by: 100).enumerated() {
                let store = stores[index % stores.count], batch = Array(jobs[start..<min(start + 100, count)])
                group.addTask { try await store.enqueueJobs(batch) }
            }
            try await group.waitForAll()
        }
        let clock = ContinuousClock(), deadline = clock.now + timeout
        var done = 0
        while clock.now < deadline {
            done = try await stores[0].jobs(filter: JobFilter(states: [.done], kind: kind, limit: count + 1)).count
            if done == count { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(done == count, "only \(done) of \(count) jobs done within \(timeout)")
        let runs = await log.runs
        #expect(runs.count == count)
        #expect(Set(runs.keys) == Set(jobs.map(\.id)))
        let twice = runs.filter { $0.value != 1 }
        #expect(twice.isEmpty, "\(twice.count) jobs ran more than once, e.g. \(twice.keys.sorted().prefix(3))")
        return await log.byRunner
    }

    @Test(.enabled(if: TestDatabases.engines.contains("postgres")), .timeLimit(.minutes(2)))
    func twoReplicasOnOnePostgreSQLRunABurstOfAThousandJobsExactlyOnce() async throws {
        let url = try TestDatabases.postgresURL()
        // Two replicas: two stores, each with its own connection pool and its own runner.
        let first = try await SQLHandoverStore.open(.postgres(url: url))
        let second = try await SQLHandoverStore.open(.postgres(url: url))
        defer {
            Task {
                try? await first.database.close(); try? await second.database.close()
            }
        }
        let byRunner = try await burst(1000, stores: [first, second])
        #expect(byRunner.count == 2 && byRunner.values.allSatisfy { $0 > 0 }, "work per replica: \(byRunner)")
    }

    @Test(.timeLimit(.minutes(2))) func oneRunnerOnSQLiteRunsABurstOfAThousandJobsExactlyOnce() async throws {
        let store = try await TestDatabases.store("sqlite")
        defer { Task { try? await store.database.close() } }
        let byRunner = try await burst(1000, stores: [store])
        #expect(byRunner == ["replica-0": 1000])
    }
}
