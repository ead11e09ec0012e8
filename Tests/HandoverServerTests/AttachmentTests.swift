import AsyncHTTPClient
import Crypto
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import HandoverTestSupport
import HandoverWire
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

/// Attachments over the API, on both engines: uploads stored once per content and typed by their
/// bytes; downloads with ranges; the size limit (with and without Content-Length) and the
/// credential scanner refusing with nothing left behind; who may read, add and delete.
@Suite struct AttachmentTests {
    typealias Client = any TestClientProtocol
    /// Ours, not Swift Testing's.
    typealias Attachment = HandoverCore.Attachment

    /// A fixture whose blob folder is fresh, with `limit` bytes per upload.
    static func fixture(_ engine: String, limit: Int64 = 1_000_000) async throws -> (APIFixture, AttachmentBlobs) {
        let folder = NSTemporaryDirectory() + "handover-attach-test-" + UUID().uuidString
        let f = try await APIFixture.make(engine) {
            $0.attachmentsDirectory = folder
            $0.attachmentMaxBytes = limit
        }
        return (f, AttachmentBlobs(directory: folder))
    }

    static func upload(
        _ client: Client, _ f: APIFixture, _ path: String, name: String, bytes: [UInt8], as member: Member, contentLength: Bool = true,
        expect status: HTTPResponse.Status, _ comment: String = ""
    ) async throws -> TestResponse {
        var headers = f.headers(member, json: false)
        headers[.contentType] = "text/html"  // a claim the server must not believe
        if contentLength { headers[.contentLength] = String(bytes.count) }
        let encoded = name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? name
        return try await client.execute(uri: "\(path)?name=\(encoded)", method: .post, headers: headers, body: ByteBuffer(bytes: bytes)) { r in
            #expect(r.status == status, "upload \(name) as \(member.name) \(comment): \(String(buffer: r.body))")
            return r
        }
    }

    static func get(_ client: Client, _ f: APIFixture, _ uri: String, as member: Member, range: String? = nil, expect status: HTTPResponse.Status) async throws
        -> TestResponse
    {
        var headers = f.headers(member, json: false)
        if let range { headers[.range] = range }
        return try await client.execute(uri: uri, method: .get, headers: headers) { r in
            #expect(r.status == status, "GET \(uri) \(range ?? "") as \(member.name): \(String(buffer: r.body).prefix(300))")
            return r
        }
    }

