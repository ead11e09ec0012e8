import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust
import HandoverWire

/// The handover use cases: load what the pure core needs, ask it, save what it answers.
/// Every method takes the acting member and refuses anything outside their organization.
/// Questions and sign-offs, which hang off a handover and share its visibility, are in
/// `HandoverService+Questions.swift` and `HandoverService+Signoffs.swift`.
public struct HandoverService: Sendable {
    let store: any HandoverStore
    public let clock: WallClock
    let ids: IDMaker
    public let accounts: AccountService
    public let templates: TemplateService
    /// Recent reads of handovers for GET requests; every write here evicts what it changed.
    let reads: ReadCache<CachedHandover>

    /// Group commit for reads that go in the audit log.
    public let auditAppender: AuditAppender
    /// Where links in the emails a transition queues point.
    let mail: MailSettings

    /// `readCacheClock`: the monotonic time the read cache expires entries by (tests move it).
    public init(
        store: any HandoverStore, readCacheTTL: Duration = .zero, clock: WallClock = .system, ids: IDMaker = .random,
        readCacheClock: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }, mail: MailSettings = MailSettings()
    ) {
        self.store = store
        self.mail = mail
        self.clock = clock
        self.ids = ids
        accounts = AccountService(store: store, clock: clock, ids: ids)
        templates = TemplateService(store: store, clock: clock)
        reads = ReadCache(ttl: readCacheTTL, now: readCacheClock)
        auditAppender = AuditAppender(store: store, clock: clock)
    }

    /// A read of a handover's content by anyone but its author (the recipient viewing the
    /// packet, a manager, an admin, an auditor) is a sensitive read: it goes in the audit log,
    /// with the digest of exactly what was shown, before the content is returned.
    func recordRead(_ handover: Handover, shown: some DataProtocol, by actor: Member) async throws {
        guard actor.id != handover.transferorID else { return }
        try await auditAppender.append(
            AuditRecord(action: "handover.read", target: "handover:\(handover.id)", digest: Hex.sha256(shown)),
            organizationID: actor.organizationID, actor: AuditActor(member: actor.id))
    }

    // MARK: Handovers

    func member(_ id: String, organizationID: String) async throws -> Member {
        guard let member = try await store.member(id: id, organizationID: organizationID) else { throw StoreError.notFound("member \(id)") }
        return member
    }

    /// Begins a handover of `accountID` from its current owner to `recipientID`; with `stage`, a
    /// hand-off between pipeline stages (`PipelineService.advance`). With `prefill`, the fields
    /// `content` leaves out start from the account's profile and imported activity
    /// (`PacketPrefill`), each with where it came from.
    public func begin(
        accountID: String, recipientID: String, templateKey: String, templateVersion: Int?,
        content: HandoverContent?, prefill: Bool = false, by actor: Member, into stage: (pipelineID: String, fromStageID: String, toStageID: String)? = nil
    ) async throws -> Handover {
        let account = try await accounts.account(id: accountID, by: actor)
        let owner = try await member(account.ownerID, organizationID: actor.organizationID)
        guard Access.canBeginHandover(of: account, owner: owner, actor: actor) else {
            throw HandoverError.notPermitted(action: "hand over this account", reason: "only its owner, the owner's manager or an admin begin a handover")
        }
        let recipient = try await member(recipientID, organizationID: actor.organizationID)
        var problems: [Problem] = []
        if recipient.id == owner.id { problems.append(Problem(path: "recipientID", message: "the recipient already owns this account")) }
        if recipient.role == .auditor { problems.append(Problem(path: "recipientID", message: "an auditor cannot receive an account")) }
        if !recipient.isActive {
            problems.append(Problem(path: "recipientID", message: "\(recipient.name) is deactivated and could never acknowledge it: choose an active member"))
        }
        let template = try await templates.template(key: templateKey, version: templateVersion, organizationID: actor.organizationID)
        let given = content ?? HandoverContent()
        // Before the template's checks, whose messages may quote what was sent.
        try CredentialGuard.refuse(CredentialScan.findings(in: given))
        problems += template.problems(in: given)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = clock.now()
        var packet = PrefilledPacket(content: given)
        if prefill { packet = try await prefilled(account: account, template: template, owner: owner, recipient: recipient, now: now).overlaid(with: given) }
        let handover = Handover(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id,
            templateKey: template.key, templateVersion: template.version, transferorID: owner.id,
            recipientID: recipient.id, content: packet.content, prefill: packet.fields.isEmpty ? nil : packet.fields, createdAt: now, updatedAt: now)
        let record = HandoverEventRecord(
            id: ids.next(at: now), handoverID: handover.id, organizationID: handover.organizationID,
            actorID: actor.id, event: "create", handoverVersion: 1, fromState: nil, toState: .draft, note: nil, at: now)
        do {
            if let stage {
                // A hand-off between pipeline stages: its completion moves the account to the stage too.
                let advance = PendingAdvance(
                    handoverID: handover.id, accountID: account.id, pipelineID: stage.pipelineID, fromStageID: stage.fromStageID, toStageID: stage.toStageID,
                    createdAt: now)
                try await store.createHandover(handover, record: record, advance: advance)
            } else {
                try await store.createHandover(handover, record: record)
            }
        } catch StoreError.conflict {
            // One open handover per account (the store's unique index decides, so two tabs cannot
            // both win): name the account and the handover that is open, for the edges to link.
            let open = try await store.handovers(
                visibleTo: actor, filter: HandoverFilter(states: HandoverState.openStates, accountID: account.id, limit: 1, includeContent: false))
            // One the actor may not see is still named by its account, never by an id.
            throw HandoverError.openHandoverExists(accountName: account.name, handoverID: open.first?.id)
        }
        return handover
    }

    /// The most imported rows of an account a packet is pre-filled from (newest import first).
    static let prefillRowLimit = 2_000

    /// What the account's profile and imported rows give the template's fields. What the
    /// credential scan flags is left out, never copied: an imported row whose text looks like one
    /// (imports are not scanned), and any other value the scan names.
    func prefilled(account: Account, template: Template, owner: Member, recipient: Member, now: Date) async throws -> PrefilledPacket {
        let imported = try await store.importedRecords(accountID: account.id, organizationID: account.organizationID, limit: Self.prefillRowLimit)
            // The fields the packet copies whole, scanned here because a hit in one drops the row
            // (its other values would say too much); the body is never copied, so not scanned.
            .filter { record in
                CredentialScan.findings([
                    ("name", record.name), ("owner", record.owner), ("status", record.status), ("priority", record.priority), ("role", record.role),
                    ("email", record.email), ("phone", record.phone),
                ]).isEmpty
            }
        let packet = PacketPrefill.build(
            templateKey: template.key, account: account, imported: imported, leaver: owner, recipientName: recipient.name, today: CalendarDate(now))
        let flagged = CredentialScan.findings(in: packet.content).map(\.path)
        // The template's own checks too: an organization's template of a built-in key may type a field differently.
        let unfit = template.problems(in: packet.content).map(\.path)
        return packet.removing(paths: flagged + unfit)
    }

    /// A handover the actor may see; 404 (not 403) otherwise, so ids reveal nothing.
    public func handover(id: String, by actor: Member) async throws -> (Handover, Parties) {
        guard let (handover, parties) = try await store.handoverWithParties(id: id, organizationID: actor.organizationID) else {
            throw StoreError.notFound("handover \(id)")
        }
        guard Access.canView(handover, parties: parties, viewer: actor) else { throw StoreError.notFound("handover \(id)") }
        return (handover, parties)
    }

    /// The handover as a GET answers it, its JSON encoded once and served from `reads` while fresh.
    /// Writes never use this: they read the row again and check its version.
    public func handoverForReading(id: String, by actor: Member) async throws -> CachedHandover {
        let key = actor.organizationID + "/" + id
        let cached: CachedHandover
        if let hit = reads.value(for: key) {
            cached = hit
        } else {
            let generation = reads.generation
            guard let (handover, content) = try await store.handoverForReading(id: id, organizationID: actor.organizationID) else {
                throw StoreError.notFound("handover \(id)")
            }
            cached = CachedHandover(handover: handover, json: try Self.json(handover, content: content))
            reads.store(cached, for: key, readAt: generation)
        }
        // Visibility is decided per caller on every read, cached or not; the parties are read
        // only when it depends on them (a manager of one of them).
        guard try await canView(cached.handover, viewer: actor) else { throw StoreError.notFound("handover \(id)") }
        try await recordRead(cached.handover, shown: cached.json, by: actor)
        return cached
    }

    public func lint(id: String, by actor: Member) async throws -> LintReport {
        let (handover, _) = try await handover(id: id, by: actor)
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let account = try await accounts.account(id: handover.accountID, by: actor)
        let briefings = try await store.briefings(handoverID: handover.id, organizationID: actor.organizationID)
        return Lint.report(
            content: handover.content, template: template, account: account, now: clock.now(), briefings: (handover, briefings), prefill: handover.prefill)
    }

    /// Overlays `patch` on the draft's content (a `null` value clears a field). A pre-filled field
    /// the patch sets is reviewed (edited); one named in `reviewed` (`section.field`) is reviewed
    /// as it stands (checked).
    public func edit(id: String, patch: HandoverContent, reviewed: [String] = [], expectedVersion: Int?, by actor: Member) async throws -> Handover {
        var (handover, _) = try await handover(id: id, by: actor)
        guard Access.canEditContent(handover, editor: actor) else {
            if actor.id != handover.transferorID {
                throw HandoverError.notPermitted(action: "edit this handover", reason: "only the transferor writes the handover")
            }
            throw HandoverError.invalidTransition(from: handover.state, event: handover.state == .returned ? "be edited until it is revised" : "be edited")
        }
        if let expectedVersion, expectedVersion != handover.version {
            throw StoreError.stale("handover \(id) is at version \(handover.version), not \(expectedVersion)")
        }
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        // What is sent, not what was stored before: lint still flags a credential saved before saves
        // were scanned, and fixing one field of such a draft must not be refused for another.
        try CredentialGuard.refuse(CredentialScan.findings(in: patch))
        let content = handover.content.merging(patch)
        let problems = template.problems(in: content)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = clock.now()
        handover.prefill = try PrefillReview.apply(to: handover.prefill, patch: patch, checked: reviewed, by: actor.id, at: now)
        let read = handover.version
        handover.content = content
        handover.version += 1
        handover.updatedAt = now
        defer { reads.evict(actor.organizationID + "/" + id) }
        try await store.updateHandover(handover, expectedVersion: read, record: nil, by: AuditActor(member: actor.id))
        return handover
    }

    /// Applies a lifecycle event and saves the result atomically.
    public func transition(id: String, event: HandoverEvent, expectedVersion: Int?, by actor: Member) async throws -> Handover {
        try await transition(try await handover(id: id, by: actor), event: event, expectedVersion: expectedVersion, by: actor)
    }

    /// Applies a lifecycle event to a handover already read with `handover(id:by:)`.
    public func transition(_ read: (Handover, Parties), event: HandoverEvent, expectedVersion: Int?, by actor: Member) async throws -> Handover {
        let (handover, parties) = read
        if let expectedVersion, expectedVersion != handover.version {
            throw StoreError.stale("handover \(handover.id) is at version \(handover.version), not \(expectedVersion)")
        }
        let template = try await templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let account = try await accounts.account(id: handover.accountID, by: actor)
        var signedRoles: Set<SignoffRole> = []
        if case .complete = event { signedRoles = Set(try await countingSignoffs(handover).map(\.role)) }
        let now = clock.now()
        var transition = try Lifecycle.apply(
            event, to: handover, by: actor, parties: parties, template: template, account: account,
            signedRoles: signedRoles, eventID: ids.next(at: now), at: now)
        // The follow-up (Docs/Introduction.md) is scheduled by the completion, in its transaction.
        if case .complete = event, let days = FollowUp.days(rules: template.rules, kind: account.kind) {
            transition.followUpAt = now.addingTimeInterval(TimeInterval(days) * 86_400)
        }
        var notices = notices(for: event, transition, account: account, parties: parties, by: actor, at: now)
        if transition.handover.state == .cancelled { notices += try await briefingCancellations(of: handover, account: account, at: now) }
        defer { reads.evict(actor.organizationID + "/" + handover.id) }
        try await store.apply(transition, expectedVersion: handover.version, notices: notices)
        return transition.handover
    }

    /// A cancelled handover takes its scheduled briefings with it: the store marks them
    /// cancelled in the cancellation's transaction, and every attendee gets METHOD:CANCEL (so
    /// no calendar keeps a meeting about a handover that is not happening).
    func briefingCancellations(of handover: Handover, account: Account, at now: Date) async throws -> [Notice] {
        var notices: [Notice] = []
        for var briefing in try await store.briefings(handoverID: handover.id, organizationID: handover.organizationID) where briefing.state == .scheduled {
            briefing.state = .cancelled
            briefing.sequence += 1
            var attendees: [Member] = []
            for id in briefing.attendeeIDs { if let member = try await store.member(id: id, organizationID: handover.organizationID) { attendees.append(member) } }
            guard let organizer = try await store.member(id: briefing.organizerID, organizationID: handover.organizationID) else { continue }
            notices += BriefingMails.notices(
                .cancelled, briefing, account: account, organizer: organizer, attendees: attendees, publicURL: mail.publicURL, at: now,
                nextID: { ids.next(at: now) })
        }
        return notices
    }

    /// Who hears of an event, delivered in its transaction by each one's preference (an email,
    /// a digest line or nothing): the recipient of a submission, the transferor of a return.
    /// Never the actor, about their own action.
    func notices(for event: HandoverEvent, _ transition: Transition, account: Account, parties: Parties, by actor: Member, at now: Date) -> [Notice] {
        let handover = transition.handover
        switch event {
        case .submit:
            return Notice.forEvent(
                [
                    NotificationMails.submitted(
                        handover: handover, account: account, transferor: parties.transferor, recipient: parties.recipient, publicURL: mail.publicURL,
                        id: ids.next(at: now), at: now)
                ], actorID: actor.id)
        case .returnToTransferor(let reason):
            return Notice.forEvent(
                [
                    NotificationMails.returned(
                        handover: handover, account: account, transferor: parties.transferor, recipient: actor, reason: reason, publicURL: mail.publicURL,
                        id: ids.next(at: now), at: now)
                ], actorID: actor.id)
        default: return []
        }
    }

    /// Handovers the actor may see (`Access.canView`), newest first.
    public func handovers(filter: HandoverFilter, by actor: Member) async throws -> [Handover] {
        try await store.handovers(visibleTo: actor, filter: filter)
    }

    public func events(id: String, by actor: Member) async throws -> [HandoverEventRecord] {
        _ = try await handover(id: id, by: actor)
        return try await store.events(handoverID: id, organizationID: actor.organizationID)
    }
}

