import Foundation
import HandoverCore
import HandoverServer
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// HandoverWire is what both sides speak: the server's answers decode into its types with
/// `WireJSON`, as the client reads them. This suite also calls the operations no other suite
/// does, so that scripts/wire-check sees (and validates) an answer of each.
@Suite struct WireContractTests {
    @Test func listsTheSignoffPayloadAndSignUpDecodeAsTheClientReadsThem() async throws {
        let f = try await APIFixture.make { $0.allowSignup = true }
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        try await f.test { client in
            let members = try await client.execute(uri: "/api/v1/members", method: .get, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .ok)
                return try r.decode(ListResponse<Member>.self).items
            }
            #expect(Set(members.map(\.id)).isSuperset(of: [f.org.alice.id, f.org.bob.id, f.org.manager.id]))
            #expect(members.allSatisfy { $0.organizationID == f.org.alice.organizationID })

            let templates = try await client.execute(uri: "/api/v1/templates", method: .get, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .ok)
                return try r.decode(ListResponse<Template>.self).items
            }
            #expect(templates.contains { $0.key == "customer-account" })

            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/submit", method: .post, headers: f.headers(f.org.alice)) { #expect($0.status == .ok) }
            let payload = try await client.execute(uri: "/api/v1/handovers/\(handover.id)/signoff-payload", method: .get, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .ok)
                return try r.decode(SignoffPayloadResponse.self)
            }
            #expect(payload.payloadType == SignoffPayload.type)
            #expect(payload.fields.handover == handover.id && payload.fields.role == .transferor && payload.fields.signer == f.org.alice.id)
            // The readable fields are the signed bytes, decoded.
            #expect(Data(base64Encoded: payload.payload).map { [UInt8]($0) } == (try payload.fields.canonicalBytes()))

            let signup = CreateOrganizationRequest(name: "Wire Co", adminEmail: "admin@wire.example", adminName: "Wanda", adminPassword: "a long enough passphrase")
            let created = try await client.execute(uri: "/api/v1/organizations", method: .post, headers: f.headers(nil), body: try body(signup)) { r in
                #expect(r.status == .created)
                return try r.decode(CreateOrganizationResponse.self)
            }
            #expect(created.organization.name == "Wire Co")
            #expect(created.admin.role == .admin && created.admin.organizationID == created.organization.id && created.admin.email == "admin@wire.example")
        }
    }

    /// Times cross the wire as `Timestamp` text and come back to the millisecond, including the
    /// ones a binary fraction would shave (.123 read as .122).
    @Test func timesCrossTheWireToTheMillisecond() throws {
        let member = Member(id: "m", organizationID: "o", email: "m@example.com", name: "M", role: .member, createdAt: Date(millis: 1_709_164_800_123))
        for millis: Int64 in [0, 1, 123, 999, 1_709_164_800_123, 1_764_000_000_001] {
            let sent = LoginResponse(member: member, expiresAt: Date(millis: millis), token: "hov_x", tokenID: "t")
            let text = String(decoding: try WireJSON.encoder.encode(sent), as: UTF8.self)
            #expect(text.contains("\"expiresAt\":\"\(Timestamp.format(millis: millis))\""))
            let read = try WireJSON.decoder.decode(LoginResponse.self, from: Data(text.utf8))
            #expect(read.expiresAt.millis == millis && read.member.createdAt.millis == 1_709_164_800_123)
        }
    }

    /// The server's problem document is the type the client reads: every field survives the trip.
    @Test func aProblemDocumentReadsBackWhole() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let draft = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/handovers/\(draft.id)/submit", method: .post, headers: f.headers(f.org.alice)) { r in
                #expect(r.status == .unprocessableContent)
                #expect(r.headers[.contentType] == WireJSON.problemContentType)
                let problem = try #require(r.problem)
                #expect(problem.type == "https://handover.dev/problems/lint" && problem.status == 422)
                #expect(problem.findings?.isEmpty == false && problem.findingCount == problem.findings?.count)
                #expect(problem.score.map { (0..<100).contains($0) } == true)
                #expect(problem.instance?.isEmpty == false)
            }
        }
    }
}
