import Foundation

/// Where an email is on its way out.
public enum OutboxState: String, Sendable, Codable, CaseIterable {
    /// Waiting to be sent: for the mail job, or for SMTP to be configured at all.
    case queued
    /// The SMTP server accepted it (its reply is `lastReply`).
    case sent
    /// Given up: the server refused it for good (5xx), or every try failed. `lastReply` says why.
    case failed
}

/// One email in an organization's outbox: what it is about, to whom, and what became of it.
/// Written in the transaction of the change that causes it, with the job that sends it.
public struct OutboxMessage: Sendable, Equatable, Codable {
    public var id: String
    public var organizationID: String
    /// The handover it is about, if any: its parties (and whoever may see it) see the message.
    public var handoverID: String?
    /// What caused it, e.g. `handover.submitted`.
    public var kind: String
    public var to: [MailAddress]
    public var cc: [MailAddress]
    /// The person the email is from, when it is a person's (the customer's introduction, from the
    /// transferor): it goes out `From` them with Handover's configured address as `Sender` and the
    /// envelope sender, and `Reply-To` them. Nil: from Handover itself.
    public var author: MailAddress?
    public var subject: String
    public var text: String
    public var html: String?
    public var attachments: [MailAttachment]
    public var state: OutboxState
    /// Tries so far (each conversation with the SMTP server).
    public var attempts: Int
    /// The server's last reply ("250 2.0.0 Queued as …", "550 5.1.1 No such user"), or why no
    /// reply came (a timeout, a refused connection).
    public var lastReply: String?
    public var createdAt: Date
    public var sentAt: Date?
    public var updatedAt: Date

    public init(
        id: String, organizationID: String, handoverID: String?, kind: String, to: [MailAddress], cc: [MailAddress] = [], subject: String, text: String,
        html: String? = nil, attachments: [MailAttachment] = [], state: OutboxState = .queued, attempts: Int = 0, lastReply: String? = nil,
        createdAt: Date, sentAt: Date? = nil, updatedAt: Date? = nil, author: MailAddress? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.handoverID = handoverID
        self.kind = kind
        self.to = to
        self.cc = cc
        self.author = author
        self.subject = subject
        self.text = text
        self.html = html
        self.attachments = attachments
        self.state = state
        self.attempts = attempts
        self.lastReply = lastReply
        self.createdAt = createdAt
        self.sentAt = sentAt
        self.updatedAt = updatedAt ?? createdAt
    }

    /// The email as it goes out from `from`: the Message-ID is the message's id at the
    /// sender's domain, and the date its creation, so every try sends the same message.
    public func mail(from: MailAddress) throws -> MailMessage {
        try MailMessage(
            from: author ?? from, to: to, cc: cc, subject: subject, text: text, html: html, attachments: attachments,
            messageID: "\(id)@\(from.domain)", date: createdAt, autoSubmitted: author == nil, sender: author == nil ? nil : from,
            replyTo: author.map { [$0] } ?? [])
    }
}

/// The kinds of outbox messages Handover writes.
public enum OutboxKind {
    /// To the recipient, when a handover is submitted to them.
    public static let handoverSubmitted = "handover.submitted"
    /// The customer's introduction, from the transferor to the key contacts, the recipient in copy.
    public static let customerIntroduction = "handover.introduction"
    /// To a customer contact, with their survey link.
    public static let followUpCustomer = "followup.customer"
}