extension HandoverService {
    /// The handover's JSON with its content spliced in as stored: the store writes content with
    /// the API's own encoder settings (sorted keys), so this is the JSON the API would write,
    /// without decoding the content only to encode it again.
    static func json(_ handover: Handover, content: String) throws -> Data {
        let text = content.utf8
        guard text.first == UInt8(ascii: "{"), text.last == UInt8(ascii: "}") else {
            throw StoreError.damaged("handover \(handover.id) has content that is not a JSON object")
        }
        return try HandoverJSON.encode(handover, content: content)
    }
}

/// A handover read for a GET: the row (its content left empty: `json` has it) and its JSON.
public struct CachedHandover: Sendable {
    public var handover: Handover
    public var json: Data
}

extension HandoverService {
    /// `Access.canView`, reading the parties only when the answer depends on them.
    func canView(_ handover: Handover, viewer: Member) async throws -> Bool {
        if let answer = Access.canViewWithoutParties(handover, viewer: viewer) { return answer }
        guard let transferor = try await store.member(id: handover.transferorID, organizationID: handover.organizationID),
            let recipient = try await store.member(id: handover.recipientID, organizationID: handover.organizationID)
        else { return false }
        return Access.canView(handover, parties: Parties(transferor: transferor, recipient: recipient), viewer: viewer)
    }
}

