import Foundation
import HandoverCore
import HandoverTrust
import SQLKit

/// What the delivery job needs: the delivery, its subscription and the sealed secrets in force.
public struct WebhookSending: Sendable {
    public var delivery: WebhookDelivery
    public var subscription: WebhookSubscription
    public var sealedSecret: String
    /// The secret before the latest rotation, while its grace period lasts.
    public var sealedPreviousSecret: String?
}

/// Outbound webhooks: subscriptions (their secrets sealed by the service), the deliveries each
/// event becomes, and each attempt's outcome. `emitWebhooks` is the one place an event becomes
/// deliveries, inside the caller's transaction.
extension SQLHandoverStore {
    /// Writes one delivery and one webhook.deliver job per enabled subscription of the event's
    /// organization that asks for its type, in the caller's transaction: call it from any write
    /// (`try await Self.emitWebhooks([event], db)`) so the event commits or rolls back with it.
    static func emitWebhooks(_ events: [WebhookEvent], _ db: any SQLDatabase) async throws {
        guard !events.isEmpty else { return }
        var subscriptions: [String: [WebhookSubscription]] = [:]
        var jobs: [NewJob] = []
        for event in events {
            if subscriptions[event.organizationID] == nil {
                subscriptions[event.organizationID] = try await db.raw(
                    "SELECT \(unsafeRaw: webhookColumns) FROM webhook_subscriptions WHERE organization_id = \(bind: event.organizationID) AND enabled = 1"
                ).all().map(decodeWebhook)
            }
            let matching = subscriptions[event.organizationID, default: []].filter { $0.wants(event.type) }
            guard !matching.isEmpty else { continue }
            let payload = try webhookPayload(event)
            for subscription in matching {
                let id = "msg_" + NewJob.newID(at: event.timestamp)
                try await db.raw(
                    """
                    INSERT INTO webhook_deliveries (id, organization_id, subscription_id, type, payload, state, attempts, created_at, updated_at)
                    VALUES (\(bind: id), \(bind: event.organizationID), \(bind: subscription.id), \(bind: event.type), \(bind: payload), 'pending', 0,
                        \(bind: event.timestamp.millis), \(bind: event.timestamp.millis))
                    """
                ).run()
                jobs.append(deliveryJob(id: id, organizationID: event.organizationID, at: event.timestamp))
            }
        }
        // The events' time (the causing service's clock), not the machine's: tests with a clock see their own times.
        guard let latest = events.map(\.timestamp).max() else { return }
        try await enqueue(jobs, at: latest, db)
    }

    /// Tries per delivery before it is failed: the first and one per step of `RetryPolicy.webhookDelivery`'s
    /// ladder (about 28 hours in all).
    public static let webhookAttempts = 8

    static func deliveryJob(id: String, organizationID: String, at now: Date) -> NewJob {
        NewJob(
            id: NewJob.newID(at: now), organizationID: organizationID, kind: JobKind.webhookDeliver,
            payload: (try? JSONCoding.encode(["delivery": id])) ?? "{}", runAfter: now, maxAttempts: webhookAttempts, dedupeKey: "webhook:" + id)
    }

    /// `{"type": …, "timestamp": …, "data": {…}}` with sorted keys: the body every subscription gets.
    static func webhookPayload(_ event: WebhookEvent) throws -> String {
        struct Body: Encodable {
            var type: String
            var timestamp: String
            var data: [String: String]
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(Body(type: event.type, timestamp: Timestamp.format(event.timestamp), data: event.data)), as: UTF8.self)
    }

    public func emitWebhooks(_ events: [WebhookEvent]) async throws {
        try await write { db in try await Self.emitWebhooks(events, db) }
    }

    static let webhookColumns =
        "id, organization_id, url, events, enabled, description, disabled_reason, previous_expires_at, version, created_at, updated_at"

