import Foundation
import HandoverStore

/// `webhook.deliver`: POSTs one webhook delivery (`WebhookService.deliver`); the runner's
/// `RetryPolicy` spaces the retries (exponential backoff with full jitter).
public enum WebhookDeliverJob {
    public static let kind = JobKind.webhookDeliver

    public static func handler(webhooks: WebhookService, transport: any WebhookTransport) -> JobHandler {
        { job in try await webhooks.deliver(job, transport: transport) }
    }
}
