import Foundation
@testable import HandoverStore
import HandoverTestSupport
import Testing

/// The PostgreSQL pool opens no more connections than it is given, whatever the core count.
@Suite struct PostgresPoolTests {
    @Test func aPoolShapeAddsUpToItsTotal() {
        #expect(PoolShape(total: 4, availableLoops: 2) == PoolShape(loops: 2, perLoop: 2))
        #expect(PoolShape(total: 4, availableLoops: 8) == PoolShape(loops: 4, perLoop: 1))
        #expect(PoolShape(total: 10, availableLoops: 8) == PoolShape(loops: 5, perLoop: 2))
        #expect(PoolShape(total: 7, availableLoops: 4) == PoolShape(loops: 1, perLoop: 7))
        #expect(PoolShape(total: 1, availableLoops: 16) == PoolShape(loops: 1, perLoop: 1))
        for total in 1...64 {
            for loops in 1...16 {
                let shape = PoolShape(total: total, availableLoops: loops)
                #expect(shape.loops * shape.perLoop == total && shape.loops <= loops, "total \(total) on \(loops) loops: \(shape)")
            }
        }
    }

    /// Many more concurrent sessions than connections: PostgreSQL itself counts the connections
    /// to a database of the test's own, and never sees more than the limit; and the load is heavy
    /// enough to reach it, so a pool that opened more would show.
    @Test(.enabled(if: TestDatabases.engines.contains("postgres")), arguments: [1, 3, 4])
    func connectionsStayWithinTheLimitUnderLoad(limit: Int) async throws {
        let seen = try await TestDatabases.withScratchPostgresDatabase { url in
            let database = try await Database.open(.postgres(url: url), maxConnections: limit)
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<(limit * 8) {
                    group.addTask {
                        try await database.withSession { db in
                            try await db.raw("SELECT pg_sleep(0.05)").run()
                            return try await db.raw("SELECT COUNT(*) AS n FROM pg_stat_activity WHERE datname = current_database()").first()?
                                .decode(column: "n", as: Int.self) ?? 0
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            try await database.close()
            return counts
        }
        #expect(seen.max() == limit, "connections seen by PostgreSQL: \(Set(seen).sorted()), limit \(limit)")
    }
}
