import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// The whole workflow through the HTTP API, on each engine.
@Suite struct HandoverFlowTests {
    @Test(arguments: TestDatabases.engines) func aCustomerHandoverFromDraftToCompleted(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let (alice, bob) = (f.org.alice, f.org.bob)
        try await f.test { client in
            // Setup: Alice's customer account.
            let account = try await client.execute(
                uri: "/api/v1/accounts", method: .post, headers: f.headers(alice),
                body: body(#"{"name": "Acme", "kind": "customer", "profile": {"overview": "Freight", "renewalDate": "2027-03-31"}}"#)
            ) { r in
                #expect(r.status == .created)
                return try r.decode(Account.self)
            }
            #expect(account.ownerID == alice.id)

            // A draft to Bob, linted, refused at submit with its findings.
            let draft = try await client.execute(
                uri: "/api/v1/handovers", method: .post, headers: f.headers(alice),
                body: body(#"{"accountID": "\#(account.id)", "recipientID": "\#(bob.id)", "templateKey": "customer-account"}"#)
            ) { r in
                #expect(r.status == .created)
                #expect(r.headers[.eTag] == "\"v1\"")
                return try r.decode(Handover.self)
            }
            let before = try await client.execute(uri: "/api/v1/handovers/\(draft.id)/lint", method: .get, headers: f.headers(alice)) { try $0.decode(LintReport.self) }
            #expect(before.blocksSubmission && before.score < 50)
            // The score says what its points are for, and findings carry their fields' labels.
            #expect(before.explanation.hasPrefix("\(before.score)/100") && before.lost.reduce(0) { $0 + $1.points } >= 100 - before.score)
            #expect(before.findings.allSatisfy { $0.label != nil })

            // A second handover of the account is refused naming the account, with the open one's id.
            try await client.execute(
                uri: "/api/v1/handovers", method: .post, headers: f.headers(alice),
                body: body(#"{"accountID": "\#(account.id)", "recipientID": "\#(bob.id)", "templateKey": "customer-account"}"#)
            ) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.openHandoverID == draft.id)
                #expect(r.problem?.detail.hasPrefix("\(account.name) already has an open handover") == true)
            }
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/submit", method: .post, headers: f.headers(alice)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.findings?.contains { $0.rule == "required-field" } == true)
            }

            // Fixed, then submitted.
            let patch = EditHandoverRequest(content: ContentFixtures.complete(ContentFixtures.customerTemplate))
            let edited = try await client.execute(uri: "/api/v1/handovers/\(draft.id)", method: .patch, headers: f.headers(alice, ifMatch: "\"v1\""), body: body(patch)) {
                r in
                #expect(r.status == .ok)
                return try r.decode(Handover.self)
            }
            #expect(edited.version == 2)
            let after = try await client.execute(uri: "/api/v1/handovers/\(draft.id)/lint", method: .get, headers: f.headers(alice)) { try $0.decode(LintReport.self) }
            #expect(after.findings.isEmpty && after.score == 100)
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/submit", method: .post, headers: f.headers(alice, ifMatch: "\"v2\"")) { r in
                #expect(r.status == .ok)
            }

