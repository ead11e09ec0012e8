import Foundation
import HandoverCore
import HandoverMail
import HandoverStore

/// `mail.send`: hands one outbox message to the SMTP server (`OutboxService.deliver`).
///
/// Registered with the runner only when SMTP is configured. Without it, the jobs stay pending
/// (a runner claims only the kinds it has handlers for) and their messages stay queued: no
/// tries are spent on a server that is not there, and the mail goes out once the server is
/// restarted with HANDOVER_SMTP_URL.
public enum MailSendJob {
    public static let kind = JobKind.mailSend

    public static func handler(outbox: OutboxService, transport: any MailTransport, from: MailAddress) -> JobHandler {
        { job in try await outbox.deliver(job, transport: transport, from: from) }
    }
}
