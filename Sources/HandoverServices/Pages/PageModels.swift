import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// What each web page shows, read through the services for one viewer. The web's views render
/// these and read nothing themselves, so a view is tested with a model built by hand.
public struct PageModels: Sendable {
    let members: MemberService
    let accounts: AccountService
    let templates: TemplateService
    let handovers: HandoverService
    let audit: AuditService
    let secrets: SecretService
    let risks: RiskService

    public init(
        members: MemberService, accounts: AccountService, templates: TemplateService, handovers: HandoverService, audit: AuditService, secrets: SecretService,
        risks: RiskService
    ) {
        self.members = members
        self.accounts = accounts
        self.templates = templates
        self.handovers = handovers
        self.audit = audit
        self.secrets = secrets
        self.risks = risks
    }

}

/// The home page: what needs the viewer now.
public struct HomeModel: Sendable {
    public var today: CalendarDate
    /// Submitted to the viewer, waiting for their acknowledgment.
    public var waiting: [Handover]
    /// Acknowledged, with the viewer as either party: ready to complete.
    public var ready: [Handover]
    /// The viewer's returned handovers and drafts.
    public var drafts: [Handover]
    /// A manager's team's (an admin's organization's) open handovers the viewer is no party to.
    public var team: [Handover]
    public var showsTeam: Bool
    /// The viewer's accounts with the earliest overdue items, and how many accounts have any.
    public var late: [Account], lateTotal: Int
    /// Secrets past their rotation date on the viewer's accounts (a manager's team's, an admin's
    /// organization's): what a leaver could open and nobody has rotated yet.
    public var overdueRotations: [SecretExposure]
    public var memberNames: [String: String], accountNames: [String: String]

    public init(
        today: CalendarDate, waiting: [Handover] = [], ready: [Handover] = [], drafts: [Handover] = [], team: [Handover] = [],
        showsTeam: Bool = false, late: [Account] = [], lateTotal: Int = 0, overdueRotations: [SecretExposure] = [], memberNames: [String: String] = [:],
        accountNames: [String: String] = [:]
    ) {
        self.overdueRotations = overdueRotations
        self.today = today
        self.waiting = waiting
        self.ready = ready
        self.drafts = drafts
        self.team = team
        self.showsTeam = showsTeam
        self.late = late
        self.lateTotal = lateTotal
        self.memberNames = memberNames
        self.accountNames = accountNames
    }
}

extension PageModels {
    public func home(for me: Member) async throws -> HomeModel {
        let open: [HandoverState] = [.draft, .submitted, .returned, .acknowledged]
        // Lists without content, one state and party per query: each reads a range of an index.
        func list(_ state: HandoverState, transferor: String? = nil, recipient: String? = nil, limit: Int = 50) async throws -> [Handover] {
            try await handovers.handovers(
                filter: HandoverFilter(
                    states: [state], transferorID: transferor, recipientID: recipient,
                    limit: limit, includeContent: false), by: me)
        }
        async let waitingRead = list(.submitted, recipient: me.id)
        async let readyAsTransferor = list(.acknowledged, transferor: me.id, limit: 25)
        async let readyAsRecipient = list(.acknowledged, recipient: me.id, limit: 25)
        async let draftsRead = list(.draft, transferor: me.id)
        async let returnedRead = list(.returned, transferor: me.id)
        let today = CalendarDate(handovers.clock.now())
        async let lateRead = accounts.overdue(before: today, limit: 10, by: me)
        async let membersRead = members.members(by: me)
        // Auditors read the report on its page; the home page lists what the viewer must act on.
        async let rotationsRead = overdueRotations(for: me)
        var model = HomeModel(today: today)
        model.waiting = try await waitingRead
        model.ready = (try await readyAsTransferor + readyAsRecipient).sorted { $0.updatedAt > $1.updatedAt }
        model.drafts = try await returnedRead + draftsRead
        (model.late, model.lateTotal) = try await lateRead
        model.overdueRotations = try await rotationsRead
        model.showsTeam = me.role == .manager || me.role == .admin
        if model.showsTeam {
            var perState: [Handover] = []
            for state in open { perState += try await list(state) }
            model.team = Array(perState.filter { $0.transferorID != me.id && $0.recipientID != me.id }.sorted { $0.updatedAt > $1.updatedAt }.prefix(50))
        }
        model.memberNames = Member.namesByID(try await membersRead)
        let shown = model.waiting + model.ready + model.drafts + model.team
        model.accountNames = try await accounts.names(ids: shown.map(\.accountID), by: me)
        return model
    }

