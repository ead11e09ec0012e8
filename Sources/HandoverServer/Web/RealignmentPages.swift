import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverWire
import Hummingbird

/// `/realignments` (admins and managers realign; auditors read): the organization's realignments
/// and the CSV form; `POST /realignments/preview` the dry run (every bad row by its line, or the
/// moves, conflicts first); `POST /realignments` the apply, behind the preview's own
/// `Idempotency-Key`; `/realignments/{id}` one realignment. Rules are the CLI's and the API's
/// (`handover realign plan --rule`): on the web a realignment is a spreadsheet's CSV. Every rule
/// is `RealignmentService`'s; these pages only gather and show.
extension WebRoutes {
    func registerRealignments(_ router: Router<AppContext>) {
        router.get("/realignments") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(try await realignmentsPage(viewer, flash: Web.flash(request)))
        }
        router.post("/realignments/preview") { request, context in
            try services.realignments.mayRealign(try Viewer(request, context).member)
            let (viewer, form) = try await Viewer.posting(request, context, limit: RealignmentRoutes.bodyLimit)
            return try await realignmentPreview(viewer, csv: form.values["csv"] ?? "")
        }
        router.post("/realignments") { request, context in
            // The role before the body: only someone who may realign gets the file-sized limit.
            try services.realignments.mayRealign(try Viewer(request, context).member)
            let (viewer, form) = try await Viewer.posting(request, context, limit: RealignmentRoutes.bodyLimit)
            let csv = form.values["csv"] ?? ""
            guard let key = DepartureForm.validKey(form.text("key")) else {
                return try await realignmentPreview(viewer, csv: csv, problems: [Problem(path: "", message: "this form has lost its key: apply from the plan below")])
            }
            let request = RealignmentRequest(csv: csv, skipConflicts: form["skip"] != nil)
            do {
                let answer = try await waitingForKey { try await services.realignments.apply(request, idempotencyKey: key, by: viewer.member) }
                let summary = try WireJSON.decoder.decode(RealignmentSummary.self, from: Data(answer.body.utf8))
                return Web.redirect("/realignments/\(summary.id)", done: "realignment-applied")
            } catch {
                let (problems, status) = try Self.applyRefusal(error)
                return try await realignmentPreview(viewer, csv: csv, problems: problems, status: status)
            }
        }
        router.get("/realignments/:id") { request, context in
            let viewer = try Viewer(request, context)
            let summary = try await services.realignments.realignment(id: try context.parameters.require("id"), by: viewer.member)
            let names = Member.namesByID(try await members.members(by: viewer.member))
            let created = try await services.realignments.handovers(realignmentID: summary.id, by: viewer.member, limit: WebPages.departureLinesShown)
            let accountNames = try await services.accounts.names(ids: created.map(\.accountID), by: viewer.member)
            return Web.page(WebPages.realignment(summary, names: names, created: created, accountNames: accountNames, viewer: viewer, flash: Web.flash(request)))
        }
    }

    func realignmentsPage(_ viewer: Viewer, csv: String = "", problems: [Problem] = [], flash: String? = nil) async throws -> HTML {
        let list = try await services.realignments.realignments(by: viewer.member)
        let names = Member.namesByID(try await members.members(by: viewer.member))
        return WebPages.realignments(list, names: names, viewer: viewer, csv: csv, problems: problems, flash: flash)
    }

    /// The dry run's page, or the form again with every bad row (by its line) and what was typed.
    func realignmentPreview(_ viewer: Viewer, csv: String, problems: [Problem] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let plan: RealignmentPlan
        do { plan = try await services.realignments.preview(RealignmentRequest(csv: csv), by: viewer.member) } catch let error as HandoverError {
            return Web.page(
                try await realignmentsPage(viewer, csv: csv, problems: problems + WebPages.problems(error)),
                status: problems.isEmpty ? WebPages.status(error) : status)
        }
        let names = Member.namesByID(try await members.members(by: viewer.member))
        return Web.page(WebPages.realignmentPreview(plan, csv: csv, names: names, key: DepartureForm.newKey(), viewer: viewer, problems: problems), status: status)
    }
}

extension WebPages {
    static let realignmentExample = "account,new_owner,note\nAcme,bo@example.com,\"Renewal in March, call first\""

