import Foundation

/// How a departure picks who receives each of the leaver's accounts, first match wins:
/// an explicit mapping, then the rules in order, then (when asked) the least loaded member,
/// then the leaver's manager.
public struct DepartureRecipients: Sendable, Hashable, Codable {
    /// Account id → member id.
    public var mappings: [String: String]
    public var rules: [DepartureRule]
    /// Balance what no mapping or rule decides over these members by current load
    /// (open handovers they receive plus accounts they own; ties by name, then id).
    public var balanceAmong: [String]

    public init(mappings: [String: String] = [:], rules: [DepartureRule] = [], balanceAmong: [String] = []) {
        self.mappings = mappings
        self.rules = rules
        self.balanceAmong = balanceAmong
    }
}

/// "Accounts with this tag (or of this kind) go to this member", or "to this team": then to
/// the team's least loaded member who can receive accounts. A territory is a tag (`emea`,
/// `territory:north`): accounts carry tags already, so a territory needs no new model.
/// Exactly one of `recipientID` and `teamID` (the service refuses a rule with neither or both).
public struct DepartureRule: Sendable, Hashable, Codable {
    public enum Match: String, Sendable, Hashable, Codable, CaseIterable { case tag, kind }
    public var match: Match
    public var value: String
    public var recipientID: String?
    public var teamID: String?

    public init(match: Match, value: String, recipientID: String) {
        self.match = match
        self.value = value
        self.recipientID = recipientID
    }

    public init(match: Match, value: String, teamID: String) {
        self.match = match
        self.value = value
        self.teamID = teamID
    }

    public func matches(_ account: some DepartureAccountFacts) -> Bool {
        switch match {
        case .tag: account.tags.contains { $0.caseInsensitiveCompare(value) == .orderedSame }
        case .kind: account.kind.rawValue == value
        }
    }
}

/// Why a recipient was chosen, said in the plan.
public enum DepartureReason: String, Sendable, Hashable, Codable {
    case mapping, rule, balance, manager
}

/// Something that stops an account (or the whole departure) from being applied as planned.
public struct DepartureConflict: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        case openHandover, inactiveRecipient, noRecipient, leaverIsRecipient, unknownRecipient, auditorRecipient
        /// A scheduled briefing the leaver organizes that nobody active can take over (no applicable
        /// line, no other party, no manager): said rather than left behind silently.
        case briefingNotReassigned
        /// An open handover sent to the leaver that cannot be sent on: they acknowledged it (the
        /// new recipient never did), or nobody active can take it.
        case handoverNotRedirected
    }
    public var kind: Kind
    /// Nil when the conflict concerns the whole departure.
    public var accountID: String?
    public var message: String

    public init(kind: Kind, accountID: String?, message: String) {
        self.kind = kind
        self.accountID = accountID
        self.message = message
    }
}

/// One account of the leaver and where it goes.
public struct DepartureLine: Sendable, Hashable, Codable {
    public var accountID: String
    public var accountName: String
    public var kind: AccountKind
    public var recipientID: String?
    public var reason: DepartureReason?
    public var templateKey: String
    /// Open items in the profile owned by the leaver (by name or email), reassigned in the packet.
    public var openItemsReassigned: Int
    /// Nil when the line can be applied.
    public var conflict: DepartureConflict.Kind?

    public init(
        accountID: String, accountName: String, kind: AccountKind, recipientID: String?, reason: DepartureReason?, templateKey: String,
        openItemsReassigned: Int, conflict: DepartureConflict.Kind?
    ) {
        self.accountID = accountID
        self.accountName = accountName
        self.kind = kind
        self.recipientID = recipientID
        self.reason = reason
        self.templateKey = templateKey
        self.openItemsReassigned = openItemsReassigned
        self.conflict = conflict
    }
}

/// Everything else that points at the leaver, found by the store and planned with the accounts.
public struct DeparturePointers: Sendable, Hashable, Codable {
    /// Scheduled briefings the leaver organizes: the organizer becomes the account's recipient.
    public var briefings: [DeparturePointer]
    /// Active access grants the leaver holds: drawn into the access plan of their account's
    /// handover by the apply (revoke for the leaver, grant for the recipient).
    public var accessGrants: [DeparturePointer]
    /// Sealed secrets no one but the leaver (and the recovery key) can open: flagged, since only
    /// the leaver can re-wrap them before they go.
    public var soleReaderSecrets: [DeparturePointer]
    /// Open handovers sent to the leaver and not yet acknowledged: sent on to someone else
    /// (their state kept), with their pending access-plan grants.
    public var incomingHandovers: [DeparturePointer]

