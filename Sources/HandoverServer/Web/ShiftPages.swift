import Foundation
import HandoverCore
import HandoverServices
import Hummingbird

/// `/shifts` (every member): the organization's rotas and who is on; `/shifts/{id}` one rota:
/// who is on now, the week ahead with "Take this shift" for its rota, the overrides and the
/// changes so far (Docs/Shifts.md). Schedules are created and edited with the API or
/// `handover shift`; every rule is `ShiftService`'s, these pages only gather and show.
extension WebRoutes {
    func registerShifts(_ router: Router<AppContext>) {
        router.get("/shifts") { request, context in
            let viewer = try Viewer(request, context)
            let rows = try await services.shifts.views(by: viewer.member).map(WebPages.ShiftRow.init(view:))
            let names = Member.namesByID(try await members.members(by: viewer.member))
            let accounts = try await services.accounts.names(ids: rows.map(\.view.schedule.accountID), by: viewer.member)
            return Web.page(WebPages.shifts(rows, names: names, accounts: accounts, viewer: viewer, flash: Web.flash(request)))
        }
        router.get("/shifts/:id") { request, context in
            let viewer = try Viewer(request, context)
            let id = try context.parameters.require("id")
            let view = try await services.shifts.view(id: id, by: viewer.member)
            let week = try await services.shifts.timeline(id: id, by: viewer.member)
            let changes = try await services.shifts.changes(id: id, limit: 10, by: viewer.member)
            var removable: Set<String> = []
            for override in view.overrides where try await services.shifts.mayRemove(override, of: view.schedule, by: viewer.member) {
                removable.insert(override.id)
            }
            let page = WebPages.ShiftPage(
                view: view, week: week, changes: changes, mayTake: try await services.shifts.mayTake(view.schedule, by: viewer.member), removable: removable,
                names: Member.namesByID(try await members.members(by: viewer.member)),
                account: try await services.accounts.names(ids: [view.schedule.accountID], by: viewer.member)[view.schedule.accountID])
            return Web.page(WebPages.shift(page, viewer: viewer, flash: Web.flash(request)))
        }
        router.post("/shifts/:id/take") { request, context in
            let (viewer, form) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            guard let start = form.text("start").flatMap(Timestamp.parse), let end = form.text("end").flatMap(Timestamp.parse) else {
                throw HandoverError.invalid([Problem(path: "start", message: "choose a shift from the list")])
            }
            _ = try await services.shifts.addOverride(scheduleID: id, ShiftOverrideRequest(startsAt: start, endsAt: end), by: viewer.member)
            return Web.redirect("/shifts/\(id)", done: "shift-taken")
        }
        router.post("/shifts/:id/overrides/:override/remove") { request, context in
            let (viewer, _) = try await Viewer.posting(request, context)
            let id = try context.parameters.require("id")
            try await services.shifts.removeOverride(scheduleID: id, overrideID: try context.parameters.require("override"), by: viewer.member)
            return Web.redirect("/shifts/\(id)", done: "override-removed")
        }
    }
}

extension WebPages {
    struct ShiftRow: Sendable {
        var view: ShiftScheduleView
    }

    struct ShiftPage: Sendable {
        var view: ShiftScheduleView
        var week: [ShiftTimeline.Segment]
        var changes: [ShiftChangeRecord]
        var mayTake: Bool
        var removable: Set<String>
        var names: [String: String]
        var account: String?
    }

    /// "3 Dec 2026 19:00" on the schedule's wall clock.
    static func shiftTime(_ date: Date, _ schedule: ShiftSchedule) -> String {
        HumanDate.format(date, timeZone: TimeZone(identifier: schedule.timeZone) ?? .gmt)
    }

    static func shifts(_ rows: [ShiftRow], names: [String: String], accounts: [String: String], viewer: Viewer, flash: String?) -> HTML {
        let items: [HTML] = rows.map { row in
            let s = row.view.schedule
            let on = row.view.onShift.map { names[$0] ?? "A former member" } ?? "nobody"
            let next: String = row.view.nextChange.map { "\(shiftTime($0.at, s)) → \(names[$0.to] ?? "A former member")" } ?? "none planned"
            return """
                <tr class="shift-schedule" id="schedule-\(s.id)"><td><a href="/shifts/\(s.id)">\(s.name)</a></td>\
                <td data-label="Account"><a href="/accounts/\(s.accountID)">\(accounts[s.accountID] ?? "An account")</a></td>\
                <td data-label="On now">\(s.state == .stopped ? "stopped" : on)</td><td data-label="Next change">\(next)</td></tr>
                """
        }
        let table: HTML =
            items.isEmpty
            ? "<p class=\"empty\" id=\"shifts-empty\">No shift schedules yet. An admin or manager creates one: <code>handover shift create --help</code>.</p>"
            : """
            <div class="table-wrap"><table class="stack" id="shift-schedules">
            <caption class="visually-hidden">Shift schedules by name</caption>
            <thead><tr><th scope="col">Schedule</th><th scope="col">Account</th><th scope="col">On now</th><th scope="col">Next change</th></tr></thead>
            <tbody>\(items)</tbody></table></div>
            """
        return Layout(title: "Shifts", member: viewer.member, csrf: viewer.csrf, flash: flash, current: "shifts").render(
            """
            <h1>Shifts</h1>
            <p class="lead">Rotas hand an account from shift to shift. At each change a handover is drafted from the last shift's packet; \
            if it is not acknowledged in time, the managers hear of it.</p>
            \(table)
            """)
    }

