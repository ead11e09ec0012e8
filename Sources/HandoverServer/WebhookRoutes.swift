import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird

/// Outbound webhooks under /api/v1 (admins only): decode, call the webhook service, encode.
struct WebhookRoutes: Sendable {
    let webhooks: WebhookService

    func register(on router: Router<AppContext>) {
        let api = router.group("api/v1")
        api.get("webhooks") { _, context in
            let actor = try context.requireMember()
            return try JSONIO.response(ListResponse(items: try await webhooks.webhooks(by: actor)))
        }
        api.post("webhooks") { request, context in
            let actor = try context.requireMember()
            let body = try await JSONIO.decode(CreateWebhookRequest.self, from: request, context: context)
            let (webhook, secret) = try await webhooks.create(
                url: body.url, events: body.events, enabled: body.enabled ?? true, description: body.description, by: actor)
            return try JSONIO.response(WebhookSecretResponse(webhook: webhook, secret: secret), status: .created, headers: [.eTag: ETag.make(webhook.version)])
        }
        api.get("webhooks/:id") { _, context in
            let actor = try context.requireMember()
            let webhook = try await webhooks.webhook(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(webhook, headers: [.eTag: ETag.make(webhook.version)])
        }
        api.put("webhooks/:id") { request, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await webhooks.webhook(id: id, by: actor)
            let body = try await JSONIO.decode(UpdateWebhookRequest.self, from: request, context: context)
            let webhook = try await webhooks.update(
                id: id, url: body.url, events: body.events, enabled: body.enabled, description: body.description,
                expectedVersion: try ETag.expectedVersion(request), by: actor)
            return try JSONIO.response(webhook, headers: [.eTag: ETag.make(webhook.version)])
        }
        api.delete("webhooks/:id") { _, context in
            let actor = try context.requireMember()
            try await webhooks.delete(id: try context.parameters.require("id"), by: actor)
            return Response(status: .noContent)
        }
        api.post("webhooks/:id/rotate") { request, context in
            let actor = try context.requireMember()
            let immediately: Bool
            switch request.uri.queryParameters["immediately"].map(String.init) {
            case nil, "false": immediately = false
            case "true": immediately = true
            default: throw APIError.badRequest("immediately must be true or false.", errors: [Problem(path: "immediately", message: "not true or false")])
            }
            let (webhook, secret) = try await webhooks.rotate(id: try context.parameters.require("id"), immediately: immediately, by: actor)
            return try JSONIO.response(WebhookSecretResponse(webhook: webhook, secret: secret), headers: [.eTag: ETag.make(webhook.version)])
        }
        api.get("webhooks/:id/deliveries") { request, context in
            let actor = try context.requireMember()
            var limit = 100
            if let text = request.uri.queryParameters["limit"].map(String.init) {
                guard let value = Int(text), (1...1000).contains(value) else {
                    throw APIError.badRequest("limit must be a whole number from 1 to 1000.", errors: [Problem(path: "limit", message: "not from 1 to 1000")])
                }
                limit = value
            }
            let deliveries = try await webhooks.deliveries(webhookID: try context.parameters.require("id"), limit: limit, by: actor)
            return try JSONIO.response(ListResponse(items: deliveries))
        }
        api.get("webhook-deliveries/:id") { _, context in
            let actor = try context.requireMember()
            let (delivery, attempts) = try await webhooks.delivery(id: try context.parameters.require("id"), by: actor)
            return try JSONIO.response(WebhookDeliveryResponse(delivery: delivery, attempts: attempts))
        }
        api.post("webhook-deliveries/:id/replay") { _, context in
            let actor = try context.requireMember()
            let id = try context.parameters.require("id")
            _ = try await webhooks.replay(deliveryID: id, by: actor)
            let (delivery, attempts) = try await webhooks.delivery(id: id, by: actor)
            return try JSONIO.response(WebhookDeliveryResponse(delivery: delivery, attempts: attempts), status: .accepted)
        }
    }
}
