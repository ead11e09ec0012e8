import Crypto
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Physical assets and custody transfers over the API, on both engines: who registers and sees
/// items; the difference log (missing, damaged, extra); signatures checked as sign-offs are
/// (wrong key, altered payload, a record changed after signing, signing before the receipt, a
/// non-party: each refused with no change); completion moving every item at once; and the chain
/// of custody verified offline, failing when an entry is altered.
@Suite struct CustodyTests {
    typealias Client = any TestClientProtocol

    /// Sends `json` (or nothing) as `member` and returns the response after checking its status.
    @discardableResult
    static func call(
        _ client: Client, _ f: APIFixture, _ method: HTTPRequest.Method, _ uri: String, as member: Member, json: ByteBuffer? = nil,
        expect status: HTTPResponse.Status, _ comment: String = ""
    ) async throws -> TestResponse {
        try await client.execute(uri: uri, method: method, headers: f.headers(member), body: json) { r in
            #expect(r.status == status, "\(method) \(uri) as \(member.name) \(comment): \(String(buffer: r.body))")
            return r
        }
    }

    static func register(
        _ client: Client, _ f: APIFixture, _ kind: PhysicalAssetKind, _ name: String, serial: String? = nil, holder: Member, account: String? = nil,
        by actor: Member
    ) async throws -> PhysicalAsset {
        let request = CreatePhysicalAssetRequest(kind: kind, name: name, serial: serial, location: "Office 2", custodianID: holder.id, accountID: account)
        return try await call(client, f, .post, "/api/v1/assets", as: actor, json: try body(request), expect: .created).decode(PhysicalAsset.self)
    }

    static func transfer(_ client: Client, _ f: APIFixture, _ id: String, as member: Member) async throws -> CustodyTransferResponse {
        try await call(client, f, .get, "/api/v1/custody-transfers/\(id)", as: member, expect: .ok).decode(CustodyTransferResponse.self)
    }

    /// The statement `signer` would sign for the transfer as the API shows it now, signed with `key`.
    static func envelope(
        _ client: Client, _ f: APIFixture, _ id: String, signer: TestSigner, key: Curve25519.Signing.PrivateKey? = nil, readBy reader: Member? = nil,
        adjust: (inout CustodyStatement) -> Void = { _ in }
    ) async throws -> DSSEEnvelope {
        let transfer = try await Self.transfer(client, f, id, as: reader ?? signer.member).transfer
        var statement = try CustodyStatement(signing: transfer, signer: signer.member.id, role: transfer.role(of: signer.member.id) ?? .giver, at: Date())
        adjust(&statement)
        return try DSSEEnvelope.sign(payload: try statement.canonicalBytes(), type: CustodyStatement.type, key: key ?? signer.key)
    }

    @discardableResult
    static func sign(
        _ client: Client, _ f: APIFixture, _ id: String, _ envelope: DSSEEnvelope, as member: Member, expect status: HTTPResponse.Status, _ comment: String = ""
    )
        async throws -> TestResponse
    {
        try await call(
            client, f, .post, "/api/v1/custody-transfers/\(id)/signatures", as: member, json: try body(CustodySignatureRequest(envelope: envelope)), expect: status,
            comment)
    }

    static func asset(_ f: APIFixture, _ id: String) async throws -> PhysicalAsset {
        try #require(try await f.store.physicalAsset(id: id, organizationID: f.org.organization.id))
    }

