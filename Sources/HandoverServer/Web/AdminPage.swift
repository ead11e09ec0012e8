import Foundation
import HandoverCore
import HandoverStore
import HandoverServices

extension WebPages {
    /// Members and roles, API tokens and templates. Members and templates are for admins; every
    /// member, auditors included, manages their own API tokens here.
    func admin(_ viewer: Viewer, flash: String? = nil, problems: [Problem] = [], typed: [String: String] = [:], newToken: String? = nil) async throws -> HTML {
        Self.admin(try await services.pages.admin(for: viewer.member), viewer: viewer, flash: flash, problems: problems, typed: typed, newToken: newToken)
    }

    static func admin(
        _ model: AdminModel, viewer: Viewer, flash: String? = nil, problems: [Problem] = [], typed: [String: String] = [:],
        newToken: String? = nil
    ) -> HTML {
        let me = viewer.member
        let isAdmin = me.role == .admin
        let (members, tokens, templates) = (model.members, model.tokens, model.templates)
        let names = Member.namesByID(members)

        let memberRows: [HTML] = members.map { m in
            // Deactivation ends sign-in, sessions and tokens at once (Docs/Departures.md); not for yourself.
            let verb = m.isActive ? "deactivate" : "reactivate"
            let status: HTML =
                m.id == me.id
                ? "active"
                : """
                \(m.isActive ? "active" : "deactivated") <form method="post" action="/admin/members/\(m.id)/\(verb)" class="inline">\(CSRF.field(viewer.csrf))<button type="submit" class="link\(m.isActive ? " danger" : "")" aria-label="\(m.isActive ? "Deactivate" : "Reactivate") \(m.name)">\(m.isActive ? "Deactivate" : "Reactivate")</button></form>\
                \(m.isActive ? " · <a href=\"/departures?member=\(m.id)\" aria-label=\"Plan departure of \(m.name)\">Plan departure</a>" as HTML : .empty)
                """
            return
                "<tr><td>\(m.name)</td><td>\(m.email)</td><td>\(m.role.rawValue)</td><td>\(m.managerID.flatMap { names[$0] } ?? "—")</td><td>\(status)</td></tr>"
        }
        let roles: [HTML] = Role.allCases.map {
            "<option value=\"\($0.rawValue)\"\(HTML.attribute("selected", typed["role"] == $0.rawValue || (typed["role"] == nil && $0 == .member)))>\($0.rawValue)</option>"
        }
        let managers: [HTML] = members.filter { $0.role == .manager || $0.role == .admin }.map {
            "<option value=\"\($0.id)\"\(HTML.attribute("selected", typed["manager"] == $0.id))>\($0.name)</option>"
        }
        let tokenRows: [HTML] = tokens.map { t in
            let revoke: HTML =
                t.revokedAt == nil
                ? """
                <form method="post" action="/admin/tokens/\(t.id)/revoke" class="inline">\(CSRF.field(viewer.csrf))<button type="submit" class="link danger" aria-label="Revoke token \(t.name)">Revoke</button></form>
                """ : "revoked \(Web.day(t.revokedAt!))"
            return
                "<tr><td>\(t.name)</td><td>\(names[t.memberID] ?? "?")</td><td>\(Web.day(t.createdAt))</td><td>\(t.lastUsedAt.map(Web.date) ?? "never")</td><td>\(revoke)</td></tr>"
        }
        let templateRows: [HTML] = templates.map { "<tr><td>\($0.name)</td><td><code>\($0.key)</code></td><td>\($0.version)</td><td>\($0.sections.count)</td></tr>" }

        let adminSections: HTML =
            isAdmin
            ? """
            <section aria-labelledby="members-title"><h2 id="members-title">Members and roles</h2>
            <div class="table-wrap"><table id="members"><thead><tr><th scope="col">Name</th><th scope="col">Email</th><th scope="col">Role</th><th scope="col">Manager</th><th scope="col">Status</th></tr></thead>
            <tbody>\(memberRows)</tbody></table></div>
            <form id="add-member" method="post" action="/admin/members" class="card">\(CSRF.field(viewer.csrf))
            <h3>Add a member</h3>
            <div class="field"><label for="member-name">Name</label><input type="text" id="member-name" name="name" value="\(typed["name"])" required></div>
            <div class="field"><label for="member-email">Email</label><input type="email" id="member-email" name="email" value="\(typed["email"])" required></div>
            <div class="field"><label for="member-role">Role</label><select id="member-role" name="role">\(roles)</select></div>
            <div class="field"><label for="member-manager">Manager</label><select id="member-manager" name="manager"><option value="">None</option>\(managers)</select></div>
            <div class="field"><label for="member-password">First password (leave empty to generate one)</label>
            <input type="password" id="member-password" name="password" autocomplete="new-password"></div>
            <button type="submit" id="add-member-button">Add member</button>
            </form>
            </section>
            """ : .empty
        let templateSection: HTML =
            isAdmin
            ? """
            <section aria-labelledby="templates-title"><h2 id="templates-title">Templates</h2>
            <div class="table-wrap"><table id="templates"><thead><tr><th scope="col">Name</th><th scope="col">Key</th><th scope="col">Version</th><th scope="col">Sections</th></tr></thead>
            <tbody>\(templateRows)</tbody></table></div>
            <form id="add-template" method="post" action="/admin/templates" class="card">\(CSRF.field(viewer.csrf))
            <h3>Add a template</h3>
            <div class="field"><label for="template-json">Template as JSON (same shape as <a href="/api/v1/templates/customer-account">a built-in one</a>; a new version of an existing key replaces it for new handovers)</label>
            <textarea id="template-json" name="template" rows="12" class="code" required>\(typed["template"])</textarea></div>
            <button type="submit" id="add-template-button">Validate and add</button>
            </form>
            </section>
            """ : .empty
        let tokenSecret: HTML =
            newToken.map { secret in
                """
                <div class="card success" role="status"><p><strong>Your new API token</strong> — copy it now; it is never shown again:</p>
                <p><code id="token-secret">\(secret)</code></p></div>
                """
            } ?? .empty
        return Layout(title: "Admin", member: me, csrf: viewer.csrf, flash: flash, current: "admin").render(
            """
            <h1>\(isAdmin ? "Administration" : "API tokens")</h1>
            \(Web.errors(problems))
            \(adminSections)
            <section aria-labelledby="tokens-title"><h2 id="tokens-title">API tokens</h2>
            \(tokenSecret)
            <div class="table-wrap"><table id="tokens"><thead><tr><th scope="col">Name</th><th scope="col">Member</th><th scope="col">Created</th><th scope="col">Last used</th><th scope="col"><span class="visually-hidden">Actions</span></th></tr></thead>
            <tbody>\(tokenRows)</tbody></table></div>
            <form id="new-token" method="post" action="/admin/tokens" class="card">\(CSRF.field(viewer.csrf))
            <div class="field"><label for="token-name">New token for you, named after where it will be used</label><input type="text" id="token-name" name="name" required></div>
            <button type="submit" id="new-token-button">Create token</button></form>
            </section>
            \(templateSection)
            """)
    }
}
