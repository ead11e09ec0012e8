import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Synchronization
import Testing

/// The in-memory top of the tree: proofs that use it verify, on each engine, as the tree grows
/// past what was loaded; and it reads the database only for what it does not hold.
@Suite struct TreeNodeCacheTests {
    static func append(_ count: Int, _ appender: AuditAppender, organizationID: String) async throws {
        for i in 0..<count {
            try await appender.append(
                AuditRecord(action: "handover.read", target: "handover:\(i)"), organizationID: organizationID, actor: AuditActor(member: "cache-test"))
        }
    }

    @Test(arguments: TestDatabases.engines) func proofsFromTheCachedTopOfTheTreeVerify(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let appender = AuditAppender(store: store)
        let audit = AuditService(store: store, keys: try LogKeys(secret: Array(repeating: 7, count: 32)), appender: appender)
        // 300 entries: nodes up to level 8, so levels 6–8 come from memory.
        try await Self.append(300, appender, organizationID: org.organization.id)
        for round in 0..<2 {
            let checkpoint = try await audit.checkpoint(organizationID: org.organization.id)
            let entries = try await store.auditEntries(organizationID: org.organization.id, range: 0..<checkpoint.size)
            for (entry, _) in entries {
                let proof = try await audit.inclusionProof(organizationID: org.organization.id, index: entry.seq, size: checkpoint.size)
                try MerkleProof.verifyInclusion(index: entry.seq, size: checkpoint.size, leafHash: entry.leafHash, proof: proof, root: checkpoint.rootHash)
            }
            // Grow past what was loaded into memory: the new top nodes come from the database.
            if round == 0 { try await Self.append(200, appender, organizationID: org.organization.id) }
        }
        try await store.database.close()
    }

    @Test func itReadsTheDatabaseOnlyForWhatItDoesNotHold() async throws {
        let cache = TreeNodeCache()
        let topLoads = Mutex(0), loads = Mutex<[Set<PerfectSubtree>]>([])
        let high = PerfectSubtree(level: 7, index: 1), low = PerfectSubtree(level: 2, index: 5), fresh = PerfectSubtree(level: 6, index: 9)
        func hash(_ subtree: PerfectSubtree) -> TreeHash { MerkleTree.leafHash(Array("\(subtree.level)/\(subtree.index)".utf8)) }
        func ask(_ subtrees: Set<PerfectSubtree>) async throws -> [PerfectSubtree: TreeHash] {
            try await cache.hashes(
                organizationID: "org", size: 1 << 10, subtrees,
                loadTop: { level in
                    topLoads.withLock { $0 += 1 }
                    #expect(level == TreeNodeCache.minimumLevel)
                    return [high: hash(high)]
                },
                load: { asked in
                    loads.withLock { $0.append(asked) }
                    return Dictionary(uniqueKeysWithValues: asked.map { ($0, hash($0)) })
                })
        }
        #expect(try await ask([high, low]) == [high: hash(high), low: hash(low)])
        #expect(loads.withLock { $0 } == [[low]])
        // The top is loaded once; a node formed later is read once, then held; low levels are never held.
        #expect(try await ask([high, low, fresh]) == [high: hash(high), low: hash(low), fresh: hash(fresh)])
        #expect(try await ask([high, fresh]) == [high: hash(high), fresh: hash(fresh)])
        #expect(topLoads.withLock { $0 } == 1)
        #expect(loads.withLock { $0 } == [[low], [low, fresh]])
    }
}
