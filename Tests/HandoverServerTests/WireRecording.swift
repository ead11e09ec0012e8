import Foundation
import Hummingbird
import HummingbirdTesting
import HandoverWire
import NIOCore

/// Records the JSON responses API tests receive, for `scripts/wire-check`, which validates each
/// body against its operation's schema in openapi.json. On only when `HANDOVER_WIRE_RECORD`
/// names a file (`scripts/test` sets it); each response is appended to it as one JSON line.
struct WireRecordingClient: TestClientProtocol {
    let client: any TestClientProtocol

    /// `client` itself when recording is off.
    static func wrap(_ client: any TestClientProtocol) -> any TestClientProtocol {
        WireRecordFile.shared == nil ? client : WireRecordingClient(client: client)
    }

    var port: Int? { client.port }

    func executeRequest(uri: String, method: HTTPRequest.Method, headers: HTTPFields, body: ByteBuffer?) async throws -> TestResponse {
        let response = try await client.executeRequest(uri: uri, method: method, headers: headers, body: body)
        let contentType = response.headers[.contentType] ?? ""
        // SCIM (/scim/v2) is not part of openapi.json: its bodies are RFC 7643's, checked by ScimTests.
        if method != .head, WireRecordFile.isJSON(contentType), !uri.hasPrefix("/scim/"), let file = WireRecordFile.shared {
            file.append(
                WireRecord(
                    method: method.rawValue, uri: uri, status: Int(response.status.code), contentType: contentType,
                    body: String(decoding: response.body.readableBytesView, as: UTF8.self)))
        }
        return response
    }
}

/// One line of the record file.
struct WireRecord: Codable {
    var method: String
    /// As requested: path and query.
    var uri: String
    var status: Int
    var contentType: String
    /// The body as received, not re-encoded: the checker parses it itself.
    var body: String
}

/// The record file, appended to by every test in the process at once. Each record is one
/// `write(2)` of a whole line to a descriptor opened with O_APPEND, under a lock: lines never
/// interleave, whichever test finishes first.
final class WireRecordFile: @unchecked Sendable {
    static let shared: WireRecordFile? = {
        guard let path = ProcessInfo.processInfo.environment["HANDOVER_WIRE_RECORD"], !path.isEmpty else { return nil }
        let descriptor = open(path, O_WRONLY | O_APPEND | O_CREAT, 0o644)
        precondition(descriptor >= 0, "HANDOVER_WIRE_RECORD=\(path) cannot be opened for appending (errno \(errno))")
        return WireRecordFile(descriptor: descriptor)
    }()

    private let descriptor: Int32
    private let lock = NSLock()

    private init(descriptor: Int32) { self.descriptor = descriptor }

    static func isJSON(_ contentType: String) -> Bool {
        let type = contentType.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        return type == "application/json" || type.hasSuffix("+json")
    }

    func append(_ record: WireRecord) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]  // never pretty: one record, one line
        guard var line = try? encoder.encode(record) else { return }
        line.append(UInt8(ascii: "\n"))
        lock.lock()
        defer { lock.unlock() }
        line.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    preconditionFailure("writing the wire record failed (errno \(errno))")
                }
                offset += written
            }
        }
    }
}
