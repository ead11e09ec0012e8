import Foundation
import HandoverCore

/// An import of an export (`/api/v1/imports`): what was uploaded, how its columns map, and how
/// far its job got, with the rate and time left while it runs.
public struct ImportResponse: Codable, Sendable, Hashable {
    public var id: String
    public var fileName: String
    public var format: ImportRun.Format
    public var bytes: Int64
    public var source: String?
    public var sourceLabel: String?
    public var kind: ImportKind?
    public var headers: [String]
    public var mapping: ImportMapping
    public var strict: Bool
    public var state: ImportRun.State
    public var rowsEstimated: Int
    public var rowsRead: Int
    public var rowsImported: Int
    public var rowsBad: Int
    public var rowsUnlinked: Int
    /// The first 1,000 bad rows' reasons; `rowsBad` counts them all.
    public var problems: [ImportProblem]
    public var error: String?
    public var createdBy: String
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var rowsPerSecond: Double?
    public var secondsLeft: Double?

    public init(_ run: ImportRun, at now: Date) {
        let source = run.source.flatMap(ImportSource.named)
        let rate = run.rate(at: now)
        self.init(
            id: run.id, fileName: run.fileName, format: run.format, bytes: run.bytes, source: run.source, sourceLabel: source?.label, kind: source?.kind,
            headers: run.headers, mapping: run.mapping, strict: run.strict, state: run.state, rowsEstimated: run.rowsEstimated, rowsRead: run.rowsRead,
            rowsImported: run.rowsImported, rowsBad: run.rowsBad, rowsUnlinked: run.rowsUnlinked, problems: run.problems, error: run.error,
            createdBy: run.createdBy, createdAt: run.createdAt, startedAt: run.startedAt, finishedAt: run.finishedAt,
            rowsPerSecond: rate.map { ($0.rowsPerSecond * 10).rounded() / 10 }, secondsLeft: rate?.secondsLeft.map { ($0 * 10).rounded() / 10 })
    }

    public init(
        id: String, fileName: String, format: ImportRun.Format, bytes: Int64, source: String?, sourceLabel: String?, kind: ImportKind?, headers: [String],
        mapping: ImportMapping, strict: Bool, state: ImportRun.State, rowsEstimated: Int, rowsRead: Int, rowsImported: Int, rowsBad: Int,
        rowsUnlinked: Int, problems: [ImportProblem], error: String?, createdBy: String, createdAt: Date, startedAt: Date?, finishedAt: Date?,
        rowsPerSecond: Double?, secondsLeft: Double?
    ) {
        self.id = id
        self.fileName = fileName
        self.format = format
        self.bytes = bytes
        self.source = source
        self.sourceLabel = sourceLabel
        self.kind = kind
        self.headers = headers
        self.mapping = mapping
        self.strict = strict
        self.state = state
        self.rowsEstimated = rowsEstimated
        self.rowsRead = rowsRead
        self.rowsImported = rowsImported
        self.rowsBad = rowsBad
        self.rowsUnlinked = rowsUnlinked
        self.problems = problems
        self.error = error
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.rowsPerSecond = rowsPerSecond
        self.secondsLeft = secondsLeft
    }
}

/// `POST /api/v1/imports/{id}/start`: the source and mapping a person confirmed (each optional:
/// what is left out stays as the upload suggested).
public struct ImportStartRequest: Codable, Sendable, Hashable {
    public var source: String?
    public var mapping: ImportMapping?
    public var strict: Bool?

    public init(source: String? = nil, mapping: ImportMapping? = nil, strict: Bool? = nil) {
        self.source = source
        self.mapping = mapping
        self.strict = strict
    }
}