    func overdueRotations(for me: Member) async throws -> [SecretExposure] {
        me.role == .auditor ? [] : try await secrets.exposures(state: .overdue, by: me).items
    }
}

/// The accounts list with its filters.
public struct AccountsModel: Sendable {
    public var filter: AccountFilter
    public var accounts: [Account]
    public var members: [Member]

    public init(filter: AccountFilter, accounts: [Account], members: [Member]) {
        self.filter = filter
        self.accounts = accounts
        self.members = members
    }
}

/// One account: its profile, owners over time and handovers.
public struct AccountModel: Sendable {
    public var account: Account
    public var owners: [Ownership]
    public var handovers: [Handover]
    public var memberNames: [String: String]
    /// Whether the viewer may begin a handover of it.
    public var canBegin: Bool
    /// The account's open handover (there is at most one): the page shows it instead of offering another.
    public var openHandover: Handover?
    /// Its sealed secrets (names and readers, never values), and the keys to seal them to.
    public var secrets: SecretsModel
    /// Its access inventory (`AccessService.grantsModel`); nil leaves the section out.
    public var access: AccessGrantsModel? = nil
    /// Its way through the pipelines (`PipelineService.journey`); nil leaves the section out.
    public var journey: AccountJourney? = nil
    /// The pipelines it may be placed in and who may receive its next hand-off, for the journey's forms.
    public var stagePipelines: [Pipeline] = []
    public var stageRecipients: [Member] = []
    /// Its attachments (`AttachmentService.pageModel`); nil leaves the section out.
    public var attachments: AttachmentsModel? = nil
    /// Rows imported from other systems for this account, with their provenance (Docs/Imports.md).
    public var imported: [ImportedRecord] = []
    /// The risk rules that hold for it, and the model's reading (`RiskService`).
    public var risks = RiskAssessment()
    /// The escalations and churn recorded on it, and whether the viewer may record one.
    public var outcomes: [AccountOutcome] = []
    public var canRecordOutcome = false
    /// Its covers, newest first (`CoverService.covers(accountID:)`), and the ids of those the
    /// viewer may end early.
    public var covers: [Cover] = []
    public var coversViewerMayEnd: Set<String> = []

    public init(
        account: Account, owners: [Ownership], handovers: [Handover], memberNames: [String: String], canBegin: Bool, openHandover: Handover? = nil,
        secrets: SecretsModel = SecretsModel()
    ) {
        self.account = account
        self.owners = owners
        self.handovers = handovers
        self.memberNames = memberNames
        self.canBegin = canBegin
        self.openHandover = openHandover
        self.secrets = secrets
    }
}

/// An account's secrets as a page shows them: what they are and who can open them. The values
/// are sealed and opened by the page's script; the server renders only this.
public struct SecretsModel: Sendable {
    public var secrets: [Secret]
    /// Whether the viewer may add one (the owner, the owner's manager, an admin).
    public var canAdd: Bool
    /// The organization's active encryption keys, one per member who has one: whom a secret can
    /// be sealed to, with fingerprints to compare out of band.
    public var keys: [EncryptionKey]
    public var hasRecoveryKey: Bool

    public init(secrets: [Secret] = [], canAdd: Bool = false, keys: [EncryptionKey] = [], hasRecoveryKey: Bool = false) {
        self.secrets = secrets
        self.canAdd = canAdd
        self.keys = keys
        self.hasRecoveryKey = hasRecoveryKey
    }

    /// The member's active key, if they have one.
    public func key(of memberID: String) -> EncryptionKey? { keys.first { $0.memberID == memberID } }
}

extension PageModels {
    public func accounts(filter: AccountFilter, for me: Member) async throws -> AccountsModel {
        async let listRead = accounts.accounts(filter: filter, by: me)
        let members = try await members.members(by: me)
        return AccountsModel(filter: filter, accounts: try await listRead, members: members)
    }

