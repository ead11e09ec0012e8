import Foundation
import HandoverStore

/// `webhook.deliver`: POSTs one webhook delivery (`WebhookService.deliver`); the runner spaces
/// its retries by `RetryPolicy.webhookDelivery` (a ladder over about a day, with jitter).
public enum WebhookDeliverJob {
    public static let kind = JobKind.webhookDeliver

    public static func handler(webhooks: WebhookService, transport: any WebhookTransport) -> JobHandler {
        { job in try await webhooks.deliver(job, transport: transport) }
    }
}
