import Foundation
import HandoverCore
import HandoverServices
import Hummingbird
import HTTPTypes
import Logging

/// The outermost middleware: gives the request its id and, when the answer is ready, logs one
/// line: method, route template (never the path itself, which holds ids), status, duration,
/// request id and member id. Never a header, a query, a body, a token or a password.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppContext
    static let header = HTTPField.Name("X-Request-Id")!
    /// Where each request is counted and timed too (by route template and status).
    let metrics: ServerMetrics?

    func handle(_ request: Request, context: AppContext, next: (Request, AppContext) async throws -> Response) async throws -> Response {
        var context = context
        // A caller's own id is kept if it is tidy, so a client can follow its request through.
        context.requestID =
            request.headers[Self.header].flatMap { $0.count <= 64 && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") } ? $0 : nil }
            ?? Secrets.newID()
        let start = ContinuousClock.now
        do {
            var response = try await next(request, context)
            response.headers[Self.header] = context.requestID
            log(request, context, status: Int(response.status.code), since: start)
            return response
        } catch {
            log(request, context, status: Int((error as? any HTTPResponseError)?.status.code ?? 500), since: start)
            throw error
        }
    }

    private func log(_ request: Request, _ context: AppContext, status: Int, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        metrics?.recordRequest(method: request.method.rawValue, route: context.endpointPath ?? "unmatched", status: status, duration: elapsed)
        let level: Logger.Level = status >= 500 ? .error : .info
        guard context.logger.logLevel <= level else { return }
        let milliseconds = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
        var metadata: Logger.Metadata = [
            "method": "\(request.method.rawValue)",
            "route": "\(context.endpointPath ?? "unmatched")",
            "status": "\(status)",
            "duration_ms": "\(String(format: "%.2f", milliseconds))",
            "request_id": "\(context.requestID)",
        ]
        if let member = context.notes.memberID { metadata["member_id"] = "\(member)" }
        context.logger.log(level: level, "request", metadata: metadata)
    }
}

/// How the server logs: `HANDOVER_LOG_LEVEL` (trace … critical, default info) and
/// `HANDOVER_LOG_FORMAT` (`text`, the default, or `json`: one object per line).
public struct LogSettings: Sendable, Equatable {
    public var level: Logger.Level = .info
    public var json = false

    public init() {}

    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> LogSettings {
        var settings = LogSettings()
        if let text = environment["HANDOVER_LOG_LEVEL"], !text.isEmpty {
            guard let level = Logger.Level(rawValue: text.lowercased()) else {
                throw ConfigurationError("HANDOVER_LOG_LEVEL must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")), got \"\(text)\"")
            }
            settings.level = level
        }
        if let text = environment["HANDOVER_LOG_FORMAT"], !text.isEmpty {
            guard ["text", "json"].contains(text.lowercased()) else { throw ConfigurationError("HANDOVER_LOG_FORMAT must be text or json, got \"\(text)\"") }
            settings.json = text.lowercased() == "json"
        }
        return settings
    }

    /// A log handler for `label` with these settings, writing to standard error.
    public func handler(label: String) -> any LogHandler {
        var handler: any LogHandler = json ? JSONLogHandler(label: label) : StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
}

/// One JSON object per line on standard error: `time`, `level`, `label`, `message` and the
/// metadata's keys, for log collectors.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public let label: String

    public init(label: String) {
        self.label = label
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        FileHandle.standardError.write(
            Self.line(
                level: event.level, message: event.message, label: label,
                metadata: metadata.merging(event.metadata ?? [:]) { $1 }))
    }

    static func line(level: Logger.Level, message: Logger.Message, label: String, metadata: Logger.Metadata, at time: Date = Date()) -> Data {
        var object: [String: String] = ["time": Timestamp.format(time), "level": level.rawValue, "label": label, "message": message.description]
        for (key, value) in metadata where object[key] == nil { object[key] = "\(value)" }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = (try? encoder.encode(object)) ?? Data(#"{"message":"unloggable"}"#.utf8)
        data.append(UInt8(ascii: "\n"))
        return data
    }
}
