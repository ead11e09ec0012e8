import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import Hummingbird
import NIOCore

/// The web's views. Each page is a model built by the services (`PageModels`, which apply the
/// access rules) and a static view of it here: the instance methods only fetch the model.
struct WebPages: Sendable {
    let services: Services

    // MARK: Sign in

    /// `organizations`: when the email and password fit members of several, a choice of them.
    static func signIn(email: String?, error: String?, flash: String?, csrf: String, organizations: [Organization] = []) -> HTML {
        let choice: HTML =
            organizations.isEmpty
            ? ""
            : """
            <div class="field"><label for="organization">Organization</label>
            <select id="organization" name="organization" required>\(organizations.map { (o: Organization) -> HTML in "<option value=\"\(o.id)\">\(o.name)</option>" })</select></div>
            """
        return
            Layout(title: "Sign in", member: nil, csrf: nil, flash: flash).render(
                """
                <div class="narrow">
                <h1>Sign in to Handover</h1>
                <p class="lead">Pass an account on with everything the next person needs, and take one over knowing what you are taking.</p>
                \(Web.errors(error.map { [Problem(path: "", message: $0)] } ?? []))
                <form id="login" method="post" action="/login" class="card">
                <input type="hidden" name="csrf" value="\(csrf)">
                <div class="field"><label for="email">Email</label>
                <input type="email" id="email" name="email" value="\(email)" autocomplete="username" required autofocus></div>
                <div class="field"><label for="password">Password</label>
                <input type="password" id="password" name="password" autocomplete="current-password" required></div>
                \(choice)
                <button type="submit" id="sign-in">Sign in</button>
                </form>
                </div>
                """)
    }

    // MARK: Home

    func home(_ viewer: Viewer, flash: String?) async throws -> HTML {
        Self.home(try await services.pages.home(for: viewer.member), viewer: viewer, flash: flash)
    }

    static func home(_ model: HomeModel, viewer: Viewer, flash: String?) -> HTML {
        let me = viewer.member
        let (waiting, ready, drafts, team, today) = (model.waiting, model.ready, model.drafts, model.team, model.today)
        let (names, accounts) = (model.memberNames, model.accountNames)
        let (lateAccounts, lateTotal) = (model.late, model.lateTotal)
        // The ten accounts with the oldest overdue items: a home page is a to-do list, not a report.
        let late = lateAccounts.flatMap { account in account.profile.openItems.compactMap { item in item.due.flatMap { $0 < today ? (account, item, $0) : nil } } }
            .sorted { $0.2 < $1.2 }
        var overdue: [HTML] = late.map { account, item, due in
            "<li><a href=\"/accounts/\(account.id)\">\(account.name)</a>: \(item.title) <span class=\"overdue\">due \(Web.day(due))</span>\(item.owner.map { " · \($0)" } ?? "")</li>"
        }
        if lateTotal > lateAccounts.count {
            overdue.append(
                "<li class=\"meta\">and \(lateTotal - lateAccounts.count) more accounts with overdue items: see <a href=\"/accounts?owner=\(me.id)\">your accounts</a></li>"
            )
        }
        func list(_ items: [Handover], empty: HTML, role: (Handover) -> String) -> HTML {
            guard !items.isEmpty else { return "<p class=\"empty\">\(empty)</p>" }
            let rows: [HTML] = items.map { h in
                """
                <li><a class="handover-link" href="/handovers/\(h.id)">\(accounts[h.accountID] ?? "Account")</a>
                \(Web.stateBadge(h.state)) <span class="meta">\(role(h)) · updated \(Web.date(h.updatedAt))</span></li>
                """
            }
            return "<ul class=\"list\">\(rows)</ul>"
        }
        let from = { (h: Handover) in "from \(names[h.transferorID] ?? "?")" }
        let between = { (h: Handover) in "\(names[h.transferorID] ?? "?") → \(names[h.recipientID] ?? "?")" }
        let teamSection: HTML =
            model.showsTeam
            ? """
            <section id="team" aria-labelledby="team-title"><h2 id="team-title">\(me.role == .admin ? "Open handovers in the organization" : "Your team's open handovers")</h2>
            \(list(team, empty: "No open handovers.", role: between))</section>
            """ : .empty
        // Empty states say what this member can do next, with the link to do it: an auditor
        // reads handovers and writes none, so is not told to start one.
        let noDrafts: HTML =
            me.role == .auditor
            ? "Auditors read handovers and write none. Find one to read on its account's page, from <a href=\"/accounts\">Accounts</a>."
            : "No drafts. Start one from <a href=\"/accounts\">an account's page</a> or with <a href=\"/handovers/new\">New handover</a>."
        let nothingWaiting: HTML =
            me.role == .auditor ? "Nothing waits for an auditor: handovers are acknowledged by their recipients." : "Nothing is waiting for you."
        return Layout(title: "Home", member: me, csrf: viewer.csrf, flash: flash, current: "home").render(
            """
            <h1>What needs you now</h1>
            <div class="grid">
            <section id="waiting" aria-labelledby="waiting-title"><h2 id="waiting-title">Waiting for your acknowledgment</h2>
            \(list(waiting, empty: nothingWaiting, role: from))
            \(ready.isEmpty ? HTML.empty : "<h3>Acknowledged, ready to complete</h3>\(list(ready, empty: .empty, role: between))")
            </section>
            <section id="drafts" aria-labelledby="drafts-title"><h2 id="drafts-title">Your drafts</h2>
            \(list(drafts, empty: noDrafts, role: { "to \(names[$0.recipientID] ?? "?")" }))</section>
            <section id="overdue" aria-labelledby="overdue-title"><h2 id="overdue-title">Overdue items on your accounts</h2>
            \(overdue.isEmpty ? "<p class=\"empty\">Nothing overdue.</p>" as HTML : "<ul class=\"list\">\(overdue)</ul>")</section>
            \(Self.overdueRotations(model.overdueRotations, names: names))
            \(teamSection)
            </div>
            """)
    }

