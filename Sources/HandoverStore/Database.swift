import AsyncKit
import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresKit
import SQLKit

/// Where the data lives: an SQLite file (the embedded default) or a PostgreSQL server.
public enum DatabaseLocation: Sendable, Hashable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(url: String)

    /// The embedded default: `./handover-data/handover.sqlite`.
    public static let defaultSQLite = DatabaseLocation.sqlite(path: "handover-data/handover.sqlite")

    /// `postgres://…` or `postgresql://…` is PostgreSQL; `sqlite:PATH` or a plain path is SQLite.
    public init(parsing text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("postgres://") || trimmed.hasPrefix("postgresql://") {
            self = .postgres(url: trimmed)
        } else if trimmed.hasPrefix("sqlite:") {
            self = .sqlite(path: String(trimmed.dropFirst("sqlite:".count)))
        } else if trimmed.isEmpty || trimmed.contains("://") {
            throw StoreError.configuration("database \"\(DatabaseLocation.masked(trimmed))\" is neither postgres://… nor an SQLite file path")
        } else {
            self = .sqlite(path: trimmed)
        }
    }

    /// The location with any password replaced by `***`, for logs and start-up output.
    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let url): DatabaseLocation.masked(url)
        }
    }

    static func masked(_ url: String) -> String {
        guard var components = URLComponents(string: url), components.password != nil else { return url }
        components.password = "***"
        return components.string ?? "postgres://***"
    }
}

/// The database engine behind a `Database`; dialect branches are named after it and kept rare.
public enum DatabaseEngine: String, Sendable {
    case sqlite, postgres
}

/// A pool of connections to one database, handing out one connection ("session") at a time.
///
/// Everything in the store runs inside `withSession` or `transaction`, so a transaction's
/// statements always share a connection and no connection is left inside a transaction.
public final class Database: Sendable {
    public let engine: DatabaseEngine
    /// Reads everywhere; on PostgreSQL, writes too.
    private let leaser: any ConnectionLeaser
    /// SQLite only: the one connection every write transaction runs on, in arrival order.
    private let writer: SQLiteWriter?
    private let closed = NIOLockedValueBox(false)
    /// PostgreSQL only: how to open a connection of its own, for LISTEN (`listen`).
    private let postgres: PostgresConnection.Configuration?

    private init(engine: DatabaseEngine, leaser: any ConnectionLeaser, writer: SQLiteWriter? = nil, postgres: PostgresConnection.Configuration? = nil) {
        self.engine = engine
        self.leaser = leaser
        self.writer = writer
        self.postgres = postgres
    }

    /// Where reads run (SQLite: the readers' threads); nil when it does not matter (PostgreSQL).
    /// A request that only reads can prefer it as a whole, so that its queries and the code
    /// between them do not hop between threads.
    public var readExecutor: (any TaskExecutor)? { (leaser as? SQLiteReaders)?.executor }

    /// Write transactions running or queued (SQLite's writer queue; 0 on PostgreSQL, where
    /// writers wait in the connection pool and in row locks instead).
    public var writeQueueDepth: Int { writer?.queueDepth ?? 0 }

    /// Sessions that waited for a reading connection since start (SQLite; 0 on PostgreSQL).
    public var readWaits: Int { (leaser as? SQLiteReaders)?.waits ?? 0 }

    /// Opens (creating the file and folder for SQLite) and checks a connection.
    /// `maxConnections` bounds the connections open at once: SQLite's readers (its one writer
    /// comes on top), or the PostgreSQL pool across all its event loops.
    public static func open(_ location: DatabaseLocation, maxConnections: Int = 4, logger: Logger = Logger(label: "handover.db")) async throws -> Database {
        let database: Database
        switch location {
        case .sqlite(let path):
            let url = URL(fileURLWithPath: path)
            try PrivateFiles.prepareDatabaseFile(at: url.path)
            // The writer opens first: it puts the file in WAL mode, which the readers rely on.
            let writer = try await SQLiteWriter.open(path: url.path, logger: logger)
            database = Database(engine: .sqlite, leaser: SQLiteReaders(path: url.path, maxConnections: maxConnections, logger: logger), writer: writer)
        case .postgres(let url):
            let configuration: SQLPostgresConfiguration
            do {
                configuration = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.configuration("cannot read PostgreSQL URL \(DatabaseLocation.masked(url)): expected postgres://user:password@host:port/database")
            }
            // The pool keeps up to `maxConnectionsPerEventLoop` on each loop of the group it is given,
            // so on all of the shared group's loops (one per core) it would open cores × the limit.
            // It gets a subset of the loops instead, sized so that loops × per loop is the limit.
            let allLoops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
            let shape = PoolShape(total: maxConnections, availableLoops: allLoops.count)
            let loops = EventLoopSubset(Array(allLoops.prefix(shape.loops)))
            let pool = EventLoopGroupConnectionPool(
                source: PostgresConnectionSource(sqlConfiguration: configuration),
                maxConnectionsPerEventLoop: shape.perLoop, requestTimeout: .seconds(30),
                pruneInterval: nil, logger: logger, on: loops)
            database = Database(engine: .postgres, leaser: PooledLeaser(pool: pool) { $0.sql(queryLogLevel: nil) }, postgres: configuration.coreConfiguration)
        }
        do {
            try await database.withSession { try await $0.raw("SELECT 1").run() }
        } catch {
            try? await database.close()
            throw StoreError.unavailable("cannot connect to \(location): \(StoreError.describe(error))")
        }
        return database
    }

