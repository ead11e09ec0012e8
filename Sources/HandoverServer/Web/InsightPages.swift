import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird
import HTTPTypes

/// Quality dashboards and documentation audits in the web (Docs/Insight.md): the dashboard with
/// its charts and tables, the audit's findings, each as CSV, and the refresh button. Every rule
/// is `InsightService`'s.
extension WebRoutes {
    func registerInsight(_ router: Router<AppContext>) {
        router.get("/insight") { request, context in
            let viewer = try Viewer(request, context)
            let filter = InsightRoutes.filter(request)
            do {
                let read = try await services.insight.report(filter: filter, by: viewer.member)
                return Web.page(InsightPages.dashboard(read?.snapshot, read?.report, filter: filter, viewer: viewer, flash: Web.flash(request)))
            } catch let error as HandoverError {
                guard case .invalid = error else { throw error }
                let snapshot = try await services.insight.snapshot(by: viewer.member)
                return Web.page(
                    InsightPages.dashboard(snapshot, nil, filter: filter, viewer: viewer, problems: WebPages.problems(error)), status: WebPages.status(error))
            }
        }
        router.get("/insight/quality.csv") { request, context in
            let viewer = try Viewer(request, context)
            let filter = InsightRoutes.filter(request)
            let read = try await services.insight.report(filter: filter, by: viewer.member)
            return InsightPages.csvResponse(InsightPages.qualityCSV(read?.report), name: "handover-quality.csv")
        }
        router.get("/insight/audit") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            let filter = InsightRoutes.filter(request)
            let rule = query["rule"].flatMap { DocumentationRule(rawValue: String($0)) }
            // Bounded, so that (page - 1) × size cannot overflow.
            let page = min(max(1, query["page"].flatMap { Int($0) } ?? 1), 1_000_000)
            let snapshot = try await services.insight.snapshot(by: viewer.member)
            do {
                let size = InsightService.findingsPageSize
                let found = try await services.insight.findings(filter: filter, rule: rule, limit: size, offset: (page - 1) * size, by: viewer.member)
                let names = try await services.insight.names(of: found.findings, by: viewer.member)
                return Web.page(
                    InsightPages.audit(
                        snapshot, found.findings, total: found.total, names: names, filter: filter, rule: rule, page: page, viewer: viewer))
            } catch let error as HandoverError {
                guard case .invalid = error else { throw error }
                return Web.page(
                    InsightPages.audit(
                        snapshot, [], total: 0, names: ([:], [:]), filter: filter, rule: rule, page: 1, viewer: viewer, problems: WebPages.problems(error)),
                    status: WebPages.status(error))
            }
        }
        router.get("/insight/audit.csv") { request, context in
            let viewer = try Viewer(request, context)
            let query = request.uri.queryParameters
            let rule = query["rule"].flatMap { DocumentationRule(rawValue: String($0)) }
            let found = try await services.insight.findings(
                filter: InsightRoutes.filter(request), rule: rule, limit: InsightService.exportLimit, offset: 0, by: viewer.member)
            let names = try await services.insight.names(of: found.findings, by: viewer.member)
            return InsightPages.csvResponse(InsightPages.auditCSV(found.findings, names: names), name: "handover-documentation-audit.csv")
        }
        router.post("/insight/refresh") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            try await services.insight.requestRefresh(by: viewer.member)
            return Web.redirect("/insight", done: "insight-refresh")
        }
    }
}

enum InsightPages {
    // MARK: The dashboard

