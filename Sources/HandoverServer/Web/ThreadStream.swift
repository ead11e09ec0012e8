import Foundation
import HandoverCore
import HandoverServices
import Hummingbird
import HTTPTypes
import NIOConcurrencyHelpers
import NIOCore
import ServiceLifecycle

/// The live thread: `GET /handovers/{id}/thread/live` is a Server-Sent Events stream that sends
/// the thread's messages, rendered as on the page, when the page connects and whenever the thread
/// changes (`ThreadSignal`: a question written here, or on another replica through PostgreSQL).
/// `thread.js` puts them in the page; without JavaScript a reload shows them.
///
/// A stream lasts at most `lifetime`, then ends; the browser's EventSource connects again after
/// `retry` and gets the whole thread, so nothing is missed in between. A comment line every
/// `heartbeat` keeps proxies from closing an idle stream. Graceful shutdown ends every stream.
enum ThreadStream {
    static let lifetime: Duration = .seconds(600)
    static let heartbeat: Duration = .seconds(25)
    static let retryMillis = 3000

    /// `signedIn` reads the viewer's session again: a stream outlives the request that opened it,
    /// so each update is sent only while the session still names the same member (signed out,
    /// expired or removed ends the stream), and with what that member may see now.
    static func response(id: String, viewer: Member, handovers: HandoverService, signedIn: @escaping @Sendable () async throws -> Member?) async throws
        -> Response
    {
        let changes = try await handovers.threadChanges(id: id, by: viewer)  // 404 before any stream for who may not see it
        let headers: HTTPFields = [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store", HTTPField.Name("X-Accel-Buffering")!: "no"]
        return Response(
            status: .ok, headers: headers,
            body: ResponseBody { writer in
                try await writer.write(ByteBuffer(string: "retry: \(retryMillis)\n\n"))
                try await stream(id: id, viewer: viewer, changes: changes, handovers: handovers, signedIn: signedIn) {
                    try await writer.write(ByteBuffer(string: $0))
                }
                try await writer.finish(nil)
            })
    }

    /// Sends the thread now and after each change, a heartbeat in between, until `lifetime` is
    /// over, the viewer's session ends, the server shuts down gracefully, or the task is
    /// cancelled (the client left).
    static func stream(
        id: String, viewer: Member, changes: AsyncStream<Void>, handovers: HandoverService, signedIn: @escaping @Sendable () async throws -> Member?,
        send: (String) async throws -> Void
    ) async throws {
        // A wake-up says "look": whether the thread changed is a flag of its own, so heartbeats
        // piling up behind a slow client can never push a change out of the buffer.
        let changed = NIOLockedValueBox(true)  // the thread goes out first
        let (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let forward = Task {
            for await _ in changes {
                changed.withLockedValue { $0 = true }
                wake.yield()
            }
        }
        let beat = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: heartbeat)
                wake.yield()
            }
        }
        let end = Task {
            try? await Task.sleep(for: lifetime)
            wake.finish()
        }
        defer {
            forward.cancel()
            beat.cancel()
            end.cancel()
        }
        wake.yield()
        try await withGracefulShutdownHandler {
            for await _ in wakes {
                guard let current = try await signedIn(), current.id == viewer.id else { return }
                if changed.withLockedValue({ flag in
                    defer { flag = false }; return flag
                }) {
                    let thread = try await handovers.thread(id: id, by: current)
                    try await send(event("thread", WebPages.threadMessages(thread.handover, questions: thread.questions, names: thread.names).description))
                } else {
                    try await send(": still here\n\n")
                }
            }
        } onGracefulShutdown: {
            wake.finish()
        }
    }

    /// One event: its name, and its data a line at a time. A data line cannot hold a line break,
    /// and the browser ends a line at CR, LF or CRLF alike: a message typed in a form comes with
    /// CRLF, and its CR alone would end the line and its LF the event.
    static func event(_ name: String, _ data: String) -> String {
        let lines = data.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\r", with: "\n")
        return "event: \(name)\n" + lines.split(separator: "\n", omittingEmptySubsequences: false).map { "data: \($0)\n" }.joined() + "\n"
    }
}
