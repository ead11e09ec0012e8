import NIOConcurrencyHelpers

/// A first-come, first-served async lock: the queue in front of SQLite's one writer connection.
///
/// Waiting here suspends a task, never a thread. That is the point: SQLite calls run on a
/// thread pool of two or so threads, and a writer that waited for SQLite's own lock on one of
/// them (its busy handler sleeps in a loop) could keep the transaction that holds the lock
/// from getting a thread to commit. Queued here, writers reach SQLite one at a time and
/// SQLite never makes them wait.
final class WriteQueue: Sendable {
    private struct State {
        var held = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var head = 0  // waiters before `head` have been resumed; compacted now and then
    }

    private let state = NIOLockedValueBox(State())

    /// Transactions running or waiting: the writer queue's depth.
    var depth: Int {
        state.withLockedValue { ($0.held ? 1 : 0) + $0.waiters.count - $0.head }
    }

    /// Runs `body` once every earlier caller's body has finished.
    func run<R: Sendable>(_ body: () async throws -> R) async throws -> R {
        await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async {
        // Not cancellable on purpose: a waiter that gave up would leave a caller believing its
        // write failed, and the queue moves on as soon as the transaction ahead commits.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let free = state.withLockedValue { state -> Bool in
                if state.held {
                    state.waiters.append(continuation)
                    return false
                }
                state.held = true
                return true
            }
            if free { continuation.resume() }
        }
    }

    private func release() {
        let next = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard state.head < state.waiters.count else {
                state.held = false
                state.waiters.removeAll(keepingCapacity: true)
                state.head = 0
                return nil
            }
            let next = state.waiters[state.head]
            state.head += 1
            if state.head > 1024 {
                state.waiters.removeFirst(state.head)
                state.head = 0
            }
            return next  // the lock passes straight to it: `held` stays true
        }
        next?.resume()
    }
}