    @Test(arguments: TestDatabases.engines) func adminsAndManagersRegisterAndEachSeesWhatTheyMay(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let carols = try await f.org.account(f.org.carol, in: f.store, name: "Server room")
        let theirAccount = try await f.other.account(f.other.alice, in: f.store, name: "Theirs")
        try await f.test { client in
            let laptop = try await Self.register(client, f, .laptop, "ThinkPad X1", serial: "PF-1234", holder: f.org.alice, by: f.org.admin)
            let key = try await Self.register(client, f, .key, "Server room key", holder: f.org.bob, account: carols.id, by: f.org.manager)
            #expect(laptop.custodianID == f.org.alice.id && laptop.condition == .good && laptop.serial == "PF-1234" && laptop.version == 1)
            let request = CreatePhysicalAssetRequest(kind: .badge, name: "Badge", custodianID: f.org.alice.id)
            try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.alice, json: try body(request), expect: .forbidden, "a member registers nothing")
            try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.auditor, json: try body(request), expect: .forbidden)
            let duplicate = CreatePhysicalAssetRequest(kind: .laptop, name: "Another", serial: "PF-1234", custodianID: f.org.bob.id)
            try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.admin, json: try body(duplicate), expect: .conflict, "a serial is unique")
            let leaked = CreatePhysicalAssetRequest(kind: .hardwareToken, name: "token password: hunter2hunter2", custodianID: f.org.bob.id)
            let refused = try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.admin, json: try body(leaked), expect: .unprocessableContent)
            #expect(refused.problem?.errors?.first?.path == "name" && !String(buffer: refused.body).contains("hunter2"))
            let toAuditor = CreatePhysicalAssetRequest(kind: .phone, name: "Phone", custodianID: f.org.auditor.id)
            try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.admin, json: try body(toAuditor), expect: .unprocessableContent)
            let theirs = CreatePhysicalAssetRequest(kind: .phone, name: "Phone", custodianID: f.org.bob.id, accountID: theirAccount.id)
            try await Self.call(client, f, .post, "/api/v1/assets", as: f.org.admin, json: try body(theirs), expect: .notFound, "another organization's account")

            func visible(to member: Member) async throws -> Set<String> {
                Set(try await Self.call(client, f, .get, "/api/v1/assets", as: member, expect: .ok).decode(ListResponse<PhysicalAsset>.self).items.map(\.id))
            }
            #expect(try await visible(to: f.org.alice) == [laptop.id], "what she holds")
            #expect(try await visible(to: f.org.bob) == [key.id])
            #expect(try await visible(to: f.org.carol) == [key.id], "the key of the account she owns")
            #expect(try await visible(to: f.org.manager) == [laptop.id, key.id], "what the manager's reports hold")
            #expect(try await visible(to: f.org.auditor) == [laptop.id, key.id])
            #expect(try await visible(to: f.other.admin).isEmpty)
            try await Self.call(client, f, .get, "/api/v1/assets/\(key.id)", as: f.org.alice, expect: .notFound, "not hers to see")
            try await Self.call(client, f, .get, "/api/v1/assets?custodian=\(f.org.alice.id)", as: f.other.admin, expect: .notFound)
            for uri in ["/api/v1/assets/\(laptop.id)", "/api/v1/assets/\(laptop.id)/history"] {
                try await Self.call(client, f, .get, uri, as: f.other.admin, expect: .notFound)
            }

            let move = try body(UpdatePhysicalAssetRequest(location: "Locker 12", condition: .worn))
            try await Self.call(client, f, .patch, "/api/v1/assets/\(laptop.id)", as: f.other.admin, json: move, expect: .notFound)
            try await Self.call(client, f, .patch, "/api/v1/assets/\(laptop.id)", as: f.org.auditor, json: move, expect: .forbidden)
            try await Self.call(client, f, .patch, "/api/v1/assets/\(laptop.id)", as: f.org.alice, json: move, expect: .forbidden)
            let edited = try await Self.call(client, f, .patch, "/api/v1/assets/\(laptop.id)", as: f.org.manager, json: move, expect: .ok).decode(PhysicalAsset.self)
            #expect(edited.location == "Locker 12" && edited.condition == .worn && edited.version == 2 && edited.custodianID == f.org.alice.id)
            try await Self.call(
                client, f, .patch, "/api/v1/assets/\(laptop.id)", as: f.org.admin, json: try body(["custodianID": f.org.bob.id]), expect: .badRequest,
                "custody moves only by a transfer")
            let entries = try await f.store.auditEntries(organizationID: f.org.organization.id, targets: ["asset:\(laptop.id)"]).map(\.entry.action)
            #expect(entries == ["asset.create", "asset.update"])
        }
    }

    /// Alice holds a laptop, a badge and a token; Bob receives the laptop, records the badge
    /// missing and the token damaged, and two extras (one to register).
    @Test(arguments: TestDatabases.engines) func theDifferenceLogIsSignedByBothAndCompletionMovesCustodyAtOnce(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let laptop = try await Self.register(client, f, .laptop, "ThinkPad X1", serial: "PF-1", holder: f.org.alice, by: f.org.admin)
            let badge = try await Self.register(client, f, .badge, "Badge 0042", serial: "B-42", holder: f.org.alice, by: f.org.admin)
            let token = try await Self.register(client, f, .hardwareToken, "YubiKey", holder: f.org.alice, by: f.org.admin)
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob), carol = TestSigner(member: f.org.carol)
            let admin = TestSigner(member: f.org.admin)
            for signer in [alice, bob, carol, admin] { try await signer.enrol(client, f) }

            let start = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.bob.id))
            try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.carol, json: start, expect: .forbidden, "not a party nor their manager")
            try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.other.admin, json: start, expect: .notFound)
            let started = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.manager, json: start, expect: .created)
                .decode(CustodyTransferResponse.self)
            let id = started.transfer.id
            #expect(Set(started.transfer.items.map(\.asset)) == [laptop.id, badge.id, token.id] && started.transfer.state == .awaitingReceipt)
            #expect(started.missing == [.giver, .receiver])

            // Signing before the receipt: refused, nothing recorded.
            try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: alice), as: f.org.alice, expect: .conflict, "before the receipt")
            try await Self.call(client, f, .get, "/api/v1/custody-transfers/\(id)/payload", as: f.org.alice, expect: .conflict)

            func receipt(badgeNote: String = "", tokenNote: String? = "Cracked casing") throws -> ByteBuffer {
                try body(
                    CustodyReceiptRequest(
                        items: [
                            CustodyReceiptItem(asset: laptop.id, outcome: .received),
                            CustodyReceiptItem(asset: badge.id, outcome: .missing, note: badgeNote.isEmpty ? nil : badgeNote),
                            CustodyReceiptItem(asset: token.id, outcome: .damaged, note: tokenNote),
                        ],
                        extras: [CustodyExtraInput(description: "USB-C charger"), CustodyExtraInput(description: "Desk drawer key", kind: .key, serial: "DK-7")]))
            }
            let receiptURI = "/api/v1/custody-transfers/\(id)/receipt"
            try await Self.call(client, f, .put, receiptURI, as: f.org.alice, json: try receipt(), expect: .forbidden, "only the receiver records")
            try await Self.call(client, f, .put, receiptURI, as: f.org.carol, json: try receipt(), expect: .notFound, "a non-party sees nothing")
            try await Self.call(client, f, .put, receiptURI, as: f.other.admin, json: try receipt(), expect: .notFound)
            let noNote = try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(tokenNote: nil), expect: .unprocessableContent)
            #expect(noNote.problem?.errors?.first?.path == "items[2].note")
            let partial = try body(CustodyReceiptRequest(items: [CustodyReceiptItem(asset: laptop.id, outcome: .received)]))
            try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: partial, expect: .unprocessableContent, "every expected item")
            try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(badgeNote: "aws key AKIAIOSFODNN7EXAMPLE"), expect: .unprocessableContent)
            let recorded = try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(), expect: .ok).decode(CustodyTransferResponse.self)
            #expect(recorded.transfer.state == .awaitingSignatures && recorded.transfer.extras.count == 2)
            let outcomes = Dictionary(uniqueKeysWithValues: recorded.transfer.items.map { ($0.asset, $0.outcome) })
            #expect(outcomes == [laptop.id: .received, badge.id: .missing, token.id: .damaged])

            // The payload endpoint gives exactly what the CLI builds.
            let payload = try await Self.call(client, f, .get, "/api/v1/custody-transfers/\(id)/payload", as: f.org.alice, expect: .ok).decode(
                CustodyPayloadResponse.self)
            #expect(payload.fields.recordDigest == recorded.recordDigest && payload.fields.role == .giver && payload.fields.items.count == 3)

            // Refusals, each leaving no signature.
            try await Self.sign(
                client, f, id, try await Self.envelope(client, f, id, signer: bob, key: Curve25519.Signing.PrivateKey()), as: f.org.bob,
                expect: .unprocessableContent, "a key he never enrolled")
            try await Self.sign(
                client, f, id, try await Self.envelope(client, f, id, signer: alice, key: bob.key), as: f.org.alice, expect: .unprocessableContent, "Bob's key")
            var altered = try await Self.envelope(client, f, id, signer: alice)
            let forged = try await Self.envelope(client, f, id, signer: alice) { for i in $0.items.indices { $0.items[i].outcome = .received } }
            altered.payload = forged.payload
            try await Self.sign(client, f, id, altered, as: f.org.alice, expect: .unprocessableContent, "payload altered after signing")
            let honestForgery = try await Self.envelope(client, f, id, signer: alice) { for i in $0.items.indices { $0.items[i].outcome = .received } }
            try await Self.sign(client, f, id, honestForgery, as: f.org.alice, expect: .conflict, "a record other than the current one")
            try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: admin), as: f.org.admin, expect: .forbidden, "an admin is no party")
            try await Self.sign(
                client, f, id, try await Self.envelope(client, f, id, signer: carol, readBy: f.org.admin), as: f.org.carol, expect: .notFound, "carol cannot see it")
            let wrongRole = try await Self.envelope(client, f, id, signer: alice) {
                $0.role = .receiver; $0.statement = CustodyRules.statement(for: .receiver)
            }
            try await Self.sign(client, f, id, wrongRole, as: f.org.alice, expect: .forbidden, "the giver signs as giver")
            #expect(try await Self.transfer(client, f, id, as: f.org.bob).signatures.isEmpty)

            // Alice signs; Bob then changes the record, which voids her signature: her old envelope is 409.
            let first = try await Self.envelope(client, f, id, signer: alice)
            let afterAlice = try await Self.sign(client, f, id, first, as: f.org.alice, expect: .created).decode(CustodyTransferResponse.self)
            #expect(afterAlice.transfer.state == .awaitingSignatures && afterAlice.missing == [.receiver])
            try await Self.sign(client, f, id, first, as: f.org.alice, expect: .conflict, "the same record twice")
            try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(badgeNote: "Not in the box"), expect: .ok)
            let changed = try await Self.transfer(client, f, id, as: f.org.alice)
            #expect(changed.valid.isEmpty && changed.missing == [.giver, .receiver] && changed.signatures.count == 1)
            try await Self.sign(client, f, id, first, as: f.org.alice, expect: .conflict, "signed before the record changed")
            #expect(try await Self.asset(f, laptop.id).custodianID == f.org.alice.id, "nothing moved yet")

            // Both sign the current record: custody moves in one go.
            try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: alice), as: f.org.alice, expect: .created)
            let done = try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: bob), as: f.org.bob, expect: .created)
                .decode(CustodyTransferResponse.self)
            #expect(done.transfer.state == .completed && done.missing.isEmpty && done.valid.count == 2)
            let movedLaptop = try await Self.asset(f, laptop.id), lostBadge = try await Self.asset(f, badge.id), brokenToken = try await Self.asset(f, token.id)
            #expect(movedLaptop.custodianID == f.org.bob.id && movedLaptop.condition == .good)
            #expect(lostBadge.custodianID == f.org.alice.id && lostBadge.condition == .lost, "a missing item stays with its last custodian, lost")
            #expect(brokenToken.custodianID == f.org.bob.id && brokenToken.condition == .damaged)
            let registered = try #require(done.transfer.extras.first { $0.kind == .key }?.asset)
            let drawerKey = try await Self.asset(f, registered)
            #expect(drawerKey.custodianID == f.org.bob.id && drawerKey.serial == "DK-7" && drawerKey.name == "Desk drawer key")
            #expect(done.transfer.extras.first { $0.kind == nil }?.asset == nil, "words only stay words")
            for (asset, outcome, to) in [(laptop, CustodyOutcome.received, f.org.bob), (badge, .missing, f.org.alice), (token, .damaged, f.org.bob)] {
                let entries = try await f.store.auditEntries(organizationID: f.org.organization.id, targets: ["asset:\(asset.id)"]).map(\.entry)
                let custody = try #require(entries.first { $0.action == "asset.custody" })
                let envelopes = try done.signatures.filter { done.valid.contains($0.id) }.sorted { $0.role == .giver && $1.role == .receiver }
                    .map { try CustodyAudit.envelopeDigest($0.envelope) }
                #expect(
                    custody.digest
                        == (try CustodyAudit.entryDigest(
                            asset: asset.id, from: f.org.alice.id, to: to.id, transfer: id, outcome: outcome, recordDigest: done.recordDigest, envelopes: envelopes)))
            }
            // Completed: its record and signatures are final.
            try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(), expect: .conflict)
            try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: bob), as: f.org.bob, expect: .conflict)
            // Bob now holds the laptop, token and drawer key; the badge is not Alice's to hand over again.
            let next = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.carol.id))
            try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: next, expect: .unprocessableContent, "she holds nothing")
        }
    }

    /// A transfer that belongs to a handover must be between its transferor and recipient.
    @Test(arguments: TestDatabases.engines) func aTransferMayBelongToAHandoverBetweenTheSameTwo(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        try await f.test { client in
            _ = try await Self.register(client, f, .laptop, "MacBook", holder: f.org.alice, by: f.org.admin)
            let wrong = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.carol.id, handoverID: handover.id))
            let refused = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: wrong, expect: .unprocessableContent)
            #expect(refused.problem?.errors?.first?.path == "handoverID")
            let right = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.bob.id, handoverID: handover.id))
            let started = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.alice, json: right, expect: .created)
                .decode(CustodyTransferResponse.self)
            #expect(started.transfer.handoverID == handover.id)
            let theirs = try body(StartCustodyTransferRequest(fromID: f.other.alice.id, toID: f.org.bob.id))
            try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: theirs, expect: .notFound)
            for member in [f.org.alice, f.org.bob, f.org.manager, f.org.auditor] {
                let list = try await Self.call(client, f, .get, "/api/v1/custody-transfers", as: member, expect: .ok).decode(ListResponse<CustodyTransfer>.self)
                #expect(list.items.map(\.id) == [started.transfer.id], "\(member.name)")
            }
            for member in [f.org.carol, f.other.admin] {
                #expect(
                    try await Self.call(client, f, .get, "/api/v1/custody-transfers", as: member, expect: .ok).decode(ListResponse<CustodyTransfer>.self).items.isEmpty)
            }
            for uri in ["", "/payload"] {
                try await Self.call(client, f, .get, "/api/v1/custody-transfers/\(started.transfer.id)\(uri)", as: f.other.admin, expect: .notFound)
                try await Self.call(client, f, .get, "/api/v1/custody-transfers/\(started.transfer.id)\(uri)", as: f.org.carol, expect: .notFound)
            }
        }
    }

    /// Two transfers of the same laptop: once one completes, the other cannot, and its
    /// completion changes nothing (not even the signature that tried).
    @Test(arguments: TestDatabases.engines) func aTransferWhoseItemMovedSinceFailsAsAWhole(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let laptop = try await Self.register(client, f, .laptop, "ThinkPad", holder: f.org.alice, by: f.org.admin)
            let badge = try await Self.register(client, f, .badge, "Badge", holder: f.org.alice, by: f.org.admin)
            let signers = [f.org.alice, f.org.bob, f.org.carol].map { TestSigner(member: $0) }
            for signer in signers { try await signer.enrol(client, f) }
            var ids: [String] = []
            for receiver in [signers[1], signers[2]] {
                let start = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: receiver.member.id))
                let id = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
                    .decode(CustodyTransferResponse.self).transfer.id
                let receipt = try body(
                    CustodyReceiptRequest(items: [CustodyReceiptItem(asset: laptop.id, outcome: .received), CustodyReceiptItem(asset: badge.id, outcome: .received)]))
                try await Self.call(client, f, .put, "/api/v1/custody-transfers/\(id)/receipt", as: receiver.member, json: receipt, expect: .ok)
                try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: signers[0]), as: f.org.alice, expect: .created)
                ids.append(id)
            }
            try await Self.sign(client, f, ids[0], try await Self.envelope(client, f, ids[0], signer: signers[1]), as: f.org.bob, expect: .created)
            let refused = try await Self.sign(client, f, ids[1], try await Self.envelope(client, f, ids[1], signer: signers[2]), as: f.org.carol, expect: .conflict)
            #expect(refused.problem?.detail.contains("no longer held by the giver") == true)
            let second = try await Self.transfer(client, f, ids[1], as: f.org.carol)
            #expect(second.transfer.state == .awaitingSignatures && second.signatures.count == 1, "the refused signature is not kept")
            let (movedLaptop, movedBadge) = (try await Self.asset(f, laptop.id), try await Self.asset(f, badge.id))
            #expect(movedLaptop.custodianID == f.org.bob.id && movedBadge.custodianID == f.org.bob.id)
        }
    }

    /// The laptop goes Alice → Bob → Carol; its history verifies offline, and fails when an entry
    /// is altered in the document or in the database.
    @Test(arguments: TestDatabases.engines) func theChainOfCustodyVerifiesAndAnAlteredEntryFails(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let laptop = try await Self.register(client, f, .laptop, "ThinkPad X1", serial: "PF-9", holder: f.org.alice, by: f.org.admin)
            let signers = [f.org.alice, f.org.bob, f.org.carol].map { TestSigner(member: $0) }
            for signer in signers { try await signer.enrol(client, f) }
            for (giver, receiver) in [(signers[0], signers[1]), (signers[1], signers[2])] {
                let start = try body(StartCustodyTransferRequest(fromID: giver.member.id, toID: receiver.member.id))
                let id = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
                    .decode(CustodyTransferResponse.self).transfer.id
                let receipt = try body(CustodyReceiptRequest(items: [CustodyReceiptItem(asset: laptop.id, outcome: .received)]))
                try await Self.call(client, f, .put, "/api/v1/custody-transfers/\(id)/receipt", as: receiver.member, json: receipt, expect: .ok)
                for signer in [receiver, giver] {
                    try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: signer), as: signer.member, expect: .created)
                }
            }
            let uri = "/api/v1/assets/\(laptop.id)/history"
            let history = try await Self.call(client, f, .get, uri, as: f.org.carol, expect: .ok).decode(CustodyHistory.self)
            let key = try NoteVerifier(keyString: history.audit.verifierKey)
            let result = history.verify(pinnedKey: key)
            #expect(result.ok, "\(result.failure ?? "")")
            #expect(history.links.map(\.from) == [f.org.alice.id, f.org.bob.id] && history.links.map(\.to) == [f.org.bob.id, f.org.carol.id])
            #expect(result.linksVerified == 2 && result.signaturesVerified == 4 && history.createdCustodian == f.org.alice.id)
            try await Self.call(client, f, .get, uri, as: f.org.alice, expect: .notFound, "she no longer holds it")
            try await Self.call(client, f, .get, uri, as: f.org.auditor, expect: .ok)

            // Tampering with the document: a link rerouted, an entry's digest, a statement's payload.
            var rerouted = history
            rerouted.links[1].to = f.org.alice.id
            #expect(!rerouted.verify(pinnedKey: key).ok)
            var entry = history
            let custodyIndex = try #require(entry.audit.entries.firstIndex { $0.action == "asset.custody" })
            entry.audit.entries[custodyIndex].actor = f.org.admin.id
            let altered = entry.verify(pinnedKey: key)
            #expect(!altered.ok && altered.failure?.contains("not in the signed log") == true, "\(altered.failure ?? "")")
            var skipped = history
            skipped.links.removeFirst()
            #expect(skipped.verify(pinnedKey: key).failure?.contains("was with") == true, "a gap in the chain")
            #expect(!history.verify(pinnedKey: try NoteVerifier(keyString: LogKeysTestKey.other)).ok)

            // Tampering with the database: the custody entry's row rewritten behind the log's back.
            let seq = history.links[0].entry
            try await f.store.database.transaction { db in
                try await db.raw(
                    "UPDATE audit_entries SET digest = \(bind: String(repeating: "0", count: 64)) WHERE organization_id = \(bind: f.org.organization.id) AND seq = \(bind: seq)"
                ).run()
            }
            let served = try await Self.call(client, f, .get, uri, as: f.org.carol, expect: .ok).decode(CustodyHistory.self)
            let failed = served.verify(pinnedKey: key)
            #expect(!failed.ok && failed.failure?.contains("entry \(seq)") == true, "\(failed.failure ?? "")")
        }
    }
}

