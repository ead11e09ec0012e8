import Foundation
import HandoverCore
import HandoverStore

/// SCIM 2.0 provisioning (Docs/SCIM.md): an identity provider's connection, authenticated by its
/// `hscim_` token, creates, changes and deprovisions the members of its one organization.
/// Deprovisioning is the rule that matters: the member is deactivated (every credential revoked
/// at once, nothing deleted) and their accounts are handed over now through a departure.
/// Errors are `Scim.Failure`s, in SCIM's own terms; the routes only translate.
public struct ScimService: Sendable {
    let store: any HandoverStore
    let members: MemberService
    let departures: DepartureService
    let clock: WallClock
    let ids: IDMaker

    public init(store: any HandoverStore, members: MemberService, departures: DepartureService, clock: WallClock = .system, ids: IDMaker = .random) {
        self.store = store
        self.members = members
        self.departures = departures
        self.clock = clock
        self.ids = ids
    }

    /// The operator's service on `store` (the `admin` verbs and the bench), with the default
    /// member and departure services.
    public init(store: any HandoverStore) {
        self.init(store: store, members: MemberService(store: store), departures: DepartureService(store: store, templates: TemplateService(store: store)))
    }

    // MARK: Connections (the operator's `handover admin scim-token`)

    /// A new connection for `organizationID`; the returned bearer is never stored and cannot be shown again.
    public func createToken(organizationID: String, name: String, by actor: AuditActor) async throws -> (token: ScimToken, secret: String) {
        let name = name.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !name.isEmpty, name.unicodeScalars.count <= 100 else {
            throw HandoverError.invalid([Problem(path: "name", message: "give the connection a name of 1 to 100 characters, such as the identity provider")])
        }
        guard try await store.organization(id: organizationID) != nil else { throw StoreError.notFound("organization \(organizationID)") }
        let now = clock.now()
        let secret = Secrets.newToken(prefix: ScimToken.prefix)
        let token = ScimToken(id: ids.next(at: now), organizationID: organizationID, name: name, createdAt: now)
        try await store.createScimToken(token, digest: Secrets.digest(secret), by: actor)
        return (token, secret)
    }

    public func revokeToken(id: String, organizationID: String, by actor: AuditActor) async throws {
        try await store.revokeScimToken(id: id, organizationID: organizationID, at: clock.now(), by: actor)
    }

    public func tokens(organizationID: String) async throws -> [ScimToken] {
        try await store.scimTokens(organizationID: organizationID)
    }

    /// The connection behind `Authorization: Bearer hscim_…`, if valid; only that shape is looked up.
    public func authenticate(bearer: String) async throws -> ScimToken? {
        guard bearer.hasPrefix(ScimToken.prefix) else { return nil }
        return try await store.authenticateScim(tokenDigest: Secrets.digest(bearer), at: clock.now())
    }

    // MARK: Users

    /// Members of the connection's organization matching `filter`, a page of them (1-based
    /// `startIndex` as SCIM counts) and how many match in all.
    public func users(filter: String?, startIndex: Int, count: Int, by connection: ScimToken) async throws -> (total: Int, page: [Member]) {
        let parsed = try filter.map { try Scim.Filter.parse($0) }
        var found = try await store.members(organizationID: connection.organizationID)
        if let parsed {
            switch parsed.attribute {
            case .userName, .emailsValue:
                let email = Member.normalizedEmail(parsed.value)
                found = found.filter { $0.email == email }
            case .externalId, .displayName, .value:
                // externalId is not kept (yet): no member has one, so none matches; the others
                // are not User filters and were refused by the parser.
                found = []
            }
        }
        found.sort { $0.createdAt == $1.createdAt ? $0.id < $1.id : $0.createdAt < $1.createdAt }
        let start = max(1, startIndex) - 1
        let count = max(0, count)
        let page = start >= found.count ? [] : Array(found[start..<min(found.count, start + count)])
        return (found.count, page)
    }

    public func user(id: String, by connection: ScimToken) async throws -> Member {
        guard let member = try await store.member(id: id, organizationID: connection.organizationID) else { throw Scim.Failure.notFound("no user \(id)") }
        return member
    }

    /// A new member with role member and no password (they sign in through tokens, or later SSO).
    /// 409 `uniqueness` when the organization already has the email.
    public func createUser(_ change: Scim.UserChange, by connection: ScimToken) async throws -> Member {
        guard let userName = change.userName else { throw Scim.Failure.invalidValue("userName is required") }
        let name = change.name(current: userName)
        let email = Member.normalizedEmail(userName)
        if try await store.members(organizationID: connection.organizationID).contains(where: { $0.email == email }) {
            throw Scim.Failure.uniqueness("a user with userName \(userName) already exists")
        }
        var member: Member
        do {
            member = try await members.createMember(
                organizationID: connection.organizationID, email: userName, name: name, role: .member, managerID: nil, password: nil,
                by: .scim(connection.id))
        } catch StoreError.conflict(let message) {
            throw Scim.Failure.uniqueness(message)
        } catch HandoverError.invalid(let problems) {
            throw Scim.Failure.invalidValue(problems.map { "\($0.path): \($0.message)" }.joined(separator: "; "))
        }
        if change.active == false { member = try await deprovision(member, by: connection).member }
        return member
    }

