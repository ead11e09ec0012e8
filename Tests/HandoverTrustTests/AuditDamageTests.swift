import Foundation
import HandoverCore
import HandoverTrust
import Testing

/// When entries and their recorded hashes were both changed, the verifier narrows the failed
/// signed root to the entries that differ, as far as the signed evidence goes, and no further.
@Suite struct AuditDamageTests {
    let fixture = AuditBundleFixture()
    /// Several checkpoints, none a power of two but one, and uncovered entries at the end.
    let sizes = [100, 256, 300, 428]

    @Test func anEntryRewrittenWithItsHashIsNarrowedToItsPair() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.rewrite(217)
        let result = bundle.verify(pinnedKey: fixture.signer.verifier)
        // The stored node over 216–217 is the deepest signed-tied hash: its two leaves are the
        // recorded ones, and the recorded hash of 217 was rewritten, so which of the two changed
        // is not provable.
        #expect(result.changedEntries == [216..<218])
        #expect(result.failedEntry == nil)
        #expect(
            result.failure
                == "entries 216–217 do not match the log signed at size 256 (the signed subtree [216, 218) differs; the bundle holds no signed evidence of which of them changed)"
        )
    }

    @Test func theLastEntryOfAnOddCheckpointIsNamedAlone() throws {
        // The proof from 301 to 428 carries leaf 300 on its own: a signed-tied hash of one entry.
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: [100, 256, 301, 428])
        bundle.rewrite(300)
        let result = bundle.verify()
        #expect(result.changedEntries == [300..<301])
        #expect(result.failedEntry == 300)
        #expect(result.failure == "entry 300 does not match the log signed at size 301 (the signed subtree [300, 301) holding it differs)")
    }

    @Test func theFirstEntryAfterAnOddCheckpointIsNamedAlone() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: [100, 256, 301, 428])
        bundle.rewrite(301)
        let result = bundle.verify()
        // The same proof signs leaf 301 on its own too (the first leaf the newer tree adds).
        #expect(result.changedEntries == [301..<302])
        #expect(result.failure?.hasPrefix("entry 301 does not match the log signed at size 428") == true)
    }

    @Test func twoRewrittenEntriesAreBothNamed() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.rewrite(40)
        bundle.rewrite(333)
        let result = bundle.verify()
        #expect(result.changedEntries == [40..<42, 332..<334])
        #expect(result.failure?.hasPrefix("the entries differ from the signed log in 2 places: entries 40–41 do not match the log signed at size 100") == true)
        #expect(result.failure?.contains("entries 332–333 do not match the log signed at size 428") == true)
    }

    @Test func aRemovedAndRenumberedEntryIsFoundWhereTheShiftStarts() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.removeAndRenumber(217)
        let result = bundle.verify()
        // Every pair from 216 on now holds shifted entries.
        #expect(result.changedEntries.first == 216..<218)
        #expect(result.changedEntries.count == (428 - 216) / 2)
        #expect(result.failure?.hasPrefix("the entries differ from the signed log in 106 places: entries 216–217 do not match the log signed at size 256") == true)
        #expect(result.failure?.contains("every part from entry 216 to the end of the signed log differs") == true)
    }

    @Test func withoutStoredNodesOnlyTheProofsNarrowIt() throws {
        // An older bundle: the signed roots and the consistency proofs are the only evidence.
        // The proof from 100 to 256 signs [128, 256) as one node; nothing signs its halves.
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes, nodes: false)
        bundle.rewrite(217)
        let result = bundle.verify()
        #expect(result.changedEntries == [128..<256])
        #expect(
            result.failure
                == "entries 128–255 do not match the log signed at size 256 (the signed subtree [128, 256) differs; the bundle holds no signed evidence of which of them changed)"
        )
    }

    @Test func aStoredNodeRewrittenToMatchStopsTheSearchAboveIt() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.rewrite(217)
        // The attacker also recomputes the stored node over 216–217; its parent no longer folds.
        let pair = MerkleTree.nodeHash(bundle.entries[216].leafHash, bundle.entries[217].leafHash)
        bundle.treeNodes?[0][108] = Data(pair).base64EncodedString()
        let result = bundle.verify()
        #expect(result.changedEntries == [216..<220])
        #expect(result.failure?.contains("the signed subtree [216, 220) differs") == true)
    }

    @Test func unreadableStoredNodesAreIgnoredNotTrusted() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.rewrite(217)
        bundle.treeNodes = bundle.treeNodes?.map { $0.map { _ in "not base64" } }
        // Recorded leaf hashes stand in where nodes are unreadable; the rewritten one spoils
        // every candidate above 217 until a proof's own node: [128, 256) again.
        #expect(bundle.verify().changedEntries == [128..<256])
    }

    /// Any checkpoint sizes, any rewritten entry under the latest one: the stored nodes always
    /// take the search down to the entry's pair (or the entry), never to a wrong or wider place.
    @Test func everyRewrittenEntryIsFoundWithinItsPair() throws {
        var seed: UInt64 = 42
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((seed >> 33) % UInt64(bound))
        }
        let entries = fixture.entries(80)
        for _ in 0..<60 {
            let sizes = Set((0..<(1 + next(9))).map { _ in 1 + next(78) }).sorted()
            let intact = try fixture.bundle(entries, checkpointsAt: sizes)
            // The last entry of an odd-sized latest tree is the one exception: nothing signs a
            // hash beside it, so no node over it can be trusted and the search stops at the root.
            for index in 0..<sizes.last! where !(index == sizes.last! - 1 && index % 2 == 0) {
                var bundle = intact
                bundle.rewrite(index)
                let places = bundle.verify().changedEntries
                #expect(
                    places.count == 1 && places[0].contains(index) && places[0].count <= 2 && places[0].lowerBound == index & ~1 || places == [index..<index + 1],
                    "checkpoints \(sizes), entry \(index): \(places)")
            }
        }
    }

    @Test func damageWithMissingEntriesSaysBoth() throws {
        var bundle = try fixture.bundle(fixture.entries(430), checkpointsAt: sizes)
        bundle.rewrite(50)
        bundle.entries.removeLast(140)
        bundle.leafHashes.removeLast(140)
        let result = bundle.verify()
        // The search runs in the tree of 256, the largest the remaining entries cover.
        #expect(result.changedEntries == [50..<52])
        #expect(result.failure?.hasSuffix("and the log signed 300 entries but the bundle has only 290: entry 290 onwards is missing") == true)
    }
}
