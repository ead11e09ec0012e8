import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// The mail outbox in the browser: a section on the handover page (its parties see the emails
/// about it) and `/outbox`, the organization's for admins.
extension WebRoutes {
    func registerOutbox(_ router: Router<AppContext>) {
        router.get("/outbox") { request, context in
            let viewer = try Viewer(request, context)
            let state = request.uri.queryParameters["state"].flatMap { OutboxState(rawValue: String($0)) }
            return Web.page(WebPages.outbox(try await services.pages.outbox(state: state, for: viewer.member), viewer: viewer))
        }
    }
}

extension WebPages {
    static func outbox(_ model: OutboxPageModel, viewer: Viewer) -> HTML {
        let choices: [(String, String)] = [("", "All"), ("queued", "Queued"), ("sent", "Sent"), ("failed", "Failed")]
        let selected = model.state?.rawValue ?? ""
        let options: [HTML] = choices.map { value, label in "<option value=\"\(value)\"\(HTML.attribute("selected", selected == value))>\(label)</option>" }
        let rows: [HTML] = model.messages.map { message in
            let about: HTML = message.handoverID.map { id in "<a href=\"/handovers/\(id)\">\(model.handoverNames[id] ?? "the handover")</a>" as HTML } ?? "—"
            return """
                <tr class="outbox-message"><td>\(message.subject)</td>\
                <td data-label="To">\(recipients(message))</td><td data-label="About">\(about)</td>\
                <td data-label="Status">\(status(message))</td></tr>
                """
        }
        let empty = model.state.map { "No \($0.rawValue) emails." } ?? "No emails yet: Handover writes one when a handover is submitted."
        return Layout(title: "Outbox", member: viewer.member, csrf: viewer.csrf, current: "outbox").render(
            """
            <h1>Outbox</h1>
            <p class="lead">Every email Handover wrote for this organization, newest first: queued ones wait for the mail job, or for an SMTP \
            server (<code>HANDOVER_SMTP_URL</code>); failed ones show what the server answered.</p>
            <form id="outbox-filters" method="get" action="/outbox" class="filters">
            <div class="field"><label for="state">Show</label><select id="state" name="state">\(options)</select></div>
            <button type="submit" id="filter">Show</button>
            </form>
            \(rows.isEmpty ? "<p class=\"empty\" id=\"outbox-empty\">\(empty)</p>" as HTML : """
                <div class="table-wrap"><table class="stack" id="outbox">
                <caption class="visually-hidden">Emails, newest first</caption>
                <thead><tr><th scope="col">Subject</th><th scope="col">To</th><th scope="col">About</th><th scope="col">Status</th></tr></thead>
                <tbody>\(rows)</tbody></table></div>
                """)
            """)
    }

    /// The handover page's section: the emails about it, for its parties.
    static func outboxSection(_ messages: [OutboxMessage], names: [String: String]) -> HTML {
        guard !messages.isEmpty else { return .empty }
        let items: [HTML] = messages.map { message in
            """
            <li class="outbox-message"><strong>\(message.subject)</strong> <span class="meta">to \(recipients(message))</span><br>\(status(message))</li>
            """
        }
        return """
            <section id="outbox-section" aria-labelledby="outbox-title"><h2 id="outbox-title">Emails</h2>
            <ul class="list">\(items)</ul></section>
            """
    }

    static func recipients(_ message: OutboxMessage) -> String {
        (message.to + message.cc).map { $0.name ?? $0.address }.joined(separator: ", ")
    }

    /// "Sent 4 Dec 2026 03:17", "Queued since …, 2 tries: <reply>", "Failed: <reply>".
    static func status(_ message: OutboxMessage) -> HTML {
        let tries = message.attempts == 1 ? "1 try" : "\(message.attempts) tries"
        switch message.state {
        case .sent:
            return "<span class=\"state-sent\">Sent \(Web.date(message.sentAt ?? message.updatedAt))</span>"
        case .queued:
            let detail: HTML = message.lastReply.map { " · \(tries), last: <span class=\"meta\">\($0)</span>" as HTML } ?? ""
            return "<span class=\"state-queued\">Queued since \(Web.date(message.createdAt))</span>\(detail)"
        case .failed:
            return "<span class=\"overdue\">Failed \(Web.date(message.updatedAt))</span> · \(tries): <span class=\"meta\">\(message.lastReply ?? "no reply")</span>"
        }
    }
}
