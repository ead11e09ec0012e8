import Foundation
import HandoverCore
import HandoverStore
import HandoverTestSupport
import Testing

/// Migration 15 files every custody transfer under the assets it expected: transfers written
/// before the table existed are found by asset once it runs.
@Suite struct CustodyItemsMigrationTests {
    @Test(arguments: TestDatabases.engines) func transfersWrittenBeforeTheTableAreFiledByAsset(engine: String) async throws {
        if engine == "postgres" {
            try await TestDatabases.withScratchPostgresDatabase { url in try await check(.postgres(url: url)) }
        } else {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-custody-items-\(UUID().uuidString)")
            try await check(.sqlite(path: folder.appendingPathComponent("old.sqlite").path))
        }
    }

    private func check(_ location: DatabaseLocation) async throws {
        let database = try await Database.open(location)
        try await Migrations.apply(to: database, migrations: Migrations.all.filter { $0.version < 15 })
        let store = SQLHandoverStore(database: database)
        let org = try await OrgFixture.make(in: store)
        let now = Date(millis: Date().millis)
        var assets: [PhysicalAsset] = []
        for name in ["Laptop", "Badge"] {
            let asset = PhysicalAsset(
                id: UUID().uuidString.lowercased(), organizationID: org.organization.id, kind: .other, name: name, serial: nil, location: "",
                condition: .good, custodianID: org.alice.id, accountID: nil, createdAt: now, updatedAt: now)
            try await store.createPhysicalAsset(asset, by: AuditActor(member: org.admin.id))
            assets.append(asset)
        }
        // As written before migration 15: a completed transfer of both, an open one of the laptop.
        func transfer(_ id: String, _ items: [PhysicalAsset], completed: Bool) async throws {
            let json = String(
                decoding: try JSONEncoder().encode(items.map { CustodyItem(asset: $0.id, kind: $0.kind, name: $0.name, serial: "", outcome: .received) }), as: UTF8.self)
            try await database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO custody_transfers (id, organization_id, from_id, to_id, state, items, extras, receipt_version, started_by, created_at, completed_at)
                    VALUES (\(bind: id), \(bind: org.organization.id), \(bind: org.alice.id), \(bind: org.bob.id), \(bind: completed ? "completed" : "awaiting-signatures"),
                            \(bind: json), '[]', 1, \(bind: org.admin.id), \(bind: now.millis), \(bind: completed ? now.millis : nil))
                    """
                ).run()
            }
        }
        try await transfer("old-completed", assets, completed: true)
        try await transfer("old-open", [assets[0]], completed: false)

        #expect(try await Migrations.apply(to: database).first == 15, "15 first; later migrations (issue 15 adds 16 to 20) follow")
        for asset in assets {
            let found = try await store.completedCustodyTransfers(assetID: asset.id, organizationID: org.organization.id)
            #expect(found.map(\.id) == ["old-completed"], "\(asset.name)")
        }
        try await database.close()
    }
}
