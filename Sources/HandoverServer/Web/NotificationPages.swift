import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// `/settings/notifications`: the signed-in member's own notification settings, one row per
/// event with email, digest or off. Linked from the navigation of every page.
extension WebRoutes {
    func registerNotifications(_ router: Router<AppContext>) {
        router.get("/settings/notifications") { request, context in
            let viewer = try Viewer(request, context)
            let preferences = try await services.notifications.preferences(by: viewer.member)
            return Web.page(WebPages.notifications(preferences, viewer: viewer, flash: Web.flash(request)))
        }
        router.post("/settings/notifications") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            // Every event's radio group is in the form; a kind left out keeps its setting.
            var changes: [String: String] = [:]
            for kind in NotificationKind.allCases { if let value = form.text(kind.rawValue) { changes[kind.rawValue] = value } }
            do {
                _ = try await services.notifications.setPreferences(changes, by: viewer.member)
                return Web.redirect("/settings/notifications", done: "saved")
            } catch let error as HandoverError {
                let current = try await services.notifications.preferences(by: viewer.member)
                return Web.page(
                    WebPages.notifications(current, viewer: viewer, flash: nil, problems: WebPages.problems(error)), status: WebPages.status(error))
            }
        }
    }
}

extension WebPages {
    static func notifications(_ preferences: NotificationPreferences, viewer: Viewer, flash: String?, problems: [Problem] = []) -> HTML {
        let labels: [(NotificationSetting, String)] = [(.email, "Email"), (.digest, "Daily digest"), (.off, "Off")]
        let rows: [HTML] = preferences.all.map { kind, setting in
            let id = kind.rawValue.replacingOccurrences(of: ".", with: "-")
            let choices: [HTML] = labels.filter { kind.settings.contains($0.0) }.map { value, label in
                """
                <label class="choice"><input type="radio" id="\(id)-\(value.rawValue)" name="\(kind.rawValue)" value="\(value.rawValue)"\
                \(HTML.attribute("checked", setting == value))> \(label)</label>
                """
            }
            return """
                <fieldset class="field notification-setting" id="setting-\(id)"><legend>\(kind.summary) <span class="meta">\(kind.rawValue)</span></legend>
                <div class="choices">\(choices)</div></fieldset>
                """
        }
        return Layout(title: "Notifications", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "notifications").render(
            """
            <h1>Notifications</h1>
            <p class="lead">How you hear of each event: an email at once, a line in one daily digest email instead, or not at all. \
            These settings are yours alone; nobody else sees or changes them.</p>
            \(Web.errors(problems))
            <form id="notifications-form" method="post" action="/settings/notifications">\(CSRF.field(viewer.csrf))
            \(rows)
            <button type="submit" id="save-notifications">Save</button>
            </form>
            """)
    }
}
