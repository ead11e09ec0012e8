import ArgumentParser
import Foundation
import HandoverClient
import HandoverCore
import HandoverWire

/// `handover webhooks`: outbound webhook subscriptions, their delivery log and replay (admins).
struct Webhooks: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "webhooks", abstract: "Send events to other systems over HTTPS (admins).",
        discussion: """
            A webhook POSTs a JSON event to your URL when something happens, signed as \
            Standard Webhooks says (webhook-id, webhook-timestamp, webhook-signature).
              handover webhooks add https://example.com/hooks --event handover.completed
              handover webhooks list
              handover webhooks deliveries WEBHOOK     the log: status, attempts
              handover webhooks replay DELIVERY        send one again (same webhook-id)
              handover webhooks rotate WEBHOOK         new secret; old one signs 24 h more
            The secret (whsec_...) is printed once, by add and rotate: keep it where the \
            receiver verifies signatures. Events: * (all) or \(WebhookEventType.all.joined(separator: ", ")).
            """,
        subcommands: [WebhookAdd.self, WebhookList.self, WebhookShow.self, WebhookRemove.self, WebhookRotate.self, WebhookDeliveries.self, WebhookReplay.self]
    )

    static func print(_ webhook: WebhookSubscription) {
        Swift.print("\(webhook.url)  \(webhook.id)  (version \(webhook.version))")
        Swift.print("  events:  \(webhook.events.joined(separator: " "))")
        Swift.print("  state:   \(webhook.enabled ? "enabled" : "disabled")\(webhook.disabledReason.map { " (\($0))" } ?? "")")
        if let description = webhook.description { Swift.print("  about:   \(description)") }
        if let until = webhook.previousSecretExpiresAt { Swift.print("  the previous secret also signs until \(Timestamp.format(until))") }
    }

    static func printSecret(_ secret: String) {
        Swift.print("Secret (shown once; give it to the receiver to verify signatures):")
        Swift.print("  \(secret)")
    }
}

struct WebhookAdd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add", abstract: "Subscribe a URL to events; prints its secret once.",
        discussion: "The URL must be https to a public address (the server may allow http and private addresses for testing).")
    @Argument(help: "The https URL events are POSTed to.") var url: String
    @Option(name: .customLong("event"), help: "An event type, or * for all (repeat).") var events: [String] = []
    @Option(help: "A note on what it is for.") var description: String?
    @Flag(help: "Create it disabled.") var disabled = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        if events.isEmpty { throw ValidationError("name the events: --event handover.completed (repeat), or --event '*' for all") }
        let client = try options.client()
        let body = CreateWebhookRequest(url: url, events: events, enabled: disabled ? false : nil, description: description)
        let reply = try await CLIErrors.run { try await client.send(.POST, "/api/v1/webhooks", json: body, as: WebhookSecretResponse.self) }
        options.output.emit(raw: reply.json) {
            print("Added webhook \(reply.value.webhook.id).")
            Webhooks.print(reply.value.webhook)
            Webhooks.printSecret(reply.value.secret)
        }
    }
}

struct WebhookList: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List your organization's webhooks.")
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/webhooks", as: ListResponse<WebhookSubscription>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { print("No webhooks. Add one with 'handover webhooks add URL --event TYPE'."); return }
            Table.print(
                ["ID", "URL", "EVENTS", "STATE"],
                reply.value.items.map { [$0.id, $0.url, $0.events.joined(separator: " "), $0.enabled ? "enabled" : "disabled"] })
        }
    }
}

struct WebhookShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "show", abstract: "Show a webhook (never its secret).")
    @Argument(help: "Webhook id.") var webhook: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let reply = try await CLIErrors.run { try await client.get("/api/v1/webhooks/\(Outbox.pathSafe(webhook))", as: WebhookSubscription.self) }
        options.output.emit(raw: reply.json) { Webhooks.print(reply.value) }
    }
}

