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
    /// Files on handovers and accounts.
    public let attachments: AttachmentService

    public init(
        store: any HandoverStore, passwords: Passwords = Passwords(), logKeys: LogKeys, readCacheTTL: Duration = .zero,
        clock: WallClock = .system, ids: IDMaker = .random, mail: MailSettings = MailSettings(),
        attachments attachmentSettings: AttachmentSettings = AttachmentSettings()
    ) {
        members = MemberService(store: store, passwords: passwords, clock: clock, ids: ids)
        handovers = HandoverService(store: store, readCacheTTL: readCacheTTL, clock: clock, ids: ids, mail: mail)
        accounts = handovers.accounts
        templates = handovers.templates
        audit = AuditService(store: store, keys: logKeys, appender: handovers.auditAppender, clock: clock)
        operations = OperationsService(store: store, appender: handovers.auditAppender)
        secrets = SecretService(store: store, handovers: handovers, keys: logKeys, clock: clock)
        access = AccessService(store: store, handovers: handovers, clock: clock, ids: ids)
        outbox = OutboxService(store: store, handovers: handovers, clock: clock)
        pages = PageModels(members: members, accounts: accounts, templates: templates, handovers: handovers, audit: audit, secrets: secrets)
        custody = CustodyService(store: store, handovers: handovers, audit: audit, clock: clock, ids: ids)
        attachments = AttachmentService(store: store, handovers: handovers, clock: clock, ids: ids, settings: attachmentSettings)
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
