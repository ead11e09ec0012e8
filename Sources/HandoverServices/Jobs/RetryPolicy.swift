import Foundation

/// When a failed job runs again: exponential backoff with full jitter (a random delay between
/// zero and `base × 2^(attempt−1)`, capped), so replicas that failed together do not retry
/// together; dead once `maxAttempts` claims have failed.
public struct RetryPolicy: Sendable, Equatable {
    /// The ceiling of the first retry's delay.
    public var base: TimeInterval
    /// No retry waits longer than this.
    public var cap: TimeInterval

    /// When set, the delays instead: step `attempt − 1` (the last one repeats), each spread by
    /// ±25 % with the jitter, so a receiver's outage is spanned by hours of retries, not minutes.
    public var ladder: [TimeInterval]?

    public init(base: TimeInterval = 1, cap: TimeInterval = 600) {
        self.base = base
        self.cap = cap
    }

    public init(ladder: [TimeInterval]) {
        self.init(base: 1, cap: ladder.max() ?? 600)
        self.ladder = ladder
    }

    /// `webhook.deliver`'s: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, about 28 hours in all, as
    /// Standard Webhooks and Svix space theirs (a receiver's deploy or an evening's outage loses
    /// nothing). `SQLHandoverStore.webhookAttempts` is one more than its steps.
    public static let webhookDelivery = RetryPolicy(ladder: [5, 300, 1800, 7200, 18_000, 36_000, 36_000])

    /// The delay after failed attempt `attempt` (1 for the first), given `jitter` in 0...1.
    public func delay(afterAttempt attempt: Int, jitter: Double) -> TimeInterval {
        if let ladder, let last = ladder.last {
            let step = attempt >= 1 && attempt <= ladder.count ? ladder[attempt - 1] : last
            return step * (0.75 + 0.5 * min(1, max(0, jitter)))
        }
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