    /// PUT (a whole resource) and PATCH (some attributes) end here: a deactivation first (an
    /// identity the change cannot apply, such as an email another member has, must never keep a
    /// leaver signed in), then the identity, then a re-activation.
    public func updateUser(id: String, _ change: Scim.UserChange, by connection: ScimToken) async throws -> (member: Member, departure: DepartureService.Response?) {
        var member = try await user(id: id, by: connection)
        var departure: DepartureService.Response?
        if change.active == false { (member, departure) = try await deprovision(member, by: connection) }
        let email = change.userName.map(Member.normalizedEmail) ?? member.email
        let name = change.name(current: member.name).trimmingCharacters(in: .whitespacesAndNewlines)
        if email != member.email || name != member.name {
            guard Member.isPlausibleEmail(email) else { throw Scim.Failure.invalidValue("userName \(email) is not an email address") }
            guard !name.isEmpty else { throw Scim.Failure.invalidValue("name must not be empty") }
            // The same check as a new member's name: a pasted password never becomes a name.
            if !CredentialScan.findings([("name", name)]).isEmpty {
                throw Scim.Failure.invalidValue("name looks like it contains a credential; it was not saved")
            }
            do {
                member = try await store.updateMemberIdentity(
                    id: member.id, organizationID: connection.organizationID, email: email, name: name, at: clock.now(), by: .scim(connection.id))
            } catch StoreError.conflict(let message) {
                throw Scim.Failure.uniqueness(message)
            }
        }
        if change.active == true && !member.isActive {
            // Sign-in only: revoked tokens stay revoked, handed-over accounts stay handed over.
            member = try await store.setMemberDeactivated(
                id: member.id, organizationID: connection.organizationID, deactivated: false, at: clock.now(), by: .scim(connection.id))
        }
        return (member, departure)
    }

    /// DELETE: deprovisioned exactly as `active=false` (nothing is deleted: the audit log and the
    /// handovers name the member). Afterwards the user still answers GET, inactive.
    public func deleteUser(id: String, by connection: ScimToken) async throws -> DepartureService.Response? {
        try await deprovision(try await user(id: id, by: connection), by: connection).departure
    }

    // MARK: Groups (teams)

    /// Teams matching `filter` (`displayName eq "…"`; `externalId` is not kept, so it matches
    /// none), a page of them and how many match in all.
    public func groups(filter: String?, startIndex: Int, count: Int, by connection: ScimToken) async throws -> (total: Int, page: [Team]) {
        let parsed = try filter.map { try Scim.Filter.parse($0, attributes: Scim.Filter.groupAttributes) }
        let found: [Team]
        switch parsed?.attribute {
        case nil: found = try await store.teams(organizationID: connection.organizationID, name: nil)
        case .displayName?: found = try await store.teams(organizationID: connection.organizationID, name: parsed?.value)
        default: found = []
        }
        let start = max(1, startIndex) - 1
        let page = start >= found.count ? [] : Array(found[start..<min(found.count, start + max(0, count))])
        return (found.count, page)
    }

    public func group(id: String, by connection: ScimToken) async throws -> Team {
        guard let team = try await store.team(id: id, organizationID: connection.organizationID) else { throw Scim.Failure.notFound("no group \(id)") }
        return team
    }

    /// Member id → name across the connection's organization, for a Group's `members[].display`.
    public func memberNames(by connection: ScimToken) async throws -> [String: String] {
        Member.namesByID(try await store.members(organizationID: connection.organizationID))
    }

    /// A new team; 409 `uniqueness` when the organization has a team of that name.
    public func createGroup(_ change: Scim.GroupChange, by connection: ScimToken) async throws -> Team {
        guard change.displayName != nil else { throw Scim.Failure.invalidValue("displayName is required") }
        let now = clock.now()
        return try await save(id: ids.next(at: now), creating: true, change, at: now, by: connection)
    }

    /// PUT and PATCH: the name and the members; the roles of members who joined or left follow
    /// the organization's team → role mapping in the same transaction.
    public func updateGroup(id: String, _ change: Scim.GroupChange, by connection: ScimToken) async throws -> Team {
        try await save(id: id, creating: false, change, at: clock.now(), by: connection)
    }

    /// The team is gone; its members are not (their roles re-derived from their other teams).
    public func deleteGroup(id: String, by connection: ScimToken) async throws {
        do {
            try await store.deleteTeam(id: id, organizationID: connection.organizationID, at: clock.now(), by: .scim(connection.id))
        } catch StoreError.notFound {
            throw Scim.Failure.notFound("no group \(id)")
        }
    }

