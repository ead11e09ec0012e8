import Foundation

/// The invitations of a briefing: its iCalendar event, and one email per attendee (text and
/// HTML, the `.ics` attached as `text/calendar; method=…`) for each change. Pure.
public enum BriefingMails {
    /// What happened to the briefing; each is an event name members' notification preferences
    /// will choose by (issue 15, part 2).
    public enum Change: String, Sendable, CaseIterable {
        case scheduled = "briefing.scheduled"
        case moved = "briefing.moved"
        case cancelled = "briefing.cancelled"

        public var method: ICalendar.Method { self == .cancelled ? .cancel : .request }

        /// The one preference that covers all three changes.
        public var kind: NotificationKind { .briefingInvitation }
    }

    /// The briefing as one VEVENT. Attendees without a usable address are left out of it.
    public static func event(
        _ briefing: Briefing, account: Account, organizer: Member, attendees: [Member], publicURL: String, stamp: Date
    ) -> ICalendarEvent {
        let link = handoverLink(briefing.handoverID, publicURL: publicURL)
        var description = "Handover briefing for \(account.name): walk through the packet together and ask your questions.\n\(link)"
        if let videoURL = briefing.videoURL { description += "\nVideo: \(videoURL)" }
        return ICalendarEvent(
            uid: briefing.uid, stamp: stamp, when: .span(start: briefing.startsAt, end: briefing.endsAt), sequence: briefing.sequence,
            summary: "Briefing: handover of \(account.name)", description: description,
            location: briefing.place ?? briefing.videoURL, url: briefing.videoURL ?? link,
            status: briefing.state == .cancelled ? .cancelled : .confirmed,
            organizer: person(organizer), attendees: attendees.compactMap(person))
    }

    /// The `.ics` attachment of one change: METHOD:REQUEST for a schedule or a move, CANCEL for a cancellation.
    public static func invitation(
        _ change: Change, _ briefing: Briefing, account: Account, organizer: Member, attendees: [Member], publicURL: String, stamp: Date
    ) -> ICalendar {
        ICalendar(
            method: change.method,
            events: [event(briefing, account: account, organizer: organizer, attendees: attendees, publicURL: publicURL, stamp: stamp)])
    }

    /// One email per attendee with a usable address, each with the invitation attached, ids from `nextID`.
    public static func notices(
        _ change: Change, _ briefing: Briefing, account: Account, organizer: Member, attendees: [Member], publicURL: String, at now: Date,
        nextID: () -> String
    ) -> [Notice] {
        let calendar = invitation(change, briefing, account: account, organizer: organizer, attendees: attendees, publicURL: publicURL, stamp: now)
        guard
            let attachment = try? MailAttachment(
                filename: change == .cancelled ? "cancel.ics" : "invite.ics", contentType: "text/calendar; charset=utf-8; method=\(change.method.rawValue)",
                content: Array(calendar.text().utf8))
        else { return [] }
        let utc = TimeZone(identifier: "UTC")!
        let when = "\(HumanDate.format(briefing.startsAt, timeZone: utc)) UTC, \(briefing.durationMinutes) minutes"
        let link = handoverLink(briefing.handoverID, publicURL: publicURL)
        let headline: String
        let subject: String
        switch change {
        case .scheduled:
            headline = "\(organizer.name) scheduled a briefing on the handover of \(account.name)."
            subject = "Briefing: handover of \(account.name), \(HumanDate.format(briefing.startsAt, timeZone: utc)) UTC"
        case .moved:
            headline = "\(organizer.name)'s briefing on the handover of \(account.name) has changed."
            subject = "Briefing moved: handover of \(account.name), \(HumanDate.format(briefing.startsAt, timeZone: utc)) UTC"
        case .cancelled:
            headline = "The briefing on the handover of \(account.name) is cancelled."
            subject = "Briefing cancelled: handover of \(account.name)"
        }
        var details = ["When: \(when)"]
        if let place = briefing.place { details.append("Where: \(place)") }
        if let videoURL = briefing.videoURL { details.append("Video: \(videoURL)") }
        return attendees.compactMap { attendee -> Notice? in
            guard let to = try? MailAddress(name: HandoverMails.headerSafe(attendee.name), address: attendee.email) else { return nil }
            let text = """
                Hello \(attendee.name),

                \(headline)

                \(details.joined(separator: "\n"))

                The invitation is attached (invite.ics); the handover:
                \(link)

                --
                Handover: you get this email because you are invited to this briefing.
                """
            let htmlDetails = details.map { "<li>\(HandoverMails.escape($0))</li>" }.joined()
            let html = """
                <!doctype html>
                <html><body style="font-family: sans-serif; line-height: 1.5">
                <p>Hello \(HandoverMails.escape(attendee.name)),</p>
                <p>\(HandoverMails.escape(headline))</p>
                <ul>\(htmlDetails)</ul>
                <p><a href="\(HandoverMails.escape(link))">Open the handover of \(HandoverMails.escape(account.name))</a></p>
                <p style="color: #555; font-size: 0.9em">Handover: you get this email because you are invited to this briefing.</p>
                </body></html>
                """
            let message = OutboxMessage(
                id: nextID(), organizationID: briefing.organizationID, handoverID: briefing.handoverID, kind: change.rawValue, to: [to],
                subject: HandoverMails.headerSafe(subject), text: text, html: html, attachments: [attachment], createdAt: now)
            return Notice(kind: change.kind, memberID: attendee.id, message: message, link: link)
        }
    }

    static func person(_ member: Member) -> ICalendarEvent.Person? {
        (try? MailAddress(name: HandoverMails.headerSafe(member.name), address: member.email)).map(ICalendarEvent.Person.init)
    }

    static func handoverLink(_ id: String, publicURL: String) -> String {
        publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/handovers/" + id
    }
}