extension CustodyTests {
    /// Starts a transfer of `asset` from `giver` to `receiver`, records it received and has both
    /// sign (receiver first): custody moves. Returns the transfer's id.
    @discardableResult
    static func complete(_ client: Client, _ f: APIFixture, _ asset: PhysicalAsset, from giver: TestSigner, to receiver: TestSigner) async throws -> String {
        let start = try body(StartCustodyTransferRequest(fromID: giver.member.id, toID: receiver.member.id, assetIDs: [asset.id]))
        let id = try await call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
            .decode(CustodyTransferResponse.self).transfer.id
        let receipt = try body(CustodyReceiptRequest(items: [CustodyReceiptItem(asset: asset.id, outcome: .received)]))
        try await call(client, f, .put, "/api/v1/custody-transfers/\(id)/receipt", as: receiver.member, json: receipt, expect: .ok)
        for signer in [receiver, giver] { try await sign(client, f, id, try await envelope(client, f, id, signer: signer), as: signer.member, expect: .created) }
        #expect(try await transfer(client, f, id, as: f.org.admin).transfer.state == .completed)
        return id
    }

    static func history(_ client: Client, _ f: APIFixture, _ asset: PhysicalAsset) async throws -> CustodyHistory {
        try await call(client, f, .get, "/api/v1/assets/\(asset.id)/history", as: f.org.admin, expect: .ok).decode(CustodyHistory.self)
    }

