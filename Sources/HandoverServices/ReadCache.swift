import Foundation
import Synchronization

/// A small, short-lived memory of recent reads, so that a burst of identical reads costs one
/// database query instead of one each.
///
/// Freshness: every write made through this process evicts what it changes, so this process
/// never serves a value older than its own last write. Another replica's write becomes visible
/// here within `ttl` at the latest (the trade-off for running several replicas; writes are never
/// served from the cache: they re-read the row and check its version). A `ttl` of zero disables
/// the cache.
///
/// A read that started before a write finished must not put the old value back after the
/// write evicted it: `generation` counts evictions, and `store` drops a value read under an
/// older generation.
public final class ReadCache<Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var expires: ContinuousClock.Instant
    }

    private struct State {
        var entries: [String: Entry] = [:]
        var generation: UInt64 = 0
    }

    public let ttl: Duration
    private let capacity: Int
    private let state = Mutex(State())
    /// Monotonic time, injected so tests move it instead of sleeping.
    private let now: @Sendable () -> ContinuousClock.Instant

    public init(ttl: Duration, capacity: Int = 10_000, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.ttl = ttl
        self.capacity = max(1, capacity)
        self.now = now
    }

    public var isEnabled: Bool { ttl > .zero }

    /// The value stored for `key` if it has not expired.
    public func value(for key: String) -> Value? {
        guard isEnabled else { return nil }
        let now = now()
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            return entry.expires > now ? entry.value : nil
        }
    }

    /// Take this before reading the value from the database, and hand it to `store`.
    public var generation: UInt64 { state.withLock { $0.generation } }

    /// Remembers `value` unless something was evicted since `generation` was taken.
    public func store(_ value: Value, for key: String, readAt generation: UInt64) {
        guard isEnabled else { return }
        let expires = now() + ttl
        state.withLock { state in
            guard state.generation == generation else { return }
            if state.entries.count >= capacity {
                let now = now()
                state.entries = state.entries.filter { $0.value.expires > now }
                // Still full of live entries: start over rather than track recency; the next reads refill it.
                if state.entries.count >= capacity { state.entries.removeAll(keepingCapacity: true) }
            }
            state.entries[key] = Entry(value: value, expires: expires)
        }
    }

    public func evict(_ key: String) {
        state.withLock { state in
            state.generation &+= 1
            state.entries[key] = nil
        }
    }

    public func evictAll() {
        state.withLock { state in
            state.generation &+= 1
            state.entries.removeAll()
        }
    }
}
