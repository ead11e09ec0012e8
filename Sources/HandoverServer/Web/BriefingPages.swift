import Foundation
import HandoverCore
import HandoverServices
import HandoverStore
import Hummingbird

/// The Briefing section of the handover page (schedule, move, cancel, confirm held) and the
/// calendar-feed page. The forms post here; the briefing service decides, as for the API.
extension WebRoutes {
    func registerBriefings(_ router: Router<AppContext>) {
        router.post("/handovers/:id/briefings") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            do {
                let start = try Self.localTime(form["start"])
                let attendees = form.values.keys.filter { $0.hasPrefix("attendee-") }.map { String($0.dropFirst("attendee-".count)) }.sorted()
                _ = try await services.briefings.schedule(
                    handoverID: id, startsAt: start, durationMinutes: Int(form["minutes"] ?? "") ?? 0, place: form.text("place"), videoURL: form.text("video"),
                    attendeeIDs: attendees, by: viewer.member)
                return Web.redirect("/handovers/\(id)#briefing", done: "briefing-scheduled")
            } catch let error as HandoverError {
                return Web.page(try await pages.handover(viewer, id: id, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            }
        }
        router.post("/briefings/:id/:action") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            let action = try context.parameters.require("action")
            let (briefing, _, _) = try await services.briefings.briefing(id: id, by: viewer.member)
            do {
                switch action {
                case "move":
                    _ = try await services.briefings.move(
                        id: id, startsAt: try form.text("start").map { try Self.localTime($0) }, durationMinutes: form.text("minutes").flatMap { Int($0) },
                        place: form["place"], videoURL: form["video"], by: viewer.member)
                case "cancel": _ = try await services.briefings.cancel(id: id, by: viewer.member)
                case "held":
                    _ = try await services.briefings.confirmHeld(
                        id: id, minutes: Int(form["minutes"] ?? "") ?? 0, covered: form["covered"] ?? "", stillOpen: form["still-open"], by: viewer.member)
                default: throw APIError.notFound("action \(action)")
                }
                return Web.redirect("/handovers/\(briefing.handoverID)#briefing", done: "briefing-\(action)")
            } catch let error as HandoverError {
                return Web.page(
                    try await pages.handover(viewer, id: briefing.handoverID, problems: WebPages.problems(error), typed: form.values), status: WebPages.status(error))
            }
        }
        router.get("/calendar-feed") { request, context in
            let viewer = try Viewer(request, context)
            return Web.page(WebPages.calendarFeed(viewer: viewer, url: nil, flash: Web.flash(request)))
        }
        router.post("/calendar-feed") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let token = try await services.briefings.createFeed(by: viewer.member)
            // Shown once, on this answer only (never in a redirect's URL).
            var response = Web.page(WebPages.calendarFeed(viewer: viewer, url: services.briefings.feedURL(token: token), flash: nil))
            response.headers[.cacheControl] = "no-store"
            return response
        }
        router.post("/calendar-feed/revoke") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            do { try await services.briefings.revokeFeed(by: viewer.member) } catch is StoreError {}
            return Web.redirect("/calendar-feed", done: "feed-revoked")
        }
    }

    /// A `datetime-local` value ("2026-12-08T14:00"), in the server's time zone (the one pages show).
    static func localTime(_ text: String?) throws(HandoverError) -> Date {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        for format in ["yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH:mm:ss"] {
            formatter.dateFormat = format
            if let text, let date = formatter.date(from: text) { return date }
        }
        throw .invalid([Problem(path: "startsAt", message: "give the start as a date and a time")])
    }
}

