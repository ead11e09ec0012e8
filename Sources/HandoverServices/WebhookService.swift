import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// How webhooks may reach out (Docs/Webhooks.md).
public struct WebhookSettings: Sendable {
    /// Lets webhooks use plain http and loopback or private addresses (HANDOVER_WEBHOOKS_ALLOW_PRIVATE=1):
    /// for development and tests, never for a server on a network that trusts its address.
    public var allowPrivate: Bool
    /// After a rotation, how long deliveries are also signed with the previous secret.
    public var rotationGrace: TimeInterval

    public init(allowPrivate: Bool = false, rotationGrace: TimeInterval = 86_400) {
        self.allowPrivate = allowPrivate
        self.rotationGrace = rotationGrace
    }
}

/// Sends one webhook POST. The server's is `WebhookHTTPTransport` (async-http-client); tests
/// may pass their own. Throws when no response came (refused, timed out, a refused address).
public protocol WebhookTransport: Sendable {
    func post(url: String, headers: [(String, String)], body: [UInt8]) async throws -> WebhookResponse
}

public struct WebhookResponse: Sendable {
    public var status: Int
    /// The start of the body, as text (the transport reads no more than a small limit).
    public var excerpt: String?

    public init(status: Int, excerpt: String?) {
        self.status = status
        self.excerpt = excerpt
    }
}

/// Outbound webhooks: an organization's admins manage subscriptions, read the delivery log and
/// replay a delivery; `deliver` is the webhook.deliver job. Events themselves are emitted by
/// the store in the transaction of their change (`SQLHandoverStore.emitWebhooks`).
public struct WebhookService: Sendable {
    let store: any HandoverStore
    let keys: LogKeys
    let clock: WallClock
    let ids: IDMaker
    public let settings: WebhookSettings

    public static let descriptionLimit = 200, eventsLimit = 20

    public init(store: any HandoverStore, keys: LogKeys, clock: WallClock = .system, ids: IDMaker = .random, settings: WebhookSettings = WebhookSettings()) {
        self.store = store
        self.keys = keys
        self.clock = clock
        self.ids = ids
        self.settings = settings
    }

