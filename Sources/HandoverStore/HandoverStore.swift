import Foundation
import HandoverCore
import HandoverTrust

/// Which handovers to list.
public struct HandoverFilter: Sendable, Hashable {
    public var states: [HandoverState]?
    public var accountID: String?
    public var transferorID: String?
    public var recipientID: String?
    public var limit: Int
    /// False leaves `content` empty: lists that show no content skip reading and decoding it.
    public var includeContent: Bool

    public init(
        states: [HandoverState]? = nil, accountID: String? = nil, transferorID: String? = nil, recipientID: String? = nil,
        limit: Int = 100, includeContent: Bool = true
    ) {
        self.states = states
        self.accountID = accountID
        self.transferorID = transferorID
        self.recipientID = recipientID
        self.limit = limit
        self.includeContent = includeContent
    }
}

/// Which accounts to list.
public struct AccountFilter: Sendable, Hashable {
    public var kind: AccountKind?
    public var ownerID: String?
    public var search: String?
    /// Accounts carrying this tag (case-insensitive).
    public var tag: String?
    public var limit: Int

    public init(kind: AccountKind? = nil, ownerID: String? = nil, search: String? = nil, tag: String? = nil, limit: Int = 100) {
        self.kind = kind
        self.ownerID = ownerID
        self.search = search
        self.tag = tag
        self.limit = limit
    }
}

/// Which secret exposures to list (`SecretExposure`), oldest first.
/// A handover's times and state, without its content.
public struct HandoverTimes: Sendable, Hashable {
    public var createdAt: Date
    public var updatedAt: Date
    public var state: HandoverState

    public init(createdAt: Date, updatedAt: Date, state: HandoverState) {
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.state = state
    }
}

public struct SecretExposureFilter: Sendable, Hashable {
    public var accountID: String?
    /// Exposed to this member.
    public var memberID: String?
    /// Only on accounts these members own now; nil for every account.
    public var ownerIDs: [String]?
    public var state: ExposureState?
    public var limit: Int

    public init(accountID: String? = nil, memberID: String? = nil, ownerIDs: [String]? = nil, state: ExposureState? = nil, limit: Int = 500) {
        self.accountID = accountID
        self.memberID = memberID
        self.ownerIDs = ownerIDs
        self.state = state
        self.limit = limit
    }
}

/// Storage for everything Handover keeps. Every read takes the caller's organization and never
/// returns another organization's rows; every multi-row change is one transaction. Every write
/// appends its audit entry in its own transaction, naming the actor it was given (`AuditActor`,
/// explicit in the signature or in the row: the member who signs, asks, enrols) and never a default.
public protocol HandoverStore: Sendable {
    /// Throws unless the database answers a trivial query (readiness).
    func ping() async throws
    /// Figures for an operator: the writer queue, waits for a reading connection, handovers by state.
    func operationalFigures() async throws -> OperationalFigures
    /// Where this store's reads run best, if anywhere in particular (see `Database.readExecutor`).
    var readExecutor: (any TaskExecutor)? { get }

    // Organizations and members
    func createOrganization(_ organization: Organization, firstAdmin: Member, passwordHash: String?) async throws
    func organization(id: String) async throws -> Organization?
    func createMember(_ member: Member, passwordHash: String?, by actor: AuditActor) async throws
    func member(id: String, organizationID: String) async throws -> Member?
    func members(organizationID: String) async throws -> [Member]
    /// Every member with this email (an email is unique within one organization only) and their
    /// password hashes, oldest organization first: the candidates a sign-in checks.
    func loginCandidates(email: String) async throws -> [(member: Member, passwordHash: String?)]

