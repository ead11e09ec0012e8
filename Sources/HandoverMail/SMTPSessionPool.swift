import Foundation
import NIOCore
import Synchronization

/// A `MailTransport` that keeps a few SMTP sessions open between messages, so a burst of
/// `mail.send` jobs pays for the connection, greeting, EHLO, TLS handshake and AUTH once per
/// session instead of once per message (Docs/Mail.md, "Speed").
///
/// Each send takes an idle session (the one used last) or opens one, sends its message's
/// transaction (MAIL FROM, RCPT TO, DATA) and gives the session back. A session is never used
/// again after any error — a refusal, an odd or missing reply, a timeout, a 421 —: its
/// connection is closed, the error goes to the caller as `SMTPClient` would throw it, and the
/// job's retry opens a fresh one. No RSET is needed between messages: a transaction ends with
/// the server's reply to DATA (RFC 5321 4.1.1.4), and an ended session is not reused.
///
/// The one exception is a session the server dropped while it sat idle (servers close quiet
/// connections, some after a 421): it fails at MAIL FROM before any of the message was
/// accepted, so the message is sent once more on a fresh session at once.
///
/// Sessions idle longer than `idleTimeout` say QUIT and close; `close()` ends them all (the
/// server calls it on shutdown). The pool does not limit how many sessions are open at once:
/// its callers do (the job runner runs `concurrency` jobs at a time); it keeps at most `maxIdle`.
public final class SMTPSessionPool: MailTransport, Sendable {
    public let client: SMTPClient
    public let maxIdle: Int
    public let idleTimeout: Duration

    private struct State {
        var idle: [(session: PooledSession, since: ContinuousClock.Instant)] = []
        var closed = false
        var sweeping = false
        var opened = 0
    }

    private let state = Mutex(State())

    /// - Parameters:
    ///   - maxIdle: sessions kept open between messages (more are closed when given back).
    ///   - idleTimeout: how long an unused session stays open; never more than half the reply
    ///     timeout, which would otherwise close it as a silent server.
    public init(client: SMTPClient, maxIdle: Int = 4, idleTimeout: Duration = .seconds(10)) {
        self.client = client
        self.maxIdle = max(0, maxIdle)
        self.idleTimeout = min(idleTimeout, .milliseconds(Int64(client.settings.replyTimeout * 500)))
    }

    /// Sessions opened so far (each one connection).
    public var sessionsOpened: Int { state.withLock { $0.opened } }
    /// Sessions open and waiting for a message.
    public var idleSessions: Int { state.withLock { $0.idle.count } }

    public func send(_ message: String, from sender: String, to recipients: [String]) async throws -> SMTPReply {
        let envelope = SMTPEnvelope(message: message, sender: sender, recipients: recipients)
        try SMTPClient.checkAddresses(envelope)
        if let session = takeIdle() {
            do {
                let reply = try await session.deliver(envelope)
                giveBack(session)
                return reply
            } catch let error as SMTPError where Self.droppedWhileIdle(error) {
                // Nothing of this message was accepted: a fresh session sends it below.
            }
        }
        let session = try await open()
        let reply = try await session.deliver(envelope)
        giveBack(session)
        return reply
    }

    /// Ends every idle session (QUIT, close) and any still in use when it is given back. Sends
    /// after this still work, each on a session of its own.
    public func close() async {
        let idle = state.withLock { state in
            state.closed = true
            defer { state.idle.removeAll() }
            return state.idle.map(\.session)
        }
        await Self.close(idle)
    }

    /// The server closed the connection (or said 421, closing) before it accepted MAIL FROM.
    static func droppedWhileIdle(_ error: SMTPError) -> Bool {
        switch error {
        case .closed(let waitingFor): waitingFor.hasPrefix("MAIL FROM")
        case .rejected(let command, let reply): reply.code == 421 && command.hasPrefix("MAIL FROM")
        default: false
        }
    }

    private func open() async throws -> PooledSession {
        let session = try await PooledSession.open(client)
        state.withLock { $0.opened += 1 }
        return session
    }

