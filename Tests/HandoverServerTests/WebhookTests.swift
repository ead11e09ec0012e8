import Foundation
import HandoverCore
import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverTrust
import HandoverWire
import Hummingbird
import HummingbirdTesting
import Testing

/// A webhook receiver for a test: `Tests/webhooks/webhook_receiver.py` on loopback, which
/// verifies every signature itself with Python's hmac against the secrets the test gives it.
final class TestWebhookReceiver: @unchecked Sendable {
    struct Request: Decodable {
        var path: String
        var id: String
        var timestamp: String
        var signature: String
        var body: String
        var verified: [Int]
        var status: Int
        var contentType: String
    }

    let port: Int
    let folder: URL
    private let process: ChildProcess
    private let input: Pipe

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-hooks-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        process = ChildProcess()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [root.appendingPathComponent("Tests/webhooks/webhook_receiver.py").path, "--out", folder.path]
        input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        var port: Int?
        var buffered = ""
        while port == nil {
            let data = output.fileHandleForReading.availableData
            if data.isEmpty { break }
            buffered += String(decoding: data, as: UTF8.self)
            for line in buffered.split(separator: "\n") where line.hasPrefix("READY ") { port = Int(line.dropFirst(6)) }
        }
        guard let port else {
            process.terminate()
            throw TestSetupError("the webhook receiver did not start")
        }
        self.port = port
    }

    deinit { stop() }

    func stop() {
        try? input.fileHandleForWriting.close()
        if process.isRunning {
            process.terminate()
            process.waitUntilExit()
        }
    }

    func url(_ path: String) -> String { "http://127.0.0.1:\(port)\(path)" }

    /// The secrets signatures are checked against, by index.
    func trust(_ secrets: [String]) throws {
        try JSONEncoder().encode(secrets).write(to: folder.appendingPathComponent("secrets.json"))
    }

    func requests(_ path: String? = nil) throws -> [Request] {
        guard let text = try? String(contentsOf: folder.appendingPathComponent("requests.jsonl"), encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }.filter { path == nil || $0.path == path }
    }
}

/// Outbound webhooks on both engines: subscriptions (admins only, their organization only, URLs
/// checked), events emitted in the causing transaction, delivery to a real loopback listener
/// that verifies the Standard Webhooks signature independently, retries, 410, the delivery log,
/// replay and rotation.
@Suite struct WebhookTests {
    static let keys = try! LogKeys(secret: Array(repeating: 9, count: 32))

    static func services(_ store: any HandoverStore, allowPrivate: Bool = true) -> Services {
        Services(store: store, logKeys: keys, webhooks: WebhookSettings(allowPrivate: allowPrivate))
    }

    static func runner(_ store: any HandoverStore, _ services: Services, _ transport: WebhookHTTPTransport) -> JobRunner {
        // Jitter 0: a retry is due at once, so each runOnce is the next attempt.
        JobRunner(
            store: store, handlers: [WebhookDeliverJob.kind: WebhookDeliverJob.handler(webhooks: services.webhooks, transport: transport)],
            options: .init(concurrency: 8, retryByKind: [:]), jitter: { 0 })
    }

    static func submitted(_ org: OrgFixture, _ store: any HandoverStore, _ services: Services) async throws -> Handover {
        let account = try await org.account(org.alice, in: store, name: "Hooked \(UUID().uuidString.prefix(6))")
        let draft = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
        return try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
    }

