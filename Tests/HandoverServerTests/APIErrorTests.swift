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

/// Bad input gets a clear problem+json answer and changes nothing.
@Suite struct APIErrorTests {
    @Test func noCredentialsIs401AndABadTokenToo() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/accounts", method: .get) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[.contentType] == "application/problem+json")
            }
            try await client.execute(uri: "/api/v1/accounts", method: .get, headers: [.authorization: "Bearer hov_not-a-real-token"]) { r in
                #expect(r.status == .unauthorized)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func malformedJSONAndWrongTypesAre400NamingTheField() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            try await client.execute(uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice), body: body("{\"name\": ")) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice), body: body(#"{"name": 42, "kind": "customer"}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(r.problem?.errors?.first?.path == "name")
            }
            try await client.execute(uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice), body: body(#"{"name": "X", "kind": "spaceship"}"#)) { r in
                #expect(r.status == .badRequest)
                #expect(r.problem?.errors?.first?.path == "kind")
            }
            try await client.execute(uri: "/api/v1/accounts", method: .get, headers: f.headers(f.org.alice)) { r in
                let decoded = try r.decode(ListResponse<Account>.self); #expect(decoded.items.isEmpty)
            }
        }
    }

    @Test func contentOfTheWrongShapeIs422WithThePath() async throws {
        let f = try await APIFixture.make()
        let handover = try await f.org.handover(of: try await f.org.account(f.org.alice, in: f.store), to: f.org.bob, in: f.store)
        try await f.test { client in
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"content": {"renewal": {"renewalDate": "next spring"}, "contacts": {"keyContacts": "Jo"}}}"#)
            ) { r in
                #expect(r.status == .unprocessableContent)
                #expect(Set(r.problem?.errors?.map(\.path) ?? []) == ["renewal.renewalDate", "contacts.keyContacts"])
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.alice)) { r in
                let decoded = try r.decode(Handover.self); #expect(decoded.version == 1)
            }
        }
    }

    @Test func anOversizeBodyIs413() async throws {
        let f = try await APIFixture.make { $0.maxBodySize = 4096 }
        try await f.test { client in
            let big = #"{"name": "\#(String(repeating: "x", count: 10_000))", "kind": "customer"}"#
            try await client.execute(uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice), body: body(big)) { r in
                #expect(r.status == .contentTooLarge)
                #expect(r.problem?.status == 413)
            }
        }
    }

    @Test func invalidTransitionsAre409AndStaleWritesAre412() async throws {
        let f = try await APIFixture.make()
        let handover = try await f.org.handover(of: try await f.org.account(f.org.alice, in: f.store), to: f.org.bob, in: f.store)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice, ifMatch: "\"v7\""),
                body: body(#"{"content": {"risks": {"sentiment": "Calm"}}}"#)
            ) { r in
                #expect(r.status == .preconditionFailed)
            }
            try await client.execute(uri: "/api/v1/handovers/nope", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/no-such-route", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .notFound) }
        }
    }

    @Test func anotherOrganizationSeesNothingAndChangesNothing() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        let outsider = f.other.admin
        try await f.test { client in
            for uri in [
                "/api/v1/handovers/\(handover.id)", "/api/v1/handovers/\(handover.id)/lint", "/api/v1/handovers/\(handover.id)/events",
                "/api/v1/accounts/\(account.id)", "/api/v1/accounts/\(account.id)/owners", "/api/v1/members/\(f.org.alice.id)",
                "/api/v1/accounts/\(account.id)/access-grants", "/api/v1/handovers/\(handover.id)/access-plan", "/api/v1/access-lingering?account=\(account.id)",
            ] {
                try await client.execute(uri: uri, method: .get, headers: f.headers(outsider)) { #expect($0.status == .notFound, "\(uri)") }
            }
            for action in ["submit", "cancel", "complete"] {
                try await client.execute(uri: "/api/v1/handovers/\(handover.id)/\(action)", method: .post, headers: f.headers(outsider)) {
                    #expect($0.status == .notFound)
                }
            }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(outsider),
                body: body(#"{"content": {"risks": {"sentiment": "Hijacked"}}}"#)
            ) { #expect($0.status == .notFound) }
            try await client.execute(
                uri: "/api/v1/handovers", method: .post, headers: f.headers(outsider),
                body: body(#"{"accountID": "\#(account.id)", "recipientID": "\#(outsider.id)", "templateKey": "customer-account"}"#)
            ) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/handovers", method: .get, headers: f.headers(outsider)) { r in
                let decoded = try r.decode(ListResponse<Handover>.self); #expect(decoded.items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/accounts", method: .get, headers: f.headers(outsider)) { r in
                let decoded = try r.decode(ListResponse<Account>.self); #expect(decoded.items.isEmpty)
            }
            // Inside the organization: a member who is not a party gets 404 too; the auditor reads but cannot act.
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.carol)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/access-plan", method: .get, headers: f.headers(f.org.carol)) {
                #expect($0.status == .notFound)
            }
            // The manager of a party reads it (the one case that needs the parties read).
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.manager)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.auditor)) { #expect($0.status == .ok) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/cancel", method: .post, headers: f.headers(f.org.auditor)) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .get, headers: f.headers(f.org.alice)) { r in
                let stored = try r.decode(Handover.self)
                #expect(stored.state == .draft && stored.version == 1)
            }
            // Physical assets and custody transfers (issue 14, part 5): 404 to another organization and to a non-party.
            let now = Date(millis: Date().millis)
            let laptop = PhysicalAsset(
                id: UUID().uuidString.lowercased(), organizationID: f.org.organization.id, kind: .laptop, name: "Laptop", serial: nil, location: "",
                condition: .good, custodianID: f.org.alice.id, accountID: nil, createdAt: now, updatedAt: now)
            try await f.store.createPhysicalAsset(laptop, by: AuditActor(member: f.org.admin.id))
            let transfer = CustodyTransfer(
                id: UUID().uuidString.lowercased(), organizationID: f.org.organization.id, fromID: f.org.alice.id, toID: f.org.bob.id, handoverID: nil,
                items: [CustodyItem(asset: laptop.id, kind: .laptop, name: "Laptop", serial: "")], startedBy: f.org.alice.id, createdAt: now)
            try await f.store.createCustodyTransfer(transfer, by: AuditActor(member: f.org.alice.id))
            let receipt = #"{"items": [{"asset": "\#(laptop.id)", "outcome": "received"}]}"#
            for who in [outsider, f.org.carol] {
                for uri in [
                    "/api/v1/assets/\(laptop.id)", "/api/v1/assets/\(laptop.id)/history", "/api/v1/custody-transfers/\(transfer.id)",
                    "/api/v1/custody-transfers/\(transfer.id)/payload",
                ] {
                    try await client.execute(uri: uri, method: .get, headers: f.headers(who)) { #expect($0.status == .notFound, "\(uri)") }
                }
                try await client.execute(uri: "/api/v1/assets/\(laptop.id)", method: .patch, headers: f.headers(who), body: body(#"{"name": "Mine"}"#)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(uri: "/api/v1/custody-transfers/\(transfer.id)/receipt", method: .put, headers: f.headers(who), body: body(receipt)) {
                    #expect($0.status == .notFound)
                }
                try await client.execute(
                    uri: "/api/v1/custody-transfers/\(transfer.id)/signatures", method: .post, headers: f.headers(who),
                    body: body(#"{"envelope": {"payloadType": "x", "payload": "", "signatures": []}}"#)
                ) { #expect($0.status == .notFound) }
            }
            #expect(try await f.store.custodyTransfer(id: transfer.id, organizationID: f.org.organization.id)?.state == .awaitingReceipt)
        }
    }

    /// Every sealed-secret endpoint, for a secret of this organization, answers 404 to another
    /// organization's admin and changes nothing; a member of the organization who reads no wrap
    /// is refused the open.
    @Test func anotherOrganizationSeesNoSecretAndChangesNone() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let exchanges = SecretProofTests.Exchanges()
        try await f.test { http in
            let c = SecretProofTests.Client(http: http, f: f, exchanges: exchanges)
            let recovery = Curve25519.KeyAgreement.PrivateKey()
            let registered = try await c.call(
                f.org.admin, .post, "/api/v1/recovery-key", try body(PublicKeyBody(publicKey: recovery.publicKey.rawRepresentation.base64EncodedString())),
                expect: .created
            ).decode(RecoveryKeyResponse.self)
            let (aliceKey, aliceKeyID) = try await c.enrol(f.org.alice)
            let id = Secrets.newID()
            let (sealed, contentKey) = try SecretSeal.encrypt(Data("hunter2-hunter2".utf8), secretID: id, version: 1)
            func wrap(_ reader: String, _ key: Curve25519.KeyAgreement.PublicKey, _ keyID: String) throws -> WrapBody {
                WrapBody(
                    readerID: reader, keyID: keyID,
                    wrappedKey: try SecretSeal.wrap(contentKey, to: key, readerID: reader, secretID: id, version: 1).base64EncodedString(), version: 1)
            }
            let wraps = [try wrap(f.org.alice.id, aliceKey.publicKey, aliceKeyID), try wrap(SecretWrap.recoveryReader, recovery.publicKey, registered.id)]
            let create = CreateSecretRequest(id: id, name: "NAS admin", system: "NAS", kind: .password, ciphertext: sealed.base64EncodedString(), wraps: wraps)
            try await c.call(f.org.alice, .post, "/api/v1/accounts/\(account.id)/secrets", try body(create), expect: .created)

            let outsider = f.other.admin
            let (_, outsiderKeyID) = try await c.enrol(outsider)
            let theirWrap = WrapBody(readerID: outsider.id, keyID: outsiderKeyID, wrappedKey: wraps[0].wrappedKey, version: 1)
            let rotate = RotateSecretRequest(version: 1, ciphertext: sealed.base64EncodedString(), wraps: wraps)
            var again = create
            again.id = Secrets.newID()
            for (method, uri, json) in [
                (HTTPRequest.Method.get, "/api/v1/secrets/\(id)", nil), (.post, "/api/v1/secrets/\(id)/open", nil), (.post, "/api/v1/secrets/\(id)/recover", nil),
                (.post, "/api/v1/secrets/\(id)/wraps", try body(ShareSecretRequest(wraps: [theirWrap]))),
                (.post, "/api/v1/secrets/\(id)/rotate", try body(rotate)), (.get, "/api/v1/accounts/\(account.id)/secrets", nil),
                (.post, "/api/v1/accounts/\(account.id)/secrets", try body(again)), (.get, "/api/v1/secret-exposures?account=\(account.id)", nil),
                (.get, "/api/v1/secret-exposures?member=\(f.org.alice.id)", nil),
            ] as [(HTTPRequest.Method, String, ByteBuffer?)] {
                try await c.call(outsider, method, uri, json, expect: .notFound)
            }
            // A filter, not a lookup: another organization's member has no keys here.
            let keys = try await c.call(outsider, .get, "/api/v1/encryption-keys?member=\(f.org.alice.id)", expect: .ok)
            #expect(try keys.decode(ListResponse<EncryptionKeyResponse>.self).items.isEmpty)
            // Inside: Carol holds no wrap, so she cannot open it; nothing above changed it.
            try await c.call(f.org.carol, .post, "/api/v1/secrets/\(id)/open", expect: .forbidden)
            let stored = try await c.call(f.org.alice, .get, "/api/v1/secrets/\(id)", expect: .ok).decode(Secret.self)
            #expect(stored.version == 1 && stored.readers == [f.org.alice.id])
            let listed = try await c.call(f.org.alice, .get, "/api/v1/accounts/\(account.id)/secrets", expect: .ok).decode(ListResponse<Secret>.self)
            #expect(listed.items.map(\.id) == [id])
        }
    }

    @Test(arguments: TestDatabases.engines) func twoConcurrentCompletionsGiveOneSuccessAndOneClearError(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        let service = HandoverService(store: f.store)
        _ = try await service.transition(id: handover.id, event: .submit, expectedVersion: nil, by: f.org.alice)
        _ = try await service.transition(
            id: handover.id, event: .acknowledge(synthesis: "I own Acme now, renewal in March, CFO prefers email."), expectedVersion: nil, by: f.org.bob)
        try await DemoData.signOff(handover.id, by: f.org.alice, service: service)
        try await DemoData.signOff(handover.id, by: f.org.bob, service: service)
        try await f.test { client in
            let statuses = try await withThrowingTaskGroup(of: HTTPResponse.Status.self) { group in
                for member in [f.org.alice, f.org.bob] {
                    group.addTask {
                        try await client.execute(uri: "/api/v1/handovers/\(handover.id)/complete", method: .post, headers: f.headers(member)) { $0.status }
                    }
                }
                return try await group.reduce(into: [HTTPResponse.Status]()) { $0.append($1) }
            }
            #expect(statuses.filter { $0 == .ok }.count == 1)
            #expect(statuses.filter { $0 == .conflict }.count == 1)
            let chain = try await f.store.ownershipChain(accountID: account.id, organizationID: f.org.organization.id)
            #expect(chain.map(\.ownerID) == [f.org.alice.id, f.org.bob.id])
        }
    }

    @Test func ifMatchComparesStronglyAndAMalformedOneIs400() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        let edit = body(#"{"content": {"risks": {"sentiment": "Calm"}}}"#)
        try await f.test { client in
            // RFC 9110 13.1.1: If-Match uses the strong comparison, so a weak tag never matches.
            for uri in ["/api/v1/handovers/\(handover.id)", "/api/v1/accounts/\(account.id)"] {
                let change = uri.contains("handovers") ? edit : body(#"{"name": "Renamed"}"#)
                try await client.execute(uri: uri, method: .patch, headers: f.headers(f.org.alice, ifMatch: #"W/"v1""#), body: change) { r in
                    #expect(r.status == .preconditionFailed, "\(uri)")
                    #expect(r.problem?.detail.contains("weak") == true)
                }
                // Not `*` or one entity-tag: the header is malformed, 400 naming it.
                for malformed in ["v1", #""v1", "v2""#, "", #""v1"#] {
                    try await client.execute(uri: uri, method: .patch, headers: f.headers(f.org.alice, ifMatch: malformed), body: change) { r in
                        #expect(r.status == .badRequest, "If-Match \(malformed)")
                        #expect(r.problem?.errors?.first?.path == "If-Match")
                    }
                }
                // Well-formed tags this server never issued, or a version too big to be one: 412.
                for foreign in [#""abc""#, #""v99999999999999999999""#, #""v-1""#] {
                    try await client.execute(uri: uri, method: .patch, headers: f.headers(f.org.alice, ifMatch: foreign), body: change) { r in
                        #expect(r.status == .preconditionFailed, "If-Match \(foreign)")
                    }
                }
            }
            // A precondition is evaluated after the checks that come first (RFC 9110 13.2.1): an id
            // that is not there, or not visible, is 404 whatever If-Match says.
            try await client.execute(uri: "/api/v1/handovers/nope", method: .patch, headers: f.headers(f.org.alice, ifMatch: #"W/"v1""#), body: edit) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.other.admin, ifMatch: #""abc""#), body: edit) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/cancel", method: .post, headers: f.headers(f.org.alice, ifMatch: #"W/"v1""#)) { r in
                #expect(r.status == .preconditionFailed)
                #expect(r.problem?.detail.contains("weak") == true)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice, ifMatch: #""v1""#), body: edit) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.eTag] == #""v2""#)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice, ifMatch: "*"), body: edit) { r in
                #expect(r.status == .ok)
            }
        }
    }

    @Test func anUnsupportedMethodIs405WithAllow() async throws {
        let f = try await APIFixture.make()
        let handover = try await f.org.handover(of: try await f.org.account(f.org.alice, in: f.store), to: f.org.bob, in: f.store)
        try await f.test { client in
            for method: HTTPRequest.Method in [.trace, .put, .delete, .options, HTTPRequest.Method("QUERY")!] {
                try await client.execute(uri: "/api/v1/accounts", method: method, headers: f.headers(f.org.alice)) { r in
                    #expect(r.status == .methodNotAllowed, "\(method)")
                    #expect(r.headers[.allow] == "GET, HEAD, POST")
                    #expect(r.headers[.contentType] == "application/problem+json")
                    #expect(r.problem?.status == 405)
                }
            }
            // A path with a parameter, and one where a literal segment beats a parameter.
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .put, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD, PATCH")
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/lint", method: .post, headers: f.headers(f.org.alice)) { r in
                #expect(r.headers[.allow] == "GET, HEAD")
            }
            try await client.execute(uri: "/api/v1/tokens/some-id", method: .get, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "DELETE")
            }
            // No route at all is still 404, whatever the method.
            try await client.execute(uri: "/api/v1/no-such-route", method: .trace, headers: f.headers(f.org.alice)) { #expect($0.status == .notFound) }
            // HEAD is answered wherever GET is, without a body.
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)", method: .head, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .ok)
                #expect(r.body.readableBytes == 0)
                #expect(r.headers[.eTag] == #""v1""#)
            }
            // Web pages get the same status and Allow, on an HTML page.
            try await client.execute(uri: "/login", method: .delete) { r in
                #expect(r.status == .methodNotAllowed)
                #expect(r.headers[.allow] == "GET, HEAD, POST")
                #expect(r.headers[.contentType]?.hasPrefix("text/html") == true)
            }
            try await client.execute(uri: "/login", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func queryParametersOutsideTheSpecAre400() async throws {
        let f = try await APIFixture.make()
        try await f.test { client in
            for query in ["limit=1001", "limit=0", "limit=99999999999999999999", "limit=ten"] {
                try await client.execute(uri: "/api/v1/accounts?\(query)", method: .get, headers: f.headers(f.org.alice)) { r in
                    #expect(r.status == .badRequest, "\(query)")
                    #expect(r.problem?.errors?.first?.path == "limit")
                }
            }
            try await client.execute(uri: "/api/v1/accounts?limit=1000", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            for query in ["state=", "state=draft,,submitted", "state=draft,", "state=drafts"] {
                try await client.execute(uri: "/api/v1/handovers?\(query)", method: .get, headers: f.headers(f.org.alice)) { r in
                    #expect(r.status == .badRequest, "\(query)")
                    #expect(r.problem?.errors?.first?.path == "state")
                }
            }
            try await client.execute(uri: "/api/v1/handovers?state=draft,submitted", method: .get, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            for query in ["version=0", "version=1.5", "version=99999999999999999999"] {
                try await client.execute(uri: "/api/v1/templates/customer-account?\(query)", method: .get, headers: f.headers(f.org.alice)) { r in
                    #expect(r.status == .badRequest, "\(query)")
                    #expect(r.problem?.errors?.first?.path == "version")
                }
            }
            // As large as the spec allows: a version that does not exist, not a refusal.
            try await client.execute(uri: "/api/v1/templates/customer-account?version=9223372036854775807", method: .get, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .notFound)
            }
            // The largest start the spec allows for tree nodes: an empty page, not an overflow trap.
            try await client.execute(uri: "/api/v1/audit/nodes?level=1&start=9223372036854775807", method: .get, headers: f.headers(f.org.admin)) { r in
                #expect(r.status == .ok, "\(String(buffer: r.body))")
            }
        }
    }

    @Test func nullsUnknownKeysAndNumbersThatDoNotFitAre400NamingTheField() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        try await f.test { client in
            let bad: [(uri: String, json: String, path: String)] = [
                ("/api/v1/accounts", #"{"name": "X", "kind": "customer", "ownerID": null}"#, "ownerID"),
                ("/api/v1/accounts", #"{"name": "X", "kind": "customer", "profile": {"contacts": [{"name": "Jo", "email": null}]}}"#, "profile.contacts[0].email"),
                (
                    "/api/v1/handovers",
                    #"{"accountID": "\#(account.id)", "recipientID": "\#(f.org.bob.id)", "templateKey": "customer-account", "templateVersion": 1.5}"#, "templateVersion"
                ),
                (
                    "/api/v1/handovers",
                    #"{"accountID": "\#(account.id)", "recipientID": "\#(f.org.bob.id)", "templateKey": "customer-account", "templateVersion": 1e30}"#, "templateVersion"
                ),
                (
                    "/api/v1/handovers",
                    #"{"accountID": "\#(account.id)", "recipientID": "\#(f.org.bob.id)", "templateKey": "customer-account", "templateVersion": null}"#, "templateVersion"
                ),
                // A typo would otherwise quietly mean "the default owner".
                ("/api/v1/accounts", #"{"name": "X", "kind": "customer", "ownerId": "\#(f.org.bob.id)"}"#, "ownerId"),
                (
                    "/api/v1/accounts", #"{"name": "X", "kind": "customer", "profile": {"contacts": [{"name": "Jo", "mail": "jo@example.com"}]}}"#,
                    "profile.contacts[0].mail"
                ),
                (
                    "/api/v1/templates",
                    #"{"key": "k", "version": 1, "name": "N", "summary": "S", "accountKinds": ["customer"], "requiredSignoffs": [], "synthesisPrompt": "P", "rules": {"staleDays": 3}, "sections": [{"id": "main", "title": "T", "guidance": "G", "fields": [{"id": "a", "label": "A", "type": "text", "required": false, "guidance": "G"}]}]}"#,
                    "rules.staleDays"
                ),
            ]
            for (uri, json, path) in bad {
                try await client.execute(uri: uri, method: .post, headers: f.headers(uri.hasSuffix("templates") ? f.org.admin : f.org.alice), body: body(json)) { r in
                    #expect(r.status == .badRequest, "\(json)")
                    #expect(r.problem?.errors?.first?.path == path, "\(json)")
                    #expect(r.problem?.detail.hasPrefix(path) == true, "\(r.problem?.detail ?? "")")
                }
            }
            // Template definitions are read by Template.parse, which names the field the same way (422 there).
            let template =
                #"{"key": "k", "version": 1.5, "name": "N", "summary": "S", "accountKinds": ["customer"], "requiredSignoffs": [], "synthesisPrompt": "P", "rules": {}, "sections": []}"#
            try await client.execute(uri: "/api/v1/templates", method: .post, headers: f.headers(f.org.admin), body: body(template)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.map(\.path) == ["version"])
            }
            // Nothing was created by the refusals above.
            try await client.execute(uri: "/api/v1/accounts", method: .get, headers: f.headers(f.org.alice)) { r in
                let accounts = try r.decode(ListResponse<Account>.self); #expect(accounts.items.count == 1)
            }
            // In handover content null keeps its meaning: it clears a field.
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"content": {"risks": {"sentiment": null}}}"#)
            ) { #expect($0.status == .ok) }
        }
    }

    @Test func aLongListOfProblemsIsCutWithItsCount() async throws {
        let f = try await APIFixture.make()
        // One bad id and one empty label in each of 300 fields: 600 problems.
        let fields = (0..<300).map { #"{"id": "Field \#($0)", "label": " ", "type": "text", "required": false, "guidance": "Say it."}"# }
        let template =
            #"{"key": "big", "version": 1, "name": "Big", "summary": "Too many mistakes.", "accountKinds": ["customer"], "requiredSignoffs": [], "synthesisPrompt": "Say it back.", "rules": {}, "sections": [{"id": "main", "title": "Main", "guidance": "All of it.", "fields": [\#(fields.joined(separator: ","))]}]}"#
        try await f.test { client in
            try await client.execute(uri: "/api/v1/templates", method: .post, headers: f.headers(f.org.admin), body: body(template)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.count == ProblemDetails.listLimit)
                #expect(r.problem?.errorCount == 600)
                #expect(r.problem?.errors?.first?.path == "sections[0].fields[0].id")
                #expect(r.body.readableBytes < 20_000)
            }
            // A short list comes whole, with its count.
            try await client.execute(
                uri: "/api/v1/templates", method: .post, headers: f.headers(f.org.admin),
                body: body(
                    template.replacingOccurrences(of: "Field ", with: "field").replacingOccurrences(of: #""label": " ""#, with: #""label": "L""#)
                        .replacingOccurrences(of: #""version": 1"#, with: #""version": 0"#))
            ) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.map(\.path) == ["version"])
                #expect(r.problem?.errorCount == 1)
            }
        }
    }

    @Test func lengthLimitsCountAsTheSpecDoes() async throws {
        let f = try await APIFixture.make()
        // JSON Schema's maxLength counts Unicode scalars in the value as sent: 60 decomposed "é" are
        // 120 (60 characters to Swift), and a trailing space counts too.
        let decomposed = String(repeating: "e\u{301}", count: 60)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/tokens", method: .post, headers: f.headers(f.org.alice), body: try body(["name": decomposed])) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.first?.path == "name")
            }
            try await client.execute(
                uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice),
                body: try body(["name": String(repeating: "a", count: 200) + " ", "kind": "customer"])
            ) { r in
                #expect(r.status == .unprocessableContent)
            }
            try await client.execute(
                uri: "/api/v1/accounts", method: .post, headers: f.headers(f.org.alice),
                body: try body(["name": String(repeating: "a", count: 200), "kind": "customer"])
            ) { #expect($0.status == .created) }
        }
    }

    /// Route coverage both ways: every API route the router has is an operation of openapi.json,
    /// and every operation there is a route the router has. (What the operations answer is
    /// checked against their schemas by scripts/wire-check, from what these tests receive.)
    @Test func theRoutesAndTheOpenAPIOperationsAreTheSame() async throws {
        let f = try await APIFixture.make()
        let routes = Set(
            f.router.routes.map { route in
                "\(route.method.rawValue.uppercased()) /"
                    + route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
            }.filter { $0.contains(" /api/") || ["/healthz", "/readyz", "/metrics"].contains($0.split(separator: " ")[1]) })  // web pages are HTML, not API
        #expect(routes.count > 40)
        try await f.test { client in
            let spec = try await client.execute(uri: "/api/v1/openapi.json", method: .get) { r in
                try JSONDecoder().decode(JSONValue.self, from: Data(r.body.readableBytesView))
            }
            let methods: Set<String> = ["get", "put", "post", "delete", "options", "head", "patch", "trace"]
            let operations = Set(
                (spec["paths"]?.objectValue ?? [:]).flatMap { path, item in
                    (item.objectValue ?? [:]).keys.filter(methods.contains).map { "\($0.uppercased()) \(path)" }
                })
            #expect(operations.count > 40)
            for route in routes.subtracting(operations).sorted() { Issue.record("\(route) is a route but not in openapi.json") }
            for operation in operations.subtracting(routes).sorted() { Issue.record("\(operation) is in openapi.json but not a route") }
        }
    }
}
