import Foundation
import HandoverCore
import HandoverMail
import HandoverTestSupport
import Testing

/// The SMTP client against a real SMTP server (aiosmtpd, `Tests/smtp/smtp_server.py`) on
/// loopback: plain, STARTTLS and implicit TLS on a throwaway CA, AUTH PLAIN and LOGIN, and the
/// server's refusals, delays and silence. What arrived is read back by Python's `email` package.
@Suite(.enabled(if: TestSMTPServer.available, "aiosmtpd is not installed (see .ci/run); HANDOVER_SMTP_TESTS=required makes that a failure"))
struct SMTPClientTests {
    static func message(to: [MailAddress], subject: String = "Handover: Zoë Ångström → Acme GmbH", cc: [MailAddress] = []) throws -> MailMessage {
        try MailMessage(
            from: MailAddress(name: "Handover (Acme)", address: "handover@example.com"), to: to, cc: cc, subject: subject,
            text: "Hello Zoë,\n.a line that starts with a dot\n..and two\nThe end.\n", html: "<p>Hello <b>Zoë</b></p>\n.<p>dot</p>",
            attachments: [
                try MailAttachment(
                    filename: "briefing.ics", contentType: "text/calendar; charset=utf-8; method=REQUEST",
                    content: Array("BEGIN:VCALENDAR\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n".utf8))
            ],
            messageID: "\(UUID().uuidString)@example.com", date: Date(timeIntervalSince1970: 1_790_000_000))
    }

    static func send(_ message: MailMessage, _ settings: SMTPSettings) async throws -> SMTPReply {
        try await SMTPClient(settings: settings).send(message.rendered(), from: message.from.address, to: message.recipients.map(\.address))
    }

    @Test func plainDeliveryArrivesWholeAndParsesBack() async throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let zoe = try MailAddress(name: "Zoë Ångström", address: "zoe@example.com")
        let message = try Self.message(to: [zoe], cc: [try MailAddress(name: "Bob \"B\" Smith, Jr.", address: "bob@example.com")])
        let reply = try await Self.send(message, SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never"))
        #expect(reply.code == 250 && reply.text.contains("Queued as"))
        let arrived = try #require(try await server.waitForMessages(1).first)
        #expect(arrived.mailFrom == "handover@example.com")
        #expect(arrived.rcptTos == ["zoe@example.com", "bob@example.com"])
        #expect(arrived.subject == "Handover: Zoë Ångström → Acme GmbH")
        #expect(arrived.fromNames == ["Handover (Acme)"] && arrived.fromAddresses == ["handover@example.com"])
        #expect(arrived.toNames == ["Zoë Ångström"])
        #expect(arrived.ccAddresses == ["bob@example.com"])
        #expect(arrived.headers["Message-ID"] == "<\(message.messageID)>")
        #expect(arrived.headers["MIME-Version"] == "1.0" && arrived.headers["Date"] == "Mon, 21 Sep 2026 14:13:20 +0000")
        #expect(arrived.contentType == "multipart/mixed")
        // Dot-stuffing undone by the server: the lines starting with dots arrive as written.
        #expect(arrived.text == "Hello Zoë,\n.a line that starts with a dot\n..and two\nThe end.\n\n")
        #expect(arrived.html == "<p>Hello <b>Zoë</b></p>\n.<p>dot</p>\n")
        let invite = try #require(arrived.attachments.first)
        #expect(invite.filename == "briefing.ics" && invite.method == "REQUEST" && invite.content.contains("METHOD:REQUEST"))
        #expect(arrived.defects.isEmpty, "the email package found defects: \(arrived.defects)")
        #expect(arrived.longestLine <= 78 && arrived.bareLineFeeds == 0)
        #expect(!arrived.raw.contains("Zoë"), "non-ASCII text must be encoded")
    }