    // API tokens and sessions
    func createToken(_ token: APIToken, digest: String, by actor: AuditActor) async throws
    func authenticate(tokenDigest: String, at now: Date) async throws -> (member: Member, token: APIToken)?
    func tokens(organizationID: String, memberID: String?) async throws -> [APIToken]
    func revokeToken(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    func createSession(digest: String, memberID: String, at now: Date, expiresAt: Date) async throws
    func authenticate(sessionDigest: String, at now: Date) async throws -> Member?
    func deleteSession(digest: String) async throws
    /// Counts one sign-in guess against every limit, atomically and all or nothing: either each
    /// limit had room and now counts it, or none counts it and the answer says how long to wait.
    func reserveLoginGuess(_ limits: [LoginLimit], at now: Date) async throws -> LoginReservation
    /// After the password was checked: a success clears the `resetting` counters and gives the
    /// guess back to the `refunding` ones; a failure keeps it counted.
    func settleLoginGuess(succeeded: Bool, resetting: [String], refunding: [String]) async throws

    // Accounts
    func createAccount(_ account: Account, by actor: AuditActor) async throws
    func account(id: String, organizationID: String) async throws -> Account?
    func accounts(organizationID: String, filter: AccountFilter) async throws -> [Account]
    /// The owner's accounts with an open item due before `day`, earliest first, and how many there are.
    func overdueAccounts(ownerID: String, organizationID: String, before day: CalendarDate, limit: Int) async throws -> (accounts: [Account], total: Int)
    /// Names of the accounts with these ids (those in the organization): for lists, without reading profiles.
    func accountNames(ids: [String], organizationID: String) async throws -> [String: String]
    /// Saves `account` if its stored version is still `expectedVersion`; throws `.stale` otherwise.
    func updateAccount(_ account: Account, expectedVersion: Int, by actor: AuditActor) async throws
    func ownershipChain(accountID: String, organizationID: String) async throws -> [Ownership]

    // Templates added by an organization (built-ins live in HandoverCore).
    func addTemplate(_ template: Template, organizationID: String, createdBy: String, at now: Date) async throws
    func templates(organizationID: String) async throws -> [Template]

    // Handovers
    func createHandover(_ handover: Handover, record: HandoverEventRecord) async throws
    func handover(id: String, organizationID: String) async throws -> Handover?
    /// The handover with its transferor and recipient, in one read.
    func handoverWithParties(id: String, organizationID: String) async throws -> (handover: Handover, parties: Parties)?
    /// The handover without its parties, its content as the stored JSON text (a JSON object)
    /// instead of decoded: what a GET sends on unchanged.
    func handoverForReading(id: String, organizationID: String) async throws -> (handover: Handover, contentJSON: String)?
    /// Handovers visible to `viewer` (see `Access.canView`), newest first.
    func handovers(visibleTo viewer: Member, filter: HandoverFilter) async throws -> [Handover]
    /// Saves edited content if the stored version is still `expectedVersion`.
    func updateHandover(_ handover: Handover, expectedVersion: Int, record: HandoverEventRecord?, by actor: AuditActor) async throws
    /// Saves a lifecycle transition, its event record and any change of the account's owner in one transaction.
    func apply(_ transition: Transition, expectedVersion: Int) async throws
    func events(handoverID: String, organizationID: String) async throws -> [HandoverEventRecord]
    func addQuestion(_ question: HandoverQuestion) async throws
    /// The thread, oldest first.
    func questions(handoverID: String, organizationID: String) async throws -> [HandoverQuestion]

    // Signing keys and sign-offs
    func enrolKey(_ key: SigningKey) async throws
    func signingKeys(organizationID: String, memberID: String?) async throws -> [SigningKey]
    func signingKey(id: String, organizationID: String) async throws -> SigningKey?
    func revokeKey(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Records a sign-off if the handover is still at `signoff.handoverVersion` and the key is not revoked.
    func addSignoff(_ signoff: Signoff) async throws
    func signoffs(handoverID: String, organizationID: String) async throws -> [Signoff]

    // Sealed secrets (SQLHandoverStore+Secrets.swift)
    /// Enrols `key` as its member's one active encryption key, retiring the one it replaces.
    func enrolEncryptionKey(_ key: EncryptionKey) async throws
    func encryptionKeys(organizationID: String, memberID: String?) async throws -> [EncryptionKey]
    /// Registers the organization's recovery key, retiring the one it replaces.
    func setRecoveryKey(_ key: RecoveryKey) async throws
    func recoveryKey(organizationID: String) async throws -> RecoveryKey?
    func createSecret(_ secret: Secret, ciphertext: String, wraps: [SecretWrap], by actor: AuditActor) async throws
    func secrets(accountID: String, organizationID: String) async throws -> [Secret]
    func secret(id: String, organizationID: String) async throws -> (secret: Secret, ciphertext: String)?
    func secretWrap(secretID: String, readerID: String) async throws -> SecretWrap?
    /// Records that `actor` was handed the ciphertext and their wrap (an audited read).
    func recordSecretOpen(secretID: String, organizationID: String, readerID: String, at now: Date, by actor: AuditActor) async throws
    /// Replaces the value and every wrap if the secret is still at `expectedVersion`.
    func rotateSecret(
        id: String, organizationID: String, expectedVersion: Int, ciphertext: String, wraps: [SecretWrap], at now: Date, by actor: AuditActor
    ) async throws -> Secret
    /// Adds (or replaces) readers' wraps of the current version.
    func addSecretWraps(_ wraps: [SecretWrap], organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Exposed secret versions (SQLHandoverStore+Exposures.swift), oldest exposure first; `now`
    /// decides which open ones are overdue.
    func secretExposures(organizationID: String, filter: SecretExposureFilter, at now: Date) async throws -> [SecretExposure]

    // Physical assets and custody (SQLHandoverStore+Custody.swift)
    func createPhysicalAsset(_ asset: PhysicalAsset, by actor: AuditActor) async throws
    /// Replaces name, serial, location and condition if the asset is still at `expectedVersion`; never the custodian.
    func updatePhysicalAsset(_ asset: PhysicalAsset, expectedVersion: Int, by actor: AuditActor) async throws
    func physicalAsset(id: String, organizationID: String) async throws -> PhysicalAsset?
    /// The asset registered with this serial number (unique in an organization), if any.
    func physicalAsset(serial: String, organizationID: String) async throws -> PhysicalAsset?
    func physicalAssets(organizationID: String, filter: PhysicalAssetFilter) async throws -> [PhysicalAsset]
    func createCustodyTransfer(_ transfer: CustodyTransfer, by actor: AuditActor) async throws
    func custodyTransfer(id: String, organizationID: String) async throws -> CustodyTransfer?
    /// Newest first; those `memberID` gives, receives or started when given.
    func custodyTransfers(organizationID: String, memberID: String?, limit: Int) async throws -> [CustodyTransfer]
    /// The completed transfers that expected the asset, oldest completion first, all of them.
    func completedCustodyTransfers(assetID: String, organizationID: String) async throws -> [CustodyTransfer]
    /// Replaces what arrived if the transfer is at `expectedReceiptVersion` and not completed; earlier signatures stop counting.
    func recordCustodyReceipt(
        transferID: String, organizationID: String, items: [CustodyItem], extras: [CustodyExtra], expectedReceiptVersion: Int, at now: Date, by actor: AuditActor
    ) async throws -> CustodyTransfer
    func custodySignatures(transferID: String, organizationID: String) async throws -> [CustodySignature]
    /// Records a signature over the transfer's current record and, when the other party's signature
    /// over the same record is in, completes the transfer in the same transaction. Returns the
    /// transfer as it is after.
    func addCustodySignature(_ signature: CustodySignature, extraAssetIDs: [String]) async throws -> CustodyTransfer
    // Access grants and access plans (SQLHandoverStore+Access.swift)
    func createAccessGrant(_ grant: AccessGrant) async throws
    func accessGrant(id: String, organizationID: String) async throws -> AccessGrant?
    func accessGrants(accountID: String, organizationID: String, state: AccessGrantState) async throws -> [AccessGrant]
    /// Saves a grant's words if it is active and still at `expectedVersion`.
    func updateAccessGrant(_ grant: AccessGrant, expectedVersion: Int, by actor: AuditActor) async throws
    func revokeAccessGrant(id: String, organizationID: String, on day: CalendarDate, evidence: String?, at now: Date, by actor: AuditActor) async throws -> AccessGrant
    func accessPlan(handoverID: String, organizationID: String) async throws -> [AccessPlanLine]
    func addAccessPlanLines(_ lines: [AccessPlanLine], at now: Date, by actor: AuditActor) async throws -> [AccessPlanLine]
    func dropAccessPlanLine(id: String, handoverID: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Confirms (applying it to the inventory) or declines a pending line, in one transaction.
    func settleAccessPlanLine(
        id: String, handoverID: String, organizationID: String, status: AccessPlanLine.Status, evidence: String?, reason: String?, newGrant: AccessGrant?,
        at now: Date, by actor: AuditActor
    ) async throws -> AccessPlanLine
    /// What a gated plan still has open (the completion gate asks the same in its transaction).
    func openAccessPlan(handover: Handover) async throws -> [Problem]
    /// Active grants of members whose access to the account ended, oldest end first.
    func lingeringAccess(organizationID: String, accountID: String?, memberID: String?) async throws -> [LingeringAccess]

    // Audit log (every write above appends to it in its own transaction)
    /// Appends entries that belong to no other change (sensitive reads), in one transaction.
    func appendAudit(_ batch: [(organizationID: String, record: AuditRecord, context: AuditContext)], at now: Date) async throws
    func auditSize(organizationID: String) async throws -> Int
    func auditEntries(organizationID: String, range: Range<Int>) async throws -> [(entry: AuditEntry, leafHash: String)]
    /// Every entry about these targets ("handover:…", "key:…"), in log order.
    func auditEntries(organizationID: String, targets: [String]) async throws -> [(entry: AuditEntry, leafHash: String)]
    func auditSubtrees(organizationID: String, _ subtrees: Set<PerfectSubtree>) async throws -> [PerfectSubtree: TreeHash]
    /// Every stored interior node at `minimumLevel` (at least 1) or above: the top of the tree.
    func auditSubtrees(organizationID: String, minimumLevel: Int) async throws -> [PerfectSubtree: TreeHash]
    /// The stored nodes of one level (at least 1) with indices in `range`, as stored (hex), for
    /// export; a node that is not stored is absent.
    func auditNodes(organizationID: String, level: Int, range: Range<Int>) async throws -> [Int: String]
    /// Extends the stored tree over new entries; returns its size and root.
    func integrateAudit(organizationID: String) async throws -> (size: Int, root: TreeHash)
    func latestCheckpoint(organizationID: String) async throws -> StoredCheckpoint?
    func checkpoints(organizationID: String, latestOnly: Bool) async throws -> [StoredCheckpoint]
    func saveCheckpoint(organizationID: String, size: Int, root: TreeHash, note: String, at now: Date) async throws -> StoredCheckpoint

    /// Tells this process's pages that a handover's thread changed (replicas hear it through
    /// PostgreSQL: `listenForThreadChanges`).
    var threadSignal: ThreadSignal { get }
    /// Until cancelled, passes on to `threadSignal` the thread changes other processes announce
    /// (PostgreSQL's LISTEN; returns at once on SQLite, which has one process).
    func listenForThreadChanges() async throws

    // Jobs (Docs/Jobs.md). Writes above enqueue theirs in their own transaction (the outbox).
    /// Wakes this process's runner when a write here enqueues.
    var jobSignal: JobSignal { get }
    /// Enqueues in a write of its own; a deduped job whose key is already pending is skipped.
    func enqueueJobs(_ jobs: [NewJob]) async throws
    /// Claims up to `limit` due jobs of `kinds` for `runner` until `now + lease`: pending ones
    /// due by `now` and running ones whose lease ran out. Each claim counts an attempt. On
    /// PostgreSQL, concurrent runners skip each other's rows, so no job is claimed twice.
    func claimJobs(runner: String, kinds: [String], limit: Int, lease: TimeInterval, at now: Date) async throws -> [Job]
    /// Marks the job done if `runner` still holds it; false if its lease went to another runner.
    func completeJob(id: String, runner: String, at now: Date) async throws -> Bool
    /// Extends a running job's lease to `until` while `runner` holds it; false when it does not.
    func renewJobLease(id: String, runner: String, until: Date) async throws -> Bool
    /// Records a failed attempt if `runner` still holds the job: pending again at `retryAt`, or
    /// dead when `retryAt` is nil. False if its lease went to another runner.
    func failJob(id: String, runner: String, error: String, retryAt: Date?, at now: Date) async throws -> Bool
    /// Hands claimed jobs back untouched, if `runner` still holds them: pending again, due now,
    /// the claim's attempt not counted (a batch that ran out of time before reaching them).
    func releaseJobs(ids: [String], runner: String, at now: Date) async throws
    func job(id: String) async throws -> Job?
    /// Jobs of every organization (an operator's view), newest first.
    func jobs(filter: JobFilter) async throws -> [Job]
    /// A dead or cancelled job pending again at `now`, its attempts reset.
    func retryJob(id: String, at now: Date) async throws -> Job
    /// A pending job cancelled; a running one is refused (it may be half done).
    func cancelJob(id: String, at now: Date) async throws -> Job
    /// Deletes done and cancelled jobs last updated before `date` (dead ones stay for an operator).
    @discardableResult
    func purgeJobs(finishedBefore date: Date) async throws -> Int

    // The mail outbox (SQLHandoverStore+Outbox.swift): each message written with its mail.send job.
    /// `apply(_:expectedVersion:)` that also delivers `notices` (by each member's preference) in the same transaction.
    func apply(_ transition: Transition, expectedVersion: Int, notices: [Notice]) async throws
    /// Queues messages (and their jobs) in a write of their own.
    func enqueueMail(_ messages: [OutboxMessage]) async throws
    func outboxMessage(id: String, organizationID: String) async throws -> OutboxMessage?
    /// Newest first, only what `filter.viewer` may see.
    func outboxMessages(organizationID: String, filter: OutboxFilter) async throws -> [OutboxMessage]
    /// One more try recorded: its state after it and the server's reply (or why there was none).
    func recordMailAttempt(id: String, organizationID: String, state: OutboxState, reply: String?, at now: Date) async throws -> OutboxMessage
    /// The messages with these ids, of any organization (a mail.send batch checks each against its job's).
    func outboxMessages(ids: [String]) async throws -> [OutboxMessage]
    /// Messages the server accepted: each sent with its reply and one more attempt, and their
    /// `mail.send` jobs done, in one transaction (one write per batch, not two per message).
    /// Returns the jobs marked done: not one whose lease had gone to another runner (its message
    /// is marked sent all the same: the server has it).
    func recordMailSent(_ sent: [MailSent], at now: Date) async throws -> Set<String>

    // Briefings and calendar feeds (SQLHandoverStore+Briefings.swift)
    /// Saves a new briefing with its attendees, its audit entry and its invitations (delivered by preference) in one transaction.
    func createBriefing(_ briefing: Briefing, notices: [Notice], by actor: AuditActor) async throws
    /// Saves a changed briefing (never its attendees) if it is still at `expectedVersion`, with its
    /// audit entry (`action`) and notices, in one transaction.
    func saveBriefing(_ briefing: Briefing, expectedVersion: Int, action: String, notices: [Notice], by actor: AuditActor) async throws
    func briefing(id: String, organizationID: String) async throws -> Briefing?
    /// A handover's briefings, earliest first.
    func briefings(handoverID: String, organizationID: String) async throws -> [Briefing]
    /// The briefings a member is invited to, earliest first.
    func briefings(attendeeID: String, organizationID: String) async throws -> [Briefing]
    /// Makes `digest` the member's one feed token (replacing any other).
    func setCalendarFeed(memberID: String, organizationID: String, digest: String, at now: Date, by actor: AuditActor) async throws
    /// False when the member had no feed.
    func deleteCalendarFeed(memberID: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> Bool
    /// The member whose feed token has this digest.
    func calendarFeedMember(digest: String) async throws -> Member?
    // Notifications (SQLHandoverStore+Notifications.swift): preferences, digest items, overdue notices.
    func notificationPreferences(memberID: String, organizationID: String) async throws -> NotificationPreferences
    /// Sets some of a member's settings in one write (the others stay as they are).
    func setNotificationPreferences(_ changes: [NotificationKind: NotificationSetting], memberID: String, organizationID: String, at now: Date) async throws
    /// Delivers notices in a write of their own: an email, a digest item or nothing, by each member's preference.
    func deliver(_ notices: [Notice]) async throws
    /// `addQuestion` that also delivers `notices` in the same transaction.
    func addQuestion(_ question: HandoverQuestion, notices: [Notice]) async throws
    /// Members (of every organization) with digest items not yet in a digest.
    func membersWithPendingDigest() async throws -> [(organizationID: String, memberID: String)]
    /// In one write: the member's pending digest items, the email `compose` makes of them queued,
    /// and the items marked as sent in it. Nil (and nothing written) when none are pending.
    func queueDigest(
        memberID: String, organizationID: String, at now: Date, compose: @escaping @Sendable ([DigestItem]) -> OutboxMessage?
    ) async throws -> OutboxMessage?
    /// Open handovers (every organization) whose account has an item due before `day` and that
    /// were not reported overdue on `day`, with that earliest due date.
    func overdueHandovers(before day: CalendarDate, limit: Int) async throws -> [(organizationID: String, handoverID: String, due: CalendarDate)]
    /// In one write: records that `handoverID` was reported overdue on `day` and delivers
    /// `notices`, unless it already was (false then, and nothing is delivered).
    func recordOverdueNotice(handoverID: String, organizationID: String, day: CalendarDate, notices: [Notice], at now: Date) async throws -> Bool
    // The customer's introduction and the follow-up (SQLHandoverStore+Introductions.swift).
    /// The organization's own template; nil while it uses the built-in one.
    func introductionTemplate(organizationID: String) async throws -> IntroductionTemplate?
    /// Saves (nil: removes, back to the built-in) the template, with its audit entry.
    func saveIntroductionTemplate(_ template: IntroductionTemplate?, organizationID: String, by actor: AuditActor, at now: Date) async throws
    /// The introduction, its email and mail.send job, its audit entry and (with `ticked`) the
    /// packet with the checklist entry ticked, in one transaction.
    func recordIntroduction(_ record: IntroductionRecord, mail: OutboxMessage?, ticked: Handover?, expectedVersion: Int) async throws
    func introductions(handoverID: String, organizationID: String) async throws -> [IntroductionRecord]
    func followUp(handoverID: String, organizationID: String) async throws -> FollowUp?
    /// Starts a follow-up once: its surveys, the customers' emails, the members' notices (by
    /// preference), its audit entry. False if it had started.
    func startFollowUp(
        handoverID: String, organizationID: String, surveys: [(survey: CustomerSurvey, tokenDigest: String)], mail: [OutboxMessage], notices: [Notice],
        at now: Date
    ) async throws -> Bool
    /// False when the follow-up has not started or was answered already.
    func answerRecipientSurvey(handoverID: String, organizationID: String, answer: RecipientSurveyAnswer, by actor: AuditActor) async throws -> Bool
    func customerSurvey(tokenDigest: String) async throws -> (organizationID: String, survey: CustomerSurvey)?
    /// Answers once, before expiry: false otherwise (nothing changed).
    func answerCustomerSurvey(id: String, organizationID: String, satisfaction: Int, repeatedStory: Bool, comment: String?, at now: Date) async throws -> Bool
    func customerSurveys(accountID: String, organizationID: String) async throws -> [CustomerSurvey]
    // Pipelines and stages (SQLHandoverStore+Pipelines.swift).
    func createPipeline(_ pipeline: Pipeline, by actor: AuditActor) async throws
    /// 409 when a removed stage holds accounts or an open hand-off heads into or out of it.
    func updatePipeline(_ pipeline: Pipeline, expectedVersion: Int, by actor: AuditActor) async throws
    /// 409 once the pipeline has held an account.
    func deletePipeline(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    func pipeline(id: String, organizationID: String) async throws -> Pipeline?
    func pipelines(organizationID: String) async throws -> [Pipeline]
    func stagePlacement(accountID: String, organizationID: String) async throws -> StagePlacement?
    /// Records the move and places the account, if it still stands at `expected` (nil: in no pipeline).
    func moveAccount(_ move: StageMove, expected: StagePlacement?, by actor: AuditActor) async throws
    /// Oldest first.
    func stageMoves(accountID: String, organizationID: String) async throws -> [StageMove]
    /// `createHandover` that also records the stage its completion moves the account to.
    func createHandover(_ handover: Handover, record: HandoverEventRecord, advance: PendingAdvance) async throws
    func openAdvance(accountID: String, organizationID: String) async throws -> PendingAdvance?
    /// One query: every account in the pipeline with its placement.
    func board(pipelineID: String, organizationID: String, ownerID: String?, tag: String?) async throws -> [(account: Account, placement: StagePlacement)]
    // Attachments (SQLHandoverStore+Attachments.swift); their bytes are in `AttachmentBlobs`.
    func createAttachment(_ attachment: Attachment, by actor: AuditActor) async throws
    /// Not deleted ones only.
    func attachment(id: String, organizationID: String) async throws -> Attachment?
    /// Not deleted ones, oldest first.
    func attachments(owner: AttachmentOwner, organizationID: String) async throws -> [Attachment]
    func deleteAttachment(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Whether any attachment not deleted, of any organization, has this content: the blob is
    /// shared by content, so it is removed only when this is false.
    func attachmentContentInUse(sha256: String) async throws -> Bool

    // Departures and deactivation (Docs/Departures.md)
    /// Sets or clears `deactivated_at`; deactivating deletes the member's sessions and revokes
    /// their tokens in the same transaction. Audited.
    func setMemberDeactivated(id: String, organizationID: String, deactivated: Bool, at now: Date, by actor: AuditActor) async throws -> Member
    func departureInputs(memberID: String, organizationID: String) async throws -> DepartureInputs
    /// False when a scheduled departure had already been applied by another run (nothing written).
    @discardableResult func applyDeparture(_ change: DepartureWrite) async throws -> Bool
    func scheduleDeparture(_ departure: DepartureRecord, job: NewJob, idempotency: IdempotencyCompletion?, by actor: AuditActor) async throws
    func departure(id: String, organizationID: String) async throws -> DepartureRecord?
    func departures(organizationID: String, limit: Int) async throws -> [DepartureRecord]
    /// One member's departures, newest first.
    func departures(memberID: String, organizationID: String) async throws -> [DepartureRecord]
    /// The handovers an applied departure created (without their content), at most `limit`.
    func departureHandovers(_ departure: DepartureRecord, limit: Int) async throws -> [Handover]
    func claimIdempotencyKey(
        organizationID: String, key: String, actorID: String, operation: String, requestDigest: String, at now: Date, lease: TimeInterval
    ) async throws -> IdempotencyClaim
    /// Only the attempt named by `claimID` (a stale attempt's release deletes nothing).
    func releaseIdempotencyKey(organizationID: String, key: String, claimID: String) async throws
    // Realignments (SQLHandoverStore+Realignments.swift)
    /// The organization's accounts (only those `owners` own, when not empty), those with an open handover, every member's load.
    func realignmentInputs(organizationID: String, owners: [String]) async throws -> RealignmentInputs
    func applyRealignment(_ change: RealignmentWrite) async throws
    func realignment(id: String, organizationID: String) async throws -> RealignmentRecord?
    /// Newest first, without their requests.
    func realignments(organizationID: String, limit: Int) async throws -> [RealignmentRecord]
    func realignmentHandovers(_ record: RealignmentRecord, limit: Int) async throws -> [Handover]
    // Covers (SQLHandoverStore+Covers.swift)
    func createCover(_ cover: Cover, snapshot: AccountProfile, handover: Handover, record: HandoverEventRecord, job: NewJob) async throws
    func cover(id: String, organizationID: String) async throws -> Cover?
    func covers(organizationID: String, memberID: String?, accountID: String?, limit: Int) async throws -> [Cover]
    func endCover(
        id: String, organizationID: String, handbackID: String, eventID: String, retryIfBlocked: Bool, at now: Date, by actor: AuditActor
    ) async throws -> CoverOutcome
    // Shift schedules (SQLHandoverStore+Shifts.swift)
    func createShiftSchedule(_ schedule: ShiftSchedule, nextChange: NewJob?) async throws
    func updateShiftSchedule(_ schedule: ShiftSchedule, expectedVersion: Int, nextChange: NewJob?, by actor: AuditActor) async throws
    func shiftSchedule(id: String, organizationID: String) async throws -> ShiftSchedule?
    func shiftSchedules(organizationID: String, accountID: String?) async throws -> [ShiftSchedule]
    /// Refused (a conflict) when the schedule already has `pendingLimit` overrides not yet ended.
    func addShiftOverride(_ override: ShiftOverride, nextChange: NewJob?, pendingLimit: Int) async throws
    func removeShiftOverride(_ override: ShiftOverride, endingAt end: Date?, nextChange: NewJob?, at now: Date, by actor: AuditActor) async throws -> Bool
    func openHandoverID(accountID: String, organizationID: String) async throws -> String?
    func shiftOverrides(scheduleID: String, organizationID: String, endingAfter after: Date) async throws -> [ShiftOverride]
    func recordShiftChange(_ change: ShiftChangeRecord, handover: Handover?, record: HandoverEventRecord?, jobs: [NewJob], by actor: AuditActor)
        async throws -> Bool
    func shiftChanges(scheduleID: String, organizationID: String, limit: Int) async throws -> [ShiftChangeRecord]
    func shiftChange(id: String, organizationID: String) async throws -> ShiftChangeRecord?
    /// The change of a schedule at an instant (there is at most one), if it was recorded.
    func shiftChange(scheduleID: String, organizationID: String, at: Date) async throws -> ShiftChangeRecord?
    func escalateShiftChange(id: String, organizationID: String, notices: [Notice], webhook: WebhookEvent, at now: Date) async throws -> Bool
    // The question answerer's passages (SQLHandoverStore+Passages.swift)
    /// The account's record as it is now and as its passages were last cut; nil when the account
    /// is not in the organization.
    func passageFingerprints(accountID: String, organizationID: String) async throws -> PassageFingerprints?
    /// Every handover of the account, whoever may see them, oldest first: what its passages are cut from.
    func handovers(accountID: String, organizationID: String) async throws -> [Handover]
    /// Replaces the account's passages and records the fingerprint they were cut at, in one transaction.
    func replacePassages(_ passages: [Passage], accountID: String, organizationID: String, fingerprint: String, at now: Date) async throws
    /// The best `limit` passages of the account for `terms`, best first. `handoverIDs` limits the
    /// passages from handovers to those (the profile's always count); nil allows them all.
    func searchPassages(accountID: String, organizationID: String, terms: SearchTerms, handoverIDs: [String]?, limit: Int) async throws -> [PassageHit]
    // Imports (SQLHandoverStore+Imports.swift)
    func createImport(_ run: ImportRun) async throws
    /// Writes the run; `job` is enqueued and `audit` appended in the same transaction; with
    /// `expected`, only while the stored run is in that state (else `.conflict`).
    func saveImport(_ run: ImportRun, enqueue job: NewJob?, audit: AuditRecord?, from expected: ImportRun.State?) async throws
    func importRun(id: String, organizationID: String) async throws -> ImportRun?
    /// Newest first.
    func importRuns(organizationID: String, limit: Int) async throws -> [ImportRun]
    func importMapping(organizationID: String, source: String) async throws -> ImportMapping?
    func saveImportMapping(_ mapping: ImportMapping, organizationID: String, source: String, by memberID: String, at now: Date) async throws
    func accountNames(organizationID: String) async throws -> [(id: String, name: String)]
    func importedCompanyLinks(organizationID: String, system: String) async throws -> [String: String]
    /// Inserts or updates by (source, external id); one transaction; no key twice in `records`.
    func upsertImportedRecords(_ records: [ImportedRecord], organizationID: String) async throws
    func importedRecords(accountID: String, organizationID: String, limit: Int) async throws -> [ImportedRecord]
    /// The account's imported tickets and tasks that carry a priority, newest import first (risk rules).
    func prioritizedWork(accountID: String, organizationID: String, limit: Int) async throws -> [ImportedRecord]
    /// When each of the account's handovers began and last changed, whatever its state (risk rules).
    func handoverTimes(accountID: String, organizationID: String) async throws -> [HandoverTimes]
    func importedRecordCount(organizationID: String, importID: String?) async throws -> Int
    // Insight: quality dashboards and documentation audits (SQLHandoverStore+Insight.swift).
    func insightHandovers(organizationID: String, afterID: String?, limit: Int) async throws -> [Handover]
    func insightEvidence(organizationID: String) async throws -> InsightEvidence
    func saveInsight(_ snapshot: QualitySnapshot, findings: [DocumentationFinding], organizationID: String) async throws
    func insightComputedAt(organizationID: String) async throws -> Date?
    /// Organizations whose snapshot was computed before `before`, or never.
    func insightOrganizationsDue(before: Date) async throws -> [String]
    func insightSnapshot(organizationID: String) async throws -> QualitySnapshot?
    func documentationFindings(organizationID: String, filter: DocumentationFilter) async throws -> (findings: [DocumentationFinding], total: Int)
    // The risk model's outcomes and fits (SQLHandoverStore+Outcomes.swift).
    func addOutcome(_ outcome: AccountOutcome, by actor: AuditActor) async throws
    func outcomes(accountID: String, organizationID: String) async throws -> [AccountOutcome]
    func riskHistory(organizationID: String) async throws -> RiskHistory
    func saveRiskFit(organizationID: String, at now: Date, fitted: RiskTraining.Fitted?, reason: String?) async throws
    func riskFit(organizationID: String) async throws -> (fittedAt: Date, fitted: RiskTraining.Fitted?, reason: String?)?
    func riskFitsDue(before: Date) async throws -> [String]
    // Outbound webhooks (SQLHandoverStore+Webhooks.swift). In a store transaction, emit with
    // `SQLHandoverStore.emitWebhooks([event], db)`; this one is its own transaction.
    func emitWebhooks(_ events: [WebhookEvent]) async throws
    func createWebhook(_ subscription: WebhookSubscription, sealedSecret: String, by actor: AuditActor) async throws
    func webhook(id: String, organizationID: String) async throws -> WebhookSubscription?
    func webhooks(organizationID: String) async throws -> [WebhookSubscription]
    func updateWebhook(_ subscription: WebhookSubscription, expectedVersion: Int, by actor: AuditActor) async throws
    func webhookSealedSecret(id: String, organizationID: String) async throws -> String?
    func rotateWebhookSecret(
        id: String, organizationID: String, sealedSecret: String, previousUntil: Date?, at now: Date, by actor: AuditActor
    ) async throws -> WebhookSubscription
    func deleteWebhook(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Newest first.
    func webhookDeliveries(subscriptionID: String, organizationID: String, limit: Int) async throws -> [WebhookDelivery]
    func webhookDelivery(id: String, organizationID: String) async throws -> WebhookDelivery?
    func webhookAttempts(deliveryID: String, organizationID: String) async throws -> [WebhookAttempt]
    /// For the delivery job (any organization: the job names the delivery); nil once deleted.
    func webhookSending(deliveryID: String) async throws -> WebhookSending?
    func recordWebhookAttempt(_ attempt: WebhookAttempt, organizationID: String, state: WebhookDeliveryState, disable: String?) async throws
    func replayWebhookDelivery(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> WebhookDelivery
    // Departures, continued (Docs/Departures.md): idempotency keys' expiry, cancelling and failing scheduled ones.
    /// Deletes finished keys created before `date`, and abandoned claims whose lease is over. Returns how many.
    func purgeIdempotencyKeys(createdBefore date: Date, at now: Date) async throws -> Int
    /// `scheduled` → `cancelled` with its audit entry and its job cancelled; throws
    /// `StoreError.conflict` when it is no longer scheduled, `.notFound` for another organization.
    func cancelDeparture(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws -> DepartureRecord
    /// `scheduled` → `failed` with the reason in its summary and an audit entry; false when it
    /// was no longer scheduled (another run got there first).
    func failDeparture(id: String, organizationID: String, summary: String, reason: String, at now: Date) async throws -> Bool
    // SCIM (SQLHandoverStore+Scim.swift, Docs/SCIM.md).
    func createScimToken(_ token: ScimToken, digest: String, by actor: AuditActor) async throws
    /// The unrevoked token with this digest, its last use stamped `now`; nil otherwise.
    func authenticateScim(tokenDigest: String, at now: Date) async throws -> ScimToken?
    func scimTokens(organizationID: String) async throws -> [ScimToken]
    func revokeScimToken(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// A member's email and name, as the identity provider has them (audited); `.conflict` when
    /// another member of the organization has the email, `.notFound` for another organization.
    func updateMemberIdentity(id: String, organizationID: String, email: String, name: String, at now: Date, by actor: AuditActor) async throws -> Member
    // Teams and their roles (SQLHandoverStore+Teams.swift, Docs/SCIM.md).
    /// The organization's teams with their member ids; `name` narrows to the team of that name.
    func teams(organizationID: String, name: String?) async throws -> [Team]
    func team(id: String, organizationID: String) async throws -> Team?
    /// Team name key → role.
    func teamRoleMapping(organizationID: String) async throws -> [String: Role]
    /// Creates or changes a team by `change`, re-deriving the roles of the members it touches.
    func saveTeam(id: String, organizationID: String, creating: Bool, change: Scim.GroupChange, at now: Date, by actor: AuditActor) async throws -> Team
    func deleteTeam(id: String, organizationID: String, at now: Date, by actor: AuditActor) async throws
    /// Maps a team name to a role (nil unmaps); returns the members whose role changed.
    func setTeamRole(organizationID: String, teamName: String, role: Role?, at now: Date, by actor: AuditActor) async throws -> [Member]
    /// The rules an identity provider's deprovisioning hands accounts over by (empty: the manager).
    func deprovisioningRules(organizationID: String) async throws -> [DepartureRule]
    func setDeprovisioningRules(organizationID: String, rules: [DepartureRule], at now: Date, by actor: AuditActor) async throws
}

/// One limit on sign-in guesses: at most `maxGuesses` for `key` in a window of `window`
/// seconds that starts with the first guess.
public struct LoginLimit: Sendable, Equatable {
    public var key: String
    public var maxGuesses: Int
    public var window: TimeInterval

    public init(key: String, maxGuesses: Int, window: TimeInterval) {
        self.key = key
        self.maxGuesses = maxGuesses
        self.window = window
    }
}

public enum LoginReservation: Sendable, Equatable {
    case granted
    case refused(retryAfter: Int)
}

/// What `/metrics` reports about storage.
public struct OperationalFigures: Sendable, Equatable {
    /// SQLite: write transactions running or queued (0 on PostgreSQL).
    public var writeQueueDepth: Int
    /// SQLite: sessions that found every reading connection busy and waited, since start.
    public var readWaits: Int
    /// Handovers in each state, all organizations together.
    public var handoversByState: [String: Int]
    /// Background jobs in each state (`JobState` raw values), all organizations together.
    public var jobsByState: [String: Int] = [:]
    /// Failed job attempts since the database was created, by job kind (never decreases).
    public var jobFailuresByKind: [String: Int] = [:]
}
