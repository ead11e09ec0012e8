import Foundation

/// When a failed job runs again: exponential backoff with full jitter (a random delay between
/// zero and `base × 2^(attempt−1)`, capped), so replicas that failed together do not retry
/// together; dead once `maxAttempts` claims have failed.
public struct RetryPolicy: Sendable, Equatable {
    /// The ceiling of the first retry's delay.
    public var base: TimeInterval
    /// No retry waits longer than this.
    public var cap: TimeInterval

    public init(base: TimeInterval = 1, cap: TimeInterval = 600) {
        self.base = base
        self.cap = cap
    }

    /// The delay after failed attempt `attempt` (1 for the first), given `jitter` in 0...1.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> TimeInterval {
        // 2^(attempt−1) overflows nothing: past the cap the exponent no longer matters.
        let exponent = Double(min(max(attempt, 1) - 1, 62))
        let ceiling = min(cap, base * pow(2, exponent))
        return ceiling * min(1, max(0, jitter))
    }

    /// When `job` runs again after failing its latest attempt, or nil if that was its last.
    public func retryAt(after job: (attempts: Int, maxAttempts: Int), now: Date, jitter: Double) -> Date? {
        guard job.attempts < job.maxAttempts else { return nil }
        return now.addingTimeInterval(delay(afterAttempt: job.attempts, jitter: jitter))
    }
}
