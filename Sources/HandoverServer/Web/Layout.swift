import Foundation
import HandoverCore
import Hummingbird
import HTTPTypes
import NIOCore

/// The frame every page shares: landmarks, navigation, the flash message and sign-out.
struct Layout {
    var title: String
    var member: Member?
    var csrf: String?
    var flash: String? = nil
    var current: String = ""

    func render(_ content: HTML) -> HTML {
        """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(title) · Handover</title>
        <link rel="stylesheet" href="\(Assets.css.path)">
        <script src="\(Assets.javascript.path)" defer></script>
        </head>
        <body>
        <a class="skip" href="#main">Skip to content</a>
        <header class="top">
        <a class="brand" href="/">Handover</a>
        \(navigation)
        </header>
        <main id="main">
        \(flash.map { "<p id=\"flash\" role=\"status\">\($0)</p>" as HTML })
        \(content)
        </main>
        </body>
        </html>
        """
    }

    private var navigation: HTML {
        guard let member else { return .empty }
        func link(_ id: String, _ href: String, _ label: String) -> HTML {
            "<a id=\"nav-\(id)\" href=\"\(href)\"\(HTML(unsafe: current == id ? " aria-current=\"page\"" : ""))>\(label)</a>"
        }
        var links = [link("home", "/", "Home"), link("accounts", "/accounts", "Accounts")]
        if member.role != .auditor { links.append(link("new", "/handovers/new", "New handover")) }
        links.append(link("rotation", "/secrets/rotation", "Rotation"))
        links.append(link("physical-assets", "/physical-assets", "Assets"))
        links.append(link("lingering", "/access/lingering", "Access"))
        if member.role == .admin { links.append(link("admin", "/admin", "Admin")) }
        if member.role == .admin { links.append(link("outbox", "/outbox", "Outbox")) }
        if member.role == .admin || member.role == .auditor { links.append(link("imports", "/imports", "Imports")) }
        if member.role != .member { links.append(link("insight", "/insight", "Quality")) }
        links.append(link("notifications", "/settings/notifications", "Notifications"))
        links.append(link("pipelines", "/pipelines", "Pipelines"))
        links.append(link("shifts", "/shifts", "Shifts"))
        if member.role == .admin { links.append(link("webhooks", "/admin/webhooks", "Webhooks")) }
        if member.role == .admin || member.role == .manager {
            links.append(link("departures", "/departures", "Departures"))
            links.append(link("realignments", "/realignments", "Realign"))
        }
        return """
            <nav aria-label="Main">\(links)</nav>
            <form id="sign-out" method="post" action="/logout">\(CSRF.field(csrf))
            <span class="who">\(member.name) · \(member.role.rawValue)</span> <button type="submit" class="link">Sign out</button></form>
            """
    }
}

