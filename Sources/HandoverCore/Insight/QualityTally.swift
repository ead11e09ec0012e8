import Foundation

/// Sums and counts over a group of handovers, from which every quality measure is a ratio.
/// Sums rather than averages, so that months, teams and templates add up exactly.
public struct QualityTally: Sendable, Hashable, Codable {
    /// Handovers begun.
    public var begun = 0
    /// Submitted at least once; of those, the ones whose content is still as last submitted (not
    /// back in draft or cancelled), and the sum of their completeness (0–100).
    public var submitted = 0
    public var completenessCounted = 0
    public var completenessSum = 0
    /// Of those, returned at least once, and all their returns.
    public var returned = 0
    public var returns = 0
    /// Acknowledged, the hours from (last) submission to acknowledgment, and the questions asked after.
    public var acknowledged = 0
    public var acknowledgeHours = 0.0
    public var questionsAfter = 0
    /// Open items past their due date in handovers not cancelled, and the handovers holding any.
    public var overdueItems = 0
    public var withOverdueItems = 0
    /// Finished (completed, verified or closed), and of those: briefed, and with a problem within 30 days.
    public var finished = 0
    public var briefed = 0
    public var withProblems = 0
    public var problems = 0
    /// Every sign-off the template asks for collected, and the hours from submission to the last.
    public var signedOff = 0
    public var signOffHours = 0.0
    /// Customers' answered surveys: how many, how many said they had to repeat their story, and satisfaction (1–5).
    public var surveys = 0
    public var repeatedStory = 0
    public var satisfactionCount = 0
    public var satisfactionSum = 0

    public init() {}

    public static func + (a: QualityTally, b: QualityTally) -> QualityTally {
        var sum = a
        sum += b
        return sum
    }

    public static func += (a: inout QualityTally, b: QualityTally) {
        a.begun += b.begun
        a.submitted += b.submitted
        a.completenessCounted += b.completenessCounted
        a.completenessSum += b.completenessSum
        a.returned += b.returned
        a.returns += b.returns
        a.acknowledged += b.acknowledged
        a.acknowledgeHours += b.acknowledgeHours
        a.questionsAfter += b.questionsAfter
        a.overdueItems += b.overdueItems
        a.withOverdueItems += b.withOverdueItems
        a.finished += b.finished
        a.briefed += b.briefed
        a.withProblems += b.withProblems
        a.problems += b.problems
        a.signedOff += b.signedOff
        a.signOffHours += b.signOffHours
        a.surveys += b.surveys
        a.repeatedStory += b.repeatedStory
        a.satisfactionCount += b.satisfactionCount
        a.satisfactionSum += b.satisfactionSum
    }
}

/// One measure of handover quality on the dashboard: what it is, and its value for a tally.
public enum QualityMeasure: String, Sendable, Hashable, Codable, CaseIterable {
    case timeToAcknowledge = "time-to-acknowledge"
    case completenessAtSubmit = "completeness-at-submit"
    case returnRate = "return-rate"
    case questionsAfterAcknowledgment = "questions-after-acknowledgment"
    case overdueOpenItems = "overdue-open-items"
    case briefingsHeld = "briefings-held"
    case timeToSignoff = "time-to-signoff"
    case repeatedStory = "repeated-story"
    case satisfaction = "satisfaction"
    case problemsWithin30Days = "problems-within-30-days"

    public var title: String {
        switch self {
        case .timeToAcknowledge: "Time to acknowledge"
        case .completenessAtSubmit: "Completeness at submit"
        case .returnRate: "Returned to the sender"
        case .questionsAfterAcknowledgment: "Questions after acknowledgment"
        case .overdueOpenItems: "Overdue open items"
        case .briefingsHeld: "Briefings held"
        case .timeToSignoff: "Time to sign-off"
        case .repeatedStory: "Customers who had to repeat their story"
        case .satisfaction: "Customer satisfaction"
        case .problemsWithin30Days: "Incidents or access problems within 30 days"
        }
    }