    @Test func startTLSWithAuthPlainOnAThrowawayCA() async throws {
        let server = try TestSMTPServer(mode: .starttls, user: "mailer", password: "p@ss:word")
        defer { server.stop() }
        let ca = try #require(server.caFile)
        let settings = try SMTPSettings(url: "smtp://mailer:p%40ss%3Aword@127.0.0.1:\(server.port)?starttls=required&ca=\(ca)")
        _ = try await Self.send(try Self.message(to: [try MailAddress(address: "zoe@example.com")]), settings)
        #expect(try await server.waitForMessages(1).count == 1)
        // The same server's certificate without its CA: refused, verification is never skipped.
        let untrusted = try SMTPSettings(url: "smtp://mailer:p%40ss%3Aword@127.0.0.1:\(server.port)?starttls=required")
        await #expect {
            try await Self.send(try Self.message(to: [try MailAddress(address: "zoe@example.com")]), untrusted)
        } throws: { error in
            guard let error = error as? SMTPError, case .tls = error else { return false }
            return !error.isPermanent
        }
        #expect(try server.received().count == 1)
    }

    @Test func implicitTLSWithAuthLogin() async throws {
        let server = try TestSMTPServer(mode: .tls, user: "mailer", password: "secret", onlyLogin: true)
        defer { server.stop() }
        let settings = try SMTPSettings(url: "smtps://mailer:secret@localhost:\(server.port)?ca=\(try #require(server.caFile))")
        #expect(settings.security == .implicitTLS)
        _ = try await Self.send(try Self.message(to: [try MailAddress(address: "zoe@example.com")]), settings)
        #expect(try await server.waitForMessages(1).first?.rcptTos == ["zoe@example.com"])
    }

    @Test func aWrongPasswordIsAPermanentRefusalWithTheServersWordsAndNoPassword() async throws {
        let server = try TestSMTPServer(mode: .starttls, user: "mailer", password: "secret")
        defer { server.stop() }
        let settings = try SMTPSettings(url: "smtp://mailer:wrong-horse@127.0.0.1:\(server.port)?ca=\(try #require(server.caFile))")
        let error = await #expect(throws: SMTPError.self) { try await Self.send(try Self.message(to: [try MailAddress(address: "a@example.com")]), settings) }
        #expect(error?.reply?.code == 535 && error?.isPermanent == true, "\(String(describing: error))")
        #expect(error.map { String(describing: $0) }?.contains("to AUTH PLAIN") == true)
        #expect(error.map { String(describing: $0) }?.contains("wrong-horse") == false)
    }

    @Test func authIsNotSentWithoutTLSUnlessTheURLAllowsItOnLoopback() async throws {
        let server = try TestSMTPServer(mode: .plain, user: "mailer", password: "secret")
        defer { server.stop() }
        let message = try Self.message(to: [try MailAddress(address: "a@example.com")])
        // Opportunistic, and the server offers no STARTTLS: the password stays home.
        let opportunistic = try SMTPSettings(url: "smtp://mailer:secret@127.0.0.1:\(server.port)?starttls=opportunistic")
        await #expect(throws: SMTPError.authWithoutTLS) { try await Self.send(message, opportunistic) }
        // starttls=required against a server without it.
        let required = try SMTPSettings(url: "smtp://mailer:secret@127.0.0.1:\(server.port)")
        await #expect(throws: SMTPError.startTLSNotOffered) { try await Self.send(message, required) }
        #expect(throws: SMTPSettings.Invalid.self) { try SMTPSettings(url: "smtp://mailer:secret@mail.example.com?starttls=never&auth=plain-ok") }
        let allowed = try SMTPSettings(url: "smtp://mailer:secret@127.0.0.1:\(server.port)?starttls=never&auth=plain-ok")
        _ = try await Self.send(message, allowed)
        #expect(try await server.waitForMessages(1).count == 1)
    }

    @Test func refusalsCarryTheReplyCodeAndText() async throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")
        let permanent = await #expect(throws: SMTPError.self) { try await Self.send(try Self.message(to: [try MailAddress(address: "nobody@example.com")]), settings) }
        #expect(permanent?.reply == SMTPReply(code: 550, lines: ["5.1.1 No such user here"]) && permanent?.isPermanent == true)
        #expect(permanent.map { String(describing: $0) } == "the SMTP server answered 550 5.1.1 No such user here to RCPT TO:<nobody@example.com>")
        let temporary = await #expect(throws: SMTPError.self) { try await Self.send(try Self.message(to: [try MailAddress(address: "busy@example.com")]), settings) }
        #expect(temporary?.reply?.code == 451 && temporary?.isPermanent == false)
        #expect(try server.received().isEmpty)
    }

    @Test func aServerThatSaysNothingTimesOut() async throws {
        let server = try TestSMTPServer(mode: .silent)
        defer { server.stop() }
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never&timeout=0.5")
        let started = ContinuousClock.now
        await #expect(throws: SMTPError.timedOut(waitingFor: "the greeting", seconds: 0.5)) {
            try await Self.send(try Self.message(to: [try MailAddress(address: "a@example.com")]), settings)
        }
        // Far below the 60 s default: the 0.5 s applied (with room for a loaded CI machine).
        #expect(ContinuousClock.now - started < .seconds(30))
    }

    @Test func nobodyListeningIsAConnectFailure() async throws {
        let port = try TestSMTPServer(mode: .silent)
        let closed = port.port
        port.stop()
        let settings = try SMTPSettings(url: "smtp://127.0.0.1:\(closed)?starttls=never&timeout=2")
        await #expect {
            try await Self.send(try Self.message(to: [try MailAddress(address: "a@example.com")]), settings)
        } throws: { error in
            guard let error = error as? SMTPError, case .connectFailed = error else { return false }
            return !error.isPermanent
        }
    }
}

/// HANDOVER_SMTP_TESTS=required (CI) turns a missing aiosmtpd from a skip into this failure.
@Test func theSMTPServerIsAvailableWhenRequired() {
    if TestSMTPServer.required {
        #expect(TestSMTPServer.available, "HANDOVER_SMTP_TESTS=required but \(TestSMTPServer.python) cannot import aiosmtpd: see .ci/run")
    }
}

@Suite struct SMTPSettingsTests {
    @Test func theURLSaysHostPortTLSAndCredentialsAndThePasswordIsMasked() throws {
        let settings = try SMTPSettings(url: "smtp://ann%40acme:s3cr%3At@mail.acme.example:2525?starttls=opportunistic")
        #expect(settings.host == "mail.acme.example" && settings.port == 2525 && settings.security == .startTLSOpportunistic)
        #expect(settings.username == "ann@acme" && settings.password == "s3cr:t")
        #expect(settings.masked == "smtp://ann%40acme:***@mail.acme.example:2525?starttls=opportunistic")
        #expect(!settings.masked.contains("s3cr"))
        let defaults = try SMTPSettings(url: "smtp://mail.acme.example")
        #expect(defaults.port == 587 && defaults.security == .startTLSRequired && defaults.username == nil)
        #expect(try SMTPSettings(url: "smtps://u:p@mail.acme.example").port == 465)
    }

    @Test func badURLsAreRefusedWithWhatToWrite() {
        for bad in [
            "http://mail.acme.example", "smtp://", "smtp://mail.acme.example?starttls=maybe", "smtps://mail.acme.example?starttls=required",
            "smtp://mail.acme.example?verify=off", "smtp://u:p@mail.acme.example?starttls=never", "smtp://mail.acme.example?ca=/nonexistent.pem",
            "smtp://mail.acme.example?timeout=0",
        ] {
            #expect(throws: SMTPSettings.Invalid.self, "\(bad)") { try SMTPSettings(url: bad) }
        }
    }
}
