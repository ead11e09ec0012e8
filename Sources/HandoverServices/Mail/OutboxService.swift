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

    /// Sends the messages a batch of mail.send jobs names, one after another, each once: a
    /// message already sent or failed is left alone (its job ran again after a lost lease). The
    /// messages are read in one query, and those the server took are recorded sent, with their
    /// jobs done, in one write. A 5xx refusal fails a message at once (trying again cannot help);
    /// any other failure is recorded on the message and fails its job, so the runner retries it
    /// with backoff (on the job's last try the message fails with that reply), and the rest of
    /// the batch is handed back untried, as it is when the deadline comes.
    public func deliver(_ jobs: [Job], deadline: Date, transport: any MailTransport, from: MailAddress) async -> JobBatchOutcome {
        var outcome = JobBatchOutcome()
        var named: [(job: Job, messageID: String)] = []
        for job in jobs {
            if job.organizationID != nil, let payload = try? JSONDecoder().decode([String: String].self, from: Data(job.payload.utf8)),
                let id = payload["message"]
            {
                named.append((job, id))
            } else {
                outcome.failed[job.id] = MailJobError("mail.send job \(job.id) names no outbox message")
            }
        }
        let messages: [String: OutboxMessage]
        do {
            messages = Dictionary(try await store.outboxMessages(ids: named.map(\.messageID)).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        } catch {
            for (job, _) in named { outcome.failed[job.id] = error }
            return outcome
        }
        var sent: [MailSent] = []
        var stopped = false
        for (job, id) in named {
            guard let message = messages[id], message.organizationID == job.organizationID, message.state == .queued else { continue }
            if stopped || clock.now() >= deadline {
                outcome.notStarted.insert(job.id)
                continue
            }
            do {
                if let reply = try await send(message, for: job, transport: transport, from: from) {
                    sent.append(MailSent(messageID: id, organizationID: message.organizationID, reply: reply.description, job: job))
                }
            } catch {
                outcome.failed[job.id] = error
                stopped = true
            }
        }
        // The server took these: "sent" and their jobs done in one write, outside the catches
        // above, so a failure here is not a failed delivery. The jobs fail and run again, and the
        // messages go again (the same Message-ID), as after a crash (kill -9) before this
        // commits: sent twice, never lost, never marked failed.
        do {
            outcome.done = try await store.recordMailSent(sent, at: clock.now())
        } catch {
            for item in sent { outcome.failed[item.job.id] = error }
        }
        return outcome
    }

    /// One message to the server: its reply, or nil when it failed for good (recorded on the
    /// message). A failure worth another try is recorded on the message and thrown.
    private func send(_ message: OutboxMessage, for job: Job, transport: any MailTransport, from: MailAddress) async throws -> SMTPReply? {
        let mail: MailMessage
        do {
            mail = try expand(message).mail(from: from)
        } catch {
            _ = try await store.recordMailAttempt(
                id: message.id, organizationID: message.organizationID, state: .failed, reply: "not sendable: \(error)", at: clock.now())
            return nil
        }
        do {
            return try await transport.send(mail.rendered(), from: from.address, to: mail.recipients.map(\.address))
        } catch let error as SMTPError where error.isPermanent {
            _ = try await store.recordMailAttempt(id: message.id, organizationID: message.organizationID, state: .failed, reply: error.description, at: clock.now())
            return nil
        } catch {
            let last = job.attempts >= job.maxAttempts
            let reason = (error as? SMTPError)?.description ?? String(describing: error)
            _ = try await store.recordMailAttempt(
                id: message.id, organizationID: message.organizationID, state: last ? .failed : .queued,
                reply: last ? "\(reason) (gave up after \(job.attempts) tries)" : reason, at: clock.now())
            throw error
        }
    }
}

struct MailJobError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
