import Foundation
import HandoverCore
import HandoverMail
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// The mail outbox on both engines: the submit notice queued in the submit's transaction, who
/// sees which messages (services and API), and the mail.send job against a real SMTP server
/// (aiosmtpd): sent, retried on 4xx, failed on 5xx and after the last try, a silent server,
/// and no SMTP at all.
@Suite struct OutboxTests {
    static func services(_ store: any HandoverStore) -> Services {
        Services(
            store: store, logKeys: try! LogKeys(secret: Array(repeating: 7, count: 32)), mail: MailSettings(publicURL: "https://handover.example.com/"))
    }

    /// A handover of a fresh account, submitted by alice to bob.
    static func submitted(_ org: OrgFixture, _ store: any HandoverStore, _ services: Services) async throws -> Handover {
        let account = try await org.account(org.alice, in: store, name: "Zoë's Café <&>")
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        return try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
    }

    static let from = try! MailAddress(name: "Handover", address: "handover@example.com")

    static func runner(_ store: any HandoverStore, _ services: Services, smtp: SMTPSettings?) -> JobRunner {
        var batchHandlers: [String: JobBatchHandler] = [:]
        // The transport `handover serve` builds: a pool of sessions shared by every mail.send job.
        if let smtp {
            batchHandlers[MailSendJob.kind] = MailSendJob.handler(outbox: services.outbox, transport: SMTPSessionPool(client: SMTPClient(settings: smtp)), from: from)
        }
        // No handler for mail.send without SMTP: exactly what `handover serve` registers then.
        return JobRunner(store: store, handlers: ["test.nothing": { _ in }], batchHandlers: batchHandlers, options: .init(concurrency: 8), jitter: { 0 })
    }

    /// A store of its own for tests that run mail.send jobs: on the shared PostgreSQL test database
    /// other suites' submissions leave mail.send jobs pending (no runner of theirs sends mail),
    /// and a runner here would claim those first.
    static func withOwnStore(_ engine: String, _ body: (SQLHandoverStore) async throws -> Void) async throws {
        if engine == "postgres" {
            try await TestDatabases.withScratchPostgresDatabase { url in
                let store = try await SQLHandoverStore.open(.postgres(url: url), maxConnections: 2)
                do { try await body(store) } catch {
                    try? await store.database.close()
                    throw error
                }
                try await store.database.close()
            }
        } else {
            let store = try await TestDatabases.store(engine)
            defer { Task { try? await store.database.close() } }
            try await body(store)
        }
    }

