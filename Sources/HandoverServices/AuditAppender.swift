import Foundation
import HandoverCore
import HandoverStore
import Synchronization

/// Group commit for entries that are not part of another write (sensitive reads): callers
/// queue, one transaction writes everything queued while the previous one committed, and every
/// caller returns once its entry is durable.
public final class AuditAppender: Sendable {
    struct Pending {
        var items: [(organizationID: String, record: AuditRecord, context: AuditContext)] = []
        var waiters: [CheckedContinuation<Void, any Error>] = []
        var writing = false
    }

    let store: any HandoverStore
    let clock: WallClock
    let pending = Mutex(Pending())
    /// Largest batch per transaction: bounds statement size and the wait of the last caller.
    static let maxBatch = 2000

    public init(store: any HandoverStore, clock: WallClock = .system) {
        self.store = store
        self.clock = clock
    }

    /// Entries waiting to be written: the appender's lag.
    public var pendingCount: Int { pending.withLock { $0.items.count } }

    public func append(_ record: AuditRecord, organizationID: String, actor: AuditActor) async throws {
        let context = AuditContext(actor: actor)
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let startWriter = pending.withLock { state in
                state.items.append((organizationID, record, context))
                state.waiters.append(continuation)
                if state.writing { return false }
                state.writing = true
                return true
            }
            if startWriter { Task { await self.drain() } }
        }
    }

    /// Writes batches until the queue is empty.
    func drain() async {
        while true {
            let (items, waiters) = pending.withLock {
                state -> ([(organizationID: String, record: AuditRecord, context: AuditContext)], [CheckedContinuation<Void, any Error>]) in
                let count = min(state.items.count, Self.maxBatch)
                let items = Array(state.items.prefix(count)), waiters = Array(state.waiters.prefix(count))
                state.items.removeFirst(count)
                state.waiters.removeFirst(count)
                if count == 0 { state.writing = false }
                return (items, waiters)
            }
            if items.isEmpty { return }
            do {
                try await store.appendAudit(items, at: clock.now())
                for waiter in waiters { waiter.resume() }
            } catch {
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }
}
