import Foundation
import HandoverCore
import HandoverMail
import HandoverStore
import HandoverServices
import HandoverTrust

/// Everything the server can be told, layered: defaults → `HANDOVER_*` environment → flags.
public struct ServerConfiguration: Sendable {
    public var host = "127.0.0.1"
    public var port = 8080
    public var database = DatabaseLocation.defaultSQLite
    /// bcrypt cost for passwords; never below 12.
    public var bcryptCost = 12
    /// How long a browser session lasts.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// Password guesses checked for one email within `loginThrottleWindow` before further
    /// tries are refused (a success clears the count).
    public var maxFailedLogins = 5
    /// Failed guesses from one source address within the window, whatever the emails: so one
    /// address cannot try a few passwords on many accounts.
    public var maxFailedLoginsPerAddress = 30
    public var loginThrottleWindow: TimeInterval = 15 * 60

    /// The limits one sign-in from `address` for `email` is counted against.
    public func loginLimits(email: String, address: String?) -> LoginThrottle {
        LoginThrottle(
            email: LoginLimit(key: "email:" + Member.normalizedEmail(email), maxGuesses: maxFailedLogins, window: loginThrottleWindow),
            address: address.map { LoginLimit(key: "address:" + $0, maxGuesses: maxFailedLoginsPerAddress, window: loginThrottleWindow) })
    }
    /// Largest request body accepted, in bytes.
    public var maxBodySize = 1 << 20
    /// Marks session cookies `Secure`; set when the server is reached over TLS (behind a proxy).
    public var secureCookies = false
    /// Lets anyone create an organization with POST /api/v1/organizations; otherwise organizations
    /// are made with `handover admin create-org` on the server's machine.
    public var allowSignup = false
    /// How long a credential check or a handover read may be reused for later GETs. Writes in
    /// this process evict at once; with several replicas, another replica's write shows here
    /// within this time. Zero turns the caches off.
    public var readCacheTTL: Duration = .milliseconds(500)
    /// Most database connections the server opens at once (HANDOVER_DATABASE_CONNECTIONS): the
    /// PostgreSQL pool's total across its threads, or SQLite's reading connections (its one
    /// writing connection comes on top). With replicas, each opens up to this many.
    public var databaseConnections = 4
    /// The server secret (≥ 32 bytes) the audit log's signing keys are derived from. Replicas
    /// sharing a database must share it. `handover serve` keeps one in `secret.key` beside the
    /// SQLite file when HANDOVER_SECRET_KEY is not set; without either, keys live for one run.
    public var secretKey: [UInt8]?
    /// A bearer token that may scrape `/metrics` from elsewhere; without it only loopback may.
    public var metricsToken: String?
    /// The audit log's origin prefix: checkpoints are for "<prefix>/audit/<organization>".
    public var logOrigin = "handover.local"
    /// Seconds after the audit log grows by which a checkpoint is signed (a background job).
    public var checkpointInterval: TimeInterval = 60
    /// Email: the SMTP server and sender (none: messages stay queued in the outbox), and the
    /// public URL links point at (HANDOVER_PUBLIC_URL; nil: http://host:port).
    public var mail = MailSettings()
    public var publicURL: String?
    /// Attachments: the blob folder (HANDOVER_ATTACHMENTS_DIR; nil: `attachments` in the data
    /// folder) and the largest upload (HANDOVER_ATTACHMENT_MAX_BYTES, default 500,000,000).
    public var attachmentsDirectory: String?
    public var attachmentMaxBytes = AttachmentSettings.defaultMaxBytes
    /// Imports: the largest export uploaded (HANDOVER_IMPORT_MAX_BYTES, default 2,000,000,000).
    public var importMaxBytes = ImportSettings.defaultMaxBytes
    /// Webhooks may use plain http and loopback or private addresses
    /// (HANDOVER_WEBHOOKS_ALLOW_PRIVATE=1; off by default: https to public addresses only).
    public var webhooksAllowPrivate = false
    /// How long an Idempotency-Key's claim blocks a retry after its request died
    /// (HANDOVER_IDEMPOTENCY_LEASE_SECONDS; Docs/Departures.md).
    public var idempotencyLease: TimeInterval = DepartureService.defaultIdempotencyLease
    /// How long a job runner's claim lasts before another claim may take the job
    /// (HANDOVER_JOB_LEASE_SECONDS, default 300). Long jobs (imports) renew theirs as they go.
    public var jobLease: TimeInterval = JobRunner.Options().lease

