import Foundation
import NIOConcurrencyHelpers

/// Tells the pages watching a handover's thread that it changed. A question written in this
/// process announces itself once its transaction commits; on PostgreSQL it is also sent with
/// `pg_notify` in that transaction, so every replica's listener (`Database.listen`) announces it
/// to its own pages. A watcher gets a tick, not the message: it reads the thread again, so a
/// missed or doubled tick costs a read, never a message. (On PostgreSQL the writing process hears
/// its own notification too, a moment after its local tick: a second read, kept because the local
/// tick is what SQLite has, and it comes without the round trip.)
public final class ThreadSignal: Sendable {
    /// The PostgreSQL channel; its payload is the handover's id.
    public static let channel = "handover_thread"

    private struct Watcher {
        var handoverID: String
        var continuation: AsyncStream<Void>.Continuation
    }

    private let watchers = NIOLockedValueBox<[Int: Watcher]>([:])
    private let nextID = NIOLockedValueBox(0)

    public init() {}

    /// The thread of `handoverID` changed.
    public func notify(handoverID: String) {
        let waiting = watchers.withLockedValue { $0.values.filter { $0.handoverID == handoverID }.map(\.continuation) }
        for continuation in waiting { continuation.yield() }
    }

    /// A tick each time the thread of `handoverID` changes, until the stream is dropped. Ticks that
    /// come faster than the watcher reads are merged into one.
    public func changes(handoverID: String) -> AsyncStream<Void> {
        let id = nextID.withLockedValue { value -> Int in
            value += 1
            return value
        }
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        watchers.withLockedValue { $0[id] = Watcher(handoverID: handoverID, continuation: continuation) }
        continuation.onTermination = { [weak self] _ in
            self?.watchers.withLockedValue { _ = $0.removeValue(forKey: id) }
        }
        return stream
    }

    /// How many pages watch a thread now (for tests and the metrics).
    public var watching: Int { watchers.withLockedValue { $0.count } }
}
