import Synchronization

/// What a handler may tell the runner about the job it is running; the runner sets it (a task
/// local) around each handler.
///
/// A handler whose last write can also mark its job done (mail.send: the message "sent" and the
/// job "done" in one transaction) calls `markDone()` once that write committed, and the runner
/// then writes nothing more for the job: one write per job instead of two.
public final class JobContext: Sendable {
    @TaskLocal public static var current: JobContext?

    private let done = Mutex(false)

    public init() {}

    /// The job is done in the store already (its handler's transaction did it).
    public func markDone() { done.withLock { $0 = true } }

    public var isDone: Bool { done.withLock { $0 } }
}
