import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import Hummingbird

/// Access in the web app: the account page's inventory (add, revoke), the handover page's access
/// plan (draw, add, drop, confirm, decline) and the lingering-access report. Forms post to the
/// routes below, which call `AccessService` and redirect back, or show the page again with the
/// reasons and what was typed.
extension WebPages {
    /// The account page's "Access" section.
    static func accessSection(_ model: AccessGrantsModel?, account: Account, csrf: String) -> HTML {
        guard let model else { return .empty }
        let active = model.grants.filter(\.isActive), revoked = model.grants.filter { !$0.isActive }
        func row(_ grant: AccessGrant) -> HTML {
            let holder: HTML = grant.holderID == nil ? "\(grant.holderName) <span class=\"meta\">(outside the organization)</span>" : "\(grant.holderName)"
            let status: HTML
            if let revokedOn = grant.revokedOn {
                status = "revoked \(Web.day(revokedOn))\(grant.revokeEvidence.map { " · \($0)" } ?? "")"
            } else if model.canChange {
                status = """
                    <form class="inline revoke-grant" method="post" action="/access-grants/\(grant.id)/revoke">\(CSRF.field(csrf))
                    <label class="visually-hidden" for="evidence-\(grant.id)">Evidence for revoking \(grant.label) of \(grant.holderName)</label>\
                    <input type="text" id="evidence-\(grant.id)" name="evidence" placeholder="Evidence (ticket…)" maxlength="\(AccessGrant.maxNoteLength)">
                    <button type="submit" class="secondary">Revoke</button></form>
                    """
            } else {
                status = "active"
            }
            return """
                <tr id="grant-\(grant.id)" class="access-grant"><td>\(grant.system)</td><td data-label="Role">\(grant.role)</td>\
                <td data-label="Holder">\(holder)</td><td data-label="Granted">\(Web.day(grant.grantedOn))\(grant.note.isEmpty ? HTML.empty : "<br><span class=\"meta\">\(grant.note)</span>")</td>\
                <td data-label="Status">\(status)</td></tr>
                """
        }
        func table(_ grants: [AccessGrant], id: String, caption: String) -> HTML {
            """
            <div class="table-wrap"><table id="\(id)" class="stack"><caption class="visually-hidden">\(caption)</caption>
            <thead><tr><th scope="col">System</th><th scope="col">Role</th><th scope="col">Holder</th><th scope="col">Granted</th><th scope="col">Status</th></tr></thead>
            <tbody>\(grants.map(row))</tbody></table></div>
            """
        }
        let typed = model.typed
        let options: [HTML] = model.members.map { m in
            "<option value=\"\(m.id)\"\(HTML.attribute("selected", typed["holder"] == m.id))>\(m.name)</option>"
        }
        let add: HTML =
            model.canChange
            ? """
            <details id="add-grant-panel"\(HTML.attribute("open", !model.problems.isEmpty))><summary>Record a grant</summary>
            <form id="add-grant" method="post" action="/accounts/\(account.id)/access-grants">\(CSRF.field(csrf))
            <div class="field"><label for="grant-system">System</label><input type="text" id="grant-system" name="system" required maxlength="\(AccessGrant.maxNameLength)" value="\(typed["system"] ?? "")"></div>
            <div class="field"><label for="grant-role">Role or permission</label><input type="text" id="grant-role" name="role" required maxlength="\(AccessGrant.maxNameLength)" value="\(typed["role"] ?? "")"></div>
            <div class="field"><label for="grant-holder">Holder</label><select id="grant-holder" name="holder"><option value="">Someone outside the organization…</option>\(options)</select></div>
            <div class="field"><label for="grant-outsider">Or their name, if outside the organization</label><input type="text" id="grant-outsider" name="outsider" maxlength="\(AccessGrant.maxNameLength)" value="\(typed["outsider"] ?? "")"></div>
            <div class="field"><label for="grant-on">Granted on</label><input type="date" id="grant-on" name="granted_on" value="\(typed["granted_on"] ?? "")"></div>
            <div class="field"><label for="grant-note">Evidence or note</label><input type="text" id="grant-note" name="note" maxlength="\(AccessGrant.maxNoteLength)" value="\(typed["note"] ?? "")"></div>
            <button type="submit">Record the grant</button>
            </form></details>
            """
            : .empty
        return """
            <section id="access-grants" aria-labelledby="access-title"><h2 id="access-title">Access</h2>
            <p class="meta">Who holds which role on this account's systems. A handover's access plan is drawn from it.</p>
            \(Web.errors(model.problems))
            \(active.isEmpty ? "<p class=\"empty\" id=\"no-grants\">No active grants recorded.</p>" as HTML : table(active, id: "grant-list", caption: "Active access grants of \(account.name)"))
            \(add)
            \(revoked.isEmpty ? HTML.empty : "<details id=\"revoked-grants\"><summary>Revoked (\(revoked.count))</summary>\(table(revoked, id: "revoked-list", caption: "Revoked access grants of \(account.name)"))</details>")
            </section>
            """
    }

