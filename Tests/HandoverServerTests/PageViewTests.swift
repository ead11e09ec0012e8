import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import Testing

/// Views render models built by hand: no database, no server. What a page shows is decided by
/// its model (the services' access rules); these check the view shows it, and shows it safely.
@Suite struct PageViewTests {
    static let day = Date(timeIntervalSince1970: 1_790_000_000)
    static func member(_ name: String, _ role: Role) -> Member {
        Member(id: name.lowercased(), organizationID: "org", email: "\(name.lowercased())@example.com", name: name, role: role, createdAt: day)
    }
    static func handover(_ id: String, from: Member, to: Member, state: HandoverState) -> Handover {
        var handover = Handover(
            id: id, organizationID: "org", accountID: "acct-\(id)", templateKey: "customer-account", templateVersion: 1,
            transferorID: from.id, recipientID: to.id, content: HandoverContent(), createdAt: day, updatedAt: day)
        handover.state = state
        return handover
    }

    @Test func homeShowsWhatWaitsAndEscapesNames() {
        let (tom, rita) = (Self.member("Tom", .member), Self.member("Rita", .member))
        let waiting = Self.handover("h1", from: tom, to: rita, state: .submitted)
        let model = HomeModel(
            today: CalendarDate(Self.day), waiting: [waiting], memberNames: [tom.id: "Tom <b>", rita.id: "Rita"],
            accountNames: [waiting.accountID: "<script>alert(1)</script> Corp"])
        let html = WebPages.home(model, viewer: Viewer(member: rita, csrf: "token"), flash: nil).description
        #expect(html.contains("href=\"/handovers/h1\""))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt; Corp"))
        #expect(!html.contains("<script>alert(1)"))
        #expect(html.contains("from Tom &lt;b&gt;"))
        #expect(html.contains("No drafts."))
        // A member sees no team section; the model says whether there is one.
        #expect(!html.contains("id=\"team\""))
        var managers = model
        managers.showsTeam = true
        #expect(WebPages.home(managers, viewer: Viewer(member: Self.member("Maya", .manager), csrf: "token"), flash: nil).description.contains("id=\"team\""))
    }

    @Test func accountOffersAHandoverOnlyWhenTheModelAllowsIt() {
        let tom = Self.member("Tom", .member)
        let account = Account(
            id: "a1", organizationID: "org", name: "Acme", kind: .customer, ownerID: tom.id, profile: AccountProfile(overview: "Freight"),
            createdAt: Self.day, updatedAt: Self.day)
        let model = AccountModel(account: account, owners: [Ownership(ownerID: tom.id, from: Self.day)], handovers: [], memberNames: [tom.id: "Tom"], canBegin: false)
        let viewer = Viewer(member: tom, csrf: "token")
        #expect(!WebPages.account(model, viewer: viewer).description.contains("id=\"begin-handover\""))
        var allowed = model
        allowed.canBegin = true
        let html = WebPages.account(allowed, viewer: viewer).description
        #expect(html.contains("id=\"begin-handover\"") && html.contains("href=\"/handovers/new?account=a1\""))
        #expect(html.contains("current owner"))
    }

    @Test func adminPageShowsMemberManagementToAdminsOnly() {
        let (ada, aldo) = (Self.member("Ada", .admin), Self.member("Aldo", .auditor))
        let token = APIToken(id: "t1", organizationID: "org", memberID: aldo.id, name: "laptop", createdAt: Self.day)
        let model = AdminModel(members: [ada, aldo], tokens: [token], templates: TemplateLibrary.builtIns)
        let forAdmin = WebPages.admin(model, viewer: Viewer(member: ada, csrf: "token")).description
        #expect(forAdmin.contains("id=\"add-member\"") && forAdmin.contains("id=\"add-template\""))
        let forAuditor = WebPages.admin(AdminModel(members: [ada, aldo], tokens: [token], templates: []), viewer: Viewer(member: aldo, csrf: "token")).description
        #expect(!forAuditor.contains("id=\"add-member\""))
        // Auditors hold tokens too (for 'handover audit' from a terminal): the form is there.
        #expect(forAuditor.contains("id=\"new-token\"") && forAuditor.contains("laptop"))
    }

    @Test func theNewHandoverFormPicksTheTemplateForTheAccountsKind() {
        let tom = Self.member("Tom", .member)
        let ward = Account(
            id: "w1", organizationID: "org", name: "Ward 4, bed 12", kind: .patient, ownerID: tom.id, profile: AccountProfile(),
            createdAt: Self.day, updatedAt: Self.day)
        let model = NewHandoverModel(accounts: [ward], recipients: [Self.member("Rita", .member)], templates: TemplateLibrary.builtIns)
        let html = WebPages.newHandover(model, viewer: Viewer(member: tom, csrf: "token"), accountID: ward.id).description
        #expect(html.contains("<option value=\"ipass\" selected>"))
        #expect(!html.contains("<option value=\"customer-account\" selected>"))
        // One choice per kind, each a built-in template that accepts that kind.
        for kind in AccountKind.allCases {
            let key = TemplateLibrary.defaultKey(for: kind)
            #expect(TemplateLibrary.builtIns.contains { $0.key == key && $0.accountKinds.contains(kind) }, "\(kind) → \(key)")
        }
    }
}
