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
        let html = WebPages.newHandover(model, viewer: Viewer(member: tom, csrf: "token"), chosen: .init(accountID: ward.id)).description
        #expect(html.contains("<option value=\"ipass\" selected>"))
        #expect(!html.contains("<option value=\"customer-account\" selected>"))
        // One choice per kind, each a built-in template that accepts that kind.
        for kind in AccountKind.allCases {
            let key = TemplateLibrary.defaultKey(for: kind)
            #expect(TemplateLibrary.builtIns.contains { $0.key == key && $0.accountKinds.contains(kind) }, "\(kind) → \(key)")
        }
    }
    // MARK: Issue 13: the first hour

    static let customer = TemplateLibrary.builtIn(key: "customer-account")!
    static func acme(owner: Member) -> Account {
        Account(
            id: "a1", organizationID: "org", name: "Acme", kind: .customer, ownerID: owner.id, profile: AccountProfile(renewalDate: CalendarDate("2026-12-03")),
            createdAt: day, updatedAt: day)
    }
    static func page(
        _ handover: Handover, tom: Member, rita: Member, events: [HandoverEventRecord] = []
    ) -> HandoverPageModel {
        HandoverPageModel(
            reading: HandoverReading(
                handover: handover, parties: Parties(transferor: tom, recipient: rita), template: customer, account: acme(owner: tom), events: events,
                names: [tom.id: tom.name, rita.id: rita.name]),
            signing: SigningModel(), now: day)
    }

    @Test func theAccountPageLeadsToItsOpenHandoverInsteadOfOfferingAnother() {
        let (tom, rita) = (Self.member("Tom", .member), Self.member("Rita", .member))
        let open = Self.handover("h9", from: tom, to: rita, state: .submitted)
        let model = AccountModel(
            account: Self.acme(owner: tom), owners: [], handovers: [open], memberNames: [tom.id: "Tom", rita.id: "Rita"], canBegin: true, openHandover: open)
        let html = WebPages.account(model, viewer: Viewer(member: tom, csrf: "token")).description
        #expect(!html.contains("id=\"begin-handover\""))
        let box = String(html[html.range(of: "id=\"open-handover\"")!.lowerBound...].prefix(600))
        #expect(box.contains("href=\"/handovers/h9\"") && box.contains("state-submitted") && box.contains("→ Rita"))
    }

    @Test func aRefusedCreateKeepsTheChoicesAndLinksTheOpenHandover() {
        let (tom, rita, sam) = (Self.member("Tom", .member), Self.member("Rita", .member), Self.member("Sam", .member))
        let model = NewHandoverModel(accounts: [Self.acme(owner: tom)], recipients: [rita, sam], templates: TemplateLibrary.builtIns)
        let html = WebPages.newHandover(
            model, viewer: Viewer(member: tom, csrf: "token"), chosen: .init(accountID: "a1", recipientID: sam.id, templateKey: "ipass"),
            refusal: "<div id=\"errors\"><a id=\"open-handover-link\" href=\"/handovers/h9\">Go</a></div>"
        ).description
        #expect(html.contains("<option value=\"sam\" selected>") && !html.contains("<option value=\"rita\" selected>"))
        #expect(html.contains("<option value=\"ipass\" selected>") && !html.contains("<option value=\"customer-account\" selected>"))
        #expect(html.contains("<option value=\"a1\" selected>") && html.contains("id=\"open-handover-link\""))
    }

    @Test func lintFindingsUseLabelsLinkTheirFieldsAndExplainTheScore() throws {
        let (tom, rita) = (Self.member("Tom", .member), Self.member("Rita", .member))
        var draft = Self.handover("h1", from: tom, to: rita, state: .draft)
        draft.content["openWork", "openItems"] = .array([.object(["title": .string("Send the quote")])])
        let html = try WebPages.handover(Self.page(draft, tom: tom, rita: rita), viewer: Viewer(member: tom, csrf: "token")).description
        let panel = String(html[html.range(of: "<aside id=\"lint\"")!.lowerBound...])
        // Labels, not paths; a link to each field's input, which the editor has.
        let summary = try #require(Self.customer.fieldsWithPaths.first { $0.field.required })
        let inputID = "f-" + summary.path.replacingOccurrences(of: ".", with: "-")
        #expect(panel.contains("<a href=\"#\(inputID)\">\(summary.field.label)</a>: required, still empty."))
        #expect(html.contains("id=\"\(inputID)\""))
        #expect(!panel.contains("<code>") && !panel.contains(">\(summary.path)<"))
        // The item's missing owner links to that row's owner box.
        #expect(panel.contains("href=\"#f-openWork-openItems-0-owner\"") && html.contains("id=\"f-openWork-openItems-0-owner\""))
        // Form order: the first section's field before the last section's.
        let last = try #require(Self.customer.fieldsWithPaths.last { $0.field.required })
        #expect(panel.range(of: ">\(summary.field.label)</a>")!.lowerBound < panel.range(of: ">\(last.field.label)</a>")!.lowerBound)
        // Collapsible, and the score says what its points are for.
        #expect(panel.contains("<details id=\"lint-details\" open>") && panel.contains("id=\"lint-explanation\""))
        #expect(panel.contains("points for"))
    }

    @Test func aRefusedSubmitListsTheFindingsOnce() throws {
        let (tom, rita) = (Self.member("Tom", .member), Self.member("Rita", .member))
        let draft = Self.handover("h1", from: tom, to: rita, state: .draft)
        let report = Lint.report(content: draft.content, template: Self.customer, account: Self.acme(owner: tom), now: Self.day)
        let html = try WebPages.handover(
            Self.page(draft, tom: tom, rita: rita), viewer: Viewer(member: tom, csrf: "token"), refusal: .lintBlocked(report)
        ).description
        let label = try #require(report.findings.first?.label)
        #expect(html.components(separatedBy: ">\(label)</a>").count == 2, "the first finding shows more than once")
        #expect(html.contains("Not submitted yet") && !html.contains("Please fix"))
    }

    @Test func aSaveFromAStaleTabKeepsTheTypedTextAndOffersIt() throws {
        let (tom, rita) = (Self.member("Tom", .member), Self.member("Rita", .member))
        let submitted = Self.handover("h1", from: tom, to: rita, state: .submitted)
        let at = Self.day.addingTimeInterval(3600)
        let event = HandoverEventRecord(
            id: "e1", handoverID: "h1", organizationID: "org", actorID: tom.id, event: "submit", handoverVersion: 2, fromState: .draft, toState: .submitted,
            note: nil, at: at)
        var typed = submitted.content
        typed["risks", "worries"] = .string("They fear the <import> bug\nsecond line")
        let html = try WebPages.handover(
            Self.page(submitted, tom: tom, rita: rita, events: [event]), viewer: Viewer(member: tom, csrf: "token"), refusal: .notEditable(typed: typed)
        ).description
        #expect(html.contains("You submitted this handover in another tab or window on \(Web.date(at)) while you were editing here"))
        #expect(html.contains("<textarea id=\"unsaved-f-risks-worries\" readonly rows=\"2\">They fear the &lt;import&gt; bug\nsecond line</textarea>"))
        #expect(html.contains("id=\"post-unsaved\" method=\"post\" action=\"/handovers/h1/questions\""))
        #expect(!html.contains("Please fix"))

        // Saved elsewhere meanwhile: still a draft; the editor holds what was typed, and says so.
        var draft = Self.handover("h2", from: tom, to: rita, state: .draft)
        draft.version = 5
        let conflict = try WebPages.handover(
            Self.page(draft, tom: tom, rita: rita), viewer: Viewer(member: tom, csrf: "token"), refusal: .versionChanged(typed: typed)
        ).description
        #expect(conflict.contains("saved from another tab or window") && conflict.contains("id=\"load-saved\""))
        #expect(conflict.contains("They fear the &lt;import&gt; bug") && conflict.contains("name=\"version\" value=\"5\""))
    }

    @Test func anAuditorsEmptyHomeDoesNotOfferWhatTheyCannotDo() {
        let aldo = Self.member("Aldo", .auditor)
        let html = WebPages.home(HomeModel(today: CalendarDate(Self.day)), viewer: Viewer(member: aldo, csrf: "token"), flash: nil).description
        #expect(!html.contains("New handover") && html.contains("href=\"/accounts\""))
        let tom = WebPages.home(HomeModel(today: CalendarDate(Self.day)), viewer: Viewer(member: Self.member("Tom", .member), csrf: "token"), flash: nil)
        #expect(tom.description.contains("<a href=\"/handovers/new\">New handover</a>"))
    }

    @Test func datesReadAsPeopleWriteThem() {
        #expect(Web.day(CalendarDate("2026-12-03")!) == "3 Dec 2026")
        let moment = Date(timeIntervalSince1970: 1_796_316_735.605)  // 2026-12-03T16:52:15.605Z
        #expect(!Web.date(moment).contains("T") && Web.date(moment).contains("Dec 2026"))
        #expect(WebPages.moment("2026-12-03T16:52:15.605Z").description.hasPrefix("<time datetime=\"2026-12-03T16:52:15.605Z\">"))
        #expect(!WebPages.moment("2026-12-03T16:52:15.605Z").description.contains(">2026-12-03T"))
    }

    /// A date input shows the browser's locale format; beside it, the saved date as the app writes
    /// it ("16 Feb 2027"), tied to the input for screen readers.
    @Test func aDateFieldShowsTheSavedDateAsTheAppWritesIt() {
        let field = TemplateField(id: "renewalDate", label: "Next renewal date", type: .date, guidance: "When the contract renews.")
        let section = TemplateSection(id: "renewal", title: "Renewal", guidance: "", fields: [field])
        let html = EditorForm.inputs(section: section, field: field, value: .string("2027-02-16")).description
        #expect(html.contains("type=\"date\"") && html.contains("value=\"2027-02-16\""))
        #expect(html.contains("<span class=\"date-shown\"") && html.contains(">16 Feb 2027</span>"))
        #expect(html.contains("-shown\"") && html.contains("aria-describedby"))
        #expect(!EditorForm.inputs(section: section, field: field, value: nil).description.contains("date-shown"))
    }
}

