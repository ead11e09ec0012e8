import Foundation
import HandoverCore

/// The one place a briefing change becomes emails: each attendee's invitation (or cancellation)
/// with the `.ics` attached, as notices the store delivers in the change's transaction by each
/// attendee's one preference for them all, `briefing.invitation`
/// (email or off: an invitation is never put in a digest, which could not carry its `.ics`).
/// The organizer is an attendee and gets the invitation too: it is how the event reaches their calendar.
enum BriefingNotices {
    static func queue(
        _ change: BriefingMails.Change, _ briefing: Briefing, account: Account, organizer: Member, attendees: [Member], mail: MailSettings, ids: IDMaker,
        at now: Date
    ) -> [Notice] {
        BriefingMails.notices(
            change, briefing, account: account, organizer: organizer, attendees: attendees, publicURL: mail.publicURL, at: now, nextID: { ids.next(at: now) })
    }
}
