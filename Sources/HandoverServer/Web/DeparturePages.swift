import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import HandoverWire
import Hummingbird

/// `/departures` (admins and managers plan; auditors read): the organization's departures and the
/// "Plan a departure" form; `POST /departures/preview` the dry run, conflicts first; `POST
/// /departures` the apply, behind the preview form's own `Idempotency-Key`; `/departures/{id}`
/// one departure. Every rule is `DepartureService`'s; these pages only gather and show.
extension WebRoutes {
    func registerDepartures(_ router: Router<AppContext>) {
        router.get("/departures") { request, context in
            let viewer = try Viewer(request, context)
            let chosen = request.uri.queryParameters["member"].map(String.init)
            return Web.page(try await departuresPage(viewer, typed: chosen.map { DepartureRequest(memberID: $0) }, flash: Web.flash(request)))
        }
        router.post("/departures/preview") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let plan: DepartureRequest
            do { plan = try DepartureForm.request(form) } catch let error as HandoverError {
                return Web.page(try await departuresPage(viewer, problems: WebPages.problems(error)), status: WebPages.status(error))
            }
            return try await previewResponse(viewer, plan)
        }
        router.post("/departures") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            var plan = try DepartureForm.request(form)
            plan.skipConflicts = form["skip"] != nil
            defer { if plan.deactivate { credentials.evictAll() } }
            guard let key = DepartureForm.validKey(form.text("key")) else {
                return try await previewResponse(viewer, plan, problems: [Problem(path: "", message: "this form has lost its key: apply from the plan below")])
            }
            do {
                let answer = try await waitingForKey { try await services.departures.apply(plan, idempotencyKey: key, by: viewer.member) }
                let summary = try WireJSON.decoder.decode(DepartureSummary.self, from: Data(answer.body.utf8))
                return Web.redirect("/departures/\(summary.id)", done: summary.state == "scheduled" ? "departure-scheduled" : "departure-applied")
            } catch {
                let (problems, status) = try Self.applyRefusal(error)
                return try await previewResponse(viewer, plan, problems: problems, status: status)
            }
        }
        router.get("/departures/:id") { request, context in
            let viewer = try Viewer(request, context)
            let summary = try await services.departures.departure(id: try context.parameters.require("id"), by: viewer.member)
            let names = Member.namesByID(try await members.members(by: viewer.member))
            var created: [Handover] = []
            var accountNames: [String: String] = [:]
            if summary.handoversCreated > 0 {
                created = try await services.departures.handovers(departureID: summary.id, by: viewer.member, limit: WebPages.departureLinesShown)
                accountNames = try await services.accounts.names(ids: created.map(\.accountID), by: viewer.member)
            }
            let flash = Web.flash(request)
            return Web.page(WebPages.departure(summary, names: names, created: created, accountNames: accountNames, viewer: viewer, flash: flash))
        }
    }

    func departuresPage(_ viewer: Viewer, typed: DepartureRequest? = nil, problems: [Problem] = [], flash: String? = nil) async throws -> HTML {
        let list = try await services.departures.departures(by: viewer.member)
        let everyone = try await members.members(by: viewer.member)
        let teams = try await members.teams(by: viewer.member)
        return WebPages.departures(list, members: everyone, teams: teams, viewer: viewer, typed: typed, problems: problems, flash: flash)
    }

    /// The dry run's page, or the plan form again with the service's refusal (a bad day, someone
    /// the viewer may not plan for) and what was typed.
    func previewResponse(_ viewer: Viewer, _ request: DepartureRequest, problems: [Problem] = [], status: HTTPResponse.Status = .ok) async throws -> Response {
        let plan: DeparturePlan
        do { plan = try await services.departures.preview(request, by: viewer.member) } catch let error as HandoverError {
            return Web.page(
                try await departuresPage(viewer, typed: request, problems: problems + WebPages.problems(error)),
                status: problems.isEmpty ? WebPages.status(error) : status)
        }
        let everyone = try await members.members(by: viewer.member)
        return Web.page(
            WebPages.departurePreview(plan, request: request, members: everyone, key: DepartureForm.newKey(), viewer: viewer, problems: problems), status: status)
    }

    /// An apply form's refusal shown on its plan again: the service's 422s (with every problem),
    /// conflicts left without "skip", and a key still held (after `waitingForKey` gave up).
    /// Anything else is rethrown to the error page.
    static func applyRefusal(_ error: any Error) throws -> (problems: [Problem], status: HTTPResponse.Status) {
        switch error {
        case let error as HandoverError: return (WebPages.problems(error), WebPages.status(error))
        case DepartureError.planConflicts(let message, let problems): return ([Problem(path: "", message: message)] + problems, .unprocessableContent)
        case let error as DepartureError: return ([Problem(path: "", message: error.message)], .conflict)
        default: throw error
        }
    }

    /// Applies with the form's key. A double click sends the form twice at once: the second
    /// request finds the key still held by the first (the service's 409 "still in progress") and,
    /// instead of showing that, waits for the first to finish and shows its stored result.
    func waitingForKey(_ apply: () async throws -> IdempotentResponse) async throws -> IdempotentResponse {
        var waited = 0
        while true {
            do {
                return try await apply()
            } catch DepartureError.keyInProgress where waited < 60 {
                waited += 1
                try await Task.sleep(for: .milliseconds(500))
            }
        }
    }
}

