import Foundation
import HandoverCore

/// The one place a briefing change becomes emails: each attendee's invitation (or cancellation)
/// with the `.ics` attached, as outbox messages the store writes in the change's transaction.
/// When members' notification preferences exist (issue 15, part 2), they are applied here, by
/// the change's event name (`briefing.scheduled`, `briefing.moved`, `briefing.cancelled`).
enum BriefingNotices {
    static func queue(
        _ change: BriefingMails.Change, _ briefing: Briefing, account: Account, organizer: Member, attendees: [Member], mail: MailSettings, ids: IDMaker,
        at now: Date
    ) -> [OutboxMessage] {
        BriefingMails.notices(
            change, briefing, account: account, organizer: organizer, attendees: attendees, publicURL: mail.publicURL, at: now, nextID: { ids.next(at: now) })
    }
}
