import Foundation

/// What a client sends to create a schedule (every field but the options) or to edit one (only
/// the fields to change). Members are named by id or email.
public struct ShiftScheduleRequest: Sendable, Hashable, Codable {
    public var name: String?
    public var accountID: String?
    public var teamID: String?
    public var rotation: [String]?
    public var rule: String?
    public var startsOn: String?
    public var startTime: String?
    public var duration: String?
    public var timeZone: String?
    public var ackMinutes: Int?
    public var waitForAcknowledgment: Bool?
    public var templateKey: String?
    /// An edit may stop a schedule (`stopped`) or start it again (`active`).
    public var state: ShiftSchedule.State?

    public init(
        name: String? = nil, accountID: String? = nil, teamID: String? = nil, rotation: [String]? = nil, rule: String? = nil, startsOn: String? = nil,
        startTime: String? = nil, duration: String? = nil, timeZone: String? = nil, ackMinutes: Int? = nil, waitForAcknowledgment: Bool? = nil,
        templateKey: String? = nil, state: ShiftSchedule.State? = nil
    ) {
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
    }
}

/// "I take this shift" (no `memberID`), or a manager putting someone on. `startsAt`/`endsAt`
/// are instants (RFC 3339).
public struct ShiftOverrideRequest: Sendable, Hashable, Codable {
    public var memberID: String?
    public var startsAt: Date
    public var endsAt: Date
    public var reason: String?

    public init(memberID: String? = nil, startsAt: Date, endsAt: Date, reason: String? = nil) {
        self.memberID = memberID
        self.startsAt = startsAt
        self.endsAt = endsAt
        self.reason = reason
    }
}
