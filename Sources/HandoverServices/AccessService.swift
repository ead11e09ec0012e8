import Foundation
import HandoverCore
import HandoverStore

/// The access inventory of each account, each handover's access plan drawn from it, and the report
/// of members whose access to an account ended but who still hold a grant on it.
///
/// Decisions the issue left open, and why:
/// - The plan is drawn on an explicit action ("draw the plan"), not when the handover is created:
///   grants are often recorded while the handover is being written, and drawing again adds lines
///   only for grants the plan does not mention yet, so it never undoes what the transferor dropped
///   or what was settled.
/// - A revoke line names the grant it revokes (drawn lines always do; an added one must), so a
///   confirmation revokes exactly that grant, never a lookalike.
/// - Under the template's gate (`rules.accessPlanGate`), completion waits for every line to be
///   confirmed or declined and for every active grant of the transferor on the account to be in a
///   revoke line: dropping a revoke line does not get round the gate; declining it, with a reason,
///   does, and the grant then shows in the lingering report.
/// - The lingering report is read by every member of the organization: it joins what each of them
///   may already read (accounts' inventories, owners over time).
public struct AccessService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    let ids: IDMaker

    // MARK: The inventory

    /// An account's grants (every member of its organization reads them, as they read the account).
    public func grants(accountID: String, state: AccessGrantState = .all, by actor: Member) async throws -> [AccessGrant] {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        return try await store.accessGrants(accountID: account.id, organizationID: actor.organizationID, state: state)
    }

    public func grant(id: String, by actor: Member) async throws -> AccessGrant {
        guard let grant = try await store.accessGrant(id: id, organizationID: actor.organizationID) else { throw StoreError.notFound("access grant \(id)") }
        return grant
    }

    /// Records that `holderID` (a member) or `holderName` (someone outside the organization) holds
    /// `role` on `system`, since `grantedOn` (today when absent).
    public func addGrant(
        accountID: String, system: String, role: String, holderID: String?, holderName: String?, grantedOn: CalendarDate?, note: String?, by actor: Member
    ) async throws -> AccessGrant {
        let account = try await steerable(accountID, action: "add to the access inventory of", by: actor)
        var problems = AccessGrant.problems(system: system, role: role, holderName: holderName, note: note)
        var holder: Member?
        switch (holderID, holderName) {
        case (let id?, nil):
            holder = try await store.member(id: id, organizationID: actor.organizationID)
            if holder == nil { problems.append(Problem(path: "holderID", message: "no member with this id in your organization")) }
        case (nil, _?): break
        default: problems.append(Problem(path: "holderID", message: "name the holder: a member's id, or a holderName for someone outside the organization"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("system", system), ("role", role), ("holderName", holderName), ("note", note)]))
        let now = clock.now()
        let grant = AccessGrant(
            id: ids.next(at: now), organizationID: actor.organizationID, accountID: account.id, system: Self.trim(system), role: Self.trim(role),
            holderID: holder?.id, holderName: holder?.name ?? Self.trim(holderName ?? ""), grantedOn: grantedOn ?? CalendarDate(now),
            note: Self.trim(note ?? ""), createdBy: actor.id, createdAt: now, updatedAt: now)
        try await store.createAccessGrant(grant)
        return grant
    }

    /// Changes an active grant's words (not its holder: a grant to someone else is another grant).
    public func editGrant(
        id: String, system: String?, role: String?, grantedOn: CalendarDate?, note: String?, expectedVersion: Int?, by actor: Member
    ) async throws -> AccessGrant {
        var grant = try await grant(id: id, by: actor)
        _ = try await steerable(grant.accountID, action: "edit the access inventory of", by: actor)
        guard grant.isActive else { throw HandoverError.conflict("This grant was revoked on \(grant.revokedOn?.description ?? "?"); a revoked grant is not edited.") }
        if let expectedVersion, expectedVersion != grant.version {
            throw StoreError.stale("access grant \(id) is at version \(grant.version), not \(expectedVersion)")
        }
        let problems = AccessGrant.problems(system: system, role: role, note: note)
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("system", system), ("role", role), ("note", note)]))
        let read = grant.version
        if let system { grant.system = Self.trim(system) }
        if let role { grant.role = Self.trim(role) }
        if let grantedOn { grant.grantedOn = grantedOn }
        if let note { grant.note = Self.trim(note) }
        grant.version += 1
        grant.updatedAt = clock.now()
        try await store.updateAccessGrant(grant, expectedVersion: read, by: AuditActor(member: actor.id))
        return grant
    }

    /// Marks a grant revoked on `revokedOn` (today when absent), with what shows it.
    public func revokeGrant(id: String, revokedOn: CalendarDate?, evidence: String?, by actor: Member) async throws -> AccessGrant {
        let grant = try await grant(id: id, by: actor)
        _ = try await steerable(grant.accountID, action: "revoke grants of", by: actor)
        if let evidence, evidence.unicodeScalars.count > AccessGrant.maxNoteLength {
            throw HandoverError.invalid([Problem(path: "evidence", message: "is longer than \(AccessGrant.maxNoteLength) characters")])
        }
        try CredentialGuard.refuse(CredentialScan.findings([("evidence", evidence)]))
        let now = clock.now()
        return try await store.revokeAccessGrant(
            id: grant.id, organizationID: actor.organizationID, on: revokedOn ?? CalendarDate(now), evidence: evidence.map(Self.trim)?.nilIfBlank, at: now,
            by: AuditActor(member: actor.id))
    }

    func steerable(_ accountID: String, action: String, by actor: Member) async throws -> Account {
        let account = try await handovers.accounts.account(id: accountID, by: actor)
        guard let owner = try await store.member(id: account.ownerID, organizationID: actor.organizationID),
            Access.canChangeAccessGrants(of: account, owner: owner, actor: actor)
        else {
            throw HandoverError.notPermitted(action: "\(action) \(account.name)", reason: "only its owner, the owner's manager or an admin do")
        }
        return account
    }

    // MARK: The access plan

    /// A handover's plan as one moment sees it.
    public struct Plan: Sendable {
        public var handover: Handover
        /// The template gates completion on it.
        public var gate: Bool
        public var lines: [AccessPlanLine]
        /// What the gate would refuse completion for now (computed with or without the gate).
        public var open: [Problem]
    }

    /// The plan of a handover the caller may see (404 otherwise, like the handover).
    public func plan(handoverID: String, by actor: Member) async throws -> Plan {
        let (handover, _) = try await handovers.handover(id: handoverID, by: actor)
        return try await plan(of: handover)
    }

    func plan(of handover: Handover) async throws -> Plan {
        let template = try await handovers.templates.template(key: handover.templateKey, version: handover.templateVersion, organizationID: handover.organizationID)
        return Plan(
            handover: handover, gate: template.rules.accessPlanGate == true,
            lines: try await store.accessPlan(handoverID: handover.id, organizationID: handover.organizationID),
            open: try await store.openAccessPlan(handover: handover))
    }

    /// Draws the plan from the inventory: for each active grant the transferor holds on the
    /// account that no line mentions yet, a revoke line and a matching grant line for the recipient.
    public func draw(handoverID: String, by actor: Member) async throws -> Plan {
        let (handover, parties) = try await editablePlan(handoverID, by: actor)
        let existing = try await store.accessPlan(handoverID: handover.id, organizationID: handover.organizationID)
        let mentioned = Set(existing.compactMap(\.grantID))
        let grants = try await store.accessGrants(accountID: handover.accountID, organizationID: handover.organizationID, state: .active)
            .filter { $0.holderID == handover.transferorID && !mentioned.contains($0.id) }
        let now = clock.now()
        var lines: [AccessPlanLine] = []
        for grant in grants {
            for (kind, member) in [(AccessPlanLine.Kind.revoke, parties.transferor), (.grant, parties.recipient)] {
                lines.append(
                    AccessPlanLine(
                        id: ids.next(at: now), handoverID: handover.id, organizationID: handover.organizationID, kind: kind, system: grant.system, role: grant.role,
                        memberID: member.id, memberName: member.name, grantID: grant.id, position: 0, createdAt: now))
            }
        }
        _ = try await store.addAccessPlanLines(lines, at: now, by: AuditActor(member: actor.id))
        return try await plan(of: handover)
    }

    /// Adds a line by hand: a grant of `role` on `system` to `memberID` (the recipient when absent),
    /// or the revocation of the grant `grantID` (an active grant on the account).
    public func addLine(
        handoverID: String, kind: AccessPlanLine.Kind, system: String?, role: String?, memberID: String?, grantID: String?, by actor: Member
    ) async throws -> AccessPlanLine {
        let (handover, _) = try await editablePlan(handoverID, by: actor)
        let now = clock.now()
        var line = AccessPlanLine(
            id: ids.next(at: now), handoverID: handover.id, organizationID: handover.organizationID, kind: kind, system: "", role: "", memberID: "", position: 0,
            createdAt: now)
        switch kind {
        case .revoke:
            guard let grantID else { throw HandoverError.invalid([Problem(path: "grantID", message: "name the grant to revoke (see the account's access grants)")]) }
            guard let grant = try await store.accessGrant(id: grantID, organizationID: actor.organizationID), grant.accountID == handover.accountID, grant.isActive,
                let holderID = grant.holderID
            else { throw HandoverError.invalid([Problem(path: "grantID", message: "must be an active grant of a member on this handover's account")]) }
            (line.system, line.role, line.memberID, line.grantID, line.memberName) = (grant.system, grant.role, holderID, grant.id, grant.holderName)
        case .grant:
            var problems = AccessGrant.problems(system: system ?? "", role: role ?? "", note: nil)
            let member = try await store.member(id: memberID ?? handover.recipientID, organizationID: actor.organizationID)
            if member == nil { problems.append(Problem(path: "memberID", message: "no member with this id in your organization")) }
            if grantID != nil { problems.append(Problem(path: "grantID", message: "a grant line makes a new grant; name none")) }
            if !problems.isEmpty { throw HandoverError.invalid(problems) }
            try CredentialGuard.refuse(CredentialScan.findings([("system", system), ("role", role)]))
            (line.system, line.role, line.memberID, line.memberName) = (Self.trim(system ?? ""), Self.trim(role ?? ""), member!.id, member!.name)
        }
        guard let added = try await store.addAccessPlanLines([line], at: now, by: AuditActor(member: actor.id)).first else {
            throw HandoverError.conflict("The plan already revokes that grant.")
        }
        return added
    }

    /// Drops a pending line while the handover is open.
    public func dropLine(handoverID: String, lineID: String, by actor: Member) async throws {
        let (handover, _) = try await editablePlan(handoverID, by: actor)
        try await store.dropAccessPlanLine(
            id: lineID, handoverID: handover.id, organizationID: handover.organizationID, at: clock.now(), by: AuditActor(member: actor.id))
    }

    /// Confirms a line with its evidence, applying it to the inventory in the same transaction, or
    /// declines it with a reason. Each line is settled once.
    public func settleLine(
        handoverID: String, lineID: String, status: AccessPlanLine.Status, evidence: String?, reason: String?, by actor: Member
    ) async throws -> AccessPlanLine {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        guard Access.canSettleAccessLine(handover, parties: parties, actor: actor) else {
            throw HandoverError.notPermitted(
                action: "confirm or decline access plan lines",
                reason: handover.state == .cancelled ? "the handover was cancelled" : "only its parties, their managers and admins do")
        }
        var problems: [Problem] = []
        let evidence = evidence.map(Self.trim)?.nilIfBlank, reason = reason.map(Self.trim)?.nilIfBlank
        switch status {
        case .pending: problems.append(Problem(path: "status", message: "must be confirmed or declined"))
        case .declined where reason == nil: problems.append(Problem(path: "reason", message: "say why the line is declined"))
        default: break
        }
        for (path, text) in [("evidence", evidence), ("reason", reason)] where (text?.unicodeScalars.count ?? 0) > AccessGrant.maxNoteLength {
            problems.append(Problem(path: path, message: "is longer than \(AccessGrant.maxNoteLength) characters"))
        }
        if !problems.isEmpty { throw HandoverError.invalid(problems) }
        try CredentialGuard.refuse(CredentialScan.findings([("evidence", evidence), ("reason", reason)]))
        let now = clock.now()
        var newGrant: AccessGrant?
        if status == .confirmed,
            let line = try await store.accessPlan(handoverID: handover.id, organizationID: handover.organizationID).first(where: { $0.id == lineID }),
            line.kind == .grant
        {
            newGrant = AccessGrant(
                id: ids.next(at: now), organizationID: handover.organizationID, accountID: handover.accountID, system: line.system, role: line.role,
                holderID: line.memberID, holderName: line.memberName, grantedOn: CalendarDate(now), note: evidence ?? "", handoverID: handover.id, createdBy: actor.id,
                createdAt: now, updatedAt: now)
        }
        return try await store.settleAccessPlanLine(
            id: lineID, handoverID: handover.id, organizationID: handover.organizationID, status: status, evidence: evidence, reason: reason, newGrant: newGrant,
            at: now, by: AuditActor(member: actor.id))
    }

    func editablePlan(_ handoverID: String, by actor: Member) async throws -> (Handover, Parties) {
        let (handover, parties) = try await handovers.handover(id: handoverID, by: actor)
        guard Access.canEditAccessPlan(handover, parties: parties, actor: actor) else {
            if !handover.state.isOpen { throw HandoverError.invalidTransition(from: handover.state, event: "change its access plan") }
            throw HandoverError.notPermitted(action: "change the access plan", reason: "only the transferor, their manager or an admin do")
        }
        return (handover, parties)
    }

    // MARK: Lingering access

    /// The report as of one moment, which decides each line's days.
    public struct LingeringReport: Sendable {
        public var asOf: Date
        /// Oldest end of access first.
        public var items: [LingeringAccess]

        public init(asOf: Date, items: [LingeringAccess]) {
            self.asOf = asOf
            self.items = items
        }
    }

    /// Members whose access to an account ended (they handed it over; departures will add those who
    /// left) and who still hold an active grant on it, oldest first; for one account or one member.
    public func lingering(accountID: String? = nil, memberID: String? = nil, by actor: Member) async throws -> LingeringReport {
        if let accountID { _ = try await handovers.accounts.account(id: accountID, by: actor) }
        if let memberID, try await store.member(id: memberID, organizationID: actor.organizationID) == nil { throw StoreError.notFound("member \(memberID)") }
        let now = clock.now()
        return LingeringReport(asOf: now, items: try await store.lingeringAccess(organizationID: actor.organizationID, accountID: accountID, memberID: memberID))
    }

    static func trim(_ text: String) -> String { text.trimmingCharacters(in: .whitespacesAndNewlines) }
}

extension String {
    fileprivate var nilIfBlank: String? { isEmpty ? nil : self }
}