extension WebPages {
    /// Plan lines, conflicts and pointers shown on one page: a plan of 100,000 accounts renders
    /// its counts and the first 500 of each, and says how to get the rest (the CLI's JSON).
    static let departureLinesShown = 500

    static func canPlanDepartures(_ member: Member) -> Bool { member.role == .admin || member.role == .manager }

    /// Who a viewer may choose as the leaver: everyone active for an admin, their reports for a manager.
    static func leavers(_ members: [Member], viewer: Member) -> [Member] {
        members.filter { $0.isActive && $0.id != viewer.id && (viewer.role == .admin || $0.managerID == viewer.id) }
    }

    /// Who may receive an account: active, not an auditor.
    static func recipients(_ members: [Member]) -> [Member] { members.filter { $0.isActive && $0.role != .auditor } }

    static func options(_ members: [Member], selected: String?, empty: String?) -> HTML {
        let first: HTML = empty.map { "<option value=\"\"\(HTML.attribute("selected", selected == nil))>\($0)</option>" } ?? .empty
        let rest: [HTML] = members.map { "<option value=\"\($0.id)\"\(HTML.attribute("selected", selected == $0.id))>\($0.name)</option>" }
        return "\(first)\(rest)"
    }

    /// Teams for a rule's recipient select, as `team:<id>`: the team's least loaded member receives.
    static func teamOptions(_ teams: [Team], selected: String?) -> HTML {
        guard !teams.isEmpty else { return .empty }
        let options: [HTML] = teams.map {
            "<option value=\"\(DepartureForm.teamPrefix)\($0.id)\"\(HTML.attribute("selected", selected == $0.id))>Team: \($0.name)</option>"
        }
        return "<optgroup label=\"Teams (least loaded member)\">\(options)</optgroup>"
    }

