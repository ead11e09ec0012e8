import Foundation
import HandoverCore
import Testing

/// RFC 4180 records with the line each starts on, and the realignment planner: every bad row
/// named by its line, nothing planned from a file with one; rules that move only what a rule
/// says, leaving a team's accounts with the team.
@Suite struct RealignmentPlannerTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static func member(_ id: String, _ role: Role = .member, manager: String? = nil, active: Bool = true) -> Member {
        Member(
            id: id, organizationID: "o", email: "\(id)@x.dev", name: id.capitalized, role: role, managerID: manager, createdAt: now,
            deactivatedAt: active ? nil : now)
    }
    static let admin = member("adm", .admin)
    static let manager = member("max", .manager)
    static let members = [admin, manager, member("ann", manager: "max"), member("bo", manager: "max"), member("cy"), member("di", active: false), member("au", .auditor)]
    static func account(_ id: String, name: String? = nil, owner: String = "ann", kind: AccountKind = .customer, tags: [String] = []) -> RealignmentAccount {
        RealignmentAccount(id: id, name: name ?? id.uppercased(), kind: kind, ownerID: owner, tags: tags, openItemOwners: ["Ann", "ann@x.dev", "Jo", nil])
    }
    static let accounts = [
        account("a1"), account("a2", name: "Acme"), account("a3", owner: "bo"), account("a4", name: "Twin"), account("a5", name: "twin", owner: "cy"),
        account("a6", owner: "cy", kind: .project),
    ]
    static let templates: Set<String> = ["customer-account", "project", "shift"]

    static func plan(_ csv: String, actor: Member = admin, open: [String: String] = [:]) -> (plan: RealignmentPlan, problems: [Problem]) {
        RealignmentPlanner.fromCSV(csv, actor: actor, accounts: accounts, members: members, templates: templates, openHandovers: open)
    }

    // MARK: CSV records

    @Test func recordsFollowRFC4180AndKeepTheirStartingLine() {
        let text = "\u{FEFF}a,b\r\n\"x, y\",\"say \"\"hi\"\"\"\r\n\n\"two\nlines\",z\nlast,\"\"\n"
        let (records, malformed) = CSVRecords.parse(text)
        #expect(malformed.isEmpty)
        #expect(records.map(\.line) == [1, 2, 4, 6])
        #expect(records.map(\.fields) == [["a", "b"], ["x, y", "say \"hi\""], ["two\nlines", "z"], ["last", ""]])
    }

    @Test func malformedQuotesAreReportedByLineAndParsingGoesOn() {
        let text = "a,b\nok,1\nbro\"ken,2\n\"closed\"junk,3\nfine,4\n\"never closed,5\nrest"
        let (records, malformed) = CSVRecords.parse(text)
        #expect(malformed.map(\.line) == [3, 4, 6])
        #expect(records.map(\.line) == [1, 2, 5])
        #expect(malformed[0].message.contains("quote inside an unquoted field"))
        #expect(malformed[1].message.contains("after a closing quote"))
        #expect(malformed[2].message.contains("never closed"))
    }

    // MARK: From a CSV

    @Test func aGoodFileMovesByIdOrNameAndCountsWhatStays() {
        let csv = """
            Account,New Owner,Note,Template
            a1,bo@x.dev,"Renewal in March, call first",
            acme,Bo@X.dev,,project
            a3,bo,,
            A6,cy@x.dev,,
            """
        let (plan, problems) = Self.plan(csv)
        #expect(problems.isEmpty)
        #expect(plan.lines.map(\.accountID) == ["a1", "a2"])
        #expect(plan.lines.map(\.line) == [2, 3])
        #expect(plan.lines.map(\.fromID) == ["ann", "ann"] && plan.lines.map(\.toID) == ["bo", "bo"])
        #expect(plan.lines.map(\.templateKey) == ["customer-account", "project"])
        #expect(plan.lines[0].note == "Renewal in March, call first")
        // "Ann" and "ann@x.dev" are Ann's; "Jo" and nobody are not.
        #expect(plan.lines[0].openItemsReassigned == 2)
        #expect(plan.unchanged == 2)  // a3 is Bo's already; A6 matched by name is Cy's already
        #expect(plan.conflicts.isEmpty)
    }

    @Test func everyBadRowIsNamedByItsLine() {
        let csv = """
            account,new_owner,template
            nope,bo,
            a3,nobody@x.dev,
            a1,bo,
            a1,cy,
            twin,bo,
            a2,di,
            a6,au,
            a3,bo,"unclosed
            """
        let (plan, problems) = Self.plan(csv + "\na6,bo,\n")
        let byLine = Dictionary(problems.map { ($0.path, $0.message) }, uniquingKeysWith: { a, b in a + " | " + b })
        #expect(byLine["line 2"]?.contains("no account \"nope\"") == true)
        #expect(byLine["line 3"]?.contains("no member \"nobody@x.dev\"") == true)
        #expect(byLine["line 5"]?.contains("already on line 4") == true)
        #expect(byLine["line 6"]?.contains("2 accounts are named") == true)
        #expect(byLine["line 7"]?.contains("deactivated") == true)
        #expect(byLine["line 8"]?.contains("auditor") == true)
        // The quote on line 9 swallows the rest of the file: one malformed record, said where it starts.
        #expect(byLine["line 9"]?.contains("never closed") == true)
        #expect(problems.count == 7)
        #expect(plan.lines.count == 1)  // line 4; but any problem refuses the whole file
    }

    @Test func fieldCountsTemplatesAndBlankOwnersAreBadRows() {
        let csv = "account,new_owner,template\na6,bo,nosuch\na3,,\na3,bo\na\"3,bo,\n"
        let problems = Self.plan(csv).problems
        #expect(problems.map(\.path) == ["line 5", "line 2", "line 3", "line 4"])
        #expect(problems[1].message.contains("no template \"nosuch\""))
        #expect(problems[2].message.contains("no new owner"))
        #expect(problems[3].message.contains("2 field(s) where the header has 3"))
    }

    @Test func aHeaderMustNameTheColumns() {
        #expect(Self.plan("").problems.map(\.message).first?.contains("empty") == true)
        #expect(Self.plan("acct,who\na1,bo").problems.map(\.message).first?.contains("unknown column \"acct\"") == true)
        #expect(Self.plan("note\nhi").problems.last?.message.contains("must name an account column") == true)
        #expect(Self.plan("account,owner\n").problems.map(\.message) == ["the CSV has a header but no rows"])
    }

    @Test func aManagerMovesOnlyTheirReportsAccounts() {
        let (_, problems) = Self.plan("account,new_owner\na1,cy\na3,cy\na6,bo\n", actor: Self.manager)
        #expect(problems.map(\.path) == ["line 4"])
        #expect(problems[0].message.contains("owned by you or your direct reports"))
    }

    @Test func anOpenHandoverIsAConflictNamedWithItsLine() {
        let (plan, problems) = Self.plan("account,new_owner\na1,cy\na2,cy\n", open: ["a2": "bo"])
        #expect(problems.isEmpty)
        #expect(plan.conflicts.map(\.kind) == [.openHandover])
        #expect(plan.conflicts[0].message.hasPrefix("line 3: Acme"))
        #expect(plan.applicable.map(\.accountID) == ["a1"])
    }

    /// A file sent again: rows already done (or on their way: an open handover to the same new
    /// owner) are unchanged, and need no permission, even for a manager whose report no longer owns them.
    @Test func aFileSentAgainCountsWhatIsDoneOrUnderwayAsUnchanged() {
        let (plan, problems) = Self.plan("account,new_owner\na1,cy\na6,cy\na3,cy\n", actor: Self.manager, open: ["a1": "cy", "a3": "ann"])
        #expect(problems.isEmpty)
        #expect(plan.unchanged == 2)  // a1 under way to Cy, a6 Cy's already (and not the manager's to move)
        #expect(plan.conflicts.map(\.accountID) == ["a3"])  // an open handover to someone else
    }

    @Test func blankRowsLoneCarriageReturnsAndABrokenHeader() {
        let (records, malformed) = CSVRecords.parse("a,b\r1,2\r,,\r\r\"\",x\r3,4")
        #expect(malformed.isEmpty)
        #expect(records.map(\.fields) == [["a", "b"], ["1", "2"], ["", "x"], ["3", "4"]])
        #expect(records.map(\.line) == [1, 2, 5, 6])
        let problems = Self.plan("acc\"ount,new_owner\na1,cy\n").problems
        #expect(
            problems == [
                Problem(path: "line 1", message: "a quote inside an unquoted field; put the field in quotes and write the quote twice (\"\")"),
                Problem(path: "line 1", message: "the header row is malformed; fix it first"),
            ])
    }

    // MARK: From rules

    @Test func rulesMoveWhatTheyMatchAndLeaveATeamsAccountsWithTheTeam() {
        let accounts = [
            Self.account("e1", tags: ["emea"]), Self.account("e2", owner: "bo", tags: ["EMEA"]), Self.account("e3", owner: "cy", tags: ["emea"]),
            Self.account("p1", kind: .project), Self.account("x1"),
        ]
        let rules = [DepartureRule(match: .tag, value: "emea", teamID: "north"), DepartureRule(match: .kind, value: "project", recipientID: "cy")]
        let (plan, problems) = RealignmentPlanner.fromRules(
            rules, actor: Self.admin, accounts: accounts, members: Self.members, teams: ["north": ["bo", "cy", "di"]], load: ["bo": 5, "cy": 1],
            openHandovers: [:])
        #expect(problems.isEmpty)
        // e1 (Ann's) goes to the team's least loaded (Cy); Bo's and Cy's emea accounts stay;
        // p1 to Cy by the member rule; x1 matches nothing and is not listed.
        #expect(plan.lines.map(\.accountID) == ["e1", "p1"])
        #expect(plan.lines.map(\.toID) == ["cy", "cy"])
        #expect(plan.unchanged == 2)
    }

    @Test func aRuleToSomeoneWhoCannotReceiveIsRefused() {
        let (_, problems) = RealignmentPlanner.fromRules(
            [DepartureRule(match: .kind, value: "project", recipientID: "di"), DepartureRule(match: .kind, value: "customer", recipientID: "ghost")],
            actor: Self.admin, accounts: Self.accounts, members: Self.members, teams: [:], load: [:], openHandovers: [:])
        #expect(problems.map(\.path) == ["rules[0].recipientID", "rules[1].recipientID"])
    }
}
