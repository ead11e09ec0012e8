import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import SQLiteKit

/// SQLite's one writer: every write transaction of this process runs on a single connection,
/// one after another, in the order they arrived. See Docs/SQLite-writes.md for why this is
/// both faster and safer than letting pooled connections race for SQLite's write lock.
final class SQLiteWriter: Sendable {
    private let connection: SQLiteConnection
    private let queue = WriteQueue()
    /// The writer's own thread: it runs the writer's SQLite calls and, as the preferred executor
    /// of its transactions, the code between them, so a transaction neither waits for the
    /// readers' threads nor, between statements, behind HTTP work.
    private let executor: ThreadPoolExecutor
    /// How long `BEGIN IMMEDIATE` keeps retrying while *another process* (a `handover admin`
    /// command, a backup) holds the write lock. In-process writers never meet the lock held.
    private let lockWait: Duration

    private init(connection: SQLiteConnection, executor: ThreadPoolExecutor, lockWait: Duration) {
        self.connection = connection
        self.executor = executor
        self.lockWait = lockWait
    }

    static func open(path: String, lockWait: Duration = .seconds(10), logger: Logger) async throws -> SQLiteWriter {
        let threads = NIOThreadPool(numberOfThreads: 1)
        threads.start()
        let connection: SQLiteConnection
        do {
            connection = try await SQLiteConnection.open(
                storage: .file(path: path), threadPool: threads, logger: logger,
                on: MultiThreadedEventLoopGroup.singleton.next())
        } catch {
            try? await threads.shutdownGracefully()
            throw error
        }
        do {
            // busy_timeout 0: SQLite answers SQLITE_BUSY at once instead of sleeping on a pool
            // thread; `begin` retries with a task sleep, which holds no thread.
            for pragma in ["PRAGMA busy_timeout = 0", "PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = ON"] {
                _ = try await connection.query(pragma) as [SQLiteRow]
            }
        } catch {
            try? await connection.close()
            try? await threads.shutdownGracefully()
            throw error
        }
        return SQLiteWriter(connection: connection, executor: ThreadPoolExecutor(threads), lockWait: lockWait)
    }

    /// Write transactions running or waiting.
    var queueDepth: Int { queue.depth }

    /// Runs `body` in one transaction on the writer connection: committed if it returns,
    /// rolled back if it throws. Callers queue in arrival order.
    /// `foreignKeysOff` switches enforcement off around the transaction (SQLite ignores the
    /// pragma inside one), for migrations that rebuild a referenced table.
    func transaction<R: Sendable>(foreignKeysOff: Bool = false, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await withTaskExecutorPreference(executor) {
            try await serialized(foreignKeysOff: foreignKeysOff, body)
        }
    }

    private func serialized<R: Sendable>(foreignKeysOff: Bool, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await queue.run {
            let db = connection.sql(queryLogLevel: nil)
            guard foreignKeysOff else { return try await run(body, on: db) }
            try await db.raw("PRAGMA foreign_keys = OFF").run()
            do {
                let result = try await run(body, on: db)
                try await db.raw("PRAGMA foreign_keys = ON").run()
                return result
            } catch {
                try? await db.raw("PRAGMA foreign_keys = ON").run()
                throw error
            }
        }
    }

    private func run<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R, on db: any SQLDatabase) async throws -> R {
        try await Database.commitOrRollBack(db, begin: begin, body)
    }

    private func begin(_ db: any SQLDatabase) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + lockWait
        var pause = Duration.milliseconds(1)
        while true {
            do {
                try await db.raw("BEGIN IMMEDIATE").run()
                return
            } catch let error as SQLiteError where Self.isBusy(error) {
                guard clock.now + pause < deadline else {
                    throw StoreError.unavailable("the database is locked by another process (a backup or a 'handover admin' command?); try again")
                }
                try await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            }
        }
    }

    static func isBusy(_ error: SQLiteError) -> Bool {
        switch error.reason {
        case .busy, .busyTimeout, .busyInRecovery, .busyInSnapshot, .locked: true
        default: false
        }
    }

    func close() async throws {
        try await connection.close()
        try await executor.threads.shutdownGracefully()
    }

    /// Starts closing without waiting; the pending close keeps the connection alive until done.
    func closeEventually() {
        let threads = executor.threads
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in threads.shutdownGracefully { _ in } }
    }
}