/// Everything a page about one handover shows, read for one viewer.
public struct HandoverReading: Sendable {
    public var handover: Handover, parties: Parties, template: Template, account: Account
    public var events: [HandoverEventRecord], questions: [HandoverQuestion]
    /// Member names by id, for showing who did what.
    public var names: [String: String]

    public init(
        handover: Handover, parties: Parties, template: Template, account: Account, events: [HandoverEventRecord] = [],
        questions: [HandoverQuestion] = [], names: [String: String] = [:]
    ) {
        self.handover = handover
        self.parties = parties
        self.template = template
        self.account = account
        self.events = events
        self.questions = questions
        self.names = names
    }

    public var all: (Handover, Parties, Template, Account, [HandoverEventRecord], [HandoverQuestion], [String: String]) {
        (handover, parties, template, account, events, questions, names)
    }
}

extension HandoverService {
    /// A handover with all a page shows about it, its read logged as the API's would be (with
    /// the digest of the handover as the API would send it).
    public func reading(id: String, by actor: Member) async throws -> HandoverReading {
        let (handover, parties) = try await handover(id: id, by: actor)
        async let template = templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        async let account = accounts.account(id: handover.accountID, by: actor)
        async let events = store.events(handoverID: handover.id, organizationID: actor.organizationID)
        async let questions = store.questions(handoverID: handover.id, organizationID: actor.organizationID)
        async let members = store.members(organizationID: actor.organizationID)
        try await recordRead(handover, shown: try HandoverJSON.encode(handover, content: try Self.contentJSON(handover.content)), by: actor)
        return HandoverReading(
            handover: handover, parties: parties, template: try await template, account: try await account,
            events: try await events, questions: try await questions,
            names: Member.namesByID(try await members))
    }

    /// Content as the API writes it.
    static func contentJSON(_ content: HandoverContent) throws -> String {
        String(decoding: try WireJSON.encoder.encode(content), as: UTF8.self)
    }
}