    public init(
        briefings: [DeparturePointer] = [], accessGrants: [DeparturePointer] = [], soleReaderSecrets: [DeparturePointer] = [],
        incomingHandovers: [DeparturePointer] = []
    ) {
        self.briefings = briefings
        self.accessGrants = accessGrants
        self.soleReaderSecrets = soleReaderSecrets
        self.incomingHandovers = incomingHandovers
    }
}

/// An open handover the leaver is to receive, as the store read it for the plan.
public struct DepartureIncoming: Sendable, Hashable {
    public var handoverID: String
    public var accountID: String
    public var accountName: String
    public var transferorID: String
    public var state: HandoverState
    public var version: Int

    public init(handoverID: String, accountID: String, accountName: String, transferorID: String, state: HandoverState, version: Int) {
        self.handoverID = handoverID
        self.accountID = accountID
        self.accountName = accountName
        self.transferorID = transferorID
        self.state = state
        self.version = version
    }

    /// Still waiting on its recipient: it can be sent to another one as it is.
    public var redirectable: Bool { state == .draft || state == .submitted || state == .returned }
}

public struct DeparturePointer: Sendable, Hashable, Codable {
    public var id: String
    public var accountID: String
    public var label: String
    /// Who takes it over: the recipient of its account's line, when there is one.
    public var recipientID: String?

    public init(id: String, accountID: String, label: String, recipientID: String? = nil) {
        self.id = id
        self.accountID = accountID
        self.label = label
        self.recipientID = recipientID
    }
}

/// The whole plan of a departure: nothing in it is written until it is applied.
public struct DeparturePlan: Sendable, Hashable, Codable {
    public var memberID: String
    public var effectiveOn: CalendarDate?
    /// Whole-departure conflicts first, then one per conflicting account, in account order.
    public var conflicts: [DepartureConflict]
    public var lines: [DepartureLine]
    public var pointers: DeparturePointers

    public init(memberID: String, effectiveOn: CalendarDate?, conflicts: [DepartureConflict], lines: [DepartureLine], pointers: DeparturePointers) {
        self.memberID = memberID
        self.effectiveOn = effectiveOn
        self.conflicts = conflicts
        self.lines = lines
        self.pointers = pointers
    }

    /// The lines an apply writes (with `skipConflicts`, the others are left and said).
    public var applicable: [DepartureLine] { lines.filter { $0.conflict == nil } }
}

/// The pure planner: every decision of a departure, from what the store read.
/// What planning a departure reads of an account. The plan of a leaver with 100,000 accounts
/// needs their names, kinds, tags and open items' owners, not 100,000 whole profiles in memory:
/// the store reads those (`DepartureAccount`), and the apply reads the profiles a chunk at a time.
public protocol DepartureAccountFacts {
    var id: String { get }
    var name: String { get }
    var kind: AccountKind { get }
    var tags: [String] { get }
    /// The owner of each open item (nil: nobody named).
    var openItemOwners: [String?] { get }
}

extension Account: DepartureAccountFacts {
    public var tags: [String] { profile.tags }
    public var openItemOwners: [String?] { profile.openItems.map(\.owner) }
}

/// An account as a departure's plan sees it (`DepartureAccountFacts`).
public struct DepartureAccount: DepartureAccountFacts, Sendable, Hashable {
    public var id: String
    public var name: String
    public var kind: AccountKind
    public var tags: [String]
    public var openItemOwners: [String?]

    public init(id: String, name: String, kind: AccountKind, tags: [String], openItemOwners: [String?]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.tags = tags
        self.openItemOwners = openItemOwners
    }
}

