import Foundation
import HandoverCore
import HandoverMail
import HandoverStore

/// The mail outbox: who may see which messages, and sending one (the mail.send job).
public struct OutboxService: Sendable {
    let store: any HandoverStore
    let handovers: HandoverService
    let clock: WallClock
    /// Fills in what the outbox does not keep (a customer's survey link) as a message goes out.
    let expand: @Sendable (OutboxMessage) -> OutboxMessage

    public init(
        store: any HandoverStore, handovers: HandoverService, clock: WallClock = .system,
        expand: @escaping @Sendable (OutboxMessage) -> OutboxMessage = { $0 }
    ) {
        self.store = store
        self.handovers = handovers
        self.clock = clock
        self.expand = expand
    }

    /// The organization's messages the actor may see, newest first: an admin sees them all,
    /// anyone else those about handovers they may see. With `handoverID`, that handover's (a
    /// handover the actor may not see is not found).
    public func messages(handoverID: String? = nil, state: OutboxState? = nil, limit: Int = 100, by actor: Member) async throws -> [OutboxMessage] {
        if let handoverID { _ = try await handovers.handover(id: handoverID, by: actor) }
        return try await store.outboxMessages(
            organizationID: actor.organizationID, filter: OutboxFilter(viewer: actor, handoverID: handoverID, state: state, limit: limit))
    }

    /// Sends the message a mail.send job names, once: a message already sent or failed is left
    /// alone (the job ran again after a lost lease). A 5xx refusal fails the message at once and
    /// ends the job (trying again cannot help); any other failure is recorded on the message
    /// and thrown, so the runner retries with backoff, and on the job's last try the message
    /// fails with that reply.
    public func deliver(_ job: Job, transport: any MailTransport, from: MailAddress) async throws {
        guard let organizationID = job.organizationID,
            let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)), let id = payload["message"]
        else { throw MailJobError("mail.send job \(job.id) names no outbox message") }
        guard let message = try await store.outboxMessage(id: id, organizationID: organizationID), message.state == .queued else { return }
        let mail: MailMessage
        do {
            mail = try expand(message).mail(from: from)
        } catch {
            _ = try await store.recordMailAttempt(id: id, organizationID: organizationID, state: .failed, reply: "not sendable: \(error)", at: clock.now())
            return
        }
        let reply: SMTPReply
        do {
            reply = try await transport.send(mail.rendered(), from: from.address, to: mail.recipients.map(\.address))
        } catch let error as SMTPError where error.isPermanent {
            _ = try await store.recordMailAttempt(id: id, organizationID: organizationID, state: .failed, reply: error.description, at: clock.now())
            return
        } catch {
            let last = job.attempts >= job.maxAttempts
            let reason = (error as? SMTPError)?.description ?? String(describing: error)
            _ = try await store.recordMailAttempt(
                id: id, organizationID: organizationID, state: last ? .failed : .queued,
                reply: last ? "\(reason) (gave up after \(job.attempts) tries)" : reason, at: clock.now())
            throw error
        }
        // The server took it. "Sent" and the job done in one write, outside the catches above: a
        // failure here is not a failed delivery. It throws, the job runs again once its lease
        // runs out, and the message goes again (the same Message-ID), as after a crash (kill -9)
        // before this commits: sent twice, never lost, never marked failed.
        if try await store.recordMailSent(id: id, organizationID: organizationID, reply: reply.description, completing: job, at: clock.now()) {
            JobContext.current?.markDone()
        }
    }
}

struct MailJobError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