    /// Revocation counts by its entry in the log. A key revoked after its transfer completed is
    /// fine; a revocation date with no entry is refused; and a key the log shows revoked before
    /// it signed (the server cleared the row's revocation and let it sign) fails verification.
    @Test(arguments: TestDatabases.engines) func aKeyRevokedBeforeItsTransferCompletedFailsVerification(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let badge = try await Self.register(client, f, .badge, "Badge", serial: "RV-B", holder: f.org.alice, by: f.org.admin)
            let laptop = try await Self.register(client, f, .laptop, "Laptop", serial: "RV-L", holder: f.org.alice, by: f.org.admin)
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob), carol = TestSigner(member: f.org.carol)
            for signer in [alice, bob, carol] { try await signer.enrol(client, f) }
            let organization = f.org.organization.id

            // Bob's key is revoked (logged), then un-revoked behind the log's back: it signs.
            try await f.store.revokeKey(id: bob.keyID, organizationID: organization, at: Date(), by: AuditActor(member: f.org.bob.id))
            try await f.store.database.transaction { db in try await db.raw("UPDATE signing_keys SET revoked_at = NULL WHERE id = \(bind: bob.keyID)").run() }
            try await Self.complete(client, f, badge, from: alice, to: bob)
            let forged = try await Self.history(client, f, badge)
            let logKey = try NoteVerifier(keyString: forged.audit.verifierKey)
            let bobsKey = try #require(forged.keys.first { $0.id == bob.keyID })
            #expect(bobsKey.revokedEntry != nil && bobsKey.revokedAt != nil, "the history shows the logged revocation, whatever the table says")
            let refused = forged.verify(pinnedKey: logKey)
            #expect(!refused.ok && refused.failure?.contains("revoked (entry") == true, "\(refused.failure ?? "")")