    public func account(id: String, for me: Member) async throws -> AccountModel {
        let account = try await accounts.account(id: id, by: me)
        async let chainRead = accounts.owners(accountID: account.id, by: me)
        async let historyRead = handovers.handovers(filter: HandoverFilter(accountID: account.id, limit: 100, includeContent: false), by: me)
        let members = try await members.members(by: me)
        let owner = members.first { $0.id == account.ownerID }
        let canBegin = owner.map { Access.canBeginHandover(of: account, owner: $0, actor: me) } ?? false
        var secrets = try await secretsModel(accountID: account.id, for: me)
        secrets.canAdd = owner.map { Access.canAddSecret(to: account, owner: $0, actor: me) } ?? false
        let history = try await historyRead
        var model = AccountModel(
            account: account, owners: try await chainRead, handovers: history, memberNames: Member.namesByID(members), canBegin: canBegin,
            openHandover: history.first { $0.state.isOpen }, secrets: secrets)
        model.risks = try await risks.assessment(account)
        model.outcomes = try await handovers.store.outcomes(accountID: account.id, organizationID: me.organizationID)
        model.canRecordOutcome = owner.map { Access.canEditAccount(account, owner: $0, actor: me) } ?? false
        return model
    }

    /// An account's secrets, the organization's active encryption keys and whether sealing can
    /// work yet (a recovery key is registered).
    func secretsModel(accountID: String, for me: Member) async throws -> SecretsModel {
        async let listRead = secrets.secrets(accountID: accountID, by: me)
        async let keysRead = secrets.encryptionKeys(memberID: nil, by: me)
        let recovery = try? await secrets.recoveryKey(by: me)
        return SecretsModel(
            secrets: try await listRead, keys: try await keysRead.filter { $0.revokedAt == nil }, hasRecoveryKey: recovery != nil)
    }
}

/// The form that starts a handover: what the viewer may hand over, to whom, with which template.
public struct NewHandoverModel: Sendable {
    /// Accounts the viewer may begin a handover of.
    public var accounts: [Account]
    /// Members who may receive one (not auditors, not the viewer).
    public var recipients: [Member]
    /// The latest version of each template, by name.
    public var templates: [Template]

    public init(accounts: [Account], recipients: [Member], templates: [Template]) {
        self.accounts = accounts
        self.recipients = recipients
        self.templates = templates
    }
}

extension PageModels {
    public func newHandover(for me: Member) async throws -> NewHandoverModel {
        async let membersRead = members.members(by: me)
        async let templatesRead = templates.templates(organizationID: me.organizationID)
        let members = try await membersRead
        let byID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        // Only the accounts this member may hand over: their own, their team's (managers), all (admins).
        let candidates = try await accounts.accounts(filter: AccountFilter(ownerID: me.role == .member ? me.id : nil, limit: 1000), by: me)
        let accounts = candidates.filter { account in byID[account.ownerID].map { Access.canBeginHandover(of: account, owner: $0, actor: me) } ?? false }
        var latest: [String: Template] = [:]
        for template in try await templatesRead where (latest[template.key]?.version ?? 0) < template.version { latest[template.key] = template }
        return NewHandoverModel(
            accounts: accounts, recipients: members.filter { $0.role != .auditor && $0.id != me.id },
            templates: latest.values.sorted { $0.name < $1.name })
    }
}

/// Members, API tokens and templates.
public struct AdminModel: Sendable {
    public var members: [Member]
    public var tokens: [APIToken]
    public var templates: [Template]

    public init(members: [Member], tokens: [APIToken], templates: [Template]) {
        self.members = members
        self.tokens = tokens
        self.templates = templates
    }
}

extension PageModels {
    public func admin(for me: Member) async throws -> AdminModel {
        async let membersRead = members.members(by: me)
        async let tokensRead = members.tokens(by: me)
        async let templatesRead = templates.templates(organizationID: me.organizationID)
        return AdminModel(members: try await membersRead, tokens: try await tokensRead, templates: try await templatesRead)
    }
}

/// A handover's page: everything read for the viewer, and its sign-offs.
public struct HandoverPageModel: Sendable {
    public var reading: HandoverReading
    public var signing: SigningModel
    public var now: Date
    /// The account's secrets and the keys, for the transferor's step that seals them to the
    /// recipient (and the recipient's note that they open once acknowledged).
    public var secrets: SecretsModel
    /// Its access plan (`AccessService.planModel`); nil leaves the section out.
    public var accessPlan: AccessPlanModel? = nil
    /// The emails about this handover, newest first, for its parties (empty for anyone else).
    public var outbox: [OutboxMessage]
    /// Its briefings, earliest first.
    public var briefings: [Briefing] = []
    /// Its attachments (`AttachmentService.pageModel`); nil leaves the section out.
    public var attachments: AttachmentsModel? = nil
    /// The risk rules that hold for its account, and the model's reading (`RiskService`).
    public var risks = RiskAssessment()

