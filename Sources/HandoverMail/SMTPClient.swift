import Foundation
import HandoverCore
import NIOCore
import NIOPosix
import NIOSSL

/// Hands a rendered message to a mail server. The outbox's job sends through this; tests may
/// pass another.
public protocol MailTransport: Sendable {
    /// Delivers `message` (CRLF lines, as `MailMessage.rendered()` makes them) from `sender` to
    /// `recipients` (envelope addresses) and returns the server's reply to the message's end.
    func send(_ message: String, from sender: String, to recipients: [String]) async throws -> SMTPReply
}

/// One message and its envelope (RFC 5321 2.3.1): the sender and recipients the server is
/// told, which may differ from the message's own headers (Bcc, bounces).
public struct SMTPEnvelope: Sendable {
    public var message: String
    public var sender: String
    public var recipients: [String]

    public init(message: String, sender: String, recipients: [String]) {
        self.message = message
        self.sender = sender
        self.recipients = recipients
    }
}

/// An SMTP client (RFC 5321) on SwiftNIO: one connection per message (`sendAll` keeps one for
/// many), EHLO, STARTTLS (RFC 3207) or implicit TLS (RFC 8314), AUTH PLAIN or LOGIN (RFC 4954),
/// MAIL FROM, RCPT TO, DATA with dot-stuffing, QUIT. Every wait has a timeout (`SMTPSettings.connectTimeout`, `replyTimeout`),
/// and every refusal comes back as `SMTPError.rejected` with the server's code and text.
public struct SMTPClient: MailTransport {
    public let settings: SMTPSettings
    let group: any EventLoopGroup

    public init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    public func send(_ message: String, from sender: String, to recipients: [String]) async throws -> SMTPReply {
        try await sendAll([SMTPEnvelope(message: message, sender: sender, recipients: recipients)]) { _, _ in }[0]
    }

    /// Sends `envelopes` one after another on one connection (one greeting, one TLS handshake,
    /// one AUTH), as a bulk sender does, and calls `delivered` after each message the server
    /// accepts. The first refusal or failure ends the connection and is thrown. Returns each
    /// message's reply.
    public func sendAll(_ envelopes: [SMTPEnvelope], delivered: (Int, SMTPReply) -> Void) async throws -> [SMTPReply] {
        for envelope in envelopes { try Self.checkAddresses(envelope) }
        return try await withSession { session in
            var replies: [SMTPReply] = []
            replies.reserveCapacity(envelopes.count)
            for (index, envelope) in envelopes.enumerated() {
                let accepted = try await session.deliver(envelope)
                replies.append(accepted)
                delivered(index, accepted)
            }
            return replies
        }
    }

    /// Refuses an envelope whose addresses could smuggle a command (CR, LF, angle brackets).
    static func checkAddresses(_ envelope: SMTPEnvelope) throws {
        guard MailAddress.isValidAddress(envelope.sender), !envelope.recipients.isEmpty, envelope.recipients.allSatisfy(MailAddress.isValidAddress)
        else { throw SMTPError.malformedReply("refused to send: an envelope address is not a plain address") }
    }

    /// Opens a connection, has the conversation up to the first MAIL FROM (greeting, EHLO,
    /// STARTTLS or implicit TLS, AUTH), runs `body` on it, then says QUIT and closes it. What
    /// `body` throws closes the connection without QUIT. `sendAll` and `SMTPSessionPool` both
    /// talk through this, so there is one conversation.
    func withSession<Result: Sendable>(_ body: (inout SMTPSession) async throws -> Result) async throws -> Result {
        let tls = try makeTLSContext()
        let channel = try await connect(tls: settings.security == .implicitTLS ? tls : nil)
        var tlsActive = settings.security == .implicitTLS
        return try await channel.executeThenClose { inbound, outbound in
            var session = SMTPSession(replies: inbound.makeAsyncIterator(), outbound: outbound, timeout: settings.replyTimeout)
            try await session.expect("the greeting", 220)
            var extensions = try await session.ehlo(settings.heloName)
            let wantsTLS = settings.security == .startTLSRequired || settings.security == .startTLSOpportunistic
            if !tlsActive && wantsTLS {
                if extensions.has("STARTTLS") {
                    try await session.command("STARTTLS", expect: 220)
                    try await addTLS(tls, to: channel.channel)
                    tlsActive = true
                    // RFC 3207 4.2: forget what was said in plain text and ask again.
                    extensions = try await session.ehlo(settings.heloName)
                } else if settings.security == .startTLSRequired {
                    throw SMTPError.startTLSNotOffered
                }
            }
            if let username = settings.username {
                guard tlsActive || settings.allowPlainAuth else { throw SMTPError.authWithoutTLS }
                try await session.authenticate(username: username, password: settings.password ?? "", offered: extensions.authMechanisms)
            }
            let result = try await body(&session)
            // The messages are the server's now: a QUIT that fails changes nothing.
            _ = try? await session.command("QUIT", expect: 221)
            return result
        }
    }

