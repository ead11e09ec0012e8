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

/// The introduction's and the follow-up's routes over HTTP (their bodies go through wire-check):
/// the template (admins, 422 for an unknown variable), preview and send with their refusals, the
/// follow-up, an account's surveys, and another organization's ids answering 404.
@Suite struct IntroductionAPITests {
    @Test(arguments: TestDatabases.engines) func theRoutes(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let handover = try await IntroductionTests.acknowledged(f.org, f.store, services)
        let zoe = IntroductionTests.zoe(f.org)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/introduction-template", method: .get, headers: f.headers(f.org.alice)) { r in
                let value = try r.decode(IntroductionTemplateResponse.self)
                #expect(r.status == .ok && value.customized == false)
            }
            try await client.execute(
                uri: "/api/v1/introduction-template", method: .put, headers: f.headers(f.org.admin), body: body(#"{"subject": "Hi {{newowner.name}}", "body": "x"}"#)
            ) { r in #expect(r.status == .unprocessableContent && r.problem?.errors?.first?.path == "subject") }
            try await client.execute(
                uri: "/api/v1/introduction-template", method: .put, headers: f.headers(f.org.alice), body: body(#"{"subject": "Hi", "body": "x"}"#)
            ) { r in #expect(r.status == .forbidden) }
            try await client.execute(
                uri: "/api/v1/introduction-template", method: .put, headers: f.headers(f.org.admin),
                body: body(#"{"subject": "Meet {{newOwner.name}}", "body": "Hello {{contactNames}}", "bookingLink": "https://book.example/x"}"#)
            ) { r in
                let value = try r.decode(IntroductionTemplateResponse.self)
                #expect(r.status == .ok && value.customized)
            }
            let preview = "/api/v1/handovers/\(handover.id)/introduction/preview"
            try await client.execute(uri: preview, method: .post, headers: f.headers(f.org.alice), body: body(#"{"why": "A new team."}"#)) { r in
                let value = try r.decode(IntroductionPreviewResponse.self)
                #expect(r.status == .ok && value.subject == "Meet Bob" && value.contacts.count == 2 && value.willTick)
            }
            try await client.execute(uri: preview, method: .post, headers: f.headers(f.other.admin)) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: preview, method: .post, headers: f.headers(f.org.bob)) { r in #expect(r.status == .forbidden) }
            let send = "/api/v1/handovers/\(handover.id)/introduction/send"
            try await client.execute(
                uri: send, method: .post, headers: f.headers(f.org.alice), body: body(#"{"subject": "Hi\r\nBcc: x@evil.example", "body": "Hello", "to": ["\#(zoe)"]}"#)
            ) { r in #expect(r.status == .unprocessableContent && r.problem?.errors?.first?.path == "subject") }
            try await client.execute(
                uri: send, method: .post, headers: f.headers(f.org.alice), body: body(#"{"subject": "Hi", "body": "Hello", "to": ["zoe@@x"]}"#)
            ) { r in #expect(r.status == .unprocessableContent && r.problem?.errors?.first?.path == "to[0]") }
            try await client.execute(
                uri: send, method: .post, headers: f.headers(f.org.alice), body: body(#"{"subject": "Meet Bob", "body": "Hello", "to": ["\#(zoe)"]}"#)
            ) { r in
                let record = try r.decode(IntroductionRecord.self)
                #expect(r.status == .created && record.ticked && record.to.map(\.address) == [zoe])
            }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/introduction/recorded", method: .post, headers: f.headers(f.org.manager), body: body(#"{"note": "By phone"}"#)
            ) { r in
                let value = try r.decode(IntroductionRecord.self)
                #expect(r.status == .created && value.mode == .recorded)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/follow-up", method: .get, headers: f.headers(f.org.bob)) { r in
                let value = try r.decode(FollowUpResponse.self)
                #expect(r.status == .ok && value.scheduled == false)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/follow-up", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(
                uri: "/api/v1/handovers/\(handover.id)/follow-up/answer", method: .post, headers: f.headers(f.org.bob),
                body: body(#"{"enough": true, "rushed": false, "score": 4}"#)
            ) { r in #expect(r.status == .conflict) }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/follow-up/check-in", method: .post, headers: f.headers(f.org.manager)) { r in
                #expect(r.status == .conflict)
            }
            try await client.execute(uri: "/api/v1/accounts/\(handover.accountID)/surveys", method: .get, headers: f.headers(f.org.alice)) { r in
                let value = try r.decode(ListResponse<CustomerSurvey>.self)
                #expect(r.status == .ok && value.items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/introduction-template", method: .delete, headers: f.headers(f.org.admin)) { r in
                let value = try r.decode(IntroductionTemplateResponse.self)
                #expect(r.status == .ok && !value.customized && value.subject == IntroductionTemplate.standard.subject)
            }
            try await client.execute(uri: "/api/v1/accounts/\(handover.accountID)/surveys", method: .get, headers: f.headers(f.other.admin)) { r in
                #expect(r.status == .notFound)
            }
        }
    }
}
