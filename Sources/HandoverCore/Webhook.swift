import Foundation

/// The event types a webhook subscription can ask for; `*` asks for all of them. A type not in
/// this list is refused (422), so a typo does not become a subscription that never fires.
public enum WebhookEventType {
    public static let all: [String] = [
        "handover.submitted", "handover.acknowledged", "handover.completed", "handover.returned", "handover.cancelled", "question.asked",
        "briefing.scheduled", departureApplied, memberDeactivated, realignmentApplied, slaBreached,
    ]
    public static let wildcard = "*"
    public static let departureApplied = "departure.applied", memberDeactivated = "member.deactivated"
    /// A realignment's handovers were written: its id, source (`csv` or `rules`), counts and actor.
    public static let realignmentApplied = "realignment.applied"
    /// A shift's handover was not acknowledged by its deadline: the schedule, the change, the
    /// handover, its parties and state, and the deadline.
    public static let slaBreached = "sla.breached"

    /// The webhook type of a handover transition, or nil for steps nobody subscribes to
    /// (revise, verify, close).
    public static func forTransition(_ record: HandoverEventRecord) -> String? {
        switch record.event {
        case "submit": "handover.submitted"
        case "acknowledge": "handover.acknowledged"
        case "complete": "handover.completed"
        case "return": "handover.returned"
        case "cancel": "handover.cancelled"
        default: nil
        }
    }
}

/// Something that happened, for every enabled subscription of its organization that asks for
/// its type. Emitted in the transaction of the change that causes it (`emitWebhooks` in the
/// store), so it is never lost and never sent for a change that rolled back.
public struct WebhookEvent: Sendable, Hashable {
    public var organizationID: String
    public var type: String
    public var timestamp: Date
    /// Ids and the least useful data: never secrets, never a packet's content.
    public var data: [String: String]

    public init(organizationID: String, type: String, timestamp: Date, data: [String: String]) {
        self.organizationID = organizationID
        self.type = type
        self.timestamp = timestamp
        self.data = data
    }

    /// The event of a handover transition, if it has one.
    public static func transition(_ transition: Transition) -> WebhookEvent? {
        guard let type = WebhookEventType.forTransition(transition.record) else { return nil }
        let handover = transition.handover
        var data = [
            "handover": handover.id, "account": handover.accountID, "transferor": handover.transferorID, "recipient": handover.recipientID,
            "state": handover.state.rawValue, "actor": transition.record.actorID,
        ]
        if let owner = transition.newOwnerID { data["newOwner"] = owner }
        return WebhookEvent(organizationID: handover.organizationID, type: type, timestamp: handover.updatedAt, data: data)
    }

    /// `briefing.scheduled`: when, how long, who organizes, on which handover (not the place or the video link).
    public static func briefingScheduled(_ briefing: Briefing) -> WebhookEvent {
        WebhookEvent(
            organizationID: briefing.organizationID, type: "briefing.scheduled", timestamp: briefing.createdAt,
            data: [
                "briefing": briefing.id, "handover": briefing.handoverID, "organizer": briefing.organizerID, "startsAt": Timestamp.format(briefing.startsAt),
                "durationMinutes": String(briefing.durationMinutes),
            ])
    }

    /// `departure.applied`: a departure's handovers were written (at once, or on its date when
    /// scheduled): who left, by whom, and the counts, not the accounts. Emit it in the apply's
    /// transaction: `try await Self.emitWebhooks([.departureApplied(summary, organizationID: org, by: actor.id)], db)`.
    public static func departureApplied(_ departure: DepartureSummary, organizationID: String, by actorID: String?) -> WebhookEvent {
        var data = [
            "departure": departure.id, "member": departure.memberID, "handoversCreated": String(departure.handoversCreated),
            "briefingsReassigned": String(departure.briefingsReassigned), "skipped": String(departure.skipped.count),
        ]
        if let effectiveOn = departure.effectiveOn { data["effectiveOn"] = effectiveOn.description }
        if let actorID { data["actor"] = actorID }
        return WebhookEvent(
            organizationID: organizationID, type: WebhookEventType.departureApplied, timestamp: departure.appliedAt ?? departure.createdAt, data: data)
    }