/// The Briefing section of the handover page, from hand-built models: the held form for a party
/// once the start has passed (and not for others), move and cancel for who may arrange it, and
/// the template's gate said while unmet.
@Suite struct BriefingSectionViewTests {
    @Test func thePartiesConfirmAfterTheStartAndTheGateIsSaid() throws {
        let (tom, rita) = (PageViewTests.member("Tom", .member), PageViewTests.member("Rita", .member))
        let carol = PageViewTests.member("Carol", .member)
        let handover = PageViewTests.handover("h1", from: tom, to: rita, state: .submitted)
        var model = PageViewTests.page(handover, tom: tom, rita: rita)
        model.reading.template.rules.briefingMinimumMinutes = 30
        let past = Briefing(
            id: "b1", organizationID: "org", handoverID: "h1", organizerID: tom.id, startsAt: PageViewTests.day.addingTimeInterval(-3600), durationMinutes: 45,
            place: "Room <2>", videoURL: "https://meet.example.com/x", attendeeIDs: [tom.id, rita.id], createdAt: PageViewTests.day,
            updatedAt: PageViewTests.day)
        model.briefings = [past]
        let forRita = WebPages.briefingSection(model, me: rita, csrf: "token", typed: [:]).description
        #expect(forRita.contains("action=\"/briefings/b1/held\"") && forRita.contains("action=\"/briefings/b1/move\""))
        #expect(forRita.contains("id=\"briefing-gate\"") && forRita.contains("rules.briefingMinimumMinutes"))
        #expect(forRita.contains("Room &lt;2&gt;") && forRita.contains("45 minutes") && forRita.contains("id=\"schedule-briefing\""))
        // Tom confirmed already: no form for him; a member who is not a party gets neither form.
        model.briefings[0].confirmations = [BriefingConfirmation(memberID: tom.id, minutes: 40, covered: "All", stillOpen: "Pricing", at: PageViewTests.day)]
        let forTom = WebPages.briefingSection(model, me: tom, csrf: "token", typed: [:]).description
        #expect(!forTom.contains("/briefings/b1/held") && forTom.contains("Tom confirmed 40 minutes") && forTom.contains("Still open: Pricing"))
        let forCarol = WebPages.briefingSection(model, me: carol, csrf: "token", typed: [:]).description
        #expect(!forCarol.contains("/briefings/b1/held") && !forCarol.contains("/briefings/b1/move") && !forCarol.contains("id=\"schedule-briefing\""))
        // Before the start there is nothing to confirm yet.
        model.briefings[0].startsAt = PageViewTests.day.addingTimeInterval(3600)
        model.briefings[0].confirmations = []
        #expect(!WebPages.briefingSection(model, me: rita, csrf: "token", typed: [:]).description.contains("/briefings/b1/held"))
    }
}