    static func dashboard(
        _ snapshot: QualitySnapshot?, _ report: QualityReport?, filter: InsightFilter, viewer: Viewer, flash: String? = nil, problems: [Problem] = []
    ) -> HTML {
        let query = queryString(report?.filter ?? filter, rule: nil)
        let body: HTML
        if let report {
            let totals: [HTML] = QualityMeasure.allCases.map { m in
                let value = m.value(report.total)
                return """
                    <tr><th scope="row"><a href="#chart-\(m.rawValue)">\(m.title)</a></th><td class="num">\(value.map { "\(m.format($0)) \(m.unit)" } ?? "no data")</td>\
                    <td class="num">\(m.basis(report.total))</td><td>\(m.lowerIsBetter ? "lower" : "higher")</td></tr>
                    """
            }
            let charts: [HTML] = QualityMeasure.allCases.map { chart($0, report) }
            body = """
                <p class="meta">\(report.total.begun) handover\(report.total.begun == 1 ? "" : "s") begun from \(report.filter.from ?? "") to \(report.filter.to ?? "")\
                \(filterSummary(report.filter, snapshot: snapshot)).</p>
                <p><a id="quality-csv" href="/insight/quality.csv\(query)" download>Download these numbers (CSV)</a> · \
                <a href="/insight/audit\(query)">Documentation audit for this filter</a></p>
                <div class="table-wrap"><table id="quality-totals"><caption>The period at a glance</caption>
                <thead><tr><th scope="col">Measure</th><th scope="col">Value</th><th scope="col">Counted</th><th scope="col">Better when</th></tr></thead>
                <tbody>\(totals)</tbody></table></div>
                <div class="charts">\(charts)</div>
                """
        } else if snapshot == nil {
            body = "<p class=\"empty\" id=\"insight-empty\">Nothing computed yet. The numbers are computed hourly; ask for a refresh to compute them now.</p>"
        } else {
            body = .empty
        }
        return Layout(title: "Handover quality", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "insight").render(
            """
            <h1>Handover quality</h1>
            <p class="lead">Whether handovers are getting better: how fast recipients acknowledge, how complete packets are, how often they come back, \
            and what customers say afterwards. Each handover counts in the month it began, for its template and each team of its sender.</p>
            \(freshness(snapshot, viewer: viewer))
            \(Web.errors(problems))
            \(filterForm(action: "/insight", filter: report?.filter ?? filter, snapshot: snapshot, rule: nil))
            \(body)
            """)
    }

    static func chart(_ measure: QualityMeasure, _ report: QualityReport) -> HTML {
        let bars = report.months.map { month in
            SVGChart.Bar(label: month.month, value: measure.value(month.tally), note: "\(measure.basis(month.tally)) counted")
        }
        let chart = SVGChart(id: "chart-\(measure.rawValue)", title: measure.title, unit: measure.unit, bars: bars)
        let rows: [HTML] = report.months.map { month in
            "<tr><th scope=\"row\">\(month.month)</th><td class=\"num\">\(measure.value(month.tally).map { measure.format($0) } ?? "–")</td><td class=\"num\">\(measure.basis(month.tally))</td></tr>"
        }
        return """
            <figure class="card chart-card" id="figure-\(measure.rawValue)">
            <figcaption><h2 id="h-\(measure.rawValue)">\(measure.title)</h2><p class="meta">\(measure.explanation) \
            \(measure.lowerIsBetter ? "Lower is better." : "Higher is better.")</p></figcaption>
            \(chart.svg)
            <details><summary>The numbers by month</summary>
            <div class="table-wrap"><table class="chart-table"><caption class="visually-hidden">\(measure.title), by month</caption>
            <thead><tr><th scope="col">Month</th><th scope="col">\(measure.unit == "%" ? "Share (%)" : "Value (\(measure.unit))")</th><th scope="col">Counted</th></tr></thead>
            <tbody>\(rows)</tbody></table></div></details>
            </figure>
            """
    }

    /// When the numbers were computed, and the refresh button for those who may press it.
    static func freshness(_ snapshot: QualitySnapshot?, viewer: Viewer) -> HTML {
        let canRefresh = viewer.member.role == .admin || viewer.member.role == .manager
        let button: HTML =
            canRefresh
            ? """
            <form method="post" action="/insight/refresh" class="inline">\(CSRF.field(viewer.csrf))<button type="submit" class="secondary" id="insight-refresh">Refresh now</button></form>
            """ : .empty
        let when: HTML =
            snapshot.map {
                "As of <time datetime=\"\(Timestamp.format($0.computedAt))\">\(Web.date($0.computedAt))</time>, over \($0.handovers) handovers (computed in \($0.tookMillis) ms); refreshed hourly."
            } ?? "Not computed yet."
        return "<p class=\"meta\" id=\"insight-freshness\">\(when) \(button)</p>"
    }

