import Foundation
import HandoverCore
import Testing

/// How a cover ends, pure: the chain of covers it rests on, an account handed back by hand or
/// moved on to someone else, and what waits for an open handover.
@Suite struct CoverRulesTests {
    static let now = Date(timeIntervalSince1970: 1_790_000_000)
    static func member(_ id: String, active: Bool = true) -> Member {
        Member(id: id, organizationID: "o", email: "\(id)@x.dev", name: id.capitalized, role: .member, createdAt: now, deactivatedAt: active ? nil : now)
    }
    static func cover(_ id: String, _ owner: String, _ coverer: String) -> Cover {
        Cover(
            id: id, organizationID: "o", accountID: "a", ownerID: owner, covererID: coverer, until: CalendarDate("2030-01-01")!, handoverID: "h-\(id)",
            createdBy: owner, createdAt: now)
    }
    static func ending(
        _ cover: Cover, _ active: [Cover], holder: String, returned: Bool = false, owner: Member? = nil, open: String? = nil, state: HandoverState = .completed
    ) -> CoverEnding {
        CoverRules.ending(
            cover, active: active, coverHandover: state, accountOwnerID: holder, returnedToOwner: returned, owner: owner ?? member(cover.ownerID),
            openHandoverID: open)
    }

    // Alice away, Bob covers (c1); Bob away, Carol covers him (c2).
    static let c1 = cover("c1", "alice", "bob"), c2 = cover("c2", "bob", "carol")

    @Test func theChainEndsFromTheBottomOrTheTop() {
        #expect(Self.ending(Self.c1, [Self.c1, Self.c2], holder: "carol") == .handback(from: "carol", supersede: [Self.c2]))
        #expect(Self.ending(Self.c2, [Self.c1, Self.c2], holder: "carol") == .handback(from: "carol", supersede: []))
        #expect(Self.ending(Self.c1, [Self.c1], holder: "bob") == .handback(from: "bob", supersede: []))
    }

    /// Bob handed it back to Alice by hand, she went away again and Dan covers her (c3): c1's
    /// day must not pull it from Dan, nor end c3.
    @Test func aLaterCoverOutsideTheChainIsLeftAlone() {
        let c3 = Self.cover("c3", "alice", "dan")
        #expect(Self.ending(Self.c1, [Self.c1, c3], holder: "dan") == .movedOn(holderID: "dan"))
        #expect(Self.ending(c3, [Self.c1, c3], holder: "dan") == .handback(from: "dan", supersede: []))
    }

    /// Bob's first cover (c2, to Carol) was called off but is still active; his second (c3, to
    /// Dan) holds the account: the way back from Dan reaches c1 through c3, not c2.
    @Test func theWayBackIsFoundFromTheHolder() {
        let c3 = Self.cover("c3", "bob", "dan")
        #expect(Self.ending(Self.c1, [Self.c1, Self.c2, c3], holder: "dan") == .handback(from: "dan", supersede: [c3]))
    }

    /// Bob handed it back by hand and Alice went away again (c3, to Bob): c1's day must not take
    /// it from Bob while Alice is away under c3; nor after Alice handed it on to Bob for good and
    /// Bob went away (c4, to Carol).
    @Test func aCoverWhoseOwnerHadItBackIsOver() {
        let c3 = Self.cover("c3", "alice", "bob")
        #expect(Self.ending(Self.c1, [Self.c1, c3], holder: "bob", returned: true) == .alreadyBack(supersede: []))
        let c4 = Self.cover("c4", "bob", "carol")
        #expect(Self.ending(Self.c1, [Self.c1, c4], holder: "carol", returned: true) == .alreadyBack(supersede: []))
    }

    /// Carol handed it straight back to Alice: Bob's cover (c2) must not send Alice's account to Bob.
    @Test func backWithTheOwnerOfAnOlderCoverIsBack() {
        #expect(Self.ending(Self.c2, [Self.c1, Self.c2], holder: "alice") == .alreadyBack(supersede: []))
        #expect(Self.ending(Self.c1, [Self.c1, Self.c2], holder: "alice") == .alreadyBack(supersede: []))
    }

    @Test func movedOnWaitingCancelledFailed() {
        #expect(Self.ending(Self.c1, [Self.c1], holder: "erin") == .movedOn(holderID: "erin"))
        #expect(Self.ending(Self.c1, [Self.c1], holder: "bob", open: "h9") == .blocked(handoverID: "h9"))
        #expect(Self.ending(Self.c1, [Self.c1], holder: "alice", state: .cancelled) == .cancelled)
        guard case .fail = Self.ending(Self.c1, [Self.c1], holder: "bob", owner: Self.member("alice", active: false)) else {
            Issue.record("a deactivated owner gets nothing back"); return
        }
        var ended = Self.c1
        ended.state = .handedBack
        #expect(Self.ending(ended, [Self.c2], holder: "carol") == CoverEnding.none)
    }

    @Test func aCoverEndsAfterTodayAndWithinAYear() {
        let today = CalendarDate("2026-12-04")!
        #expect(CoverRules.untilProblems(today, today: today).map(\.path) == ["until"])
        #expect(CoverRules.untilProblems(CalendarDate("2026-12-05")!, today: today).isEmpty)
        #expect(CoverRules.untilProblems(CalendarDate("2027-12-06")!, today: today).map(\.path) == ["until"])
    }

    @Test func whatChangedIsSaidLineByLine() {
        let before = AccountProfile(
            overview: "Old", contacts: [Contact(name: "Jo")], openItems: [OpenItem(title: "Call", owner: "Alice"), OpenItem(title: "Ship")])
        var after = before
        after.overview = "New"
        after.openItems = [OpenItem(title: "Call", owner: "Bob", status: "waiting"), OpenItem(title: "Invoice")]
        after.contacts.append(Contact(name: "Sam"))
        after.historyNotes = [HistoryNote(date: CalendarDate("2026-12-01")!, text: "Met the CFO")]
        #expect(
            CoverChanges.lines(from: before, to: after) == [
                "The overview was rewritten.", "New open item: Invoice.", "Open item no longer listed (done?): Ship.",
                "Open item Call: status none → waiting, owner Alice → Bob.", "New contact: Sam.", "Noted 2026-12-01: Met the CFO",
            ])
        #expect(CoverChanges.lines(from: before, to: before).isEmpty)
    }
}
