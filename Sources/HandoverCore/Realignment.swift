import Foundation

/// "These accounts change hands": a territory redrawn, a team restructured. From a CSV
/// (account, new owner, optional note and template) or from rules over the organization's
/// accounts; one draft handover per account that moves, from its current owner to the new one,
/// planned as a whole and applied in one transaction (Docs/Departures.md, "Realignment").
public struct RealignmentRequest: Sendable, Hashable, Codable {
    /// The CSV text: a header row naming `account` and `new_owner` (optionally `note`,
    /// `template`), then a row per account. An account is its id or its exact name; an owner is
    /// their email or member id.
    public var csv: String?
    /// Or rules (tag or kind → member or team), first match wins, over the accounts owned by
    /// `owners` (every account of the organization when empty).
    public var rules: [DepartureRule]
    public var owners: [String]
    /// Apply the rest and skip (and name) the accounts with a conflict; without it an apply with
    /// conflicts is refused.
    public var skipConflicts: Bool

    public init(csv: String? = nil, rules: [DepartureRule] = [], owners: [String] = [], skipConflicts: Bool = false) {
        self.csv = csv
        self.rules = rules
        self.owners = owners
        self.skipConflicts = skipConflicts
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        csv = try c.decodeIfPresent(String.self, forKey: .csv)
        rules = try c.decodeIfPresent([DepartureRule].self, forKey: .rules) ?? []
        owners = try c.decodeIfPresent([String].self, forKey: .owners) ?? []
        skipConflicts = try c.decodeIfPresent(Bool.self, forKey: .skipConflicts) ?? false
    }
}

/// What planning a realignment reads of an account: the planner's facts and who owns it now.
public struct RealignmentAccount: DepartureAccountFacts, Sendable, Hashable {
    public var id: String
    public var name: String
    public var kind: AccountKind
    public var ownerID: String
    public var tags: [String]
    public var openItemOwners: [String?]

    public init(id: String, name: String, kind: AccountKind, ownerID: String, tags: [String], openItemOwners: [String?]) {
        self.id = id
        self.name = name
        self.kind = kind
        self.ownerID = ownerID
        self.tags = tags
        self.openItemOwners = openItemOwners
    }
}

/// One account that moves.
public struct RealignmentLine: Sendable, Hashable, Codable {
    /// The CSV line it came from (nil for rules).
    public var line: Int?
    public var accountID: String
    public var accountName: String
    public var kind: AccountKind
    public var fromID: String
    public var toID: String
    public var templateKey: String
    /// For the new owner, on the handover's `create` event.
    public var note: String?
    /// Open items in the profile owned by the current owner, given to the new owner in the packet.
    public var openItemsReassigned: Int
    public var conflict: DepartureConflict.Kind?

    public init(
        line: Int?, accountID: String, accountName: String, kind: AccountKind, fromID: String, toID: String, templateKey: String, note: String?,
        openItemsReassigned: Int, conflict: DepartureConflict.Kind?
    ) {
        self.line = line
        self.accountID = accountID
        self.accountName = accountName
        self.kind = kind
        self.fromID = fromID
        self.toID = toID
        self.templateKey = templateKey
        self.note = note
        self.openItemsReassigned = openItemsReassigned
        self.conflict = conflict
    }
}

public struct RealignmentPlan: Sendable, Hashable, Codable {
    /// One per conflicting account (an open handover already, to someone else; a team with
    /// nobody to take it), in line order.
    public var conflicts: [DepartureConflict]
    public var lines: [RealignmentLine]
    /// Accounts named (or matched) that their new owner already owns, or that an open handover
    /// is taking to them already: nothing to do.
    public var unchanged: Int

    public init(conflicts: [DepartureConflict], lines: [RealignmentLine], unchanged: Int) {
        self.conflicts = conflicts
        self.lines = lines
        self.unchanged = unchanged
    }

    public var applicable: [RealignmentLine] { lines.filter { $0.conflict == nil } }
}

/// What an apply did: the response, replayed for its idempotency key.
public struct RealignmentSummary: Sendable, Hashable, Codable {
    public var id: String
    /// `csv` or `rules`.
    public var source: String
    public var state: String
    public var handoversCreated: Int
    public var unchanged: Int
    public var skipped: [DepartureConflict]
    public var createdBy: String
    public var createdAt: Date
    public var appliedAt: Date?

    public init(
        id: String, source: String, state: String, handoversCreated: Int, unchanged: Int, skipped: [DepartureConflict], createdBy: String, createdAt: Date,
        appliedAt: Date?
    ) {
        self.id = id
        self.source = source
        self.state = state
        self.handoversCreated = handoversCreated
        self.unchanged = unchanged
        self.skipped = skipped
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.appliedAt = appliedAt
    }
}

/// The pure planner. Bad rows are problems with their line number (`line 7`), all of them,
/// and any one refuses the whole request; conflicts are about the accounts' state now and
/// may be skipped.
public enum RealignmentPlanner {
    /// The CSV's columns, by their header (case, spaces, `_` and `-` ignored).
    static let columnNames: [String: Column] = [
        "account": .account, "accountid": .account, "accountname": .account, "newowner": .newOwner, "owner": .newOwner, "to": .newOwner,
        "note": .note, "notes": .note, "template": .template, "templatekey": .template,
    ]
    enum Column { case account, newOwner, note, template }
    /// At most this many rows in one CSV (a realignment of more goes in several files).
    public static let maxRows = 100_000
    public static let maxNoteLength = 2_000