    /// The unit its values are in, as the dashboard writes it after a number.
    public var unit: String {
        switch self {
        case .timeToAcknowledge, .timeToSignoff: "hours"
        case .completenessAtSubmit, .returnRate, .briefingsHeld, .repeatedStory, .problemsWithin30Days: "%"
        case .questionsAfterAcknowledgment: "per handover"
        case .overdueOpenItems: "items"
        case .satisfaction: "of 5"
        }
    }

    /// What it counts, in a sentence under its chart.
    public var explanation: String {
        switch self {
        case .timeToAcknowledge: "Mean hours from the last submission to the recipient's acknowledgment."
        case .completenessAtSubmit: "Mean share of the template's fields filled in (required ones weigh three times) as last submitted."
        case .returnRate: "Share of submitted handovers the recipient sent back at least once."
        case .questionsAfterAcknowledgment: "Questions asked after acknowledgment, per acknowledged handover: what the packet did not answer."
        case .overdueOpenItems: "Open items past their due date, today, in handovers not cancelled."
        case .briefingsHeld: "Share of finished handovers with at least one briefing held."
        case .timeToSignoff: "Mean hours from the last submission to the last sign-off the template asks for."
        case .repeatedStory: "Share of customers' survey answers saying they had to repeat their story."
        case .satisfaction: "Mean of the customers' satisfaction answers, from 1 to 5."
        case .problemsWithin30Days:
            "Share of finished handovers followed within 30 days by an escalation or churn on the account, an access line declined or late, a credential not rotated in time, or a recipient saying the packet was not enough."
        }
    }

    /// Whether a smaller value is better (the dashboard says which way is good).
    public var lowerIsBetter: Bool {
        switch self {
        case .timeToAcknowledge, .returnRate, .questionsAfterAcknowledgment, .overdueOpenItems, .timeToSignoff, .repeatedStory, .problemsWithin30Days: true
        case .completenessAtSubmit, .briefingsHeld, .satisfaction: false
        }
    }

    /// Its value for `tally`, or nil when nothing was there to measure (no submission, no survey…).
    public func value(_ t: QualityTally) -> Double? {
        func ratio(_ part: Double, _ whole: Int, scale: Double = 1) -> Double? { whole == 0 ? nil : part / Double(whole) * scale }
        switch self {
        case .timeToAcknowledge: return ratio(t.acknowledgeHours, t.acknowledged)
        case .completenessAtSubmit: return ratio(Double(t.completenessSum), t.completenessCounted)
        case .returnRate: return ratio(Double(t.returned), t.submitted, scale: 100)
        case .questionsAfterAcknowledgment: return ratio(Double(t.questionsAfter), t.acknowledged)
        case .overdueOpenItems: return t.begun == 0 ? nil : Double(t.overdueItems)
        case .briefingsHeld: return ratio(Double(t.briefed), t.finished, scale: 100)
        case .timeToSignoff: return ratio(t.signOffHours, t.signedOff)
        case .repeatedStory: return ratio(Double(t.repeatedStory), t.surveys, scale: 100)
        case .satisfaction: return ratio(Double(t.satisfactionSum), t.satisfactionCount)
        case .problemsWithin30Days: return ratio(Double(t.withProblems), t.finished, scale: 100)
        }
    }

    /// How many handovers (or answers) the value rests on, so a reader can weigh it.
    public func basis(_ t: QualityTally) -> Int {
        switch self {
        case .timeToAcknowledge, .questionsAfterAcknowledgment: t.acknowledged
        case .completenessAtSubmit: t.completenessCounted
        case .returnRate: t.submitted
        case .overdueOpenItems: t.withOverdueItems
        case .briefingsHeld, .problemsWithin30Days: t.finished
        case .timeToSignoff: t.signedOff
        case .repeatedStory: t.surveys
        case .satisfaction: t.satisfactionCount
        }
    }

    /// The value as the dashboard and the CSV write it: one decimal, or "" for none.
    public func format(_ value: Double?) -> String {
        guard let value else { return "" }
        return String(format: "%.1f", value)
    }
}
