import ArgumentParser
import Foundation
import HandoverMail
import HandoverServer
import HandoverServices
import HandoverStore
import Hummingbird
import Logging
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the Handover server (JSON API at /api/v1).",
        discussion: """
            Uses an SQLite file under ./handover-data/ unless HANDOVER_DATABASE_URL (or --database) names \
            a postgres:// URL. Several servers may share one PostgreSQL database; each opens at most \
            HANDOVER_DATABASE_CONNECTIONS (default 4) connections to it (SQLite: reading connections, plus one writer).

            Environment: HANDOVER_HOST, HANDOVER_PORT, HANDOVER_DATABASE_URL, HANDOVER_SECURE_COOKIES, HANDOVER_ALLOW_SIGNUP, \
            HANDOVER_MAX_FAILED_LOGINS, HANDOVER_MAX_FAILED_LOGINS_PER_ADDRESS, HANDOVER_READ_CACHE_MS, HANDOVER_SECRET_KEY, \
            HANDOVER_CHECKPOINT_SECONDS (how soon after the audit log grows a checkpoint is signed; default 60).

            Email: HANDOVER_SMTP_URL (smtp://user:pass@host:587?starttls=required|opportunistic|never, or smtps://…:465; \
            ca=/path.pem trusts one more CA), HANDOVER_MAIL_FROM ("Handover <handover@example.com>"), HANDOVER_PUBLIC_URL (where \
            links in emails point; default http://host:port). Without HANDOVER_SMTP_URL emails wait, queued, in the outbox \
            ('handover outbox') and go out once the server runs with it. HANDOVER_DIGEST_HOUR: the UTC hour (0-23, default 7) the daily digest of notifications goes out.

            Background jobs (checkpoints, email, digests, follow-ups) run in the server process: see 'handover jobs --help'.

            Attachments: HANDOVER_ATTACHMENTS_DIR (default: attachments/ beside the SQLite file, or \
            ./handover-data/attachments for PostgreSQL), HANDOVER_ATTACHMENT_MAX_BYTES (default 500000000).

            Logs: one line per request on standard error (method, route, status, duration, request id, member id; \
            never a token, password or body). HANDOVER_LOG_LEVEL (trace, debug, info, notice, warning, error, \
            critical; default info), HANDOVER_LOG_FORMAT (text or json).

            Probes: GET /healthz (the process answers), GET /readyz (and reaches its database).
            """
    )

    @Option(help: "Address to listen on (default 127.0.0.1, or HANDOVER_HOST).") var host: String?
    @Option(help: "Port to listen on (default 8080, or HANDOVER_PORT; 0 picks a free one).") var port: Int?
    @Option(help: "postgres://user:pass@host/db, or an SQLite file path (default handover-data/handover.sqlite).") var database: String?
    @Flag(help: "Seed a demo organization and print its logins. Never on a shared server: demo passwords are public.") var demo = false
    @Flag(help: "Allow anyone to create an organization with POST /api/v1/organizations.") var allowSignup = false

    func run() async throws {
        let logs = try LogSettings.fromEnvironment()
        LoggingSystem.bootstrap { logs.handler(label: $0) }
        var configuration = try ServerConfiguration.fromEnvironment()
        if let host { configuration.host = host }
        if let port {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0 to 65535") }
            configuration.port = port
        }
        if let database { configuration.database = try DatabaseLocation(parsing: database) }
        if allowSignup { configuration.allowSignup = true }

        if configuration.secretKey == nil {
            // Beside the SQLite file; for PostgreSQL, in ./handover-data (replicas must share it:
            // set HANDOVER_SECRET_KEY on each instead).
            let directory: String
            if case .sqlite(let path) = configuration.database { directory = (path as NSString).deletingLastPathComponent } else { directory = "handover-data" }
            let path = (directory.isEmpty ? "." : directory) + "/secret.key"
            let (secret, created) = try ServerSecret.loadOrCreate(at: path)
            configuration.secretKey = secret
            if created { say("Created the server secret in \(path) (mode 0600): the audit log's signing keys derive from it; back it up.") }
        }
        say("Handover server")
        for line in configuration.summary { say("  " + line) }
        // Uploads cut off by a crash leave temporary files; a running upload touches its own.
        AttachmentBlobs(directory: configuration.attachmentSettings.directory).sweep(olderThan: 3600)
        let store = try await SQLHandoverStore.open(
            configuration.database, maxConnections: configuration.databaseConnections,
            checkpointInterval: configuration.checkpointInterval)
        // Closed when the server stops, and also when seeding, binding the port or a service throws.
        try await store.closing { try await serve($0, configuration: configuration, logLevel: logs.level) }
    }

    /// The HTTP application and the job runner in one service group: SIGTERM or SIGINT stops the
    /// runner claiming (its running jobs finish) and the server accepting, then both return.
    private func serve(_ store: SQLHandoverStore, configuration: ServerConfiguration, logLevel: Logger.Level) async throws {
        var logins: [DemoData.Login] = []
        if demo {
            say("Seeding demo data…")
            logins = try await DemoData.seed(store: store, passwords: Passwords(cost: configuration.bcryptCost))
        }
        let host = configuration.host
        let demoLogins = logins
        var logger = Logger(label: "handover")
        logger.logLevel = logLevel
        // One set of services for the HTTP application and the jobs.
        let services = HandoverApplication.services(store: store, configuration: configuration)
        let app = HandoverApplication.make(services: services, configuration: configuration, logger: logger) { port in
            say("Ready: open http://\(host):\(port) in a browser and sign in  (API: /api/v1, spec: /api/v1/openapi.json, health: /healthz)")
            if !demoLogins.isEmpty {
                say("Demo logins (password for all: \(DemoData.password)):")
                for login in demoLogins {
                    say(
                        "  \(login.email.padding(toLength: 26, withPad: " ", startingAt: 0)) \(login.role.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(login.name)"
                    )
                }
                say("Try: handover login --server http://\(host):\(port) --email tom@demo.handover.dev")
            }
        }
        var jobLogger = Logger(label: "handover.jobs")
        jobLogger.logLevel = logLevel
        var batchHandlers: [String: JobBatchHandler] = [:]
        var handlers: [String: JobHandler] = [
            AuditCheckpointJob.kind: AuditCheckpointJob.handler { organizationID in _ = try await services.audit.checkpoint(organizationID: organizationID) }
        ]
        // Without SMTP, mail.send has no handler: its jobs wait (no tries spent) and the outbox keeps the messages queued.
        // One pool of SMTP sessions for every mail.send job: a burst of mail reuses a few connections.
        let mailSessions = configuration.mail.smtp.map { SMTPSessionPool(client: SMTPClient(settings: $0)) }
        if let mailSessions, let from = configuration.mail.from {
            batchHandlers[MailSendJob.kind] = MailSendJob.handler(outbox: services.outbox, transport: mailSessions, from: from)
        }
        handlers[NotificationJobs.digestKind] = NotificationJobs.digestHandler(services.notifications)
        handlers[NotificationJobs.overdueKind] = NotificationJobs.overdueHandler(services.notifications)
        try await services.notifications.scheduleJobs()
        // The follow-up after completion (surveys, the check-in task) starts whether or not mail goes out.
        handlers[FollowUpJob.kind] = FollowUpJob.handler(followUps: services.followUps)
        handlers[DepartureJob.kind] = DepartureJob.handler(departures: services.departures)
        handlers[ImportJob.kind] = ImportJob.handler(imports: services.imports)
        handlers[InsightJobs.refreshKind] = InsightJobs.refreshHandler(services.insight)
        handlers[InsightJobs.scheduleKind] = InsightJobs.scheduleHandler(services.insight)
        handlers[RiskJobs.fitKind] = RiskJobs.fitHandler(services.risks)
        try await services.insight.scheduleJobs()
        handlers[CoverJob.kind] = CoverJob.handler(covers: services.covers)
        handlers[JobKind.shiftChange] = ShiftJobs.changeHandler(services.shifts)
        handlers[JobKind.shiftAcknowledgment] = ShiftJobs.acknowledgmentHandler(services.shifts)
        handlers[WebhookDeliverJob.kind] = WebhookDeliverJob.handler(
            webhooks: services.webhooks, transport: WebhookHTTPTransport(allowPrivate: configuration.webhooksAllowPrivate))
        let runner = JobRunner(
            store: store, handlers: handlers, batchHandlers: batchHandlers, options: JobRunner.Options(lease: configuration.jobLease), logger: jobLogger)
        // Shut down last first: the runner stops before the server does.
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: [.init(service: app), .init(service: runner), .init(service: ThreadListener(store: store))],
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await mailSessions?.close()
            throw error
        }
        // The runner has stopped: say QUIT on the idle SMTP sessions.
        await mailSessions?.close()
    }
}

/// Writes a line straight to standard output: `print` is block-buffered into a pipe or file, and a
/// server's start-up lines must show up at once.
func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
