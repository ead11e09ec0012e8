import Foundation
import HandoverCore

// Bodies of the webhook endpoints. A subscription is sent as `WebhookSubscription` itself (it
// holds no secret), a delivery as `WebhookDelivery`.

/// `POST /webhooks`.
public struct CreateWebhookRequest: Codable, Sendable {
    public var url: String
    /// Event types (`WebhookEventType.all`) or `["*"]`.
    public var events: [String]
    public var enabled: Bool?
    public var description: String?

    public init(url: String, events: [String], enabled: Bool? = nil, description: String? = nil) {
        self.url = url
        self.events = events
        self.enabled = enabled
        self.description = description
    }
}

/// `PUT /webhooks/{id}`: what changes.
public struct UpdateWebhookRequest: Codable, Sendable {
    public var url: String?
    public var events: [String]?
    public var enabled: Bool?
    public var description: String?

    public init(url: String? = nil, events: [String]? = nil, enabled: Bool? = nil, description: String? = nil) {
        self.url = url
        self.events = events
        self.enabled = enabled
        self.description = description
    }
}

/// `POST /webhooks` and `POST /webhooks/{id}/rotate`: the subscription and its new secret,
/// shown this once.
public struct WebhookSecretResponse: Codable, Sendable {
    public var webhook: WebhookSubscription
    public var secret: String

    public init(webhook: WebhookSubscription, secret: String) {
        self.webhook = webhook
        self.secret = secret
    }
}

/// `GET /webhook-deliveries/{id}` and its replay: the delivery and its attempts, oldest first.
public struct WebhookDeliveryResponse: Codable, Sendable {
    public var delivery: WebhookDelivery
    public var attempts: [WebhookAttempt]

    public init(delivery: WebhookDelivery, attempts: [WebhookAttempt]) {
        self.delivery = delivery
        self.attempts = attempts
    }
}
