import Crypto
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
import Testing

/// Signed sign-offs over the API: keys, the checks on every envelope, completion waiting for the
/// template's signatures, and the certificate of completion verified offline and tampered with.
@Suite struct SignoffTests {
    static let synthesis = #"{"synthesis": "Acme renews in March; the CFO wants email only; two open items are mine now."}"#

    /// A complete customer handover from Alice to Bob, submitted.
    static func submitted(_ f: APIFixture, templateKey: String = "customer-account") async throws -> Handover {
        let account = try await f.org.account(f.org.alice, in: f.store)
        let service = HandoverService(store: f.store)
        let template = try #require(TemplateLibrary.builtIns.first { $0.key == templateKey })
        let handover = try await service.begin(
            accountID: account.id, recipientID: f.org.bob.id, templateKey: templateKey, templateVersion: nil,
            content: ContentFixtures.complete(template), by: f.org.alice)
        return try await service.transition(id: handover.id, event: .submit, expectedVersion: nil, by: f.org.alice)
    }

    static func status(_ id: String, _ f: APIFixture, _ client: any TestClientProtocol) async throws -> SignoffStatus {
        try await client.execute(uri: "/api/v1/handovers/\(id)/signoffs", method: .get, headers: f.headers(f.org.alice)) { try $0.decode(SignoffStatus.self) }
    }