    @Test func theSignatureIsTheSpecsTestVector() throws {
        // From the Standard Webhooks reference libraries' tests.
        let secret = try #require(WebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        let signature = WebhookSignature.sign(
            id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: Array(#"{"test": 2432232314}"#.utf8), secret: secret)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        #expect(WebhookSecret("whsec_short") == nil && WebhookSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
        // Sealed for one subscription, it opens there only.
        let sealed = try secret.seal(with: Self.keys, subscriptionID: "a")
        #expect(!sealed.contains("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        #expect(try WebhookSecret.open(sealed, with: Self.keys, subscriptionID: "a") == secret)
        #expect(throws: TrustError.self) { try WebhookSecret.open(sealed, with: Self.keys, subscriptionID: "b") }
    }

    /// Literal hosts in every spelling the review found, and the ranges it listed.
    static let internalHosts = [
        "localhost", "LOCALHOST.", "api.localhost", "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "169.254.169.254", "[::1]", "fd00::1",
        "::ffff:127.0.0.1", "0.0.0.0", "100.64.0.1",
        // Non-canonical IPv4 forms that resolvers read as 127.0.0.1 (octal, packed, hex, short).
        "0177.0.0.1", "2130706433", "0x7f.1", "127.1", "0x7f000001", "127.0.0.01", "1.2.3.4.5", "1.2.3",
        // IPv6 spellings of loopback and of IPv4 inside IPv6.
        "[::ffff:7f00:1]", "[0:0:0:0:0:0:0:1]", "[::127.0.0.1]", "[::]", "[64:ff9b::a00:5]", "[64:ff9b::7f00:1]", "[2002:a00:1::1]", "[2002:7f00:1::]",
        "[::ffff:169.254.169.254]", "[fe80::1%25eth0]", "[fe80::1]", "[fec0::1]", "[ff02::1]", "[fc00::1]", "[::ffff:10.0.0.1]",
        // Reserved IPv4 ranges.
        "198.18.0.1", "198.19.255.255", "192.0.0.8", "192.0.2.1", "224.0.0.1", "255.255.255.255", "240.0.0.1",
    ]

    @Test func internalAddressesAreRecognized() {
        for host in Self.internalHosts { #expect(WebhookURL.isInternal(host: host), "\(host)") }
        for host in [
            "example.com", "8.8.8.8", "172.32.0.1", "1.2.3.4", "[2606:4700::1111]", "[64:ff9b::808:808]", "[2002:808:808::1]", "a1.example.com", "1.2.3.4.example",
        ] {
            #expect(!WebhookURL.isInternal(host: host), "\(host)")
        }
        #expect(WebhookURL.literal("[::ffff:7f00:1]") == .address([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]))
        #expect(WebhookURL.literal("0177.0.0.1") == .refused && WebhookURL.literal("example.com") == nil)
    }

    @Test func urlsThatAreCredentialsAndUnavailableEventsAreRefusedAtSave() {
        for url in [
            "https://hooks.slack.com/services/T000/B000/XXXXXXXXXXXXXXXX", "https://discord.com/api/webhooks/123/abcdefghijkl",
            "https://example.com/in?token=abcdef123456", "https://example.com/in?a=1&SIG=0123456789abcdef", "https://example.com/in?api_key=sk_live_abcdefghijklmnop",
        ] {
            #expect(WebhookURL.problems(url, allowPrivate: false).first?.path == "url", "\(url)")
        }
        // A short or unrelated query is fine.
        #expect(WebhookURL.problems("https://example.com/in?tenant=acme&key=v1", allowPrivate: false).isEmpty)
        for host in Self.internalHosts where !host.contains("%") {
            #expect(!WebhookURL.problems("https://\(host)/x", allowPrivate: false).isEmpty, "\(host)")
        }
    }

    @Test(arguments: TestDatabases.engines) func credentialsInTheURLOrDescriptionAndUnavailableEventsAreRefused(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let services = Self.services(store, allowPrivate: false)
        await #expect(throws: HandoverError.self) {
            try await services.webhooks.create(url: "https://example.com/in", events: ["*"], description: "key sk_live_4eC39HqLyjWDarjtT1zdp7dc", by: org.admin)
        }
        await #expect(throws: HandoverError.self) {
            try await services.webhooks.create(url: "https://example.com/in/sk_live_4eC39HqLyjWDarjtT1zdp7dc", events: ["*"], by: org.admin)
        }
        do {
            _ = try await services.webhooks.create(url: "https://example.com/in", events: ["sla.breach"], by: org.admin)
            Issue.record("accepted sla.breach")
        } catch HandoverError.invalid(let problems) {
            #expect(problems.first?.path == "events[0]" && problems.first?.message.contains("is not an event type") == true)
        }
        let (hook, _) = try await services.webhooks.create(url: "https://example.com/in", events: ["departure.applied", "member.deactivated"], by: org.admin)
        await #expect(throws: HandoverError.self) {
            try await services.webhooks.update(
                id: hook.id, url: "https://example.com/in?token=abcdefgh12345678", events: nil, enabled: nil, description: nil, expectedVersion: nil, by: org.admin)
        }
        await #expect(throws: HandoverError.self) {
            try await services.webhooks.update(
                id: hook.id, url: nil, events: nil, enabled: nil, description: "ghp_16C7e42F292c6912E7710c838347Ae178B4a", expectedVersion: nil, by: org.admin)
        }
        #expect(try await services.webhooks.webhook(id: hook.id, by: org.admin).version == 1)
        #expect(try await services.webhooks.webhooks(by: org.admin).count == 1)
    }

    @Test func departureAndDeactivationEventsCarryIdsAndTheLeaversEmailOnly() {
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let member = Member(
            id: "m1", organizationID: "o1", email: "leaver@x.test", name: "Lee Ver", role: .member, createdAt: now, deactivatedAt: now)
        let deactivated = WebhookEvent.memberDeactivated(member, by: "admin1", at: now)
        #expect(deactivated.type == "member.deactivated" && deactivated.organizationID == "o1" && WebhookEventType.all.contains(deactivated.type))
        // The email is the one personal detail: what an offboarding flow matches other systems' accounts by; never the name.
        #expect(deactivated.data["member"] == "m1" && deactivated.data["actor"] == "admin1" && deactivated.data["email"] == "leaver@x.test")
        #expect(!deactivated.data.values.contains { $0.contains("Lee") })
        let summary = DepartureSummary(
            id: "d1", memberID: "m1", effectiveOn: nil, state: "applied", handoversCreated: 3, briefingsReassigned: 1, skipped: [], accessGrantsListed: 0,
            soleReaderSecrets: 0, createdAt: now, appliedAt: now)
        let applied = WebhookEvent.departureApplied(summary, organizationID: "o1", by: nil)
        #expect(applied.type == "departure.applied" && WebhookEventType.all.contains(applied.type) && applied.timestamp == now)
        #expect(applied.data["departure"] == "d1" && applied.data["handoversCreated"] == "3" && applied.data["actor"] == nil)
        #expect(WebhookEventType.all.contains(WebhookEventType.slaBreached))
    }

    @Test func deliveryRetriesSpanAboutADay() {
        let policy = RetryPolicy.webhookDelivery
        let steps = (1..<SQLHandoverStore.webhookAttempts).map { policy.delay(afterAttempt: $0, jitter: 0.5) }
        #expect(steps == [5, 300, 1800, 7200, 18_000, 36_000, 36_000])
        let least = (1..<SQLHandoverStore.webhookAttempts).map { policy.delay(afterAttempt: $0, jitter: 0) }.reduce(0, +)
        #expect(least > 20 * 3600 && steps.reduce(0, +) > 27 * 3600)
        #expect(policy.delay(afterAttempt: 2, jitter: 1) == 375 && policy.delay(afterAttempt: 2, jitter: 0) == 225)
        #expect(JobRunner.Options().retryByKind[JobKind.webhookDeliver] == .webhookDelivery)
    }

    @Test(arguments: TestDatabases.engines) func onlyAdminsOfTheOrganizationManageWebhooksAndBadURLsAreRefused(engine: String) async throws {
        let store = try await TestDatabases.store(engine)
        defer { Task { try? await store.database.close() } }
        let org = try await OrgFixture.make(in: store)
        let other = try await OrgFixture.make(in: store, name: "Other")
        let services = Self.services(store, allowPrivate: false)
        let (webhook, secret) = try await services.webhooks.create(url: "https://hooks.example.com/in", events: ["handover.completed"], by: org.admin)
        #expect(secret.hasPrefix("whsec_") && WebhookSecret(secret) != nil)
        // Non-admins: 403, even to list.
        for member in [org.manager, org.alice, org.auditor] {
            await #expect(throws: HandoverError.self) { try await services.webhooks.webhooks(by: member) }
            await #expect(throws: HandoverError.self) { try await services.webhooks.create(url: "https://x.example.com", events: ["*"], by: member) }
        }
        // Another organization's admin: 404 for every id.
        await #expect(throws: StoreError.self) { try await services.webhooks.webhook(id: webhook.id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await services.webhooks.rotate(id: webhook.id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await services.webhooks.delete(id: webhook.id, by: other.admin) }
        await #expect(throws: StoreError.self) { try await services.webhooks.deliveries(webhookID: webhook.id, by: other.admin) }
        #expect(try await services.webhooks.webhooks(by: other.admin).isEmpty)
        // Bad URLs and events: 422 with the reason, nothing stored.
        for url in [
            "ftp://example.com/x", "https://user:pw@example.com/", "http://example.com/", "https://127.0.0.1/", "https://10.0.0.8/x", "https://localhost:8080/",
            "https://[::1]/", "https://169.254.169.254/latest", "not a url", "https:///nohost",
        ] {
            do {
                _ = try await services.webhooks.create(url: url, events: ["*"], by: org.admin)
                Issue.record("accepted \(url)")
            } catch HandoverError.invalid(let problems) {
                #expect(problems.first?.path == "url", "\(url)")
            }
        }
        do {
            _ = try await services.webhooks.create(url: "https://example.com/", events: ["handover.exploded"], by: org.admin)
            Issue.record("accepted an unknown event")
        } catch HandoverError.invalid(let problems) { #expect(problems.first?.path == "events[0]") }
        #expect(try await services.webhooks.webhooks(by: org.admin).map(\.id) == [webhook.id])
        // The secret is not in the database in plain text.
        let stored = try #require(try await store.webhookSealedSecret(id: webhook.id, organizationID: org.organization.id))
        #expect(!stored.contains(secret) && !stored.contains(String(secret.dropFirst(6))))
        // Update and delete.
        let paused = try await services.webhooks.update(
            id: webhook.id, url: nil, events: ["*"], enabled: false, description: "CRM", expectedVersion: webhook.version, by: org.admin)
        #expect(!paused.enabled && paused.events == ["*"] && paused.version == 2)
        await #expect(throws: StoreError.self) {
            try await services.webhooks.update(id: webhook.id, url: nil, events: nil, enabled: true, description: nil, expectedVersion: 1, by: org.admin)
        }
        try await services.webhooks.delete(id: webhook.id, by: org.admin)
        #expect(try await services.webhooks.webhooks(by: org.admin).isEmpty)
    }

    @Test(arguments: TestDatabases.engines) func eventsAreSignedRetriedLoggedDisabledOnGoneAndReplayed(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let receiver = try TestWebhookReceiver()
            defer { receiver.stop() }
            let transport = WebhookHTTPTransport(allowPrivate: true, timeout: .seconds(5))
            let runner = Self.runner(store, services, transport)
            let (ok, okSecret) = try await services.webhooks.create(url: receiver.url("/ok"), events: ["handover.submitted"], by: org.admin)
            let (flaky, flakySecret) = try await services.webhooks.create(url: receiver.url("/flaky"), events: ["*"], by: org.admin)
            let (gone, goneSecret) = try await services.webhooks.create(url: receiver.url("/gone"), events: ["handover.submitted"], by: org.admin)
            let (redirect, redirectSecret) = try await services.webhooks.create(url: receiver.url("/redirect"), events: ["handover.submitted"], by: org.admin)
            _ = try await services.webhooks.create(url: receiver.url("/ok"), events: ["handover.completed"], by: org.admin)  // not submitted: nothing
            try receiver.trust([okSecret, flakySecret, goneSecret, redirectSecret])

            // A change that rolls back emits nothing.
            let account = try await org.account(org.alice, in: store)
            let draft = try await org.handover(of: account, to: org.bob, in: store, content: ContentFixtures.complete(ContentFixtures.customerTemplate))
            await #expect(throws: StoreError.self) { try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: 9, by: org.alice) }
            #expect(try await services.webhooks.deliveries(webhookID: ok.id, by: org.admin).isEmpty)

            let handover = try await services.handovers.transition(id: draft.id, event: .submit, expectedVersion: nil, by: org.alice)
            for _ in 0..<6 { try await runner.runOnce() }

            // /ok: one POST, signed by its secret, the spec's headers, the payload.
            let okRequests = try receiver.requests("/ok")
            let first = try #require(okRequests.first)
            #expect(okRequests.count == 1 && first.verified == [0] && first.contentType == "application/json")
            #expect(first.id.hasPrefix("msg_") && first.signature.hasPrefix("v1,") && !first.signature.contains(" "))
            #expect(abs((Int(first.timestamp) ?? 0) - Int(Date().timeIntervalSince1970)) < 120)
            let payload = try #require(try JSONSerialization.jsonObject(with: Data(first.body.utf8)) as? [String: Any])
            #expect(payload["type"] as? String == "handover.submitted" && payload["timestamp"] is String)
            let data = try #require(payload["data"] as? [String: String])
            #expect(data["handover"] == handover.id && data["account"] == account.id && data["recipient"] == org.bob.id && data["state"] == "submitted")
            #expect(!first.body.contains("content") && !first.body.contains(okSecret))
            let okDelivery = try #require(try await services.webhooks.deliveries(webhookID: ok.id, by: org.admin).first)
            #expect(okDelivery.id == first.id && okDelivery.state == .delivered && okDelivery.attempts == 1 && okDelivery.lastStatus == 200)

            // /flaky: 500, 500, then 200, with the same webhook-id, each attempt logged.
            let flakyRequests = try receiver.requests("/flaky")
            #expect(flakyRequests.map(\.status) == [500, 500, 200] && Set(flakyRequests.map(\.id)).count == 1)
            #expect(flakyRequests.allSatisfy { $0.verified == [1] })
            let flakyDelivery = try #require(try await services.webhooks.deliveries(webhookID: flaky.id, by: org.admin).first)
            let log = try await services.webhooks.delivery(id: flakyDelivery.id, by: org.admin)
            #expect(log.delivery.state == .delivered && log.delivery.attempts == 3)
            #expect(log.attempts.map(\.attempt) == [1, 2, 3] && log.attempts.map(\.status) == [500, 500, 200])
            #expect(log.attempts[0].responseExcerpt?.count == WebhookAttempt.excerptLimit && log.attempts[2].responseExcerpt == "thanks")

            // /gone: 410 fails the delivery and disables the subscription, with the reason.
            #expect(try receiver.requests("/gone").count == 1)
            let goneDelivery = try #require(try await services.webhooks.deliveries(webhookID: gone.id, by: org.admin).first)
            #expect(goneDelivery.state == .failed && goneDelivery.lastStatus == 410)
            let disabled = try await services.webhooks.webhook(id: gone.id, by: org.admin)
            #expect(!disabled.enabled && disabled.disabledReason?.contains("410") == true)

            // /redirect: not followed; a 302 is retried like any other failure.
            #expect(try receiver.requests("/redirect").map(\.status).allSatisfy { $0 == 302 })
            #expect(try receiver.requests("/ok").count == 1)
            let redirected = try #require(try await services.webhooks.deliveries(webhookID: redirect.id, by: org.admin).first)
            #expect(redirected.state == .pending && redirected.lastStatus == 302)

            // Replay: the same webhook-id again, fresh signature.
            let replayed = try await services.webhooks.replay(deliveryID: okDelivery.id, by: org.admin)
            #expect(replayed.state == .pending)
            for _ in 0..<2 { try await runner.runOnce() }
            let again = try receiver.requests("/ok")
            #expect(again.count == 2 && again[1].id == first.id && again[1].verified == [0])
            #expect(try await services.webhooks.delivery(id: okDelivery.id, by: org.admin).attempts.count == 2)
            let other = try await OrgFixture.make(in: store, name: "Other")
            await #expect(throws: StoreError.self) { try await services.webhooks.replay(deliveryID: okDelivery.id, by: other.admin) }
            await #expect(throws: StoreError.self) { try await services.webhooks.delivery(id: okDelivery.id, by: other.admin) }
            await #expect(throws: HandoverError.self) { try await services.webhooks.replay(deliveryID: okDelivery.id, by: org.manager) }

            // Rotation: during the grace period both secrets sign; --now drops the old one.
            let (_, newSecret) = try await services.webhooks.rotate(id: flaky.id, by: org.admin)
            try receiver.trust([okSecret, flakySecret, goneSecret, redirectSecret, newSecret])
            _ = try await services.handovers.ask(id: handover.id, body: "Who signs the renewal?", by: org.bob)
            for _ in 0..<2 { try await runner.runOnce() }
            let asked = try #require(try receiver.requests("/flaky").first { $0.body.contains("\"question.asked\"") })
            #expect(asked.body.contains("\"question.asked\"") && !asked.body.contains("renewal"))
            #expect(asked.signature.split(separator: " ").count == 2 && asked.verified == [1, 4])
            let (_, newest) = try await services.webhooks.rotate(id: flaky.id, immediately: true, by: org.admin)
            try receiver.trust([okSecret, flakySecret, goneSecret, redirectSecret, newSecret, newest])
            _ = try await services.handovers.ask(id: handover.id, body: "And the invoice?", by: org.bob)
            for _ in 0..<2 { try await runner.runOnce() }
            let last = try #require(try receiver.requests("/flaky").first { $0.body.contains("\"question.asked\"") && $0.id != asked.id })
            #expect(last.verified == [5] && !last.signature.contains(" "))

            // A briefing scheduled: its event, without the place.
            let briefing = try await services.briefings.schedule(
                handoverID: handover.id, startsAt: Date().addingTimeInterval(2 * 86_400), durationMinutes: 30, place: "Room 4B", videoURL: nil,
                attendeeIDs: nil, by: org.alice)
            for _ in 0..<4 { try await runner.runOnce() }
            let scheduled = try #require(try receiver.requests("/flaky").first { $0.body.contains("\"briefing.scheduled\"") })
            #expect(scheduled.body.contains(briefing.id) && !scheduled.body.contains("Room 4B") && scheduled.verified == [5])
        }
    }

    @Test(arguments: TestDatabases.engines) func attemptsRunOutIntoFailed(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let receiver = try TestWebhookReceiver()
            defer { receiver.stop() }
            let transport = WebhookHTTPTransport(allowPrivate: true, timeout: .seconds(5))
            let runner = Self.runner(store, services, transport)
            let (hook, _) = try await services.webhooks.create(url: receiver.url("/fail"), events: ["handover.submitted"], by: org.admin)
            _ = try await Self.submitted(org, store, services)
            for _ in 0..<(SQLHandoverStore.webhookAttempts + 2) { try await runner.runOnce() }
            let delivery = try #require(try await services.webhooks.deliveries(webhookID: hook.id, by: org.admin).first)
            #expect(delivery.state == .failed && delivery.attempts == SQLHandoverStore.webhookAttempts && delivery.lastStatus == 500)
            #expect(try receiver.requests("/fail").count == SQLHandoverStore.webhookAttempts)
            // Refused before sending: a private address when they are not allowed.
            let strict = WebhookHTTPTransport(allowPrivate: false, timeout: .seconds(5))
            await #expect(throws: (any Error).self) { try await strict.post(url: receiver.url("/ok"), headers: [], body: []) }
            #expect(try receiver.requests("/ok").isEmpty)
        }
    }

    /// A resolver for names under `.test`: what a DNS server under an attacker's control would answer.
    static func resolver(_ answers: [String: [[UInt8]]]) -> WebhookHTTPTransport.Resolver {
        { host, _ in
            guard let addresses = answers[host] else { throw TestSetupError("\(host) does not resolve") }
            return addresses
        }
    }

    @Test func theTransportResolvesOnceRefusesInternalAnswersFailsClosedAndConnectsToTheAddressItChecked() async throws {
        let receiver = try TestWebhookReceiver()
        defer { receiver.stop() }
        let answers: [String: [[UInt8]]] = [
            "rebind.test": [[127, 0, 0, 1]], "mixed.test": [[93, 184, 215, 14], [10, 0, 0, 5]], "v6.test": [[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 1]],
            "receiver.test": [[127, 0, 0, 1]],
        ]
        let strict = WebhookHTTPTransport(allowPrivate: false, timeout: .seconds(5), resolver: Self.resolver(answers))
        for host in ["rebind.test", "mixed.test", "v6.test", "nxdomain.test", "localhost", "[::ffff:7f00:1]", "0177.0.0.1", "2130706433"] {
            do {
                _ = try await strict.post(url: "http://\(host):\(receiver.port)/ok", headers: [], body: [])
                Issue.record("sent to \(host)")
            } catch {
                // What the log keeps: why it was not sent, never a network error's text.
                #expect(String(describing: error).hasPrefix("not sent:"), "\(host): \(error)")
            }
        }
        // The system resolver, off the cooperative pool: fails for a name that does not exist.
        await #expect(throws: (any Error).self) { try await WebhookHTTPTransport.systemResolve("nxdomain.invalid", .seconds(5)) }
        #expect(try await WebhookHTTPTransport.systemResolve("localhost", .seconds(5)).allSatisfy(WebhookURL.isInternal(address:)))
        #expect(try receiver.requests().isEmpty)
        // Allowed (tests, development): the name is resolved by our resolver only and the client
        // connects to that address. receiver.test exists nowhere else, so an arrival proves the pin.
        let pinned = WebhookHTTPTransport(allowPrivate: true, timeout: .seconds(5), resolver: Self.resolver(answers))
        let response = try await pinned.post(url: "http://receiver.test:\(receiver.port)/ok", headers: [("webhook-id", "msg_pin")], body: Array("{}".utf8))
        let arrived = try receiver.requests("/ok").count
        #expect(response.status == 200 && arrived == 1)
        // Nothing listening: a generic reason, not the socket's error text.
        do {
            _ = try await pinned.post(url: "http://127.0.0.1:9/ok", headers: [], body: [])
            Issue.record("port 9 answered")
        } catch {
            #expect(["could not connect or the connection failed", "no answer in time"].contains(String(describing: error)))
        }
    }

    @Test(arguments: TestDatabases.engines) func replayWhilePendingIsAConflictRotationsKeepTheLatestSecretAndEmitUsesTheEventsTime(engine: String) async throws {
        try await OutboxTests.withOwnStore(engine) { store in
            let org = try await OrgFixture.make(in: store)
            let services = Self.services(store)
            let (hook, original) = try await services.webhooks.create(url: "https://example.com/in", events: ["*"], by: org.admin)
            let then = Date(timeIntervalSince1970: 1_000_000_000)
            try await store.emitWebhooks([WebhookEvent(organizationID: org.organization.id, type: "question.asked", timestamp: then, data: ["question": "q1"])])
            let delivery = try #require(try await services.webhooks.deliveries(webhookID: hook.id, by: org.admin).first)
            let job = try #require(try await store.jobs(filter: JobFilter(kind: JobKind.webhookDeliver)).first { $0.payload.contains(delivery.id) })
            #expect(job.createdAt == then && job.runAfter == then && delivery.createdAt == then)
            #expect(job.maxAttempts == SQLHandoverStore.webhookAttempts)
            // Pending: its job sends it; a replay would send it twice.
            do {
                _ = try await services.webhooks.replay(deliveryID: delivery.id, by: org.admin)
                Issue.record("replayed a pending delivery")
            } catch StoreError.conflict(let message) { #expect(message.contains("pending")) }
            try await store.recordWebhookAttempt(
                WebhookAttempt(deliveryID: delivery.id, attempt: 1, at: Date(), status: 500, durationMillis: 1, responseExcerpt: nil, error: nil),
                organizationID: org.organization.id, state: .failed, disable: nil)
            #expect(try await services.webhooks.replay(deliveryID: delivery.id, by: org.admin).state == .pending)
            await #expect(throws: StoreError.self) { try await services.webhooks.replay(deliveryID: delivery.id, by: org.admin) }

            // Two rotations at once: the previous secret is the one the other rotation returned, never the original.
            async let first = services.webhooks.rotate(id: hook.id, by: org.admin)
            async let second = services.webhooks.rotate(id: hook.id, by: org.admin)
            let secrets = [try await first.secret, try await second.secret]
            let sending = try #require(try await store.webhookSending(deliveryID: delivery.id))
            let current = try WebhookSecret.open(sending.sealedSecret, with: Self.keys, subscriptionID: hook.id).text
            let previous = try WebhookSecret.open(try #require(sending.sealedPreviousSecret), with: Self.keys, subscriptionID: hook.id).text
            #expect(Set([current, previous]) == Set(secrets) && previous != original)
            _ = try await services.webhooks.rotate(id: hook.id, immediately: true, by: org.admin)
            #expect(try await store.webhookSending(deliveryID: delivery.id)?.sealedPreviousSecret == nil)
        }
    }
}

/// The webhook endpoints over HTTP: admins only, another organization's ids 404, bad input 4xx,
/// and every answer's shape (recorded for scripts/wire-check).
@Suite struct WebhookAPITests {
    @Test(arguments: TestDatabases.engines) func theAPIManagesWebhooksForAdminsOfTheOrganizationOnly(engine: String) async throws {
        let f = try await APIFixture.make(engine)
        let call = PipelineTests.call
        try await f.test { client in
            let create = CreateWebhookRequest(url: "https://hooks.example.com/in", events: ["handover.completed", "question.asked"], description: "CRM")
            _ = try await call(client, f, .post, "/api/v1/webhooks", f.org.manager, try body(create), .forbidden)
            _ = try await call(client, f, .get, "/api/v1/webhooks", f.org.alice, nil, .forbidden)
            _ = try await call(client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"http://10.0.0.1/x","events":["*"]}"#), .unprocessableContent)
            _ = try await call(client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"https://a:b@example.com","events":["*"]}"#), .unprocessableContent)
            _ = try await call(client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"https://example.com","events":["nope"]}"#), .unprocessableContent)
            _ = try await call(client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"https://example.com"}"#), .badRequest)
            let created = try await call(client, f, .post, "/api/v1/webhooks", f.org.admin, try body(create), .created).decode(WebhookSecretResponse.self)
            #expect(created.secret.hasPrefix("whsec_") && created.webhook.events == create.events)
            let id = created.webhook.id
            let list = try await call(client, f, .get, "/api/v1/webhooks", f.org.admin, nil, .ok)
            #expect(!String(buffer: list.body).contains("whsec_"))
            #expect(try list.decode(ListResponse<WebhookSubscription>.self).items.map(\.id) == [id])
            #expect(try await call(client, f, .get, "/api/v1/webhooks", f.other.admin, nil, .ok).decode(ListResponse<WebhookSubscription>.self).items.isEmpty)
            for (method, path) in [
                (HTTPRequest.Method.get, "/api/v1/webhooks/\(id)"), (.delete, "/api/v1/webhooks/\(id)"), (.post, "/api/v1/webhooks/\(id)/rotate"),
                (.get, "/api/v1/webhooks/\(id)/deliveries"),
            ] {
                _ = try await call(client, f, method, path, f.other.admin, nil, .notFound)
            }
            let updated = try await call(client, f, .put, "/api/v1/webhooks/\(id)", f.org.admin, body(#"{"enabled":false}"#), .ok).decode(WebhookSubscription.self)
            #expect(!updated.enabled && updated.version == 2)
            let rotated = try await call(client, f, .post, "/api/v1/webhooks/\(id)/rotate", f.org.admin, nil, .ok).decode(WebhookSecretResponse.self)
            #expect(rotated.secret != created.secret && rotated.webhook.previousSecretExpiresAt != nil)
            _ = try await call(client, f, .post, "/api/v1/webhooks/\(id)/rotate?immediately=maybe", f.org.admin, nil, .badRequest)
            _ = try await call(client, f, .put, "/api/v1/webhooks/\(id)", f.org.admin, body(#"{"enabled":true}"#), .ok)
            // A delivery, emitted as a service's transaction would.
            try await f.store.emitWebhooks([
                WebhookEvent(organizationID: f.org.organization.id, type: "question.asked", timestamp: Date(), data: ["handover": "h1", "question": "q1"])
            ])
            let deliveries = try await call(client, f, .get, "/api/v1/webhooks/\(id)/deliveries?limit=10", f.org.admin, nil, .ok)
                .decode(ListResponse<WebhookDelivery>.self).items
            let delivery = try #require(deliveries.first)
            #expect(deliveries.count == 1 && delivery.state == .pending && delivery.type == "question.asked")
            _ = try await call(client, f, .get, "/api/v1/webhooks/\(id)/deliveries?limit=0", f.org.admin, nil, .badRequest)
            let shown = try await call(client, f, .get, "/api/v1/webhook-deliveries/\(delivery.id)", f.org.admin, nil, .ok).decode(WebhookDeliveryResponse.self)
            #expect(shown.delivery.id == delivery.id && shown.attempts.isEmpty)
            _ = try await call(client, f, .get, "/api/v1/webhook-deliveries/\(delivery.id)", f.other.admin, nil, .notFound)
            _ = try await call(client, f, .post, "/api/v1/webhook-deliveries/\(delivery.id)/replay", f.other.admin, nil, .notFound)
            _ = try await call(client, f, .post, "/api/v1/webhook-deliveries/\(delivery.id)/replay", f.org.bob, nil, .forbidden)
            // Pending (its job has not run): replaying would send it twice.
            _ = try await call(client, f, .post, "/api/v1/webhook-deliveries/\(delivery.id)/replay", f.org.admin, nil, .conflict)
            try await f.store.recordWebhookAttempt(
                WebhookAttempt(deliveryID: delivery.id, attempt: 1, at: Date(), status: 503, durationMillis: 1, responseExcerpt: nil, error: nil),
                organizationID: f.org.organization.id, state: .failed, disable: nil)
            _ = try await call(client, f, .post, "/api/v1/webhook-deliveries/\(delivery.id)/replay", f.org.admin, nil, .accepted).decode(WebhookDeliveryResponse.self)
            _ = try await call(
                client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"https://example.com/in?token=abcdefgh12345678","events":["*"]}"#), .unprocessableContent
            )
            _ = try await call(
                client, f, .post, "/api/v1/webhooks", f.org.admin, body(#"{"url":"https://example.com/in","events":["sla.breach"]}"#), .unprocessableContent)
            _ = try await call(client, f, .delete, "/api/v1/webhooks/\(id)", f.org.admin, nil, .noContent)
            _ = try await call(client, f, .get, "/api/v1/webhooks/\(id)", f.org.admin, nil, .notFound)
        }
    }
}
