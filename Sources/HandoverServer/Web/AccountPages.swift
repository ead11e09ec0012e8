import Foundation
import HandoverCore
import HandoverStore
import HandoverServices

extension WebPages {
    func accounts(_ viewer: Viewer, filter: AccountFilter) async throws -> HTML {
        Self.accounts(try await services.pages.accounts(filter: filter, for: viewer.member), viewer: viewer)
    }

    static func accounts(_ model: AccountsModel, viewer: Viewer) -> HTML {
        let me = viewer.member
        let (filter, list, members) = (model.filter, model.accounts, model.members)
        let names = Member.namesByID(members)
        let kinds: [HTML] = AccountKind.allCases.map { kind in
            "<option value=\"\(kind.rawValue)\"\(HTML.attribute("selected", filter.kind == kind))>\(kind.rawValue)</option>"
        }
        let owners: [HTML] = members.filter { $0.role != .auditor }.map { member in
            "<option value=\"\(member.id)\"\(HTML.attribute("selected", filter.ownerID == member.id))>\(member.name)</option>"
        }
        let rows: [HTML] = list.map { account in
            let tags: [HTML] = account.profile.tags.map { "<a class=\"tag\" href=\"/accounts?tag=\($0)\">\($0)</a>" }
            return """
                <tr><td><a class="account-link" href="/accounts/\(account.id)">\(account.name)</a></td><td data-label="Kind">\(account.kind.rawValue)</td>
                <td data-label="Owner">\(names[account.ownerID] ?? "?")</td><td data-label="Renewal">\(account.profile.renewalDate.map(Web.day) ?? "—")</td>\
                <td data-label="Tags">\(tags.isEmpty ? ["—"] : tags)</td></tr>
                """
        }
        return Layout(title: "Accounts", member: me, csrf: viewer.csrf, current: "accounts").render(
            """
            <h1>Accounts</h1>
            <form id="account-filters" method="get" action="/accounts" class="filters" role="search">
            <div class="field"><label for="q">Search</label><input type="search" id="q" name="q" value="\(filter.search)" placeholder="Name or anything in the profile"></div>
            <div class="field"><label for="kind">Kind</label><select id="kind" name="kind"><option value="">Any kind</option>\(kinds)</select></div>
            <div class="field"><label for="owner">Owner</label><select id="owner" name="owner"><option value="">Anyone</option>\(owners)</select></div>
            <div class="field"><label for="tag">Tag</label><input type="text" id="tag" name="tag" value="\(filter.tag)"></div>
            <button type="submit" id="filter">Filter</button>
            </form>
            <p class="meta">\(list.count == filter.limit ? "The first \(filter.limit) accounts: narrow the search to find others." : "\(list.count) account\(list.count == 1 ? "" : "s")")</p>
            <div class="table-wrap"><table id="accounts" class="stack">
            <caption class="visually-hidden">Accounts</caption>
            <thead><tr><th scope="col">Account</th><th scope="col">Kind</th><th scope="col">Owner</th><th scope="col">Renewal</th><th scope="col">Tags</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            \(list.isEmpty ? "<p class=\"empty\">No account matches. Clear the filters to see all.</p>" as HTML : .empty)
            """)
    }