    /// Until cancelled, calls `received` with the payload of each notification on `channel`, on a
    /// connection of its own outside the pool (a listening connection cannot be lent). A lost
    /// connection is opened again after a second; notifications sent meanwhile are missed, which
    /// costs a watcher a tick (see `ThreadSignal`). Returns at once on SQLite (one process).
    public func listen(channel: String, logger: Logger = Logger(label: "handover.db"), _ received: @escaping @Sendable (String) -> Void) async throws {
        guard let postgres else { return }
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(configuration: postgres, id: 0, logger: logger)
                do {
                    try await withTaskCancellationHandler {
                        for try await notification in try await connection.listen(channel) { received(notification.payload) }
                    } onCancel: {
                        connection.close().whenComplete { _ in }
                    }
                } catch {
                    try? await connection.close()
                    throw error
                }
                try? await connection.close()
                if Task.isCancelled { return }
                logger.warning("listening on \(channel) ended, again in a second")
            } catch {
                if Task.isCancelled { return }
                logger.warning("listening on \(channel) failed, again in a second: \(StoreError.describe(error))")
            }
            try? await Task.sleep(for: .seconds(1))
        }
    }

    /// Runs `body` with one connection to itself.
    public func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await leaser.withSession(body)
    }

    /// Runs `body` in one transaction: committed if it returns, rolled back if it throws.
    /// Every write goes through here. On SQLite that means the writer connection, one
    /// transaction at a time (see `SQLiteWriter`); `withSession` connections there are read-only.
    /// `foreignKeysOff` is for SQLite table rebuilds in migrations only (PostgreSQL ignores it).
    public func transaction<R: Sendable>(foreignKeysOff: Bool = false, _ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        if let writer { return try await writer.transaction(foreignKeysOff: foreignKeysOff, body) }
        return try await withSession { db in
            try await Self.commitOrRollBack(db, begin: { try await $0.raw("BEGIN").run() }, body)
        }
    }

    /// `begin`, then `body`, then COMMIT; ROLLBACK if any of it threw. After a failed COMMIT
    /// the engine may already have rolled back, and ROLLBACK then fails harmlessly: either way
    /// nothing of the transaction stays.
    static func commitOrRollBack<R: Sendable>(
        _ db: any SQLDatabase, begin: (any SQLDatabase) async throws -> Void,
        _ body: @escaping @Sendable (any SQLDatabase) async throws -> R
    ) async throws -> R {
        try await begin(db)
        do {
            let result = try await body(db)
            try await db.raw("COMMIT").run()
            return result
        } catch {
            try? await db.raw("ROLLBACK").run()
            throw error
        }
    }

    /// Closes every connection; later calls do nothing.
    public func close() async throws {
        if closed.withLockedValue({
            let was = $0; $0 = true; return was
        }) {
            return
        }
        try await leaser.close()
        try await writer?.close()
    }

    // A pool must be shut down (and SQLite's writer closed) before it goes away; if nobody
    // closed us, start that now.
    deinit {
        if !closed.withLockedValue({ $0 }) {
            leaser.closeEventually()
            writer?.closeEventually()
        }
    }
}

protocol ConnectionLeaser: Sendable {
    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R
    func close() async throws
    func closeEventually()
}

struct PooledLeaser<Source: ConnectionPoolSource>: ConnectionLeaser, @unchecked Sendable where Source.Connection: Sendable {
    // EventLoopGroupConnectionPool is thread-safe (it locks internally) but not annotated Sendable.
    let pool: EventLoopGroupConnectionPool<Source>
    let makeSQL: @Sendable (Source.Connection) -> any SQLDatabase

    func withSession<R: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        let connection = try await pool.requestConnection().get()
        defer { pool.releaseConnection(connection) }
        return try await body(makeSQL(connection))
    }

    func close() async throws {
        try await pool.shutdownAsync()
    }

    func closeEventually() {
        pool.shutdownGracefully { _ in }
    }
}
