import Foundation
import HandoverCore
import SQLKit

/// Background jobs' storage (Docs/Jobs.md): an outbox insert any write transaction can make,
/// claims under a lease, and the operator's list, retry and cancel.
extension SQLHandoverStore {
    // MARK: Enqueueing

    /// Inserts jobs in the caller's transaction, so they exist if and only if the change that
    /// caused them commits. A job whose dedupe key is already pending is skipped.
    static func enqueue(_ jobs: [NewJob], at now: Date, _ db: any SQLDatabase) async throws {
        // 11 values a row: 200 rows stay well inside both engines' parameter limits.
        for start in stride(from: 0, to: jobs.count, by: 200) {
            var query = SQLQueryString(
                """
                INSERT INTO jobs (id, organization_id, kind, payload, state, attempts, max_attempts, run_after, dedupe_key, created_at, updated_at) VALUES
                """)
            for (index, job) in jobs[start..<min(start + 200, jobs.count)].enumerated() {
                if index > 0 { query += ", " }
                query += """
                    (\(bind: job.id), \(bind: job.organizationID), \(bind: job.kind), \(bind: job.payload), 'pending', 0, \(bind: job.maxAttempts), \
                    \(bind: job.runAfter.millis), \(bind: job.dedupeKey), \(bind: now.millis), \(bind: now.millis))
                    """
            }
            // The conflict target names the partial index (both engines require its WHERE).
            query += " ON CONFLICT (dedupe_key) WHERE state = 'pending' DO NOTHING"
            try await db.raw(query).run()
        }
        if let earliest = jobs.map(\.runAfter).min() { JobOutbox.current?.enqueued(runAfter: earliest) }
    }

    public func enqueueJobs(_ jobs: [NewJob]) async throws {
        guard !jobs.isEmpty else { return }
        _ = try await write("a job with one of these ids already exists") { db in try await Self.enqueue(jobs, at: Date(), db) }
    }

    // MARK: Running

    static let jobColumns =
        "id, organization_id, kind, payload, state, attempts, max_attempts, run_after, locked_by, locked_until, last_error, dedupe_key, created_at, updated_at"