    /// Who may move an account: an admin any; a manager those they or their direct reports own.
    public static func mayMove(_ account: RealignmentAccount, actor: Member, members: [String: Member]) -> Bool {
        actor.role == .admin || (actor.role == .manager && (account.ownerID == actor.id || members[account.ownerID]?.managerID == actor.id))
    }

    static func canReceive(_ member: Member) -> Bool { member.isActive && member.role != .auditor }

    /// - Parameters:
    ///   - templates: the organization's template keys (a row's `template` must be one).
    public static func fromCSV(
        _ text: String, actor: Member, accounts: [RealignmentAccount], members: [Member], templates: Set<String>, openHandovers: [String: String]
    ) -> (plan: RealignmentPlan, problems: [Problem]) {
        var problems: [Problem] = []
        func bad(_ line: Int, _ message: String) { problems.append(Problem(path: "line \(line)", message: message)) }
        let (records, malformed) = CSVRecords.parse(text)
        for item in malformed { bad(item.line, item.message) }
        // A malformed header line: the next row would be taken for the header and every column
        // named wrongly; say the header is the problem instead.
        if let first = malformed.first, first.line < (records.first?.line ?? .max) {
            problems.append(Problem(path: "line \(first.line)", message: "the header row is malformed; fix it first"))
            return (RealignmentPlan(conflicts: [], lines: [], unchanged: 0), problems)
        }
        guard let header = records.first else {
            if malformed.isEmpty {
                problems.append(Problem(path: "csv", message: "the CSV is empty: give a header row (account,new_owner,note,template) and a row per account"))
            }
            return (RealignmentPlan(conflicts: [], lines: [], unchanged: 0), problems)
        }
        var columns: [Column: Int] = [:]
        for (index, name) in header.fields.enumerated() {
            let key = name.lowercased().filter { $0.isLetter }
            guard let column = columnNames[key] else {
                bad(header.line, "unknown column \"\(name)\": the columns are account, new_owner, note and template")
                continue
            }
            if columns[column] != nil { bad(header.line, "the column \"\(name)\" is given twice") }
            columns[column] = index
        }
        guard let accountColumn = columns[.account], let ownerColumn = columns[.newOwner] else {
            bad(header.line, "the header must name an account column and a new_owner column (got: \(header.fields.joined(separator: ",")))")
            return (RealignmentPlan(conflicts: [], lines: [], unchanged: 0), problems)
        }
        if records.count - 1 > maxRows {
            problems.append(Problem(path: "csv", message: "\(records.count - 1) rows: at most \(maxRows) in one realignment; split the file"))
            return (RealignmentPlan(conflicts: [], lines: [], unchanged: 0), problems)
        }
        let byID = Dictionary(accounts.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let byName = Dictionary(grouping: accounts, by: { $0.name.lowercased() })
        let membersByID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let membersByEmail = Dictionary(members.map { (Member.normalizedEmail($0.email), $0) }, uniquingKeysWith: { a, _ in a })
        var seen: [String: Int] = [:]
        var lines: [RealignmentLine] = []
        var conflicts: [DepartureConflict] = []
        var unchanged = 0
        for record in records.dropFirst() {
            let fields = record.fields
            guard fields.count == header.fields.count else {
                bad(record.line, "\(fields.count) field(s) where the header has \(header.fields.count); quote a field that holds a comma")
                continue
            }
            func value(_ column: Column) -> String? {
                columns[column].map { fields[$0].trimmingCharacters(in: .whitespacesAndNewlines) }.flatMap { $0.isEmpty ? nil : $0 }
            }
            guard let accountText = value(.account) else {
                bad(record.line, "no account: give its id or its name")
                continue
            }
            guard let ownerText = value(.newOwner) else {
                bad(record.line, "no new owner for \(accountText): give their email or member id")
                continue
            }
            var account = byID[accountText]
            if account == nil, let named = byName[accountText.lowercased()] {
                if named.count > 1 {
                    bad(record.line, "\(named.count) accounts are named \"\(accountText)\": give the id of the one you mean")
                    continue
                }
                account = named.first
            }
            guard let account else {
                bad(record.line, "no account \"\(accountText)\" in this organization")
                continue
            }
            if let first = seen[account.id] {
                bad(record.line, "\(account.name) is already on line \(first): an account moves once per realignment")
                continue
            }
            seen[account.id] = record.line
            guard let owner = membersByID[ownerText] ?? membersByEmail[Member.normalizedEmail(ownerText)] else {
                bad(record.line, "no member \"\(ownerText)\" in this organization")
                continue
            }
            if !owner.isActive {
                bad(record.line, "\(owner.name) is deactivated and cannot receive \(account.name)")
                continue
            }
            if owner.role == .auditor {
                bad(record.line, "\(owner.name) is an auditor, who cannot receive accounts")
                continue
            }
            // Nothing moves on a row whose account is its new owner's already (or on its way to them:
            // an open handover to them), so it needs no permission: a whole territory file can be
            // sent again while its first drafts are still open, or after they completed.
            if owner.id == account.ownerID || openHandovers[account.id] == owner.id {
                unchanged += 1
                continue
            }
            if !mayMove(account, actor: actor, members: membersByID) {
                bad(record.line, "you may move only accounts owned by you or your direct reports; \(account.name) is not")
                continue
            }
            let template = value(.template) ?? TemplateLibrary.defaultKey(for: account.kind)
            if !templates.contains(template) {
                bad(record.line, "no template \"\(template)\" in this organization")
                continue
            }
            let note = value(.note)
            if let note, note.count > maxNoteLength {
                bad(record.line, "the note is \(note.count) characters; at most \(maxNoteLength)")
                continue
            }
            let line = line(
                record.line, account, to: owner.id, template: template, note: note, members: membersByID, open: openHandovers, conflicts: &conflicts)
            lines.append(line)
        }
        if records.count == 1 && malformed.isEmpty { problems.append(Problem(path: "csv", message: "the CSV has a header but no rows")) }
        return (RealignmentPlan(conflicts: conflicts, lines: lines, unchanged: unchanged), problems)
    }

    /// Rules over the accounts (already narrowed to the owners asked for, if any), first match
    /// wins; an account no rule matches stays where it is. A team rule leaves an account whose
    /// owner is an eligible member of the team where it is (the territory's team already has
    /// it), else gives it to the team's least loaded eligible member.
    public static func fromRules(
        _ rules: [DepartureRule], actor: Member, accounts: [RealignmentAccount], members: [Member], teams: [String: [String]], load: [String: Int],
        openHandovers: [String: String]
    ) -> (plan: RealignmentPlan, problems: [Problem]) {
        let membersByID = Dictionary(members.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var problems: [Problem] = []
        for (index, rule) in rules.enumerated() {
            guard let id = rule.recipientID else { continue }
            guard let member = membersByID[id] else {
                problems.append(Problem(path: "rules[\(index)].recipientID", message: "no member \(id) in this organization"))
                continue
            }
            if !canReceive(member) {
                problems.append(Problem(path: "rules[\(index)].recipientID", message: "\(member.name) is deactivated or an auditor, and cannot receive accounts"))
            }
        }
        if !problems.isEmpty { return (RealignmentPlan(conflicts: [], lines: [], unchanged: 0), problems) }
        var load = load
        let teamPools = teams.mapValues { $0.compactMap { membersByID[$0] }.filter(canReceive) }
        var lines: [RealignmentLine] = []
        var conflicts: [DepartureConflict] = []
        var unchanged = 0
        for account in accounts where mayMove(account, actor: actor, members: membersByID) {
            guard let rule = rules.first(where: { $0.matches(account) }) else { continue }
            var target: String?
            if let teamID = rule.teamID {
                let pool = teamPools[teamID] ?? []
                if pool.contains(where: { $0.id == account.ownerID }) {
                    unchanged += 1
                    continue
                }
                target = DeparturePlanner.leastLoaded(pool, load: load)?.id
                guard target != nil else {
                    conflicts.append(
                        DepartureConflict(
                            kind: .noRecipient, accountID: account.id,
                            message: "\(account.name): its rule names a team with nobody active who can receive accounts"))
                    continue
                }
            } else {
                target = rule.recipientID
            }
            guard let target, target != account.ownerID, openHandovers[account.id] != target else {
                unchanged += 1
                continue
            }
            let line = line(
                nil, account, to: target, template: TemplateLibrary.defaultKey(for: account.kind), note: nil, members: membersByID,
                open: openHandovers, conflicts: &conflicts)
            if line.conflict == nil {
                load[target, default: 0] += 1
                load[account.ownerID, default: 0] -= 1
            }
            lines.append(line)
        }
        return (RealignmentPlan(conflicts: conflicts, lines: lines, unchanged: unchanged), [])
    }

    static func line(
        _ number: Int?, _ account: RealignmentAccount, to: String, template: String, note: String?, members: [String: Member], open: [String: String],
        conflicts: inout [DepartureConflict]
    ) -> RealignmentLine {
        var conflict: DepartureConflict.Kind?
        if open[account.id] != nil {
            conflict = .openHandover
            let at = number.map { "line \($0): " } ?? ""
            conflicts.append(
                DepartureConflict(
                    kind: .openHandover, accountID: account.id,
                    message: "\(at)\(account.name) already has an open handover: finish or cancel it, or skip this account"))
        }
        let owner = members[account.ownerID]
        let names = Set([owner?.name.lowercased(), owner.map { Member.normalizedEmail($0.email) }].compactMap { $0 })
        let owned = account.openItemOwners.filter { item in item.map { names.contains($0.lowercased()) } ?? false }.count
        return RealignmentLine(
            line: number, accountID: account.id, accountName: account.name, kind: account.kind, fromID: account.ownerID, toID: to, templateKey: template,
            note: note, openItemsReassigned: owned, conflict: conflict)
    }
}
