import Foundation
import HandoverCore
@testable import HandoverServer
@testable import HandoverServices
import HandoverStore
import HandoverTestSupport
import Hummingbird
import HummingbirdTesting
import Logging
import NIOConcurrencyHelpers
import Testing

/// Log lines kept in memory, for tests.
final class CapturedLogs: Sendable {
    struct Line: Sendable { var level: Logger.Level; var message: String; var metadata: [String: String] }
    let lines = NIOLockedValueBox<[Line]>([])
    let level: Logger.Level

    init(level: Logger.Level = .info) { self.level = level }

    var logger: Logger {
        var logger = Logger(label: "test") { _ in Handler(box: self, logLevel: self.level) }
        logger.logLevel = level
        return logger
    }

    struct Handler: LogHandler {
        let box: CapturedLogs
        var logLevel: Logger.Level = .info
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }.mapValues { "\($0)" }
            box.lines.withLockedValue { $0.append(Line(level: event.level, message: event.message.description, metadata: all)) }
        }
    }
}

@Suite struct RequestLogTests {
    /// One line per request with method, route template, status, duration, request id and
    /// member id; never the path's ids, the token, the password or the body.
    @Test func eachRequestIsLoggedWithoutSecrets() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        let logs = CapturedLogs()
        let token = try #require(f.tokens[f.org.alice.id])
        try await f.test(logger: logs.logger) { client in
            try await client.execute(
                uri: "/api/v1/accounts/\(account.id)", method: .patch, headers: f.headers(f.org.alice),
                body: body(#"{"name": "Renamed, secret-word-42"}"#)
            ) { r in
                #expect(r.status == .ok)
                #expect(r.headers[RequestLogMiddleware.header]?.count == 32)
            }
            try await client.execute(
                uri: "/api/v1/auth/login", method: .post, headers: [.contentType: "application/json", RequestLogMiddleware.header: "my-trace-1"],
                body: body(#"{"email": "nobody@example.com", "password": "hunter2-hunter2"}"#)
            ) { r in
                #expect(r.status == .unauthorized)
                #expect(r.headers[RequestLogMiddleware.header] == "my-trace-1")
                #expect(r.problem?.instance == "my-trace-1")
            }
        }
        let lines = logs.lines.withLockedValue { $0 }.filter { $0.message == "request" }
        #expect(lines.count == 2)
        let patch = try #require(lines.first)
        #expect(patch.metadata["method"] == "PATCH" && patch.metadata["route"] == "/api/v1/accounts/{id}" && patch.metadata["status"] == "200", "\(patch.metadata)")
        #expect(patch.metadata["member_id"] == f.org.alice.id && patch.metadata["request_id"]?.count == 32 && patch.metadata["duration_ms"] != nil)
        #expect(lines.last?.metadata["request_id"] == "my-trace-1" && lines.last?.metadata["status"] == "401" && lines.last?.metadata["member_id"] == nil)
        let everything = logs.lines.withLockedValue { $0 }.map { "\($0.message) \($0.metadata)" }.joined(separator: "\n")
        for secret in [token, "hunter2-hunter2", "secret-word-42", account.id] { #expect(!everything.contains(secret), "\(secret) is in the log") }
    }

    @Test func readinessChecksTheDatabase() async throws {
        let f = try await APIFixture.make()
        let app = Application(router: f.router)
        try await app.test(.router) { plain in
            let client = WireRecordingClient.wrap(plain)
            try await client.execute(uri: "/readyz", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
            try await f.store.database.close()
            try await client.execute(uri: "/readyz", method: .get) { r in
                #expect(r.status == .serviceUnavailable)
                #expect(r.problem?.instance?.isEmpty == false)
            }
            try await client.execute(uri: "/healthz", method: .get) { #expect($0.status == .ok) }
        }
    }

    @Test func logSettingsComeFromTheEnvironment() throws {
        #expect(try LogSettings.fromEnvironment([:]) == LogSettings())
        let json = try LogSettings.fromEnvironment(["HANDOVER_LOG_LEVEL": "Warning", "HANDOVER_LOG_FORMAT": "json"])
        #expect(json.level == .warning && json.json)
        #expect(throws: ConfigurationError.self) { try LogSettings.fromEnvironment(["HANDOVER_LOG_LEVEL": "loud"]) }
        #expect(throws: ConfigurationError.self) { try LogSettings.fromEnvironment(["HANDOVER_LOG_FORMAT": "xml"]) }
        let line = JSONLogHandler.line(
            level: .info, message: "request", label: "handover", metadata: ["status": "200", "route": "/a/\"b\""],
            at: Date(millis: 1_780_000_000_123))
        let object = try JSONSerialization.jsonObject(with: line) as? [String: String]
        #expect(object == ["time": "2026-05-28T20:26:40.123Z", "level": "info", "label": "handover", "message": "request", "status": "200", "route": "/a/\"b\""])
        #expect(line.last == UInt8(ascii: "\n"))
    }
}

@Suite struct MetricsTests {
    /// A scrape over loopback reads in the Prometheus text format: requests by route template and
    /// status, their latency, and the storage gauges.
    @Test func metricsScrapeInThePrometheusTextFormat() async throws {
        let f = try await APIFixture.make()
        let account = try await f.org.account(f.org.alice, in: f.store)
        _ = try await f.org.handover(of: account, to: f.org.bob, in: f.store)
        let token = try #require(f.tokens[f.org.alice.id])
        // A job that failed twice: the failures counter moves, and the queue shows it.
        let kind = "test.metrics.\(UUID().uuidString.prefix(8).lowercased())", start = Date(millis: Date().millis)
        let job = NewJob(kind: kind, runAfter: start)
        try await f.store.enqueueJobs([job])
        for attempt in 0..<2 {
            let at = start.addingTimeInterval(Double(attempt) * 10)
            #expect(try await f.store.claimJobs(runner: "metrics-test", kinds: [kind], limit: 1, lease: 5, at: at).count == 1)
            #expect(try await f.store.failJob(id: job.id, runner: "metrics-test", error: "no", retryAt: at.addingTimeInterval(1), at: at))
        }
        try await f.testLive { http, base in
            for _ in 0..<3 { _ = try await http.send(.GET, base + "/api/v1/accounts/\(account.id)", token: token) }
            _ = try await http.send(.GET, base + "/api/v1/accounts/nope", token: token)
            let response = try await http.send(.GET, base + "/metrics")
            #expect(response.status == .ok)
            #expect(response.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = try await http.text(base + "/metrics")
            let lines = text.split(separator: "\n").map(String.init)
            func value(_ prefix: String) -> Double? { lines.first { $0.hasPrefix(prefix + " ") }.flatMap { Double($0.split(separator: " ").last!) } }
            #expect(value(#"handover_http_requests_total{method="GET",route="/api/v1/accounts/{id}",status="200"}"#) == 3, "\(text)")
            #expect(value(#"handover_http_requests_total{method="GET",route="/api/v1/accounts/{id}",status="404"}"#) == 1)
            #expect(value(#"handover_http_request_duration_seconds_count{method="GET",route="/api/v1/accounts/{id}"}"#) == 4)
            #expect(lines.contains("# TYPE handover_http_request_duration_seconds histogram"))
            #expect(value(#"handover_handovers{state="draft"}"#).map { $0 >= 1 } == true)
            #expect(value("handover_db_writer_queue_depth") == 0)
            #expect(value("handover_audit_appender_pending") == 0)
            #expect(value(#"handover_job_failures_total{kind="\#(kind)"}"#) == 2, "\(text)")
            #expect(value(#"handover_jobs{state="pending"}"#).map { $0 >= 1 } == true)
            #expect(value(#"handover_jobs{state="dead"}"#) != nil && value(#"handover_jobs{state="running"}"#) != nil)
            // No organization, member or account id is a label.
            #expect(!text.contains(account.id) && !text.contains(f.org.organization.id))
        }
    }

    @Test func onlyLoopbackOrTheTokenMayScrape() async throws {
        #expect(ServerMetrics.mayScrape(sourceAddress: "127.0.0.1", authorization: nil, token: nil))
        #expect(ServerMetrics.mayScrape(sourceAddress: "::1", authorization: nil, token: nil))
        #expect(!ServerMetrics.mayScrape(sourceAddress: "10.1.2.3", authorization: nil, token: nil))
        #expect(!ServerMetrics.mayScrape(sourceAddress: "10.1.2.3", authorization: "Bearer anything", token: nil))
        #expect(!ServerMetrics.mayScrape(sourceAddress: "10.1.2.3", authorization: "Bearer not-the-token-at-all", token: "the-metrics-token-1"))
        #expect(ServerMetrics.mayScrape(sourceAddress: "10.1.2.3", authorization: "Bearer the-metrics-token-1", token: "the-metrics-token-1"))
        // In process there is no peer address: refused.
        let f = try await APIFixture.make()
        try await f.test { client in
            try await client.execute(uri: "/metrics", method: .get) { #expect($0.status == .forbidden) }
        }
    }
}