    public init() {}

    /// The attachment settings: the configured folder, or `attachments` beside the SQLite file
    /// (for PostgreSQL, in ./handover-data, where `serve` keeps the server secret too).
    public var attachmentSettings: AttachmentSettings {
        var folder = "handover-data"
        if case .sqlite(let path) = database {
            let directory = (path as NSString).deletingLastPathComponent
            folder = directory.isEmpty ? "." : directory
        }
        return AttachmentSettings(directory: attachmentsDirectory ?? folder + "/attachments", maxBytes: attachmentMaxBytes)
    }

    /// Uploaded exports wait for their import job in `imports` inside the attachments folder.
    public var importSettings: ImportSettings {
        ImportSettings(directory: attachmentSettings.directory + "/imports", maxBytes: importMaxBytes)
    }

    /// The mail settings with the public URL filled in.
    public var mailSettings: MailSettings {
        var settings = mail
        settings.publicURL = publicURL ?? "http://\(host.contains(":") ? "[\(host)]" : host):\(port)"
        return settings
    }

    /// The audit log's keys: from the configured secret, or a random one for this run only.
    public var logKeys: LogKeys {
        var random = SystemRandomNumberGenerator()
        let secret = secretKey ?? (0..<32).map { _ in random.next() as UInt8 }
        // Both inputs are checked when set; a failure here is a programming error.
        return try! LogKeys(secret: secret, originPrefix: logOrigin)
    }