    @Test(arguments: TestDatabases.engines) func submittingQueuesTheRecipientsNoticeWithItsJobAndOnlyThoseWhoSeeTheHandoverSeeIt(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let handover = try await Self.submitted(org, store, services)
        let messages = try await services.outbox.messages(handoverID: handover.id, by: org.bob)
        let message = try #require(messages.first)
        #expect(messages.count == 1 && message.state == .queued && message.attempts == 0 && message.kind == OutboxKind.handoverSubmitted)
        #expect(message.to == [try MailAddress(name: "Bob", address: org.bob.email)])
        #expect(message.subject == "Alice handed over Zoë's Café <&> to you")
        #expect(message.text.contains("https://handover.example.com/handovers/\(handover.id)"))
        #expect(message.html?.contains("Zoë&#39;s Café &lt;&amp;&gt;") == true)
        let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 1000))
        let job = try #require(jobs.first { $0.payload.contains(message.id) })
        #expect(job.state == .pending && job.organizationID == org.organization.id)
        // Parties, the manager, the auditor and admins see it; carol does not, not even that it exists.
        for viewer in [org.alice, org.bob, org.manager, org.auditor, org.admin] {
            #expect(try await services.outbox.messages(by: viewer).map(\.id).contains(message.id), "\(viewer.name)")
        }
        #expect(try await services.outbox.messages(by: org.carol).isEmpty)
        await #expect(throws: StoreError.self) { try await services.outbox.messages(handoverID: handover.id, by: org.carol) }
        #expect(try await services.outbox.messages(state: .sent, by: org.admin).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func aSubmitThatFailsQueuesNothing(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store)
        let account = try await org.account(org.alice, in: store)
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        await #expect(throws: StoreError.self) { try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: 7, by: org.alice) }
        // Lint refuses an empty packet: no email either.
        let empty = try await org.handover(of: try await org.account(org.alice, in: store, name: "Empty"), to: org.bob, in: store)
        await #expect(throws: HandoverError.self) { try await services.handovers.transition(id: empty.id, event: .submit, expectedVersion: nil, by: org.alice) }
        #expect(try await services.outbox.messages(by: org.admin).isEmpty)
    }

    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func withoutSMTPItStaysQueuedAndGoesOutOnceConfigured(engine: String) async throws {
        try await Self.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let handover = try await Self.submitted(org, store, services)
            // No SMTP: the runner does not claim mail.send, so nothing is tried and nothing is lost.
            let unconfigured = Self.runner(store, services, smtp: nil)
            for _ in 0..<3 { try await unconfigured.runOnce() }
            var message = try #require(try await services.outbox.messages(handoverID: handover.id, by: org.admin).first)
            #expect(message.state == .queued && message.attempts == 0 && message.lastReply == nil)
            let server = try TestSMTPServer()
            defer { server.stop() }
            let runner = Self.runner(store, services, smtp: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
            for _ in 0..<3 { try await runner.runOnce() }
            message = try #require(try await services.outbox.messages(handoverID: handover.id, by: org.admin).first)
            #expect(message.state == .sent && message.attempts == 1 && message.sentAt != nil)
            #expect(message.lastReply?.hasPrefix("250 2.0.0 Queued as") == true)
            let arrived = try #require(try server.received().first { $0.rcptTos == [org.bob.email] })
            #expect(arrived.subject == "Alice handed over Zoë's Café <&> to you" && arrived.toNames == ["Bob"])
            #expect(arrived.headers["Message-ID"] == "<\(message.id)@example.com>")
            #expect(arrived.text?.contains("https://handover.example.com/handovers/\(handover.id)") == true)
            #expect(arrived.html?.contains("href=\"https://handover.example.com/handovers/\(handover.id)\"") == true)
            #expect(arrived.defects.isEmpty && arrived.longestLine <= 78)
            // The job is done; running again sends nothing twice.
            for _ in 0..<2 { try await runner.runOnce() }
            #expect(try server.received().filter { $0.rcptTos == [org.bob.email] }.count == 1)
        }
    }

    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func temporaryRefusalsAreRetriedAndPermanentOnesFailWithTheServersReply(engine: String) async throws {
        try await Self.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let server = try TestSMTPServer(flaky: 2)
            defer { server.stop() }
            let tag = UUID().uuidString.prefix(8).lowercased()
            func message(_ local: String) throws -> OutboxMessage {
                OutboxMessage(
                    id: "\(local)-\(tag)", organizationID: org.organization.id, handoverID: nil, kind: "test",
                    to: [try MailAddress(address: "\(local)+\(tag)@example.com")], subject: "Test \(local)", text: "Hello", createdAt: Date())
            }
            try await store.enqueueMail([try message("flaky"), try message("busy"), try message("nobody")])
            let runner = Self.runner(store, services, smtp: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
            for _ in 0..<12 { try await runner.runOnce() }
            let flaky = try #require(try await store.outboxMessage(id: "flaky-\(tag)", organizationID: org.organization.id))
            #expect(flaky.state == .sent && flaky.attempts == 3)
            let nobody = try #require(try await store.outboxMessage(id: "nobody-\(tag)", organizationID: org.organization.id))
            #expect(nobody.state == .failed && nobody.attempts == 1)
            #expect(nobody.lastReply == "the SMTP server answered 550 5.1.1 No such user here to RCPT TO:<nobody+\(tag)@example.com>")
            let busy = try #require(try await store.outboxMessage(id: "busy-\(tag)", organizationID: org.organization.id))
            #expect(busy.state == .failed && busy.attempts == NewJob.defaultMaxAttempts)
            #expect(busy.lastReply?.contains("451 4.3.0 Mailbox busy, try again later") == true && busy.lastReply?.contains("gave up after 8 tries") == true)
            let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 1000)).filter { $0.payload.contains(tag) }
            #expect(jobs.count == 3)
            #expect(jobs.first { $0.payload.contains("busy") }?.state == .dead)
            #expect(jobs.first { $0.payload.contains("nobody") }?.state == .done)
            #expect(try server.received().filter { $0.rcptTos.contains("flaky+\(tag)@example.com") }.count == 1)
        }
    }

    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func aBurstOfMailSharesConnectionsAndEachMessageIsSentAndItsJobDoneInOneWrite(engine: String) async throws {
        try await Self.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let server = try TestSMTPServer()
            defer { server.stop() }
            let tag = UUID().uuidString.prefix(8).lowercased()
            let messages = try (0..<12).map { index in
                OutboxMessage(
                    id: "burst-\(index)-\(tag)", organizationID: org.organization.id, handoverID: nil, kind: "test",
                    to: [try MailAddress(address: "reader\(index)@example.com")], subject: "Burst \(index)", text: "Hello", createdAt: Date())
            }
            try await store.enqueueMail(messages)
            let pool = SMTPSessionPool(client: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")))
            // Four at a time, as `handover serve` runs jobs.
            let runner = JobRunner(
                store: store, handlers: [:], batchHandlers: [MailSendJob.kind: MailSendJob.handler(outbox: services.outbox, transport: pool, from: Self.from)])
            while try await runner.runOnce() > 0 {}
            for message in messages {
                let stored = try #require(try await store.outboxMessage(id: message.id, organizationID: org.organization.id))
                #expect(stored.state == .sent && stored.attempts == 1 && stored.lastReply?.hasPrefix("250 2.0.0 Queued as") == true)
            }
            let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 1000)).filter { $0.payload.contains(tag) }
            #expect(jobs.count == 12 && jobs.allSatisfy { $0.state == .done && $0.attempts == 1 }, "\(jobs.map(\.state))")
            let arrived = try server.received()
            #expect(arrived.count == 12)
            let connections = Set(arrived.compactMap(\.peer)).count
            #expect(connections >= 1 && connections <= 4 && pool.sessionsOpened == connections, "\(connections) connections for 12 messages")
            await pool.close()
        }
    }

    /// A batch whose time is up before it starts hands its jobs back untried, attempts not
    /// counted: the messages stay queued and go out on the next claim.
    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func aBatchOutOfTimeHandsItsMessagesBackUntriedAndTheyGoLater(engine: String) async throws {
        try await Self.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let server = try TestSMTPServer()
            defer { server.stop() }
            let messages = try (0..<5).map { index in
                OutboxMessage(
                    id: "late-\(index)-\(UUID().uuidString.prefix(8).lowercased())", organizationID: org.organization.id, handoverID: nil, kind: "test",
                    to: [try MailAddress(address: "late\(index)@example.com")], subject: "Late \(index)", text: "Hello", createdAt: Date())
            }
            try await store.enqueueMail(messages)
            let client = SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
            let handler = MailSendJob.handler(outbox: services.outbox, transport: client, from: Self.from)
            // A lease of 0: the batch's deadline (a quarter of it) has passed when it begins.
            let hurried = JobRunner(store: store, handlers: [:], batchHandlers: [MailSendJob.kind: handler], options: .init(lease: 0))
            #expect(try await hurried.runOnce() == 5)
            for message in messages {
                let stored = try #require(try await store.outboxMessage(id: message.id, organizationID: org.organization.id))
                #expect(stored.state == .queued && stored.attempts == 0)
            }
            let jobs = try await store.jobs(filter: JobFilter(kind: JobKind.mailSend, limit: 100))
            #expect(jobs.count == 5 && jobs.allSatisfy { $0.state == .pending && $0.attempts == 0 })
            #expect(try server.received().isEmpty)

            let runner = JobRunner(store: store, handlers: [:], batchHandlers: [MailSendJob.kind: handler])
            while try await runner.runOnce() > 0 {}
            for message in messages {
                let stored = try #require(try await store.outboxMessage(id: message.id, organizationID: org.organization.id))
                #expect(stored.state == .sent && stored.attempts == 1 && stored.lastReply?.hasPrefix("250") == true)
            }
            #expect(try server.received().count == 5)
        }
    }

    @Test(.enabled(if: TestSMTPServer.available), arguments: TestDatabases.engines)
    func aServerThatSaysNothingTimesOutAndTheMessageWaitsForTheNextTry(engine: String) async throws {
        try await Self.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let server = try TestSMTPServer(mode: .silent)
            defer { server.stop() }
            let id = "silent-\(UUID().uuidString.prefix(8).lowercased())"
            try await store.enqueueMail([
                OutboxMessage(
                    id: id, organizationID: org.organization.id, handoverID: nil, kind: "test", to: [try MailAddress(address: "a@example.com")], subject: "Hi",
                    text: "Hello", createdAt: Date())
            ])
            let runner = JobRunner(
                store: store,
                handlers: [:],
                batchHandlers: [
                    MailSendJob.kind: MailSendJob.handler(
                        outbox: services.outbox, transport: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never&timeout=0.3")),
                        from: Self.from)
                ], options: .init(retry: RetryPolicy(base: 3600)))
            try await runner.runOnce()
            let message = try #require(try await store.outboxMessage(id: id, organizationID: org.organization.id))
            #expect(message.state == .queued && message.attempts == 1)
            #expect(message.lastReply == "the SMTP server did not answer the greeting within 0.3 s")
        }
    }

    @Test(arguments: TestDatabases.engines) func theAPIListsTheOutboxForWhoeverMaySeeIt(engine: String) async throws {
        let f = try await APIFixture.make(engine) { $0.publicURL = "https://handover.example.com" }
        let services = HandoverApplication.services(store: f.store, configuration: f.configuration)
        let handover = try await Self.submitted(f.org, f.store, services)
        try await f.test { client in
            try await client.execute(uri: "/api/v1/outbox", method: .get, headers: f.headers(f.org.bob)) { r in
                #expect(r.status == .ok)
                let list = try r.decode(ListResponse<OutboxMessageResponse>.self)
                #expect(list.items.count == 1 && list.items[0].handoverID == handover.id && list.items[0].state == .queued)
                #expect(list.items[0].text.contains("https://handover.example.com/handovers/\(handover.id)"))
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/outbox?state=queued", method: .get, headers: f.headers(f.org.manager)) { r in
                let list = try r.decode(ListResponse<OutboxMessageResponse>.self)
                #expect(list.items.count == 1)
            }
            try await client.execute(uri: "/api/v1/outbox?handover=\(handover.id)&state=sent", method: .get, headers: f.headers(f.org.admin)) { r in
                let list = try r.decode(ListResponse<OutboxMessageResponse>.self)
                #expect(list.items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/outbox", method: .get, headers: f.headers(f.org.carol)) { r in
                let list = try r.decode(ListResponse<OutboxMessageResponse>.self)
                #expect(list.items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/handovers/\(handover.id)/outbox", method: .get, headers: f.headers(f.org.carol)) { #expect($0.status == .notFound) }
            try await client.execute(uri: "/api/v1/outbox", method: .get, headers: f.headers(f.other.admin)) { r in
                let list = try r.decode(ListResponse<OutboxMessageResponse>.self)
                #expect(list.items.isEmpty)
            }
            try await client.execute(uri: "/api/v1/outbox?state=lost", method: .get, headers: f.headers(f.org.admin)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/outbox?limit=0", method: .get, headers: f.headers(f.org.admin)) { #expect($0.status == .badRequest) }
            try await client.execute(uri: "/api/v1/outbox", method: .get, headers: f.headers(nil)) { #expect($0.status == .unauthorized) }
        }
    }
}

@Suite struct MailConfigurationTests {
    @Test func smtpNeedsASenderAndThePasswordNeverShows() throws {
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["HANDOVER_SMTP_URL": "smtp://u:hunter2@mail.example.com"]) }
        let configuration = try ServerConfiguration.fromEnvironment([
            "HANDOVER_SMTP_URL": "smtp://u:hunter2@mail.example.com?starttls=required", "HANDOVER_MAIL_FROM": "Acme Handover <handover@acme.example>",
            "HANDOVER_PUBLIC_URL": "https://handover.acme.example",
        ])
        #expect(configuration.mail.from == (try MailAddress(name: "Acme Handover", address: "handover@acme.example")))
        #expect(configuration.mailSettings.publicURL == "https://handover.acme.example")
        let summary = configuration.summary.joined(separator: "\n")
        #expect(summary.contains("mail:            smtp://u:***@mail.example.com:587?starttls=required, from Acme Handover <handover@acme.example>"))
        #expect(!summary.contains("hunter2"))
        #expect(ServerConfiguration().summary.joined().contains("no SMTP server (HANDOVER_SMTP_URL): emails wait in the outbox"))
        #expect(ServerConfiguration().mailSettings.publicURL == "http://127.0.0.1:8080")
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["HANDOVER_PUBLIC_URL": "handover.acme.example"]) }
        #expect(throws: ConfigurationError.self) { try ServerConfiguration.fromEnvironment(["HANDOVER_MAIL_FROM": "Eve <eve@acme.example>\r\nBcc: x@y.z"]) }
    }
}