public enum DeparturePlanner {
    /// - Parameters:
    ///   - accounts: the leaver's accounts, in the order the plan lists them.
    ///   - members: every member of the organization.
    ///   - openHandoverAccounts: those of `accounts` that already have an open handover.
    ///   - load: per member id, open handovers they receive plus accounts they own.
    ///   - teams: team id → member ids, for rules that name a team.
    ///   - incoming: open handovers sent to the leaver; each goes to the least loaded of
    ///     `balanceAmong`, else the manager (never its own transferor).
    public static func plan(
        leaver: Member, effectiveOn: CalendarDate?, accounts: [some DepartureAccountFacts], members: [Member], openHandoverAccounts: Set<String>,
        load: [String: Int], recipients: DepartureRecipients, pointers: DeparturePointers = DeparturePointers(),
        briefingOtherParties: [String: String] = [:], teams: [String: [String]] = [:], incoming: [DepartureIncoming] = []
    ) -> DeparturePlan {
        let byID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var conflicts: [DepartureConflict] = []
        var lines: [DepartureLine] = []
        lines.reserveCapacity(accounts.count)
        // Balancing takes the load it adds into account, so 100 accounts spread over 4 members
        // go 25 each rather than all to whoever was lightest at the start.
        var load = load
        func canReceive(_ member: Member) -> Bool { member.isActive && member.id != leaver.id && member.role != .auditor }
        func leastLoaded(_ pool: [Member]) -> Member? { Self.leastLoaded(pool, load: load) }
        let pool = recipients.balanceAmong.compactMap { byID[$0] }.filter(canReceive)
        let teamPools = teams.mapValues { $0.compactMap { byID[$0] }.filter(canReceive) }
        let manager = leaver.managerID.flatMap { byID[$0] }
        let leaverNames = Set([leaver.name.lowercased(), Member.normalizedEmail(leaver.email)])
        for account in accounts {
            var recipientID: String?
            var reason: DepartureReason?
            var emptyTeam = false
            if let mapped = recipients.mappings[account.id] {
                (recipientID, reason) = (mapped, .mapping)
            } else if let rule = recipients.rules.first(where: { $0.matches(account) }) {
                if let teamID = rule.teamID {
                    // The team's least loaded member who can receive it; none is a conflict,
                    // not a silent fall through to the manager (the rule said this team).
                    recipientID = leastLoaded(teamPools[teamID] ?? [])?.id
                    emptyTeam = recipientID == nil
                } else {
                    recipientID = rule.recipientID
                }
                reason = .rule
            } else if let least = leastLoaded(pool) {
                (recipientID, reason) = (least.id, .balance)
            } else if let manager {
                (recipientID, reason) = (manager.id, .manager)
            }
            var conflict: DepartureConflict.Kind?
            var message = ""
            if openHandoverAccounts.contains(account.id) {
                conflict = .openHandover
                message = "\(account.name) already has an open handover: finish or cancel it, or skip this account"
            } else if let id = recipientID {
                if id == leaver.id {
                    conflict = .leaverIsRecipient
                    message = "\(account.name) would go to the leaver themself"
                } else if let recipient = byID[id] {
                    if !recipient.isActive {
                        conflict = .inactiveRecipient
                        message = "\(account.name) would go to \(recipient.name), who is deactivated"
                    } else if recipient.role == .auditor {
                        conflict = .auditorRecipient
                        message = "\(account.name) would go to \(recipient.name), an auditor, who cannot receive accounts"
                    }
                } else {
                    conflict = .unknownRecipient
                    message = "\(account.name) would go to member \(id), who is not in this organization"
                }
            } else if emptyTeam {
                conflict = .noRecipient
                message = "\(account.name): its rule names a team with nobody active who can receive accounts"
            } else {
                conflict = .noRecipient
                message = "\(account.name): no mapping or rule matches and \(leaver.name) has no manager"
            }
            if let conflict {
                conflicts.append(DepartureConflict(kind: conflict, accountID: account.id, message: message))
            } else if let recipientID {
                load[recipientID, default: 0] += 1
            }
            let owned = account.openItemOwners.filter { owner in owner.map { leaverNames.contains($0.lowercased()) } ?? false }.count
            lines.append(
                DepartureLine(
                    accountID: account.id, accountName: account.name, kind: account.kind, recipientID: recipientID, reason: reason,
                    templateKey: TemplateLibrary.defaultKey(for: account.kind), openItemsReassigned: owned, conflict: conflict))
        }
        let recipientByAccount = Dictionary(
            lines.compactMap { line in line.conflict == nil ? line.recipientID.map { (line.accountID, $0) } : nil }, uniquingKeysWith: { a, _ in a })
        var pointers = pointers
        // Handovers sent to the leaver first: a briefing on one goes to its new recipient.
        var redirectedTo: [String: String] = [:]
        for handover in incoming {
            let transferor = byID[handover.transferorID]?.name ?? "another member"
            var pointer = DeparturePointer(
                id: handover.handoverID, accountID: handover.accountID, label: "\(handover.accountName), from \(transferor) (\(handover.state.rawValue))")
            if handover.redirectable {
                let candidates = pool.filter { $0.id != handover.transferorID }
                pointer.recipientID =
                    leastLoaded(candidates)?.id ?? manager.flatMap { canReceive($0) && $0.id != handover.transferorID ? $0.id : nil }
            }
            if let id = pointer.recipientID {
                load[id, default: 0] += 1
                redirectedTo[handover.accountID] = id
            } else {
                let why =
                    handover.redirectable
                    ? "nobody active but \(transferor) can take it (no balance list, and no manager who can)"
                    : "\(leaver.name) acknowledged it, so it cannot go to someone who has not: complete it before they go"
                conflicts.append(
                    DepartureConflict(
                        kind: .handoverNotRedirected, accountID: handover.accountID,
                        message: "the handover of \(handover.accountName) from \(transferor) would stay with \(leaver.name): \(why); or skip it"))
            }
            pointers.incomingHandovers.append(pointer)
        }
        let names = Dictionary(accounts.map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        for index in pointers.briefings.indices {
            let briefing = pointers.briefings[index]
            // The account's recipient, or its handover's new recipient when that handover was sent
            // to the leaver; else the other party of the briefing's handover (the usual case: a
            // briefing is on an open handover, whose account's line conflicts); else the manager.
            let candidates = [recipientByAccount[briefing.accountID] ?? redirectedTo[briefing.accountID], briefingOtherParties[briefing.id], manager?.id]
            pointers.briefings[index].recipientID = candidates.compactMap { $0 }.first { id in
                byID[id].map { $0.isActive && $0.id != leaver.id && $0.role != .auditor } ?? false
            }
            if pointers.briefings[index].recipientID == nil {
                let account = names[briefing.accountID].map { "\($0)'s" } ?? "another member's account's"
                conflicts.append(
                    DepartureConflict(
                        kind: .briefingNotReassigned, accountID: briefing.accountID,
                        message:
                            "the \(briefing.label) on \(account) handover would stay organized by \(leaver.name): nobody active can take it over; cancel it, or skip it"))
            }
        }
        for index in pointers.accessGrants.indices { pointers.accessGrants[index].recipientID = recipientByAccount[pointers.accessGrants[index].accountID] }
        for index in pointers.soleReaderSecrets.indices {
            pointers.soleReaderSecrets[index].recipientID = recipientByAccount[pointers.soleReaderSecrets[index].accountID]
        }
        return DeparturePlan(memberID: leaver.id, effectiveOn: effectiveOn, conflicts: conflicts, lines: lines, pointers: pointers)
    }

    /// Who of `pool` has the least load (accounts owned plus open handovers received, as the
    /// caller counts it); ties by name, then id. Departures and realignments balance by it.
    public static func leastLoaded(_ pool: [Member], load: [String: Int]) -> Member? {
        pool.min { a, b in
            let (la, lb) = (load[a.id, default: 0], load[b.id, default: 0])
            return la != lb ? la < lb : (a.name != b.name ? a.name < b.name : a.id < b.id)
        }
    }

    /// The packet a departure's handover starts with: what the account's profile already knows,
    /// in the fields of its template, with the leaver's open items given to the recipient.
    public static func prefill(account: Account, templateKey: String, leaver: Member, recipientName: String) -> HandoverContent {
        PacketPrefill.build(templateKey: templateKey, account: account, leaver: leaver, recipientName: recipientName).content
    }
}

/// What a client asks: who leaves, when, and how recipients are chosen.
public struct DepartureRequest: Sendable, Hashable, Codable {
    public var memberID: String
    /// Nil or today: now. A later day: stored and applied on that day by a job.
    public var effectiveOn: CalendarDate?
    public var mappings: [DepartureMapping]
    public var rules: [DepartureRule]
    /// Member ids to balance over by load, after mappings and rules.
    public var balanceAmong: [String]
    /// Apply what can be applied and skip (and name) the conflicting accounts; without it an
    /// apply with conflicts is refused with 409.
    public var skipConflicts: Bool
    /// Deactivate the leaver in the apply's transaction (admins only): sign-in ends and their
    /// sessions and tokens are revoked the moment their accounts go, on the day when dated.
    public var deactivate: Bool