    func account(_ viewer: Viewer, id: String) async throws -> HTML {
        var model = try await services.pages.account(id: id, for: viewer.member)
        model.access = try await services.access.grantsModel(accountID: model.account.id, for: viewer.member)
        let journey = try await services.pipelines.journey(accountID: model.account.id, by: viewer.member)
        model.journey = journey
        model.stagePipelines = try await services.pipelines.pipelines(by: viewer.member)
        model.stageRecipients = try await services.members.members(by: viewer.member)
        model.attachments = try await services.attachments.pageModel(of: .account(model.account.id), for: viewer.member)
        model.covers = try await services.covers.covers(accountID: model.account.id, by: viewer.member)
        model.imported = try await services.imports.records(accountID: model.account.id, limit: 50, by: viewer.member)
        let everyone = Dictionary(model.stageRecipients.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        model.coversViewerMayEnd = Set(
            model.covers.filter { $0.state == .active && CoverService.mayEnd($0, owner: everyone[$0.ownerID], by: viewer.member) }.map(\.id))
        let surveys = try await services.followUps.customerSurveys(accountID: model.account.id, by: viewer.member)
        return Self.account(model, viewer: viewer, surveys: surveys)
    }

    static func account(_ model: AccountModel, viewer: Viewer, surveys: [CustomerSurvey] = []) -> HTML {
        let me = viewer.member
        let (account, chain, history, names) = (model.account, model.owners, model.handovers, model.memberNames)
        let profile = account.profile

        let owners: [HTML] = chain.map { link in
            """
            <li><strong>\(names[link.ownerID] ?? "?")</strong> <span class="meta">from \(Web.day(link.from))\(link.until.map { " until " + Web.day($0) } ?? " · current owner")\
            \(link.handoverID.map { " · <a href=\"/handovers/\($0)\">by handover</a>" as HTML })</span></li>
            """
        }
        let handoverItems: [HTML] = history.map { h in
            """
            <li><a class="handover-link" href="/handovers/\(h.id)">\(names[h.transferorID] ?? "?") → \(names[h.recipientID] ?? "?")</a>
            \(Web.stateBadge(h.state)) <span class="meta">\(Web.date(h.updatedAt))</span></li>
            """
        }
        let contacts: [HTML] = profile.contacts.map { c in
            Web.contact(c)
        }
        let items: [HTML] = profile.openItems.map { item in
            "<li>\(item.title) <span class=\"meta\">\(item.owner ?? "no owner") · \(item.due.map(Web.day) ?? "no due date")\(item.status.map { " · \($0)" })</span></li>"
        }
        let notes: [HTML] = profile.historyNotes.map { "<li><span class=\"meta\">\(Web.day($0.date))</span> \($0.text)</li>" }
        // One open handover per account: while one is open, the page leads to it instead of
        // offering a second that the server would refuse.
        let next: HTML
        if let open = model.openHandover {
            next = """
                <p class="card" id="open-handover">\(Web.stateBadge(open.state)) A handover of this account is open:
                <a class="handover-link" href="/handovers/\(open.id)">\(names[open.transferorID] ?? "?") → \(names[open.recipientID] ?? "?")</a>
                <span class="meta">updated \(Web.date(open.updatedAt))</span></p>
                """
        } else if model.canBegin {
            next = "<p><a class=\"button\" id=\"begin-handover\" href=\"/handovers/new?account=\(account.id)\">Hand over this account</a></p>"
        } else {
            next = .empty
        }
        return Layout(title: account.name, member: me, csrf: viewer.csrf, current: "accounts").render(
            """
            <p class="breadcrumb"><a href="/accounts">Accounts</a></p>
            <h1>\(account.name)</h1>
            <p class="meta">\(account.kind.rawValue) · owner <strong id="account-owner">\(names[account.ownerID] ?? "?")</strong>\
            \(profile.renewalDate.map { " · renews \(Web.day($0))" } ?? "")</p>
            \(next)
            \(RiskSection.account(model.risks, outcomes: model.outcomes, canRecord: model.canRecordOutcome, accountID: account.id, csrf: viewer.csrf))
            \(AnswerPages.askForm(accountID: account.id, question: ""))
            <div class="grid">
            <section aria-labelledby="profile-title"><h2 id="profile-title">Profile</h2>
            <p class="prose">\(profile.overview.isEmpty ? "No overview yet." : profile.overview)</p>
            <h3>Contacts</h3>\(contacts.isEmpty ? "<p class=\"empty\">None recorded.</p>" as HTML : "<ul class=\"list\">\(contacts)</ul>")
            <h3>Open items</h3>\(items.isEmpty ? "<p class=\"empty\">None.</p>" as HTML : "<ul class=\"list\">\(items)</ul>")
            \(notes.isEmpty ? HTML.empty : "<h3>History notes</h3><ul class=\"list\">\(notes)</ul>")
            \(profile.tags.isEmpty ? HTML.empty : "<p>\(profile.tags.map { "<span class=\"tag\">\($0)</span>" as HTML })</p>")
            </section>
            <section aria-labelledby="chain-title"><h2 id="chain-title">Owners over time</h2>
            <ol id="owner-chain" class="timeline">\(owners)</ol>
            </section>
            <section id="account-handovers" aria-labelledby="handovers-title"><h2 id="handovers-title">Handovers</h2>
            \(handoverItems.isEmpty ? "<p class=\"empty\">No handovers yet.</p>" as HTML : "<ul class=\"list\">\(handoverItems)</ul>")
            </section>
            </div>
            \(Self.secretsSection(model.secrets, account: account, names: names, me: me))
            \(Self.accessSection(model.access, account: account, csrf: viewer.csrf))
            \(surveys.isEmpty ? HTML.empty : "<section id=\"account-surveys\" aria-labelledby=\"account-surveys-title\"><h2 id=\"account-surveys-title\">What the customer said after handovers</h2>\(WebRoutes.customerSurveys(surveys))</section>")
            \(Self.journeySection(
                model.journey, names: names,
                forms: model.journey.map { Self.journeyForms($0, pipelines: model.stagePipelines, members: model.stageRecipients, viewer: viewer) } ?? .empty))
            \(Self.coverSection(model, viewer: viewer))
            \(Self.attachmentsSection(model.attachments, csrf: viewer.csrf))
            \(ImportPages.accountSection(model.imported))
            """)
    }

    /// "While I'm away": the account's active covers (with "Back early" for who may) and the form
    /// to start one when the viewer may begin a handover and none is open (`Docs/Covers.md`).
    static func coverSection(_ model: AccountModel, viewer: Viewer) -> HTML {
        let names = model.memberNames
        let active: [HTML] = model.covers.filter { $0.state == .active }.map { cover in
            let end: HTML =
                model.coversViewerMayEnd.contains(cover.id)
                ? """
                <form method="post" action="/covers/\(cover.id)/end" class="inline">\(CSRF.field(viewer.csrf))\
                <button type="submit" class="secondary" id="end-cover-\(cover.id)">Back early: hand it back now</button></form>
                """ : .empty
            return """
                <li class="cover" id="cover-\(cover.id)"><strong>\(names[cover.covererID] ?? "?")</strong> covers for \(names[cover.ownerID] ?? "?") \
                until \(Web.day(cover.until)) <span class="meta">· <a href="/handovers/\(cover.handoverID)">the cover handover</a>\
                \(cover.reason.map { " · \($0)" } ?? "")</span> \(end)</li>
                """
        }
        let ended: [HTML] = model.covers.filter { $0.state != .active }.prefix(5).map { cover in
            """
            <li class="cover-ended"><span class="meta">\(names[cover.covererID] ?? "?") covered for \(names[cover.ownerID] ?? "?") until \
            \(Web.day(cover.until)) · \(cover.state.rawValue)\(cover.handbackID.map { " · <a href=\"/handovers/\($0)\">the handback</a>" as HTML } ?? "")</span></li>
            """
        }
        var form: HTML = .empty
        // Also while a cover runs: whoever holds it now (the coverer) may go away in turn.
        let offersForm = model.canBegin && model.openHandover == nil
        if offersForm {
            let coverers = model.stageRecipients.filter { $0.isActive && $0.role != .auditor && $0.id != model.account.ownerID }
            let options: [HTML] = coverers.map { "<option value=\"\($0.id)\">\($0.name)</option>" }
            let tomorrow = CalendarDate(Date().addingTimeInterval(86_400)).description
            form = """
                <form id="start-cover" method="post" action="/accounts/\(model.account.id)/cover">\(CSRF.field(viewer.csrf))
                <div class="field"><label for="cover-by">Who covers</label><select id="cover-by" name="coverer" required>\
                <option value="">Choose a member</option>\(options)</select></div>
                <div class="field"><label for="cover-until">Until (it comes back by itself that day)</label>\
                <input type="date" id="cover-until" name="until" min="\(tomorrow)" required></div>
                <button type="submit" id="start-cover-button">Start the cover</button>
                <p class="hint">A handover to them, pre-filled from this profile; on that day the handback is drafted with what changed.</p>
                </form>
                """
        }
        guard !active.isEmpty || !ended.isEmpty || offersForm else { return .empty }
        return """
            <section id="covers" aria-labelledby="covers-title"><h2 id="covers-title">Cover while away</h2>
            \(active.isEmpty ? HTML.empty : "<ul class=\"list\" id=\"active-covers\">\(active)</ul>")
            \(form)
            \(ended.isEmpty ? HTML.empty : "<ul class=\"list\" id=\"ended-covers\">\(ended)</ul>")
            </section>
            """
    }
}