/// Rendering helpers shared by the pages.
enum Web {
    static func page(_ html: HTML, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "text/html; charset=utf-8"
        // Pages load only our own script and style; no inline script, no framing.
        headers[HTTPField.Name("Content-Security-Policy")!] =
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
        headers[HTTPField.Name("X-Frame-Options")!] = "DENY"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: html.description)))
    }

    /// After a successful POST: go to `location` (303, so a reload does not post again).
    static func redirect(_ location: String, done: String? = nil) -> Response {
        guard let done else { return Response(status: .seeOther, headers: [.location: location]) }
        // The query goes before any #fragment.
        let parts = location.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
        let path = String(parts[0]) + (parts[0].contains("?") ? "&" : "?") + "done=" + done
        return Response(status: .seeOther, headers: [.location: parts.count > 1 ? path + "#" + parts[1] : path])
    }

    /// Messages after a redirect are chosen by key, so a link cannot put words in our mouth. They say
    /// what was done; what comes next is the page's status line (`NextStep`).
    static func flash(_ request: Request) -> String? {
        guard let key = request.uri.queryParameters.get("done") else { return nil }
        return [
            "saved": "Saved.", "created": "Handover created.", "submitted": "Submitted.",
            "asked": "Your message is in the thread.", "acknowledged": "Acknowledged: you have accepted the handover.",
            "returned": "Returned to the transferor with your reasons.", "revised": "Back in draft.",
            "completed": "Completed: the account has a new owner.",
            "signed-transferor": "Signed as transferor.", "signed-recipient": "Signed as recipient.",
            "signed-manager": "Signed as manager.", "verified": "Verified.", "closed": "Closed.", "cancelled": "Cancelled.",
            "member": "Member added.", "template": "Template added.", "revoked": "Token revoked.", "signed-out": "You are signed out.",
            "access-granted": "Grant recorded.", "access-revoked": "Grant revoked.", "plan-drawn": "Access plan drawn from the account's grants.",
            "plan-line-added": "Line added to the access plan.", "plan-updated": "Access plan updated.",
            "briefing-scheduled": "Briefing scheduled; invitations are on their way.", "briefing-move": "Briefing moved; attendees get the update.",
            "briefing-cancel": "Briefing cancelled; attendees get the cancellation.", "briefing-held": "Thank you: your confirmation is recorded.",
            "feed-revoked": "Your calendar feed is stopped.",
            "staged": "The account's stage is recorded.",
            "attachment-deleted": "Attachment deleted.",
            "import-started": "Import started: this page follows its progress.",
            "insight-refresh": "Refresh queued: the numbers are recomputed in the background; reload in a moment.",
            "webhook-deleted": "Webhook deleted.", "webhook-replayed": "The delivery is queued to be sent again.",
            "intro-sent": "Introduction queued: it goes out from you, with the new owner in copy.", "intro-recorded": "Recorded: the customer was introduced.",
            "answered": "Thank you: your answers are recorded.", "checked-in": "Checked in: the handover is verified.",
            "departure-applied": "Departure applied: the handovers are drafts with their recipients.",
            "departure-scheduled": "Departure scheduled: it is planned again and applied on its day.",
            "cover-started": "Cover started: this is its handover; it comes back by itself on its day.",
            "cover-ended": "Cover ended: the handback to its owner is drafted.",
            "cover-ended-back": "Cover ended: the account was back with its owner already.",
            "cover-ended-nothing": "Cover ended: nothing to hand back (its reason says why).",
            "cover-failed": "Cover ended without a handback: its owner cannot take the account back.",
            "realignment-applied": "Realignment applied: the handovers are drafts, from each account's owner to its new one.",
            "shift-taken": "The shift is yours: at its start the handover comes to you.",
            "override-removed": "Override removed: the rota holds those shifts again.",
        ][key]
    }

    // Dates a person reads are written one way everywhere: "3 Dec 2026" and "3 Dec 2026 16:52",
    // the month as a word so that 3/12 and 12/3 cannot be confused whatever the reader's locale.
    // Date inputs stay the browser's own (`<input type=date>` shows the reader's locale format and
    // posts YYYY-MM-DD); the editor writes a chosen date this way beside its input.

    /// Dates read the same on every page and in the CLI (`HumanDate`): "3 Dec 2026 16:52", "3 Dec 2026".
    static func date(_ date: Date) -> String { HumanDate.format(date) }

    static func day(_ date: Date) -> String { HumanDate.day(date) }

    /// A calendar date (no time, no zone): "3 Dec 2026".
    static func day(_ date: CalendarDate) -> String { HumanDate.day(date) }

    static func stateBadge(_ state: HandoverState, id: String? = nil) -> HTML {
        "<span class=\"state state-\(state.rawValue)\"\(HTML(unsafe: id.map { " id=\"\($0)\"" } ?? ""))>\(state.rawValue)</span>"
    }

    /// A contact as a list item: who, how to reach them, and how they like to be reached.
    static func contact(_ c: Contact) -> HTML {
        let notes: HTML = c.notes.map { "<br>\($0)" } ?? .empty
        return
            "<li><strong>\(c.name)</strong>\(c.role.map { ", \($0)" })\(c.email.map { " · \($0)" })\(c.phone.map { " · \($0)" })<br><span class=\"meta\">Prefers: \(c.preference ?? "not recorded")\(c.owner.map { " · our side: \($0)" } ?? "")</span>\(notes)</li>"
    }

    static func errors(_ problems: [Problem]) -> HTML {
        guard !problems.isEmpty else { return .empty }
        let items: [HTML] = problems.map { "<li>\($0.path.isEmpty ? "" : $0.path + ": ")\($0.message)</li>" }
        return "<div id=\"errors\" role=\"alert\"><p>Please fix:</p><ul>\(items)</ul></div>"
    }
}