    /// Defaults overlaid with `HANDOVER_*` variables from `environment`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        var configuration = ServerConfiguration()
        if let host = environment["HANDOVER_HOST"], !host.isEmpty { configuration.host = host }
        if let text = environment["HANDOVER_PORT"], !text.isEmpty {
            guard let port = Int(text), (0...65535).contains(port) else { throw ConfigurationError("HANDOVER_PORT must be a port number, got \"\(text)\"") }
            configuration.port = port
        }
        if let url = environment["HANDOVER_DATABASE_URL"], !url.isEmpty { configuration.database = try DatabaseLocation(parsing: url) }
        if let text = environment["HANDOVER_SECURE_COOKIES"] { configuration.secureCookies = ["1", "true", "yes"].contains(text.lowercased()) }
        if let text = environment["HANDOVER_ALLOW_SIGNUP"] { configuration.allowSignup = ["1", "true", "yes"].contains(text.lowercased()) }
        if let text = environment["HANDOVER_READ_CACHE_MS"], !text.isEmpty {
            guard let ms = Int(text), (0...60_000).contains(ms) else {
                throw ConfigurationError("HANDOVER_READ_CACHE_MS must be 0 to 60000 milliseconds, got \"\(text)\"")
            }
            configuration.readCacheTTL = .milliseconds(ms)
        }
        if let text = environment["HANDOVER_SECRET_KEY"], !text.isEmpty {
            configuration.secretKey = try ServerSecret.parse(text, source: "HANDOVER_SECRET_KEY")
        }
        if let text = environment["HANDOVER_LOG_ORIGIN"], !text.isEmpty {
            guard !text.contains(where: { $0.isWhitespace || $0 == "+" }) else {
                throw ConfigurationError("HANDOVER_LOG_ORIGIN must be one word without \"+\", got \"\(text)\"")
            }
            configuration.logOrigin = text
        }
        if let text = environment["HANDOVER_MAX_FAILED_LOGINS"], !text.isEmpty {
            guard let count = Int(text), (1...1000).contains(count) else { throw ConfigurationError("HANDOVER_MAX_FAILED_LOGINS must be 1 to 1000, got \"\(text)\"") }
            configuration.maxFailedLogins = count
        }
        if let text = environment["HANDOVER_MAX_FAILED_LOGINS_PER_ADDRESS"], !text.isEmpty {
            guard let count = Int(text), (1...100_000).contains(count) else {
                throw ConfigurationError("HANDOVER_MAX_FAILED_LOGINS_PER_ADDRESS must be 1 to 100000, got \"\(text)\"")
            }
            configuration.maxFailedLoginsPerAddress = count
        }
        if let text = environment["HANDOVER_METRICS_TOKEN"], !text.isEmpty {
            guard text.count >= 16 else { throw ConfigurationError("HANDOVER_METRICS_TOKEN must be at least 16 characters") }
            configuration.metricsToken = text
        }
        if let text = environment["HANDOVER_DATABASE_CONNECTIONS"], !text.isEmpty {
            guard let count = Int(text), (1...1000).contains(count) else { throw ConfigurationError("HANDOVER_DATABASE_CONNECTIONS must be 1 to 1000, got \"\(text)\"") }
            configuration.databaseConnections = count
        }
        if let text = environment["HANDOVER_CHECKPOINT_SECONDS"], !text.isEmpty {
            guard let seconds = Double(text), (0.05...86_400).contains(seconds) else {
                throw ConfigurationError("HANDOVER_CHECKPOINT_SECONDS must be 0.05 to 86400 seconds, got \"\(text)\"")
            }
            configuration.checkpointInterval = seconds
        }
        if let text = environment["HANDOVER_BCRYPT_COST"], !text.isEmpty {
            guard let cost = Int(text), (12...31).contains(cost) else { throw ConfigurationError("HANDOVER_BCRYPT_COST must be 12 to 31, got \"\(text)\"") }
            configuration.bcryptCost = cost
        }
        try configuration.readMail(environment)
        try configuration.readAttachments(environment)
        configuration.webhooksAllowPrivate = ["1", "true", "yes"].contains(environment["HANDOVER_WEBHOOKS_ALLOW_PRIVATE"]?.lowercased() ?? "")
        try configuration.readIdempotencyLease(environment)
        try configuration.readJobLease(environment)
        return configuration
    }

    /// HANDOVER_SMTP_URL, HANDOVER_MAIL_FROM, HANDOVER_PUBLIC_URL and HANDOVER_DIGEST_HOUR.
    mutating func readMail(_ environment: [String: String]) throws {
        if let text = environment["HANDOVER_PUBLIC_URL"], !text.isEmpty {
            guard let url = URLComponents(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host?.isEmpty == false else {
                throw ConfigurationError("HANDOVER_PUBLIC_URL must be an http:// or https:// URL, got \"\(text)\"")
            }
            publicURL = text
        }
        if let text = environment["HANDOVER_SMTP_URL"], !text.isEmpty {
            do {
                mail.smtp = try SMTPSettings(url: text)
            } catch {
                throw ConfigurationError("\(error)")
            }
        }
        if let text = environment["HANDOVER_MAIL_FROM"], !text.isEmpty {
            var name: String?, address = text.trimmingCharacters(in: .whitespaces)
            if address.hasSuffix(">"), let open = address.lastIndex(of: "<") {
                name = address[..<open].trimmingCharacters(in: CharacterSet(charactersIn: " \""))
                address = String(address[address.index(after: open)..<address.index(before: address.endIndex)])
            }
            do {
                mail.from = try MailAddress(name: name, address: address)
            } catch {
                throw ConfigurationError("HANDOVER_MAIL_FROM must be an address or Name <address>: \(error)")
            }
        }
        if let text = environment["HANDOVER_DIGEST_HOUR"], !text.isEmpty {
            guard let hour = Int(text), (0...23).contains(hour) else {
                throw ConfigurationError("HANDOVER_DIGEST_HOUR must be an hour from 0 to 23 (UTC), got \"\(text)\"")
            }
            mail.digestHour = hour
        }
        if mail.smtp != nil, mail.from == nil {
            throw ConfigurationError("HANDOVER_SMTP_URL is set but HANDOVER_MAIL_FROM is not: say who the emails are from, e.g. \"Handover <handover@example.com>\"")
        }
    }

    /// HANDOVER_ATTACHMENTS_DIR, HANDOVER_ATTACHMENT_MAX_BYTES and HANDOVER_IMPORT_MAX_BYTES.
    mutating func readAttachments(_ environment: [String: String]) throws {
        if let text = environment["HANDOVER_ATTACHMENTS_DIR"], !text.isEmpty { attachmentsDirectory = text }
        if let text = environment["HANDOVER_ATTACHMENT_MAX_BYTES"], !text.isEmpty {
            guard let bytes = Int64(text), (1...1 << 40).contains(bytes) else {
                throw ConfigurationError("HANDOVER_ATTACHMENT_MAX_BYTES must be 1 to 1099511627776 bytes, got \"\(text)\"")
            }
            attachmentMaxBytes = bytes
        }
        if let text = environment["HANDOVER_IMPORT_MAX_BYTES"], !text.isEmpty {
            guard let bytes = Int64(text), (1...1 << 40).contains(bytes) else {
                throw ConfigurationError("HANDOVER_IMPORT_MAX_BYTES must be 1 to 1099511627776 bytes, got \"\(text)\"")
            }
            importMaxBytes = bytes
        }
    }

    /// The settings as lines for start-up output; the database password is masked.
    public var summary: [String] {
        [
            "listening:       http://\(host):\(port)",
            "database:        \(database), at most \(databaseConnections) connections",
            "secure cookies:  \(secureCookies)",
            "audit log:       \(logOrigin)/audit/<organization>, checkpoint signed \(String(format: "%g", checkpointInterval)) s after it grows",
            "open signup:     \(allowSignup)",
            "max body:        \(maxBodySize) bytes",
            "metrics:         /metrics from loopback\(metricsToken == nil ? " only" : ", or with HANDOVER_METRICS_TOKEN")",
            "sign-in guesses: \(maxFailedLogins) per email, \(maxFailedLoginsPerAddress) per address, per \(Int(loginThrottleWindow / 60)) minutes",
            "read cache:      \(readCacheTTL.components.seconds * 1000 + readCacheTTL.components.attoseconds / 1_000_000_000_000_000) ms",
            "mail:            \(mailSummary)",
            "links in emails: \(mailSettings.publicURL)",
            "attachments:     \(attachmentSettings.directory), at most \(attachmentMaxBytes) bytes each",
            "imports:         \(importSettings.directory), at most \(importMaxBytes) bytes each",
            "webhooks:        \(webhooksAllowPrivate ? "http or https, private addresses allowed (HANDOVER_WEBHOOKS_ALLOW_PRIVATE)" : "https to public addresses only")",
        ]
    }

    /// The SMTP server with its password masked, and the sender.
    var mailSummary: String {
        guard let smtp = mail.smtp else { return "no SMTP server (HANDOVER_SMTP_URL): emails wait in the outbox" }
        let from = mail.from.map { ($0.name.map { "\($0) " } ?? "") + "<\($0.address)>" } ?? "?"
        return "\(smtp.masked), from \(from)"
    }
}

public struct ConfigurationError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ServerConfiguration {
    /// HANDOVER_IDEMPOTENCY_LEASE_SECONDS: the one place it is read. Short (a few seconds) only
    /// for tests that kill the server and retry; the default outlasts the largest apply.
    mutating func readIdempotencyLease(_ environment: [String: String]) throws {
        guard let text = environment["HANDOVER_IDEMPOTENCY_LEASE_SECONDS"], !text.isEmpty else { return }
        guard let seconds = Double(text), (1...86_400).contains(seconds) else {
            throw ConfigurationError("HANDOVER_IDEMPOTENCY_LEASE_SECONDS must be 1 to 86400 seconds, got \"\(text)\"")
        }
        idempotencyLease = seconds
    }

    /// HANDOVER_JOB_LEASE_SECONDS: short only for tests that kill the server mid-job.
    mutating func readJobLease(_ environment: [String: String]) throws {
        guard let text = environment["HANDOVER_JOB_LEASE_SECONDS"], !text.isEmpty else { return }
        guard let seconds = Double(text), (1...86_400).contains(seconds) else {
            throw ConfigurationError("HANDOVER_JOB_LEASE_SECONDS must be 1 to 86400 seconds, got \"\(text)\"")
        }
        jobLease = seconds
    }
}
