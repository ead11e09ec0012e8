import Foundation

/// The notices a handover's events send (`Notice`: an email, or a digest line instead), and
/// the daily digest. Pure: the wording, the link and the recipient follow from what is passed in.
/// Each is nil when the member's address cannot carry an email.
public enum NotificationMails {
    /// The outbox kind of a digest email.
    public static let digestKind = "notifications.digest"
    /// How much of a question or answer an email quotes.
    public static let excerptLength = 500

    public static func link(_ publicURL: String, handoverID: String) -> String {
        publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/handovers/" + handoverID
    }

    /// The recipient hears that a handover was submitted to them (`HandoverMails.submitted`).
    public static func submitted(
        handover: Handover, account: Account, transferor: Member, recipient: Member, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        HandoverMails.submitted(handover: handover, account: account, transferor: transferor, recipient: recipient, publicURL: publicURL, id: id, at: now)
            .map { Notice(kind: .handoverSubmitted, memberID: recipient.id, message: $0, link: link(publicURL, handoverID: handover.id)) }
    }

    /// The transferor hears that the recipient sent the handover back, and why.
    public static func returned(
        handover: Handover, account: Account, transferor: Member, recipient: Member, reason: String, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        compose(
            .handoverReturned, handover: handover, to: transferor, subject: "\(recipient.name) returned the handover of \(account.name)",
            paragraphs: ["\(recipient.name) returned the handover of \(account.name) to you, saying:"], quote: reason,
            after: "Revise the packet and submit it again:", linkText: "Open the handover of \(account.name)",
            why: "your handover was returned to you", publicURL: publicURL, id: id, at: now)
    }

    /// The other party hears of a new question in the thread.
    public static func questionAsked(
        handover: Handover, account: Account, asker: Member, to member: Member, body: String, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        compose(
            .questionAsked, handover: handover, to: member, subject: "\(asker.name) asked about \(account.name)",
            paragraphs: ["\(asker.name) asked a question on the handover of \(account.name):"], quote: excerpt(body),
            after: "Answer it in the thread:", linkText: "Open the thread", why: "a question was asked on a handover of yours", publicURL: publicURL,
            id: id, at: now)
    }

    /// The asker hears that their question was answered.
    public static func questionAnswered(
        handover: Handover, account: Account, answerer: Member, to member: Member, body: String, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        compose(
            .questionAnswered, handover: handover, to: member, subject: "\(answerer.name) answered about \(account.name)",
            paragraphs: ["\(answerer.name) answered in the thread of the handover of \(account.name):"], quote: excerpt(body),
            after: "Read the thread:", linkText: "Open the thread", why: "you asked a question on this handover", publicURL: publicURL, id: id, at: now)
    }

    /// A manager (or an admin) hears that an open handover is past its due date.
    public static func overdue(
        handover: Handover, account: Account, parties: Parties, due: CalendarDate, to member: Member, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        compose(
            .handoverOverdue, handover: handover, to: member, subject: "Overdue: the handover of \(account.name)",
            paragraphs: [
                "The handover of \(account.name) from \(parties.transferor.name) to \(parties.recipient.name) is still \(handover.state.rawValue), "
                    + "and the account has an open item that was due on \(due)."
            ], quote: nil, after: "See where it stands:", linkText: "Open the handover of \(account.name)",
            why: "you manage someone in this handover (or administer the organization)", publicURL: publicURL, id: id, at: now)
    }

    /// A manager (or an admin) hears that the incoming person of a shift has not acknowledged
    /// its handover by the deadline.
    public static func shiftUnacknowledged(
        handover: Handover, account: Account, parties: Parties, scheduleName: String, dueAt: Date, to member: Member, publicURL: String, id: String,
        at now: Date
    ) -> Notice? {
        compose(
            .shiftUnacknowledged, handover: handover, to: member, subject: "Not acknowledged: the shift handover of \(account.name)",
            paragraphs: [
                "At the change of shift on \(scheduleName), \(account.name) was to pass from \(parties.transferor.name) to \(parties.recipient.name). "
                    + "The handover should have been acknowledged by \(Timestamp.format(dueAt)) and is still \(handover.state.rawValue)."
            ], quote: nil, after: "See where it stands, and call them:", linkText: "Open the handover of \(account.name)",
            why: "you manage someone in this shift change (or administer the organization)", publicURL: publicURL, id: id, at: now)
    }

