import Foundation

/// The emails a handover's events send, written as outbox messages. Pure: the wording, the
/// link and the recipients follow from what is passed in.
public enum HandoverMails {
    /// To the recipient when a handover is submitted to them: who hands what over, and the link
    /// to the handover (`publicURL` + `/handovers/<id>`). Nil when the recipient's address cannot
    /// carry an email (the submission goes ahead; nobody is written to).
    public static func submitted(
        handover: Handover, account: Account, transferor: Member, recipient: Member, publicURL: String, id: String, at now: Date
    ) -> OutboxMessage? {
        guard let to = try? MailAddress(name: headerSafe(recipient.name), address: recipient.email) else { return nil }
        let link = publicURL.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/handovers/" + handover.id
        let subject = headerSafe("\(transferor.name) handed over \(account.name) to you")
        let text = """
            Hello \(recipient.name),

            \(transferor.name) has handed over the account \(account.name) to you in Handover.

            Read the packet, ask \(transferor.name) your questions and acknowledge it when you are ready:
            \(link)

            --
            Handover: you get this email because a handover was submitted to you.
            """
        let html = """
            <!doctype html>
            <html><body style="font-family: sans-serif; line-height: 1.5">
            <p>Hello \(escape(recipient.name)),</p>
            <p>\(escape(transferor.name)) has handed over the account <strong>\(escape(account.name))</strong> to you in Handover.</p>
            <p>Read the packet, ask \(escape(transferor.name)) your questions and acknowledge it when you are ready:</p>
            <p><a href="\(escape(link))">Open the handover of \(escape(account.name))</a></p>
            <p style="color: #555; font-size: 0.9em">Handover: you get this email because a handover was submitted to you.</p>
            </body></html>
            """
        return OutboxMessage(
            id: id, organizationID: handover.organizationID, handoverID: handover.id, kind: OutboxKind.handoverSubmitted, to: [to],
            subject: subject, text: text, html: html, createdAt: now)
    }

    /// Text for a header: control characters (line breaks) become spaces, and it is cut to the
    /// longest subject accepted.
    public static func headerSafe(_ text: String) -> String {
        let scalars = text.unicodeScalars.map { $0.properties.generalCategory == .control ? " " : Character($0) }
        return String(String(scalars).prefix(MailMessage.maxSubjectLength))
    }

    static func escape(_ text: String) -> String {
        var output = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            case "'": output += "&#39;"
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }
}