    static func filterSummary(_ filter: InsightFilter, snapshot: QualitySnapshot?) -> String {
        var parts: [String] = []
        if let team = filter.teamID { parts.append("team \(snapshot?.teams.first { $0.id == team }?.name ?? team)") }
        if let key = filter.templateKey { parts.append("template \(snapshot?.templates.first { $0.id == key }?.name ?? key)") }
        return parts.isEmpty ? "" : ", " + parts.joined(separator: ", ")
    }

    /// The filters, as a GET form: the page's address says what it shows, so it can be shared.
    static func filterForm(action: String, filter: InsightFilter, snapshot: QualitySnapshot?, rule: DocumentationRule?, showRule: Bool = false) -> HTML {
        func options(_ refs: [QualitySnapshot.NamedRef], selected: String?, all: String) -> HTML {
            let list: [HTML] = refs.map { "<option value=\"\($0.id)\"\(HTML(unsafe: $0.id == selected ? " selected" : ""))>\($0.name)</option>" }
            return "<option value=\"\"\(HTML(unsafe: selected == nil ? " selected" : ""))>\(all)</option>\(list)"
        }
        let ruleSelect: HTML =
            showRule
            ? """
            <div class="field"><label for="f-rule">Finding</label><select id="f-rule" name="rule">\
            <option value=""\(HTML(unsafe: rule == nil ? " selected" : ""))>Every kind</option>\
            \(DocumentationRule.allCases.map { r -> HTML in "<option value=\"\(r.rawValue)\"\(HTML(unsafe: r == rule ? " selected" : ""))>\(r.title)</option>" })</select></div>
            """ : .empty
        return """
            <form method="get" action="\(action)" class="card filters" id="insight-filters" aria-label="Filters">
            <div class="field"><label for="f-team">Team</label><select id="f-team" name="team">\(options(snapshot?.teams ?? [], selected: filter.teamID, all: "Every team"))</select></div>
            <div class="field"><label for="f-template">Template</label><select id="f-template" name="template">\(options(snapshot?.templates ?? [], selected: filter.templateKey, all: "Every template"))</select></div>
            <div class="field"><label for="f-from">From month</label><input type="month" id="f-from" name="from" value="\(filter.from ?? "")" placeholder="YYYY-MM" pattern="[0-9]{4}-[0-9]{2}"></div>
            <div class="field"><label for="f-to">To month</label><input type="month" id="f-to" name="to" value="\(filter.to ?? "")" placeholder="YYYY-MM" pattern="[0-9]{4}-[0-9]{2}"></div>
            \(ruleSelect)
            <button type="submit" id="insight-show">Show</button>
            </form>
            """
    }

    static func queryString(_ filter: InsightFilter, rule: DocumentationRule?) -> String {
        var items: [URLQueryItem] = []
        if let team = filter.teamID { items.append(URLQueryItem(name: "team", value: team)) }
        if let key = filter.templateKey { items.append(URLQueryItem(name: "template", value: key)) }
        if let from = filter.from { items.append(URLQueryItem(name: "from", value: from)) }
        if let to = filter.to { items.append(URLQueryItem(name: "to", value: to)) }
        if let rule { items.append(URLQueryItem(name: "rule", value: rule.rawValue)) }
        guard !items.isEmpty else { return "" }
        var parts = URLComponents()
        parts.queryItems = items
        return "?" + (parts.percentEncodedQuery ?? "")
    }

    // MARK: The documentation audit