    public init(
        memberID: String, effectiveOn: CalendarDate? = nil, mappings: [DepartureMapping] = [], rules: [DepartureRule] = [], balanceAmong: [String] = [],
        skipConflicts: Bool = false, deactivate: Bool = false
    ) {
        self.memberID = memberID
        self.effectiveOn = effectiveOn
        self.mappings = mappings
        self.rules = rules
        self.balanceAmong = balanceAmong
        self.skipConflicts = skipConflicts
        self.deactivate = deactivate
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        memberID = try c.decode(String.self, forKey: .memberID)
        effectiveOn = try c.decodeIfPresent(CalendarDate.self, forKey: .effectiveOn)
        mappings = try c.decodeIfPresent([DepartureMapping].self, forKey: .mappings) ?? []
        rules = try c.decodeIfPresent([DepartureRule].self, forKey: .rules) ?? []
        balanceAmong = try c.decodeIfPresent([String].self, forKey: .balanceAmong) ?? []
        skipConflicts = try c.decodeIfPresent(Bool.self, forKey: .skipConflicts) ?? false
        deactivate = try c.decodeIfPresent(Bool.self, forKey: .deactivate) ?? false
    }

    public var recipients: DepartureRecipients {
        DepartureRecipients(
            mappings: Dictionary(mappings.map { ($0.accountID, $0.recipientID) }, uniquingKeysWith: { first, _ in first }), rules: rules,
            balanceAmong: balanceAmong)
    }
}

public struct DepartureMapping: Sendable, Hashable, Codable {
    public var accountID: String
    public var recipientID: String