    // MARK: Connection

    private func connect(tls: NIOSSLContext?) async throws -> NIOAsyncChannel<SMTPReply, ByteBuffer> {
        let host = settings.host, replyTimeout = settings.replyTimeout
        let serverName = Self.serverName(host)
        do {
            return try await ClientBootstrap(group: group)
                .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000)))
                .connect(host: host, port: settings.port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        let handlers = channel.pipeline.syncOperations
                        if let tls { try handlers.addHandler(NIOSSLClientHandler(context: tls, serverHostname: serverName)) }
                        try handlers.addHandler(IdleStateHandler(readTimeout: .milliseconds(Int64(replyTimeout * 1000))))
                        try handlers.addHandler(ReplyTimeoutHandler())
                        try handlers.addHandler(ByteToMessageHandler(SMTPReplyDecoder()))
                        return try NIOAsyncChannel<SMTPReply, ByteBuffer>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch let error as ChannelError where error == .connectTimeout(.milliseconds(Int64(settings.connectTimeout * 1000))) {
            throw SMTPError.timedOut(waitingFor: "the connection", seconds: settings.connectTimeout)
        } catch {
            throw SMTPError.connectFailed(host: host, port: settings.port, reason: String(describing: error))
        }
    }

    /// STARTTLS accepted: TLS goes in front of everything else, before anything more is said.
    private func addTLS(_ context: NIOSSLContext, to channel: any Channel) async throws {
        let serverName = Self.serverName(settings.host)
        try await channel.eventLoop.submit {
            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: context, serverHostname: serverName), position: .first)
        }.get()
    }

    /// SNI and the certificate's name: a host name; for an IP address NIOSSL checks the
    /// certificate's IP entries against the address connected to.
    static func serverName(_ host: String) -> String? {
        let bare = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let isIP = bare.contains(":") || bare.split(separator: ".").count == 4 && bare.split(separator: ".").allSatisfy { UInt8($0) != nil }
        return isIP ? nil : bare
    }

    /// The system's roots, plus `ca=` when given. Verification is always full.
    private func makeTLSContext() throws -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.certificateVerification = .fullVerification
        if let caFile = settings.caFile {
            do {
                configuration.additionalTrustRoots = [.certificates(try NIOSSLCertificate.fromPEMFile(caFile))]
            } catch {
                throw SMTPError.tls("cannot read the CA file \(caFile): \(error)")
            }
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw SMTPError.tls(String(describing: error))
        }
    }
}

/// The conversation on one connection: commands out, replies in, each reply awaited under the
/// connection's read timeout.
struct SMTPSession {
    var replies: NIOAsyncChannelInboundStream<SMTPReply>.AsyncIterator
    let outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let timeout: TimeInterval

    mutating func next(_ waitingFor: String) async throws -> SMTPReply {
        do {
            guard let reply = try await replies.next() else { throw SMTPError.closed(waitingFor: waitingFor) }
            return reply
        } catch is ReplyTimeoutHandler.Fired {
            throw SMTPError.timedOut(waitingFor: waitingFor, seconds: timeout)
        } catch let error as SMTPError {
            throw error
        } catch let error as NIOSSLError {
            throw SMTPError.tls(String(describing: error))
        } catch let error as BoringSSLError {
            throw SMTPError.tls(String(describing: error))
        } catch {
            throw SMTPError.closed(waitingFor: waitingFor + " (\(error))")
        }
    }

    /// A write fails when the connection is gone (a failed TLS handshake closes it): the reply
    /// stream then holds the reason, which is a better error than "closed".
    mutating func write(_ text: String, waitingFor: String) async throws {
        try await write(ByteBuffer(string: text), waitingFor: waitingFor)
    }

    mutating func write(_ bytes: ByteBuffer, waitingFor: String) async throws {
        do {
            try await outbound.write(bytes)
        } catch {
            _ = try await next(waitingFor)
            throw SMTPError.closed(waitingFor: waitingFor)
        }
    }

