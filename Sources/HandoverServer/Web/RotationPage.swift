import Foundation
import HandoverCore
import HandoverServices

/// The rotation report (`/secrets/rotation`) and its home-page section: secrets a member could
/// open when their access ended, until someone seals a new version.
extension WebPages {
    func rotation(_ viewer: Viewer, state: ExposureState?, accountID: String?, memberID: String?) async throws -> HTML {
        Self.rotation(try await services.pages.rotation(state: state, accountID: accountID, memberID: memberID, for: viewer.member), viewer: viewer)
    }

    static func rotation(_ model: RotationModel, viewer: Viewer) -> HTML {
        let (items, names, now) = (model.report.items, model.memberNames, model.report.asOf)
        let choices: [(String, String)] = [("open", "To rotate"), ("overdue", "Overdue"), ("rotated", "Rotated"), ("all", "All")]
        let selected = model.state?.rawValue ?? "all"
        let options: [HTML] = choices.map { value, label in "<option value=\"\(value)\"\(HTML.attribute("selected", selected == value))>\(label)</option>" }
        let kept: [HTML] = [("account", model.accountID), ("member", model.memberID)].compactMap { name, value in
            value.map { "<input type=\"hidden\" name=\"\(name)\" value=\"\($0)\">" }
        }
        // Per member: whose departure left what behind, oldest first (the rows are).
        var memberOrder: [String] = []
        var perMember: [String: [SecretExposure]] = [:]
        var accountOrder: [String] = []
        var perAccount: [String: [SecretExposure]] = [:]
        for item in items {
            if perMember[item.memberID] == nil { memberOrder.append(item.memberID) }
            perMember[item.memberID, default: []].append(item)
            if perAccount[item.accountID] == nil { accountOrder.append(item.accountID) }
            perAccount[item.accountID, default: []].append(item)
        }
        let members: [HTML] = memberOrder.map { id in
            let rows = perMember[id] ?? []
            let open = rows.filter { !$0.isRotated }.count, late = rows.filter { $0.isOverdue(at: now) }.count
            var counts = ["\(rows.count) secret\(rows.count == 1 ? "" : "s")"]
            if open != rows.count { counts.append("\(open) to rotate") }
            let overdue: HTML = late > 0 ? " · <span class=\"overdue\">\(late) overdue</span>" : .empty
            return """
                <li><strong>\(names[id] ?? "A former member")</strong> <span class="meta">\(counts.joined(separator: " · "))\(overdue) · \
                since \(Web.day(rows[0].exposedAt))</span></li>
                """
        }
        let accounts: [HTML] = accountOrder.map { id in
            let rows = perAccount[id] ?? []
            let lines: [HTML] = rows.map { item in
                let status: HTML
                if let rotatedAt = item.rotatedAt {
                    status = "rotated \(Web.day(rotatedAt)) by \(item.rotatedBy.flatMap { names[$0] } ?? "?")\(item.rotatedVersion.map { " (version \($0))" } ?? "")"
                } else if item.isOverdue(at: now) {
                    status = "<span class=\"overdue\">overdue: due \(Web.day(item.dueAt))</span>"
                } else {
                    status = "due \(Web.day(item.dueAt))"
                }
                return """
                    <tr class="exposure"><td><a href="/accounts/\(item.accountID)#secret-\(item.secretID)">\(item.secretName)</a>\(item.system.isEmpty ? HTML.empty : " <span class=\"meta\">\(item.system)</span>")</td>\
                    <td data-label="Could be opened by">\(names[item.memberID] ?? "A former member")</td><td data-label="Version">\(item.version)</td>\
                    <td data-label="Since">\(Web.day(item.exposedAt))\(item.handoverID.map { " · <a href=\"/handovers/\($0)\">handover</a>" as HTML } ?? "")</td>\
                    <td data-label="Status">\(status)</td></tr>
                    """
            }
            return """
                <section class="rotation-account" aria-labelledby="rotation-\(id)"><h3 id="rotation-\(id)"><a href="/accounts/\(id)">\(rows[0].accountName)</a> \
                <span class="meta">owner \(names[rows[0].ownerID] ?? "?")</span></h3>
                <div class="table-wrap"><table class="stack">
                <caption class="visually-hidden">Secrets of \(rows[0].accountName) exposed to members whose access ended</caption>
                <thead><tr><th scope="col">Secret</th><th scope="col">Could be opened by</th><th scope="col">Version</th><th scope="col">Since</th>\
                <th scope="col">Status</th></tr></thead>
                <tbody>\(lines)</tbody></table></div></section>
                """
        }
        let empty: HTML =
            switch model.state {
            case .open?: "Nothing to rotate: every secret a leaver could open has a new version."
            case .overdue?: "No overdue rotations."
            case .rotated?: "Nothing rotated yet."
            case nil: "No secret has been exposed by someone leaving an account."
            }
        return Layout(title: "Secrets to rotate", member: viewer.member, csrf: viewer.csrf, current: "rotation").render(
            """
            <h1>Secrets to rotate</h1>
            <p class="lead">When a handover completes, every secret of the account its transferor could open (opened or not) stays here \
            until someone seals a new version of it: with Rotate beside the secret on its account's page, or <code>handover secret rotate SECRET</code>. \
            Oldest first.</p>
            <form id="rotation-filters" method="get" action="/secrets/rotation" class="filters">
            <div class="field"><label for="state">Show</label><select id="state" name="state">\(options)</select></div>\(kept)
            <button type="submit" id="filter">Show</button>
            \(model.accountID != nil || model.memberID != nil ? "<a href=\"/secrets/rotation\">All accounts and members</a>" as HTML : .empty)
            </form>
            \(items.isEmpty ? "<p class=\"empty\" id=\"rotation-empty\">\(empty)</p>" as HTML : .empty)
            \(items.isEmpty ? HTML.empty : """
                <section id="rotation-by-member" aria-labelledby="by-member-title"><h2 id="by-member-title">By member whose access ended</h2>
                <ul class="list">\(members)</ul></section>
                <section id="rotation-by-account" aria-labelledby="by-account-title"><h2 id="by-account-title">By account</h2>\(accounts)</section>
                """)
            """)
    }

    /// The home page's list of overdue rotations: the ten oldest, and a link to the rest.
    static func overdueRotations(_ items: [SecretExposure], names: [String: String]) -> HTML {
        guard !items.isEmpty else { return .empty }
        var lines: [HTML] = items.prefix(10).map { item in
            """
            <li><a href="/secrets/rotation?account=\(item.accountID)">\(item.accountName)</a>: \(item.secretName) \
            <span class="overdue">due \(Web.day(item.dueAt))</span> <span class="meta">· \(names[item.memberID] ?? "a former member") could open it</span></li>
            """
        }
        if items.count > 10 { lines.append("<li class=\"meta\">and \(items.count - 10) more</li>") }
        return """
            <section id="rotations" aria-labelledby="rotations-title"><h2 id="rotations-title">Secrets overdue for rotation</h2>
            <ul class="list">\(lines)</ul>
            <p class="meta">Rotate each on its account's page, or with <code>handover secret rotate SECRET</code>. <a href="/secrets/rotation">The rotation report</a></p></section>
            """
    }
}
