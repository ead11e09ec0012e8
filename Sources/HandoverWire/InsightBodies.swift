import Foundation
import HandoverCore

/// `GET /api/v1/insight/quality`: a dashboard as numbers (Docs/Insight.md).
public struct QualityResponse: Codable, Sendable, Hashable {
    /// When the snapshot behind it was computed; absent before the first refresh.
    public var computedAt: Date?
    /// Handovers the snapshot read, and findings its audit stored.
    public var handovers: Int
    public var findings: Int
    /// The filter as applied: the months filled in when none were given.
    public var filter: InsightFilterBody
    /// Each measure over the whole period.
    public var measures: [QualityMeasureValue]
    /// Each month of the period, oldest first, with its sums and counts.
    public var months: [QualityMonth]
    /// The whole period's sums and counts.
    public var total: QualityTally
    /// What the filters may name.
    public var teams: [QualitySnapshot.NamedRef]
    public var templates: [QualitySnapshot.NamedRef]

    public init(snapshot: QualitySnapshot?, report: QualityReport?, filter: InsightFilter) {
        computedAt = snapshot?.computedAt
        handovers = snapshot?.handovers ?? 0
        findings = snapshot?.findings ?? 0
        self.filter = InsightFilterBody(report?.filter ?? filter)
        total = report?.total ?? QualityTally()
        measures = QualityMeasure.allCases.map { [total] in QualityMeasureValue($0, total) }
        months = (report?.months ?? []).map { month in
            QualityMonth(
                month: month.month, tally: month.tally,
                values: Dictionary(uniqueKeysWithValues: QualityMeasure.allCases.compactMap { m in m.value(month.tally).map { (m.rawValue, $0) } }))
        }
        teams = snapshot?.teams ?? []
        templates = snapshot?.templates ?? []
    }
}

public struct InsightFilterBody: Codable, Sendable, Hashable {
    public var team: String?
    public var template: String?
    public var from: String?
    public var to: String?

    public init(_ filter: InsightFilter) {
        (team, template, from, to) = (filter.teamID, filter.templateKey, filter.from, filter.to)
    }
}

public struct QualityMeasureValue: Codable, Sendable, Hashable {
    public var id: String
    public var title: String
    public var unit: String
    public var explanation: String
    public var lowerIsBetter: Bool
    /// Absent when nothing was there to measure.
    public var value: Double?
    /// How many handovers (or survey answers) the value rests on.
    public var basis: Int

    public init(_ measure: QualityMeasure, _ tally: QualityTally) {
        id = measure.rawValue
        title = measure.title
        unit = measure.unit
        explanation = measure.explanation
        lowerIsBetter = measure.lowerIsBetter
        value = measure.value(tally)
        basis = measure.basis(tally)
    }
}

public struct QualityMonth: Codable, Sendable, Hashable {
    public var month: String
    public var tally: QualityTally
    /// Each measure's value that month, by measure id; a measure with nothing to measure is left out.
    public var values: [String: Double]
}

/// `GET /api/v1/insight/findings`: a page of the documentation audit.
public struct DocumentationFindingsResponse: Codable, Sendable, Hashable {
    public var items: [DocumentationFindingBody]
    /// How many findings match the filter in all.
    public var total: Int
    public var offset: Int
    public var computedAt: Date?

    public init(items: [DocumentationFindingBody], total: Int, offset: Int, computedAt: Date?) {
        self.items = items
        self.total = total
        self.offset = offset
        self.computedAt = computedAt
    }
}

public struct DocumentationFindingBody: Codable, Sendable, Hashable {
    public var handoverID: String
    public var accountID: String
    public var templateKey: String
    public var transferorID: String
    public var recipientID: String
    public var completedAt: Date
    public var rule: DocumentationRule
    public var title: String
    public var path: String?
    public var detail: String

    public init(_ f: DocumentationFinding) {
        (handoverID, accountID, templateKey, transferorID, recipientID) = (f.handoverID, f.accountID, f.templateKey, f.transferorID, f.recipientID)
        completedAt = f.completedAt
        rule = f.rule
        title = f.rule.title
        path = f.path
        detail = f.detail
    }
}

/// `POST /api/v1/insight/refresh`: 202, the refresh queued.
public struct InsightRefreshResponse: Codable, Sendable, Hashable {
    public var queued: Bool
    /// The snapshot in place until the refresh lands.
    public var computedAt: Date?

    public init(computedAt: Date?) {
        queued = true
        self.computedAt = computedAt
    }
}

/// `GET /api/v1/accounts/{id}/risks`: the flags, and the model's reading when there is one.
public struct RiskFlagsResponse: Codable, Sendable, Hashable {
    public var items: [RiskFlag]
    public var model: RiskPrediction?
    /// Why there is no model reading.
    public var noModel: String?

    public init(items: [RiskFlag], model: RiskPrediction?, noModel: String?) {
        self.items = items
        self.model = model
        self.noModel = noModel
    }
}

/// `POST /api/v1/accounts/{id}/outcomes`.
public struct RecordOutcomeRequest: Codable, Sendable, Hashable {
    public var kind: OutcomeKind
    /// The day it happened, `YYYY-MM-DD`.
    public var on: CalendarDate
    public var note: String?

    public init(kind: OutcomeKind, on: CalendarDate, note: String? = nil) {
        self.kind = kind
        self.on = on
        self.note = note
    }
}