    func save(id: String, creating: Bool, _ change: Scim.GroupChange, at now: Date, by connection: ScimToken) async throws -> Team {
        do {
            return try await store.saveTeam(
                id: id, organizationID: connection.organizationID, creating: creating, change: change, at: now, by: .scim(connection.id))
        } catch StoreError.notFound {
            throw Scim.Failure.notFound("no group \(id)")
        } catch StoreError.conflict {
            throw Scim.Failure.uniqueness("a group named \(change.displayName ?? "so") already exists")
        }
    }

    /// The organization's teams, for the operator (the routes go through `groups`).
    public func teams(organizationID: String) async throws -> [Team] {
        try await store.teams(organizationID: organizationID, name: nil)
    }

    // MARK: Team roles (the operator's `handover admin scim-roles`)

    /// Team name → role, as the organization maps them (names as compared: trimmed, lowercased).
    public func teamRoles(organizationID: String) async throws -> [String: Role] {
        try await store.teamRoleMapping(organizationID: organizationID)
    }

    /// Members of a team named `teamName` get `role` (nil: the team gives no role any more); the
    /// members whose role changed, now. Roles follow teams: see `TeamRoles.role`.
    public func setTeamRole(organizationID: String, teamName: String, role: Role?, by actor: AuditActor) async throws -> [Member] {
        if let problem = Team.nameProblem(teamName) { throw HandoverError.invalid([Problem(path: "team", message: problem)]) }
        guard try await store.organization(id: organizationID) != nil else { throw StoreError.notFound("organization \(organizationID)") }
        return try await store.setTeamRole(organizationID: organizationID, teamName: teamName, role: role, at: clock.now(), by: actor)
    }

    // MARK: Deprovisioning rules (the operator's `handover admin scim-rules`)

    public func deprovisioningRules(organizationID: String) async throws -> [DepartureRule] {
        try await store.deprovisioningRules(organizationID: organizationID)
    }

    /// Replaces the rules a deprovisioning's departure uses (empty: every account to the
    /// manager). Each names a member of the organization who can receive accounts, or a team.
    public func setDeprovisioningRules(organizationID: String, rules: [DepartureRule], by actor: AuditActor) async throws {
        let members = Dictionary(try await store.members(organizationID: organizationID).map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let teams = Set(try await store.teams(organizationID: organizationID, name: nil).map(\.id))
        var problems = DepartureService.ruleProblems(rules, teamIDs: teams)
        // Stored rules are checked harder than a departure's own: nobody reviews a plan before a
        // deprovisioning applies it, so a member who could never receive is refused now.
        for (index, rule) in rules.enumerated() {
            let path = "rules[\(index)]"
            if rule.value.trimmingCharacters(in: .whitespaces).isEmpty { problems.append(Problem(path: path, message: "give a tag or a kind to match")) }
            if rule.match == .kind && AccountKind(rawValue: rule.value) == nil {
                problems.append(Problem(path: path, message: "\(rule.value) is not a kind of account"))
            }
            guard let id = rule.recipientID else { continue }
            if let member = members[id] {
                if !member.isActive || member.role == .auditor {
                    problems.append(Problem(path: path, message: "\(member.name) cannot receive accounts (deactivated or an auditor)"))
                }
            } else {
                problems.append(Problem(path: path, message: "no member \(id) in this organization"))
            }
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try await store.setDeprovisioningRules(organizationID: organizationID, rules: rules, at: clock.now(), by: actor)
    }

    /// Deactivates (sessions, API tokens and the calendar feed revoked in the same transaction),
    /// then hands the member's accounts over now by the organization's deprovisioning rules,
    /// else to their manager, conflicts skipped (and named in the departure).
    /// The key is the deactivation's own instant, so a retried or repeated deprovisioning replays
    /// the departure instead of making a second one; reactivating and deprovisioning again is a new one.
    func deprovision(_ member: Member, by connection: ScimToken) async throws -> (member: Member, departure: DepartureService.Response?) {
        let deactivated = try await store.setMemberDeactivated(
            id: member.id, organizationID: connection.organizationID, deactivated: true, at: clock.now(), by: .scim(connection.id))
        let at = deactivated.deactivatedAt ?? clock.now()
        // Entra disables a user, then deletes them weeks later, after the key's 24 hours: a
        // departure made for this deactivation already is not made again.
        if member.deactivatedAt != nil,
            try await store.departures(memberID: member.id, organizationID: connection.organizationID).contains(where: { $0.createdAt >= at })
        {
            return (deactivated, nil)
        }
        let rules = try await store.deprovisioningRules(organizationID: connection.organizationID)
        let departure = try await departures.applyDeprovisioning(
            leaver: deactivated, rules: rules, idempotencyKey: "scim-deactivate-\(member.id)-\(at.millis)", by: .scim(connection.id))
        return (deactivated, departure)
    }
}
