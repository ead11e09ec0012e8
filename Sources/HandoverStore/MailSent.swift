import Foundation

/// A message the SMTP server accepted, with its reply and the mail.send job that sent it: what
/// `recordMailSent` writes for a whole batch at once.
public struct MailSent: Sendable {
    public var messageID: String
    public var organizationID: String
    public var reply: String
    public var job: Job

    public init(messageID: String, organizationID: String, reply: String, job: Job) {
        self.messageID = messageID
        self.organizationID = organizationID
        self.reply = reply
        self.job = job
    }
}
