import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import HandoverTrust
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SQLKit
import Testing

/// The audit log over the API, on each engine: what goes in, who may read it, proofs that verify,
/// and tampering with the database named by the offline verifier.
@Suite struct AuditLogTests {
    /// Alice makes an account and a handover for Bob; Bob reads it.
    static func someActivity(_ f: APIFixture, _ client: any TestClientProtocol) async throws -> (handoverID: String, readRequest: String?) {
        let account = try await client.execute(
            uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice),
            body: body(#"{"name": "Acme", "kind": "customer"}"#)
        ) { try $0.decode(Account.self) }
        let handover = try await client.execute(
            uri: "/api/v1/handovers", method: .post, headers: f.headers(f.org.alice),
            body: body(#"{"accountID": "\#(account.id)", "recipientID": "\#(f.org.bob.id)", "templateKey": "customer-account"}"#)
        ) { try $0.decode(Handover.self) }
        let request = try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.bob)) { r in
            #expect(r.status == .ok)
            return r.headers[HTTPField.Name("X-Request-Id")!]
        }
        return (handover.id, request)
    }

    static func bundle(_ f: APIFixture, _ client: any TestClientProtocol) async throws -> AuditBundle {
        try await client.execute(uri: "/api/v1/audit/export", method: .get, headers: f.headers(f.org.auditor)) { r in
            #expect(r.status == .ok)
            return try JSONDecoder().decode(AuditBundle.self, from: Data(r.body.readableBytesView))
        }
    }

    @Test(arguments: TestDatabases.engines) func changesAndSensitiveReadsAreLoggedAndTheExportVerifies(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let (handoverID, readRequest) = try await Self.someActivity(f, client)
            // Only admins and auditors read the log.
            for member in [f.org.alice, f.org.manager] {
                try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(member)) { #expect($0.status == .forbidden) }
                try await client.execute(uri: "/api/v1/audit/export", method: .get, headers: f.headers(member)) { #expect($0.status == .forbidden) }
            }
            try await client.execute(uri: "/api/v1/audit/entries", method: .get, headers: f.headers(nil)) { #expect($0.status == .unauthorized) }
            let checkpoint = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.auditor)) {
                try $0.decode(CheckpointResponse.self)
            }
            let key = try NoteVerifier(keyString: checkpoint.verifierKey)
            #expect(try Checkpoint(signedNote: checkpoint.checkpoint, verifier: key).size == checkpoint.size)

            let bundle = try await Self.bundle(f, client)
            let result = bundle.verify(pinnedKey: key)
            #expect(result.ok, "\(result.failure ?? "")")
            let entries = bundle.entries
            #expect(entries.contains { $0.action == "account.create" && $0.actor == f.org.alice.id })
            #expect(entries.contains { $0.action == "handover.create" && $0.target == "handover:\(handoverID)" && $0.digest.count == 64 })
            #expect(entries.contains { $0.action == "member.create" && $0.target == "member:\(f.org.bob.id)" })
            #expect(entries.contains { $0.action == "token.create" })
            // Bob's read names him and the request he made; reading one's own draft is not logged.
            #expect(entries.contains { $0.action == "handover.read" && $0.actor == f.org.bob.id && $0.request == readRequest })
            #expect(!entries.contains { $0.action == "handover.read" && $0.actor == f.org.alice.id })
            #expect(entries.last?.action == "audit.export")
            // The other organization's log is its own: none of our entries, a different key.
            let theirs = try await client.execute(uri: "/api/v1/audit/export", method: .get, headers: f.headers(f.other.admin)) {
                try JSONDecoder().decode(AuditBundle.self, from: Data($0.body.readableBytesView))
            }
            #expect(!theirs.entries.contains { $0.target.contains(handoverID) || $0.actor == f.org.alice.id })
            #expect(theirs.verifierKey != bundle.verifierKey && theirs.verify().ok)
            #expect(theirs.verify(pinnedKey: key).ok == false)
            // Without entries (the CLI pages them in): the same checkpoints and key, no entries.
            let head = try await client.execute(uri: "/api/v1/audit/export?entries=false", method: .get, headers: f.headers(f.org.auditor)) {
                try JSONDecoder().decode(AuditBundle.self, from: Data($0.body.readableBytesView))
            }
            #expect(head.entries.isEmpty && head.leafHashes.isEmpty && head.verifierKey == bundle.verifierKey)
            #expect(head.checkpoints.count >= bundle.checkpoints.count && head.checkpoints.starts(with: bundle.checkpoints))
            try await client.execute(uri: "/api/v1/audit/export?entries=some", method: .get, headers: f.headers(f.org.auditor)) { #expect($0.status == .badRequest) }
        }
    }

    @Test(arguments: TestDatabases.engines) func inclusionAndConsistencyProofsFromTheAPIVerify(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            _ = try await Self.someActivity(f, client)
            let first = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) {
                try $0.decode(CheckpointResponse.self)
            }
            let root = Array(Data(base64Encoded: first.rootHash)!)
            let entries = try await client.execute(uri: "/api/v1/audit/entries?start=0&end=\(first.size)", method: .get, headers: f.headers(f.org.auditor)) {
                try $0.decode(AuditEntriesResponse.self)
            }.entries
            #expect(entries.count == first.size && entries.map(\.entry.seq) == Array(0..<first.size))
            for item in entries {
                #expect(Hex.encode(item.entry.leafHash) == item.leafHash)
                let proof = try await client.execute(uri: "/api/v1/audit/proofs/inclusion?index=\(item.entry.seq)", method: .get, headers: f.headers(f.org.auditor)) {
                    try $0.decode(InclusionProofResponse.self)
                }
                let hashes = proof.hashes.map { Array(Data(base64Encoded: $0)!) }
                #expect(hashes.count <= (first.size <= 1 ? 0 : Int.bitWidth - (first.size - 1).leadingZeroBitCount))
                try MerkleProof.verifyInclusion(index: item.entry.seq, size: first.size, leafHash: item.entry.leafHash, proof: hashes, root: root)
            }
            // More activity, a newer checkpoint, and a proof that it extends the first.
            _ = try await Self.someActivity(f, client)
            let second = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) {
                try $0.decode(CheckpointResponse.self)
            }
            #expect(second.size > first.size)
            let proof = try await client.execute(
                uri: "/api/v1/audit/proofs/consistency?from=\(first.size)&to=\(second.size)", method: .get, headers: f.headers(f.org.auditor)
            ) { try $0.decode(ConsistencyProofResponse.self) }
            try MerkleProof.verifyConsistency(
                oldSize: first.size, newSize: second.size, oldRoot: root, newRoot: Array(Data(base64Encoded: second.rootHash)!),
                proof: proof.hashes.map { Array(Data(base64Encoded: $0)!) })
            // Bad input is refused with a reason, never a crash.
            try await client.execute(uri: "/api/v1/audit/proofs/inclusion?index=\(second.size + 5)", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/audit/proofs/inclusion?index=-1", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/audit/proofs/inclusion", method: .get, headers: f.headers(f.org.auditor)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/audit/proofs/consistency?from=\(second.size + 1)", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: "/api/v1/audit/entries?start=0&end=5000", method: .get, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .unprocessableContent)
            }
        }
    }

    /// Done means: edit one database row and see verification fail at exactly that entry.
    @Test(arguments: TestDatabases.engines) func editingOrDeletingARowIsNamedByTheOfflineVerifier(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let org = f.org.organization.id
        try await f.test { client in
            _ = try await Self.someActivity(f, client)
            _ = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) { try $0.decode(CheckpointResponse.self) }
            #expect(try await Self.bundle(f, client).verify().ok)

            try await f.store.database.transaction { db in
                try await db.raw("UPDATE audit_entries SET actor = 'mallory' WHERE organization_id = \(bind: org) AND seq = 3").run()
            }
            let edited = try await Self.bundle(f, client).verify()
            #expect(!edited.ok && edited.failedEntry == 3, "\(edited.failure ?? "")")

            try await f.store.database.transaction { db in
                try await db.raw(
                    "UPDATE audit_entries SET actor = (SELECT actor FROM audit_entries WHERE organization_id = \(bind: org) AND seq = 4) WHERE organization_id = \(bind: org) AND seq = 3"
                ).run()
                try await db.raw("DELETE FROM audit_entries WHERE organization_id = \(bind: org) AND seq = 5").run()
            }
            let deleted = try await Self.bundle(f, client).verify()
            #expect(!deleted.ok && deleted.failedEntry == 5, "\(deleted.failure ?? "")")
        }
    }

    /// The server never signs a checkpoint that disagrees with one it signed: here the stored
    /// tree is rewritten behind its back, then the log grows, and signing is refused.
    @Test(arguments: TestDatabases.engines) func theServerRefusesToSignARewrittenPast(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let org = f.org.organization.id
        try await f.test { client in
            _ = try await Self.someActivity(f, client)
            let signed = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) {
                try $0.decode(CheckpointResponse.self)
            }
            try await f.store.database.transaction { db in
                try await db.raw("UPDATE audit_nodes SET hash = \(bind: String(repeating: "0", count: 64)) WHERE organization_id = \(bind: org)").run()
            }
            // Same size: the stored tree no longer matches what was signed.
            try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .conflict)
            }
            _ = try await Self.someActivity(f, client)
            try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.detail.contains("refused to sign") == true)
            }
            let stored = try await f.store.checkpoints(organizationID: org, latestOnly: false)
            #expect(stored.map(\.size) == [signed.size])
        }
    }
}