    /// The handover page's "Access plan" section.
    static func accessPlanSection(_ model: AccessPlanModel?, csrf: String) -> HTML {
        guard let model else { return .empty }
        let (plan, handover) = (model.plan, model.plan.handover)
        let base = "/handovers/\(handover.id)/access-plan"
        let rows: [HTML] = plan.lines.map { line in
            let status: HTML
            switch line.status {
            case .confirmed:
                status = "confirmed \(line.confirmedAt.map(Web.day) ?? "")\(line.evidence.map { " · \($0)" } ?? "")"
            case .declined:
                status = "declined: \(line.reason ?? "")"
            case .pending where model.canSettle:
                status = """
                    <form class="inline confirm-line" method="post" action="\(base)/\(line.id)/confirm">\(CSRF.field(csrf))
                    <label class="visually-hidden" for="line-evidence-\(line.id)">Evidence that \(line.summary) is done</label>\
                    <input type="text" id="line-evidence-\(line.id)" name="evidence" placeholder="Evidence" maxlength="\(AccessGrant.maxNoteLength)">
                    <button type="submit">Confirm</button></form>
                    <form class="inline decline-line" method="post" action="\(base)/\(line.id)/decline">\(CSRF.field(csrf))
                    <label class="visually-hidden" for="line-reason-\(line.id)">Why \(line.summary) is declined</label>\
                    <input type="text" id="line-reason-\(line.id)" name="reason" placeholder="Reason" maxlength="\(AccessGrant.maxNoteLength)">
                    <button type="submit" class="secondary">Decline</button></form>
                    \(model.canEdit ? "<form class=\"inline drop-line\" method=\"post\" action=\"\(base)/\(line.id)/drop\">\(CSRF.field(csrf))<button type=\"submit\" class=\"link\">Drop<span class=\"visually-hidden\"> \(line.summary)</span></button></form>" as HTML : .empty)
                    """
            case .pending:
                status = "pending"
            }
            return """
                <tr id="line-\(line.id)" class="plan-line plan-\(line.status.rawValue)"><td>\(line.kind == .grant ? "Grant to" : "Revoke from") \(line.memberName)</td>\
                <td data-label="System">\(line.system)</td><td data-label="Role">\(line.role)</td><td data-label="Status">\(status)</td></tr>
                """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\" id=\"plan-empty\">No lines yet.\(model.canEdit ? " Draw the plan from the account's access grants, or add a line." : "")</p>"
            : """
            <div class="table-wrap"><table id="plan-lines" class="stack"><caption class="visually-hidden">Access plan</caption>
            <thead><tr><th scope="col">Line</th><th scope="col">System</th><th scope="col">Role</th><th scope="col">Status</th></tr></thead>
            <tbody>\(rows)</tbody></table></div>
            """
        let open: [HTML] = plan.open.map { "<li>\($0.message)</li>" }
        let gate: HTML =
            plan.gate
            ? (open.isEmpty
                ? "<p class=\"meta\" id=\"plan-gate\">The template makes this plan a completion gate: every line is settled.</p>"
                : "<div class=\"card warn\" id=\"plan-gate\"><p>The template makes this plan a completion gate. Completion waits for:</p><ul>\(open)</ul></div>")
            : .empty
        let memberOptions: [HTML] = model.members.filter { $0.role != .auditor }.map { m in
            "<option value=\"\(m.id)\"\(HTML.attribute("selected", m.id == handover.recipientID))>\(m.name)</option>"
        }
        let edit: HTML =
            model.canEdit
            ? """
            <form id="draw-plan" class="inline" method="post" action="\(base)/draw">\(CSRF.field(csrf))<button type="submit" class="secondary">Draw the plan from the account's grants</button></form>
            <details id="add-line-panel"><summary>Add a grant line</summary>
            <form id="add-line" method="post" action="\(base)/lines">\(CSRF.field(csrf))
            <div class="field"><label for="line-system">System</label><input type="text" id="line-system" name="system" required maxlength="\(AccessGrant.maxNameLength)"></div>
            <div class="field"><label for="line-role">Role</label><input type="text" id="line-role" name="role" required maxlength="\(AccessGrant.maxNameLength)"></div>
            <div class="field"><label for="line-member">Grant to</label><select id="line-member" name="member">\(memberOptions)</select></div>
            <button type="submit">Add the line</button></form></details>
            """
            : .empty
        return """
            <section id="access-plan" aria-labelledby="access-plan-title"><h2 id="access-plan-title">Access plan</h2>
            <p class="meta">Grant to the recipient and revoke from the transferor; confirming a line records it in the account's access grants.</p>
            \(gate)\(table)\(edit)
            </section>
            """
    }

    func lingering(_ viewer: Viewer, accountID: String?, memberID: String?) async throws -> HTML {
        Self.lingering(try await services.access.lingeringModel(accountID: accountID, memberID: memberID, for: viewer.member), viewer: viewer)
    }

    /// `/access/lingering`: members who handed over an account and still hold access to it.
    static func lingering(_ model: LingeringModel, viewer: Viewer) -> HTML {
        let now = model.report.asOf
        let rows: [HTML] = model.report.items.map { item in
            let days = item.days(at: now)
            return """
                <tr class="lingering" id="lingering-\(item.grant.id)"><td>\(item.grant.holderName)</td>\
                <td data-label="Account"><a href="/accounts/\(item.grant.accountID)#access-grants">\(item.accountName)</a></td>\
                <td data-label="Access">\(item.grant.label)</td>\
                <td data-label="Handed over">\(Web.day(item.endedAt))\(item.handoverID.map { " · <a href=\"/handovers/\($0)\">handover</a>" as HTML } ?? "")</td>\
                <td data-label="For">\(days) day\(days == 1 ? "" : "s")</td></tr>
                """
        }
        let options: [HTML] = model.members.map { m in "<option value=\"\(m.id)\"\(HTML.attribute("selected", model.memberID == m.id))>\(m.name)</option>" }
        let kept: HTML = model.accountID.map { "<input type=\"hidden\" name=\"account\" value=\"\($0)\">" } ?? .empty
        return Layout(title: "Lingering access", member: viewer.member, csrf: viewer.csrf, current: "lingering").render(
            """
            <h1>Lingering access</h1>
            <p class="lead">Members who handed an account over and still hold an access grant on it, oldest first. Revoke each on the account's page.</p>
            <form id="lingering-filters" method="get" action="/access/lingering" class="filters">
            <div class="field"><label for="lingering-member">Member</label><select id="lingering-member" name="member"><option value="">Everyone</option>\(options)</select></div>\(kept)
            <button type="submit" id="filter">Show</button>
            \(model.accountID != nil || model.memberID != nil ? "<a href=\"/access/lingering\">All accounts and members</a>" as HTML : .empty)
            </form>
            \(rows.isEmpty ? "<p class=\"empty\" id=\"lingering-empty\">Nobody holds access to an account they handed over.</p>" as HTML : """
                <div class="table-wrap"><table id="lingering-list" class="stack"><caption class="visually-hidden">Access kept after a handover</caption>
                <thead><tr><th scope="col">Member</th><th scope="col">Account</th><th scope="col">Access</th><th scope="col">Handed over</th><th scope="col">For</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            """)
    }
}

extension WebRoutes {
    /// The access forms and the lingering-access page.
    func registerAccess(_ router: Router<AppContext>) {
        let access = services.access
        router.get("/access/lingering") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            func nonEmpty(_ key: String) -> String? { query[key[...]].map(String.init).flatMap { $0.isEmpty ? nil : $0 } }
            return Web.page(try await pages.lingering(viewer, accountID: nonEmpty("account"), memberID: nonEmpty("member")))
        }
        router.post("/accounts/:id/access-grants") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            do {
                var grantedOn: CalendarDate?
                if let text = form.text("granted_on") {
                    guard let day = CalendarDate(text) else { throw HandoverError.invalid([Problem(path: "granted_on", message: "must be a date")]) }
                    grantedOn = day
                }
                let holder = form.text("holder")
                _ = try await access.addGrant(
                    accountID: id, system: form.text("system") ?? "", role: form.text("role") ?? "", holderID: holder,
                    holderName: holder == nil ? form.text("outsider") : nil,
                    grantedOn: grantedOn, note: form.text("note"), by: viewer.member)
                return Web.redirect("/accounts/\(id)#access-grants", done: "access-granted")
            } catch let error as HandoverError {
                var model = try await services.pages.account(id: id, for: viewer.member)
                var section = try await access.grantsModel(accountID: id, for: viewer.member)
                (section.problems, section.typed) = (WebPages.problems(error), form.values)
                model.access = section
                return Web.page(WebPages.account(model, viewer: viewer), status: WebPages.status(error))
            }
        }
        router.post("/access-grants/:id/revoke") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let grant = try await access.grant(id: try context.parameters.require("id"), by: viewer.member)
            do {
                _ = try await access.revokeGrant(id: grant.id, revokedOn: nil, evidence: form.text("evidence"), by: viewer.member)
                return Web.redirect("/accounts/\(grant.accountID)#access-grants", done: "access-revoked")
            } catch let error as HandoverError {
                var model = try await services.pages.account(id: grant.accountID, for: viewer.member)
                var section = try await access.grantsModel(accountID: grant.accountID, for: viewer.member)
                section.problems = WebPages.problems(error)
                model.access = section
                return Web.page(WebPages.account(model, viewer: viewer), status: WebPages.status(error))
            }
        }
        // The plan's forms: each redirects to the plan, or shows the handover page with the reasons.
        func planForm(_ path: RouterPath, done: String, _ act: @escaping @Sendable (String, Form, Member) async throws -> Void) {
            router.post(path) { request, context in
                let (viewer, form) = try await Viewer.posting(request, context)
                let id = try context.parameters.require("id")
                do {
                    try await act(id, form, viewer.member)
                    return Web.redirect("/handovers/\(id)#access-plan", done: done)
                } catch let error as HandoverError {
                    return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
                } catch StoreError.conflict(let message) {
                    return Web.page(try await pages.handover(viewer, id: id, problems: [Problem(path: "", message: message)]), status: .conflict)
                }
            }
        }
        planForm("/handovers/:id/access-plan/draw", done: "plan-drawn") { id, _, member in _ = try await access.draw(handoverID: id, by: member) }
        planForm("/handovers/:id/access-plan/lines", done: "plan-line-added") { id, form, member in
            _ = try await access.addLine(
                handoverID: id, kind: .grant, system: form.text("system"), role: form.text("role"), memberID: form.text("member"), grantID: nil, by: member)
        }
        router.post("/handovers/:id/access-plan/:line/:action") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id"), line = try context.parameters.require("line")
            do {
                switch try context.parameters.require("action") {
                case "confirm":
                    _ = try await access.settleLine(handoverID: id, lineID: line, status: .confirmed, evidence: form.text("evidence"), reason: nil, by: viewer.member)
                case "decline":
                    _ = try await access.settleLine(handoverID: id, lineID: line, status: .declined, evidence: nil, reason: form.text("reason"), by: viewer.member)
                case "drop":
                    try await access.dropLine(handoverID: id, lineID: line, by: viewer.member)
                case let other:
                    throw APIError.notFound("action \(other)")
                }
                return Web.redirect("/handovers/\(id)#access-plan", done: "plan-updated")
            } catch let error as HandoverError {
                return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            } catch StoreError.conflict(let message) {
                return Web.page(try await pages.handover(viewer, id: id, problems: [Problem(path: "", message: message)]), status: .conflict)
            }
        }
    }
}