extension WebPages {
    /// The handover's briefings and the forms the viewer may use on them.
    static func briefingSection(_ model: HandoverPageModel, me: Member, csrf: String, typed: [String: String]) -> HTML {
        let (handover, parties, template, _, _, _, names) = model.reading.all
        let canArrange = Access.canArrangeBriefing(on: handover, parties: parties, actor: me)
        let isParty = me.id == handover.transferorID || me.id == handover.recipientID
        if model.briefings.isEmpty && !canArrange && template.rules.briefingMinimumMinutes == nil { return .empty }
        let gate: HTML =
            BriefingRules.unmet(minimumMinutes: template.rules.briefingMinimumMinutes, briefings: model.briefings, handover: handover).map {
                "<p id=\"briefing-gate\" class=\"card warn\">Acknowledgment waits: \($0).</p>" as HTML
            } ?? .empty
        let items: [HTML] = model.briefings.map { briefing in
            let place: [HTML] = [
                briefing.place.map { "\($0)" as HTML },
                briefing.videoURL.map { "<a href=\"\($0)\" rel=\"noopener\">video link</a>" as HTML },
            ].compactMap { $0 }
            let confirmations: [HTML] = briefing.confirmations.map { c in
                let open: HTML = c.stillOpen.isEmpty ? .empty : "<br>Still open: \(c.stillOpen)"
                return "<li>\(names[c.memberID] ?? "A party") confirmed \(c.minutes) minutes. Covered: \(c.covered)\(open)</li>"
            }
            var forms: [HTML] = []
            if briefing.state == .scheduled && canArrange { forms.append(moveForms(briefing, csrf: csrf)) }
            if briefing.state == .scheduled && isParty && briefing.startsAt <= model.now && briefing.confirmation(by: me.id) == nil {
                forms.append(heldForm(briefing, csrf: csrf, typed: typed))
            }
            return """
                <li class="briefing" id="briefing-\(briefing.id)"><strong>\(Web.date(briefing.startsAt))</strong>, \(briefing.durationMinutes) minutes\
                \(place.isEmpty ? HTML.empty : " · " as HTML)\(HTML(unsafe: place.map(\.description).joined(separator: " · ")))
                <span class="badge briefing-state">\(briefing.state.rawValue)</span>
                <br><span class="meta">With \(briefing.attendeeIDs.map { names[$0] ?? "a member" }.joined(separator: ", ")); arranged by \(names[briefing.organizerID] ?? "a member")</span>
                \(confirmations.isEmpty ? HTML.empty : "<ul class=\"confirmations\">\(confirmations)</ul>" as HTML)
                \(forms)</li>
                """
        }
        let list: HTML = items.isEmpty ? "<p class=\"meta\">No briefing yet.</p>" : "<ul class=\"list\" id=\"briefings\">\(items)</ul>"
        return """
            <section id="briefing" aria-labelledby="briefing-title"><h2 id="briefing-title">Briefing</h2>
            <p class="meta">The overlap where \(parties.transferor.name) walks \(parties.recipient.name) through the packet. Attendees get a calendar invitation by email.
            <a href="/calendar-feed">Your calendar feed</a></p>
            \(gate)\(list)
            \(canArrange ? scheduleForm(handover, names: names, parties: parties, csrf: csrf, typed: typed) : .empty)
            </section>
            """
    }

    static func scheduleForm(_ handover: Handover, names: [String: String], parties: Parties, csrf: String, typed: [String: String]) -> HTML {
        let others: [HTML] = names.filter { $0.key != parties.transferor.id && $0.key != parties.recipient.id }.sorted { $0.value < $1.value }.map { id, name in
            "<label class=\"check\"><input type=\"checkbox\" name=\"attendee-\(id)\" value=\"1\"\(HTML.attribute("checked", typed["attendee-\(id)"] != nil))> \(name)</label>"
        }
        let zone = TimeZone.current.abbreviation() ?? TimeZone.current.identifier
        return """
            <details id="schedule-briefing"\(HTML.attribute("open", typed["start"] != nil))><summary>Schedule a briefing</summary>
            <form method="post" action="/handovers/\(handover.id)/briefings" class="stack">\(CSRF.field(csrf))
            <label for="briefing-start">Start (\(zone))</label><input id="briefing-start" name="start" type="datetime-local" required value="\(typed["start"] ?? "")">
            <label for="briefing-minutes">Length in minutes</label><input id="briefing-minutes" name="minutes" type="number" min="\(BriefingRules.durationMinutes.lowerBound)" max="\(BriefingRules.durationMinutes.upperBound)" value="\(typed["minutes"] ?? "45")" required>
            <label for="briefing-place">Place</label><input id="briefing-place" name="place" maxlength="\(BriefingRules.maxPlaceLength)" value="\(typed["place"] ?? "")">
            <label for="briefing-video">Video link (http or https)</label><input id="briefing-video" name="video" type="url" value="\(typed["video"] ?? "")">
            \(others.isEmpty ? HTML.empty : "<fieldset><legend>Also invite</legend>\(others)</fieldset>" as HTML)
            <button type="submit" id="schedule-briefing-button">Schedule and send invitations</button>
            </form></details>
            """
    }

