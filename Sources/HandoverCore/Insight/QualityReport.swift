import Foundation

/// What a refresh computed for one organization: the buckets behind every dashboard, and the
/// names its filters offer. Stored whole, read whole, filtered in memory.
public struct QualitySnapshot: Sendable, Hashable, Codable {
    public var computedAt: Date
    /// How long the refresh took, in milliseconds.
    public var tookMillis: Int
    public var handovers: Int
    public var findings: Int
    public var buckets: [QualityBucket]
    public var teams: [NamedRef]
    public var templates: [NamedRef]

    public init(
        computedAt: Date, tookMillis: Int, handovers: Int, findings: Int, buckets: [QualityBucket], teams: [NamedRef], templates: [NamedRef]
    ) {
        self.computedAt = computedAt
        self.tookMillis = tookMillis
        self.handovers = handovers
        self.findings = findings
        self.buckets = buckets
        self.teams = teams
        self.templates = templates
    }

    /// A team or template: what a filter names and what a person reads.
    public struct NamedRef: Sendable, Hashable, Codable {
        public var id: String
        public var name: String

        public init(id: String, name: String) {
            self.id = id
            self.name = name
        }
    }
}

/// Which handovers a dashboard or an audit covers: a team (of the transferor), a template, and
/// months from and to (`YYYY-MM`, both included). Nil is everything.
public struct InsightFilter: Sendable, Hashable, Codable {
    public var teamID: String?
    public var templateKey: String?
    public var from: String?
    public var to: String?

    public init(teamID: String? = nil, templateKey: String? = nil, from: String? = nil, to: String? = nil) {
        self.teamID = teamID
        self.templateKey = templateKey
        self.from = from
        self.to = to
    }

    /// What is wrong with the months, each at its parameter name.
    public var problems: [Problem] {
        var problems: [Problem] = []
        for (name, value) in [("from", from), ("to", to)] {
            if let value, Self.monthNumber(value) == nil {
                problems.append(Problem(path: name, message: "must be a month written YYYY-MM, like 2026-11"))
            }
        }
        if problems.isEmpty, let from, let to, from > to {
            problems.append(Problem(path: "to", message: "must not be before from (\(from))"))
        }
        return problems
    }

    /// Months since year 0, for `YYYY-MM`; nil for anything else.
    public static func monthNumber(_ text: String) -> Int? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard text.count == 7, parts.count == 2, parts[0].count == 4, parts[1].count == 2, let year = Int(parts[0]), let month = Int(parts[1]),
            (1...12).contains(month)
        else { return nil }
        return year * 12 + month - 1
    }

    static func month(_ number: Int) -> String { String(format: "%04d-%02d", number / 12, number % 12 + 1) }

    /// The first instant of `from`'s month and of the month after `to` (UTC), for completion times.
    public var completionRange: (from: Date?, until: Date?) {
        func start(_ number: Int) -> Date {
            var calendar = Calendar(identifier: .gregorian)
            calendar.timeZone = TimeZone(identifier: "UTC")!
            return calendar.date(from: DateComponents(year: number / 12, month: number % 12 + 1, day: 1))!
        }
        return (from.flatMap(Self.monthNumber).map(start), to.flatMap(Self.monthNumber).map { start($0 + 1) })
    }
}

/// A dashboard: each month's tally for the filter, and the whole period's.
public struct QualityReport: Sendable, Hashable {
    /// Months shown when the filter names none: the last twelve up to the refresh.
    public static let defaultMonths = 12
    /// At most this many months in one report (three years), so a chart stays readable.
    public static let maxMonths = 36

    public var filter: InsightFilter
    /// Every month of the period, oldest first, empty ones included.
    public var months: [Month]
    public var total: QualityTally

    public struct Month: Sendable, Hashable {
        /// `YYYY-MM`.
        public var month: String
        public var tally: QualityTally
    }

    /// The report for `filter` (its months already checked), over `snapshot`'s buckets. A
    /// filter without months gets the last twelve; a longer period is cut to its last 36 months.
    public static func build(_ snapshot: QualitySnapshot, filter: InsightFilter) -> QualityReport {
        let latest = InsightFilter.monthNumber(QualityMeasures.month(of: snapshot.computedAt))!
        let to = filter.to.flatMap(InsightFilter.monthNumber) ?? max(latest, filter.from.flatMap(InsightFilter.monthNumber) ?? latest)
        var from = filter.from.flatMap(InsightFilter.monthNumber) ?? (to - defaultMonths + 1)
        from = max(0, from, to - maxMonths + 1)
        var filter = filter
        (filter.from, filter.to) = (InsightFilter.month(from), InsightFilter.month(to))
        var byMonth: [String: QualityTally] = [:]
        let team = filter.teamID ?? ""
        for bucket in snapshot.buckets where bucket.teamID == team && (filter.templateKey.map { $0 == bucket.templateKey } ?? true) {
            guard let number = InsightFilter.monthNumber(bucket.month), (from...to).contains(number) else { continue }
            byMonth[bucket.month, default: QualityTally()] += bucket.tally
        }
        let months = (from...to).map { number in
            let month = InsightFilter.month(number)
            return Month(month: month, tally: byMonth[month] ?? QualityTally())
        }
        return QualityReport(filter: filter, months: months, total: months.reduce(QualityTally()) { $0 + $1.tally })
    }
}
