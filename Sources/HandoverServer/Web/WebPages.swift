import Foundation
import HandoverCore
import HandoverStore
import HandoverServices
import Hummingbird
import NIOCore

/// Page builders: read through the services (which apply the access rules), then render.
struct WebPages: Sendable {
    let services: Services
    var handovers: HandoverService { services.handovers }
    var admin: AdminService { services.members }

    // MARK: Sign in

    /// `organizations`: when the email and password fit members of several, a choice of them.
    static func signIn(email: String?, error: String?, flash: String?, csrf: String, organizations: [Organization] = []) -> HTML {
        let choice: HTML = organizations.isEmpty ? "" : """
            <div class="field"><label for="organization">Organization</label>
            <select id="organization" name="organization" required>\(organizations.map { (o: Organization) -> HTML in "<option value=\"\(o.id)\">\(o.name)</option>" })</select></div>
            """
        return
        Layout(title: "Sign in", member: nil, csrf: nil, flash: flash).render("""
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
        let me = viewer.member
        let open: [HandoverState] = [.draft, .submitted, .returned, .acknowledged]
        // Lists without content, one state and party per query: each reads a range of an index.
        func list(_ state: HandoverState, transferor: String? = nil, recipient: String? = nil, limit: Int = 50) async throws -> [Handover] {
            try await handovers.handovers(filter: HandoverFilter(states: [state], transferorID: transferor, recipientID: recipient,
                                                                  limit: limit, includeContent: false), by: me)
        }
        async let waitingRead = list(.submitted, recipient: me.id)
        async let readyAsTransferor = list(.acknowledged, transferor: me.id, limit: 25)
        async let readyAsRecipient = list(.acknowledged, recipient: me.id, limit: 25)
        async let draftsRead = list(.draft, transferor: me.id)
        async let returnedRead = list(.returned, transferor: me.id)
        let today = CalendarDate(handovers.clock.now())
        async let lateRead = services.accounts.overdue(before: today, limit: 10, by: me)
        async let namesRead = memberNames(me)
        let waiting = try await waitingRead
        let ready = (try await readyAsTransferor + readyAsRecipient).sorted { $0.updatedAt > $1.updatedAt }
        let drafts = try await returnedRead + draftsRead
        let (lateAccounts, lateTotal) = try await lateRead
        var team: [Handover] = []
        if me.role == .manager || me.role == .admin {
            var perState: [Handover] = []
            for state in open { perState += try await list(state) }
            team = Array(perState.filter { $0.transferorID != me.id && $0.recipientID != me.id }.sorted { $0.updatedAt > $1.updatedAt }.prefix(50))
        }
        let names = try await namesRead
        let accounts = try await accountNames(waiting + ready + drafts + team, by: me)

        // The ten accounts with the oldest overdue items: a home page is a to-do list, not a report.
        let late = lateAccounts.flatMap { account in account.profile.openItems.compactMap { item in item.due.flatMap { $0 < today ? (account, item, $0) : nil } } }
            .sorted { $0.2 < $1.2 }
        var overdue: [HTML] = late.map { account, item, due in
            "<li><a href=\"/accounts/\(account.id)\">\(account.name)</a>: \(item.title) <span class=\"overdue\">due \(due.description)</span>\(item.owner.map { " · \($0)" } ?? "")</li>"
        }
        if lateTotal > lateAccounts.count {
            overdue.append("<li class=\"meta\">and \(lateTotal - lateAccounts.count) more accounts with overdue items: see <a href=\"/accounts?owner=\(me.id)\">your accounts</a></li>")
        }
        func list(_ items: [Handover], empty: String, role: (Handover) -> String) -> HTML {
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
        let teamSection: HTML = me.role == .manager || me.role == .admin ? """
            <section id="team" aria-labelledby="team-title"><h2 id="team-title">\(me.role == .admin ? "Open handovers in the organization" : "Your team's open handovers")</h2>
            \(list(team, empty: "No open handovers.", role: between))</section>
            """ : .empty
        return Layout(title: "Home", member: me, csrf: viewer.csrf, flash: flash, current: "home").render("""
            <h1>What needs you now</h1>
            <div class="grid">
            <section id="waiting" aria-labelledby="waiting-title"><h2 id="waiting-title">Waiting for your acknowledgment</h2>
            \(list(waiting, empty: "Nothing is waiting for you.", role: from))
            \(ready.isEmpty ? HTML.empty : "<h3>Acknowledged, ready to complete</h3>\(list(ready, empty: "", role: between))")
            </section>
            <section id="drafts" aria-labelledby="drafts-title"><h2 id="drafts-title">Your drafts</h2>
            \(list(drafts, empty: "No drafts. Start one from an account or with New handover.", role: { "to \(names[$0.recipientID] ?? "?")" }))</section>
            <section id="overdue" aria-labelledby="overdue-title"><h2 id="overdue-title">Overdue items on your accounts</h2>
            \(overdue.isEmpty ? "<p class=\"empty\">Nothing overdue.</p>" as HTML : "<ul class=\"list\">\(overdue)</ul>")</section>
            \(teamSection)
            </div>
            """)
    }

    /// Member names by id, for showing who did what.
    func memberNames(_ viewer: Member) async throws -> [String: String] {
        Self.names(try await admin.members(by: viewer))
    }

    static func names(_ members: [Member]) -> [String: String] {
        Dictionary(members.map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    /// Account names for a set of handovers, in one query.
    func accountNames(_ list: [Handover], by viewer: Member) async throws -> [String: String] {
        try await services.accounts.names(ids: list.map(\.accountID), by: viewer)
    }

    // MARK: Shared

    /// Field-level problems from a refused action.
    static func problems(_ error: HandoverError) -> [Problem] {
        switch error {
        case .invalid(let problems): problems
        case .lintBlocked(let report): report.findings.filter { $0.severity == .error }.map { Problem(path: $0.path, message: $0.message) }
        default: [Problem(path: "", message: error.message)]
        }
    }

    static func status(_ error: HandoverError) -> HTTPResponse.Status { APIError.from(error).status }

    static func lintPanel(_ report: LintReport) -> HTML {
        let findings: [HTML] = report.findings.map { finding in
            "<li class=\"finding \(finding.severity.rawValue)\"><span class=\"severity\">\(finding.severity.rawValue)</span> <code>\(finding.path)</code> \(finding.message)</li>"
        }
        return """
            <h2>Completeness</h2>
            <p class="score"><span id="lint-score">\(report.score)</span><span class="out-of">/100</span></p>
            <meter min="0" max="100" low="60" high="90" optimum="100" value="\(report.score)" aria-label="Completeness score">\(report.score)</meter>
            \(findings.isEmpty ? "<p class=\"clean\">No findings: ready to submit.</p>" as HTML : "<ul class=\"findings\">\(findings)</ul>")
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
