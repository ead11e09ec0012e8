import Foundation
import HandoverCore

/// `GET /api/v1/shift-schedules/{id}`: the schedule and where it stands now. Requests are
/// `ShiftScheduleRequest` and `ShiftOverrideRequest`; the other answers are the core's types.
public struct ShiftScheduleResponse: Codable, Sendable, Hashable {
    public struct Change: Codable, Sendable, Hashable {
        public var at: Date
        public var from: String?
        public var to: String

        public init(at: Date, from: String?, to: String) {
            self.at = at
            self.from = from
            self.to = to
        }
    }

    public var schedule: ShiftSchedule
    /// Who holds the shift now (with `waitForAcknowledgment`, the outgoing person until the
    /// incoming one acknowledges); nil in a gap between shifts.
    public var onShift: String?
    /// The handover the outgoing person waits on.
    public var waitingOn: String?
    public var nextChange: Change?
    public var overrides: [ShiftOverride]

    public init(schedule: ShiftSchedule, onShift: String?, waitingOn: String?, nextChange: Change?, overrides: [ShiftOverride]) {
        self.schedule = schedule
        self.onShift = onShift
        self.waitingOn = waitingOn
        self.nextChange = nextChange
        self.overrides = overrides
    }
}
