import Foundation

/// Where a background job is in its life (see Docs/Jobs.md).
public enum JobState: String, Sendable, Codable, CaseIterable {
    /// Waiting for `runAfter`, then for a runner to claim it.
    case pending
    /// Claimed by `lockedBy` until `lockedUntil` (a lease: if that runner dies, the job is
    /// claimable again once the lease runs out).
    case running
    /// Its handler returned.
    case done
    /// It failed `maxAttempts` times (or its lease ran out on its last attempt): an operator
    /// looks at `lastError` and retries it or leaves it.
    case dead
    /// An operator cancelled it before it ran, or a newer pending job with the same dedupe key
    /// took over its work.
    case cancelled
}

/// A stored job.
public struct Job: Sendable, Equatable, Codable {
    public var id: String
    public var organizationID: String?
    public var kind: String
    /// JSON text. Never logged: a payload may name people or carry what a handler needs.
    public var payload: String
    public var state: JobState
    /// Claims so far (each claim counts, so a runner killed mid-job uses one up).
    public var attempts: Int
    public var maxAttempts: Int
    public var runAfter: Date
    public var lockedBy: String?
    public var lockedUntil: Date?
    /// The last failure's message (what the handler threw; handlers keep secrets out of it).
    public var lastError: String?
    public var dedupeKey: String?
    public var createdAt: Date
    public var updatedAt: Date
}

/// A job to enqueue.
public struct NewJob: Sendable, Equatable {
    public var id: String
    public var organizationID: String?
    public var kind: String
    /// JSON text (an object); "{}" when the kind needs nothing more.
    public var payload: String
    public var runAfter: Date
    public var maxAttempts: Int
    /// Jobs with the same key collapse while one of them is pending: enqueueing another is a
    /// no-op. Nil for jobs that must each run.
    public var dedupeKey: String?

    public static let defaultMaxAttempts = 8

    public init(
        id: String = NewJob.newID(), organizationID: String? = nil, kind: String, payload: String = "{}", runAfter: Date,
        maxAttempts: Int = NewJob.defaultMaxAttempts, dedupeKey: String? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.kind = kind
        self.payload = payload
        self.runAfter = runAfter
        self.maxAttempts = max(1, maxAttempts)
        self.dedupeKey = dedupeKey
    }

    /// 12 hex digits of milliseconds then 20 random hex digits, like the other ids (see
    /// `Secrets.newID`, which the store cannot reach), so jobs sort by creation time.
    public static func newID(at now: Date = Date()) -> String {
        let millis = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        var random = SystemRandomNumberGenerator()
        let high = random.next() as UInt64, low = random.next() as UInt64
        let digits = Array("0123456789abcdef".utf8)
        var text = [UInt8](repeating: 0, count: 32)
        for index in 0..<12 { text[index] = digits[Int(millis >> (4 * (11 - index)) & 0xF)] }
        for index in 0..<16 { text[12 + index] = digits[Int(high >> (4 * index) & 0xF)] }
        for index in 0..<4 { text[28 + index] = digits[Int(low >> (4 * index) & 0xF)] }
        return String(decoding: text, as: UTF8.self)
    }
}

/// The job kinds the store itself enqueues.
public enum JobKind {
    /// Sign a checkpoint of one organization's audit log (payload "{}", organization set).
    /// Enqueued, deduped per organization, by every write that appends to the log.
    public static let auditCheckpoint = "audit.checkpoint"
    /// Send one outbox message (payload `{"message": id}`, organization set). Enqueued with the
    /// message, in the transaction of the change that causes it.
    public static let mailSend = "mail.send"
    /// Start a completed handover's follow-up (payload `{"handover": id}`, organization set):
    /// the recipient's survey, the customer's survey links. Enqueued by the completion, to run
    /// `followUpAfterDays` later.
    public static let followUp = "followup.start"
    /// POST one webhook delivery (payload `{"delivery": id}`, organization set). Enqueued with
    /// the delivery, in the transaction of the change that causes its event (`emitWebhooks`).
    public static let webhookDeliver = "webhook.deliver"
    /// Import one uploaded export (payload `{"import": id}`, organization set). Enqueued when
    /// its mapping is confirmed; idempotent (rows are upserted by external id), so a run cut
    /// short by a crash starts the file again.
    public static let importRun = "import.run"
}

/// Which jobs to list, newest first.
public struct JobFilter: Sendable, Hashable {
    public var states: [JobState]?
    public var kind: String?
    public var limit: Int

    public init(states: [JobState]? = nil, kind: String? = nil, limit: Int = 100) {
        self.states = states
        self.kind = kind
        self.limit = limit
    }
}
