import Foundation
import HandoverCore
import Testing

/// The departure planner's rules, pure: mapping before rules before balance before the manager,
/// and every conflict named.
@Suite struct DeparturePlannerTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static func member(_ id: String, _ role: Role = .member, manager: String? = nil, active: Bool = true) -> Member {
        Member(
            id: id, organizationID: "o", email: "\(id)@x.dev", name: id.capitalized, role: role, managerID: manager, createdAt: now,
            deactivatedAt: active ? nil : now)
    }
    static func account(_ id: String, kind: AccountKind = .customer, tags: [String] = [], items: [OpenItem] = []) -> Account {
        Account(
            id: id, organizationID: "o", name: id.uppercased(), kind: kind, ownerID: "ann",
            profile: AccountProfile(overview: "About \(id)", contacts: [Contact(name: "Jo", role: "CFO")], openItems: items, tags: tags), createdAt: now,
            updatedAt: now)
    }
    static let ann = member("ann", manager: "max")
    static let members = [ann, member("max", .manager), member("bo"), member("cy"), member("di", active: false), member("au", .auditor)]

    @Test func mappingBeatsRuleBeatsBalanceBeatsManager() {
        let accounts = [Self.account("a1", tags: ["emea"]), Self.account("a2", tags: ["EMEA"]), Self.account("a3", kind: .project), Self.account("a4")]
        let recipients = DepartureRecipients(
            mappings: ["a1": "cy"],
            rules: [DepartureRule(match: .tag, value: "emea", recipientID: "bo"), DepartureRule(match: .kind, value: "project", recipientID: "cy")])
        let plan = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: accounts, members: Self.members, openHandoverAccounts: [], load: [:], recipients: recipients)
        #expect(plan.lines.map(\.recipientID) == ["cy", "bo", "cy", "max"])
        #expect(plan.lines.map(\.reason) == [.mapping, .rule, .rule, .manager])
        #expect(plan.lines.map(\.templateKey) == ["customer-account", "customer-account", "project", "customer-account"])
        #expect(plan.conflicts.isEmpty)
    }

    /// A rule may name a team: its least loaded member who can receive accounts (not the
    /// leaver, not deactivated, not an auditor); a team with nobody such is a conflict, never a
    /// silent fall through to the manager.
    @Test func aTeamRuleBalancesOverTheTeamsEligibleMembers() {
        let accounts = (1...3).map { Self.account("e\($0)", tags: ["emea"]) } + [Self.account("p1", kind: .project)]
        let teams = ["sales": ["ann", "bo", "cy", "di", "au"], "ghosts": ["ann", "di", "au"]]
        let recipients = DepartureRecipients(
            rules: [DepartureRule(match: .tag, value: "emea", teamID: "sales"), DepartureRule(match: .kind, value: "project", teamID: "ghosts")])
        let plan = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: accounts, members: Self.members, openHandoverAccounts: [], load: ["bo": 1], recipients: recipients,
            teams: teams)
        #expect(plan.lines.map(\.recipientID) == ["cy", "bo", "cy", nil])
        #expect(plan.lines.map(\.reason) == [.rule, .rule, .rule, .rule])
        #expect(plan.conflicts.map(\.kind) == [.noRecipient])
        #expect(plan.conflicts.first?.message.contains("team with nobody active") == true)
    }

    /// Handovers sent to the leaver go to the least loaded of the pool, never to their own
    /// transferor, else the manager (unless the manager is the transferor); one the leaver
    /// acknowledged, or with nobody to take it, is a conflict.
    @Test func handoversSentToTheLeaverGoOnButNeverBackToTheirTransferor() {
        func incoming(_ id: String, from transferor: String, _ state: HandoverState = .submitted) -> DepartureIncoming {
            DepartureIncoming(handoverID: id, accountID: "acct-\(id)", accountName: id.uppercased(), transferorID: transferor, state: state, version: 3)
        }
        let sent = [incoming("h1", from: "bo"), incoming("h2", from: "cy", .draft), incoming("h3", from: "bo", .acknowledged)]
        let pooled = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: [Account](), members: Self.members, openHandoverAccounts: [], load: ["cy": 5],
            recipients: DepartureRecipients(balanceAmong: ["bo", "cy"]), incoming: sent)
        // h1 is Bo's: Cy, though busier; h2 is Cy's: Bo.
        #expect(pooled.pointers.incomingHandovers.map(\.recipientID) == ["cy", "bo", nil])
        #expect(pooled.conflicts.map(\.kind) == [.handoverNotRedirected] && pooled.conflicts[0].accountID == "acct-h3")
        let byManager = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: [Account](), members: Self.members, openHandoverAccounts: [], load: [:],
            recipients: DepartureRecipients(), incoming: [incoming("h4", from: "bo"), incoming("h5", from: "max")])
        #expect(byManager.pointers.incomingHandovers.map(\.recipientID) == ["max", nil])
        #expect(byManager.conflicts.first?.message.contains("nobody active but Max") == true)
    }

    /// A request without `deactivate` (one stored before the field existed) reads as not
    /// deactivating; one with it reads back.
    @Test func deactivateReadsAsFalseWhenAbsent() throws {
        #expect(try JSONDecoder().decode(DepartureRequest.self, from: Data(#"{"memberID":"ann"}"#.utf8)).deactivate == false)
        let asked = try JSONEncoder().encode(DepartureRequest(memberID: "ann", deactivate: true))
        #expect(try JSONDecoder().decode(DepartureRequest.self, from: asked).deactivate)
    }

    @Test func balanceSpreadsByLoadAndTiesByName() {
        let accounts = (1...4).map { Self.account("a\($0)") }
        let plan = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: accounts, members: Self.members, openHandoverAccounts: [], load: ["bo": 1, "cy": 0],
            recipients: DepartureRecipients(balanceAmong: ["cy", "bo", "di", "ann"]))
        // cy (0) first; then bo and cy tie at 1 → Bo by name; then cy (1) < bo (2); inactive di and the leaver are not in the pool.
        #expect(plan.lines.map(\.recipientID) == ["cy", "bo", "cy", "bo"])
        #expect(plan.lines.allSatisfy { $0.reason == .balance })
    }

    @Test func everyConflictIsListed() {
        let leaverWithoutManager = Self.member("ann")
        let accounts = [Self.account("open"), Self.account("gone"), Self.account("self"), Self.account("none"), Self.account("auditor"), Self.account("other")]
        let recipients = DepartureRecipients(mappings: ["open": "bo", "gone": "di", "self": "ann", "auditor": "au", "other": "someone-elsewhere"])
        let plan = DeparturePlanner.plan(
            leaver: leaverWithoutManager, effectiveOn: CalendarDate("2031-01-01"), accounts: accounts, members: Self.members, openHandoverAccounts: ["open"],
            load: [:], recipients: recipients)
        #expect(
            plan.conflicts.map(\.kind) == [.openHandover, .inactiveRecipient, .leaverIsRecipient, .noRecipient, .auditorRecipient, .unknownRecipient])
        #expect(plan.conflicts.map(\.accountID) == ["open", "gone", "self", "none", "auditor", "other"])
        #expect(plan.applicable.isEmpty)
        #expect(plan.conflicts[3].message.contains("no manager"))
    }

    @Test func prefillCarriesTheProfileAndGivesTheLeaversItemsToTheRecipient() {
        let account = Self.account("a1", items: [OpenItem(title: "Renewal call", owner: "Ann", due: CalendarDate("2031-03-01")), OpenItem(title: "QBR", owner: "Rita")])
        let content = DeparturePlanner.prefill(account: account, templateKey: "customer-account", leaver: Self.ann, recipientName: "Bo")
        #expect(content["overview", "summary"] == .string("About a1"))
        guard case .array(let items) = content["openWork", "openItems"] else { Issue.record("no open items"); return }
        #expect(
            items == [
                .object(["title": .string("Renewal call"), "owner": .string("Bo"), "due": .string("2031-03-01")]),
                .object(["title": .string("QBR"), "owner": .string("Rita")]),
            ])
        #expect(content["contacts", "keyContacts"] == .array([.object(["name": .string("Jo"), "role": .string("CFO")])]))
        // The relationships the leaver keeps go to the recipient too; others stay with theirs.
        var kept = account
        kept.profile.contacts = [Contact(name: "Jo", role: "CFO", owner: "ANN"), Contact(name: "Li", owner: "Rita")]
        #expect(
            DeparturePlanner.prefill(account: kept, templateKey: "customer-account", leaver: Self.ann, recipientName: "Bo")["contacts", "keyContacts"]
                == .array([
                    .object(["name": .string("Jo"), "role": .string("CFO"), "owner": .string("Bo")]), .object(["name": .string("Li"), "owner": .string("Rita")]),
                ]))
        let plan = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: [account], members: Self.members, openHandoverAccounts: [], load: [:], recipients: DepartureRecipients())
        #expect(plan.lines[0].openItemsReassigned == 1)
    }

    @Test func pointersFollowTheirAccountsRecipient() {
        let pointers = DeparturePointers(
            briefings: [DeparturePointer(id: "b1", accountID: "a1", label: "briefing")], accessGrants: [DeparturePointer(id: "g1", accountID: "zz", label: "VPN")])
        let plan = DeparturePlanner.plan(
            leaver: Self.ann, effectiveOn: nil, accounts: [Self.account("a1")], members: Self.members, openHandoverAccounts: [], load: [:],
            recipients: DepartureRecipients(mappings: ["a1": "bo"]), pointers: pointers)
        #expect(plan.pointers.briefings[0].recipientID == "bo")
        #expect(plan.pointers.accessGrants[0].recipientID == nil)
    }
}
