import Foundation

/// A rota for one account (an on-call service, a ward, a support queue): shifts recur by an
/// iCalendar RRULE subset in a time zone, each held by the next member of the rotation. At
/// every change of holder a handover is drafted (issue 16, part 5; Docs/Shifts.md).
public struct ShiftSchedule: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable { case active, stopped }

    public var id: String
    public var organizationID: String
    public var name: String
    /// What changes hands at each shift: the service, the ward, the queue.
    public var accountID: String
    /// The team whose rota this is, if any: the rotation is drawn from its members.
    public var teamID: String?
    /// Member ids in turn: shift n is held by `rotation[n % count]`.
    public var rotation: [String]
    /// `FREQ=DAILY` or `FREQ=WEEKLY`, with `INTERVAL` and (weekly) `BYDAY`.
    public var rule: String
    /// The first shift's day (DTSTART's date), in `timeZone`.
    public var startsOn: CalendarDate
    /// When shifts start on a shift day, "HH:MM" on the wall clock of `timeZone`; several,
    /// comma-separated ("07:00,19:00"), for several shifts a day.
    public var startTime: String
    /// How long a shift lasts, ISO 8601 ("PT12H", "P7D"), on the wall clock: a 19:00 shift of
    /// PT12H ends at 07:00 local time, whatever the clocks did overnight.
    public var duration: String
    /// An IANA zone ("Europe/Paris"): shifts follow its wall clock across daylight saving.
    public var timeZone: String
    /// Minutes after the change by which the incoming person should acknowledge; then the
    /// managers hear of it and `sla.breached` fires.
    public var ackMinutes: Int
    /// Whether the outgoing person stays on shift until the incoming one acknowledges.
    public var waitForAcknowledgment: Bool
    /// The template of the shift handovers; nil: the account kind's.
    public var templateKey: String?
    public var state: State
    public var version: Int
    public var createdBy: String
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, name: String, accountID: String, teamID: String? = nil, rotation: [String], rule: String,
        startsOn: CalendarDate, startTime: String, duration: String, timeZone: String, ackMinutes: Int = 30, waitForAcknowledgment: Bool = false,
        templateKey: String? = nil, state: State = .active, version: Int = 1, createdBy: String, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.name = name
        self.accountID = accountID
        self.teamID = teamID
        self.rotation = rotation
        self.rule = rule
        self.startsOn = startsOn
        self.startTime = startTime
        self.duration = duration
        self.timeZone = timeZone
        self.ackMinutes = ackMinutes
        self.waitForAcknowledgment = waitForAcknowledgment
        self.templateKey = templateKey
        self.state = state
        self.version = version
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// When the shifts fall, or what is wrong with the rule, the time, the duration or the zone.
    public var pattern: Result<ShiftPattern, HandoverError> {
        ShiftPattern.make(rule: rule, startsOn: startsOn, startTime: startTime, duration: duration, timeZone: timeZone)
    }

    /// The bounds a schedule's fields are checked against.
    public static let maxRotation = 100
    public static let ackMinutesRange = 1...(7 * 24 * 60)
}

/// A member holding shifts in place of the rota for a span of time: "I take this shift", or a
/// manager putting someone on. Stored as absolute times, apart from the rule, so it survives
/// every edit of the schedule; the newest override wins where two overlap.
public struct ShiftOverride: Sendable, Hashable, Codable {
    public var id: String
    public var scheduleID: String
    public var organizationID: String
    public var memberID: String
    public var startsAt: Date
    public var endsAt: Date
    public var reason: String?
    public var createdBy: String
    public var createdAt: Date

    public init(
        id: String, scheduleID: String, organizationID: String, memberID: String, startsAt: Date, endsAt: Date, reason: String? = nil, createdBy: String,
        createdAt: Date
    ) {
        self.id = id
        self.scheduleID = scheduleID
        self.organizationID = organizationID
        self.memberID = memberID
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    /// The longest override: a longer absence is a cover or a change of rota.
    public static let maxLength: TimeInterval = 31 * 86_400
    /// The most overrides a schedule holds that have not ended (each change reads them all).
    public static let maxPending = 500
}

/// What happened at one change of shift (one row per schedule and instant: a second run of the
/// change, on another replica, finds it and does nothing).
public struct ShiftChangeRecord: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable {
        /// The handover to the incoming person was drafted.
        case drafted
        /// The incoming person already holds the account: nothing to hand over.
        case unchanged
        /// Another handover of the account was open: retried until the shift is over.
        case blocked
        /// The shift ended before its handover could be drafted (still blocked, or the server
        /// was down), or the incoming person cannot take it (deactivated).
        case missed
    }

    public var id: String
    public var scheduleID: String
    public var organizationID: String
    /// The instant of the change (the incoming shift's start).
    public var at: Date
    /// Who held the account (the transferor), and who comes on.
    public var fromMemberID: String?
    public var toMemberID: String
    public var handoverID: String?
    public var state: State
    public var reason: String?
    /// When the incoming person should have acknowledged by.
    public var ackDueAt: Date
    /// When the managers were told it was not (nil: not, or not yet).
    public var escalatedAt: Date?

    public init(
        id: String, scheduleID: String, organizationID: String, at: Date, fromMemberID: String?, toMemberID: String, handoverID: String?, state: State,
        reason: String? = nil, ackDueAt: Date, escalatedAt: Date? = nil
    ) {
        self.id = id
        self.scheduleID = scheduleID
        self.organizationID = organizationID
        self.at = at
        self.fromMemberID = fromMemberID
        self.toMemberID = toMemberID
        self.handoverID = handoverID
        self.state = state
        self.reason = reason
        self.ackDueAt = ackDueAt
        self.escalatedAt = escalatedAt
    }
}