    /// The most recently used idle session; older ones past the idle timeout are closed.
    private func takeIdle() -> PooledSession? {
        let now = ContinuousClock.now
        let (session, stale) = state.withLock { state -> (PooledSession?, [PooledSession]) in
            let stale = state.idle.filter { now - $0.since >= idleTimeout }.map(\.session)
            state.idle.removeAll { now - $0.since >= idleTimeout }
            return (state.idle.popLast()?.session, stale)
        }
        if !stale.isEmpty { Task { await Self.close(stale) } }
        return session
    }

    private func giveBack(_ session: PooledSession) {
        let (keep, startSweeper) = state.withLock { state -> (Bool, Bool) in
            guard !state.closed, state.idle.count < maxIdle else { return (false, false) }
            state.idle.append((session, ContinuousClock.now))
            defer { state.sweeping = true }
            return (true, !state.sweeping)
        }
        if !keep { Task { await session.close() } }
        if startSweeper { Task { await self.sweep() } }
    }

    /// Closes sessions as they pass the idle timeout; ends when none is idle.
    private func sweep() async {
        while true {
            try? await Task.sleep(for: idleTimeout / 2)
            let now = ContinuousClock.now
            let (stale, more) = state.withLock { state -> ([PooledSession], Bool) in
                let stale = state.idle.filter { now - $0.since >= idleTimeout }.map(\.session)
                state.idle.removeAll { now - $0.since >= idleTimeout }
                if state.idle.isEmpty { state.sweeping = false }
                return (stale, !state.idle.isEmpty)
            }
            await Self.close(stale)
            if !more { return }
        }
    }

    private static func close(_ sessions: [PooledSession]) async {
        await withTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { await session.close() } }
        }
    }
}

/// One open session of the pool: a task holds the connection inside `SMTPClient.withSession`
/// (the same conversation as `sendAll`) and delivers the envelopes handed to it, one at a
/// time. After an error, or when told to close, the task ends and the connection with it;
/// envelopes handed to it later fail as "closed" at once.
final class PooledSession: Sendable {
    private struct Request: Sendable {
        var envelope: SMTPEnvelope
        var answer: CheckedContinuation<SMTPReply, any Error>
    }

    /// Thrown inside the session to end it (and close the connection without QUIT) after an error.
    private struct Broken: Error {}

    private let requests: AsyncStream<Request>.Continuation
    private let task: Mutex<Task<Void, Never>?>

    private init(requests: AsyncStream<Request>.Continuation) {
        self.requests = requests
        self.task = Mutex(nil)
    }

    /// Connects and has the conversation up to the first MAIL FROM; throws what `SMTPClient`
    /// throws when that fails.
    static func open(_ client: SMTPClient) async throws -> PooledSession {
        let (stream, continuation) = AsyncStream.makeStream(of: Request.self)
        let session = PooledSession(requests: continuation)
        try await withCheckedThrowingContinuation { (ready: CheckedContinuation<Void, any Error>) in
            let task = Task {
                var pending = stream.makeAsyncIterator()
                var isReady = false
                do {
                    try await client.withSession { conversation in
                        isReady = true
                        ready.resume()
                        while let request = await pending.next() {
                            do {
                                request.answer.resume(returning: try await conversation.deliver(request.envelope))
                            } catch {
                                request.answer.resume(throwing: error)
                                throw Broken()
                            }
                        }
                    }
                } catch {
                    if !isReady { ready.resume(throwing: error) }
                }
                // Whatever was handed over after the end fails without being sent.
                continuation.finish()
                while let request = await pending.next() { request.answer.resume(throwing: Self.gone(request.envelope)) }
            }
            session.task.withLock { $0 = task }
        }
        return session
    }

    /// Sends one message's transaction on this session.
    func deliver(_ envelope: SMTPEnvelope) async throws -> SMTPReply {
        try await withCheckedThrowingContinuation { answer in
            if case .terminated = requests.yield(Request(envelope: envelope, answer: answer)) { answer.resume(throwing: Self.gone(envelope)) }
        }
    }

    /// QUIT (when the session is still well) and close; returns when the connection is closed.
    func close() async {
        requests.finish()
        await task.withLock { $0 }?.value
    }

    private static func gone(_ envelope: SMTPEnvelope) -> SMTPError { .closed(waitingFor: "MAIL FROM:<\(envelope.sender)>") }
}