    /// "Ana to Bo", or "Bo comes on" for the first shift.
    static func changeWords(_ from: String?, _ to: String, _ name: (String?) -> String) -> String {
        from == nil ? "\(name(to)) comes on" : "\(name(from)) to \(name(to))"
    }

    static func shift(_ page: ShiftPage, viewer: Viewer, flash: String?) -> HTML {
        let s = page.view.schedule
        func name(_ id: String?) -> String { id.map { page.names[$0] ?? "A former member" } ?? "nobody" }
        let on: HTML =
            s.state == .stopped
            ? "<p id=\"on-shift\">This schedule is stopped: no more changes.</p>"
            : """
            <p id="on-shift">On shift now: <strong>\(name(page.view.onShift))</strong>\
            \(page.view.waitingOn.map { " <span class=\"meta\">(until <a href=\"/handovers/\($0)\">the handover</a> is acknowledged)</span>" as HTML } ?? .empty)</p>
            \(page.view.nextChange.map { "<p id=\"next-change\">Next change: \(shiftTime($0.at, s)), \(Self.changeWords($0.from, $0.to, name)).</p>" as HTML } ?? .empty)
            """
        let now = Date()
        let spans: [HTML] = page.week.map { segment in
            let take: HTML =
                page.mayTake && segment.memberID != nil && segment.memberID != viewer.member.id && segment.end > now
                ? """
                <form method="post" action="/shifts/\(s.id)/take" class="inline">\(CSRF.field(viewer.csrf))\
                <input type="hidden" name="start" value="\(Timestamp.format(segment.start))"><input type="hidden" name="end" value="\(Timestamp.format(segment.end))">\
                <button type="submit" class="secondary" aria-label="Take the shift from \(shiftTime(segment.start, s))">Take this shift</button></form>
                """ : .empty
            return """
                <tr class="span"><td>\(shiftTime(segment.start, s))</td><td data-label="Until">\(shiftTime(segment.end, s))</td>\
                <td data-label="Who">\(segment.memberID == nil ? "nobody" : name(segment.memberID))\(segment.overrideID == nil ? HTML.empty : " <span class=\"meta\">(override)</span>")</td>\
                <td>\(take)</td></tr>
                """
        }
        let overrides: [HTML] = page.view.overrides.map { o in
            let remove: HTML =
                page.removable.contains(o.id)
                ? """
                <form method="post" action="/shifts/\(s.id)/overrides/\(o.id)/remove" class="inline">\(CSRF.field(viewer.csrf))\
                <button type="submit" class="secondary" id="remove-\(o.id)">\(o.startsAt <= now ? "End it now" : "Remove")</button></form>
                """ : .empty
            return """
                <li class="override" id="override-\(o.id)">\(name(o.memberID)) holds \(shiftTime(o.startsAt, s)) to \(shiftTime(o.endsAt, s))\
                \(o.reason.map { " <span class=\"meta\">· \($0)</span>" as HTML } ?? .empty) \(remove)</li>
                """
        }
        let changes: [HTML] = page.changes.map { c in
            """
            <li class="shift-change">\(shiftTime(c.at, s)): \(name(c.fromMemberID)) to \(name(c.toMemberID)) <span class="meta">· \(c.state.rawValue)\
            \(c.handoverID.map { " · <a href=\"/handovers/\($0)\">the handover</a>" as HTML } ?? .empty)\
            \(c.escalatedAt == nil ? HTML.empty : " · not acknowledged in time: the managers were told")\(c.reason.map { " · \($0)" as HTML } ?? .empty)</span></li>
            """
        }
        return Layout(title: s.name, member: viewer.member, csrf: viewer.csrf, flash: flash, current: "shifts").render(
            """
            <h1>\(s.name)</h1>
            <p class="lead">\(page.account.map { "<a href=\"/accounts/\(s.accountID)\">\($0)</a>" as HTML } ?? "An account"): shifts \
            \((try? s.pattern.get())?.summary ?? s.rule) (\(s.timeZone) time), from \(Web.day(s.startsOn)). \
            The rota: \(s.rotation.map { name($0) }.joined(separator: ", ")). \
            The incoming person acknowledges within \(s.ackMinutes) minutes\(s.waitForAcknowledgment ? "; until then the outgoing person stays on" : "").</p>
            \(on)
            <section aria-labelledby="week-title"><h2 id="week-title">The week ahead</h2>
            <div class="table-wrap"><table class="stack" id="shift-week">
            <caption class="visually-hidden">Who holds the shifts over the next seven days, in \(s.timeZone) time</caption>
            <thead><tr><th scope="col">From</th><th scope="col">Until</th><th scope="col">Who</th><th scope="col"><span class="visually-hidden">Take</span></th></tr></thead>
            <tbody>\(spans)</tbody></table></div>
            \(page.mayTake ? "<p class=\"hint\">Taking a shift puts you on for it (an override); it stays if the rota is edited.</p>" as HTML : .empty)
            </section>
            \(overrides.isEmpty ? HTML.empty : "<section aria-labelledby=\"overrides-title\"><h2 id=\"overrides-title\">Overrides</h2><ul class=\"list\" id=\"overrides\">\(overrides)</ul></section>")
            <section aria-labelledby="changes-title"><h2 id="changes-title">Changes so far</h2>
            \(changes.isEmpty ? "<p class=\"empty\">No change of shift yet.</p>" as HTML : "<ul class=\"list\" id=\"shift-changes\">\(changes)</ul>")
            </section>
            """)
    }
}