    static func departures(
        _ list: [DepartureSummary], members: [Member], teams: [Team] = [], viewer: Viewer, typed: DepartureRequest? = nil, problems: [Problem] = [],
        flash: String? = nil
    ) -> HTML {
        let names = Member.namesByID(members)
        let rows: [HTML] = list.map { d in
            """
            <tr class="departure" id="departure-\(d.id)"><td><a href="/departures/\(d.id)">\(names[d.memberID] ?? "A former member")</a></td>\
            <td data-label="Day">\(d.effectiveOn.map(Web.day) ?? Web.day(d.createdAt))</td><td data-label="State">\(stateBadge(d.state))</td>\
            <td data-label="Handovers">\(d.handoversCreated)</td><td data-label="Skipped">\(d.skipped.count)</td>\
            <td data-label="Planned">\(Web.day(d.createdAt))</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"departures-empty\">No departures yet.</p>"
            : """
            <div class="table-wrap"><table class="stack" id="departures">
            <caption class="visually-hidden">Departures, newest first</caption>
            <thead><tr><th scope="col">Who leaves</th><th scope="col">Day</th><th scope="col">State</th><th scope="col">Handovers</th>\
            <th scope="col">Skipped</th><th scope="col">Planned</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let form: HTML = canPlanDepartures(viewer.member) ? planForm(members: members, teams: teams, viewer: viewer, typed: typed, problems: problems) : .empty
        return Layout(title: "Departures", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "departures").render(
            """
            <h1>Departures</h1>
            <p class="lead">When someone leaves, every account they own gets a draft handover to a new owner, pre-filled from its profile, \
            and what else points at them (briefings, access grants, secrets only they can open) is planned with it. You see the whole \
            plan, conflicts first, before anything changes.</p>
            \(form)
            <section aria-labelledby="departures-title"><h2 id="departures-title">Departures so far</h2>
            \(table)
            </section>
            """)
    }

    static func stateBadge(_ state: String) -> HTML {
        "<span class=\"state \(state == "applied" ? "state-completed" : "state-submitted")\">\(state)</span>"
    }

    static func planForm(members: [Member], teams: [Team], viewer: Viewer, typed: DepartureRequest?, problems: [Problem]) -> HTML {
        let leavers = leavers(members, viewer: viewer.member)
        let recipients = recipients(members)
        let rules: [HTML] = (0..<DepartureForm.ruleRows).map { row in
            let rule = typed.flatMap { row < $0.rules.count ? $0.rules[row] : nil }
            let matches: [HTML] = DepartureRule.Match.allCases.map {
                "<option value=\"\($0.rawValue)\"\(HTML.attribute("selected", rule?.match == $0))>\($0.rawValue)</option>"
            }
            return """
                <fieldset class="row departure-rule" id="rule-\(row)"><legend>Rule \(row + 1)</legend>
                <div><label for="rule-\(row)-match">Match</label><select id="rule-\(row)-match" name="rule-\(row)-match">\(matches)</select></div>
                <div><label for="rule-\(row)-value">Value</label><input type="text" id="rule-\(row)-value" name="rule-\(row)-value" maxlength="200" \
                value="\(rule?.value)" autocomplete="off"></div>
                <div><label for="rule-\(row)-recipient">Goes to</label><select id="rule-\(row)-recipient" name="rule-\(row)-recipient">\
                \(options(recipients, selected: rule?.recipientID, empty: "—"))\(teamOptions(teams, selected: rule?.teamID))</select></div>
                </fieldset>
                """
        }
        let balance: [HTML] = recipients.map { m in
            """
            <label class="choice"><input type="checkbox" id="balance-\(m.id)" name="balance-\(m.id)" value="on"\
            \(HTML.attribute("checked", typed?.balanceAmong.contains(m.id) ?? false))> \(m.name)</label>
            """
        }
        let today = CalendarDate(Date()).description
        return """
            <section aria-labelledby="plan-title" class="card"><h2 id="plan-title">Plan a departure</h2>
            \(Web.errors(problems))
            <form id="plan-departure" method="post" action="/departures/preview" aria-labelledby="plan-title">\(CSRF.field(viewer.csrf))
            <div class="field"><label for="member">Who leaves</label><select id="member" name="member" required>\
            \(options(leavers, selected: typed?.memberID, empty: "Choose a member"))</select></div>
            <div class="field"><label for="effective">On (leave empty for now)</label>\
            <input type="date" id="effective" name="effective" min="\(today)" value="\(typed?.effectiveOn?.description)"></div>
            <h3>Who receives each account</h3>
            <p class="hint">First match wins: an account you map on the next page, then these rules in order (to a member, or to a team's \
            least loaded member), then the least loaded of \
            the members ticked below, then the leaver's manager. A territory is a tag \
            (<code>emea</code>, <code>territory:north</code>); a kind is one of \(AccountKind.allCases.map(\.rawValue).joined(separator: ", ")).</p>
            \(rules)
            <fieldset class="field"><legend>Balance the rest by current load among</legend><div class="choices">\(balance)</div></fieldset>
            \(viewer.member.role == .admin ? """
                <div class="field"><label class="choice"><input type="checkbox" id="deactivate" name="deactivate" value="on"\
                \(HTML.attribute("checked", typed?.deactivate ?? false))> Deactivate them when it applies: \
                their sign-in, sessions and API tokens end as their accounts go</label></div>
                """ as HTML : .empty)
            <button type="submit" id="preview-departure">Show the plan</button>
            <p class="hint">Nothing changes until you apply the plan on the next page.</p>
            </form></section>
            """
    }

    /// "The first 500 of N …" under a list cut at `departureLinesShown`, naming the command that prints all of it.
    static func more(_ total: Int, _ what: String, command: String) -> HTML {
        total > departureLinesShown
            ? "<p class=\"hint departure-more\">The first \(departureLinesShown) of \(total) \(what). The whole plan: <code>\(command)</code>.</p>"
            : .empty
    }

    /// A plan's conflicts (the first 500), each with what to do about it and a link to its line.
    static func conflictItems(_ conflicts: [DepartureConflict], owner: String) -> [HTML] {
        conflicts.prefix(departureLinesShown).map { c in
            // A handover sent to the leaver is not one of their accounts' lines: it is listed below.
            let place: HTML =
                c.kind == .handoverNotRedirected
                ? " <a href=\"#departure-incoming\">see the handovers sent to them</a>"
                : c.accountID.map { " <a href=\"#line-\($0)\">see the line</a>" } ?? .empty
            return "<li class=\"departure-conflict\"><strong>\(c.message)</strong>.\(place)<br><span class=\"meta\">\(advice(c.kind, leaver: owner))</span></li>"
        }
    }

    /// What to do about each kind of conflict, said beside it.
    static func advice(_ kind: DepartureConflict.Kind, leaver: String) -> String {
        switch kind {
        case .openHandover: "Its handover is on the account's page. Or skip it below and hand this account over once that one is done."
        case .inactiveRecipient: "Choose an active recipient for it below, or change the rule that chose this one."
        case .noRecipient: "Choose a recipient for it below, add a rule, tick members to balance among, or give \(leaver) a manager."
        case .leaverIsRecipient: "Choose someone else for it below."
        case .unknownRecipient: "Choose a member of this organization for it below."
        case .auditorRecipient: "Auditors cannot own accounts: choose someone else for it below."
        case .briefingNotReassigned: "Cancel that briefing on its handover's page, or give \(leaver) a manager; or apply skipping conflicts and it stays as it is."
        case .handoverNotRedirected:
            "Complete or cancel it on its page, tick members to balance among, or give \(leaver) a manager; or apply skipping conflicts and it stays as it is."
        }
    }

    static func reason(_ reason: DepartureReason?, leaver: String) -> String {
        switch reason {
        case .mapping: "chosen for this account"
        case .rule: "a rule matched"
        case .balance: "least loaded"
        case .manager: "\(leaver)'s manager"
        case nil: "nobody matched"
        }
    }

    static func departurePreview(
        _ plan: DeparturePlan, request: DepartureRequest, members: [Member], key: String, viewer: Viewer, problems: [Problem] = []
    ) -> HTML {
        let names = Member.namesByID(members)
        let leaver = names[plan.memberID] ?? "The leaver"
        let recipients = recipients(members)
        let shown = departureLinesShown
        let mapped = Dictionary(request.mappings.map { ($0.accountID, $0.recipientID) }, uniquingKeysWith: { _, last in last })
        let hidden = DepartureForm.hidden(request)
        func more(_ total: Int, _ what: String) -> HTML { WebPages.more(total, what, command: "handover departure plan --format json") }
        let conflictItems = conflictItems(plan.conflicts, owner: leaver)
        let conflicts: HTML =
            plan.conflicts.isEmpty
            ? "<p class=\"card success\" id=\"departure-no-conflicts\">No conflicts: every account has a recipient who can take it.</p>"
            : """
            <section class="card warn" id="departure-conflicts" aria-labelledby="conflicts-title">
            <h2 id="conflicts-title">\(plan.conflicts.count) conflict\(plan.conflicts.count == 1 ? "" : "s")</h2>
            <p>These accounts cannot be handed over as planned. Resolve them, or apply with “skip conflicting accounts”: the others are \
            applied and these are named in the result.</p>
            <ul>\(conflictItems)</ul>\(more(plan.conflicts.count, "conflicts"))
            </section>
            """

        // A recipient can be chosen here for a line whose recipient is the problem; an open
        // handover is not solved by another recipient.
        var choosable = 0
        let lines: [HTML] = plan.lines.prefix(shown).map { line in
            let recipient: HTML
            if let kind = line.conflict, kind != .openHandover {
                choosable += 1
                recipient = """
                    <select name="map-\(line.accountID)" form="replan" aria-label="Recipient for \(line.accountName)">\
                    \(options(recipients, selected: mapped[line.accountID], empty: "Choose…"))</select>
                    """
            } else {
                recipient = "\(line.recipientID.map { names[$0] ?? $0 } ?? "—")"
            }
            let state: HTML =
                line.conflict.map { "<span class=\"overdue\">\(conflictLabel($0))</span>" } ?? "<span class=\"state state-completed\">ready</span>"
            return """
                <tr class="departure-line\(line.conflict == nil ? "" : " conflict")" id="line-\(line.accountID)">\
                <td><a href="/accounts/\(line.accountID)">\(line.accountName)</a></td><td data-label="Kind">\(line.kind.rawValue)</td>\
                <td data-label="Template"><code>\(line.templateKey)</code></td><td data-label="Recipient">\(recipient)</td>\
                <td data-label="Why">\(reason(line.reason, leaver: leaver))</td><td data-label="Open items">\(line.openItemsReassigned)</td>\
                <td data-label="State">\(state)</td></tr>
                """
        }
        let applicable = plan.lines.count - plan.lines.filter { $0.conflict != nil }.count
        let replan: HTML =
            choosable > 0
            ? """
            <form id="replan" method="post" action="/departures/preview">\(CSRF.field(viewer.csrf))\
            <input type="hidden" name="request" value="\(hidden)">\
            <button type="submit" class="secondary" id="replan-button">Plan again with the recipients chosen above</button></form>
            """ : .empty

        func pointerList(_ id: String, _ title: String, _ items: [DeparturePointer], _ noun: String, _ what: (DeparturePointer) -> HTML) -> HTML {
            guard !items.isEmpty else { return .empty }
            let entries: [HTML] = items.prefix(shown).map { "<li>\(what($0))</li>" }
            return
                "<section id=\"\(id)\" aria-labelledby=\"\(id)-title\"><h3 id=\"\(id)-title\">\(title) (\(items.count))</h3><ul class=\"list\">\(entries)</ul>\(more(items.count, noun))</section>"
        }
        let to: (DeparturePointer) -> String = { p in p.recipientID.map { names[$0] ?? $0 } ?? "nobody yet (its account is in conflict)" }
        let pointers = plan.pointers
        let others: HTML = """
            <section aria-labelledby="pointers-title"><h2 id="pointers-title">Everything else that points at \(leaver)</h2>
            \(pointers.briefings.isEmpty && pointers.accessGrants.isEmpty && pointers.soleReaderSecrets.isEmpty && pointers.incomingHandovers.isEmpty ? "<p class=\"empty\" id=\"pointers-empty\">Nothing else.</p>" as HTML : .empty)
            \(pointerList("departure-incoming", "Handovers sent to them, still open: sent on", pointers.incomingHandovers, "handovers") {
                "<a href=\"/handovers/\($0.id)\">\($0.label)</a> → \($0.recipientID.map { names[$0] ?? $0 } ?? "nobody: it stays with \(leaver) (see the conflicts)")"
            })
            \(pointerList("departure-briefings", "Briefings they organize: reassigned", pointers.briefings, "briefings") { "\($0.label) → \(to($0))" })
            \(pointerList("departure-grants", "Access grants they hold: listed for the access plans", pointers.accessGrants, "grants") { "\($0.label) → \(to($0))" })
            \(pointerList("departure-secrets", "Secrets only they can open", pointers.soleReaderSecrets, "secrets") {
                "<strong class=\"overdue\">flagged</strong> \($0.label): ask \(leaver) to share it with \(to($0)) before they go; nobody else can."
            })
            </section>
            """

        let future = plan.effectiveOn.map { $0 > CalendarDate(Date()) } ?? false
        let when = plan.effectiveOn.map { future ? "on \(Web.day($0))" : "today" } ?? "now"
        let skip: HTML =
            plan.conflicts.isEmpty
            ? .empty
            : """
            <div class="field"><label class="choice"><input type="checkbox" id="skip-conflicts" name="skip" value="on"> \
            Skip conflicting accounts (\(plan.conflicts.count)) and apply the rest</label></div>
            """
        let apply: HTML = """
            <section class="card" aria-labelledby="apply-title"><h2 id="apply-title">\(future ? "Schedule" : "Apply")</h2>
            <form id="apply-departure" method="post" action="/departures" aria-labelledby="apply-title">\(CSRF.field(viewer.csrf))\
            <input type="hidden" name="request" value="\(hidden)"><input type="hidden" name="key" value="\(key)">
            \(skip)
            \(request.deactivate ? "<p id=\"deactivate-note\"><strong>\(leaver) is deactivated when it applies</strong>: their sign-in, sessions and API tokens end.</p>" as HTML : .empty)
            <p class="hint">\(future ? "On \(Web.day(plan.effectiveOn!)) the plan is made again (accounts may change by then) and applied, conflicts skipped." : "All of it is written at once, or nothing is.") \
            Sending this form twice applies it once.</p>
            <button type="submit" id="apply-button">\(future ? "Schedule the departure" : "Apply the departure")</button>
            </form></section>
            """

        return Layout(title: "Departure plan", member: viewer.member, csrf: viewer.csrf, current: "departures").render(
            """
            <p><a href="/departures">← Departures</a></p>
            <h1>\(leaver) leaves \(when): the plan</h1>
            <p class="lead" id="departure-counts">\(plan.lines.count) account\(plan.lines.count == 1 ? "" : "s"): \(applicable) ready, \
            \(plan.conflicts.count) in conflict. \(pointers.incomingHandovers.count) open handover\(pointers.incomingHandovers.count == 1 ? "" : "s") sent to them, \
            \(pointers.briefings.count) briefing\(pointers.briefings.count == 1 ? "" : "s") to reassign, \
            \(pointers.accessGrants.count) access grant\(pointers.accessGrants.count == 1 ? "" : "s") to plan, \
            \(pointers.soleReaderSecrets.count) secret\(pointers.soleReaderSecrets.count == 1 ? "" : "s") only \(leaver) can open. Nothing has changed yet.</p>
            \(Web.errors(problems))
            \(conflicts)
            <section aria-labelledby="lines-title"><h2 id="lines-title">Accounts</h2>
            \(plan.lines.isEmpty ? "<p class=\"empty\" id=\"lines-empty\">\(leaver) owns no accounts.</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="departure-lines">
                <caption class="visually-hidden">Each account and who receives it</caption>
                <thead><tr><th scope="col">Account</th><th scope="col">Kind</th><th scope="col">Template</th><th scope="col">Recipient</th>\
                <th scope="col">Why</th><th scope="col">Open items</th><th scope="col">State</th></tr></thead>
                <tbody>\(lines)</tbody></table></div>
                """)
            \(more(plan.lines.count, "accounts"))
            \(replan)
            </section>
            \(others)
            \(apply)
            """)
    }

    static func conflictLabel(_ kind: DepartureConflict.Kind) -> String {
        switch kind {
        case .openHandover: "open handover"
        case .inactiveRecipient: "recipient deactivated"
        case .noRecipient: "no recipient"
        case .leaverIsRecipient: "goes to the leaver"
        case .unknownRecipient: "unknown recipient"
        case .auditorRecipient: "recipient is an auditor"
        case .briefingNotReassigned: "briefing left behind"
        case .handoverNotRedirected: "handover to them left behind"
        }
    }

    static func departure(
        _ d: DepartureSummary, names: [String: String], created: [Handover], accountNames: [String: String], viewer: Viewer, flash: String?
    ) -> HTML {
        let leaver = names[d.memberID] ?? "A former member"
        let skipped: [HTML] = d.skipped.prefix(departureLinesShown).map { "<li>\($0.message)</li>" }
        let links: [HTML] = created.map { h in
            "<li><a href=\"/handovers/\(h.id)\">\(accountNames[h.accountID] ?? h.accountID)</a> <span class=\"meta\">to \(names[h.recipientID] ?? "a former member")</span></li>"
        }
        let status: HTML =
            d.state == "scheduled"
            ? "<p class=\"card\" id=\"departure-status\">Scheduled for \(d.effectiveOn.map(Web.day) ?? "its day"): at 00:00 UTC that day it is planned again and applied, and conflicts then are skipped and listed here.</p>"
            : "<p class=\"card success\" id=\"departure-status\">Applied \(d.appliedAt.map(Web.date) ?? ""): \(d.handoversCreated) draft handover\(d.handoversCreated == 1 ? "" : "s") created.</p>"
        return Layout(title: "Departure of \(leaver)", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "departures").render(
            """
            <p><a href="/departures">← Departures</a></p>
            <h1>Departure of \(leaver)</h1>
            \(status)
            <dl class="facts" id="departure-summary">
            <dt>State</dt><dd>\(stateBadge(d.state))</dd>
            <dt>Day</dt><dd>\(d.effectiveOn.map(Web.day) ?? "at once")</dd>
            <dt>Handovers created</dt><dd id="departure-handovers">\(d.handoversCreated)</dd>
            <dt>Skipped</dt><dd id="departure-skipped">\(d.skipped.count)</dd>
            <dt>Handovers sent on</dt><dd id="departure-redirected">\(d.handoversRedirected)</dd>
            <dt>Deactivated</dt><dd id="departure-deactivated">\(d.leaverDeactivated ? "yes, when it applied" : "no")</dd>
            <dt>Briefings reassigned</dt><dd>\(d.briefingsReassigned)</dd>
            <dt>Access grants listed</dt><dd>\(d.accessGrantsListed)</dd>
            <dt>Secrets flagged</dt><dd>\(d.soleReaderSecrets)</dd>
            <dt>Planned</dt><dd>\(Web.date(d.createdAt))</dd>
            </dl>
            \(skipped.isEmpty ? HTML.empty : "<section aria-labelledby=\"skipped-title\"><h2 id=\"skipped-title\">Skipped</h2><ul class=\"list\" id=\"departure-skipped-list\">\(skipped)</ul></section>")
            \(links.isEmpty ? HTML.empty : """
                <section aria-labelledby="created-title"><h2 id="created-title">Handovers created</h2>
                <ul class="list" id="departure-created">\(links)</ul>\
                \(d.handoversCreated > links.count ? "<p class=\"hint\">The first \(links.count) of \(d.handoversCreated) still open; <code>handover list</code> has them all.</p>" as HTML : .empty)
                </section>
                """)
            """)
    }
}
