import Foundation
import HandoverCore
import HandoverStore
import Logging
import ServiceLifecycle
import Synchronization

/// Runs one kind of job. Handlers are idempotent: a job can run again after its runner was
/// killed mid-way (its lease runs out) or after a failure past its side effects. What a handler
/// throws is stored and logged as the job's last error, so it carries no secret.
public typealias JobHandler = @Sendable (Job) async throws -> Void

/// Claims due jobs from the store and runs them (Docs/Jobs.md), as a swift-service-lifecycle
/// service beside the HTTP server. Several runners (replicas) may share one PostgreSQL
/// database: claims skip each other's locked rows, so each job runs once; on SQLite there is
/// one runner, in the server process.
///
/// It keeps up to `concurrency` jobs running and claims more whenever half of those slots are
/// free, so a slow job does not hold up the others and one claim serves several jobs. A kind with
/// a batch handler (mail.send) takes a slot per batch of up to `batchSize` jobs. Idle, it
/// sleeps up to `pollInterval`, less when a job enqueued in this process comes due sooner, and
/// wakes at once when one is due now.
public final class JobRunner: Service {
    public struct Options: Sendable {
        /// Jobs claimed and run at once.
        public var concurrency: Int
        /// How long an idle runner sleeps before looking again (other processes' jobs and
        /// retries are found this way).
        public var pollInterval: Duration
        /// How long a claim lasts. A job still running after that can be claimed by another
        /// runner, so this is well above any handler's running time.
        public var lease: TimeInterval
        public var retry: RetryPolicy
        /// Kinds whose retries are spaced otherwise than `retry`.
        public var retryByKind: [String: RetryPolicy]
        /// Done and cancelled jobs are deleted this long after they finished (dead ones stay).
        public var keepFinished: TimeInterval
        /// The most jobs a batch handler gets at once. A batch runs its jobs one after another
        /// and records them together, so a crash can repeat up to this many (mail: sent twice).
        public var batchSize: Int

        public init(
            concurrency: Int = 4, pollInterval: Duration = .seconds(1), lease: TimeInterval = 300,
            retry: RetryPolicy = RetryPolicy(), keepFinished: TimeInterval = 7 * 86_400,
            retryByKind: [String: RetryPolicy] = [JobKind.webhookDeliver: .webhookDelivery], batchSize: Int = 16
        ) {
            self.retryByKind = retryByKind
            self.concurrency = max(1, concurrency)
            self.batchSize = max(1, batchSize)
            self.pollInterval = pollInterval
            self.lease = lease
            self.retry = retry
            self.keepFinished = keepFinished
        }
    }

    /// Names this runner's claims (`locked_by`): host, process id and a random part.
    public let id: String
    let store: any HandoverStore
    let handlers: [String: JobHandler]
    let batchHandlers: [String: JobBatchHandler]
    /// What it claims: the kinds it has handlers for, one at a time and in batches.
    let kinds: [String]
    let batchKinds: [String]
    let options: Options
    let logger: Logger
    let clock: WallClock
    let jitter: @Sendable () -> Double
    private let stopping = Mutex(false)
    private let lastPurge = Mutex<Date?>(nil)

    /// - Parameters:
    ///   - handlers: by job kind. The runner claims only these kinds (and `batchHandlers'`): a
    ///     job of a kind it does not know (a newer version's, during a rolling upgrade) stays
    ///     pending for a runner that knows it, visible to `handover jobs list`.
    ///   - batchHandlers: by job kind, for kinds run several at a time (`JobBatchHandler`).
    ///   - clock: the time for claims, leases and retry times (tests inject one).
    ///   - jitter: a number in 0...1 for each retry delay (tests inject one).
    public init(
        store: any HandoverStore, handlers: [String: JobHandler], batchHandlers: [String: JobBatchHandler] = [:], id: String = JobRunner.makeID(),
        options: Options = Options(),
        logger: Logger = Logger(label: "handover.jobs"), clock: WallClock = .system,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.store = store
        self.handlers = handlers.filter { batchHandlers[$0.key] == nil }
        self.batchHandlers = batchHandlers
        self.kinds = self.handlers.keys.sorted()
        self.batchKinds = batchHandlers.keys.sorted()
        self.id = id
        self.options = options
        self.logger = logger
        self.clock = clock
        self.jitter = jitter
    }

    public static func makeID() -> String {
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        return "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)-\(random)"
    }