    static func decodeWebhook(_ row: any SQLRow) throws -> WebhookSubscription {
        WebhookSubscription(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            url: try row.decode(column: "url", as: String.self),
            events: try JSONCoding.decode([String].self, from: try row.decode(column: "events", as: String.self)),
            enabled: try row.decode(column: "enabled", as: Int.self) != 0,
            description: try row.decode(column: "description", as: String?.self),
            disabledReason: try row.decode(column: "disabled_reason", as: String?.self),
            previousSecretExpiresAt: try row.decode(column: "previous_expires_at", as: Int64?.self).map(Date.init(millis:)),
            version: try row.decode(column: "version", as: Int.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)))
    }

    private static func auditWebhook(_ action: String, _ subscription: WebhookSubscription, actor: AuditActor, at now: Date, _ db: any SQLDatabase) async throws {
        let digest = try CanonicalJSON.digest(["webhook": subscription.id, "url": subscription.url, "events": subscription.events.joined(separator: " ")])
        try await appendAudit(
            [AuditRecord(action: action, target: "webhook:\(subscription.id)", digest: digest)], organizationID: subscription.organizationID, actor: actor,
            at: now, db)
    }

    public func createWebhook(_ subscription: WebhookSubscription, sealedSecret: String, by actor: AuditActor) async throws {
        try await write("a webhook with this id already exists") { db in
            try await db.raw(
                """
                INSERT INTO webhook_subscriptions (id, organization_id, url, events, enabled, description, disabled_reason, secret_sealed, version,
                    created_at, updated_at)
                VALUES (\(bind: subscription.id), \(bind: subscription.organizationID), \(bind: subscription.url),
                    \(bind: try JSONCoding.encode(subscription.events)), \(bind: subscription.enabled ? 1 : 0), \(bind: subscription.description),
                    \(bind: subscription.disabledReason), \(bind: sealedSecret), \(bind: subscription.version), \(bind: subscription.createdAt.millis),
                    \(bind: subscription.updatedAt.millis))
                """
            ).run()
            try await Self.auditWebhook("webhook.create", subscription, actor: actor, at: subscription.createdAt, db)
        }
    }

    public func webhook(id: String, organizationID: String) async throws -> WebhookSubscription? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.webhookColumns) FROM webhook_subscriptions WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
            ).first().map(Self.decodeWebhook)
        }
    }

    public func webhooks(organizationID: String) async throws -> [WebhookSubscription] {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.webhookColumns) FROM webhook_subscriptions WHERE organization_id = \(bind: organizationID) ORDER BY created_at, id"
            ).all().map(Self.decodeWebhook)
        }
    }

    /// Saves url, events, enabled, description and disabled reason if the row is still at `expectedVersion`.
    public func updateWebhook(_ subscription: WebhookSubscription, expectedVersion: Int, by actor: AuditActor) async throws {
        try await write { db in
            let rows = try await db.raw(
                """
                UPDATE webhook_subscriptions SET url = \(bind: subscription.url), events = \(bind: try JSONCoding.encode(subscription.events)),
                    enabled = \(bind: subscription.enabled ? 1 : 0), description = \(bind: subscription.description),
                    disabled_reason = \(bind: subscription.disabledReason), version = \(bind: subscription.version),
                    updated_at = \(bind: subscription.updatedAt.millis)
                WHERE id = \(bind: subscription.id) AND organization_id = \(bind: subscription.organizationID) AND version = \(bind: expectedVersion)
                RETURNING id
                """
            ).all()
            if rows.isEmpty { throw StoreError.stale("webhook \(subscription.id) changed since version \(expectedVersion)") }
            try await Self.auditWebhook("webhook.update", subscription, actor: actor, at: subscription.updatedAt, db)
        }
    }

    /// Replaces the secret; the one it replaces signs too until `previousUntil` (nil: it stops at once).
    /// The current secret becomes the previous one inside the UPDATE, so of two rotations at once
    /// the second keeps the first's secret, never the original (whose replacement would never sign).
    public func rotateWebhookSecret(
        id: String, organizationID: String, sealedSecret: String, previousUntil: Date?, at now: Date, by actor: AuditActor
    ) async throws -> WebhookSubscription {
        try await write { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE webhook_subscriptions SET previous_secret_sealed = \(unsafeRaw: previousUntil == nil ? "NULL" : "secret_sealed"),
                        secret_sealed = \(bind: sealedSecret),
                        previous_expires_at = \(bind: previousUntil?.millis), version = version + 1, updated_at = \(bind: now.millis)
                    WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)
                    RETURNING \(unsafeRaw: Self.webhookColumns)
                    """
                ).first()
            else { throw StoreError.notFound("webhook \(id)") }
            let subscription = try Self.decodeWebhook(row)
            try await Self.auditWebhook("webhook.rotate", subscription, actor: actor, at: now, db)
            return subscription
        }
    }

    /// The sealed current secret (for rotation to keep it as the previous one).
    public func webhookSealedSecret(id: String, organizationID: String) async throws -> String? {
        try await database.withSession { db in
            try await db.raw("SELECT secret_sealed FROM webhook_subscriptions WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)")
                .first().map { try $0.decode(column: "secret_sealed", as: String.self) }
        }
    }

    /// Deletes the subscription with its deliveries and their log (pending jobs then find nothing to send).
    public func deleteWebhook(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws {
        try await write { db in
            guard
                let row = try await db.raw(
                    "SELECT \(unsafeRaw: Self.webhookColumns) FROM webhook_subscriptions WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
                ).first()
            else { throw StoreError.notFound("webhook \(id)") }
            let subscription = try Self.decodeWebhook(row)
            try await db.raw(
                "DELETE FROM webhook_attempts WHERE delivery_id IN (SELECT id FROM webhook_deliveries WHERE subscription_id = \(bind: id))"
            ).run()
            try await db.raw("DELETE FROM webhook_deliveries WHERE subscription_id = \(bind: id)").run()
            try await db.raw("DELETE FROM webhook_subscriptions WHERE id = \(bind: id)").run()
            try await Self.auditWebhook("webhook.delete", subscription, actor: actor, at: now, db)
        }
    }

    static let deliveryColumns = "id, organization_id, subscription_id, type, payload, state, attempts, last_status, created_at, updated_at, delivered_at"

    static func decodeDelivery(_ row: any SQLRow) throws -> WebhookDelivery {
        let state = try row.decode(column: "state", as: String.self)
        guard let deliveryState = WebhookDeliveryState(rawValue: state) else { throw StoreError.damaged("webhook delivery state \"\(state)\"") }
        return WebhookDelivery(
            id: try row.decode(column: "id", as: String.self),
            organizationID: try row.decode(column: "organization_id", as: String.self),
            subscriptionID: try row.decode(column: "subscription_id", as: String.self),
            type: try row.decode(column: "type", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            state: deliveryState,
            attempts: try row.decode(column: "attempts", as: Int.self),
            lastStatus: try row.decode(column: "last_status", as: Int?.self),
            createdAt: Date(millis: try row.decode(column: "created_at", as: Int64.self)),
            updatedAt: Date(millis: try row.decode(column: "updated_at", as: Int64.self)),
            deliveredAt: try row.decode(column: "delivered_at", as: Int64?.self).map(Date.init(millis:)))
    }

    public func webhookDeliveries(subscriptionID: String, organizationID: String, limit: Int) async throws -> [WebhookDelivery] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries
                WHERE subscription_id = \(bind: subscriptionID) AND organization_id = \(bind: organizationID)
                ORDER BY created_at DESC, id DESC LIMIT \(bind: max(1, min(limit, 1000)))
                """
            ).all().map(Self.decodeDelivery)
        }
    }

    public func webhookDelivery(id: String, organizationID: String) async throws -> WebhookDelivery? {
        try await database.withSession { db in
            try await db.raw(
                "SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)"
            ).first().map(Self.decodeDelivery)
        }
    }

    public func webhookAttempts(deliveryID: String, organizationID: String) async throws -> [WebhookAttempt] {
        try await database.withSession { db in
            try await db.raw(
                """
                SELECT delivery_id, attempt, at, status, duration_ms, response_excerpt, error FROM webhook_attempts
                WHERE delivery_id = \(bind: deliveryID) AND organization_id = \(bind: organizationID) ORDER BY attempt
                """
            ).all().map { row in
                WebhookAttempt(
                    deliveryID: try row.decode(column: "delivery_id", as: String.self), attempt: try row.decode(column: "attempt", as: Int.self),
                    at: Date(millis: try row.decode(column: "at", as: Int64.self)), status: try row.decode(column: "status", as: Int?.self),
                    durationMillis: try row.decode(column: "duration_ms", as: Int.self),
                    responseExcerpt: try row.decode(column: "response_excerpt", as: String?.self), error: try row.decode(column: "error", as: String?.self))
            }
        }
    }

    public func webhookSending(deliveryID: String) async throws -> WebhookSending? {
        try await database.withSession { db in
            guard let row = try await db.raw("SELECT \(unsafeRaw: Self.deliveryColumns) FROM webhook_deliveries WHERE id = \(bind: deliveryID)").first()
            else { return nil }
            let delivery = try Self.decodeDelivery(row)
            guard
                let subscriptionRow = try await db.raw(
                    """
                    SELECT \(unsafeRaw: Self.webhookColumns), secret_sealed, previous_secret_sealed FROM webhook_subscriptions
                    WHERE id = \(bind: delivery.subscriptionID) AND organization_id = \(bind: delivery.organizationID)
                    """
                ).first()
            else { return nil }
            return WebhookSending(
                delivery: delivery, subscription: try Self.decodeWebhook(subscriptionRow),
                sealedSecret: try subscriptionRow.decode(column: "secret_sealed", as: String.self),
                sealedPreviousSecret: try subscriptionRow.decode(column: "previous_secret_sealed", as: String?.self))
        }
    }

    /// Logs an attempt and sets the delivery's state; `disable` also disables its subscription
    /// with that reason (a 410 Gone).
    public func recordWebhookAttempt(_ attempt: WebhookAttempt, organizationID: String, state: WebhookDeliveryState, disable: String?) async throws {
        try await write { db in
            try await db.raw(
                """
                INSERT INTO webhook_attempts (delivery_id, attempt, organization_id, at, status, duration_ms, response_excerpt, error)
                VALUES (\(bind: attempt.deliveryID), \(bind: attempt.attempt), \(bind: organizationID), \(bind: attempt.at.millis), \(bind: attempt.status),
                    \(bind: attempt.durationMillis), \(bind: attempt.responseExcerpt), \(bind: attempt.error))
                """
            ).run()
            guard
                let row = try await db.raw(
                    """
                    UPDATE webhook_deliveries SET state = \(bind: state.rawValue), attempts = \(bind: attempt.attempt), last_status = \(bind: attempt.status),
                        updated_at = \(bind: attempt.at.millis), delivered_at = \(bind: state == .delivered ? attempt.at.millis : nil)
                    WHERE id = \(bind: attempt.deliveryID) AND organization_id = \(bind: organizationID)
                    RETURNING subscription_id
                    """
                ).first()
            else { throw StoreError.notFound("webhook delivery \(attempt.deliveryID)") }
            if let disable {
                try await db.raw(
                    """
                    UPDATE webhook_subscriptions SET enabled = 0, disabled_reason = \(bind: disable), version = version + 1, updated_at = \(bind: attempt.at.millis)
                    WHERE id = \(bind: try row.decode(column: "subscription_id", as: String.self))
                    """
                ).run()
            }
        }
    }

    /// Sends a delivery again: pending, with a new job (the same webhook-id; its log goes on).
    public func replayWebhookDelivery(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> WebhookDelivery {
        try await write { db in
            guard
                let row = try await db.raw(
                    """
                    UPDATE webhook_deliveries SET state = 'pending', updated_at = \(bind: now.millis), delivered_at = NULL
                    WHERE id = \(bind: id) AND organization_id = \(bind: organizationID) AND state <> 'pending'
                    RETURNING \(unsafeRaw: Self.deliveryColumns)
                    """
                ).first()
            else {
                // The state test is in the UPDATE, so two replays at once cannot both start a job.
                let exists = try await db.raw("SELECT state FROM webhook_deliveries WHERE id = \(bind: id) AND organization_id = \(bind: organizationID)").first()
                if exists == nil { throw StoreError.notFound("webhook delivery \(id)") }
                throw StoreError.conflict("webhook delivery \(id) is still pending: it is sent (or retried) already; replay it once it is delivered or failed")
            }
            let delivery = try Self.decodeDelivery(row)
            try await Self.enqueue([Self.deliveryJob(id: id, organizationID: organizationID, at: now)], at: now, db)
            try await Self.appendAudit(
                [AuditRecord(action: "webhook.replay", target: "webhook:\(delivery.subscriptionID)", digest: try CanonicalJSON.digest(["delivery": id]))],
                organizationID: organizationID, actor: actor, at: now, db)
            return delivery
        }
    }
}
