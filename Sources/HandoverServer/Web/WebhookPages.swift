import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// `/admin/webhooks` (admins): the organization's webhooks, a form to add one, rotation, and
/// each webhook's delivery log with replay. A new secret is shown in the answer to the POST
/// that made it, never in a URL, and never again.
extension WebRoutes {
    func registerWebhooks(_ router: Router<AppContext>) {
        router.get("/admin/webhooks") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(WebPages.webhooks(try await services.webhooks.webhooks(by: viewer.member), viewer: viewer, flash: Web.flash(request)))
        }
        router.post("/admin/webhooks") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let events = ([WebhookEventType.wildcard] + WebhookEventType.all).filter { form.text("event-\($0)") != nil }
            do {
                let (webhook, secret) = try await services.webhooks.create(
                    url: form.text("url") ?? "", events: events, description: form.text("description"), by: viewer.member)
                let list = try await services.webhooks.webhooks(by: viewer.member)
                return Web.page(WebPages.webhooks(list, viewer: viewer, flash: "Webhook added.", secret: (webhook, secret)), status: .created)
            } catch let error as HandoverError {
                let list = try await services.webhooks.webhooks(by: viewer.member)
                return Web.page(WebPages.webhooks(list, viewer: viewer, flash: nil, problems: WebPages.problems(error)), status: WebPages.status(error))
            }
        }
        router.post("/admin/webhooks/:id/rotate") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let (webhook, secret) = try await services.webhooks.rotate(id: try context.parameters.require("id"), by: viewer.member)
            let list = try await services.webhooks.webhooks(by: viewer.member)
            return Web.page(WebPages.webhooks(list, viewer: viewer, flash: "Secret rotated.", secret: (webhook, secret)))
        }
        router.post("/admin/webhooks/:id/delete") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            try await services.webhooks.delete(id: try context.parameters.require("id"), by: viewer.member)
            return Web.redirect("/admin/webhooks", done: "webhook-deleted")
        }
        router.get("/admin/webhooks/:id") { request, context in
            let viewer = try Viewer(request, context)
            let webhook = try await services.webhooks.webhook(id: try context.parameters.require("id"), by: viewer.member)
            let deliveries = try await services.webhooks.deliveries(webhookID: webhook.id, limit: 100, by: viewer.member)
            return Web.page(WebPages.webhookLog(webhook, deliveries: deliveries, viewer: viewer, flash: Web.flash(request)))
        }
        router.post("/admin/webhooks/:id/deliveries/:delivery/replay") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let webhook = try await services.webhooks.webhook(id: try context.parameters.require("id"), by: viewer.member)
            let delivery = try await services.webhooks.delivery(id: try context.parameters.require("delivery"), by: viewer.member).delivery
            guard delivery.subscriptionID == webhook.id else { throw APIError.notFound("No such delivery for this webhook.") }
            _ = try await services.webhooks.replay(deliveryID: delivery.id, by: viewer.member)
            return Web.redirect("/admin/webhooks/\(webhook.id)", done: "webhook-replayed")
        }
    }
}

