import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// Every service over one store, clock and id maker: what the HTTP edge, the CLI and background
/// jobs are given. Nothing outside this target reaches the store.
public struct Services: Sendable {
    public let members: MemberService
    public let accounts: AccountService
    public let templates: TemplateService
    /// Handovers with their questions and sign-offs.
    public let handovers: HandoverService
    public let audit: AuditService
    public let operations: OperationsService
    /// Encryption keys, the recovery key and sealed secrets.
    public let secrets: SecretService
    /// What each web page shows.
    public let pages: PageModels
    /// Physical assets and custody transfers.
    public let custody: CustodyService
    /// Access grants, access plans and the lingering-access report.
    public let access: AccessService
    /// The mail outbox.
    public let outbox: OutboxService
    /// Briefings on handovers and members' calendar feeds.
    public let briefings: BriefingService
    /// Notification preferences, the daily digest, overdue reminders.
    public let notifications: NotificationService
    /// The customer's introduction (Docs/Introduction.md).
    public let introductions: IntroductionService
    /// The follow-up after completion: surveys, results, the manager's check-in.
    public let followUps: FollowUpService
    /// Pipelines, stages, journeys and boards.
    public let pipelines: PipelineService
    /// Files on handovers and accounts.
    public let attachments: AttachmentService
    /// Departures: a leaver's accounts and everything pointing at them, planned and applied.
    public let departures: DepartureService
    /// Realignments: many accounts to new owners at once, from a CSV or rules.
    public let realignments: RealignmentService
    /// Covers: an account to a colleague until a day, handed back by itself.
    public let covers: CoverService
    /// Shift schedules, their overrides and the change of shift (Docs/Shifts.md).
    public let shifts: ShiftService
    /// Outbound webhooks: subscriptions, the delivery log, replay, and delivery itself.
    public let webhooks: WebhookService
    /// Identity providers' provisioning (SCIM 2.0 at /scim/v2).
    public let scim: ScimService
    /// The question answerer: an account's record searched for a question (Docs/Answers.md).
    public let answers: AnswerService
    /// Imports of CRM and ticket exports (Docs/Imports.md).
    public let imports: ImportService
    /// An account's risk flags, on the account and its handovers.
    public let risks: RiskService
    public let insight: InsightService

    public init(
        store: any HandoverStore, passwords: Passwords = Passwords(), logKeys: LogKeys, readCacheTTL: Duration = .zero,
        clock: WallClock = .system, ids: IDMaker = .random, mail: MailSettings = MailSettings(),
        attachments attachmentSettings: AttachmentSettings = AttachmentSettings(), webhooks webhookSettings: WebhookSettings = WebhookSettings(),
        idempotencyLease: TimeInterval = DepartureService.defaultIdempotencyLease, imports importSettings: ImportSettings = ImportSettings()
    ) {
        members = MemberService(store: store, passwords: passwords, clock: clock, ids: ids)
        handovers = HandoverService(store: store, readCacheTTL: readCacheTTL, clock: clock, ids: ids, mail: mail)
        accounts = handovers.accounts
        templates = handovers.templates
        audit = AuditService(store: store, keys: logKeys, appender: handovers.auditAppender, clock: clock)
        operations = OperationsService(store: store, appender: handovers.auditAppender)
        secrets = SecretService(store: store, handovers: handovers, keys: logKeys, clock: clock)
        access = AccessService(store: store, handovers: handovers, clock: clock, ids: ids)
        let followUps = FollowUpService(store: store, handovers: handovers, keys: logKeys, clock: clock, ids: ids)
        outbox = OutboxService(store: store, handovers: handovers, clock: clock, expand: followUps.expand)
        risks = RiskService(store: store, clock: clock, accounts: accounts, ids: ids)
        pages = PageModels(
            members: members, accounts: accounts, templates: templates, handovers: handovers, audit: audit, secrets: secrets, risks: risks)
        custody = CustodyService(store: store, handovers: handovers, audit: audit, clock: clock, ids: ids)
        briefings = BriefingService(store: store, handovers: handovers, clock: clock, ids: ids, mail: mail)
        notifications = NotificationService(store: store, clock: clock, ids: ids, mail: mail)
        introductions = IntroductionService(store: store, handovers: handovers, clock: clock, ids: ids)
        self.followUps = followUps
        pipelines = PipelineService(store: store, handovers: handovers, clock: clock, ids: ids)
        attachments = AttachmentService(store: store, handovers: handovers, clock: clock, ids: ids, settings: attachmentSettings)
        departures = DepartureService(
            store: store, templates: handovers.templates, clock: clock, ids: ids, idempotencyLease: idempotencyLease, mail: mail)
        covers = CoverService(store: store, handovers: handovers, clock: clock, ids: ids)
        shifts = ShiftService(store: store, handovers: handovers, clock: clock, ids: ids, mail: mail)
        realignments = RealignmentService(store: store, templates: handovers.templates, clock: clock, ids: ids, idempotencyLease: idempotencyLease)
        webhooks = WebhookService(store: store, keys: logKeys, clock: clock, ids: ids, settings: webhookSettings)
        scim = ScimService(store: store, members: members, departures: departures, clock: clock, ids: ids)
        answers = AnswerService(store: store, templates: handovers.templates, clock: clock)
        imports = ImportService(store: store, clock: clock, ids: ids, settings: importSettings)
        insight = InsightService(store: store, templates: templates, clock: clock)
    }
}

/// What an operator and the probes ask of the running system.
public struct OperationsService: Sendable {
    let store: any HandoverStore
    let appender: AuditAppender

    /// Throws unless the database answers (readiness).
    public func ping() async throws {
        try await store.ping()
    }

    /// The store's figures and the audit appender's lag, for `/metrics`.
    public func figures() async throws -> (storage: OperationalFigures, auditPending: Int) {
        (try await store.operationalFigures(), appender.pendingCount)
    }

    /// Where the store's reads run best (SQLite's read threads), for the HTTP edge to run GETs on.
    public var readExecutor: (any TaskExecutor)? { store.readExecutor }
}