    static func audit(
        _ snapshot: QualitySnapshot?, _ findings: [DocumentationFinding], total: Int, names: (accounts: [String: String], members: [String: String]),
        filter: InsightFilter, rule: DocumentationRule?, page: Int, viewer: Viewer, problems: [Problem] = []
    ) -> HTML {
        let query = queryString(filter, rule: rule)
        let templateNames = Dictionary((snapshot?.templates ?? []).map { ($0.id, $0.name) }, uniquingKeysWith: { a, _ in a })
        let rows: [HTML] = findings.map { f in
            """
            <tr><td>\(Web.day(f.completedAt))</td><td><a href="/handovers/\(f.handoverID)">\(names.accounts[f.accountID] ?? f.accountID)</a></td>\
            <td>\(templateNames[f.templateKey] ?? f.templateKey)</td><td>\(f.rule.title)</td><td>\(f.detail)</td>\
            <td>\(names.members[f.transferorID] ?? "?") → \(names.members[f.recipientID] ?? "?")</td></tr>
            """
        }
        let size = InsightService.findingsPageSize
        let pages = max(1, (total + size - 1) / size)
        func pageLink(_ n: Int, _ label: String) -> HTML {
            let separator = query.isEmpty ? "?" : "&"
            return "<a href=\"/insight/audit\(query)\(separator)page=\(n)\">\(label)</a>"
        }
        let pager: HTML =
            pages > 1
            ? "<nav aria-label=\"Pages\" class=\"pager\">\(page > 1 ? pageLink(page - 1, "Newer") : .empty) <span>Page \(page) of \(pages)</span> \(page < pages ? pageLink(page + 1, "Older") : .empty)</nav>"
            : .empty
        let table: HTML =
            findings.isEmpty
            ? "<p class=\"empty\" id=\"audit-empty\">\(snapshot == nil ? "Nothing computed yet." : "No finding for this filter: every finished handover here has its sign-offs, ticked checklists, briefings and structure.")</p>"
            : """
            <div class="table-wrap"><table id="audit-findings" class="stack"><caption>\(total) finding\(total == 1 ? "" : "s"), latest completion first</caption>
            <thead><tr><th scope="col">Completed</th><th scope="col">Handover</th><th scope="col">Template</th><th scope="col">Finding</th>\
            <th scope="col">Detail</th><th scope="col">From → to</th></tr></thead><tbody>\(rows)</tbody></table></div>
            \(pager)
            """
        return Layout(title: "Documentation audit", member: viewer.member, csrf: viewer.csrf, current: "insight").render(
            """
            <p class="breadcrumb"><a href="/insight">Handover quality</a> › Documentation audit</p>
            <h1>Documentation audit</h1>
            <p class="lead">Finished handovers that lack what their template asks for: the sign-offs, the checklist's steps, the briefing, \
            and lists kept as lists. The period is of completion.</p>
            \(freshness(snapshot, viewer: viewer))
            \(Web.errors(problems))
            \(filterForm(action: "/insight/audit", filter: filter, snapshot: snapshot, rule: rule, showRule: true))
            <p><a id="audit-csv" href="/insight/audit.csv\(query)" download>Download the audit report (CSV)</a></p>
            \(table)
            """)
    }

    // MARK: CSV

    static func csvResponse(_ text: String, name: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "text/csv; charset=utf-8"
        headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// One row a month and a last row for the period: each measure's value and what it counted.
    static func qualityCSV(_ report: QualityReport?) -> String {
        CSVText.quality(months: report?.months.map { ($0.month, $0.tally) } ?? [], total: report?.total ?? QualityTally())
    }

    static func auditCSV(_ findings: [DocumentationFinding], names: (accounts: [String: String], members: [String: String])) -> String {
        var text = CSVText.row(["completed_at", "handover_id", "account", "template", "rule", "field", "detail", "transferor", "recipient"])
        for f in findings {
            text += CSVText.row([
                Timestamp.format(f.completedAt), f.handoverID, names.accounts[f.accountID] ?? f.accountID, f.templateKey, f.rule.rawValue, f.path ?? "", f.detail,
                names.members[f.transferorID] ?? f.transferorID, names.members[f.recipientID] ?? f.recipientID,
            ])
        }
        return text
    }
}