            // Carol's key is revoked after the laptop reached her: the chain holds.
            try await Self.complete(client, f, laptop, from: alice, to: carol)
            try await f.store.revokeKey(id: carol.keyID, organizationID: organization, at: Date(), by: AuditActor(member: f.org.admin.id))
            let history = try await Self.history(client, f, laptop)
            let result = history.verify(pinnedKey: logKey)
            #expect(result.ok, "\(result.failure ?? "")")
            let carolsKey = try #require(history.keys.first { $0.id == carol.keyID })
            #expect(try #require(carolsKey.revokedEntry) > history.links[0].entry && carolsKey.revokedAt != nil)

            // A revocation date the log does not back, or one other than the log's, is refused.
            var backdated = history
            let aliceIndex = try #require(backdated.keys.firstIndex { $0.id == alice.keyID })
            backdated.keys[aliceIndex].revokedAt = "2000-01-01T00:00:00.000Z"
            let stated = backdated.verify(pinnedKey: logKey)
            #expect(!stated.ok && stated.failure?.contains("does not include the entry that revoked it") == true, "\(stated.failure ?? "")")
            var redated = history
            let carolIndex = try #require(redated.keys.firstIndex { $0.id == carol.keyID })
            redated.keys[carolIndex].revokedAt = "2000-01-01T00:00:00.000Z"
            #expect(redated.verify(pinnedKey: logKey).failure?.contains("dated otherwise") == true)

