/// One lock per content digest, in this process. An upload's "row, then file" and a delete's
/// "is the content still used? then unlink" take the digest's lock, so a delete never unlinks a
/// file that an upload of the same bytes has just recorded and put in place. Replicas sharing
/// one attachments folder (PostgreSQL) are not covered by it: there a delete racing an upload of
/// the same bytes on another replica can still remove the file (Docs/Attachments.md).
actor BlobLocks {
    private var waiting: [String: [CheckedContinuation<Void, Never>]] = [:]

    func withLock<T: Sendable>(_ digest: String, _ body: @Sendable () async throws -> T) async throws -> T {
        await lock(digest)
        do {
            let result = try await body()
            unlock(digest)
            return result
        } catch {
            unlock(digest)
            throw error
        }
    }

    private func lock(_ digest: String) async {
        guard waiting[digest] != nil else {
            waiting[digest] = []
            return
        }
        await withCheckedContinuation { waiting[digest, default: []].append($0) }
    }

    private func unlock(_ digest: String) {
        guard var queue = waiting[digest], !queue.isEmpty else {
            waiting[digest] = nil
            return
        }
        let next = queue.removeFirst()
        waiting[digest] = queue
        next.resume()
    }
}
