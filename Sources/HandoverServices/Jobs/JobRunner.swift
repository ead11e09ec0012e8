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
/// free, so a slow job does not hold up the others and one claim serves several jobs. Idle, it
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
        /// Done and cancelled jobs are deleted this long after they finished (dead ones stay).
        public var keepFinished: TimeInterval

        public init(
            concurrency: Int = 4, pollInterval: Duration = .seconds(1), lease: TimeInterval = 300,
            retry: RetryPolicy = RetryPolicy(), keepFinished: TimeInterval = 7 * 86_400
        ) {
            self.concurrency = max(1, concurrency)
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
    /// What it claims: the kinds it has handlers for.
    let kinds: [String]
    let options: Options
    let logger: Logger
    let clock: WallClock
    let jitter: @Sendable () -> Double
    private let stopping = Mutex(false)
    private let lastPurge = Mutex<Date?>(nil)

    /// - Parameters:
    ///   - handlers: by job kind. The runner claims only these kinds: a job of a kind it does
    ///     not know (a newer version's, during a rolling upgrade) stays pending for a runner
    ///     that knows it, visible to `handover jobs list`.
    ///   - clock: the time for claims, leases and retry times (tests inject one).
    ///   - jitter: a number in 0...1 for each retry delay (tests inject one).
    public init(
        store: any HandoverStore, handlers: [String: JobHandler], id: String = JobRunner.makeID(), options: Options = Options(),
        logger: Logger = Logger(label: "handover.jobs"), clock: WallClock = .system,
        jitter: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }
    ) {
        self.store = store
        self.handlers = handlers
        self.kinds = handlers.keys.sorted()
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
                    let wanted = concurrency - running
                    do {
                        let started = clock.now()
                        store.jobSignal.consume(upTo: started)
                        let jobs = try await store.claimJobs(runner: id, kinds: kinds, limit: wanted, lease: options.lease, at: started)
                        for job in jobs { group.addTask { await self.execute(job) } }
                        running += jobs.count
                        ran += jobs.count
                        more = jobs.count == wanted
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

    /// One round, for tests and tools: claims up to `concurrency` due jobs, runs them together
    /// and records each outcome. Returns how many it claimed.
    @discardableResult
    public func runOnce() async throws -> Int {
        let started = clock.now()
        store.jobSignal.consume(upTo: started)
        let jobs = try await store.claimJobs(runner: id, kinds: kinds, limit: options.concurrency, lease: options.lease, at: started)
        await withTaskGroup(of: Void.self) { group in
            for job in jobs { group.addTask { await self.execute(job) } }
        }
        return jobs.count
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
        // The handler marked it done in its own last write (mail.send's "sent").
        if context.isDone { return }
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
        let retryAt = options.retry.retryAt(after: (job.attempts, job.maxAttempts), now: at, jitter: jitter())
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