    // MARK: Shared

    /// Field-level problems from a refused action.
    static func problems(_ error: HandoverError) -> [Problem] {
        switch error {
        case .invalid(let problems): problems
        case .lintBlocked(let report): report.findings.filter { $0.severity == .error }.map { Problem(path: $0.path, message: $0.message) }
        case .credentialInText(let findings):
            findings.map { Problem(path: $0.path, message: $0.looksLike, kind: $0.kind) } + [Problem(path: "", message: HandoverError.credentialAdvice)]
        default: [Problem(path: "", message: error.message)]
        }
    }

    static func status(_ error: HandoverError) -> HTTPResponse.Status { APIError.from(error).status }

    /// The completeness panel beside the editor: the score and what its missing points are for,
    /// then the findings in form order, each a link that moves the focus to its field. A
    /// `<details>`, open as served; on a narrow screen `app.js` closes it, so the form comes first
    /// (without JavaScript it stays open, and the summary still says the score).
    static func lintPanel(_ report: LintReport, template: Template) -> HTML {
        let findings: [HTML] = report.findings.map { finding in
            let place: HTML =
                EditorForm.anchor(for: finding, in: template).map { "<a href=\"#\($0)\">\(finding.label ?? finding.path)</a>" }
                ?? "<strong>\(finding.label ?? finding.path)</strong>"
            let severity = finding.severity == .error ? "must fix" : "worth fixing"
            return "<li class=\"finding \(finding.severity.rawValue)\"><span class=\"severity\">\(severity)</span> \(place): \(finding.message)</li>"
        }
        let errors = report.findings.filter { $0.severity == .error }.count
        let warnings = report.findings.count - errors
        var counts: [String] = []
        if errors > 0 { counts.append("\(errors) to fix") }
        if warnings > 0 { counts.append("\(warnings) warning\(warnings == 1 ? "" : "s")") }
        return """
            <details id="lint-details" open>
            <summary><h2 id="lint-title">Completeness <span class="score"><span id="lint-score">\(report.score)</span><span class="out-of">/100</span></span></h2>\
            <span class="meta" id="lint-counts">\(counts.isEmpty ? "nothing flagged" : counts.joined(separator: ", "))</span></summary>
            <meter min="0" max="100" low="60" high="90" optimum="100" value="\(report.score)" aria-label="Completeness score">\(report.score)</meter>
            <p class="meta" id="lint-explanation">\(report.explanation)</p>
            \(findings.isEmpty ? "<p class=\"clean\">No findings: ready to submit.</p>" as HTML : "<ol class=\"findings\">\(findings)</ol>")
            </details>
            """
    }
}

extension Web {
    /// A piece of a page for the autosave script.
    static func fragment(_ html: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.description)))
    }
}
