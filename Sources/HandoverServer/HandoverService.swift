import Foundation
import HandoverCore
import HandoverStore
import HandoverTrust

/// The handover use cases: load what the pure core needs, ask it, save what it answers.
/// Every method takes the acting member and refuses anything outside their organization.
public struct HandoverService: Sendable {
    public let store: any HandoverStore
    /// Recent reads of handovers for GET requests; every write here evicts what it changed.
    let reads: ReadCache<CachedHandover>

    /// Group commit for reads that go in the audit log.
    public let auditAppender: AuditAppender

    public init(store: any HandoverStore, readCacheTTL: Duration = .zero) {
        self.store = store
        self.reads = ReadCache(ttl: readCacheTTL)
        auditAppender = AuditAppender(store: store)
    }

    /// A read of a handover's content by anyone but its author (the recipient viewing the
    /// packet, a manager, an admin, an auditor) is a sensitive read: it goes in the audit log,
    /// with the digest of exactly what was shown, before the content is returned.
    func recordRead(_ handover: Handover, shown: some DataProtocol, by actor: Member) async throws {
        guard actor.id != handover.transferorID else { return }
        try await auditAppender.append(AuditRecord(action: "handover.read", target: "handover:\(handover.id)", digest: Hex.sha256(shown)),
                                       organizationID: actor.organizationID)
    }

    // MARK: Templates

    /// Built-ins and the organization's own templates.
    public func templates(organizationID: String) async throws -> [Template] {
        TemplateLibrary.builtIns + (try await store.templates(organizationID: organizationID))
    }

    /// A template by key; the latest version unless one is named.
    public func template(key: String, version: Int?, organizationID: String) async throws -> Template {
        let candidates = try await templates(organizationID: organizationID).filter { $0.key == key }
        let found = version.map { v in candidates.first { $0.version == v } } ?? candidates.max { $0.version < $1.version }
        guard let found else { throw StoreError.notFound("template \(key)\(version.map { " version \($0)" } ?? "")") }
        return found
    }

    public func addTemplate(_ data: Data, by actor: Member) async throws -> Template {
        guard actor.role == .admin else { throw HandoverError.notPermitted(action: "add templates", reason: "only admins add templates") }
        switch Template.parse(data) {
        case .failure(let error): throw HandoverError.invalid(error.problems)
        case .success(let template):
            try await store.addTemplate(template, organizationID: actor.organizationID, createdBy: actor.id, at: currentTime())
            return template
        }
    }

    // MARK: Accounts

    public func createAccount(name: String, kind: AccountKind, ownerID: String?, profile: AccountProfile, by actor: Member) async throws -> Account {
        let ownerID = ownerID ?? actor.id
        guard Access.canCreateAccount(ownerID: ownerID, actor: actor) else {
            throw HandoverError.notPermitted(action: "create this account", reason: actor.role == .auditor ? "auditors have read-only access" : "members create accounts they own themselves")
        }
        // Length as JSON Schema's maxLength counts it (Unicode scalars, before trimming): the spec's limit exactly.
        let tooLong = name.unicodeScalars.count > 200
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        var problems: [Problem] = []
        if name.isEmpty || tooLong { problems.append(Problem(path: "name", message: "give the account a name of 1 to 200 characters")) }
        guard let owner = try await store.member(id: ownerID, organizationID: actor.organizationID) else { throw StoreError.notFound("member \(ownerID)") }
        if owner.role == .auditor { problems.append(Problem(path: "ownerID", message: "an auditor cannot own an account")) }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = currentTime()
        let account = Account(id: Secrets.newID(at: now), organizationID: actor.organizationID, name: name, kind: kind,
                              ownerID: owner.id, profile: profile, createdAt: now, updatedAt: now)
        try await store.createAccount(account)
        return account
    }

    public func account(id: String, by actor: Member) async throws -> Account {
        guard let account = try await store.account(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("account \(id)") }
        return account
    }

    /// Replaces the name and/or profile if the account is still at `expectedVersion`.
    public func updateAccount(id: String, name: String?, profile: AccountProfile?, expectedVersion: Int?, by actor: Member) async throws -> Account {
        var account = try await account(id: id, by: actor)
        let owner = try await member(account.ownerID, organizationID: actor.organizationID)
        guard Access.canEditAccount(account, owner: owner, actor: actor) else {
            throw HandoverError.notPermitted(action: "edit this account", reason: "only its owner, the owner's manager or an admin edit an account")
        }
        if let expectedVersion, expectedVersion != account.version {
            throw StoreError.stale("account \(id) is at version \(account.version), not \(expectedVersion)")
        }
        if let name {
            let tooLong = name.unicodeScalars.count > 200  // as the spec's maxLength counts
            let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
            if name.isEmpty || tooLong { throw HandoverError.invalid([Problem(path: "name", message: "give the account a name of 1 to 200 characters")]) }
            account.name = name
        }
        if let profile { account.profile = profile }
        let read = account.version
        account.version += 1
        account.updatedAt = currentTime()
        try await store.updateAccount(account, expectedVersion: read)
        return account
    }

