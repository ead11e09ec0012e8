import Foundation
import HandoverCore
import HandoverTrust
import Testing

/// `audit verify NEW --against OLD`: every entry of the older export that the newer one does not
/// hold unchanged under the same number is named, with what differs.
@Suite struct AuditComparisonTests {
    let fixture = AuditBundleFixture()
    let all = AuditBundleFixture().entries(430)

    /// The same log exported twice: at 300 entries, then at 430.
    func exports() throws -> (old: AuditBundle, new: AuditBundle) {
        (
            try fixture.bundle(Array(all.prefix(300)), checkpointsAt: [100, 256, 300]),
            try fixture.bundle(all, checkpointsAt: [100, 256, 300, 428])
        )
    }

    @Test func anUnchangedLogThatGrewHasNoDifferences() throws {
        let (old, new) = try exports()
        let comparison = new.compare(against: old)
        #expect(comparison.ok)
        #expect(comparison.added == 130 && comparison.compared == 300)
    }

    @Test func aRewrittenEntryIsNamedWithTheFieldThatChanged() throws {
        var (old, new) = try exports()
        new.rewrite(217)
        new.entries[40].time += 60_000
        new.leafHashes[40] = Hex.encode(new.entries[40].leafHash)
        let comparison = new.compare(against: old)
        #expect(comparison.inconsistency == nil)
        #expect(comparison.differences.map(\.index) == [40, 217])
        #expect(comparison.differences.map(\.fields) == [["time"], ["actor"]])
        #expect(
            comparison.lines == [
                "entry 40: time was 2027-01-15T08:00:00.040Z, now 2027-01-15T08:01:00.040Z",
                "entry 217: actor was \"m1\", now \"mallory\"",
            ])
        // Entries past the older export's end are new, not differences.
        var grown = new
        grown.rewrite(400)
        #expect(grown.compare(against: old).differences.map(\.index) == [40, 217])
    }

    @Test func aRemovedEntryIsNamedAndTheShiftFolded() throws {
        var (old, new) = try exports()
        new.removeAndRenumber(217)
        let comparison = new.compare(against: old)
        #expect(comparison.differences.first?.index == 217)
        #expect(comparison.differences.count == 300 - 217)
        #expect(comparison.differences[1].holdsOld == 219 && comparison.differences[1].movedTo == 217)
        #expect(comparison.lines.count == 3)
        #expect(
            comparison.lines[0]
                == "entry 217: now holds what was entry 218; what was here (handover.edit handover:h54 by m1 at 2027-01-15T08:00:00.217Z) is nowhere in the newer export")
        #expect(comparison.lines[1] == "entries 218–298: each now holds what was the entry 1 after it (renumbered)")
        // 299 now holds what was 300, which the older export did not have.
        #expect(comparison.lines[2].hasPrefix("entry 299: what was here is now entry 298; time was"))
    }

    @Test func swappedEntriesAreEachNamed() throws {
        var (old, new) = try exports()
        new.entries.swapAt(10, 11)
        (new.entries[10].seq, new.entries[11].seq) = (10, 11)
        let comparison = new.compare(against: old)
        #expect(
            comparison.lines == [
                "entry 10: now holds what was entry 11; what was here is now entry 11",
                "entry 11: now holds what was entry 10; what was here is now entry 10",
            ])
    }

    @Test func entriesMissingFromTheNewerExportAreNamed() throws {
        var (old, new) = try exports()
        new.entries.remove(at: 5)
        new.leafHashes.remove(at: 5)
        let comparison = new.compare(against: old)
        #expect(comparison.lines == ["entry 5 is missing from the newer export (was handover.edit handover:h1 by m2 at 2027-01-15T08:00:00.005Z)"])
    }

    @Test func aForkAnotherKeyAndAShorterLogAreNotExtensions() throws {
        let (old, _) = try exports()
        var forkedEntries = all
        forkedEntries[5].actor = "mallory"
        let forked = try fixture.bundle(forkedEntries, checkpointsAt: [100, 256, 300, 428])
        #expect(forked.compare(against: old).inconsistency == "the log forked: the key signed two different trees of size 100, one in each export")

        let otherSigner = try LogKeys(secret: Array(repeating: 2, count: 32)).signer(organizationID: "org1")
        var foreign = try fixture.bundle(all, checkpointsAt: [428])
        foreign.verifierKey = otherSigner.verifier.keyString
        #expect(foreign.compare(against: old).inconsistency?.hasPrefix("the exports are signed by different keys") == true)

        let shorter = try fixture.bundle(Array(all.prefix(200)), checkpointsAt: [100])
        #expect(shorter.compare(against: old).inconsistency == "the newer export's log is signed up to 100 entries, the older one's up to 300: the log went backwards")
    }

    @Test func withoutTheOlderCheckpointTheNewerEntriesMustHashToIt() throws {
        let (old, _) = try exports()
        // The newer export has no checkpoint at 300: its entries must reproduce the older root.
        let new = try fixture.bundle(all, checkpointsAt: [100, 428])
        #expect(new.compare(against: old).inconsistency == nil)
        var rewritten = new
        rewritten.rewrite(250)
        #expect(rewritten.compare(against: old).inconsistency == "the newer export's entries 0–299 do not hash to the root the older export signed at size 300")
    }
}