            // What the offline check cannot see: a revocation the history leaves out (Docs/Custody.md).
            var silent = forged
            let bobIndex = try #require(silent.keys.firstIndex { $0.id == bob.keyID })
            silent.keys[bobIndex].revokedAt = nil
            silent.keys[bobIndex].revokedEntry = nil
            #expect(silent.verify(pinnedKey: logKey).ok)
        }
    }

    /// A key written into the table with no enrolment entry signs; its enrolment is logged only
    /// afterwards. The history shows the enrolment after the signature, and verification refuses it.
    @Test(arguments: TestDatabases.engines) func aKeyEnrolledAfterItSignedFailsVerification(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let phone = try await Self.register(client, f, .phone, "Phone", serial: "EA-1", holder: f.org.alice, by: f.org.admin)
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            try await alice.enrol(client, f)
            let key = SigningKey(
                id: bob.keyID, organizationID: f.org.organization.id, memberID: f.org.bob.id, publicKey: bob.key.publicKey.rawRepresentation.base64EncodedString(),
                origin: "cli", enrolledAt: Date(millis: Date().millis))
            try await f.store.database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO signing_keys (id, organization_id, member_id, public_key, origin, enrolled_at)
                    VALUES (\(bind: key.id), \(bind: key.organizationID), \(bind: key.memberID), \(bind: key.publicKey), 'cli', \(bind: key.enrolledAt.millis))
                    """
                ).run()
            }
            try await Self.complete(client, f, phone, from: alice, to: bob)
            try await f.store.database.transaction { db in try await db.raw("DELETE FROM signing_keys WHERE id = \(bind: key.id)").run() }
            try await f.store.enrolKey(key)
            let history = try await Self.history(client, f, phone)
            let result = history.verify(pinnedKey: try NoteVerifier(keyString: history.audit.verifierKey))
            #expect(!result.ok && result.failure?.contains("comes after the signature") == true, "\(result.failure ?? "")")
        }
    }

    /// The receiver lists an extra to register with serial DK-1; an admin registers DK-1 before
    /// the second signature. Completion is a conflict naming the extra (not "already signed"),
    /// nothing moves, and a new record without that serial completes.
    @Test(arguments: TestDatabases.engines) func anExtrasSerialTakenAfterTheReceiptIsAConflictNamingIt(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            for signer in [alice, bob] { try await signer.enrol(client, f) }
            let badge = try await Self.register(client, f, .badge, "Badge", serial: "XB-1", holder: f.org.alice, by: f.org.admin)
            let start = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.bob.id))
            let id = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
                .decode(CustodyTransferResponse.self).transfer.id
            func receipt(_ extra: CustodyExtraInput) throws -> ByteBuffer {
                try body(CustodyReceiptRequest(items: [CustodyReceiptItem(asset: badge.id, outcome: .received)], extras: [extra]))
            }
            let receiptURI = "/api/v1/custody-transfers/\(id)/receipt"
            try await Self.call(
                client, f, .put, receiptURI, as: f.org.bob, json: try receipt(CustodyExtraInput(description: "Drawer key", kind: .key, serial: "DK-1")), expect: .ok)
            _ = try await Self.register(client, f, .key, "Someone's key", serial: "DK-1", holder: f.org.carol, by: f.org.admin)
            try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: alice), as: f.org.alice, expect: .created)
            let refused = try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: bob), as: f.org.bob, expect: .conflict)
            let detail = try #require(refused.problem?.detail)
            #expect(detail.contains("\"Drawer key\"") && detail.contains("DK-1") && !detail.contains("already signed"), "\(detail)")
            let after = try await Self.transfer(client, f, id, as: f.org.bob)
            #expect(after.transfer.state == .awaitingSignatures && after.signatures.count == 1, "the refused signature is not kept")
            #expect(try await Self.asset(f, badge.id).custodianID == f.org.alice.id, "nothing moved")

            // Recording it again with the serial taken is refused at once, naming the extra.
            let again = try await Self.call(
                client, f, .put, receiptURI, as: f.org.bob, json: try receipt(CustodyExtraInput(description: "Drawer key", kind: .key, serial: "DK-1")),
                expect: .unprocessableContent)
            #expect(again.problem?.errors?.first?.path == "extras[0].serial" && again.problem?.errors?.first?.message.contains("Drawer key") == true)
            try await Self.call(client, f, .put, receiptURI, as: f.org.bob, json: try receipt(CustodyExtraInput(description: "Drawer key")), expect: .ok)
            for signer in [alice, bob] { try await Self.sign(client, f, id, try await Self.envelope(client, f, id, signer: signer), as: signer.member, expect: .created) }
            #expect(try await Self.asset(f, badge.id).custodianID == f.org.bob.id)
        }
    }

    /// An organization with more than 1,000 assets: the receipt still finds a taken serial
    /// (it looks the serial up, not among the first page of assets by name).
    @Test(arguments: TestDatabases.engines) func aTakenSerialIsFoundHoweverManyAssetsThereAre(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let badge = try await Self.register(client, f, .badge, "Badge", holder: f.org.alice, by: f.org.admin)
            _ = try await Self.register(client, f, .key, "Zebra room key", serial: "ZK-1", holder: f.org.carol, by: f.org.admin)
            try await Self.insertAssets(f, count: 1000, named: "A spare cable")
            let start = try body(StartCustodyTransferRequest(fromID: f.org.alice.id, toID: f.org.bob.id, assetIDs: [badge.id]))
            let id = try await Self.call(client, f, .post, "/api/v1/custody-transfers", as: f.org.admin, json: start, expect: .created)
                .decode(CustodyTransferResponse.self).transfer.id
            let receipt = try body(
                CustodyReceiptRequest(
                    items: [CustodyReceiptItem(asset: badge.id, outcome: .received)], extras: [CustodyExtraInput(description: "Zebra key", kind: .key, serial: "ZK-1")]))
            let refused = try await Self.call(client, f, .put, "/api/v1/custody-transfers/\(id)/receipt", as: f.org.bob, json: receipt, expect: .unprocessableContent)
            #expect(refused.problem?.errors?.first?.path == "extras[0].serial", "\(String(buffer: refused.body))")
        }
    }

    /// Writes `count` bare assets straight into the table (no audit entries: only their number matters).
    static func insertAssets(_ f: APIFixture, count: Int, named name: String) async throws {
        let prefix = UUID().uuidString.lowercased()  // the PostgreSQL test database is shared
        try await f.store.database.transaction { db in
            for batch in stride(from: 0, to: count, by: 250) {
                let rows = (batch..<min(batch + 250, count)).map { n in
                    "('\(prefix)-\(n)', '\(f.org.organization.id)', 'other', '\(name) \(n)', NULL, '', 'good', '\(f.org.carol.id)', NULL, 1, 0, 0)"
                }
                try await db.raw(
                    """
                    INSERT INTO physical_assets (id, organization_id, kind, name, serial, location, condition, custodian_id, account_id, version, created_at, updated_at)
                    VALUES \(unsafeRaw: rows.joined(separator: ", "))
                    """
                ).run()
            }
        }
    }

    /// The laptop's one transfer is older than the organization's newest 1,000: its chain still
    /// has the link (transfers are found by asset, not among the newest).
    @Test(arguments: TestDatabases.engines) func anAssetsHistoryFindsTransfersOlderThanTheNewestThousand(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        try await f.test { client in
            let laptop = try await Self.register(client, f, .laptop, "Laptop", holder: f.org.alice, by: f.org.admin)
            let alice = TestSigner(member: f.org.alice), bob = TestSigner(member: f.org.bob)
            for signer in [alice, bob] { try await signer.enrol(client, f) }
            let id = try await Self.complete(client, f, laptop, from: alice, to: bob)
            let later = Date().millis + 60_000, prefix = UUID().uuidString.lowercased()
            try await f.store.database.transaction { db in
                for batch in stride(from: 0, to: 1000, by: 250) {
                    let rows = (batch..<(batch + 250)).map { n in
                        "('\(prefix)-\(n)', '\(f.org.organization.id)', '\(f.org.carol.id)', '\(f.org.bob.id)', NULL, 'awaiting-receipt', '[]', '[]', 0, '\(f.org.admin.id)', \(later + Int64(n)))"
                    }
                    try await db.raw(
                        """
                        INSERT INTO custody_transfers (id, organization_id, from_id, to_id, handover_id, state, items, extras, receipt_version, started_by, created_at)
                        VALUES \(unsafeRaw: rows.joined(separator: ", "))
                        """
                    ).run()
                }
            }
            let history = try await Self.history(client, f, laptop)
            #expect(history.links.map(\.transfer) == [id] && history.createdCustodian == f.org.alice.id)
            let result = history.verify(pinnedKey: try NoteVerifier(keyString: history.audit.verifierKey))
            #expect(result.ok && result.linksVerified == 1, "\(result.failure ?? "")")
        }
    }
}

/// A verifier key of another log, for pinning the wrong one.
enum LogKeysTestKey {
    static let other: String = {
        let keys = try! LogKeys(secret: Array(repeating: 9, count: 32))
        return try! keys.signer(organizationID: "someone-else").verifier.keyString
    }()
}
