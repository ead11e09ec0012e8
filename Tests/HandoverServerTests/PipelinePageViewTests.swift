import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import Testing

/// The board and the journey rendered from models built by hand: overdue said in words, names
/// escaped, filters kept in the GET form, and the journey's forms offered only to who may use them.
@Suite struct PipelinePageViewTests {
    static let day = Date(timeIntervalSince1970: 1_790_000_000)
    static let stages = [
        PipelineStage(id: "s1", name: "Sales", templateKey: "customer-account"),
        PipelineStage(id: "s2", name: "Onboarding", templateKey: "project", defaultOwnerID: "bob"),
    ]
    static let pipeline = Pipeline(id: "p1", organizationID: "o", name: "Customers <b>", stages: stages, createdAt: day, updatedAt: day)
    static func member(_ id: String, _ role: Role) -> Member {
        Member(id: id, organizationID: "o", email: "\(id)@x.test", name: id.capitalized, role: role, createdAt: day)
    }

    @Test func theBoardMarksOverdueInWordsAndKeepsItsFilters() {
        let late = BoardCard(
            accountID: "a1", name: "Acme <script>", ownerID: "alice", since: Self.day, daysInStage: 3, nextDue: CalendarDate("2020-01-01"), overdue: true,
            tags: [])
        let fine = BoardCard(accountID: "a2", name: "Bolt", ownerID: "bob", since: Self.day, daysInStage: 1, nextDue: nil, overdue: false, tags: [])
        let board = PipelineBoard(
            pipeline: Self.pipeline, columns: [BoardColumn(stage: Self.stages[0], cards: [late, fine]), BoardColumn(stage: Self.stages[1], cards: [])],
            ownerID: "alice", tag: "vip", today: CalendarDate(Self.day))
        let html = WebPages.board(
            board, members: [Self.member("alice", .member), Self.member("bob", .member)], viewer: Viewer(member: Self.member("alice", .member), csrf: "t")
        )
        .description
        #expect(html.contains("Acme &lt;script&gt;") && !html.contains("Acme <script>"))
        #expect(html.contains("Customers &lt;b&gt;"))
        #expect(html.components(separatedBy: "overdue-flag\">Overdue</strong>").count == 2, "exactly one card says Overdue")
        #expect(html.contains("3 days in stage") && html.contains("1 day in stage") && html.contains("nothing due"))
        #expect(html.contains("<option value=\"alice\" selected>") && html.contains("value=\"vip\""), "the filters show what was asked")
        #expect(html.contains("role=\"region\" aria-label=\"Stages of Customers &lt;b&gt;\" tabindex=\"0\""))
        #expect(html.contains("method=\"get\" action=\"/pipelines/p1\""))
    }

    @Test func theJourneyOffersItsFormsOnlyToWhoMayUseThem() {
        let owner = Self.member("alice", .member)
        let account = Account(id: "a1", organizationID: "o", name: "Acme", kind: .customer, ownerID: "alice", createdAt: Self.day, updatedAt: Self.day)
        let placed = StageMove(
            id: "m1", organizationID: "o", accountID: "a1", pipelineID: "p1", kind: .placed, fromStageID: nil, toStageID: "s1", fromOwnerID: "alice",
            toOwnerID: "alice", handoverID: nil, actorID: "maya", at: Self.day)
        let journey = AccountJourney(
            account: account, placement: StagePlacement(accountID: "a1", pipelineID: "p1", stageID: "s1", since: Self.day), moves: [placed],
            stays: StageStay.stays([placed], now: Self.day + 2 * 86_400), pending: nil, pipelines: [Self.pipeline], now: Self.day + 2 * 86_400)
        let members = [owner, Self.member("bob", .member), Self.member("maya", .manager)]
        let asOwner = WebPages.journeyForms(journey, pipelines: [Self.pipeline], members: members, viewer: Viewer(member: owner, csrf: "t")).description
        #expect(!asOwner.contains("place-form"), "a placed account is not moved by its owner")
        #expect(asOwner.contains("advance-form") && asOwner.contains("<option value=\"bob\" selected>"), "the stage's usual owner first")
        let asManager = WebPages.journeyForms(journey, pipelines: [Self.pipeline], members: members, viewer: Viewer(member: members[2], csrf: "t")).description
        #expect(asManager.contains("place-form") && asManager.contains("Move directly to"))
        #expect(
            WebPages.journeyForms(journey, pipelines: [Self.pipeline], members: members, viewer: Viewer(member: Self.member("aldo", .auditor), csrf: "t")).description
                .isEmpty)
        let section = WebPages.journeySection(journey, names: ["alice": "Alice", "maya": "Maya"], forms: .empty).description
        #expect(section.contains("held by Alice") && section.contains("for 2 days") && section.contains("placed by Maya") && section.contains("2 days so far"))
    }
}
