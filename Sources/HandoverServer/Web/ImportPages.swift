import Foundation
import HandoverCore
import HandoverServices
import HandoverWire
import Hummingbird
import HTTPTypes

/// Imports in the web (Docs/Imports.md): the list with the uploader, one import's page (its
/// mapping to confirm, then its progress and bad-row report), and the report as CSV. Every rule
/// is `ImportService`'s.
extension WebRoutes {
    func registerImports(_ router: Router<AppContext>) {
        router.get("/imports") { request, context in
            let viewer = try Viewer(request, context)
            let runs = try await services.imports.runs(by: viewer.member)
            return Web.page(ImportPages.list(runs, maxBytes: services.imports.settings.maxBytes, viewer: viewer))
        }
        // attach.js posts the raw file here with the form token in a header; answers are JSON.
        router.post("/imports") { request, context in
            do {
                let viewer = try Viewer(request, context)
                try CSRF.requireHeader(request)
                let run = try await ImportRoutes.upload(request, context: context, imports: services.imports, by: viewer.member)
                return try JSONIO.response(ImportResponse(run, at: Date()), status: .created)
            } catch {
                return ProblemMiddleware.response(for: APIError.from(error), requestID: context.requestID)
            }
        }
        router.get("/imports/:id") { request, context in
            let viewer = try Viewer(request, context)
            let run = try await services.imports.run(id: try context.parameters.require("id"), by: viewer.member)
            return Web.page(ImportPages.page(run, problems: [], viewer: viewer))
        }
        router.post("/imports/:id/start") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            var columns: [ImportField: [String]] = [:]
            for field in ImportField.allCases {
                if let value = form["map.\(field.rawValue)"], !value.isEmpty { columns[field] = value.components(separatedBy: " + ") }
            }
            do {
                _ = try await services.imports.start(
                    id: id, source: form["source"].flatMap { $0.isEmpty ? nil : $0 }, mapping: ImportMapping(columns: columns),
                    strict: form["strict"] == "on", by: viewer.member)
                return Web.redirect("/imports/\(id)", done: "import-started")
            } catch let error as HandoverError {
                var run = try await services.imports.run(id: id, by: viewer.member)
                if run.state == .review {
                    run.mapping = ImportMapping(columns: columns)
                    if let source = form["source"], ImportSource.named(source) != nil { run.source = source }
                }
                return Web.page(ImportPages.page(run, problems: WebPages.problems(error), viewer: viewer), status: WebPages.status(error))
            }
        }
        router.get("/imports/:id/problems.csv") { request, context in
            let viewer = try Viewer(request, context)
            let run = try await services.imports.run(id: try context.parameters.require("id"), by: viewer.member)
            var text = "row,column,reason\r\n"
            for problem in run.problems {
                text += CSVText.row([String(problem.row), problem.column ?? "", problem.reason])
            }
            var headers = HTTPFields()
            headers[.contentType] = "text/csv; charset=utf-8"
            headers[.contentDisposition] = "attachment; filename=\"import-\(run.id)-bad-rows.csv\""
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

enum ImportPages {
    static func list(_ runs: [ImportRun], maxBytes: Int64, viewer: Viewer) -> HTML {
        let rows: [HTML] = runs.map { run in
            """
            <tr><td><a href="/imports/\(run.id)">\(run.fileName)</a></td><td>\(sourceLabel(run))</td><td>\(stateLabel(run.state))</td>\
            <td class="num">\(String(run.rowsImported))</td><td class="num">\(String(run.rowsBad))</td><td>\(Web.date(run.createdAt))</td></tr>
            """
        }
        let table: HTML =
            rows.isEmpty
            ? "<p class=\"empty\">No imports yet.</p>"
            : """
            <div class="table-wrap"><table id="imports"><caption>Recent imports, newest first</caption>
            <thead><tr><th scope="col">File</th><th scope="col">Source</th><th scope="col">State</th><th scope="col">Imported</th>\
            <th scope="col">Bad rows</th><th scope="col">Uploaded</th></tr></thead><tbody>\(rows)</tbody></table></div>
            """
        let sources: [HTML] = ImportSource.all.map { "<li>\($0.label) <code>\($0.id)</code></li>" }
        let uploader: HTML =
            viewer.member.role == .admin
            ? """
            <form id="attach-form" class="card" data-upload="/imports?review=true" data-then="/imports/" data-csrf="\(viewer.csrf)" \
            data-max="\(String(maxBytes))" hidden>
            <label for="attach-file">Upload an export <span class="meta">(CSV or JSON, at most \(ByteCountText.text(maxBytes)))</span></label>
            <input type="file" id="attach-file" name="file" accept=".csv,.json,.jsonl,.ndjson,text/csv,application/json" required>
            <button type="submit">Upload and review</button>
            <progress id="attach-progress" max="100" value="0" hidden>0%</progress>
            <p id="attach-status" role="status"></p>
            </form>
            <noscript><p class="card">Uploading from this page needs JavaScript (the file is sent as it is read, never held whole). \
            Without it, use the CLI: <code>handover import FILE</code></p></noscript>
            <script src="\(Assets.attachScript.path)" defer></script>
            """ : .empty
        return Layout(title: "Imports", member: viewer.member, csrf: viewer.csrf, current: "imports").render(
            """
            <h1>Imports</h1>
            <p class="lead">Bring accounts' activity in from the tools it lives in. The source is recognized from the file's headers; \
            you check which column feeds which field before anything is imported, and the mapping is remembered for the next export. \
            Importing the same export again updates its rows instead of adding them twice.</p>
            \(uploader)
            \(table)
            <section aria-labelledby="sources-title"><h2 id="sources-title">Exports it knows</h2><ul id="import-sources">\(sources)</ul></section>
            """)
    }

    static func page(_ run: ImportRun, problems: [Problem], viewer: Viewer) -> HTML {
        let canStart = run.state == .review && viewer.member.role == .admin
        return Layout(title: "Import \(run.fileName)", member: viewer.member, csrf: viewer.csrf, current: "imports").render(
            """
            <p class="breadcrumb"><a href="/imports">Imports</a> › \(run.fileName)</p>
            <h1>\(run.fileName)</h1>
            \(Web.errors(problems))
            \(progress(run))
            \(canStart ? mappingForm(run, csrf: viewer.csrf) : mappingTable(run))
            \(badRows(run))
            <script src="\(Assets.refreshScript.path)" defer></script>
            """)
    }

    /// The state and figures; while queued or running, refresh.js reloads this section.
    static func progress(_ run: ImportRun) -> HTML {
        let live = run.state == .queued || run.state == .running
        var figures: [HTML] = [
            "<dt>State</dt><dd id=\"import-state\">\(stateLabel(run.state))</dd>",
            "<dt>Source</dt><dd>\(sourceLabel(run))</dd>",
            "<dt>File</dt><dd>\(run.format.rawValue.uppercased()), \(ByteCountText.text(run.bytes)), about \(count(run.rowsEstimated)) rows</dd>",
        ]
        if run.state != .review {
            figures.append("<dt>Rows read</dt><dd id=\"import-read\">\(count(run.rowsRead))</dd>")
            figures.append("<dt>Imported</dt><dd id=\"import-imported\">\(count(run.rowsImported))</dd>")
            figures.append("<dt>Bad rows</dt><dd id=\"import-bad\">\(count(run.rowsBad))</dd>")
            figures.append("<dt>Not linked to an account</dt><dd id=\"import-unlinked\">\(count(run.rowsUnlinked))</dd>")
        }
        if let rate = run.rate(at: Date()) {
            var text = "\(count(Int(rate.rowsPerSecond))) rows a second"
            if live, let left = rate.secondsLeft { text += ", about \(Int(left.rounded(.up))) s left" }
            figures.append("<dt>Rate</dt><dd>\(text)</dd>")
        }
        let percent = run.rowsEstimated > 0 ? min(100, run.rowsRead * 100 / run.rowsEstimated) : 0
        let bar: HTML =
            live || run.state.isFinished
            ? "<progress id=\"import-bar\" max=\"100\" value=\"\(String(run.state == .done ? 100 : percent))\" aria-label=\"Import progress\">\(String(percent))%</progress>"
            : .empty
        let error: HTML = run.error.map { "<p id=\"import-error\" class=\"errors\" role=\"alert\">\($0)</p>" } ?? .empty
        return """
            <section id="import-progress" aria-labelledby="progress-title"\(HTML(unsafe: live ? " data-refresh=\"1500\"" : ""))>
            <h2 id="progress-title">Progress</h2>\(bar)\(error)<dl class="facts">\(figures)</dl></section>
            """
    }

    static func mappingForm(_ run: ImportRun, csrf: String) -> HTML {
        let sourceOptions: [HTML] = ImportSource.all.map {
            "<option value=\"\($0.id)\"\(HTML(unsafe: run.source == $0.id ? " selected" : ""))>\($0.label)</option>"
        }
        let fields: [HTML] = ImportField.allCases.map { field in
            let current = run.mapping.columns[field]?.joined(separator: " + ") ?? ""
            var choices = run.headers
            if !current.isEmpty, !choices.contains(current) { choices.insert(current, at: 0) }
            let options: [HTML] = choices.map { "<option\(HTML(unsafe: $0 == current ? " selected" : ""))>\($0)</option>" }
            return """
                <div class="field"><label for="map-\(field.rawValue)">\(field.label)\(field == .externalID ? " (required)" : "")</label>\
                <select id="map-\(field.rawValue)" name="map.\(field.rawValue)"><option value="">(not imported)</option>\(options)</select></div>
                """
        }
        return """
            <section aria-labelledby="mapping-title"><h2 id="mapping-title">Check the columns</h2>
            <p>\(run.source == nil ? "The headers match no export Handover knows: say which it is." : "Suggested from the headers, or from your last import of this kind.") \
            Each field takes one column of the file; rows are matched to accounts by the Account column (an account's name, or its id in the source).</p>
            <form id="import-start" method="post" action="/imports/\(run.id)/start" class="card">\(CSRF.field(csrf))
            <div class="field"><label for="import-source">Export</label><select id="import-source" name="source">\
            <option value="">(choose)</option>\(sourceOptions)</select></div>
            \(fields)
            <div class="field"><input type="checkbox" id="import-strict" name="strict"\(HTML(unsafe: run.strict ? " checked" : ""))> \
            <label for="import-strict">Strict: import nothing if any row is bad</label></div>
            <button type="submit" id="import-start-button">Start the import</button>
            </form></section>
            """
    }

    static func mappingTable(_ run: ImportRun) -> HTML {
        let rows: [HTML] = run.mapping.columns.sorted { $0.key < $1.key }.map {
            "<tr><th scope=\"row\">\($0.key.label)</th><td>\($0.value.joined(separator: " + "))</td></tr>"
        }
        return """
            <section aria-labelledby="mapping-title"><h2 id="mapping-title">Columns</h2>
            <div class="table-wrap"><table id="import-mapping"><caption>Which column fed which field</caption><tbody>\(rows)</tbody></table></div></section>
            """
    }

    static func badRows(_ run: ImportRun) -> HTML {
        guard !run.problems.isEmpty else { return .empty }
        let rows: [HTML] = run.problems.prefix(100).map {
            "<tr><td class=\"num\">\(String($0.row))</td><td>\($0.column ?? "(row)")</td><td>\($0.reason)</td></tr>"
        }
        let more: HTML =
            run.rowsBad > 100 ? "<p class=\"meta\">The first 100 of \(count(run.rowsBad)) bad rows; the CSV has the first \(count(run.problems.count)).</p>" : .empty
        return """
            <section aria-labelledby="bad-title"><h2 id="bad-title">Bad rows</h2>
            <p><a id="bad-rows-csv" href="/imports/\(run.id)/problems.csv" download>Download the bad rows (CSV)</a></p>
            <div class="table-wrap"><table id="bad-rows"><caption>Rows not imported, and why</caption>
            <thead><tr><th scope="col">Row</th><th scope="col">Column</th><th scope="col">Reason</th></tr></thead><tbody>\(rows)</tbody></table></div>
            \(more)</section>
            """
    }

    static func sourceLabel(_ run: ImportRun) -> String {
        run.source.flatMap(ImportSource.named)?.label ?? "not recognized"
    }

    static func stateLabel(_ state: ImportRun.State) -> String {
        switch state {
        case .review: "waiting for you to check the columns"
        case .queued: "queued"
        case .running: "importing"
        case .done: "done"
        case .failed: "failed"
        }
    }

    static func count(_ n: Int) -> String { n.formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US"))) }

    /// The account page's section: the account's imported rows, each with where it came from.
    static func accountSection(_ records: [ImportedRecord], limit: Int = 50) -> HTML {
        guard !records.isEmpty else { return .empty }
        let items: [HTML] = records.map { r in
            var facts: [String] = []
            if let status = r.status { facts.append(status) }
            if let priority = r.priority { facts.append("priority \(priority)") }
            if let owner = r.owner { facts.append("owner \(owner)") }
            if let due = r.due { facts.append("due \(due)") }
            if let amount = r.amount { facts.append("amount \(amount)") }
            if let email = r.email { facts.append(email) }
            if let role = r.role { facts.append(role) }
            let source = ImportSource.named(r.source)?.label ?? r.source
            return """
                <li><strong>\(r.name.isEmpty ? r.externalID : r.name)</strong> <span class="meta">\(r.kind.rawValue) · \(facts.joined(separator: " · "))</span>\
                <br><span class="meta provenance">From \(source) (\(r.externalID)) · \(r.provenance.file), row \(String(r.provenance.row)) · \
                imported \(Web.date(r.provenance.importedAt))</span></li>
                """
        }
        return """
            <section id="imported" aria-labelledby="imported-title"><h2 id="imported-title">Imported activity</h2>
            \(records.count >= limit ? "<p class=\"meta\">The first \(limit) imported rows: the newest import's first, soonest due first.</p>" as HTML : .empty)
            <ul class="list" id="imported-records">\(items)</ul></section>
            """
    }
}