    // MARK: Handovers

    public func member(_ id: String, organizationID: String) async throws -> Member {
        guard let member = try await store.member(id: id, organizationID: organizationID) else { throw StoreError.notFound("member \(id)") }
        return member
    }

    /// Begins a handover of `accountID` from its current owner to `recipientID`.
    public func begin(accountID: String, recipientID: String, templateKey: String, templateVersion: Int?,
                      content: HandoverContent?, by actor: Member) async throws -> Handover {
        let account = try await account(id: accountID, by: actor)
        let owner = try await member(account.ownerID, organizationID: actor.organizationID)
        guard Access.canBeginHandover(of: account, owner: owner, actor: actor) else {
            throw HandoverError.notPermitted(action: "hand over this account", reason: "only its owner, the owner's manager or an admin begin a handover")
        }
        let recipient = try await member(recipientID, organizationID: actor.organizationID)
        var problems: [Problem] = []
        if recipient.id == owner.id { problems.append(Problem(path: "recipientID", message: "the recipient already owns this account")) }
        if recipient.role == .auditor { problems.append(Problem(path: "recipientID", message: "an auditor cannot receive an account")) }
        let template = try await template(key: templateKey, version: templateVersion, organizationID: actor.organizationID)
        let content = content ?? HandoverContent()
        problems += template.problems(in: content)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let now = currentTime()
        let handover = Handover(id: Secrets.newID(at: now), organizationID: actor.organizationID, accountID: account.id,
                                templateKey: template.key, templateVersion: template.version, transferorID: owner.id,
                                recipientID: recipient.id, content: content, createdAt: now, updatedAt: now)
        let record = HandoverEventRecord(id: Secrets.newID(at: now), handoverID: handover.id, organizationID: handover.organizationID,
                                         actorID: actor.id, event: "create", handoverVersion: 1, fromState: nil, toState: .draft, note: nil, at: now)
        try await store.createHandover(handover, record: record)
        return handover
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
    func handoverForReading(id: String, by actor: Member) async throws -> CachedHandover {
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
        let template = try await template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let account = try await account(id: handover.accountID, by: actor)
        return Lint.report(content: handover.content, template: template, account: account, now: currentTime())
    }

    /// Overlays `patch` on the draft's content (a `null` value clears a field).
    public func edit(id: String, patch: HandoverContent, expectedVersion: Int?, by actor: Member) async throws -> Handover {
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
        let template = try await template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let content = handover.content.merging(patch)
        let problems = template.problems(in: content)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        let read = handover.version
        handover.content = content
        handover.version += 1
        handover.updatedAt = currentTime()
        defer { reads.evict(actor.organizationID + "/" + id) }
        try await store.updateHandover(handover, expectedVersion: read, record: nil)
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
        let template = try await template(key: handover.templateKey, version: handover.templateVersion, organizationID: actor.organizationID)
        let account = try await account(id: handover.accountID, by: actor)
        var signedRoles: Set<SignoffRole> = []
        if case .complete = event { signedRoles = Set(try await countingSignoffs(handover).map(\.role)) }
        let now = currentTime()
        let transition = try Lifecycle.apply(event, to: handover, by: actor, parties: parties, template: template, account: account,
                                             signedRoles: signedRoles, eventID: Secrets.newID(at: now), at: now)
        defer { reads.evict(actor.organizationID + "/" + handover.id) }
        try await store.apply(transition, expectedVersion: handover.version)
        return transition.handover
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
        return HandoverJSON.encode(handover, content: content)
    }
}

/// A handover read for a GET: the row (its content left empty: `json` has it) and its JSON.
struct CachedHandover: Sendable {
    var handover: Handover
    var json: Data
}

extension HandoverService {
    /// `Access.canView`, reading the parties only when the answer depends on them.
    func canView(_ handover: Handover, viewer: Member) async throws -> Bool {
        if let answer = Access.canViewWithoutParties(handover, viewer: viewer) { return answer }
        guard let transferor = try await store.member(id: handover.transferorID, organizationID: handover.organizationID),
              let recipient = try await store.member(id: handover.recipientID, organizationID: handover.organizationID) else { return false }
        return Access.canView(handover, parties: Parties(transferor: transferor, recipient: recipient), viewer: viewer)
    }
}