extension WebPages {
    static func webhooks(
        _ webhooks: [WebhookSubscription], viewer: Viewer, flash: String?, problems: [Problem] = [], secret: (WebhookSubscription, String)? = nil
    ) -> HTML {
        let rows: [HTML] = webhooks.map { webhook in
            let state: HTML =
                webhook.enabled ? "<span class=\"state state-completed\">enabled</span>" : "<span class=\"state state-cancelled\">disabled</span>"
            return """
                <tr class="webhook" id="webhook-\(webhook.id)"><td><a href="/admin/webhooks/\(webhook.id)" class="webhook-url">\(webhook.url)</a>\
                \(webhook.description.map { "<br><span class=\"meta\">\($0)</span>" as HTML } ?? .empty)</td>\
                <td data-label="Events">\(webhook.events.joined(separator: ", "))</td>\
                <td data-label="State">\(state)\(webhook.disabledReason.map { "<br><span class=\"meta\">\($0)</span>" as HTML } ?? .empty)</td>\
                <td data-label="Actions"><form method="post" action="/admin/webhooks/\(webhook.id)/rotate" class="inline">\(CSRF.field(viewer.csrf))\
                <button type="submit" class="secondary" id="rotate-\(webhook.id)">Rotate secret</button></form> \
                <form method="post" action="/admin/webhooks/\(webhook.id)/delete" class="inline">\(CSRF.field(viewer.csrf))\
                <button type="submit" class="danger" id="delete-\(webhook.id)">Delete</button></form></td></tr>
                """
        }
        let shown: HTML =
            secret.map { webhook, text in
                """
                <div class="card" id="webhook-secret-card"><p>The signing secret of <code>\(webhook.url)</code>, shown only now. \
                Give it to the receiver to verify the <code>webhook-signature</code> header\
                \(webhook.previousSecretExpiresAt.map { "; the previous secret also signs until \(Web.date($0))" } ?? ""):</p>
                <p><input id="webhook-secret" type="text" readonly value="\(text)" aria-label="Webhook signing secret" class="wide"></p></div>
                """
            } ?? .empty
        let boxes: [HTML] = ([WebhookEventType.wildcard] + WebhookEventType.all).map { type in
            let id = "event-" + (type == "*" ? "all" : type.replacingOccurrences(of: ".", with: "-"))
            return """
                <label class="choice"><input type="checkbox" id="\(id)" name="event-\(type)" value="on"> \(type == "*" ? "every event (*)" : type)</label>
                """
        }
        return Layout(title: "Webhooks", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "webhooks").render(
            """
            <h1>Webhooks</h1>
            <p class="lead">Handover POSTs a signed JSON event to each URL when something it subscribes to happens \
            (<a href="https://www.standardwebhooks.com/">Standard Webhooks</a>: <code>webhook-id</code>, <code>webhook-timestamp</code>, \
            <code>webhook-signature</code>). Failed deliveries are retried with backoff; an endpoint that answers 410 Gone is disabled.</p>
            \(shown)
            \(rows.isEmpty ? "<p class=\"empty\" id=\"webhooks-empty\">No webhooks yet.</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="webhooks">
                <caption class="visually-hidden">Webhooks</caption>
                <thead><tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">State</th><th scope="col">Actions</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            <h2 id="add-webhook-title">Add a webhook</h2>
            \(Web.errors(problems))
            <form id="add-webhook" method="post" action="/admin/webhooks" aria-labelledby="add-webhook-title">\(CSRF.field(viewer.csrf))
            <div class="field"><label for="url">URL (https)</label><input id="url" name="url" type="text" inputmode="url" autocomplete="off" required maxlength="2000"></div>
            <fieldset class="field"><legend>Events</legend><div class="choices">\(boxes)</div></fieldset>
            <div class="field"><label for="description">What it is for (optional)</label><input id="description" name="description" type="text" maxlength="200"></div>
            <button type="submit" id="add-webhook-button">Add webhook</button>
            </form>
            """)
    }

    static func webhookLog(_ webhook: WebhookSubscription, deliveries: [WebhookDelivery], viewer: Viewer, flash: String?) -> HTML {
        // A pending delivery is being sent or retried already: replaying it would send it twice (409).
        func replay(_ delivery: WebhookDelivery) -> HTML {
            guard delivery.state != .pending else { return "queued" }
            return """
                <form method="post" action="/admin/webhooks/\(webhook.id)/deliveries/\(delivery.id)/replay" class="inline">\
                \(CSRF.field(viewer.csrf))<button type="submit" class="secondary" id="replay-\(delivery.id)">Send again</button></form>
                """
        }
        let rows: [HTML] = deliveries.map { delivery in
            """
            <tr class="webhook-delivery" id="delivery-\(delivery.id)"><td><code>\(delivery.id)</code></td>\
            <td data-label="Event">\(delivery.type)</td><td data-label="State" class="delivery-state">\(delivery.state.rawValue)</td>\
            <td data-label="Attempts">\(String(delivery.attempts))</td><td data-label="Last answer">\(delivery.lastStatus.map(String.init) ?? "—")</td>\
            <td data-label="Created">\(Web.date(delivery.createdAt))</td>\
            <td data-label="Replay">\(replay(delivery))</td></tr>
            """
        }
        return Layout(title: "Webhook deliveries", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "webhooks").render(
            """
            <p><a href="/admin/webhooks">← Webhooks</a></p>
            <h1>Deliveries to <code>\(webhook.url)</code></h1>
            <p class="lead">Newest first. Sending one again keeps its <code>webhook-id</code>, so a receiver that already has it can ignore it.</p>
            \(rows.isEmpty ? "<p class=\"empty\" id=\"deliveries-empty\">No deliveries yet.</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="deliveries">
                <caption class="visually-hidden">Deliveries, newest first</caption>
                <thead><tr><th scope="col">Delivery</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">Attempts</th>\
                <th scope="col">Last answer</th><th scope="col">Created</th><th scope="col">Replay</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            """)
    }
}
