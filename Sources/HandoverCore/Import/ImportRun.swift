import Foundation

/// One import of one uploaded export: what it is, how its columns map, and how far it got.
/// `review` waits for a person to confirm the mapping; `queued` and `running` are the job's;
/// `done` may still carry bad rows (they were skipped), `failed` imported nothing new past the
/// point it stopped (a strict import with bad rows imports nothing at all).
public struct ImportRun: Sendable, Hashable, Codable {
    public enum State: String, Sendable, Hashable, Codable, CaseIterable {
        case review, queued, running, done, failed

        public var isFinished: Bool { self == .done || self == .failed }
    }

    public enum Format: String, Sendable, Hashable, Codable {
        case csv, json, jsonl

        /// By the file's name, then by its first byte: `.jsonl`/`.ndjson` are JSON Lines, a
        /// file starting with `[` or `{` is JSON, anything else CSV.
        public static func of(fileName: String, firstByte: UInt8?) -> Format {
            let lower = fileName.lowercased()
            if lower.hasSuffix(".jsonl") || lower.hasSuffix(".ndjson") { return .jsonl }
            if lower.hasSuffix(".json") || firstByte == UInt8(ascii: "[") || firstByte == UInt8(ascii: "{") { return .json }
            return .csv
        }
    }

    public var id: String
    public var organizationID: String
    public var createdBy: String
    public var fileName: String
    public var format: Format
    public var bytes: Int64
    /// The recognized or chosen source (`ImportSource.id`); nil when neither.
    public var source: String?
    public var headers: [String]
    public var mapping: ImportMapping
    /// Stop at the first bad row and import nothing (`--strict`).
    public var strict: Bool
    public var state: State
    /// Roughly how many rows the file has (its lines less the header), for progress.
    public var rowsEstimated: Int
    public var rowsRead: Int
    public var rowsImported: Int
    public var rowsBad: Int
    /// Imported rows that no Handover account matched.
    public var rowsUnlinked: Int
    /// The first `ImportRun.problemsKept` bad rows' reasons (`rowsBad` counts them all).
    public var problems: [ImportProblem]
    public var error: String?
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    public var updatedAt: Date

    public static let problemsKept = 1_000

    public init(
        id: String, organizationID: String, createdBy: String, fileName: String, format: Format, bytes: Int64, source: String?, headers: [String],
        mapping: ImportMapping, strict: Bool, state: State, rowsEstimated: Int, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.createdBy = createdBy
        self.fileName = fileName
        self.format = format
        self.bytes = bytes
        self.source = source
        self.headers = headers
        self.mapping = mapping
        self.strict = strict
        self.state = state
        self.rowsEstimated = rowsEstimated
        self.rowsRead = 0
        self.rowsImported = 0
        self.rowsBad = 0
        self.rowsUnlinked = 0
        self.problems = []
        self.createdAt = createdAt
        self.updatedAt = createdAt
    }

    /// Rows read per second since it started, and the seconds left at that rate (nil until known).
    public func rate(at now: Date) -> (rowsPerSecond: Double, secondsLeft: Double?)? {
        guard let startedAt, rowsRead > 0 else { return nil }
        let elapsed = max(0.001, (finishedAt ?? now).timeIntervalSince(startedAt))
        let rate = Double(rowsRead) / elapsed
        let left = state.isFinished ? 0 : max(0, Double(rowsEstimated - rowsRead) / rate)
        return (rate, left)
    }
}
