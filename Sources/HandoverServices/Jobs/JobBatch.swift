import Foundation
import HandoverStore

/// Runs several claimed jobs of one kind in one go, for a kind whose store round trips cost
/// more than its work: mail.send reads a batch's messages in one query and records every
/// message the server took, and their jobs done, in one write. It starts no job at or after
/// `deadline` (well inside the claim's lease, so no other runner takes a job it is running).
public typealias JobBatchHandler = @Sendable (_ jobs: [Job], _ deadline: Date) async -> JobBatchOutcome

/// What became of each job of a batch. A job in none of the sets ran and is marked done by the
/// runner (its work was done already, say).
public struct JobBatchOutcome: Sendable {
    /// Marked done by the handler's own write.
    public var done: Set<String> = []
    /// Failed, with why: retried (or dead) by the runner's policy, like a single job's failure.
    public var failed: [String: any Error] = [:]
    /// Not started (the deadline came, or the server failed the one before): handed back to run
    /// again at once, the attempt not counted.
    public var notStarted: Set<String> = []

    public init() {}
}
