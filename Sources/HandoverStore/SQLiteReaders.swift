import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// SQLite's reading connections: a few connections, their own thread pool, and sessions that run
/// on that pool (`ThreadPoolExecutor`).
///
/// Under WAL a reader never waits for the writer. `query_only` makes a write sent here by
/// mistake fail loudly instead of racing the writer for the lock. The short busy timeout only
/// matters in the rare moments SQLite makes a reader wait (another process recovering the WAL
/// after a crash).
///
/// A connection is handed out under a lock, without a trip through an event loop; a session that
/// finds every connection busy waits its turn (first come, first served).
final class SQLiteReaders: ConnectionLeaser, Sendable {
    private struct State {
        var idle: [SQLiteConnection] = []
        var opened = 0
        /// Connections lent to sessions (or being opened for one). The threads stop only when
        /// none is out: a connection closes on them, and one left unclosed traps in its deinit.
        var lent = 0
        var waiters: [CheckedContinuation<SQLiteConnection, any Error>] = []
        var closed = false
        var waits = 0
    }

    private let path: String
    private let maxConnections: Int
    private let logger: Logger
    let executor: ThreadPoolExecutor
    private let state = NIOLockedValueBox(State())

    init(path: String, maxConnections: Int, logger: Logger) {
        self.path = path
        self.maxConnections = max(1, maxConnections)
        self.logger = logger
        let threads = NIOThreadPool(numberOfThreads: self.maxConnections)
        threads.start()
        executor = ThreadPoolExecutor(threads)
    }

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withTaskExecutorPreference(executor) {
            let connection = try await checkOut()
            defer { checkIn(connection) }
            return try await body(connection.sql(queryLogLevel: nil))
        }
    }

    private enum Lease {
        case ready(SQLiteConnection)
        case open
        case wait
        case closed
    }

    private func checkOut() async throws -> SQLiteConnection {
        let lease = state.withLockedValue { state -> Lease in
            if state.closed { return .closed }
            if let connection = state.idle.popLast() {
                state.lent += 1
                return .ready(connection)
            }
            if state.opened < maxConnections {
                state.opened += 1
                state.lent += 1
                return .open
            }
            return .wait
        }
        switch lease {
        case .ready(let connection):
            return connection
        case .closed:
            throw StoreError.unavailable("the database is closed")
        case .open:
            do {
                return try await open()
            } catch {
                let last = state.withLockedValue { state in
                    state.opened -= 1
                    state.lent -= 1
                    return state.closed && state.lent == 0
                }
                if last { executor.threads.shutdownGracefully { _ in } }
                throw error
            }
        case .wait:
            return try await withCheckedThrowingContinuation { continuation in
                let ready = state.withLockedValue { state -> Result<SQLiteConnection, any Error>? in
                    if state.closed { return .failure(StoreError.unavailable("the database is closed")) }
                    // A connection may have come back since the first look.
                    if let connection = state.idle.popLast() {
                        state.lent += 1
                        return .success(connection)
                    }
                    state.waiters.append(continuation)
                    state.waits += 1
                    return nil
                }
                if let ready { continuation.resume(with: ready) }
            }
        }
    }

    /// Sessions that found every connection busy and waited, since start.
    var waits: Int { state.withLockedValue { $0.waits } }

    private func checkIn(_ connection: SQLiteConnection) {
        enum Next {
            case handTo(CheckedContinuation<SQLiteConnection, any Error>)
            case keep
            /// Closed meanwhile: close it, and stop the threads if it was the last one out.
            case close(last: Bool)
        }
        let next = state.withLockedValue { state -> Next in
            if state.closed {
                state.lent -= 1
                return .close(last: state.lent == 0)
            }
            if !state.waiters.isEmpty { return .handTo(state.waiters.removeFirst()) }  // still lent, to the next session
            state.lent -= 1
            state.idle.append(connection)
            return .keep
        }
        switch next {
        case .handTo(let waiter): waiter.resume(returning: connection)
        case .keep: break
        case .close(let last):
            let threads = executor.threads
            connection.close().whenComplete { _ in if last { threads.shutdownGracefully { _ in } } }
        }
    }

    private func open() async throws -> SQLiteConnection {
        let connection = try await SQLiteConnection.open(
            storage: .file(path: path), threadPool: executor.threads, logger: logger,
            on: MultiThreadedEventLoopGroup.singleton.next())
        do {
            for pragma in ["PRAGMA busy_timeout = 1000", "PRAGMA query_only = ON", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma) as [SQLiteRow]
            }
            return connection
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// Closes idle connections now and the rest as they come back; waiting sessions fail.
    /// `drained`: no connection is out, so the threads may stop once the idle ones are closed
    /// (otherwise the last one to come back stops them, in `checkIn`).
    private func shut() -> (idle: [SQLiteConnection], waiters: [CheckedContinuation<SQLiteConnection, any Error>], drained: Bool) {
        state.withLockedValue { state in
            state.closed = true
            defer { state.idle = []; state.waiters = [] }
            return (state.idle, state.waiters, state.lent == 0)
        }
    }

    func close() async throws {
        let (idle, waiters, drained) = shut()
        for waiter in waiters { waiter.resume(throwing: StoreError.unavailable("the database is closed")) }
        for connection in idle { try await connection.close() }
        if drained { try await executor.threads.shutdownGracefully() }
    }

    func closeEventually() {
        let (idle, waiters, drained) = shut()
        for waiter in waiters { waiter.resume(throwing: StoreError.unavailable("the database is closed")) }
        // The threads close the connections, so they stop only after.
        let threads = executor.threads
        let closings: [EventLoopFuture<Void>] = idle.map { $0.close() }
        EventLoopFuture.andAllComplete(closings, on: MultiThreadedEventLoopGroup.singleton.next()).whenComplete { _ in
            if drained { threads.shutdownGracefully { _ in } }
        }
    }
}