    public init(accountID: String, recipientID: String) {
        self.accountID = accountID
        self.recipientID = recipientID
    }
}

/// What an apply did (or, future-dated, will do): the response, replayed for its idempotency key.
public struct DepartureSummary: Sendable, Hashable, Codable {
    public var id: String
    public var memberID: String
    public var effectiveOn: CalendarDate?
    /// `scheduled`, `applied`, `cancelled` or `failed`.
    public var state: String
    public var handoversCreated: Int
    public var briefingsReassigned: Int
    /// Accounts skipped for a conflict (with `skipConflicts`).
    public var skipped: [DepartureConflict]
    /// Listed for people to act on: access grants for the access plans, secrets only the leaver can open.
    public var accessGrantsListed: Int
    public var soleReaderSecrets: Int
    /// Open handovers sent to the leaver, sent on to someone else.
    public var handoversRedirected: Int
    /// The leaver was deactivated by the apply (the request asked for it).
    public var leaverDeactivated: Bool
    public var createdAt: Date
    public var appliedAt: Date?
    /// Why a scheduled departure failed on its day (state `failed`).
    public var failureReason: String?

    public init(
        id: String, memberID: String, effectiveOn: CalendarDate?, state: String, handoversCreated: Int, briefingsReassigned: Int, skipped: [DepartureConflict],
        accessGrantsListed: Int, soleReaderSecrets: Int, handoversRedirected: Int = 0, leaverDeactivated: Bool = false, createdAt: Date, appliedAt: Date?,
        failureReason: String? = nil
    ) {
        self.id = id
        self.memberID = memberID
        self.effectiveOn = effectiveOn
        self.state = state
        self.handoversCreated = handoversCreated
        self.briefingsReassigned = briefingsReassigned
        self.skipped = skipped
        self.accessGrantsListed = accessGrantsListed
        self.soleReaderSecrets = soleReaderSecrets
        self.handoversRedirected = handoversRedirected
        self.leaverDeactivated = leaverDeactivated
        self.createdAt = createdAt
        self.appliedAt = appliedAt
        self.failureReason = failureReason
    }
    /// Summaries stored before `handoversRedirected` and `leaverDeactivated` existed read as 0
    /// and false.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            id: try c.decode(String.self, forKey: .id), memberID: try c.decode(String.self, forKey: .memberID),
            effectiveOn: try c.decodeIfPresent(CalendarDate.self, forKey: .effectiveOn), state: try c.decode(String.self, forKey: .state),
            handoversCreated: try c.decode(Int.self, forKey: .handoversCreated), briefingsReassigned: try c.decode(Int.self, forKey: .briefingsReassigned),
            skipped: try c.decode([DepartureConflict].self, forKey: .skipped), accessGrantsListed: try c.decode(Int.self, forKey: .accessGrantsListed),
            soleReaderSecrets: try c.decode(Int.self, forKey: .soleReaderSecrets),
            handoversRedirected: try c.decodeIfPresent(Int.self, forKey: .handoversRedirected) ?? 0,
            leaverDeactivated: try c.decodeIfPresent(Bool.self, forKey: .leaverDeactivated) ?? false, createdAt: try c.decode(Date.self, forKey: .createdAt),
            appliedAt: try c.decodeIfPresent(Date.self, forKey: .appliedAt), failureReason: try c.decodeIfPresent(String.self, forKey: .failureReason))
    }
}

extension WebhookEvent {
    /// `departure.applied`: emitted in the apply's transaction (for a scheduled departure, on the
    /// day it applies). Counts only: the accounts and recipients are in the handovers.
    public static func departureApplied(
        id: String, organizationID: String, memberID: String, handovers: Int, skipped: Int, effectiveOn: CalendarDate?, at: Date
    ) -> WebhookEvent {
        var data = ["departure": id, "member": memberID, "handoversCreated": String(handovers), "skipped": String(skipped)]
        if let effectiveOn { data["effectiveOn"] = effectiveOn.description }
        return WebhookEvent(organizationID: organizationID, type: "departure.applied", timestamp: at, data: data)
    }
}
