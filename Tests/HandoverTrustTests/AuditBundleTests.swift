import Foundation
import HandoverCore
import HandoverTrust
import Testing

/// The offline verifier names the first entry that does not match, for each way a row can be
/// changed behind the log's back.
@Suite struct AuditBundleTests {
    let fixture = AuditBundleFixture()
    var signer: LogSigner { fixture.signer }

    func entries(_ count: Int) -> [AuditEntry] { fixture.entries(count) }

    func bundle(_ entries: [AuditEntry], checkpointsAt sizes: [Int]) throws -> AuditBundle {
        try fixture.bundle(entries, checkpointsAt: sizes)
    }

    @Test func anIntactBundleVerifies() throws {
        let result = try bundle(entries(50), checkpointsAt: [10, 32, 45]).verify(pinnedKey: signer.verifier)
        #expect(result.ok, "\(result.failure ?? "")")
        #expect(result.entriesChecked == 50 && result.checkpointsChecked == 3 && result.proofsChecked == 2)
        #expect(result.latestSize == 45 && result.uncovered == 5 && result.keyPinned)
    }

    @Test func anEditedEntryIsNamed() throws {
        var b = try bundle(entries(50), checkpointsAt: [45])
        b.entries[17].actor = "someone-else"
        let result = b.verify()
        #expect(!result.ok && result.failedEntry == 17)
    }

    @Test func aDeletedEntryIsNamed() throws {
        var b = try bundle(entries(50), checkpointsAt: [45])
        b.entries.remove(at: 23)
        b.leafHashes.remove(at: 23)
        let result = b.verify()
        #expect(result.failedEntry == 23)
        #expect(result.failure?.contains("entry 23 is missing") == true)
    }

    @Test func anEntryChangedWithItsRecordedHashStillFailsAgainstTheSignedRoot() throws {
        var b = try bundle(entries(50), checkpointsAt: [20, 45])
        b.entries[30].action = "handover.read"
        b.leafHashes[30] = Hex.encode(b.entries[30].leafHash)
        let result = b.verify()
        #expect(!result.ok)
        #expect(result.failure?.contains("size 45") == true)
    }

    @Test func truncationAForeignKeyAndAnAlteredCheckpointAreCaught() throws {
        var truncated = try bundle(entries(50), checkpointsAt: [45])
        truncated.entries.removeLast(10)
        truncated.leafHashes.removeLast(10)
        #expect(truncated.verify().failedEntry == 40)

        let other = try LogKeys(secret: Array(repeating: 1, count: 32)).signer(organizationID: "org1")
        #expect(try bundle(entries(5), checkpointsAt: [5]).verify(pinnedKey: other.verifier).ok == false)

        var altered = try bundle(entries(5), checkpointsAt: [5])
        altered.checkpoints[0] = altered.checkpoints[0].replacingOccurrences(of: "\n5\n", with: "\n4\n")
        #expect(altered.verify().failure?.contains("checkpoint 1") == true)
    }

    @Test func theBundleSurvivesJSON() throws {
        let b = try bundle(entries(12), checkpointsAt: [12])
        let decoded = try JSONDecoder().decode(AuditBundle.self, from: JSONEncoder().encode(b))
        #expect(decoded.verify().ok)
    }
}
