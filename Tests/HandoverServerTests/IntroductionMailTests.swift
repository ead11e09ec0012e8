import Foundation
import HandoverCore
import HandoverMail
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import Hummingbird
import HummingbirdTesting
import Testing

/// The introduction and the survey emails against a real SMTP server (aiosmtpd): From the
/// sender with Handover as Sender, Reply-To the sender, the new owner in Cc, encoded names; the
/// survey email's link works once on the public page, then is gone (410); an unknown one is 404.
@Suite struct IntroductionMailTests {
    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func theIntroductionArrivesAndTheSurveyLinkWorksOnce(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in try await Self.flow(store) }
    }

    static func flow(_ store: SQLHandoverStore) async throws {
        let org = try await OrgFixture.make(in: store)
        let services = IntroductionTests.services(store)
        let handover = try await IntroductionTests.acknowledged(org, store, services, name: "Zoë's Café")
        _ = try await services.introductions.send(
            handoverID: handover.id, subject: "Ihr neuer Ansprechpartner: Bob", body: "Hello Zoë,\n\nBob takes over.", to: [IntroductionTests.zoe(org)],
            by: org.alice)
        let (current, parties) = try await services.handovers.handover(id: handover.id, by: org.alice)
        let account = try await services.accounts.account(id: handover.accountID, by: org.alice)
        let now = Date(millis: Date().millis)
        var transition = try Lifecycle.apply(
            .complete, to: current, by: org.alice, parties: parties, template: ContentFixtures.customerTemplate, account: account,
            signedRoles: [.transferor, .recipient], eventID: UUID().uuidString.lowercased(), at: now)
        transition.followUpAt = now
        try await store.apply(transition, expectedVersion: current.version, notices: [])
        let server = try TestSMTPServer()
        defer { server.stop() }
        let smtp = try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")
        let runner = JobRunner(
            store: store,
            handlers: [FollowUpJob.kind: FollowUpJob.handler(followUps: services.followUps)],
            batchHandlers: [MailSendJob.kind: MailSendJob.handler(outbox: services.outbox, transport: SMTPClient(settings: smtp), from: OutboxTests.from)],
            options: .init(concurrency: 8), jitter: { 0 })
        for _ in 0..<4 { try await runner.runOnce() }
        let zoe = IntroductionTests.zoe(org)
        let received = try server.received().filter { $0.rcptTos.contains(zoe) }
        let intro = try #require(received.first { $0.subject == "Ihr neuer Ansprechpartner: Bob" })
        #expect(intro.fromAddresses == [org.alice.email] && intro.fromNames == ["Alice"])
        #expect(intro.headers["Sender"]?.contains("handover@example.com") == true && intro.headers["Reply-To"]?.contains(org.alice.email) == true)
        #expect(intro.ccAddresses == [org.bob.email] && intro.toNames == ["Zoë Ödegaard"] && Set(intro.rcptTos) == [zoe, org.bob.email])
        #expect(intro.mailFrom == "handover@example.com" && intro.headers["Auto-Submitted"] == nil)
        #expect(intro.text?.contains("Bob takes over.") == true && intro.html?.contains("Hello Zo") == true && intro.defects.isEmpty)
        let survey = try #require(received.first { $0.subject.contains("new contact for Zoë's Café") })
        let text = try #require(survey.text)
        let link = try #require(text.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("https://handover.example.com/survey/") })
        let path = String(link.dropFirst("https://handover.example.com".count))
        #expect(try server.received().contains { $0.rcptTos == [org.bob.email] && $0.subject.contains("How did the handover of Zoë's Café go?") })

        try await Self.checkLink(path, services: services)
        let surveys = try await services.followUps.customerSurveys(accountID: handover.accountID, by: org.alice)
        #expect(surveys.first?.satisfaction == 5 && surveys.first?.comment == "Bob knew everything")
    }

    static func checkLink(_ path: String, services: Services) async throws {
        // The link, on the public page: open, answered once, then gone.
        var configuration = ServerConfiguration()
        configuration.secretKey = Array(repeating: 9, count: 32)
        let app = Application(
            router: HandoverApplication.router(services: services, configuration: configuration), configuration: .init(address: .hostname("127.0.0.1", port: 0)))
        try await app.test(.router) { client in
            try await client.execute(uri: path, method: .get) { r in
                #expect(r.status == .ok && String(buffer: r.body).contains("id=\"survey-form\""))
            }
            let form: HTTPFields = [.contentType: "application/x-www-form-urlencoded"]
            try await client.execute(uri: path, method: .post, headers: form, body: ByteBuffer(string: "satisfaction=9&repeated=no")) { r in
                #expect(r.status == .unprocessableContent)
            }
            try await client.execute(uri: path, method: .post, headers: form, body: ByteBuffer(string: "satisfaction=5&repeated=no&comment=Bob+knew+everything")) { r in
                #expect(r.status == .ok && String(buffer: r.body).contains("survey-thanks"))
            }
            try await client.execute(uri: path, method: .get) { r in #expect(r.status == .gone) }
            try await client.execute(uri: path, method: .post, headers: form, body: ByteBuffer(string: "satisfaction=1&repeated=yes")) { r in
                #expect(r.status == .gone)
            }
            try await client.execute(uri: "/survey/" + String(repeating: "x", count: 43), method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/survey/nope", method: .get) { r in #expect(r.status == .notFound) }
        }
    }
}
