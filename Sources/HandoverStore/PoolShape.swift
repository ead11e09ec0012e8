import Dispatch
import NIOConcurrencyHelpers
import NIOCore

/// How a connection pool with a total limit is laid out over event loops, for pools (like
/// AsyncKit's `EventLoopGroupConnectionPool`) that take one limit per loop: `loops × perLoop`
/// is exactly `total`. It uses as many loops as it can (the largest divisor of `total` that is
/// no more than the loops available), so that connections spread over threads; a total with no
/// such divisor but 1 (a prime above the core count) runs on one loop.
struct PoolShape: Equatable {
    var loops: Int
    var perLoop: Int

    init(total: Int, availableLoops: Int) {
        let total = max(1, total)
        let loops = (1...max(1, min(total, availableLoops))).last { total % $0 == 0 } ?? 1
        self.loops = loops
        self.perLoop = total / loops
    }

    init(loops: Int, perLoop: Int) {
        self.loops = loops
        self.perLoop = perLoop
    }
}

/// Some loops of a larger group (the process's shared one), handed out in turn. It owns none of
/// them, so it refuses to shut them down; whoever owns the group does that.
final class EventLoopSubset: EventLoopGroup, Sendable {
    private let loops: [any EventLoop]
    private let turn = NIOLockedValueBox(0)

    init(_ loops: [any EventLoop]) {
        precondition(!loops.isEmpty, "an event loop subset needs at least one loop")
        self.loops = loops
    }

    func next() -> any EventLoop {
        loops[
            turn.withLockedValue { turn in
                defer { turn = (turn + 1) % loops.count }
                return turn
            }]
    }

    func makeIterator() -> EventLoopIterator {
        EventLoopIterator(loops)
    }

    func shutdownGracefully(queue: DispatchQueue, _ callback: @escaping @Sendable ((any Error)?) -> Void) {
        queue.async { callback(EventLoopError.unsupportedOperation) }
    }
}