    @Test(arguments: TestDatabases.engines) func bothSignaturesCompleteItAndTheCertificateVerifiesOffline(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let handover = try await Self.submitted(f)
        try await f.test { client in
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            try await alice.enrol(client, f)
            try await bob.enrol(client, f)
            #expect(try await alice.sign(handover.id, client, f).status == .created)
            // The recipient signs only after restating it in their own words.
            let early = try await bob.sign(handover.id, client, f)
            #expect(early.status == .conflict)
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/acknowledge", method: .post, headers: f.headers(f.org.bob), body: body(Self.synthesis)) {
                #expect($0.status == .ok)
            }
            #expect(try await Self.status(handover.id, f, client).missing == [.recipient], "the transferor's signature survives acknowledgment: same content")
            #expect(try await bob.sign(handover.id, client, f).status == .created)
            #expect(try await bob.sign(handover.id, client, f).status == .conflict, "one sign-off per role and content")
            #expect(try await Self.status(handover.id, f, client).missing.isEmpty)
            // Certificates exist only once it is completed.
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/certificate", method: .get, headers: f.headers(f.org.alice)) {
                #expect($0.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { #expect($0.status == .ok) }

            let data = try await client.execute(uri: "/api/v1/handovers/\(handover.id)/certificate", method: .get, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .ok)
                return Data(r.body.readableBytesView)
            }
            let key = try await client.execute(uri: "/api/v1/audit/checkpoint", method: .get, headers: f.headers(f.org.auditor)) {
                try NoteVerifier(keyString: try $0.decode(CheckpointResponse.self).verifierKey)
            }
            let certificate = try JSONDecoder().decode(CompletionCertificate.self, from: data)
            let result = certificate.verify(pinnedKey: key)
            #expect(result.ok, "\(result.failure ?? "")")
            #expect(result.keyPinned && result.signoffsVerified == 2)
            #expect(Set(certificate.signoffs.map(\.keyID)) == [alice.keyID, bob.keyID])
            #expect(certificate.signoffs.allSatisfy { $0.authentication.contains("API token") })
            let events = certificate.timeline.map(\.event)
            for event in ["created", "sent", "viewed", "acknowledged", "signed", "completed"] { #expect(events.contains(event), "timeline lacks \(event)") }
            #expect(certificate.timeline.first { $0.event == "viewed" }?.actor == f.org.bob.id)
            #expect(certificate.handover.contentDigest == (try CanonicalJSON.digest(ContentFixtures.complete(ContentFixtures.customerTemplate))))

            // Any change to the certificate is caught, and named.
            func tampered(_ change: (inout CompletionCertificate) -> Void) -> String {
                var copy = certificate
                change(&copy)
                return copy.verify(pinnedKey: key).failure ?? "verified"
            }
            #expect(tampered { $0.audit.entries[0].actor = f.org.carol.id }.contains("not in the signed log"))
            #expect(tampered { $0.handover.contentDigest = String(repeating: "0", count: 64) }.contains("signed content"))
            #expect(tampered { $0.timeline[0].at = "2020-01-01T00:00:00.000Z" }.contains("is dated"))
            #expect(tampered { $0.signoffs.removeAll { $0.role == .recipient } }.contains("recipient"))
            #expect(
                tampered { $0.keys[0].publicKey = Curve25519.Signing.PrivateKey().publicKey.rawRepresentation.base64EncodedString() }.contains(
                    "does not match its public key"))
            #expect(
                tampered { c in
                    // A forged sign-off: Bob's envelope re-signed by a stranger's key under Bob's key id.
                    let forger = Curve25519.Signing.PrivateKey()
                    let index = c.signoffs.firstIndex { $0.role == .recipient }!
                    let body = Data(base64Encoded: c.signoffs[index].envelope.payload)!
                    var envelope = try! DSSEEnvelope.sign(payload: Array(body), type: SignoffPayload.type, key: forger)
                    envelope.signatures[0].keyid = c.signoffs[index].keyID
                    c.signoffs[index].envelope = envelope
                }.contains("does not match"))
            let stranger = try NoteVerifier(keyString: LogSigner(origin: key.name, key: .init()).verifier.keyString)
            #expect(!certificate.verify(pinnedKey: stranger).ok)
        }
    }

    @Test func forgedStaleAndMisdirectedSignoffsAreRefused() async throws {
        let f = try await APIFixture.make()
        let handover = try await Self.submitted(f)
        try await f.test { client in
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            try await alice.enrol(client, f)
            try await bob.enrol(client, f)
            func refused(_ r: TestResponse, _ status: HTTPResponse.Status, _ words: String) {
                #expect(r.status == status, "\(String(buffer: r.body))")
                let text = (r.problem?.detail ?? "") + " " + (r.problem?.errors?.map(\.message).joined(separator: " ") ?? "")
                #expect(text.contains(words), "\(text)")
            }
            refused(try await alice.sign(handover.id, client, f) { $0.version -= 1 }, .conflict, "version")
            refused(try await alice.sign(handover.id, client, f) { $0.contentDigest = String(repeating: "a", count: 64) }, .conflict, "different content")
            refused(try await alice.sign(handover.id, client, f) { $0.statement = "ok" }, .unprocessableContent, "must be exactly")
            refused(try await alice.sign(handover.id, client, f) { $0.signer = f.org.bob.id }, .unprocessableContent, "not you")
            refused(try await alice.sign(handover.id, client, f) { $0.time = RFC3339.format(Date().addingTimeInterval(-1200)) }, .unprocessableContent, "clock")
            refused(try await alice.sign(handover.id, client, f) { $0.time = "yesterday" }, .unprocessableContent, "RFC 3339")
            refused(try await alice.sign(handover.id, role: .manager, client, f), .forbidden, "does not ask for a manager")
            // The wrong payload type, a key that is not enrolled, someone else's key.
            let payload = try SignoffPayload(signing: handover, signer: f.org.alice.id, role: .transferor, at: Date())
            for (envelope, words) in [
                (try alice.envelope(payload, type: "application/json"), "must be a DSSE envelope"),
                (try TestSigner(member: f.org.alice).envelope(payload), "not signed by a key you enrolled"),
                (try bob.envelope(payload), "not signed by a key you enrolled"),
            ] {
                refused(
                    try await client.execute(
                        uri: "/api/v1/handovers/\(handover.id)/signoffs", method: .post, headers: f.headers(f.org.alice),
                        body: try body(["envelope": envelope])
                    ) { $0 }, .unprocessableContent, words)
            }
            // Strangers see nothing; auditors sign nothing.
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/signoffs", method: .post, headers: f.headers(f.other.alice),
                body: try body(["envelope": try alice.envelope(payload)])
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/signoffs", method: .get, headers: f.headers(f.org.carol)) { #expect($0.status == .notFound) }
            #expect(try await Self.status(handover.id, f, client).signoffs.isEmpty, "nothing refused was recorded")

            // A sign-off over content that then changes stops counting.
            #expect(try await alice.sign(handover.id, client, f).status == .created)
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/return", method: .post, headers: f.headers(f.org.bob), body: body(#"{"reason": "Say who the CFO is."}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/revise", method: .post, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"content": {"overview": {"summary": "Acme Corp: freight, 40 seats; the CFO is Dana Lee."}}}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/submit", method: .post, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            let after = try await Self.status(handover.id, f, client)
            #expect(after.signoffs.count == 1 && after.valid.isEmpty && after.missing == [.transferor, .recipient])
            #expect(try await alice.sign(handover.id, client, f).status == .created, "signing the new content is a new sign-off")

            // A revoked key's sign-offs stop counting, and it signs nothing more.
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/acknowledge", method: .post, headers: f.headers(f.org.bob), body: body(Self.synthesis)) {
                #expect($0.status == .ok)
            }
            #expect(try await bob.sign(handover.id, client, f).status == .created)
            try await client.execute(uri: "/api/v1/keys/\(bob.keyID)", method: .delete, headers: f.headers(f.other.admin)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/keys/\(bob.keyID)", method: .delete, headers: f.headers(f.org.alice)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/keys/\(bob.keyID)", method: .delete, headers: f.headers(f.org.bob)) { #expect($0.status == .noContent) }
            #expect(try await Self.status(handover.id, f, client).missing == [.recipient])
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { r in
                refused(r, .conflict, "recipient")
            }
            let fresh = TestSigner(member: f.org.bob)
            try await fresh.enrol(client, f)
            #expect(try await fresh.sign(handover.id, client, f).status == .created)
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { #expect($0.status == .ok) }
        }
    }

    @Test func enrolmentProvesPossessionAndIsLogged() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            let alice = TestSigner(member: f.org.alice)
            func enrol(_ member: Member, _ payload: ByteBuffer) async throws -> HTTPResponse.Status {
                try await client.execute(uri: "/api/v1/keys", method: .post, headers: f.headers(member), body: payload) { $0.status }
            }
            #expect(try await enrol(f.org.alice, try alice.enrolment(signedBy: Curve25519.Signing.PrivateKey())) == .unprocessableContent, "signed by another key")
            #expect(try await enrol(f.org.alice, try alice.enrolment(member: f.org.bob.id)) == .unprocessableContent, "in someone else's name")
            #expect(try await enrol(f.org.bob, try alice.enrolment()) == .unprocessableContent, "Alice's enrolment sent by Bob")
            #expect(try await enrol(f.org.alice, try alice.enrolment(time: Date().addingTimeInterval(3600))) == .unprocessableContent, "an hour ahead")
            #expect(try await enrol(f.org.auditor, try TestSigner(member: f.org.auditor).enrolment()) == .forbidden)
            try await client.execute(uri: "/api/v1/keys", method: .post, headers: f.headers(f.org.alice), body: body(#"{"envelope": 3}"#)) {
                #expect($0.status == .badRequest)
            }
            #expect(try await enrol(f.org.alice, try alice.enrolment()) == .created)
            #expect(try await enrol(f.org.alice, try alice.enrolment()) == .ok, "enrolling the same key again returns it")

            let keys = try await client.execute(uri: "/api/v1/keys", method: .get, headers: f.headers(f.org.alice)) { try $0.decode(ListResponse<SigningKey>.self).items }
            #expect(keys.map(\.id) == [alice.keyID] && keys[0].origin == "cli")
            try await client.execute(uri: "/api/v1/keys?member=\(f.org.alice.id)", method: .get, headers: f.headers(f.org.bob)) { #expect($0.status == .forbidden) }
            let foreign = try await client.execute(uri: "/api/v1/keys", method: .get, headers: f.headers(f.other.admin)) {
                try $0.decode(ListResponse<SigningKey>.self).items
            }
            #expect(foreign.isEmpty, "another organization sees none of ours")
            let bundle = try await AuditLogTests.bundle(f, client)
            let enrolled = try #require(bundle.entries.first { $0.action == "key.enrol" })
            let keyDigest = try keys[0].auditDigest
            #expect(enrolled.target == "key:\(alice.keyID)" && enrolled.actor == f.org.alice.id && enrolled.digest == keyDigest)
            // The server keeps the public key and nothing private: the table has no other key material.
            let stored = try #require(try await f.store.signingKey(id: alice.keyID, organizationID: f.org.organization.id))
            #expect(stored.publicKey == alice.key.publicKey.rawRepresentation.base64EncodedString())
        }
    }

    @Test func aTemplateCanAlsoAskForTheManager() async throws {
        let f = try await APIFixture.make()
        let handover = try await Self.submitted(f, templateKey: "it-offboarding")
        try await f.test { client in
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            let manager = TestSigner(member: f.org.manager), carol = TestSigner(member: f.org.carol)
            for signer in [alice, bob, manager, carol] { try await signer.enrol(client, f) }
            let first = try await alice.sign(handover.id, client, f)
            #expect(first.status == .created, "\(String(buffer: first.body))")
            #expect(try await manager.sign(handover.id, client, f).status == .conflict, "a manager signs after the recipient acknowledged")
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/acknowledge", method: .post, headers: f.headers(f.org.bob), body: body(Self.synthesis)) {
                #expect($0.status == .ok)
            }
            #expect(try await bob.sign(handover.id, client, f).status == .created)
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.detail.contains("manager") == true)
            }
            // Carol manages neither party: she cannot even see it.
            let current = try #require(try await f.store.handover(id: handover.id, organizationID: f.org.organization.id))
            let forged = try carol.envelope(try SignoffPayload(signing: current, signer: f.org.carol.id, role: .manager, at: Date()))
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/signoffs", method: .post, headers: f.headers(f.org.carol),
                body: try body(["envelope": forged])
            ) { #expect($0.status == .notFound) }
            #expect(try await manager.sign(handover.id, client, f).status == .created)
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.manager)) { #expect($0.status == .ok) }
            let certificate = try await client.execute(uri: "/api/v1/handovers/\(handover.id)/certificate", method: .get, headers: f.headers(f.org.auditor)) { r in
                guard r.status == .ok else { throw TestFailure("certificate: \(r.status) \(String(buffer: r.body))") }
                return try JSONDecoder().decode(CompletionCertificate.self, from: Data(r.body.readableBytesView))
            }
            #expect(certificate.verify().ok && certificate.signoffs.count == 3)
            #expect(certificate.parties.contains { $0.role == .manager && $0.member == f.org.manager.id })
        }
    }
}
