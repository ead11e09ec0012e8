import Foundation

/// What the quality measures and the documentation audit read about one handover, gathered by
/// the caller (`InsightService`) from the store.
public struct HandoverFacts: Sendable, Hashable {
    public var handover: Handover
    /// How many times the recipient sent it back.
    public var returns: Int = 0
    /// Questions asked after the recipient acknowledged it: what the packet did not answer.
    public var questionsAfterAcknowledgment: Int = 0
    public var briefingsHeld: Int = 0
    /// Briefings planned, whatever became of them.
    public var briefingsPlanned: Int = 0
    /// The roles that signed its content as it stands now (a sign-off of an older version does not count).
    public var signedRoles: Set<SignoffRole> = []
    /// The latest of those sign-offs.
    public var lastSignedAt: Date?
    /// Its customers' answered follow-up surveys.
    public var surveys: [SurveyAnswer] = []
    /// Its access plan's lines.
    public var accessLines: [AccessLineFact] = []
    /// The secrets it exposed to the recipient, with when each was due to be rotated.
    public var exposures: [ExposureFact] = []
    /// The recipient's follow-up answer said the packet was not enough.
    public var recipientSaidNotEnough = false
    /// The escalations and churn recorded on its account (Docs/Risks.md), any day.
    public var accountOutcomes: [CalendarDate] = []

    public init(handover: Handover) {
        self.handover = handover
    }

    public struct SurveyAnswer: Sendable, Hashable {
        public var satisfaction: Int?
        public var repeatedStory: Bool?

        public init(satisfaction: Int?, repeatedStory: Bool?) {
            self.satisfaction = satisfaction
            self.repeatedStory = repeatedStory
        }
    }

    public struct AccessLineFact: Sendable, Hashable {
        /// `pending`, `confirmed` or `declined`.
        public var status: String
        public var decidedAt: Date?

        public init(status: String, decidedAt: Date?) {
            self.status = status
            self.decidedAt = decidedAt
        }
    }

    public struct ExposureFact: Sendable, Hashable {
        public var dueAt: Date
        public var rotatedAt: Date?

        public init(dueAt: Date, rotatedAt: Date?) {
            self.dueAt = dueAt
            self.rotatedAt = rotatedAt
        }
    }
}

extension HandoverState {
    /// Completed, verified or closed: the handover happened.
    public var isFinished: Bool { self == .completed || self == .verified || self == .closed }
}