    /// A completed handover's follow-up has started: the recipient is asked for the short
    /// survey; a manager of the parties (or an admin), for the check-in that verifies it.
    public static func followUp(
        handover: Handover, account: Account?, parties: Parties, to member: Member, publicURL: String, id: String, at now: Date
    ) -> Notice? {
        let name = account?.name ?? "the account"
        let isRecipient = member.id == parties.recipient.id
        return compose(
            .followUpDue, handover: handover, to: member,
            subject: isRecipient ? "How did the handover of \(name) go?" : "Check in on the handover of \(name)",
            paragraphs: [
                isRecipient
                    ? "You took over \(name) from \(parties.transferor.name) a while ago. Four short questions: was the handover enough, "
                        + "what was missing, was it rushed, and a score from 1 to 5."
                    : "\(parties.recipient.name) took over \(name) from \(parties.transferor.name) a while ago, and the follow-up has started: "
                        + "the recipient and the customer's contacts are asked how it went. Read their answers, talk to \(parties.recipient.name), "
                        + "then check in: that verifies the handover."
            ], quote: nil, after: isRecipient ? "Answer here:" : "The follow-up and the check-in:",
            linkText: "The follow-up of \(name)",
            why: isRecipient ? "a handover you received asks for a follow-up" : "you manage someone in this handover (or administer the organization)",
            publicURL: publicURL, id: id, at: now, path: "/follow-up")
    }

    /// One email listing a member's digest items, oldest first; nil with no items or no usable address.
    public static func digest(to member: Member, items: [DigestItem], publicURL: String, id: String, at now: Date) -> OutboxMessage? {
        guard !items.isEmpty, let to = try? MailAddress(name: HandoverMails.headerSafe(member.name), address: member.email) else { return nil }
        let items = items.sorted { ($0.createdAt, $0.id) < ($1.createdAt, $1.id) }
        let settings = publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/settings/notifications"
        let count = items.count == 1 ? "1 thing" : "\(items.count) things"
        let lines = items.map { "- \($0.summary)\n  \($0.link)" }.joined(separator: "\n")
        let text = """
            Hello \(member.name),

            \(count) happened in Handover since your last digest:

            \(lines)

            --
            Handover: your daily digest. Choose what comes by email, in the digest or not at all:
            \(settings)
            """
        let rows = items.map { "<li><a href=\"\(HandoverMails.escape($0.link))\">\(HandoverMails.escape($0.summary))</a></li>" }.joined(separator: "\n")
        let html = """
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>Hello \(HandoverMails.escape(member.name)),</p>
            <p>\(count) happened in Handover since your last digest:</p>
            <ul>
            \(rows)
            </ul>
            <p style="color: #555; font-size: 0.9em">Handover: your daily digest. <a href="\(HandoverMails.escape(settings))">Choose what comes by email, in the digest or not at all</a>.</p>
            </body></html>
            """
        return OutboxMessage(
            id: id, organizationID: member.organizationID, handoverID: nil, kind: digestKind, to: [to],
            subject: HandoverMails.headerSafe("Your Handover digest: \(count)"), text: text, html: html, createdAt: now)
    }

    static func excerpt(_ body: String) -> String {
        body.count <= excerptLength ? body : String(body.prefix(excerptLength)) + "…"
    }

    static func compose(
        _ kind: NotificationKind, handover: Handover, to member: Member, subject: String, paragraphs: [String], quote: String?, after: String,
        linkText: String, why: String, publicURL: String, id: String, at now: Date, path: String = ""
    ) -> Notice? {
        guard let to = try? MailAddress(name: HandoverMails.headerSafe(member.name), address: member.email) else { return nil }
        let link = link(publicURL, handoverID: handover.id) + path
        let quoted = quote.map { "\n\n" + $0.split(separator: "\n", omittingEmptySubsequences: false).map { "> " + $0 }.joined(separator: "\n") } ?? ""
        let text = """
            Hello \(member.name),

            \(paragraphs.joined(separator: "\n\n"))\(quoted)

            \(after)
            \(link)

            --
            Handover: you get this email because \(why).
            """
        let quotedHTML =
            quote.map {
                "<blockquote style=\"border-left: 3px solid #ccc; margin: 0; padding-left: 1em\">"
                    + HandoverMails.escape($0).replacingOccurrences(of: "\n", with: "<br>") + "</blockquote>\n"
            } ?? ""
        let html = """
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>Hello \(HandoverMails.escape(member.name)),</p>
            \(paragraphs.map { "<p>\(HandoverMails.escape($0))</p>" }.joined(separator: "\n"))
            \(quotedHTML)<p>\(HandoverMails.escape(after))</p>
            <p><a href="\(HandoverMails.escape(link))">\(HandoverMails.escape(linkText))</a></p>
            <p style="color: #555; font-size: 0.9em">Handover: you get this email because \(HandoverMails.escape(why)).</p>
            </body></html>
            """
        let message = OutboxMessage(
            id: id, organizationID: handover.organizationID, handoverID: handover.id, kind: kind.rawValue, to: [to],
            subject: HandoverMails.headerSafe(subject), text: text, html: html, createdAt: now)
        return Notice(kind: kind, memberID: member.id, message: message, link: link)
    }
}