    public init(reading: HandoverReading, signing: SigningModel, now: Date, secrets: SecretsModel = SecretsModel(), outbox: [OutboxMessage] = []) {
        self.reading = reading
        self.signing = signing
        self.now = now
        self.secrets = secrets
        self.outbox = outbox
    }
}

/// What the handover page needs to show its sign-offs.
public struct SigningModel: Sendable {
    public var all: [Signoff]
    public var valid: [Signoff]
    public var missing: [SignoffRole]
    /// The viewer's active browser keys: the script reuses its stored key only if it is one of these.
    public var myKeys: [SigningKey]

    public init(all: [Signoff] = [], valid: [Signoff] = [], missing: [SignoffRole] = [], myKeys: [SigningKey] = []) {
        self.all = all
        self.valid = valid
        self.missing = missing
        self.myKeys = myKeys
    }
}

extension PageModels {
    public func handover(id: String, for me: Member) async throws -> HandoverPageModel {
        let reading = try await handovers.reading(id: id, by: me)
        async let keys = handovers.signingKeys(memberID: me.id, by: me)
        let status = try await handovers.signoffStatus(reading.handover, template: reading.template)
        let signing = SigningModel(
            all: status.signoffs, valid: status.signoffs.filter { status.valid.contains($0.id) }, missing: status.missing,
            myKeys: try await keys.filter { $0.revokedAt == nil && $0.origin == "browser" })
        // Only the parties see the secrets step or note; nobody else needs the read.
        let isParty = me.id == reading.handover.transferorID || me.id == reading.handover.recipientID
        var secrets = isParty && reading.handover.state != .cancelled ? try await secretsModel(accountID: reading.handover.accountID, for: me) : SecretsModel()
        // Whether the editor's "Seal it instead" can add the refused value to the account.
        let owner = [reading.parties.transferor, reading.parties.recipient].first { $0.id == reading.account.ownerID }
        secrets.canAdd = owner.map { Access.canAddSecret(to: reading.account, owner: $0, actor: me) } ?? false
        let outbox =
            isParty ? try await handovers.store.outboxMessages(organizationID: me.organizationID, filter: OutboxFilter(viewer: me, handoverID: id, limit: 20)) : []
        var model = HandoverPageModel(reading: reading, signing: signing, now: handovers.clock.now(), secrets: secrets, outbox: outbox)
        model.briefings = try await handovers.store.briefings(handoverID: id, organizationID: me.organizationID)
        model.risks = try await risks.assessment(reading.account)
        return model
    }

    /// The printable report: the reading alone.
    public func report(id: String, for me: Member) async throws -> HandoverReading {
        try await handovers.reading(id: id, by: me)
    }

    /// A completed handover's certificate, this server's check of it against its own log key, and
    /// the organization's member names (the timeline names everyone who acted, not only the parties).
    public func certificate(id: String, for me: Member) async throws -> (
        certificate: CompletionCertificate, check: CertificateVerification, memberNames: [String: String]
    ) {
        let certificate = try await audit.certificate(handoverID: id, by: me, handovers: handovers)
        let check = certificate.verify(pinnedKey: try? NoteVerifier(keyString: audit.verifierKey(organizationID: me.organizationID)))
        return (certificate, check, Member.namesByID(try await members.members(by: me)))
    }
}

/// The rotation report: secrets members could open when their access ended, per account and per
/// member, oldest first.
public struct RotationModel: Sendable {
    /// nil for every state.
    public var state: ExposureState?
    public var accountID: String?
    public var memberID: String?
    public var report: SecretService.ExposureReport
    public var memberNames: [String: String]

    public init(state: ExposureState?, accountID: String? = nil, memberID: String? = nil, report: SecretService.ExposureReport, memberNames: [String: String]) {
        self.state = state
        self.accountID = accountID
        self.memberID = memberID
        self.report = report
        self.memberNames = memberNames
    }
}

extension PageModels {
    public func rotation(state: ExposureState?, accountID: String?, memberID: String?, for me: Member) async throws -> RotationModel {
        async let membersRead = members.members(by: me)
        let report = try await secrets.exposures(accountID: accountID, memberID: memberID, state: state, by: me)
        return RotationModel(state: state, accountID: accountID, memberID: memberID, report: report, memberNames: Member.namesByID(try await membersRead))
    }
}
