import Foundation

/// An email as Handover writes it: one or more recipients, a subject, a plain-text body, an
/// optional HTML alternative and attachments (an `.ics` invitation, say). `rendered()` makes
/// the RFC 5322 / MIME text that goes to the SMTP server; pure, so tests read it byte for byte.
public struct MailMessage: Sendable, Equatable, Codable {
    public var from: MailAddress
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    /// `<id@domain>` without the angle brackets: stable across retries, so a receiver can tell
    /// a second delivery of the same message.
    public var messageID: String
    public var date: Date
    /// Marks a notification as machine-sent (RFC 3834 `Auto-Submitted: auto-generated`), so
    /// that auto-responders do not answer it.
    public var autoSubmitted: Bool
    /// The agent that sends on `from`'s behalf (RFC 5322 `Sender`): Handover's own address when a
    /// person's email (the customer's introduction) goes out through it.
    public var sender: MailAddress?
    /// Where answers go (`Reply-To`), when not to `from`.
    public var replyTo: [MailAddress]

    /// The longest subject accepted, in characters.
    public static let maxSubjectLength = 250

    public init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], subject: String, text: String, html: String? = nil,
        attachments: [MailAttachment] = [], messageID: String, date: Date, autoSubmitted: Bool = true, sender: MailAddress? = nil,
        replyTo: [MailAddress] = []
    ) throws {
        guard !(to + cc).isEmpty else { throw Invalid("an email needs at least one recipient") }
        guard !subject.unicodeScalars.contains(where: { $0.properties.generalCategory == .control }) else {
            throw Invalid("a subject cannot contain line breaks or other control characters")
        }
        guard subject.count <= Self.maxSubjectLength else { throw Invalid("a subject is at most \(Self.maxSubjectLength) characters") }
        guard messageID.utf8.allSatisfy({ (33...126).contains($0) && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") }), messageID.contains("@") else {
            throw Invalid("a Message-ID is id@domain in printable ASCII")
        }
        self.from = from
        self.to = to
        self.cc = cc
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.messageID = messageID
        self.date = date
        self.autoSubmitted = autoSubmitted
        self.sender = sender == from ? nil : sender
        self.replyTo = replyTo
    }

    /// Everyone the server is asked to deliver to (RCPT TO).
    public var recipients: [MailAddress] { to + cc }

    /// The message as CRLF lines of at most 78 characters (998 for an unbreakable header word),
    /// 7-bit clean: headers, then a single text part, a multipart/alternative of text and HTML,
    /// or a multipart/mixed of that and the attachments. Boundaries derive from the Message-ID
    /// and start with "=_", which neither quoted-printable nor base64 can produce.
    public func rendered() -> String {
        var out = ""
        out += MIMEEncoding.header("Date", words: [MIMEEncoding.date(date)])
        out += MIMEEncoding.header("From", words: MIMEEncoding.mailbox(from))
        if let sender { out += MIMEEncoding.header("Sender", words: MIMEEncoding.mailbox(sender)) }
        if !replyTo.isEmpty { out += MIMEEncoding.header("Reply-To", words: Self.list(replyTo)) }
        if !to.isEmpty { out += MIMEEncoding.header("To", words: Self.list(to)) }
        if !cc.isEmpty { out += MIMEEncoding.header("Cc", words: Self.list(cc)) }
        out += MIMEEncoding.header("Subject", words: MIMEEncoding.headerText(subject))
        out += MIMEEncoding.header("Message-ID", words: ["<\(messageID)>"])
        if autoSubmitted { out += MIMEEncoding.header("Auto-Submitted", words: ["auto-generated"]) }
        out += "MIME-Version: 1.0\r\n"
        let seed = String(Self.fnv1a(messageID), radix: 16)
        let body = bodyPart(seed: seed)
        if attachments.isEmpty { return out + body }
        let boundary = "=_handover_\(seed)_mixed"
        out += "Content-Type: multipart/mixed;\r\n boundary=\"\(boundary)\"\r\n\r\n"
        out += "This is a message in MIME format.\r\n"
        out += "--\(boundary)\r\n" + body
        for attachment in attachments { out += "\r\n--\(boundary)\r\n" + attachment.part() }
        return out + "\r\n--\(boundary)--\r\n"
    }

    /// The text, or text and HTML as alternatives: its headers, a blank line and its body.
    private func bodyPart(seed: String) -> String {
        let textPart = "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + MIMEEncoding.quotedPrintable(text) + "\r\n"
        guard let html else { return textPart }
        let boundary = "=_handover_\(seed)_alt"
        return "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n\r\n"
            + "--\(boundary)\r\n" + textPart
            + "\r\n--\(boundary)\r\n"
            + "Content-Type: text/html; charset=utf-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" + MIMEEncoding.quotedPrintable(html) + "\r\n"
            + "\r\n--\(boundary)--\r\n"
    }

    private static func list(_ addresses: [MailAddress]) -> [String] {
        var words: [String] = []
        for (index, address) in addresses.enumerated() {
            var mailbox = MIMEEncoding.mailbox(address)
            if index < addresses.count - 1 { mailbox[mailbox.count - 1] += "," }
            words += mailbox
        }
        return words
    }

    /// A stable 64-bit hash: boundaries only need to differ between messages, not be secret.
    static func fnv1a(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }

    public struct Invalid: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(_ description: String) { self.description = description }
    }
}

/// A file sent with an email, base64 in its part.
public struct MailAttachment: Sendable, Equatable, Codable {
    public var filename: String
    /// The full Content-Type, parameters included: `text/calendar; charset=utf-8; method=REQUEST`.
    public var contentType: String
    public var content: [UInt8]

    public init(filename: String, contentType: String, content: [UInt8]) throws {
        guard !filename.isEmpty, !filename.unicodeScalars.contains(where: { $0.properties.generalCategory == .control || $0 == "/" || $0 == "\\" }) else {
            throw MailMessage.Invalid("an attachment's file name cannot be empty or contain control characters or slashes")
        }
        guard MIMEEncoding.isPlainHeaderText(contentType), contentType.contains("/") else {
            throw MailMessage.Invalid("an attachment's content type is type/subtype in plain ASCII")
        }
        self.filename = filename
        self.contentType = contentType
        self.content = content
    }

    func part() -> String {
        // RFC 2231 for a name that is not plain ASCII (or holds quotes); a plain one quoted.
        let name: String
        if MIMEEncoding.isPlainHeaderText(filename) && !filename.contains("\"") {
            name = "filename=\"\(filename)\""
        } else {
            let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~")
            name = "filename*=utf-8''" + (filename.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "attachment")
        }
        return "Content-Type: \(contentType)\r\nContent-Transfer-Encoding: base64\r\nContent-Disposition: attachment;\r\n \(name)\r\n\r\n"
            + MIMEEncoding.base64Lines(content)
    }
}
