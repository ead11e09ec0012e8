import Synchronization
import Testing

@testable import HandoverServices

/// An upload's "row, then file" and a delete's "still used? then unlink" of the same content
/// must not interleave (AttachmentService): bodies under one digest run one at a time, and
/// different digests do not wait for each other.
@Suite struct BlobLocksTests {
    final class Gauge: Sendable {
        private let state = Mutex((now: 0, most: 0))
        func enter() {
            state.withLock {
                $0.now += 1; $0.most = max($0.most, $0.now)
            }
        }
        func leave() { state.withLock { $0.now -= 1 } }
        var most: Int { state.withLock { $0.most } }
    }

    func run(_ digests: [String]) async throws -> Int {
        let locks = BlobLocks()
        let gauge = Gauge()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for digest in digests {
                group.addTask {
                    try await locks.withLock(digest) {
                        gauge.enter()
                        try await Task.sleep(for: .milliseconds(2))
                        gauge.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        return gauge.most
    }

    @Test func oneDigestAtATimeAndOthersAlongside() async throws {
        #expect(try await run(Array(repeating: "ab12", count: 40)) == 1)
        #expect(try await run((0..<40).map { "digest-\($0)" }) > 1)
    }

    @Test func aThrowingBodyReleasesTheLock() async throws {
        let locks = BlobLocks()
        struct Boom: Error {}
        await #expect(throws: Boom.self) { try await locks.withLock("x") { throw Boom() } }
        // Would wait forever if the lock were still held.
        #expect(try await locks.withLock("x") { 7 } == 7)
    }
}