struct WebhookRemove: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rm", abstract: "Delete a webhook and its delivery log.",
        discussion: "To pause one instead: there is 'enabled' in the API (PUT /api/v1/webhooks/ID) and the web page.")
    @Argument(help: "Webhook id.") var webhook: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let id = Outbox.pathSafe(webhook)
        _ = try await CLIErrors.run { try await client.send(.DELETE, "/api/v1/webhooks/\(id)", body: nil, as: EmptyReply.self) }
        try options.output.emit(["deleted": .string(id)]) { print("Deleted webhook \(id).") }
    }
}

struct WebhookRotate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rotate", abstract: "Give a webhook a new secret; prints it once.",
        discussion: """
            For 24 hours deliveries carry two signatures, by the old and the new secret, so \
            the receiver can switch without missing one. --now drops the old secret at once \
            (when it leaked).
            """)
    @Argument(help: "Webhook id.") var webhook: String
    @Flag(name: .customLong("now"), help: "Stop signing with the old secret at once.") var immediately = false
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let path = "/api/v1/webhooks/\(Outbox.pathSafe(webhook))/rotate" + (immediately ? "?immediately=true" : "")
        let reply = try await CLIErrors.run { try await client.send(.POST, path, body: nil, as: WebhookSecretResponse.self) }
        options.output.emit(raw: reply.json) {
            print("Rotated the secret of webhook \(reply.value.webhook.id).")
            Webhooks.print(reply.value.webhook)
            Webhooks.printSecret(reply.value.secret)
        }
    }
}

struct WebhookDeliveries: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deliveries", abstract: "A webhook's delivery log, newest first.",
        discussion: "With --delivery, one delivery's attempts: when, the status, how long, the start of the answer or the error.")
    @Argument(help: "Webhook id.") var webhook: String
    @Option(help: "Show this delivery's attempts instead.") var delivery: String?
    @Option(help: "At most this many (1 to 1000).") var limit: Int = 50
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        if let delivery {
            let reply = try await CLIErrors.run {
                try await client.get("/api/v1/webhook-deliveries/\(Outbox.pathSafe(delivery))", as: WebhookDeliveryResponse.self)
            }
            options.output.emit(raw: reply.json) { WebhookDeliveries.show(reply.value) }
            return
        }
        let path = "/api/v1/webhooks/\(Outbox.pathSafe(webhook))/deliveries?limit=\(limit)"
        let reply = try await CLIErrors.run { try await client.get(path, as: ListResponse<WebhookDelivery>.self) }
        options.output.emit(raw: reply.json) {
            if reply.value.items.isEmpty { Swift.print("No deliveries yet."); return }
            Table.print(
                ["ID", "EVENT", "STATE", "TRIES", "LAST", "CREATED"],
                reply.value.items.map {
                    [$0.id, $0.type, $0.state.rawValue, "\($0.attempts)", $0.lastStatus.map(String.init) ?? "-", Timestamp.format($0.createdAt)]
                })
        }
    }

    static func show(_ reply: WebhookDeliveryResponse) {
        let delivery = reply.delivery
        Swift.print("\(delivery.id)  \(delivery.type)  \(delivery.state.rawValue) after \(delivery.attempts) attempt(s)")
        Swift.print("  body: \(delivery.payload)")
        for attempt in reply.attempts {
            let outcome = attempt.status.map { "HTTP \($0)" } ?? "no answer"
            let detail = attempt.error ?? attempt.responseExcerpt ?? ""
            Swift.print("  \(attempt.attempt). \(Timestamp.format(attempt.at))  \(outcome)  \(attempt.durationMillis) ms  \(detail.prefix(60))")
        }
    }
}

struct WebhookReplay: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay", abstract: "Send one delivery again.",
        discussion: "It keeps its webhook-id (a receiver that saw it can ignore it) and gets a fresh timestamp and signature.")
    @Argument(help: "Delivery id (msg_...), from 'handover webhooks deliveries'.") var delivery: String
    @OptionGroup var options: ClientOptions

    func run() async throws {
        let client = try options.client()
        let path = "/api/v1/webhook-deliveries/\(Outbox.pathSafe(delivery))/replay"
        let reply = try await CLIErrors.run { try await client.send(.POST, path, body: nil, as: WebhookDeliveryResponse.self) }
        options.output.emit(raw: reply.json) { print("Delivery \(reply.value.delivery.id) queued to be sent again.") }
    }
}
