import Foundation
import HandoverCore

/// One message of the mail outbox, as GET /api/v1/outbox and /handovers/{id}/outbox list it:
/// whom it is to, what it says (the plain text; the HTML alternative says the same), and what
/// became of it. The sender is the server's configuration, not part of the message.
public struct OutboxMessageResponse: Codable, Sendable, Equatable {
    public var id: String
    public var organizationID: String
    public var handoverID: String?
    public var kind: String
    public var to: [MailAddress]
    public var cc: [MailAddress]
    public var subject: String
    public var text: String
    public var state: OutboxState
    public var attempts: Int
    public var lastReply: String?
    public var createdAt: Date
    public var sentAt: Date?

    public init(_ message: OutboxMessage) {
        id = message.id
        organizationID = message.organizationID
        handoverID = message.handoverID
        kind = message.kind
        to = message.to
        cc = message.cc
        subject = message.subject
        text = message.text
        state = message.state
        attempts = message.attempts
        lastReply = message.lastReply
        createdAt = message.createdAt
        sentAt = message.sentAt
    }
}
