import AsyncHTTPClient
import Foundation
import HandoverCore
import NIOCore
import NIOHTTP1

/// A client of the Handover JSON API over HTTP, for the CLI and the benchmark.
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

    public func send<T: Decodable & Sendable>(_ method: HTTPMethod, _ path: String, json body: some Encodable,
                                              ifMatch: String? = nil, as type: T.Type = T.self) async throws -> Reply<T> {
        let data = try JSONEncoder().encode(body)
        return try await send(method, path, body: data, ifMatch: ifMatch, as: type)
    }

    public func send<T: Decodable & Sendable>(_ method: HTTPMethod, _ path: String, body: Data?,
                                              ifMatch: String? = nil, as type: T.Type = T.self) async throws -> Reply<T> {
        let url = server.absoluteString.trimmingCharacters(in: CharacterSet(charactersIn: "/")) + path
        var request = HTTPClientRequest(url: url)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let ifMatch { request.headers.add(name: "If-Match", value: ifMatch) }
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
            let problem = try? JSONDecoder().decode(ClientProblem.self, from: data)
            if response.status.code == 401 {
                throw ClientError.unauthorized(problem?.detail ?? "not signed in")
            }
            throw ClientError.problem(status: Int(response.status.code), problem: problem ?? ClientProblem(title: response.status.reasonPhrase, status: Int(response.status.code), detail: String(decoding: data.prefix(500), as: UTF8.self)))
        }
        let value: T
        if T.self == EmptyReply.self {
            value = EmptyReply() as! T
        } else {
            do {
                value = try Self.decoder.decode(T.self, from: data)
            } catch {
                throw ClientError.unexpected("the server's answer to \(method) \(path) could not be read: \(error)")
            }
        }
        return Reply(value: value, json: data, etag: response.headers.first(name: "ETag"))
    }

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .custom { decoder in
            let container = try decoder.singleValueContainer()
            let text = try container.decode(String.self)
            if let date = try? Date(text, strategy: .iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)) { return date }
            if let date = try? Date(text, strategy: .iso8601) { return date }
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "not an ISO 8601 date: \(text)")
        }
        return decoder
    }()
}

/// A reply without a body (204).
public struct EmptyReply: Decodable, Sendable {
    public init() {}
}

/// A list reply: `{"items": […]}`.
public struct ItemList<Item: Decodable & Sendable>: Decodable, Sendable {
    public var items: [Item]
}

/// The problem details the server answers errors with.
public struct ClientProblem: Decodable, Sendable, Hashable {
    public var title: String
    public var status: Int
    public var detail: String
    public var errors: [Problem]?
    public var findings: [Finding]?
    public var score: Int?

    public init(title: String, status: Int, detail: String, errors: [Problem]? = nil, findings: [Finding]? = nil, score: Int? = nil) {
        self.title = title
        self.status = status
        self.detail = detail
        self.errors = errors
        self.findings = findings
        self.score = score
    }
}

/// What went wrong talking to the server, phrased as advice.
public enum ClientError: Error, Sendable, CustomStringConvertible {
    case unreachable(server: String, reason: String)
    case unauthorized(String)
    case problem(status: Int, problem: ClientProblem)
    case unexpected(String)

    public var description: String {
        switch self {
        case .unreachable(let server, _):
            return "Cannot reach the Handover server at \(server). Is it running ('handover serve')? Check --server or HANDOVER_SERVER."
        case .unauthorized(let detail):
            return "Not signed in: \(detail)\nSign in with 'handover login --server URL --email YOU', or set HANDOVER_TOKEN."
        case .problem(_, let problem):
            var lines = ["\(problem.title): \(problem.detail)"]
            for error in problem.errors ?? [] { lines.append("  - \(error)") }
            if let findings = problem.findings {
                if let score = problem.score { lines.append("Lint score \(score)/100. Findings:") }
                for finding in findings { lines.append("  - \(finding.severity.rawValue.uppercased()) \(finding.path): \(finding.message)") }
            }
            return lines.joined(separator: "\n")
        case .unexpected(let text):
            return text
        }
    }
}
