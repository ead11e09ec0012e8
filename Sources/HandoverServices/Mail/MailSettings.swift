import Foundation
import HandoverCore
import HandoverMail

/// What email needs from the configuration: where links point, and (when mail goes out at
/// all) the SMTP server and the sender.
public struct MailSettings: Sendable {
    /// The server's address as recipients reach it (HANDOVER_PUBLIC_URL), for links in emails.
    public var publicURL: String
    /// Nil when no SMTP server is configured: messages are queued and stay queued.
    public var smtp: SMTPSettings?
    /// The From of every email (HANDOVER_MAIL_FROM); set whenever `smtp` is.
    public var from: MailAddress?
    /// The UTC hour (0–23) the daily digest goes out (HANDOVER_DIGEST_HOUR).
    public var digestHour = 7

    public init(publicURL: String = "http://127.0.0.1:8080", smtp: SMTPSettings? = nil, from: MailAddress? = nil) {
        self.publicURL = publicURL
        self.smtp = smtp
        self.from = from
    }
}