    /// `member.deactivated`: who (id and email: what an offboarding flow matches other systems'
    /// accounts by), when, by whom. Emit it in the
    /// deactivation's transaction: `try await Self.emitWebhooks([.memberDeactivated(changed, by: actor.id, at: now)], db)`.
    public static func memberDeactivated(_ member: Member, by actorID: String?, at now: Date) -> WebhookEvent {
        var data = ["member": member.id, "email": member.email, "role": member.role.rawValue, "deactivatedAt": Timestamp.format(member.deactivatedAt ?? now)]
        if let actorID { data["actor"] = actorID }
        return WebhookEvent(organizationID: member.organizationID, type: WebhookEventType.memberDeactivated, timestamp: now, data: data)
    }

    /// `question.asked`: who asked on which handover (not the question's text).
    public static func questionAsked(_ question: HandoverQuestion) -> WebhookEvent {
        WebhookEvent(
            organizationID: question.organizationID, type: "question.asked", timestamp: question.createdAt,
            data: ["question": question.id, "handover": question.handoverID, "author": question.authorID])
    }
}

/// One organization's webhook endpoint. Its signing secret is never part of this value: the
/// store keeps it sealed (`WebhookSecret`), and only creation and rotation show it.
public struct WebhookSubscription: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var url: String
    /// Event types, or `["*"]`.
    public var events: [String]
    public var enabled: Bool
    public var description: String?
    /// Why the server disabled it (a 410 Gone), nil when an admin did or it is enabled.
    public var disabledReason: String?
    /// While set and in the future, deliveries are also signed with the previous secret.
    public var previousSecretExpiresAt: Date?
    public var version: Int
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, url: String, events: [String], enabled: Bool = true, description: String? = nil, disabledReason: String? = nil,
        previousSecretExpiresAt: Date? = nil, version: Int = 1, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.url = url
        self.events = events
        self.enabled = enabled
        self.description = description
        self.disabledReason = disabledReason
        self.previousSecretExpiresAt = previousSecretExpiresAt
        self.version = version
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public func wants(_ type: String) -> Bool { events.contains(WebhookEventType.wildcard) || events.contains(type) }
}

public enum WebhookDeliveryState: String, Sendable, Hashable, Codable, CaseIterable {
    /// Waiting for its (next) attempt.
    case pending
    case delivered
    /// Attempts ran out, the endpoint said 410 Gone, or the subscription was disabled or deleted.
    case failed
}

/// One event for one subscription. Its id is the `webhook-id` header: the same on every retry
/// and on a replay, so the receiver can use it as its idempotency key (as the spec says).
public struct WebhookDelivery: Sendable, Hashable, Codable {
    public var id: String
    public var organizationID: String
    public var subscriptionID: String
    public var type: String
    /// The JSON body sent, byte for byte (the signature covers it).
    public var payload: String
    public var state: WebhookDeliveryState
    public var attempts: Int
    public var lastStatus: Int?
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?

    public init(
        id: String, organizationID: String, subscriptionID: String, type: String, payload: String, state: WebhookDeliveryState = .pending, attempts: Int = 0,
        lastStatus: Int? = nil, createdAt: Date, updatedAt: Date, deliveredAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.subscriptionID = subscriptionID
        self.type = type
        self.payload = payload
        self.state = state
        self.attempts = attempts
        self.lastStatus = lastStatus
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.deliveredAt = deliveredAt
    }
}

/// One POST of a delivery: what came back, or why nothing did.
public struct WebhookAttempt: Sendable, Hashable, Codable {
    public var deliveryID: String
    public var attempt: Int
    public var at: Date
    /// The HTTP status, nil when no response came (refused, timed out).
    public var status: Int?
    public var durationMillis: Int
    /// The start of the response body (at most `WebhookAttempt.excerptLimit` characters).
    public var responseExcerpt: String?
    public var error: String?

    public static let excerptLimit = 256

    public init(deliveryID: String, attempt: Int, at: Date, status: Int?, durationMillis: Int, responseExcerpt: String?, error: String?) {
        self.deliveryID = deliveryID
        self.attempt = attempt
        self.at = at
        self.status = status
        self.durationMillis = durationMillis
        self.responseExcerpt = responseExcerpt.map { String($0.prefix(Self.excerptLimit)) }
        self.error = error.map { String($0.prefix(500)) }
    }
}