    /// Runs until the service group shuts down gracefully (then it claims nothing more and
    /// returns once the jobs it is running have finished) or the task is cancelled.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await loop()
        } onGracefulShutdown: { [self] in
            stopping.withLock { $0 = true }
            store.jobSignal.wakeAll()
        }
    }

    private var isStopping: Bool { stopping.withLock { $0 } || Task.isCancelled }

    private func loop() async {
        let signal = store.jobSignal
        while !isStopping {
            // Taken before claiming: a job enqueued while this round runs wakes the wait below.
            let generation = signal.snapshot().generation
            if await drain() > 0 { continue }
            await purgeIfDue()
            guard !isStopping else { break }
            var delay = options.pollInterval
            if let due = signal.snapshot().earliest {
                delay = min(delay, .milliseconds(max(0, Int64((due.timeIntervalSince(clock.now()) * 1000).rounded(.up)))))
            }
            await signal.wait(for: delay, since: generation)
        }
    }

    /// Runs due jobs until a claim finds fewer than it asked for, with up to `concurrency` of
    /// them at once: whenever half the slots are free it claims enough to fill them. Returns
    /// how many it ran. A claim that fails is logged and ends the drain once the running jobs
    /// are over (the loop then waits its poll interval).
    private func drain() async -> Int {
        let concurrency = options.concurrency
        return await withTaskGroup(of: Void.self) { group in
            var running = 0
            var ran = 0
            var more = true
            while true {
                if more, !isStopping, running <= concurrency / 2 {
                    do {
                        let started = clock.now()
                        store.jobSignal.consume(upTo: started)
                        let (work, full) = try await claim(slots: concurrency - running, at: started)
                        for unit in work { group.addTask { await self.execute(unit) } }
                        running += work.count
                        ran += work.reduce(0) { $0 + $1.jobs }
                        more = full
                    } catch {
                        logger.warning(
                            "could not claim jobs; trying again after the poll interval", metadata: ["runner": "\(id)", "error": "\(Self.describe(error))"])
                        more = false
                    }
                }
                guard running > 0 else { return ran }
                await group.next()
                running -= 1
            }
        }
    }

    /// One round, for tests and tools: claims up to `concurrency` due jobs (batches of batch
    /// kinds), runs them together and records each outcome. Returns how many jobs it claimed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let started = clock.now()
        store.jobSignal.consume(upTo: started)
        let (work, _) = try await claim(slots: options.concurrency, at: started)
        await withTaskGroup(of: Void.self) { group in
            for unit in work { group.addTask { await self.execute(unit) } }
        }
        return work.reduce(0) { $0 + $1.jobs }
    }

    /// What one slot runs.
    private enum Work: Sendable {
        case one(Job)
        case batch([Job], JobBatchHandler)

        var jobs: Int {
            switch self {
            case .one: 1
            case .batch(let jobs, _): jobs.count
            }
        }
    }

    /// Claims work for `slots` free slots: single jobs first, one a slot (a flood of mail never
    /// holds them back), then batch kinds in the slots left, up to `batchSize` jobs a slot.
    /// `full` is true when a claim found all it asked for: more may be due.
    private func claim(slots: Int, at now: Date) async throws -> (work: [Work], full: Bool) {
        var work: [Work] = []
        var full = false
        if !kinds.isEmpty {
            let jobs = try await store.claimJobs(runner: id, kinds: kinds, limit: slots, lease: options.lease, at: now)
            work = jobs.map(Work.one)
            full = jobs.count == slots
        }
        let left = slots - work.count
        guard left > 0, !batchKinds.isEmpty else { return (work, full) }
        let limit = left * options.batchSize
        let jobs = try await store.claimJobs(runner: id, kinds: batchKinds, limit: limit, lease: options.lease, at: now)
        // Spread over the free slots: a few due jobs go out side by side, not one after another.
        let size = max(1, (jobs.count + left - 1) / left)
        for (kind, group) in Dictionary(grouping: jobs, by: \.kind).sorted(by: { $0.key < $1.key }) {
            guard let handler = batchHandlers[kind] else { continue }
            for start in stride(from: 0, to: group.count, by: size) { work.append(.batch(Array(group[start..<min(start + size, group.count)]), handler)) }
        }
        return (work, full || jobs.count == limit)
    }

    private func execute(_ work: Work) async {
        switch work {
        case .one(let job): await execute(job)
        case .batch(let jobs, let handler): await execute(jobs, handler)
        }
    }

    private func execute(_ job: Job) async {
        let context = JobContext()
        do {
            guard let handler = handlers[job.kind] else { throw UnknownJobKind(kind: job.kind) }
            try await JobContext.$current.withValue(context) { try await handler(job) }
        } catch {
            await recordFailure(error, of: job)
            return
        }
        // The handler marked it done in its own last write.
        if context.isDone { return }
        await complete(job)
    }

    private func execute(_ jobs: [Job], _ handler: JobBatchHandler) async {
        // A quarter of the lease: the batch's last job starts long before another runner may take it.
        let outcome = await handler(jobs, clock.now().addingTimeInterval(options.lease / 4))
        let handedBack = jobs.filter { outcome.notStarted.contains($0.id) && outcome.failed[$0.id] == nil && !outcome.done.contains($0.id) }
        if !handedBack.isEmpty {
            do {
                try await store.releaseJobs(ids: handedBack.map(\.id), runner: id, at: clock.now())
            } catch {
                logger.warning(
                    "could not hand back unstarted jobs; they run once their lease runs out",
                    metadata: ["runner": "\(id)", "count": "\(handedBack.count)", "error": "\(Self.describe(error))"])
            }
        }
        for job in jobs where !outcome.done.contains(job.id) && !handedBack.contains(job) {
            if let error = outcome.failed[job.id] { await recordFailure(error, of: job) } else { await complete(job) }
        }
    }

    private func complete(_ job: Job) async {
        do {
            if try await !store.completeJob(id: job.id, runner: id, at: clock.now()) {
                logger.warning(
                    "job finished after its lease had gone to another runner; it may run (or have run) twice",
                    metadata: metadata(job))
            }
        } catch {
            var metadata = metadata(job)
            metadata["error"] = "\(Self.describe(error))"
            logger.error("job finished but could not be marked done; it runs again once its lease runs out", metadata: metadata)
        }
    }

    private func recordFailure(_ error: any Error, of job: Job) async {
        let message = Self.describe(error)
        let at = clock.now()
        let retryAt = (options.retryByKind[job.kind] ?? options.retry).retryAt(after: (job.attempts, job.maxAttempts), now: at, jitter: jitter())
        var metadata = metadata(job)
        metadata["attempt"] = "\(job.attempts)/\(job.maxAttempts)"
        metadata["next"] = "\(retryAt.map(Timestamp.format) ?? "none: dead")"
        metadata["error"] = "\(message)"
        logger.warning("job failed", metadata: metadata)
        do {
            if try await !store.failJob(id: job.id, runner: id, error: message, retryAt: retryAt, at: at) {
                logger.notice("failed job's lease had gone to another runner; its failure is not recorded", metadata: self.metadata(job))
            }
        } catch {
            metadata["error"] = "\(Self.describe(error))"
            logger.error("could not record a job's failure; it runs again once its lease runs out", metadata: metadata)
        }
    }

    /// How long a finished Idempotency-Key is kept (and answers a retry with its response).
    public static let idempotencyKeyLifetime: TimeInterval = 24 * 3600

    /// Deletes old finished jobs, and expired idempotency keys, about once an hour.
    private func purgeIfDue() async {
        let at = clock.now()
        let due = lastPurge.withLock { last in
            guard last.map({ at.timeIntervalSince($0) >= 3600 }) ?? true else { return false }
            last = at
            return true
        }
        guard due else { return }
        do {
            let purged = try await store.purgeJobs(finishedBefore: at.addingTimeInterval(-options.keepFinished))
            if purged > 0 { logger.info("purged finished jobs", metadata: ["count": "\(purged)"]) }
            // Idempotency keys answer retries for 24 hours, as Stripe's do; then they go.
            let keys = try await store.purgeIdempotencyKeys(createdBefore: at.addingTimeInterval(-Self.idempotencyKeyLifetime), at: at)
            if keys > 0 { logger.info("purged idempotency keys", metadata: ["count": "\(keys)"]) }
        } catch {
            logger.warning("could not purge finished jobs", metadata: ["error": "\(Self.describe(error))"])
        }
    }

    /// Never the payload: a job's id and kind say which it was.
    private func metadata(_ job: Job) -> Logger.Metadata {
        ["runner": "\(id)", "job": "\(job.id)", "kind": "\(job.kind)"]
    }

    /// One line for logs and `last_error`.
    static func describe(_ error: any Error) -> String {
        if let error = error as? StoreError { return error.message }
        return String(describing: error).replacingOccurrences(of: "\n", with: " ")
    }
}

/// A claimed job whose kind this runner has no handler for. Runners claim only the kinds they
/// know, so this means a store that ignored the filter; the job fails like any other.
public struct UnknownJobKind: Error, CustomStringConvertible {
    public var kind: String
    public var description: String { "no handler for job kind \"\(kind)\" in this server (a newer version's job?)" }
}
