import Foundation
import Synchronization
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Testing

/// Monotonic time that moves only when a test moves it.
final class ManualTime: Sendable {
    private let instant = Mutex(ContinuousClock.now)
    var now: ContinuousClock.Instant { instant.withLock { $0 } }
    func advance(by duration: Duration) { instant.withLock { $0 += duration } }
}

@Suite struct ReadCacheTests {
    @Test func aReadThatRacedAnEvictionIsNotStored() {
        let cache = ReadCache<Int>(ttl: .seconds(60))
        let before = cache.generation
        cache.evict("a")  // a write finished while the read was in flight
        cache.store(1, for: "a", readAt: before)
        #expect(cache.value(for: "a") == nil)
        cache.store(2, for: "a", readAt: cache.generation)
        #expect(cache.value(for: "a") == 2)
        cache.evictAll()
        #expect(cache.value(for: "a") == nil)
    }

    @Test func entriesExpireAndZeroDisables() async throws {
        let time = ManualTime()
        let cache = ReadCache<Int>(ttl: .milliseconds(50), now: { time.now })
        cache.store(1, for: "a", readAt: cache.generation)
        time.advance(by: .milliseconds(49))
        #expect(cache.value(for: "a") == 1)
        time.advance(by: .milliseconds(1))
        #expect(cache.value(for: "a") == nil)

        let off = ReadCache<Int>(ttl: .zero)
        off.store(1, for: "a", readAt: off.generation)
        #expect(off.value(for: "a") == nil)
    }

    /// A GET sends the stored content as it is, spliced into the rest of the handover: the bytes
    /// must be exactly what encoding the whole handover gives, whatever the text holds.
    @Test func theSplicedReadIsTheEncodedHandover() throws {
        var content = DemoData.completeCustomerContent(renewal: "2027-01-31", due: "2026-12-31")
        content.sections["risks", default: [:]]["sentiment"] = .string(#"quotes " and "content":{} and \ and / and é"#)
        let now = Date(millis: 1_780_000_000_123)
        var handover = Handover(
            id: "h1", organizationID: "o1", accountID: "a1", templateKey: "customer-account", templateVersion: 1,
            transferorID: "t1", recipientID: "r1", content: content, createdAt: now, updatedAt: now)
        let stored = String(decoding: try WireJSON.encoder.encode(content), as: UTF8.self)
        #expect(try HandoverService.json(handover, content: stored) == (try WireJSON.encoder.encode(handover)))
        // Every optional field present, and text with everything the encoder escapes or does not.
        let awkward = "\"quoted\" \\ back/slash\ttab\nline\rreturn \u{1}\u{8}\u{c}\u{1f}\u{7f} é 日本 😀 </script>"
        handover.synthesis = #"I own it: "content":{} is just text here"# + awkward
        handover.returnReason = awkward
        handover.submittedAt = now
        handover.acknowledgedAt = Date(millis: 1_780_000_100_999)
        handover.completedAt = Date(millis: 1_780_000_200_000)
        handover.state = .completed
        handover.version = 12
        #expect(try HandoverService.json(handover, content: stored) == (try WireJSON.encoder.encode(handover)))
        #expect(throws: StoreError.self) { try HandoverService.json(handover, content: "not json") }
    }

    @Test func aFullCacheStaysWithinItsCapacity() {
        let cache = ReadCache<Int>(ttl: .seconds(60), capacity: 3)
        for i in 0..<10 { cache.store(i, for: "k\(i)", readAt: cache.generation) }
        #expect(cache.value(for: "k9") == 9)
        #expect((0..<10).filter { cache.value(for: "k\($0)") != nil }.count <= 3)
    }

    /// Two replicas on one database: a write is visible at once on the replica that made it, and
    /// on the other within the TTL; writes themselves always check the stored version.
    @Test(arguments: TestDatabases.engines) func replicasSeeEachOthersWritesWithinTheTTL(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        let org = try await OrgFixture.make(in: store)
        let account = try await org.account(org.alice, in: store)
        let draft = try await org.handover(of: account, to: org.bob, in: store)
        let ttl = Duration.milliseconds(200)
        let time = ManualTime()
        let a = HandoverService(store: store, readCacheTTL: ttl, readCacheClock: { time.now })
        let b = HandoverService(store: store, readCacheTTL: ttl, readCacheClock: { time.now })

        #expect(try await a.handoverForReading(id: draft.id, by: org.alice).handover.version == 1)
        #expect(try await b.handoverForReading(id: draft.id, by: org.alice).handover.version == 1)
        let patch = try JSONDecoder().decode(HandoverContent.self, from: Data(#"{"overview": {"summary": "Edited on replica A"}}"#.utf8))
        let edited = try await a.edit(id: draft.id, patch: patch, expectedVersion: 1, by: org.alice)
        #expect(edited.version == 2)
        #expect(try await a.handoverForReading(id: draft.id, by: org.alice).handover.version == 2)

        // Replica B may still answer version 1, but a write from it based on version 1 is refused.
        await #expect(throws: StoreError.self) { try await b.edit(id: draft.id, patch: patch, expectedVersion: 1, by: org.alice) }
        #expect(try await b.handoverForReading(id: draft.id, by: org.alice).handover.version == 1)  // within the TTL: B's cached read
        time.advance(by: ttl)
        let fresh = try await b.handoverForReading(id: draft.id, by: org.alice)
        #expect(fresh.handover.version == 2)
        #expect(String(decoding: fresh.json, as: UTF8.self).contains("Edited on replica A"))

        // Visibility is checked per caller even on a cached read.
        await #expect(throws: StoreError.self) { try await b.handoverForReading(id: draft.id, by: org.carol) }
        try await store.database.close()
    }
}