    static func decodeJob(_ row: any SQLRow) throws -> Job {
        let state = try row.decode(column: "state", as: String.self)
        guard let jobState = JobState(rawValue: state) else { throw StoreError.damaged("job state \"\(state)\" is not one Handover writes") }
        return Job(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String?.self),
            kind: try row.decode(column: "kind", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            state: jobState,
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self),
            runAfter: Date(millis: try row.decode(column: "run_after", as: Int64.self)),
            lockedBy: try row.decode(column: "locked_by", as: String?.self),
            lockedUntil: try row.decode(column: "locked_until", as: Int64?.self).map(Date.init(millis:)),
            lastError: try row.decode(column: "last_error", as: String?.self),
            dedupeKey: try row.decode(column: "dedupe_key", as: String?.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    /// PostgreSQL row locks for a read-then-write inside a transaction; SQLite has one writer
    /// at a time and no such clause.
    private var forUpdate: String { database.engine == .postgres ? " FOR UPDATE" : "" }
    /// Concurrent claimers on PostgreSQL pass over rows another has locked instead of waiting
    /// for them (and then finding them taken): N replicas share the work, none claims twice.
    private var skipLocked: String { database.engine == .postgres ? " FOR UPDATE SKIP LOCKED" : "" }

    public func claimJobs(runner: String, kinds: [String], limit: Int, lease: TimeInterval, at now: Date) async throws -> [Job] {
        // Only kinds the runner can run: during a rolling upgrade, an older replica leaves a
        // newer kind pending for the replicas that know it instead of failing it.
        guard limit > 0, !kinds.isEmpty else { return [] }
        let nowMillis = now.millis, until = now.addingTimeInterval(lease).millis
        // A read first, so an idle runner's poll takes neither SQLite's write lock nor row locks.
        let due = try await database.withSession { db in
            try await db.raw(
                """
                SELECT 1 AS due FROM jobs
                WHERE ((state = 'pending' AND run_after <= \(bind: nowMillis)) OR (state = 'running' AND locked_until < \(bind: nowMillis)))
                  AND kind IN (\(binds: kinds))
                LIMIT 1
                """
            ).first() != nil
        }
        guard due else { return [] }
        let engine = database.engine, skipLocked = skipLocked
        let jobs = try await write { db in
            // A lease that ran out on the last attempt: the runner died (or hung) every time.
            // Claiming it again could take down another replica; it goes dead for an operator.
            let lost = try await db.raw(
                """
                UPDATE jobs SET state = 'dead', locked_until = NULL, updated_at = \(bind: nowMillis),
                    last_error = 'the lease ran out on the last attempt: its runner stopped or was killed while running it'
                WHERE id IN (SELECT id FROM jobs WHERE state = 'running' AND locked_until < \(bind: nowMillis) AND attempts >= max_attempts
                             AND kind IN (\(binds: kinds))\(unsafeRaw: skipLocked))
                RETURNING kind
                """
            ).all()
            for row in lost { try await Self.countFailure(kind: try row.decode(column: "kind", as: String.self), db) }
            let claimable = SQLQueryString(
                """
                SELECT id FROM jobs
                WHERE ((state = 'pending' AND run_after <= \(bind: nowMillis))
                   OR (state = 'running' AND locked_until < \(bind: nowMillis) AND attempts < max_attempts))
                  AND kind IN (\(binds: kinds))
                ORDER BY run_after, id LIMIT \(bind: limit)\(unsafeRaw: skipLocked)
                """)
            let set = SQLQueryString(
                """
                SET state = 'running', locked_by = \(bind: runner), locked_until = \(bind: until), attempts = jobs.attempts + 1, updated_at = \(bind: nowMillis)
                """)
            let returning = Self.jobColumns.split(separator: ", ").map { "jobs.\($0)" }.joined(separator: ", ")
            if engine == .postgres {
                // The locked rows come from a CTE, evaluated once (an IN subquery might not be).
                return try await db.raw(
                    "WITH claimable AS (" + claimable + ") UPDATE jobs " + set
                        + " FROM claimable WHERE jobs.id = claimable.id RETURNING \(unsafeRaw: returning)"
                ).all().map(Self.decodeJob)
            }
            return try await db.raw("UPDATE jobs " + set + " WHERE id IN (" + claimable + ") RETURNING \(unsafeRaw: returning)").all().map(Self.decodeJob)
        }
        return jobs.sorted { ($0.runAfter, $0.id) < ($1.runAfter, $1.id) }
    }

    /// Keeps a long job's claim: its lease runs to `until`, if `runner` still holds it.
    public func renewJobLease(id: String, runner: String, until: Date) async throws -> Bool {
        try await write { db in
            !(try await db.raw(
                """
                UPDATE jobs SET locked_until = \(bind: until.millis)
                WHERE id = \(bind: id) AND locked_by = \(bind: runner) AND state = 'running' RETURNING id
                """
            ).all().isEmpty)
        }
    }

    public func completeJob(id: String, runner: String, at now: Date) async throws -> Bool {
        try await write { db in try await Self.markDone(jobID: id, runner: runner, at: now, db) }
    }

    /// The job done, if `runner` still holds it (inside a caller's transaction).
    static func markDone(jobID id: String, runner: String, at now: Date, _ db: any SQLDatabase) async throws -> Bool {
        !(try await db.raw(
            """
            UPDATE jobs SET state = 'done', locked_until = NULL, updated_at = \(bind: now.millis)
            WHERE id = \(bind: id) AND locked_by = \(bind: runner) AND state = 'running' RETURNING id
            """
        ).all().isEmpty)
    }

    public func failJob(id: String, runner: String, error: String, retryAt: Date?, at now: Date) async throws -> Bool {
        let message = String(error.prefix(2000)), forUpdate = forUpdate
        return try await write { db in
            guard
                let row = try await db.raw(
                    """
                    SELECT kind, dedupe_key FROM jobs WHERE id = \(bind: id) AND locked_by = \(bind: runner) AND state = 'running'\(unsafeRaw: forUpdate)
                    """
                ).first()
            else { return false }
            try await Self.countFailure(kind: try row.decode(column: "kind", as: String.self), db)
            guard let retryAt else {
                try await db.raw(
                    """
                    UPDATE jobs SET state = 'dead', locked_until = NULL, last_error = \(bind: message), updated_at = \(bind: now.millis) WHERE id = \(bind: id)
                    """
                ).run()
                return true
            }
            // A newer job with the same key is pending (the change that caused this one happened
            // again meanwhile): it does the same work, so it takes over, no later than our retry.
            if let key = try row.decode(column: "dedupe_key", as: String?.self),
                let twin = try await db.raw("SELECT id FROM jobs WHERE dedupe_key = \(bind: key) AND state = 'pending'\(unsafeRaw: forUpdate)").first()
            {
                let twinID = try twin.decode(column: "id", as: String.self)
                try await db.raw(
                    """
                    UPDATE jobs SET run_after = \(bind: retryAt.millis), updated_at = \(bind: now.millis) WHERE id = \(bind: twinID) AND run_after > \(bind: retryAt.millis)
                    """
                ).run()
                try await db.raw(
                    """
                    UPDATE jobs SET state = 'cancelled', locked_until = NULL, updated_at = \(bind: now.millis),
                        last_error = \(bind: message + " (retry handed to pending job \(twinID), which has the same dedupe key)")
                    WHERE id = \(bind: id)
                    """
                ).run()
                JobOutbox.current?.enqueued(runAfter: retryAt)
                return true
            }
            try await db.raw(
                """
                UPDATE jobs SET state = 'pending', locked_until = NULL, run_after = \(bind: retryAt.millis), last_error = \(bind: message),
                    updated_at = \(bind: now.millis)
                WHERE id = \(bind: id)
                """
            ).run()
            JobOutbox.current?.enqueued(runAfter: retryAt)
            return true
        }
    }

    public func releaseJobs(ids: [String], runner: String, at now: Date) async throws {
        guard !ids.isEmpty else { return }
        _ = try await write { db in
            for start in stride(from: 0, to: ids.count, by: 500) {
                let ids = Array(ids[start..<min(start + 500, ids.count)])
                // One pending job per dedupe key: where a newer one waits, it does the work instead.
                try await db.raw(
                    """
                    UPDATE jobs SET state = 'cancelled', locked_until = NULL, updated_at = \(bind: now.millis),
                        last_error = 'handed back unrun; a pending job with the same dedupe key does its work'
                    WHERE id IN (\(binds: ids)) AND locked_by = \(bind: runner) AND state = 'running'
                      AND EXISTS (SELECT 1 FROM jobs twin WHERE twin.dedupe_key = jobs.dedupe_key AND twin.state = 'pending')
                    """
                ).run()
                try await db.raw(
                    """
                    UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, run_after = \(bind: now.millis),
                        attempts = attempts - 1, updated_at = \(bind: now.millis)
                    WHERE id IN (\(binds: ids)) AND locked_by = \(bind: runner) AND state = 'running'
                    """
                ).run()
            }
            JobOutbox.current?.enqueued(runAfter: now)
        }
    }

    /// One more failure of `kind`, for /metrics.
    static func countFailure(kind: String, _ db: any SQLDatabase) async throws {
        try await db.raw(
            """
            INSERT INTO job_failures (kind, failures) VALUES (\(bind: kind), 1)
            ON CONFLICT (kind) DO UPDATE SET failures = job_failures.failures + 1
            """
        ).run()
    }

    // MARK: Operators

    public func job(id: String) async throws -> Job? {
        try await database.withSession { db in
            try await db.raw("SELECT \(unsafeRaw: Self.jobColumns) FROM jobs WHERE id = \(bind: id)").first().map(Self.decodeJob)
        }
    }

    public func jobs(filter: JobFilter) async throws -> [Job] {
        try await database.withSession { db in
            var query = SQLQueryString("SELECT \(unsafeRaw: Self.jobColumns) FROM jobs WHERE 1 = 1")
            if let states = filter.states { query += " AND state IN (\(binds: states.map(\.rawValue)))" }
            if let kind = filter.kind { query += " AND kind = \(bind: kind)" }
            query += " ORDER BY created_at DESC, id DESC LIMIT \(bind: max(0, filter.limit))"
            return try await db.raw(query).all().map(Self.decodeJob)
        }
    }

    public func retryJob(id: String, at now: Date) async throws -> Job {
        let forUpdate = forUpdate
        return try await write { db in
            guard let job = try await db.raw("SELECT \(unsafeRaw: Self.jobColumns) FROM jobs WHERE id = \(bind: id)\(unsafeRaw: forUpdate)").first().map(Self.decodeJob)
            else {
                throw StoreError.notFound("job \(id)")
            }
            switch job.state {
            case .dead, .cancelled: break
            case .pending: throw StoreError.conflict("job \(id) is already pending (due \(Timestamp.format(job.runAfter))): nothing to retry")
            case .running: throw StoreError.conflict("job \(id) is running on \(job.lockedBy ?? "a runner"): nothing to retry")
            case .done: throw StoreError.conflict("job \(id) is done: only dead or cancelled jobs can be retried")
            }
            if let key = job.dedupeKey,
                let twin = try await db.raw("SELECT id FROM jobs WHERE dedupe_key = \(bind: key) AND state = 'pending'").first()
            {
                throw StoreError.conflict("job \(try twin.decode(column: "id", as: String.self)) with the same dedupe key is already pending and will do this work")
            }
            // Attempts start again; the last error stays until the next attempt replaces it.
            try await db.raw(
                """
                UPDATE jobs SET state = 'pending', attempts = 0, run_after = \(bind: now.millis), locked_by = NULL, locked_until = NULL,
                    updated_at = \(bind: now.millis)
                WHERE id = \(bind: id)
                """
            ).run()
            JobOutbox.current?.enqueued(runAfter: now)
            var retried = job
            retried.state = .pending
            retried.attempts = 0
            retried.runAfter = now
            retried.lockedBy = nil
            retried.lockedUntil = nil
            retried.updatedAt = now
            return retried
        }
    }

    public func cancelJob(id: String, at now: Date) async throws -> Job {
        let forUpdate = forUpdate
        return try await write { db in
            guard var job = try await db.raw("SELECT \(unsafeRaw: Self.jobColumns) FROM jobs WHERE id = \(bind: id)\(unsafeRaw: forUpdate)").first().map(Self.decodeJob)
            else {
                throw StoreError.notFound("job \(id)")
            }
            switch job.state {
            case .pending: break
            case .running:
                throw StoreError.conflict(
                    """
                    job \(id) is running on \(job.lockedBy ?? "a runner") and may be half done, so it cannot be cancelled; \
                    wait until it finishes (or, if that runner is gone, until its lease runs out at \(job.lockedUntil.map(Timestamp.format) ?? "?"))
                    """)
            case .done, .dead, .cancelled: throw StoreError.conflict("job \(id) is \(job.state.rawValue): only pending jobs can be cancelled")
            }
            try await db.raw("UPDATE jobs SET state = 'cancelled', updated_at = \(bind: now.millis) WHERE id = \(bind: id)").run()
            job.state = .cancelled
            job.updatedAt = now
            return job
        }
    }

    @discardableResult
    public func purgeJobs(finishedBefore date: Date) async throws -> Int {
        try await write { db in
            try await db.raw(
                """
                DELETE FROM jobs WHERE state IN ('done', 'cancelled') AND updated_at < \(bind: date.millis) RETURNING id
                """
            ).all().count
        }
    }

    /// Jobs waiting, running and dead (the queue an operator watches; done and cancelled ones
    /// are history, and counting them would read the whole table), and failures by kind.
    func jobFigures() async throws -> (byState: [String: Int], failuresByKind: [String: Int]) {
        try await database.withSession { db in
            let states = try await db.raw("SELECT state, COUNT(*) AS n FROM jobs WHERE state IN ('pending', 'running', 'dead') GROUP BY state").all().map {
                (try $0.decode(column: "state", as: String.self), try $0.decode(column: "n", as: Int.self))
            }
            let failures = try await db.raw("SELECT kind, failures FROM job_failures").all().map {
                (try $0.decode(column: "kind", as: String.self), try $0.decode(column: "failures", as: Int.self))
            }
            return (Dictionary(states, uniquingKeysWith: +), Dictionary(failures, uniquingKeysWith: +))
        }
    }
}