    static let png: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A] + Array(0..<200).map { UInt8($0) }

    static func hex(_ bytes: [UInt8]) -> String { SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined() }

    static func blobFiles(_ blobs: AttachmentBlobs) -> [String] {
        let root = blobs.directory + "/sha256"
        return (FileManager.default.enumerator(atPath: root)?.allObjects as? [String] ?? []).filter {
            var folder: ObjCBool = false
            return FileManager.default.fileExists(atPath: root + "/" + $0, isDirectory: &folder) && !folder.boolValue
        }
    }

    @Test(arguments: TestDatabases.engines) func uploadListAndDownloadWithRanges(engine: String) async throws {
        let (f, blobs) = try await Self.fixture(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        try await f.test { client in
            let made = try await Self.upload(
                client, f, "/api/v1/handovers/\(handover.id)/attachments", name: "Diagram ü.png", bytes: Self.png, as: f.org.alice, expect: .created
            )
            .decode(Attachment.self)
            #expect(made.mediaType == "image/png" && made.size == Int64(Self.png.count) && made.sha256 == Self.hex(Self.png))
            #expect(made.name == "Diagram ü.png" && made.handoverID == handover.id && made.uploaderID == f.org.alice.id)
            #expect(FileManager.default.fileExists(atPath: blobs.path(sha256: made.sha256)))
            #expect(blobs.path(sha256: made.sha256).hasSuffix("/sha256/\(made.sha256.prefix(2))/\(made.sha256.dropFirst(2))"))

            // The recipient reads the list, the details and the bytes.
            let list = try await Self.get(client, f, "/api/v1/handovers/\(handover.id)/attachments", as: f.org.bob, expect: .ok).decode(ListResponse<Attachment>.self)
            #expect(list.items.map(\.id) == [made.id])
            #expect(try await Self.get(client, f, "/api/v1/attachments/\(made.id)", as: f.org.bob, expect: .ok).decode(Attachment.self) == made)
            let content = "/api/v1/attachments/\(made.id)/content"
            let whole = try await Self.get(client, f, content, as: f.org.bob, expect: .ok)
            #expect(Array(whole.body.readableBytesView) == Self.png)
            #expect(whole.headers[.contentType] == "image/png" && whole.headers[.eTag] == "\"\(made.sha256)\"" && whole.headers[.acceptRanges] == "bytes")
            #expect(whole.headers[.xContentTypeOptions] == "nosniff" && whole.headers[.contentSecurityPolicy]?.contains("default-src 'none'") == true)
            #expect(whole.headers[.contentDisposition]?.hasPrefix("inline;") == true)
            #expect(whole.headers[.contentDisposition]?.contains("filename*=UTF-8''Diagram%20%C3%BC.png") == true)

            // Single ranges: exact bytes and Content-Range.
            let n = Self.png.count
            for (header, expected, range) in [
                ("bytes=2-5", Array(Self.png[2...5]), "bytes 2-5/\(n)"), ("bytes=200-", Array(Self.png[200...]), "bytes 200-\(n - 1)/\(n)"),
                ("bytes=-3", Array(Self.png.suffix(3)), "bytes \(n - 3)-\(n - 1)/\(n)"), ("bytes=0-99999", Self.png, "bytes 0-\(n - 1)/\(n)"),
            ] {
                let part = try await Self.get(client, f, content, as: f.org.bob, range: header, expect: .partialContent)
                #expect(Array(part.body.readableBytesView) == expected, "\(header)")
                #expect(part.headers[.contentRange] == range, "\(header)")
            }
            let outside = try await Self.get(client, f, content, as: f.org.bob, range: "bytes=\(n)-", expect: .rangeNotSatisfiable)
            #expect(outside.headers[.contentRange] == "bytes */\(n)")
            // Several ranges: the whole file (documented).
            let several = try await Self.get(client, f, content, as: f.org.bob, range: "bytes=0-1,4-5", expect: .ok)
            #expect(Array(several.body.readableBytesView) == Self.png)
            var conditional = f.headers(f.org.bob, json: false)
            conditional[.ifNoneMatch] = "\"\(made.sha256)\""
            try await client.execute(uri: content, method: .get, headers: conditional) { #expect($0.status == .notModified) }
        }
    }

    @Test(arguments: TestDatabases.engines) func sameContentIsStoredOnceAndLeavesWithItsLastAttachment(engine: String) async throws {
        let (f, blobs) = try await Self.fixture(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        // Content of its own: the "in use" check spans every organization in the database, and
        // other tests share PostgreSQL's.
        let bytes = Self.png + Array(UUID().uuidString.utf8)
        try await f.test { client in
            let path = "/api/v1/accounts/\(account.id)/attachments"
            let first = try await Self.upload(client, f, path, name: "a.png", bytes: bytes, as: f.org.alice, expect: .created).decode(Attachment.self)
            let second = try await Self.upload(client, f, path, name: "b.png", bytes: bytes, as: f.org.admin, expect: .created).decode(Attachment.self)
            #expect(first.id != second.id && first.sha256 == second.sha256)
            #expect(Self.blobFiles(blobs).count == 1)
            // Bob neither uploaded it nor is an admin; the auditor reads only.
            try await client.execute(uri: "/api/v1/attachments/\(first.id)", method: .delete, headers: f.headers(f.org.bob)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/attachments/\(first.id)", method: .delete, headers: f.headers(f.org.auditor)) { #expect($0.status == .forbidden) }
            try await client.execute(uri: "/api/v1/attachments/\(first.id)", method: .delete, headers: f.headers(f.org.alice)) { #expect($0.status == .noContent) }
            #expect(Self.blobFiles(blobs).count == 1, "the other attachment still uses the content")
            _ = try await Self.get(client, f, "/api/v1/attachments/\(first.id)", as: f.org.alice, expect: .notFound)
            let list = try await Self.get(client, f, path, as: f.org.alice, expect: .ok).decode(ListResponse<Attachment>.self)
            #expect(list.items.map(\.id) == [second.id])
            try await client.execute(uri: "/api/v1/attachments/\(second.id)", method: .delete, headers: f.headers(f.org.admin)) { #expect($0.status == .noContent) }
            #expect(Self.blobFiles(blobs).isEmpty)
            let entries = try await f.store.auditEntries(organizationID: f.org.organization.id, targets: ["account:\(account.id)"]).map(\.entry.action)
            #expect(entries.filter { $0.hasPrefix("attachment.") } == ["attachment.create", "attachment.create", "attachment.delete", "attachment.delete"])
        }
    }

    @Test(arguments: TestDatabases.engines) func anUploadOverTheLimitIsRefusedWithNothingLeft(engine: String) async throws {
        let (f, blobs) = try await Self.fixture(engine, limit: 1000)
        let account = try await f.org.account(f.org.alice, in: f.store)
        try await f.test { client in
            let path = "/api/v1/accounts/\(account.id)/attachments"
            let big = [UInt8](repeating: 0x41, count: 5000)
            for declared in [true, false] {
                let r = try await Self.upload(client, f, path, name: "big.bin", bytes: big, as: f.org.alice, contentLength: declared, expect: .contentTooLarge)
                #expect(r.problem?.detail.contains("at most 1000 bytes") == true)
            }
            #expect(blobs.temporaryFiles().isEmpty && Self.blobFiles(blobs).isEmpty)
            #expect(try await f.store.attachments(owner: .account(account.id), organizationID: f.org.organization.id).isEmpty)
            // At the limit exactly: stored.
            _ = try await Self.upload(client, f, path, name: "fits.bin", bytes: [UInt8](repeating: 0, count: 1000), as: f.org.alice, expect: .created)
        }
    }

    @Test(arguments: TestDatabases.engines) func aTextFileHoldingACredentialIsRefusedByLine(engine: String) async throws {
        let (f, blobs) = try await Self.fixture(engine, limit: 2 * AttachmentType.maxScannedBytes)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let key = "AKIA" + String((0..<16).map { _ in Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567").randomElement()! })
        try await f.test { client in
            let path = "/api/v1/accounts/\(account.id)/attachments"
            let text = "Runbook\n\nDeploy with:\naws_access_key_id = \(key)\nthen restart.\n"
            let r = try await Self.upload(client, f, path, name: "runbook.txt", bytes: Array(text.utf8), as: f.org.alice, expect: .unprocessableContent)
            let body = String(buffer: r.body)
            #expect(!body.contains(key))
            #expect(r.problem?.type.hasSuffix("/credential") == true)
            #expect(r.problem?.errors?.first?.path == "line 4", "\(body)")
            #expect(blobs.temporaryFiles().isEmpty && Self.blobFiles(blobs).isEmpty)
            #expect(try await f.store.attachments(owner: .account(account.id), organizationID: f.org.organization.id).isEmpty)
            // Clean text is stored as text/plain; SVG and HTML only ever download.
            let clean = try await Self.upload(client, f, path, name: "notes.txt", bytes: Array("Call Dana on Mondays.\n".utf8), as: f.org.alice, expect: .created)
            #expect(try clean.decode(Attachment.self).mediaType == "text/plain")
            for (name, markup, type) in [
                ("logo.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>", "image/svg+xml"),
                ("page.html", "<!DOCTYPE html><script>alert(1)</script>", "text/html"),
            ] {
                let made = try await Self.upload(client, f, path, name: name, bytes: Array(markup.utf8), as: f.org.alice, expect: .created).decode(Attachment.self)
                #expect(made.mediaType == type)
                let served = try await Self.get(client, f, "/api/v1/attachments/\(made.id)/content", as: f.org.alice, expect: .ok)
                #expect(served.headers[.contentDisposition]?.hasPrefix("attachment;") == true, "\(name)")
                #expect(served.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            }
            // Markup is text too: a key in an HTML or SVG file is refused like one in a .txt.
            let html = "<p>Deploy notes</p>\naws_access_key_id = \(key)\n"
            let refused = try await Self.upload(client, f, path, name: "notes.html", bytes: Array(html.utf8), as: f.org.alice, expect: .unprocessableContent)
            #expect(refused.problem?.type.hasSuffix("/credential") == true && !String(buffer: refused.body).contains(key))
            // Text past what the scanner reads is refused, saying why; nothing is left behind.
            let long = [UInt8](repeating: UInt8(ascii: "a"), count: Int(AttachmentType.maxScannedBytes) + 1)
            let tooLong = try await Self.upload(client, f, path, name: "big.log", bytes: long, as: f.org.alice, expect: .unprocessableContent)
            #expect(tooLong.problem?.errors?.first?.message.contains("checked for credentials") == true)
            #expect(blobs.temporaryFiles().isEmpty)
        }
    }

    @Test(arguments: TestDatabases.engines) func readersFollowTheHandoverAndOtherOrganizationsGet404(engine: String) async throws {
        let (f, _) = try await Self.fixture(engine)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let handover = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        try await f.test { client in
            let path = "/api/v1/handovers/\(handover.id)/attachments"
            let made = try await Self.upload(client, f, path, name: "a.png", bytes: Self.png, as: f.org.bob, expect: .created).decode(Attachment.self)
            // Another organization: 404 for every route, as for an id that does not exist.
            for uri in [path, "/api/v1/attachments/\(made.id)", "/api/v1/attachments/\(made.id)/content"] {
                _ = try await Self.get(client, f, uri, as: f.other.admin, expect: .notFound)
            }
            _ = try await Self.upload(client, f, path, name: "x.png", bytes: Self.png, as: f.other.admin, expect: .notFound)
            _ = try await Self.upload(client, f, "/api/v1/accounts/\(account.id)/attachments", name: "x.png", bytes: Self.png, as: f.other.alice, expect: .notFound)
            try await client.execute(uri: "/api/v1/attachments/\(made.id)", method: .delete, headers: f.headers(f.other.admin)) { #expect($0.status == .notFound) }
            // Carol is no party to the handover: she cannot see it or its files.
            _ = try await Self.get(client, f, "/api/v1/attachments/\(made.id)/content", as: f.org.carol, expect: .notFound)
            // Auditors read, never write; the manager of a party reads and adds.
            _ = try await Self.get(client, f, "/api/v1/attachments/\(made.id)/content", as: f.org.auditor, expect: .ok)
            _ = try await Self.upload(client, f, path, name: "x.png", bytes: Self.png, as: f.org.auditor, expect: .forbidden)
            _ = try await Self.upload(client, f, path, name: "m.png", bytes: Self.png, as: f.org.manager, expect: .created)
            // Accounts: only who steers it adds files; every member reads them.
            _ = try await Self.upload(client, f, "/api/v1/accounts/\(account.id)/attachments", name: "x.png", bytes: Self.png, as: f.org.carol, expect: .forbidden)
            // Bad names and an empty body: clear 4xx, nothing stored.
            for name in ["../etc/passwd", "a\u{1}b", String(repeating: "n", count: 201)] {
                _ = try await Self.upload(client, f, path, name: name, bytes: Self.png, as: f.org.bob, expect: .unprocessableContent, name)
            }
            try await client.execute(uri: path, method: .post, headers: f.headers(f.org.bob, json: false), body: ByteBuffer(bytes: Self.png)) {
                #expect($0.status == .badRequest)
            }
            _ = try await Self.upload(client, f, path, name: "empty.bin", bytes: [], as: f.org.bob, expect: .unprocessableContent)
            let list = try await Self.get(client, f, path, as: f.org.alice, expect: .ok).decode(ListResponse<Attachment>.self)
            #expect(list.items.count == 2)
        }
    }

    /// A 200 MB upload on loopback, streamed by a real HTTP client: the process (server and
    /// client both) must not grow by anything near the file's size. Also an upload cut off
    /// half-way leaves no row and no file.
    @Test func aLargeUploadStreamsInBoundedMemory() async throws {
        let (f, blobs) = try await Self.fixture("sqlite", limit: 300_000_000)
        let account = try await f.org.account(f.org.alice, in: f.store)
        let token = try #require(f.tokens[f.org.alice.id])
        try await f.test(.live) { client in
            let port = try #require(client.port)
            let size = 200 * 1_000_000
            let before = Self.residentBytes()
            let peak = PeakMemory()
            let sampler = Task { while !Task.isCancelled { peak.note(Self.residentBytes()); try? await Task.sleep(for: .milliseconds(20)) } }
            var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/accounts/\(account.id)/attachments?name=big.mp4")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.body = .stream(Chunks(total: size), length: .known(Int64(size)))
            let response = try await HTTPClient.shared.execute(request, timeout: .minutes(5))
            let body = try await response.body.collect(upTo: 1 << 20)
            sampler.cancel()
            #expect(response.status == .created, "\(String(buffer: body))")
            let growth = peak.value - before
            print("attachment upload: 200 MB streamed; resident memory grew by at most \(growth / 1_000_000) MB")
            #expect(growth < 60_000_000, "grew by \(growth) bytes")
            let made = try WireJSON.decoder.decode(Attachment.self, from: Data(body.readableBytesView))
            #expect(made.size == Int64(size) && made.mediaType == "video/mp4")
            #expect(blobs.temporaryFiles().isEmpty)

            // Cut off: the client promises more than it sends and goes away.
            var cut = HTTPClientRequest(url: "http://127.0.0.1:\(port)/api/v1/accounts/\(account.id)/attachments?name=cut.bin")
            cut.method = .POST
            cut.headers.add(name: "Authorization", value: "Bearer \(token)")
            cut.body = .stream(Chunks(total: 3_000_000, failAfter: 1_000_000), length: .known(Int64(5_000_000)))
            _ = try? await HTTPClient.shared.execute(cut, timeout: .seconds(30))
            for _ in 0..<100 where !blobs.temporaryFiles().isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            #expect(blobs.temporaryFiles().isEmpty)
            let names = try await f.store.attachments(owner: .account(account.id), organizationID: f.org.organization.id).map(\.name)
            #expect(names == ["big.mp4"])
        }
    }

    static func residentBytes() -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
        else { return 0 }
        return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
    }
}

final class PeakMemory: @unchecked Sendable {
    private let lock = NSLock()
    private var peak = 0
    func note(_ value: Int) { lock.withLock { peak = max(peak, value) } }
    var value: Int { lock.withLock { peak } }
}

/// `total` bytes in 256 kB chunks, starting like an MP4 (`ftyp`); throws after `failAfter` bytes.
struct Chunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let total: Int
    var failAfter: Int? = nil

    struct Cut: Error {}

    struct AsyncIterator: AsyncIteratorProtocol {
        let total: Int
        let failAfter: Int?
        var sent = 0
        mutating func next() async throws -> ByteBuffer? {
            if let failAfter, sent >= failAfter { throw Cut() }
            guard sent < total else { return nil }
            let count = Swift.min(256 * 1024, total - sent)
            var buffer = ByteBuffer(repeating: UInt8(truncatingIfNeeded: sent / 1000), count: count)
            if sent == 0 { buffer.setBytes([0, 0, 0, 0x18] + Array("ftypisom".utf8), at: 0) }
            sent += count
            return buffer
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(total: total, failAfter: failAfter) }
}
