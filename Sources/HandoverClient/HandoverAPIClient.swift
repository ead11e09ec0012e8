import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverWire
import NIOCore
import NIOHTTP1

/// A client of the Handover JSON API over HTTP, for the CLI and the benchmark. Bodies are
/// HandoverWire's types (or the domain types the API sends as they are), written and read with
/// `WireJSON`, the configuration the server uses.
public struct HandoverAPIClient: Sendable {
    public var server: URL
    public var token: String?
    let http: HTTPClient

    public init(server: URL, token: String?, http: HTTPClient = .shared) {
        self.server = server
        self.token = token
        self.http = http
    }

    /// A response: the decoded value, the raw JSON and the ETag.
    public struct Reply<T: Sendable>: Sendable {
        public var value: T
        public var json: Data
        public var etag: String?
    }

    public func get<T: Decodable & Sendable>(_ path: String, as type: T.Type = T.self) async throws -> Reply<T> {
        try await send(.GET, path, body: Optional<Data>.none, as: type)
    }

    public func send<T: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, json body: some Encodable,
        ifMatch: String? = nil, as type: T.Type = T.self
    ) async throws -> Reply<T> {
        let data = try WireJSON.encoder.encode(body)
        return try await send(method, path, body: data, ifMatch: ifMatch, as: type)
    }

    public func send<T: Decodable & Sendable>(
        _ method: HTTPMethod, _ path: String, body: Data?,
        ifMatch: String? = nil, headers extra: [(name: String, value: String)] = [], as type: T.Type = T.self
    ) async throws -> Reply<T> {
        let url = server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
        for header in extra { request.headers.add(name: header.name, value: header.value) }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        let response: HTTPClientResponse
        let bytes: ByteBuffer
        do {
            response = try await http.execute(request, timeout: .seconds(30))
            bytes = try await response.body.collect(upTo: 64 << 20)
        } catch {
            throw ClientError.unreachable(server: server.absoluteString, reason: "\(error)")
        }
        let data = Data(bytes.readableBytesView)
        guard (200..<300).contains(response.status.code) else {
            let status = Int(response.status.code)
            let problem = try? WireJSON.decoder.decode(ProblemDetails.self, from: data)
            if status == 401 {
                throw ClientError.unauthorized(
                    problem ?? ProblemDetails(type: "https://handover.dev/problems/unauthorized", title: "Not signed in", status: 401, detail: "Not signed in."))
            }
            // Not a problem document (a proxy's error page, say): show the start of what came.
            throw ClientError.problem(
                status: status,
                problem: problem
                    ?? ProblemDetails(
                        type: "about:blank", title: response.status.reasonPhrase, status: status,
                        detail: String(decoding: data.prefix(500), as: UTF8.self)))
        }
        let value: T
        if T.self == EmptyReply.self {
            value = EmptyReply() as! T
        } else {
            do {
                value = try WireJSON.decoder.decode(T.self, from: data)
            } catch {
                throw ClientError.unexpected("the server's answer to \(method) \(path) could not be read: \(error)")
            }
        }
        return Reply(value: value, json: data, etag: response.headers.first(name: "ETag"))
    }
}

/// A reply without a body (204).
public struct EmptyReply: Decodable, Sendable {
    public init() {}
}

/// What went wrong talking to the server, phrased as advice.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    case unreachable(server: String, reason: String)
    /// The server's 401 problem document (or one like it, when a proxy answered).
    case unauthorized(ProblemDetails)
    case problem(status: Int, problem: ProblemDetails)
    case unexpected(String)

    /// The problem document the server sent, when it sent one.
    public var problem: ProblemDetails? {
        switch self {
        case .unauthorized(let problem), .problem(_, let problem): problem
        case .unreachable, .unexpected: nil
        }
    }

    public var description: String {
        switch self {
        case .unreachable(let server, _):
            return "Cannot reach the Handover server at \(server). Is it running ('handover serve')? Check --server or HANDOVER_SERVER."
        case .unauthorized(let problem):
            let detail = problem.detail.hasSuffix(".") ? problem.detail : problem.detail + "."
            return "\(detail) Sign in with 'handover login --server URL --email YOU', or set HANDOVER_TOKEN."
        case .problem(_, let problem):
            // The title only when the detail does not already say it ("Invalid input: Invalid input: …"),
            // and the one field problem only when the detail does not already name it.
            let repeats = problem.detail.range(of: problem.title, options: .caseInsensitive) != nil
            var lines = [repeats ? problem.detail : "\(problem.title): \(problem.detail)"]
            let errors = problem.errors ?? []
            let named = errors.count == 1 && problem.errorCount ?? 1 == 1 && problem.detail.contains(errors[0].description)
            for error in named ? [] : errors { lines.append("  - \(error)") }
            if let errors = problem.errors, let count = problem.errorCount, count > errors.count { lines.append("  … and \(count - errors.count) more") }
            if let findings = problem.findings {
                if let score = problem.score { lines.append("Lint score \(score)/100. Findings:") }
                for finding in findings { lines.append("  - \(finding.severity.rawValue.uppercased()) \(finding.place): \(finding.message)") }
                if let count = problem.findingCount, count > findings.count { lines.append("  … and \(count - findings.count) more") }
            }
            if let open = problem.openHandoverID { lines.append("The open handover: \(open) ('handover show \(open)').") }
            return lines.joined(separator: "\n")
        case .unexpected(let text):
            return text
        }
    }
}