            // Bob acknowledges with a synthesis; an empty one is refused.
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/acknowledge", method: .post, headers: f.headers(bob), body: body(#"{"synthesis": ""}"#)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.problem?.errors?.first?.path == "synthesis")
            }
            try await client.execute(
                uri: "/api/v1/handovers/\(draft.id)/acknowledge", method: .post, headers: f.headers(bob),
                body: body(#"{"synthesis": "Acme renews in March; the CFO wants email only; two open items are mine now."}"#)
            ) { r in
                #expect(r.status == .ok)
                let decoded = try r.decode(Handover.self); #expect(decoded.state == .acknowledged)
            }

            // Completion waits for both signatures, then moves the owner; the history shows every step.
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/complete", method: .post, headers: f.headers(bob)) { r in
                #expect(r.status == .conflict)
                #expect(r.problem?.detail.contains("transferor and recipient") == true)
            }
            let aliceKey = TestSigner(member: alice), bobKey = TestSigner(member: bob)
            try await aliceKey.enrol(client, f)
            try await bobKey.enrol(client, f)
            #expect(try await aliceKey.sign(draft.id, client, f).status == .created)
            #expect(try await bobKey.sign(draft.id, client, f).status == .created)
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/complete", method: .post, headers: f.headers(bob)) { r in
                #expect(r.status == .ok)
            }
            try await client.execute(uri: "/api/v1/accounts/\(account.id)", method: .get, headers: f.headers(alice)) { r in
                let decoded = try r.decode(Account.self); #expect(decoded.ownerID == bob.id)
            }
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/events", method: .get, headers: f.headers(f.org.auditor)) { r in
                let decoded = try r.decode(ListResponse<HandoverEventRecord>.self);
                #expect(decoded.items.map(\.event) == ["create", "submit", "acknowledge", "complete"])
            }
            try await client.execute(uri: "/api/v1/accounts/\(account.id)/owners", method: .get, headers: f.headers(bob)) { r in
                let decoded = try r.decode(ListResponse<Ownership>.self); #expect(decoded.items.map(\.ownerID) == [alice.id, bob.id])
            }

            // Their manager records that it took, then closes it.
            try await client.execute(
                uri: "/api/v1/handovers/\(draft.id)/verify", method: .post, headers: f.headers(f.org.manager),
                body: try body(NoteRequest(note: "Called Acme's CFO: all well."))
            ) { r in
                #expect(r.status == .ok)
                let decoded = try r.decode(Handover.self); #expect(decoded.state == .verified)
            }
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/close", method: .post, headers: f.headers(f.org.manager)) { r in
                #expect(r.status == .ok)
                let decoded = try r.decode(Handover.self); #expect(decoded.state == .closed)
            }
        }
    }

    @Test func aReturnedHandoverGoesBackToDraftForEditing() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        try await f.test { client in
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/submit", method: .post, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/return", method: .post, headers: f.headers(f.org.bob),
                body: body(#"{"reason": "Which contact approves spend?"}"#)
            ) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"content": {"risks": {"sentiment": "Calm"}}}"#)
            ) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/revise", method: .post, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"content": {"risks": {"sentiment": "Calm"}}}"#)
            ) { r in
                #expect(r.status == .ok)
                let decoded = try r.decode(Handover.self); #expect(decoded.content["risks", "sentiment"] == .string("Calm"))
            }
        }
    }
}

/// The question thread over the API, on each engine.
@Suite struct QuestionThreadTests {
    @Test(arguments: TestDatabases.engines) func partiesTalkAuditorsReadOthersSeeNothing(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let draft = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        let uri = "/api/v1/handovers/\(draft.id)/questions"
        try await f.test { client in
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.bob), body: body(#"{"body": "Who signs off the renewal?"}"#)) { r in
                #expect(r.status == .created)
            }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.alice), body: body(#"{"body": "Jon, the CFO."}"#)) {
                #expect($0.status == .created)
            }
            try await client.execute(uri: uri, method: .get, headers: f.headers(f.org.auditor)) { r in
                #expect(r.status == .ok)
                let thread = try r.decode(ListResponse<HandoverQuestion>.self)
                #expect(thread.items.map(\.body) == ["Who signs off the renewal?", "Jon, the CFO."])
            }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.auditor), body: body(#"{"body": "Noted."}"#)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: uri, method: .get, headers: f.headers(f.other.admin)) { #expect($0.status == .notFound) }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.carol), body: body(#"{"body": "Hello?"}"#)) { #expect($0.status == .notFound) }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.bob), body: body(#"{"body": "   "}"#)) {
                #expect($0.status == .unprocessableContent)
            }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.bob), body: body(#"{"body": "password: hunter2hunter2"}"#)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(!String(buffer: r.body).contains("hunter2"))
            }
            try await client.execute(uri: uri, method: .post, headers: f.headers(f.org.bob), body: body(#"{"body": 7}"#)) { #expect($0.status == .badRequest) }
            #expect(try await f.store.questions(handoverID: draft.id, organizationID: f.org.organization.id).count == 2)
        }
    }
}
