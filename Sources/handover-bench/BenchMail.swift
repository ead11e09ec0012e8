import ArgumentParser
import Foundation
import HandoverCore
import HandoverMail
import HandoverServices
import HandoverStore
import HandoverTrust
import Synchronization

struct BenchMail: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Deliver N queued emails through the outbox and its job, beside a bare loop sending the same messages.",
        discussion: """
            Both send to a mail sink on loopback started by the benchmark (it accepts everything \
            and notes when each Message-ID arrives). Raw: the N messages, rendered as the outbox \
            renders them, sent by one SMTPClient.sendAll loop on one connection. Outbox: the same \
            N messages queued in a fresh store (each with its mail.send job, 500 to a \
            transaction), then delivered by a job runner as 'handover serve' runs it (4 jobs at \
            a time, through an SMTPSessionPool that keeps their connections open between \
            messages); none may be left queued or failed. Throughput is messages per second from \
            the first send to the last arrival; p99 is each message's SMTP time (from taking or \
            opening a session to accepted for the outbox, MAIL FROM to accepted for raw); the \
            outbox's queued-to-arrived p99 is printed too. Target: >= 50% of raw.

            SQLite always (in a temporary file); PostgreSQL too when --postgres or \
            HANDOVER_TEST_POSTGRES_URL names a throwaway database.
            """
    )

    @Option(help: "Emails to deliver.") var count = 10_000
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @OptionGroup var output: OutputOptions

    static let from = try! MailAddress(name: "Handover", address: "handover@bench.example")

    func run() async throws {
        guard count > 0 else { throw ValidationError("--count must be positive") }
        let sink = try await MailSink.start()
        let client = SMTPClient(settings: SMTPSettings(host: "127.0.0.1", port: sink.port, security: .none))
        var results: [String: JSONValue] = [:]

        log("raw: \(count) messages on one connection…")
        let messages = (0..<count).map(Self.message)
        let envelopes = try messages.map { message in
            let mail = try message.mail(from: Self.from)
            return SMTPEnvelope(message: mail.rendered(), sender: Self.from.address, recipients: mail.recipients.map(\.address))
        }
        let rawStart = ContinuousClock.now
        var last = rawStart
        var rawTimes: [Double] = []
        rawTimes.reserveCapacity(count)
        _ = try await client.sendAll(envelopes) { _, _ in
            let now = ContinuousClock.now
            rawTimes.append((now - last).seconds)
            last = now
        }
        try await Self.waitFor(count, in: sink)
        let rawRate = Double(count) / (ContinuousClock.now - rawStart).seconds
        let rawP99 = BenchAudit.percentile(rawTimes, 0.99) * 1000
        log(String(format: "  raw: %.0f messages/s, p99 %.2f ms", rawRate, rawP99))
        results["raw"] = .object(["perSecond": .number(rawRate), "p99Ms": .number(rawP99)])

        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let engines = try benchEngines(sqlite: folder.appendingPathComponent("mail.sqlite"), postgres: postgres)
        for (name, location) in engines {
            sink.reset()
            log("outbox on \(name): \(count) messages queued, then delivered by the job runner…")
            let figures = try await outbox(location, client: client, sink: sink)
            log(
                String(
                    format: "  %@: %.0f messages/s (queued in %.2f s, not counted), p99 %.2f ms, queued-to-arrived p99 %.2f s; ratio %.0f%% of raw (target >= 50%%)",
                    name, figures.rate, figures.queueSeconds, figures.p99Ms, figures.queuedToArrivedP99, figures.rate / rawRate * 100))
            results["outbox.\(name)"] = .object([
                "perSecond": .number(figures.rate), "p99Ms": .number(figures.p99Ms), "queuedSeconds": .number(figures.queueSeconds),
                "queuedToArrivedP99Seconds": .number(figures.queuedToArrivedP99), "ratio": .number(figures.rate / rawRate),
            ])
        }
        await sink.close()
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Figures {
        var rate: Double
        var p99Ms: Double
        var queueSeconds: Double
        var queuedToArrivedP99: Double
    }

    private func outbox(_ location: DatabaseLocation, client: SMTPClient, sink: MailSink) async throws -> Figures {
        try await SQLHandoverStore.withStore(location) { store in
            let services = Services(store: store, logKeys: try LogKeys(secret: Array(repeating: 5, count: 32)))
            let (organization, _) = try await services.members.createOrganization(
                name: "Bench mail \(Secrets.newID().prefix(6))", adminEmail: "ada@bench.example", adminName: "Ada", password: nil)
            let queueStart = ContinuousClock.now
            var queuedAt: [String: ContinuousClock.Instant] = [:]
            for start in stride(from: 0, to: count, by: 500) {
                let batch = (start..<min(start + 500, count)).map { index in
                    var message = Self.message(index)
                    message.id = Secrets.newID()
                    message.organizationID = organization.id
                    return message
                }
                try await store.enqueueMail(batch)
                let now = ContinuousClock.now
                for message in batch { queuedAt["\(message.id)@\(Self.from.domain)"] = now }
            }
            let queueSeconds = (ContinuousClock.now - queueStart).seconds

            // The transport 'handover serve' builds: one pool of sessions for every mail.send job.
            let pool = SMTPSessionPool(client: client)
            let transport = TimedTransport(pool)
            let runner = JobRunner(
                store: store, handlers: [:], batchHandlers: [JobKind.mailSend: MailSendJob.handler(outbox: services.outbox, transport: transport, from: Self.from)])
            let start = ContinuousClock.now
            while try await runner.runOnce() > 0 {}
            try await Self.waitFor(count, in: sink)
            let elapsed = (ContinuousClock.now - start).seconds
            await pool.close()

            for state in [OutboxState.queued, .failed] {
                let left = try await store.outboxMessages(organizationID: organization.id, filter: OutboxFilter(viewer: nil, state: state, limit: 1))
                guard left.isEmpty else { throw BenchError("an outbox message is still \(state.rawValue) after the run") }
            }
            let waits = queuedAt.compactMap { id, queued in sink.arrival(of: id).map { ($0 - queued).seconds } }
            guard waits.count == count else { throw BenchError("\(waits.count) of \(count) queued messages arrived") }
            return Figures(
                rate: Double(count) / elapsed, p99Ms: BenchAudit.percentile(transport.times, 0.99) * 1000, queueSeconds: queueSeconds,
                queuedToArrivedP99: BenchAudit.percentile(waits, 0.99))
        }
    }

    /// A notice of about the size Handover sends: text and HTML, a non-ASCII name.
    static func message(_ index: Int) -> OutboxMessage {
        let text = String(repeating: "Rita Sánchez submitted the handover of Acme Corp to you; open it to read the packet. ", count: 8)
        return OutboxMessage(
            id: "raw-\(index)", organizationID: "bench", handoverID: nil, kind: OutboxKind.handoverSubmitted,
            to: [try! MailAddress(name: "Reader \(index % 50)", address: "reader\(index % 50)@bench.example")],
            subject: "Handover #\(index): Acme Corp is yours — please read", text: text, html: "<p>\(text)</p>", createdAt: Date())
    }

    static func waitFor(_ count: Int, in sink: MailSink) async throws {
        let deadline = ContinuousClock.now + .seconds(60)
        while sink.count < count {
            guard ContinuousClock.now < deadline else { throw BenchError("only \(sink.count) of \(count) messages arrived within 60 s") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}

/// The outbox's transport with each send timed.
private final class TimedTransport: MailTransport {
    let client: any MailTransport
    private let recorded = Mutex<[Double]>([])

    init(_ client: any MailTransport) { self.client = client }

    var times: [Double] { recorded.withLock { $0 } }

    func send(_ message: String, from sender: String, to recipients: [String]) async throws -> SMTPReply {
        let start = ContinuousClock.now
        let reply = try await client.send(message, from: sender, to: recipients)
        let elapsed = (ContinuousClock.now - start).seconds
        recorded.withLock { $0.append(elapsed) }
        return reply
    }
}
