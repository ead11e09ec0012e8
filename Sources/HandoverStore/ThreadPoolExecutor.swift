import NIOPosix

/// A task executor that runs its jobs on the threads of the `NIOThreadPool` that also runs a
/// connection's SQLite calls.
///
/// Why: sqlite-nio runs every statement as a thread-pool job and resumes the caller's task when
/// it is done. On the shared cooperative pool each statement costs two thread switches, and under
/// load the resumed task queues behind every HTTP request. With this executor preferred, the
/// task's next step is just another job on the same pool: a pool thread that ran the statement
/// usually runs the continuation next, without sleeping in between.
final class ThreadPoolExecutor: TaskExecutor, Sendable {
    let threads: NIOThreadPool

    init(_ threads: NIOThreadPool) {
        self.threads = threads
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        // A pool that is shutting down runs the item at once on this thread, marked cancelled:
        // the job runs either way, so no task is left suspended forever.
        threads.submit { _ in job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