    static func realignments(
        _ list: [RealignmentSummary], names: [String: String], viewer: Viewer, csv: String = "", problems: [Problem] = [], flash: String? = nil
    ) -> HTML {
        let rows: [HTML] = list.map { r in
            """
            <tr class="realignment" id="realignment-\(r.id)"><td><a href="/realignments/\(r.id)">\(Web.date(r.createdAt))</a></td>\
            <td data-label="From">\(r.source == "csv" ? "a CSV" : "rules")</td><td data-label="By">\(names[r.createdBy] ?? "A former member")</td>\
            <td data-label="Handovers">\(r.handoversCreated)</td><td data-label="Skipped">\(r.skipped.count)</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"realignments-empty\">No realignments yet.</p>"
            : """
            <div class="table-wrap"><table class="stack" id="realignments">
            <caption class="visually-hidden">Realignments, newest first</caption>
            <thead><tr><th scope="col">When</th><th scope="col">From</th><th scope="col">By</th><th scope="col">Handovers</th>\
            <th scope="col">Skipped</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        // The textarea's text starts with a line break because HTML drops the first one after
        // `<textarea>`: a file that begins with a blank line keeps its line numbers when shown again.
        let form: HTML =
            canPlanDepartures(viewer.member)
            ? """
            <section aria-labelledby="realign-title" class="card"><h2 id="realign-title">Realign from a CSV</h2>
            \(Web.errors(problems))
            <form id="realign" method="post" action="/realignments/preview" aria-labelledby="realign-title">\(CSRF.field(viewer.csrf))
            <div class="field" id="csv-file-field" hidden><label for="csv-file">A CSV file from your spreadsheet</label>\
            <input type="file" id="csv-file" accept=".csv,text/csv,text/plain" data-fills="csv" aria-describedby="csv-hint"></div>
            <div class="field"><label for="csv">The CSV (paste it, or choose its file above)</label>\
            <textarea id="csv" name="csv" rows="8" required spellcheck="false" aria-describedby="csv-hint" placeholder="\(realignmentExample)">\n\(csv)</textarea></div>
            <p class="hint" id="csv-hint">A header row naming <code>account</code> (its id or exact name) and <code>new_owner</code> (their email), \
            optionally <code>note</code> (for the new owner) and <code>template</code>; then a row per account. Quote a value that holds a \
            comma. A bad row is named by its line and nothing is applied. \(viewer.member.role == .manager ? "You may move accounts you or your direct reports own. " as HTML : .empty)\
            By rules (a tag or kind to a member or team): <code>handover realign plan --rule</code>.</p>
            <button type="submit" id="preview-realignment">Show the plan</button>
            <p class="hint">Nothing changes until you apply the plan on the next page.</p>
            </form></section>
            """ : .empty
        return Layout(title: "Realignments", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "realignments").render(
            """
            <h1>Realignments</h1>
            <p class="lead">A territory redrawn or a team restructured: many accounts change hands at once. Each account that moves gets a \
            draft handover from its current owner to its new one, pre-filled from its profile; the account is theirs when it completes.</p>
            \(form)
            <section aria-labelledby="realignments-title"><h2 id="realignments-title">Realignments so far</h2>
            \(table)
            </section>
            """)
    }

    static func realignmentPreview(
        _ plan: RealignmentPlan, csv: String, names: [String: String], key: String, viewer: Viewer, problems: [Problem] = []
    ) -> HTML {
        func more(_ total: Int, _ what: String) -> HTML { WebPages.more(total, what, command: "handover realign plan --csv FILE --format json") }
        let conflictItems = conflictItems(plan.conflicts, owner: "its owner")
        let conflicts: HTML =
            plan.conflicts.isEmpty
            ? "<p class=\"card success\" id=\"realignment-no-conflicts\">No conflicts: every account can move as the file says.</p>"
            : """
            <section class="card warn" id="realignment-conflicts" aria-labelledby="conflicts-title">
            <h2 id="conflicts-title">\(plan.conflicts.count) conflict\(plan.conflicts.count == 1 ? "" : "s")</h2>
            <p>These accounts cannot move now. Resolve them, or apply with “skip conflicting accounts”: the others move and these are named \
            in the result.</p>
            <ul>\(conflictItems)</ul>\(more(plan.conflicts.count, "conflicts"))
            </section>
            """
        let lines: [HTML] = plan.lines.prefix(departureLinesShown).map { line in
            let state: HTML =
                line.conflict.map { "<span class=\"overdue\">\(conflictLabel($0))</span>" } ?? "<span class=\"state state-completed\">ready</span>"
            return """
                <tr class="realignment-line\(line.conflict == nil ? "" : " conflict")" id="line-\(line.accountID)">\
                <td data-label="Line">\(line.line.map(String.init) ?? "—")</td>\
                <td><a href="/accounts/\(line.accountID)">\(line.accountName)</a></td><td data-label="From">\(names[line.fromID] ?? line.fromID)</td>\
                <td data-label="To">\(names[line.toID] ?? line.toID)</td><td data-label="Template"><code>\(line.templateKey)</code></td>\
                <td data-label="Note">\(line.note ?? "—")</td><td data-label="State">\(state)</td></tr>
                """
        }
        let ready = plan.applicable.count
        let skip: HTML =
            plan.conflicts.isEmpty
            ? .empty
            : """
            <div class="field"><label class="choice"><input type="checkbox" id="skip-conflicts" name="skip" value="on"> \
            Skip conflicting accounts (\(plan.conflicts.count)) and apply the rest</label></div>
            """
        let apply: HTML =
            ready == 0
            ? "<p class=\"card\" id=\"realignment-nothing\">Nothing to move: every account in the file already has its new owner, or is in conflict.</p>"
            : """
            <section class="card" aria-labelledby="apply-title"><h2 id="apply-title">Apply</h2>
            <form id="apply-realignment" method="post" action="/realignments" aria-labelledby="apply-title">\(CSRF.field(viewer.csrf))\
            <input type="hidden" name="csv" value="\(csv)"><input type="hidden" name="key" value="\(key)">
            \(skip)
            <p class="hint">All of it is written at once, or nothing is. Sending this form twice applies it once.</p>
            <button type="submit" id="apply-button">Apply the realignment</button>
            </form></section>
            """
        return Layout(title: "Realignment plan", member: viewer.member, csrf: viewer.csrf, current: "realignments").render(
            """
            <p><a href="/realignments">← Realignments</a></p>
            <h1>The realignment's plan</h1>
            <p class="lead" id="realignment-counts">\(plan.lines.count) account\(plan.lines.count == 1 ? "" : "s") to move: \(ready) ready, \
            \(plan.conflicts.count) in conflict; \(plan.unchanged) already with \(plan.unchanged == 1 ? "its" : "their") new owner. Nothing has changed yet.</p>
            \(Web.errors(problems))
            \(conflicts)
            <section aria-labelledby="lines-title"><h2 id="lines-title">Accounts that move</h2>
            \(plan.lines.isEmpty ? "<p class=\"empty\" id=\"lines-empty\">None.</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="realignment-lines">
                <caption class="visually-hidden">Each account, its owner now and its new owner</caption>
                <thead><tr><th scope="col">Line</th><th scope="col">Account</th><th scope="col">From</th><th scope="col">To</th>\
                <th scope="col">Template</th><th scope="col">Note</th><th scope="col">State</th></tr></thead>
                <tbody>\(lines)</tbody></table></div>
                """)
            \(more(plan.lines.count, "accounts"))
            </section>
            \(apply)
            """)
    }

    static func realignment(
        _ r: RealignmentSummary, names: [String: String], created: [Handover], accountNames: [String: String], viewer: Viewer, flash: String?
    ) -> HTML {
        let skipped: [HTML] = r.skipped.prefix(departureLinesShown).map { "<li>\($0.message)</li>" }
        let links: [HTML] = created.map { h in
            """
            <li><a href="/handovers/\(h.id)">\(accountNames[h.accountID] ?? h.accountID)</a> \
            <span class="meta">from \(names[h.transferorID] ?? "a former member") to \(names[h.recipientID] ?? "a former member") · \(h.state.rawValue)</span></li>
            """
        }
        return Layout(title: "Realignment", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "realignments").render(
            """
            <p><a href="/realignments">← Realignments</a></p>
            <h1>Realignment of \(Web.date(r.createdAt))</h1>
            <p class="card success" id="realignment-status">Applied: \(r.handoversCreated) draft handover\(r.handoversCreated == 1 ? "" : "s") created. \
            Each current owner completes theirs; the account moves when it completes.</p>
            <dl class="facts" id="realignment-summary">
            <dt>From</dt><dd>\(r.source == "csv" ? "a CSV" : "rules")</dd>
            <dt>By</dt><dd>\(names[r.createdBy] ?? "A former member")</dd>
            <dt>Handovers created</dt><dd id="realignment-handovers">\(r.handoversCreated)</dd>
            <dt>Already with their new owner</dt><dd>\(r.unchanged)</dd>
            <dt>Skipped</dt><dd id="realignment-skipped">\(r.skipped.count)</dd>
            </dl>
            \(skipped.isEmpty ? HTML.empty : "<section aria-labelledby=\"skipped-title\"><h2 id=\"skipped-title\">Skipped</h2><ul class=\"list\">\(skipped)</ul></section>")
            \(links.isEmpty ? HTML.empty : """
                <section aria-labelledby="created-title"><h2 id="created-title">Handovers created</h2>
                <ul class="list" id="realignment-created">\(links)</ul>\
                \(r.handoversCreated > links.count ? "<p class=\"hint\">The first \(links.count) of \(r.handoversCreated); <code>handover list</code> has them all.</p>" as HTML : .empty)
                </section>
                """)
            """)
    }
}
