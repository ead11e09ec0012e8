import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverWire
import NIOCore
import NIOHTTP1

/// Attachments: uploads streamed from a file and downloads streamed to one, so neither side
/// holds a whole video in memory.
extension HandoverAPIClient {
    /// POSTs the file at `path` to `/api/v1/{handovers|accounts}/{id}/attachments?name=…`,
    /// reporting bytes sent to `progress` as it goes.
    public func upload(
        file path: String, name: String, to owner: AttachmentOwner, progress: (@Sendable (Int64, Int64) -> Void)? = nil
    ) async throws -> Reply<Attachment> {
        let base: String
        switch owner {
        case .handover(let id): base = "/api/v1/handovers/\(id)/attachments"
        case .account(let id): base = "/api/v1/accounts/\(id)/attachments"
        }
        return try await uploadFile(path, to: base, query: [URLQueryItem(name: "name", value: name)], progress: progress)
    }

    /// POSTs the file at `path` as the raw body of `endpoint?query`, streamed from disk.
    func uploadFile<T: Decodable & Sendable>(
        _ path: String, to endpoint: String, query items: [URLQueryItem], progress: (@Sendable (Int64, Int64) -> Void)?, as type: T.Type = T.self
    ) async throws -> Reply<T> {
        let attributes = try FileManager.default.attributesOfItem(atPath: path)
        let size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ClientError.unexpected("cannot read \(path)") }
        defer { try? handle.close() }
        var query = URLComponents()
        query.queryItems = items
        let encoded = (query.percentEncodedQuery ?? "").replacingOccurrences(of: "+", with: "%2B")
        var request = HTTPClientRequest(url: server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + endpoint + "?" + encoded)
        request.method = .POST
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "Content-Type", value: "application/octet-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        request.body = .stream(FileChunks(handle: handle, total: size, progress: progress), length: .known(size))
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            // Long enough for a large file over a slow link; the server answers early on a refusal.
            response = try await http.execute(request, timeout: .hours(2))
            bytes = try await response.body.collect(upTo: 4 << 20)
        } catch {
            throw ClientError.unreachable(server: server.absoluteString, reason: "\(error)")
        }
        return try decodeReply(status: Int(response.status.code), reason: response.status.reasonPhrase, data: Data(bytes.readableBytesView), etag: nil)
    }

    /// Streams an attachment's content to `write`, chunk by chunk; returns its metadata first read.
    public func download(attachmentID: String, to write: (ByteBuffer) throws -> Void) async throws {
        var request = HTTPClientRequest(
            url: server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + "/api/v1/attachments/\(attachmentID)/content")
        request.method = .GET
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .hours(2))
        } catch {
            throw ClientError.unreachable(server: server.absoluteString, reason: "\(error)")
        }
        guard response.status == .ok else {
            let data = Data((try? await response.body.collect(upTo: 1 << 20))?.readableBytesView ?? ByteBuffer().readableBytesView)
            _ = try decodeReply(status: Int(response.status.code), reason: response.status.reasonPhrase, data: data, etag: nil) as Reply<EmptyReply>
            throw ClientError.unexpected("the server answered \(response.status.code) to the download")
        }
        for try await chunk in response.body { try write(chunk) }
    }

    /// A reply from its status and body: the value, or the problem the server sent.
    func decodeReply<T: Decodable & Sendable>(status: Int, reason: String, data: Data, etag: String?) throws -> Reply<T> {
        guard (200..<300).contains(status) else {
            let problem = try? WireJSON.decoder.decode(ProblemDetails.self, from: data)
            if status == 401 {
                throw ClientError.unauthorized(
                    problem ?? ProblemDetails(type: "https://handover.dev/problems/unauthorized", title: "Not signed in", status: 401, detail: "Not signed in."))
            }
            throw ClientError.problem(
                status: status,
                problem: problem ?? ProblemDetails(type: "about:blank", title: reason, status: status, detail: String(decoding: data.prefix(500), as: UTF8.self)))
        }
        if T.self == EmptyReply.self { return Reply(value: EmptyReply() as! T, json: data, etag: etag) }
        do {
            return Reply(value: try WireJSON.decoder.decode(T.self, from: data), json: data, etag: etag)
        } catch {
            throw ClientError.unexpected("the server's answer could not be read: \(error)")
        }
    }
}

/// A file read in 256 kB chunks, as an upload body.
struct FileChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let handle: FileHandle
    let total: Int64
    let progress: (@Sendable (Int64, Int64) -> Void)?

    struct AsyncIterator: AsyncIteratorProtocol {
        let handle: FileHandle
        let total: Int64
        let progress: (@Sendable (Int64, Int64) -> Void)?
        var sent: Int64 = 0

        mutating func next() async throws -> ByteBuffer? {
            let data = try handle.read(upToCount: 256 * 1024) ?? Data()
            if data.isEmpty { return nil }
            sent += Int64(data.count)
            progress?(sent, total)
            return ByteBuffer(bytes: data)
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(handle: handle, total: total, progress: progress) }
}
