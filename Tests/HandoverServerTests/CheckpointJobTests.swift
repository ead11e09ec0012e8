import Foundation
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Testing

@Suite struct CheckpointJobTests {
    /// With a 0.2 s interval, writes lead to a signed checkpoint covering them without any
    /// reader asking for one: the runner polls only every 30 s, so the job's due time woke it.
    @Test func writesLeadToASignedCheckpointWithoutAReader() async throws {
        let opened = try await TestDatabases.store("sqlite")
        let store = SQLHandoverStore(database: opened.database, checkpointInterval: 0.2)
        defer { Task { try? await store.database.close() } }
        let keys = try LogKeys(secret: [UInt8](repeating: 7, count: 32), originPrefix: "test.local")
        let audit = AuditService(store: store, keys: keys, appender: AuditAppender(store: store))
        let runner = JobRunner(
            store: store,
            handlers: [
                AuditCheckpointJob.kind: AuditCheckpointJob.handler { organizationID in _ = try await audit.checkpoint(organizationID: organizationID) }
            ], options: .init(pollInterval: .seconds(30)))
        let running = Task { try await runner.run() }
        defer { running.cancel() }

        let clock = ContinuousClock(), start = clock.now
        let org = try await OrgFixture.make(in: store)
        let size = try await store.auditSize(organizationID: org.organization.id)
        var latest: StoredCheckpoint?
        while clock.now - start < .seconds(10) {
            latest = try await store.latestCheckpoint(organizationID: org.organization.id)
            if latest?.size == size { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(latest?.size == size)
        #expect(clock.now - start < .seconds(10))
        // Signed with the organization's key, over the tree the store holds.
        let checkpoint = try #require(latest)
        let signer = try keys.signer(organizationID: org.organization.id)
        #expect(checkpoint.note.contains(signer.origin))
        #expect(try await store.integrateAudit(organizationID: org.organization.id).root == checkpoint.rootHash)
        // Its job is done, none is left pending. The runner marks it done just after the handler
        // saved the checkpoint, so a loaded machine may see the checkpoint first: wait for both.
        var jobs: [Job] = []
        while clock.now - start < .seconds(10) {
            jobs = try await store.jobs(filter: JobFilter(kind: JobKind.auditCheckpoint)).filter { $0.organizationID == org.organization.id }
            if !jobs.isEmpty && jobs.allSatisfy({ $0.state == .done }) { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(!jobs.isEmpty && jobs.allSatisfy { $0.state == .done })
    }
}
