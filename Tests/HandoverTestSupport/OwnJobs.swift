import Foundation
import HandoverStore
import SQLKit

extension SQLHandoverStore {
    /// The due jobs of `kinds` that belong to one organization, claimed as a runner would. Tests
    /// share one PostgreSQL database, and a claim takes every organization's due jobs: those of
    /// other tests are handed back at once exactly as they were (their due time and attempts),
    /// so that a test whose clock runs ahead never keeps another test's job leased.
    public func claimOwnJobs(organizationID: String, kinds: [String], at now: Date) async throws -> [Job] {
        let runner = "test-\(UUID().uuidString.prefix(8))"
        let claimed = try await claimJobs(runner: runner, kinds: kinds, limit: 1000, lease: 60, at: now)
        let others = claimed.filter { $0.organizationID != organizationID }.map(\.id)
        if !others.isEmpty {
            try await database.transaction { db in
                try await db.raw(
                    """
                    UPDATE jobs SET state = 'pending', locked_by = NULL, locked_until = NULL, attempts = attempts - 1
                    WHERE id IN (\(binds: others)) AND locked_by = \(bind: runner) AND state = 'running'
                    """
                ).run()
            }
        }
        return claimed.filter { $0.organizationID == organizationID }
    }
}