    private func requireAdmin(_ actor: Member, _ action: String) throws {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: action, reason: "only admins manage webhooks") }
    }

    private func validate(url: String, events: [String], description: String?) throws {
        var problems = WebhookURL.problems(url, allowPrivate: settings.allowPrivate)
        if events.isEmpty { problems.append(Problem(path: "events", message: "names no event type (use \"*\" for all)")) }
        if events.count > Self.eventsLimit { problems.append(Problem(path: "events", message: "has more than \(Self.eventsLimit) items")) }
        for (index, event) in events.enumerated() where event != WebhookEventType.wildcard && !WebhookEventType.all.contains(event) {
            problems.append(
                Problem(path: "events[\(index)]", message: "\"\(event.prefix(60))\" is not an event type; known: * \(WebhookEventType.all.joined(separator: " "))"))
        }
        if let description, description.count > Self.descriptionLimit {
            problems.append(Problem(path: "description", message: "is longer than \(Self.descriptionLimit) characters"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        // The URL and the description are stored and shown in plain text: no credentials in them.
        try CredentialGuard.refuse(CredentialScan.findings([("url", url), ("description", description)]))
    }

    /// A new subscription and its secret, whose text is returned this once.
    public func create(url: String, events: [String], enabled: Bool = true, description: String? = nil, by actor: Member) async throws -> (
        webhook: WebhookSubscription, secret: String
    ) {
        try requireAdmin(actor, "add a webhook")
        let url = url.trimmingCharacters(in: .whitespaces)
        let events = Self.tidy(events)
        let description = description.flatMap { $0.isEmpty ? nil : $0 }
        try validate(url: url, events: events, description: description)
        let now = clock.now()
        let subscription = WebhookSubscription(
            id: ids.next(at: now), organizationID: actor.organizationID, url: url, events: events, enabled: enabled, description: description,
            createdAt: now, updatedAt: now)
        let secret = WebhookSecret.random()
        try await store.createWebhook(subscription, sealedSecret: try secret.seal(with: keys, subscriptionID: subscription.id), by: AuditActor(member: actor.id))
        return (subscription, secret.text)
    }

    static func tidy(_ events: [String]) -> [String] {
        var seen = Set<String>()
        return events.map { $0.trimmingCharacters(in: .whitespaces) }.filter { seen.insert($0).inserted }
    }

    public func webhooks(by actor: Member) async throws -> [WebhookSubscription] {
        try requireAdmin(actor, "list webhooks")
        return try await store.webhooks(organizationID: actor.organizationID)
    }

    /// One of the caller's organization's subscriptions; 404 for any other, 403 for non-admins.
    public func webhook(id: String, by actor: Member) async throws -> WebhookSubscription {
        try requireAdmin(actor, "see webhooks")
        guard let subscription = try await store.webhook(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("webhook \(id)") }
        return subscription
    }

    /// Changes what is given; enabling clears the reason the server disabled it.
    public func update(
        id: String, url: String?, events: [String]?, enabled: Bool?, description: String?, expectedVersion: Int?, by actor: Member
    ) async throws -> WebhookSubscription {
        var subscription = try await webhook(id: id, by: actor)
        if let expectedVersion, expectedVersion != subscription.version {
            throw StoreError.stale("webhook \(id) is at version \(subscription.version), not \(expectedVersion)")
        }
        let read = subscription.version
        if let url { subscription.url = url.trimmingCharacters(in: .whitespaces) }
        if let events { subscription.events = Self.tidy(events) }
        if let description { subscription.description = description.isEmpty ? nil : description }
        if let enabled {
            subscription.enabled = enabled
            if enabled { subscription.disabledReason = nil }
        }
        try validate(url: subscription.url, events: subscription.events, description: subscription.description)
        subscription.version += 1
        subscription.updatedAt = clock.now()
        try await store.updateWebhook(subscription, expectedVersion: read, by: AuditActor(member: actor.id))
        return subscription
    }

    public func delete(id: String, by actor: Member) async throws {
        let subscription = try await webhook(id: id, by: actor)
        try await store.deleteWebhook(id: subscription.id, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// A new secret, returned this once. The old one keeps signing (beside the new one) for the
    /// grace period, so receivers can switch without missing a delivery; `immediately` ends it now.
    public func rotate(id: String, immediately: Bool = false, by actor: Member) async throws -> (webhook: WebhookSubscription, secret: String) {
        let subscription = try await webhook(id: id, by: actor)
        let now = clock.now()
        let secret = WebhookSecret.random()
        let keep = !immediately && settings.rotationGrace > 0
        let updated = try await store.rotateWebhookSecret(
            id: subscription.id, organizationID: actor.organizationID, sealedSecret: try secret.seal(with: keys, subscriptionID: subscription.id),
            previousUntil: keep ? now.addingTimeInterval(settings.rotationGrace) : nil, at: now,
            by: AuditActor(member: actor.id))
        return (updated, secret.text)
    }

    /// The subscription's deliveries, newest first.
    public func deliveries(webhookID: String, limit: Int = 100, by actor: Member) async throws -> [WebhookDelivery] {
        let subscription = try await webhook(id: webhookID, by: actor)
        return try await store.webhookDeliveries(subscriptionID: subscription.id, organizationID: actor.organizationID, limit: limit)
    }

    /// One delivery with its attempts.
    public func delivery(id: String, by actor: Member) async throws -> (delivery: WebhookDelivery, attempts: [WebhookAttempt]) {
        try requireAdmin(actor, "see webhook deliveries")
        guard let delivery = try await store.webhookDelivery(id: id, organizationID: actor.organizationID) else {
            throw StoreError.notFound("webhook delivery \(id)")
        }
        return (delivery, try await store.webhookAttempts(deliveryID: id, organizationID: actor.organizationID))
    }

    /// Sends a delivery again with the same webhook-id (the receiver's idempotency key, as the
    /// spec says), fresh timestamp and signature.
    public func replay(deliveryID: String, by actor: Member) async throws -> WebhookDelivery {
        try requireAdmin(actor, "replay a webhook delivery")
        let delivery = try await store.replayWebhookDelivery(id: deliveryID, organizationID: actor.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
        guard delivery.state == .pending else { throw StoreError.damaged("a replayed delivery is not pending") }
        return delivery
    }

    // MARK: Delivery (the webhook.deliver job)

    /// POSTs the job's delivery once and logs the attempt: 2xx delivers it, 410 Gone fails it
    /// and disables the subscription, anything else throws so the runner retries it with
    /// backoff, until the job's attempts run out and it is failed.
    public func deliver(_ job: Job, transport: any WebhookTransport) async throws {
        struct Payload: Decodable { var delivery: String }
        let deliveryID = try JSONDecoder().decode(Payload.self, from: Data(job.payload.utf8)).delivery
        // Deleted with its subscription, or already delivered by an earlier run of this job.
        guard let sending = try await store.webhookSending(deliveryID: deliveryID), sending.delivery.state == .pending else { return }
        let delivery = sending.delivery, subscription = sending.subscription
        let number = delivery.attempts + 1
        let started = clock.now()
        guard subscription.enabled else {
            let attempt = WebhookAttempt(
                deliveryID: delivery.id, attempt: number, at: started, status: nil, durationMillis: 0, responseExcerpt: nil,
                error: "not sent: the webhook is disabled")
            try await store.recordWebhookAttempt(attempt, organizationID: delivery.organizationID, state: .failed, disable: nil)
            return
        }
        var secrets = [try WebhookSecret.open(sending.sealedSecret, with: keys, subscriptionID: subscription.id)]
        if let previous = sending.sealedPreviousSecret, let until = subscription.previousSecretExpiresAt, until > started {
            secrets.append(try WebhookSecret.open(previous, with: keys, subscriptionID: subscription.id))
        }
        let timestamp = Int64(started.timeIntervalSince1970.rounded(.down))
        let body = Array(delivery.payload.utf8)
        let headers = [
            ("content-type", "application/json"), ("user-agent", "Handover-Webhooks/1"), ("webhook-id", delivery.id),
            ("webhook-timestamp", String(timestamp)), ("webhook-signature", WebhookSignature.header(id: delivery.id, timestamp: timestamp, body: body, secrets: secrets)),
        ]
        var status: Int?, excerpt: String?, failure: String?
        do {
            let response = try await transport.post(url: subscription.url, headers: headers, body: body)
            status = response.status
            excerpt = response.excerpt
        } catch {
            failure = String(describing: error).replacingOccurrences(of: "\n", with: " ")
        }
        let duration = Int(clock.now().timeIntervalSince(started) * 1000)
        let attempt = WebhookAttempt(
            deliveryID: delivery.id, attempt: number, at: started, status: status, durationMillis: max(0, duration), responseExcerpt: excerpt, error: failure)
        let lastTry = job.attempts >= job.maxAttempts
        switch status {
        case .some(200...299):
            try await store.recordWebhookAttempt(attempt, organizationID: delivery.organizationID, state: .delivered, disable: nil)
        case .some(410):
            try await store.recordWebhookAttempt(
                attempt, organizationID: delivery.organizationID, state: .failed, disable: "the endpoint answered 410 Gone at \(Timestamp.format(started))")
        default:
            try await store.recordWebhookAttempt(attempt, organizationID: delivery.organizationID, state: lastTry ? .failed : .pending, disable: nil)
            // The runner stores and logs this: the status or the transport's error, never the URL or a secret.
            throw WebhookDeliveryFailed(delivery: delivery.id, status: status, error: failure)
        }
    }
}

/// A delivery attempt that did not get a 2xx (or 410): the job fails and is retried.
public struct WebhookDeliveryFailed: Error, CustomStringConvertible {
    public var delivery: String
    public var status: Int?
    public var error: String?
    public var description: String {
        if let status { return "webhook delivery \(delivery): the endpoint answered \(status)" }
        return "webhook delivery \(delivery): \(error ?? "no response")"
    }
}
