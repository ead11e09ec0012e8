import Foundation
import HandoverCore
import HandoverMail
import HandoverStore

/// `mail.send`: hands outbox messages to the SMTP server, a batch at a time (`OutboxService.deliver`).
///
/// Registered with the runner only when SMTP is configured. Without it, the jobs stay pending
/// (a runner claims only the kinds it has handlers for) and their messages stay queued: no
/// tries are spent on a server that is not there, and the mail goes out once the server is
/// restarted with HANDOVER_SMTP_URL.
public enum MailSendJob {
    public static let kind = JobKind.mailSend

    public static func handler(outbox: OutboxService, transport: any MailTransport, from: MailAddress) -> JobBatchHandler {
        { jobs, deadline in await outbox.deliver(jobs, deadline: deadline, transport: transport, from: from) }
    }
}
