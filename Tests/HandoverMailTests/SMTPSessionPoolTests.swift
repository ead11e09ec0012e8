import Foundation
import HandoverCore
import HandoverMail
import HandoverTestSupport
import Testing

/// The session pool against the real SMTP server (aiosmtpd): messages share connections (the
/// server records each message's client port), and a session that saw any error is closed,
/// never used again.
@Suite(.enabled(if: TestSMTPServer.available, "aiosmtpd is not installed (see .ci/run); HANDOVER_SMTP_TESTS=required makes that a failure"))
struct SMTPSessionPoolTests {
    static func send(_ pool: SMTPSessionPool, to address: String, _ index: Int = 0) async throws -> SMTPReply {
        let message = try MailMessage(
            from: MailAddress(name: "Handover", address: "handover@example.com"), to: [MailAddress(address: address)], subject: "Pooled \(index)",
            text: "Message \(index).\n.a dotted line\n", html: nil, messageID: "pool-\(index)-\(UUID().uuidString)@example.com", date: Date())
        return try await pool.send(message.rendered(), from: message.from.address, to: message.recipients.map(\.address))
    }

    static func peers(_ server: TestSMTPServer, _ count: Int) async throws -> [String] {
        let arrived = try await server.waitForMessages(count)
        try #require(arrived.count == count, "\(arrived.count) of \(count) messages arrived")
        return try arrived.map { try #require($0.peer) }
    }

    @Test func messagesSentOneAfterAnotherShareOneAuthenticatedConnection() async throws {
        let server = try TestSMTPServer(mode: .starttls, user: "mailer", password: "secret")
        defer { server.stop() }
        let settings = try SMTPSettings(url: "smtp://mailer:secret@127.0.0.1:\(server.port)?starttls=required&ca=\(try #require(server.caFile))")
        let pool = SMTPSessionPool(client: SMTPClient(settings: settings))
        for index in 0..<5 {
            let reply = try await Self.send(pool, to: "zoe@example.com", index)
            #expect(reply.code == 250 && reply.text.contains("Queued as"))
        }
        let peers = try await Self.peers(server, 5)
        #expect(Set(peers).count == 1, "one connection for five messages: \(peers)")
        #expect(pool.sessionsOpened == 1 && pool.idleSessions == 1)
        await pool.close()
        #expect(pool.idleSessions == 0)
        // Closed: a later send still goes out, on a session of its own that is not kept.
        _ = try await Self.send(pool, to: "zoe@example.com", 5)
        #expect(Set(try await Self.peers(server, 6)).count == 2 && pool.idleSessions == 0)
    }

    @Test func concurrentSendsUseFewerConnectionsThanMessages() async throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let pool = SMTPSessionPool(client: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")))
        // Four at a time, as the job runner sends, 24 messages in all.
        for round in 0..<6 {
            try await withThrowingTaskGroup(of: SMTPReply.self) { group in
                for index in 0..<4 { group.addTask { try await Self.send(pool, to: "reader\(index)@example.com", round * 4 + index) } }
                for try await reply in group { #expect(reply.code == 250) }
            }
        }
        let peers = Set(try await Self.peers(server, 24))
        #expect(peers.count <= 4 && pool.sessionsOpened == peers.count, "\(peers.count) connections, \(pool.sessionsOpened) opened")
        await pool.close()
    }

    @Test func aSessionThatGotAnErrorIsNeverUsedAgain() async throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let pool = SMTPSessionPool(client: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")))
        _ = try await Self.send(pool, to: "zoe@example.com", 0)
        // A temporary refusal at RCPT TO: thrown as the client throws it, retryable, session closed.
        let temporary = await #expect(throws: SMTPError.self) { try await Self.send(pool, to: "busy@example.com", 1) }
        #expect(temporary?.reply?.code == 451 && temporary?.isPermanent == false)
        #expect(pool.idleSessions == 0)
        _ = try await Self.send(pool, to: "zoe@example.com", 2)
        // A permanent one: the same.
        let permanent = await #expect(throws: SMTPError.self) { try await Self.send(pool, to: "nobody@example.com", 3) }
        #expect(permanent.map { String(describing: $0) } == "the SMTP server answered 550 5.1.1 No such user here to RCPT TO:<nobody@example.com>")
        _ = try await Self.send(pool, to: "zoe@example.com", 4)
        _ = try await Self.send(pool, to: "zoe@example.com", 5)
        let peers = try await Self.peers(server, 4)
        // 0 on the first session; 2 on a fresh one after the 451; 4 and 5 on a third after the 550.
        #expect(peers[0] != peers[1] && peers[1] != peers[2] && peers[0] != peers[2], "\(peers)")
        #expect(peers[2] == peers[3])
        #expect(pool.sessionsOpened == 3)
        await pool.close()
    }

    @Test func aSessionTheServerDroppedWhileIdleIsReplacedWithoutLosingTheMessage() async throws {
        // The server drops a connection quiet for 10 s: long enough for a fresh session's whole
        // conversation even while the rest of the suite and other builds load the machine (at 2 s,
        // a fresh session on a machine at load 8 was itself dropped before MAIL FROM; at 4 s, once
        // in a CI run where this test took 25 s in all).
        let server = try TestSMTPServer(idleTimeout: 10)
        defer { server.stop() }
        let pool = SMTPSessionPool(client: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")))
        _ = try await Self.send(pool, to: "zoe@example.com", 0)
        try await Task.sleep(for: .seconds(12))
        let reply = try await Self.send(pool, to: "zoe@example.com", 1)
        #expect(reply.code == 250)
        let peers = try await Self.peers(server, 2)
        #expect(peers[0] != peers[1] && pool.sessionsOpened == 2)
        await pool.close()
    }

    @Test func idleSessionsAreClosedAfterTheIdleTimeout() async throws {
        let server = try TestSMTPServer()
        defer { server.stop() }
        let pool = SMTPSessionPool(
            client: SMTPClient(settings: try SMTPSettings(url: "smtp://127.0.0.1:\(server.port)?starttls=never")), idleTimeout: .milliseconds(300))
        _ = try await Self.send(pool, to: "zoe@example.com", 0)
        #expect(pool.idleSessions == 1)
        try await Task.sleep(for: .seconds(1.5))
        #expect(pool.idleSessions == 0)
        _ = try await Self.send(pool, to: "zoe@example.com", 1)
        #expect(pool.sessionsOpened == 2)
        await pool.close()
    }
}