    static func moveForms(_ briefing: Briefing, csrf: String) -> HTML {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = .current
        formatter.dateFormat = "yyyy-MM-dd'T'HH:mm"
        let id = briefing.id
        return """
            <details class="briefing-change"><summary>Move or cancel</summary>
            <form method="post" action="/briefings/\(id)/move" class="stack">\(CSRF.field(csrf))
            <label for="move-start-\(id)">New start</label><input id="move-start-\(id)" name="start" type="datetime-local" value="\(formatter.string(from: briefing.startsAt))">
            <label for="move-minutes-\(id)">Length in minutes</label><input id="move-minutes-\(id)" name="minutes" type="number" min="\(BriefingRules.durationMinutes.lowerBound)" max="\(BriefingRules.durationMinutes.upperBound)" value="\(briefing.durationMinutes)">
            <label for="move-place-\(id)">Place</label><input id="move-place-\(id)" name="place" value="\(briefing.place ?? "")">
            <label for="move-video-\(id)">Video link</label><input id="move-video-\(id)" name="video" type="url" value="\(briefing.videoURL ?? "")">
            <button type="submit" class="move-briefing">Move and send the update</button>
            </form>
            <form method="post" action="/briefings/\(id)/cancel">\(CSRF.field(csrf))<button type="submit" class="danger cancel-briefing">Cancel the briefing</button></form>
            </details>
            """
    }

    static func heldForm(_ briefing: Briefing, csrf: String, typed: [String: String]) -> HTML {
        let id = briefing.id
        return """
            <form method="post" action="/briefings/\(id)/held" class="stack held-form">\(CSRF.field(csrf))
            <h3>Confirm it was held</h3>
            <label for="held-minutes-\(id)">How long it ran (minutes)</label><input id="held-minutes-\(id)" name="minutes" type="number" min="1" max="600" value="\(typed["minutes"] ?? String(briefing.durationMinutes))" required>
            <label for="held-covered-\(id)">What was covered</label><textarea id="held-covered-\(id)" name="covered" rows="3" required>\(typed["covered"] ?? "")</textarea>
            <label for="held-open-\(id)">What is still open</label><textarea id="held-open-\(id)" name="still-open" rows="2">\(typed["still-open"] ?? "")</textarea>
            <button type="submit" class="confirm-held">Confirm it was held</button>
            </form>
            """
    }

    /// The private feed: what it holds, and (once, right after it is made) its URL.
    static func calendarFeed(viewer: Viewer, url: String?, flash: String?) -> HTML {
        let shown: HTML =
            url.map {
                """
                <div class="card" id="feed-url-card"><p>Your feed URL, shown only now. Subscribe to it in your calendar app:</p>
                <p><input id="feed-url" readonly value="\($0)" aria-label="Calendar feed URL" class="wide"></p></div>
                """ as HTML
            } ?? .empty
        return Layout(title: "Calendar feed", member: viewer.member, csrf: viewer.csrf, flash: flash).render(
            """
            <h1>Calendar feed</h1>
            <p>A private calendar with every briefing you attend (cancelled ones marked) and the due dates in your open handovers.
            Anyone with its URL can read it, so it is shown once; making a new one stops the old one.</p>
            \(shown)
            <form method="post" action="/calendar-feed">\(CSRF.field(viewer.csrf))<button type="submit" id="create-feed">Make a new feed URL</button></form>
            <form method="post" action="/calendar-feed/revoke">\(CSRF.field(viewer.csrf))<button type="submit" class="danger" id="revoke-feed">Stop my feed</button></form>
            """)
    }
}
