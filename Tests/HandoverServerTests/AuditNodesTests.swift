import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverTestSupport
import HandoverWire
import HandoverTrust
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The stored tree nodes an export carries, and what they buy: a row rewritten together with its
/// leaf hash is narrowed to its pair of entries, not just to a failed checkpoint.
@Suite struct AuditNodesTests {
    @Test(arguments: TestDatabases.engines) func theNodesEndpointPagesWhatTheExportCarries(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            for _ in 0..<3 { _ = try await AuditLogTests.someActivity(f, client) }
            let bundle = try await AuditLogTests.bundle(f, client)
            let nodes = try #require(bundle.treeNodes)
            #expect(nodes.count >= 3 && nodes.allSatisfy { $0.allSatisfy { Data(base64Encoded: $0)?.count == 32 } })
            // Level 1 in pages of two, as the CLI pages it (in larger pages).
            var paged: [String] = []
            for start in stride(from: 0, to: nodes[0].count, by: 2) {
                let page = try await client.execute(uri: "/api/v1/audit/nodes?level=1&start=\(start)&end=\(start + 2)", method: .get, headers: f.headers(f.org.auditor)) {
                    try $0.decode(AuditNodesResponse.self)
                }
                #expect(page.level == 1 && page.start == start)
                paged += page.hashes.map { $0 ?? "" }
            }
            #expect(paged.prefix(nodes[0].count).elementsEqual(nodes[0]))
            try await client.execute(uri: "/api/v1/audit/nodes?level=1", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/audit/nodes", method: .get, headers: f.headers(f.org.auditor)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/audit/nodes?level=0", method: .get, headers: f.headers(f.org.auditor)) { #expect($0.status == .unprocessableContent) }
            try await client.execute(uri: "/api/v1/audit/nodes?level=1&start=0&end=9000", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .unprocessableContent)
            }
        }
    }

    @Test(arguments: TestDatabases.engines) func aRowRewrittenWithItsLeafHashIsNarrowedToItsPair(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let org = f.org.organization.id
        try await f.test { client in
            for _ in 0..<3 { _ = try await AuditLogTests.someActivity(f, client) }
            let before = try await AuditLogTests.bundle(f, client)
            #expect(before.verify().ok)
            // What someone with the database can do: change an entry and recompute its hash.
            var forged = before.entries[6]
            forged.actor = "mallory"
            let leafHash = Hex.encode(forged.leafHash)
            try await f.store.database.transaction { db in
                try await db.raw("UPDATE audit_entries SET actor = 'mallory', leaf_hash = \(bind: leafHash) WHERE organization_id = \(bind: org) AND seq = 6").run()
            }
            let after = try await AuditLogTests.bundle(f, client)
            let result = after.verify()
            #expect(!result.ok)
            // Its pair [6, 8), or entry 6 alone if a checkpoint happened to sign a leaf next to it.
            #expect(result.changedEntries.count == 1 && result.changedEntries[0].contains(6) && result.changedEntries[0].count <= 2, "\(result.failure ?? "")")
            // And against the export from before, exactly that entry and field.
            let comparison = after.compare(against: before)
            #expect(comparison.inconsistency == nil)
            #expect(comparison.lines == ["entry 6: actor was \"\(before.entries[6].actor)\", now \"mallory\""])
        }
    }
}
