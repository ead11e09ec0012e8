import Foundation
import HandoverStore
import HandoverServices
import Hummingbird
import Metrics
import Prometheus
import Synchronization

/// What an operator scrapes from `/metrics`: requests by route template and status with their
/// latency, the SQLite writer's queue, waits for a reading connection, the audit appender's lag,
/// handovers by state, background jobs by state and their failures. Written with swift-metrics
/// through one Prometheus registry per application (no process-wide bootstrap, so tests and
/// replicas in one process stay apart).
public final class ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    let factory: PrometheusMetricsFactory
    /// The store counts reading-connection waits since it opened; the counter moves by the difference.
    private let readWaitsSeen = Mutex(0)
    /// Failed job attempts by kind as last read: the database keeps the totals (all replicas
    /// together), and each counter moves by the difference.
    private let jobFailuresSeen = Mutex([String: Int]())

    public init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50),
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(10),
        ]
        self.factory = factory
    }

    func recordRequest(method: String, route: String, status: Int, duration: Duration) {
        Counter(
            label: "handover_http_requests_total", dimensions: [("method", method), ("route", route), ("status", String(status))],
            factory: factory
        ).increment()
        Metrics.Timer(label: "handover_http_request_duration_seconds", dimensions: [("method", method), ("route", route)], factory: factory)
            .recordNanoseconds(Int64(duration.components.seconds) * 1_000_000_000 + Int64(duration.components.attoseconds / 1_000_000_000))
    }

    /// The text exposition, with the gauges read now.
    func scrape(operations: OperationsService) async throws -> String {
        let (figures, auditPending) = try await operations.figures()
        Gauge(label: "handover_db_writer_queue_depth", factory: factory).record(figures.writeQueueDepth)
        let newWaits = readWaitsSeen.withLock { seen in
            defer { seen = max(seen, figures.readWaits) }; return max(0, figures.readWaits - seen)
        }
        Counter(label: "handover_db_read_waits_total", factory: factory).increment(by: newWaits)
        Gauge(label: "handover_audit_appender_pending", factory: factory).record(auditPending)
        for state in ["draft", "submitted", "returned", "acknowledged", "completed", "verified", "closed", "cancelled"] {
            Gauge(label: "handover_handovers", dimensions: [("state", state)], factory: factory).record(figures.handoversByState[state] ?? 0)
        }
        // The queue: pending, running and dead (done and cancelled ones are history).
        for state in ["pending", "running", "dead"] {
            Gauge(label: "handover_jobs", dimensions: [("state", state)], factory: factory).record(figures.jobsByState[state] ?? 0)
        }
        let newFailures = jobFailuresSeen.withLock { seen in
            defer { seen.merge(figures.jobFailuresByKind, uniquingKeysWith: max) }
            return figures.jobFailuresByKind.map { kind, total in (kind, max(0, total - (seen[kind] ?? 0))) }
        }
        for (kind, count) in newFailures {
            Counter(label: "handover_job_failures_total", dimensions: [("kind", kind)], factory: factory).increment(by: count)
        }
        return registry.emitToString()
    }

    /// Who may scrape: anyone on this machine (loopback) and, when `token` is set, whoever sends
    /// it as a bearer token. Compared in constant time.
    static func mayScrape(sourceAddress: String?, authorization: String?, token: String?) -> Bool {
        if let sourceAddress, sourceAddress == "127.0.0.1" || sourceAddress == "::1" || sourceAddress.hasPrefix("127.") { return true }
        guard let token, !token.isEmpty, let authorization, authorization.hasPrefix("Bearer ") else { return false }
        let sent = Array(authorization.dropFirst("Bearer ".count).utf8), expected = Array(token.utf8)
        guard sent.count == expected.count else { return false }
        return zip(sent, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }
}