    mutating func expect(_ waitingFor: String, _ codes: Int...) async throws {
        let reply = try await next(waitingFor)
        guard codes.contains(reply.code) else { throw SMTPError.rejected(command: waitingFor, reply: reply) }
    }

    /// Sends `line` (named `label` in errors, when it holds a credential) and checks the reply.
    @discardableResult
    mutating func command(_ line: String, label: String? = nil, expect codes: Int...) async throws -> SMTPReply {
        let name = label ?? line
        try await write(line + "\r\n", waitingFor: name)
        let reply = try await next(name)
        guard codes.contains(reply.code) else { throw SMTPError.rejected(command: name, reply: reply) }
        return reply
    }

    mutating func ehlo(_ name: String) async throws -> Extensions {
        Extensions(reply: try await command("EHLO \(name)", expect: 250))
    }

    mutating func authenticate(username: String, password: String, offered: Set<String>) async throws {
        if offered.contains("PLAIN") {
            let token = Data(([0] + Array(username.utf8) + [0] + Array(password.utf8))).base64EncodedString()
            try await command("AUTH PLAIN \(token)", label: "AUTH PLAIN", expect: 235)
        } else if offered.contains("LOGIN") {
            try await command("AUTH LOGIN", expect: 334)
            try await command(Data(username.utf8).base64EncodedString(), label: "AUTH LOGIN (user name)", expect: 334)
            try await command(Data(password.utf8).base64EncodedString(), label: "AUTH LOGIN (password)", expect: 235)
        } else {
            throw SMTPError.noUsableAuth(offered: offered.sorted().joined(separator: " "))
        }
    }

    /// One message's transaction: MAIL FROM, RCPT TO for each recipient, DATA. Returns the
    /// server's reply to the message's end; any other answer is thrown.
    mutating func deliver(_ envelope: SMTPEnvelope) async throws -> SMTPReply {
        try await command("MAIL FROM:<\(envelope.sender)>", expect: 250)
        for recipient in envelope.recipients { try await command("RCPT TO:<\(recipient)>", expect: 250, 251) }
        try await command("DATA", expect: 354)
        return try await data(envelope.message)
    }

    /// The message, dot-stuffed (RFC 5321 4.5.2: a line starting with "." gets another), every
    /// line ended by CRLF (whatever ended it), then the lone "." that ends it. In bytes: this
    /// runs once for every message sent.
    mutating func data(_ message: String) async throws -> SMTPReply {
        let cr = UInt8(ascii: "\r"), lf = UInt8(ascii: "\n"), dot = UInt8(ascii: ".")
        var out: [UInt8] = []
        out.reserveCapacity(message.utf8.count + 64)
        var lineStart = true, afterCR = false
        for byte in message.utf8 {
            if afterCR {
                afterCR = false
                if byte == lf { continue }
            }
            if byte == cr || byte == lf {
                out += [cr, lf]
                lineStart = true
                afterCR = byte == cr
                continue
            }
            if lineStart && byte == dot { out.append(dot) }
            out.append(byte)
            lineStart = false
        }
        if !lineStart || out.isEmpty { out += [cr, lf] }
        out += [dot, cr, lf]
        try await write(ByteBuffer(bytes: out), waitingFor: "the end of the message (DATA)")
        let reply = try await next("the end of the message (DATA)")
        guard reply.code == 250 else { throw SMTPError.rejected(command: "the message (DATA)", reply: reply) }
        return reply
    }
}

/// What an EHLO reply offers.
struct Extensions {
    var keywords: [String: String] = [:]

    init(reply: SMTPReply) {
        for line in reply.lines.dropFirst() {
            let parts = line.split(separator: " ", maxSplits: 1)
            guard let first = parts.first else { continue }
            // Old servers say "AUTH=PLAIN LOGIN".
            let word = first.split(separator: "=", maxSplits: 1)
            let keyword = word[0].uppercased()
            let rest = word.count > 1 ? String(word[1]) + (parts.count > 1 ? " " + parts[1] : "") : (parts.count > 1 ? String(parts[1]) : "")
            keywords[keyword, default: ""] += (keywords[keyword].map { $0.isEmpty ? "" : " " } ?? "") + rest
        }
    }

    func has(_ keyword: String) -> Bool { keywords[keyword] != nil }
    var authMechanisms: Set<String> { Set((keywords["AUTH"] ?? "").uppercased().split(separator: " ").map(String.init)) }
}
