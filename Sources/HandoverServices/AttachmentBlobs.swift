import Crypto
import Foundation
import HandoverCore
import HandoverStore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where attachments' bytes live: `<directory>/sha256/ab/cdef…`, one file per content, named by its
/// SHA-256. An upload is written to `<directory>/tmp/` while it is hashed and counted, then renamed
/// into place (same folder tree, so the rename is atomic): a reader never sees half a file, the
/// same content is stored once, and the whole upload is never in memory.
public struct AttachmentBlobs: Sendable {
    public let directory: String

    public init(directory: String) {
        self.directory = directory
    }

    public func path(sha256: String) -> String {
        "\(directory)/sha256/\(sha256.prefix(2))/\(sha256.dropFirst(2))"
    }

    var temporaryDirectory: String { directory + "/tmp" }

    /// An upload written so far: its temporary file, digest and size, and its first bytes (for sniffing).
    public struct Received: Sendable {
        public var temporaryPath: String
        public var sha256: String
        public var size: Int64
        public var head: [UInt8]
    }

    /// The upload went over `limit` bytes: reading stopped and nothing was kept.
    public struct TooLarge: Error, Sendable {
        public var limit: Int64
    }

    /// Streams `body` into a new temporary file, hashing and counting. Over `limit` bytes it stops
    /// reading and deletes the file; on any error (the client went away, the disk is full) too.
    public func receive<S: AsyncSequence>(_ body: S, limit: Int64) async throws -> Received where S.Element: Collection, S.Element.Element == UInt8 {
        try PrivateFiles.prepareDirectory(directory)
        try PrivateFiles.prepareDirectory(temporaryDirectory)
        let path = temporaryDirectory + "/upload-" + UUID().uuidString
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, PrivateFiles.fileMode)
        guard descriptor >= 0 else { throw StoreError.configuration("cannot create \(path): \(String(cString: strerror(errno)))") }
        var closed = false
        var kept = false
        defer {
            if !closed { close(descriptor) }
            if !kept { unlink(path) }
        }
        var hasher = SHA256()
        var size: Int64 = 0
        var head: [UInt8] = []
        for try await chunk in body {
            size += Int64(chunk.count)
            if size > limit { throw TooLarge(limit: limit) }
            let written: Void? = try chunk.withContiguousStorageIfAvailable { bytes in
                try Self.writeAll(UnsafeRawBufferPointer(bytes), to: descriptor, path: path)
                hasher.update(bufferPointer: UnsafeRawBufferPointer(bytes))
                if head.count < AttachmentType.sniffLength { head += bytes.prefix(AttachmentType.sniffLength - head.count) }
            }
            if written == nil {
                let bytes = Array(chunk)
                try bytes.withUnsafeBytes { try Self.writeAll($0, to: descriptor, path: path) }
                hasher.update(data: bytes)
                if head.count < AttachmentType.sniffLength { head += bytes.prefix(AttachmentType.sniffLength - head.count) }
            }
        }
        closed = true
        guard close(descriptor) == 0 else { throw StoreError.configuration("cannot write \(path): \(String(cString: strerror(errno)))") }
        kept = true
        return Received(temporaryPath: path, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined(), size: size, head: head)
    }

    static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let result = write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw StoreError.configuration("cannot write \(path): \(String(cString: strerror(errno)))") }
            offset += result
        }
    }

    /// Renames the upload into place. The same content may already be there: rename replaces it
    /// with identical bytes, atomically, so a concurrent reader sees one or the other.
    public func place(_ received: Received) throws {
        let target = path(sha256: received.sha256)
        try PrivateFiles.prepareDirectory((target as NSString).deletingLastPathComponent)
        guard rename(received.temporaryPath, target) == 0 else {
            throw StoreError.configuration("cannot store the attachment at \(target): \(String(cString: strerror(errno)))")
        }
    }

    public func discard(_ received: Received) {
        unlink(received.temporaryPath)
    }

    public func remove(sha256: String) {
        unlink(path(sha256: sha256))
    }

    /// Deletes temporary files untouched for `age` (uploads cut off by a crash): an upload still
    /// running touches its file with every chunk, so another replica's is left alone.
    public func sweep(olderThan age: TimeInterval, now: Date = Date()) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory) else { return }
        for name in names where name.hasPrefix("upload-") {
            let file = temporaryDirectory + "/" + name
            if let modified = (try? FileManager.default.attributesOfItem(atPath: file))?[.modificationDate] as? Date, now.timeIntervalSince(modified) > age {
                unlink(file)
            }
        }
    }

    /// Temporary files now (tests check that a refused upload left none).
    public func temporaryFiles() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: temporaryDirectory)) ?? []).filter { $0.hasPrefix("upload-") }
    }

    /// The credentials in a text file, each named by its line ("line 12"), never with the value.
    /// Read a block of lines at a time (about 1 MB), so a large text file is not held whole.
    public static func credentialFindings(inTextFile path: String) throws -> [CredentialFinding] {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw StoreError.configuration("cannot read \(path)") }
        defer { try? handle.close() }
        var findings: [CredentialFinding] = []
        var carry: [UInt8] = []
        var line = 1
        func scan(_ block: [UInt8]) {
            let text = String(decoding: block, as: UTF8.self)
            if CredentialDetector.firstMatch(in: text) != nil {
                var found = false
                for (offset, piece) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                    if let match = CredentialDetector.firstMatch(in: String(piece)) {
                        findings.append(CredentialFinding(path: "line \(line + offset)", kind: match.kind))
                        found = true
                    }
                }
                // A shape across lines (a PEM block): named by the block's first line.
                if !found, let match = CredentialDetector.firstMatch(in: text) { findings.append(CredentialFinding(path: "line \(line)", kind: match.kind)) }
            }
            line += block.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
        }
        while findings.count < 20 {
            let data = handle.readData(ofLength: 1 << 20)
            if data.isEmpty { break }
            carry += data
            // Up to the last newline; the rest waits for the next read.
            guard let cut = carry.lastIndex(of: 0x0A) else {
                // One very long line: scanned in pieces rather than held whole.
                if carry.count > 4 << 20 {
                    scan(carry)
                    carry = []
                }
                continue
            }
            scan(Array(carry[...cut]))
            carry.removeSubrange(...cut)
        }
        if !carry.isEmpty && findings.count < 20 { scan(carry) }
        return findings
    }
}
