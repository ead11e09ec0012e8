import Foundation

/// One handover's contribution to the quality measures. Pure: `now` is passed in.
public enum QualityMeasures {
    /// The window after completion in which a problem counts against the handover.
    public static let problemWindowDays = 30

    public static func tally(_ facts: HandoverFacts, template: Template?, now: Date) -> QualityTally {
        let h = facts.handover
        var t = QualityTally()
        t.begun = 1
        if let submitted = h.submittedAt {
            t.submitted = 1
            // Content changes only in draft: past it (and not cancelled), it is as last submitted.
            if let template, h.state != .draft, h.state != .cancelled {
                t.completenessCounted = 1
                t.completenessSum = completeness(h.content, template: template)
            }
            if facts.returns > 0 { t.returned = 1 }
            t.returns = facts.returns
            if let acknowledged = h.acknowledgedAt {
                t.acknowledged = 1
                t.acknowledgeHours = max(0, acknowledged.timeIntervalSince(submitted)) / 3600
                t.questionsAfter = facts.questionsAfterAcknowledgment
            }
            if let template, !template.requiredSignoffs.isEmpty, Set(template.requiredSignoffs).isSubset(of: facts.signedRoles),
                let last = facts.lastSignedAt
            {
                t.signedOff = 1
                t.signOffHours = max(0, last.timeIntervalSince(submitted)) / 3600
            }
        }
        if h.state != .cancelled {
            let overdue = overdueItems(h.content, today: CalendarDate(now))
            t.overdueItems = overdue
            t.withOverdueItems = overdue > 0 ? 1 : 0
        }
        if h.state.isFinished {
            t.finished = 1
            t.briefed = facts.briefingsHeld > 0 ? 1 : 0
            let problems = problems(facts, now: now)
            t.problems = problems
            t.withProblems = problems > 0 ? 1 : 0
        }
        for survey in facts.surveys {
            t.surveys += 1
            if survey.repeatedStory == true { t.repeatedStory += 1 }
            if let score = survey.satisfaction {
                t.satisfactionCount += 1
                t.satisfactionSum += score
            }
        }
        return t
    }

    /// The share (0–100) of the template's fields filled in, required ones weighing three times:
    /// the completeness part of lint's score, without its findings or the account's.
    public static func completeness(_ content: HandoverContent, template: Template) -> Int {
        var total = 0
        var filled = 0
        for (path, field) in template.fieldsWithPaths {
            let weight = field.required ? 3 : 1
            total += weight
            let parts = path.split(separator: ".").map(String.init)
            if let json = content[parts[0], parts[1]], json != .null, case .success(let value) = field.parse(json, at: path), value.isFilled {
                filled += weight
            }
        }
        return total == 0 ? 100 : Int((Double(filled) / Double(total) * 100).rounded(.down))
    }

    /// Open items (in every items field) whose due day is before `today` and whose status does not say they are done.
    public static func overdueItems(_ content: HandoverContent, today: CalendarDate) -> Int {
        var count = 0
        for section in content.sections.values {
            for value in section.values {
                guard case .array(let rows) = value else { continue }
                for row in rows {
                    guard case .object(let item) = row, case .string(let title)? = item["title"], !title.isEmpty,
                        case .string(let dueText)? = item["due"], let due = CalendarDate(dueText), due < today
                    else { continue }
                    if case .string(let status)? = item["status"], isDone(status) { continue }
                    count += 1
                }
            }
        }
        return count
    }

    static func isDone(_ status: String) -> Bool {
        let status = status.lowercased()
        return ["done", "closed", "complete", "resolved", "cancel"].contains { status.contains($0) }
    }

    /// Problems within `problemWindowDays` after completion: an escalation or churn recorded on
    /// the account (an incident), access lines declined or decided late (or still undecided once
    /// the window is over), credentials rotated after their due day (or not yet, once due), and a
    /// recipient saying the packet was not enough.
    public static func problems(_ facts: HandoverFacts, now: Date) -> Int {
        guard let completed = facts.handover.completedAt else { return 0 }
        let windowEnd = completed.addingTimeInterval(TimeInterval(problemWindowDays) * 86_400)
        var count = 0
        for line in facts.accessLines {
            switch line.status {
            case "declined": if (line.decidedAt ?? completed) <= windowEnd { count += 1 }
            case "confirmed": if let decided = line.decidedAt, decided > windowEnd { count += 1 }
            default: if now > windowEnd { count += 1 }
            }
        }
        for exposure in facts.exposures where exposure.dueAt <= windowEnd {
            if let rotated = exposure.rotatedAt {
                if rotated > exposure.dueAt { count += 1 }
            } else if now > exposure.dueAt {
                count += 1
            }
        }
        if facts.recipientSaidNotEnough { count += 1 }
        let day = CalendarDate(completed)
        count += facts.accountOutcomes.filter { (1...problemWindowDays).contains(day.days(until: $0)) }.count
        return count
    }

    /// The calendar month (UTC) a handover is counted in: the month it began, `YYYY-MM`.
    public static func month(of date: Date) -> String {
        let day = CalendarDate(date)
        return String(format: "%04d-%02d", day.year, day.month)
    }
}

/// Tallies grouped by the month a handover began, its template, and each team of its
/// transferor; the team "" holds every handover once, whatever its teams.
public struct QualityBucket: Sendable, Hashable, Codable {
    public var month: String
    public var teamID: String
    public var templateKey: String
    public var tally: QualityTally

    public init(month: String, teamID: String, templateKey: String, tally: QualityTally) {
        self.month = month
        self.teamID = teamID
        self.templateKey = templateKey
        self.tally = tally
    }
}

/// Adds handovers one at a time into buckets, so a refresh holds one page of handovers at once.
public struct QualityAccumulator: Sendable {
    struct Key: Hashable {
        var month: String
        var teamID: String
        var templateKey: String
    }
    var tallies: [Key: QualityTally] = [:]

    public init() {}

    public mutating func add(_ tally: QualityTally, begun: Date, templateKey: String, teamIDs: [String]) {
        let month = QualityMeasures.month(of: begun)
        for teamID in [""] + Set(teamIDs).sorted() {
            tallies[Key(month: month, teamID: teamID, templateKey: templateKey), default: QualityTally()] += tally
        }
    }

    /// Month, team, then template order.
    public var buckets: [QualityBucket] {
        tallies.map { QualityBucket(month: $0.key.month, teamID: $0.key.teamID, templateKey: $0.key.templateKey, tally: $0.value) }
            .sorted { ($0.month, $0.teamID, $0.templateKey) < ($1.month, $1.teamID, $1.templateKey) }
    }
}
