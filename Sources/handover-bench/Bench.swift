import ArgumentParser
import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import Hummingbird
import Logging
import NIOCore
import SQLKit

/// The benchmarks, in an executable of their own: their raw-SQL baselines stay out of the
/// user-facing `handover` binary. Run with `swift run -c release handover-bench …`.
@main
struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "handover-bench",
        abstract: "Benchmarks, each printing its figures beside a raw figure or target from the same run.",
        subcommands: [
            BenchAPI.self, BenchWrites.self, BenchPages.self, BenchAudit.self, BenchSecrets.self, BenchMail.self, BenchDeparture.self, BenchScim.self, BenchSearch.self,
            BenchImport.self,
        ],
        defaultSubcommand: BenchAPI.self
    )
}

struct BenchAPI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "api",
        abstract: "Measure storage and HTTP throughput, each beside the raw figure from the same run (the default).",
        discussion: """
            Storage: creates N accounts and N handovers through the store (each its own transaction with all
            its rows) and compares with N raw single-row INSERTs into the handovers table, one per transaction.
            HTTP: serves GET /api/v1/handovers/{id} (authenticated, cycling through 100 handovers) and /healthz
            on loopback under concurrent load and compares requests/s and p99, with the server's read cache
            on (as shipped) and off. SQLite always (in a temporary file); PostgreSQL too when
            --postgres or HANDOVER_TEST_POSTGRES_URL names one: point it at a throwaway database, as the
            benchmark's rows stay there.
            """
    )

    @Option(help: "Rows per storage measurement.") var count = 2000
    @Option(help: "Seconds per HTTP measurement.") var seconds = 5.0
    @Option(help: "Concurrent HTTP connections.") var connections = 16
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @Flag(help: "Skip the HTTP measurement.") var skipHTTP = false
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard count > 0, seconds > 0, connections > 0 else { throw ValidationError("--count, --seconds and --connections must be positive") }
        var results: [String: JSONValue] = [:]
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        defer { try? FileManager.default.removeItem(at: folder) }

        let engines = try benchEngines(sqlite: folder.appendingPathComponent("bench.sqlite"), postgres: postgres)
        for (name, location) in engines {
            log("storage on \(name): \(count) accounts, \(count) handovers, \(count) raw inserts…")
            let figures = try await StorageBench(count: count).run(location)
            results["storage.\(name)"] = figures.json
            log(
                String(
                    format: "  %@: handovers %.0f/s, raw inserts %.0f/s, ratio %.0f%% (target >= 25%%); accounts %.0f/s",
                    name, figures.handoversPerSecond, figures.rawPerSecond, figures.ratio * 100, figures.accountsPerSecond))
        }
        if !skipHTTP {
            log("HTTP on loopback: \(connections) connections, \(seconds) s each…")
            let figures = try await HTTPBench(seconds: seconds, connections: connections, folder: folder).run()
            results["http"] = figures.json
            log(
                String(
                    format: "  healthz %.0f req/s (p99 %.2f ms); handover read %.0f req/s (p99 %.2f ms); ratio %.0f%% (target >= 50%%)",
                    figures.healthz.rate, figures.healthz.p99, figures.read.rate, figures.read.p99, figures.read.rate / figures.healthz.rate * 100))
            log(
                String(
                    format: "  with the read cache off (HANDOVER_READ_CACHE_MS=0): handover read %.0f req/s (p99 %.2f ms); ratio %.0f%%",
                    figures.uncachedRead.rate, figures.uncachedRead.p99, figures.uncachedRead.rate / figures.healthz.rate * 100))
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    func log(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

struct StorageBench {
    var count: Int

    struct Figures {
        var accountsPerSecond: Double
        var handoversPerSecond: Double
        var rawPerSecond: Double
        var ratio: Double { handoversPerSecond / rawPerSecond }
        var json: JSONValue {
            .object([
                "accountsPerSecond": .number(accountsPerSecond.rounded()), "handoversPerSecond": .number(handoversPerSecond.rounded()),
                "rawInsertsPerSecond": .number(rawPerSecond.rounded()), "ratio": .number((ratio * 1000).rounded() / 1000),
            ])
        }
    }

    func run(_ location: DatabaseLocation) async throws -> Figures {
        try await SQLHandoverStore.withStore(location, measure)
    }

    func measure(_ store: SQLHandoverStore) async throws -> Figures {
        let now = WallClock.system.now()
        let org = Organization(id: Secrets.newID(), name: "Bench", createdAt: now)
        let a = Member(id: Secrets.newID(), organizationID: org.id, email: "a-\(org.id)@bench.example", name: "A", role: .member, createdAt: now)
        let b = Member(id: Secrets.newID(), organizationID: org.id, email: "b-\(org.id)@bench.example", name: "B", role: .member, createdAt: now)
        try await store.createOrganization(org, firstAdmin: a, passwordHash: nil)
        try await store.createMember(b, passwordHash: nil, by: .operator)
        let content = DemoData.completeCustomerContent(renewal: "2027-01-31", due: "2026-12-31")

        // 2N accounts through the store: N for store-made handovers, N for raw rows.
        let accountIDs = (0..<(2 * count)).map { _ in Secrets.newID() }
        let accountsStart = ContinuousClock.now
        for id in accountIDs {
            try await store.createAccount(
                Account(
                    id: id, organizationID: org.id, name: "Account \(id)", kind: .customer, ownerID: a.id,
                    profile: AccountProfile(overview: "Bench"), createdAt: now, updatedAt: now), by: .operator)
        }
        let accountsElapsed = ContinuousClock.now - accountsStart

        let handoversStart = ContinuousClock.now
        for id in accountIDs.prefix(count) {
            let handover = Handover(
                id: Secrets.newID(), organizationID: org.id, accountID: id, templateKey: "customer-account", templateVersion: 1,
                transferorID: a.id, recipientID: b.id, content: content, createdAt: now, updatedAt: now)
            let record = HandoverEventRecord(
                id: Secrets.newID(), handoverID: handover.id, organizationID: org.id, actorID: a.id,
                event: "create", handoverVersion: 1, fromState: nil, toState: .draft, note: nil, at: now)
            try await store.createHandover(handover, record: record)
        }
        let handoversElapsed = ContinuousClock.now - handoversStart

        // The raw engine: one single-row INSERT into the same table per transaction, same connection pool.
        let contentText = String(decoding: try JSONEncoder().encode(content), as: UTF8.self)
        let rawStart = ContinuousClock.now
        for id in accountIDs.suffix(count) {
            try await store.database.transaction { db in
                try await db.raw(
                    """
                    INSERT INTO handovers (id, organization_id, account_id, template_key, template_version, transferor_id, recipient_id,
                        state, content, version, created_at, updated_at)
                    VALUES (\(bind: Secrets.newID()), \(bind: org.id), \(bind: id), 'customer-account', 1, \(bind: a.id), \(bind: b.id),
                        'draft', \(bind: contentText), 1, \(bind: now.millis), \(bind: now.millis))
                    """
                ).run()
            }
        }
        let rawElapsed = ContinuousClock.now - rawStart
        return Figures(
            accountsPerSecond: Double(2 * count) / accountsElapsed.seconds,
            handoversPerSecond: Double(count) / handoversElapsed.seconds,
            rawPerSecond: Double(count) / rawElapsed.seconds)
    }
}

struct HTTPBench {
    var seconds: Double
    var connections: Int
    var folder: URL

    struct Load {
        var requests: Int
        var rate: Double
        var p50: Double
        var p99: Double
        var json: JSONValue {
            .object(["requests": .number(Double(requests)), "requestsPerSecond": .number(rate.rounded()), "p50ms": .number(p50), "p99ms": .number(p99)])
        }
    }

    struct Figures {
        var healthz: Load
        var read: Load
        var uncachedRead: Load
        var json: JSONValue {
            .object([
                "healthz": healthz.json, "handoverRead": read.json, "handoverReadUncached": uncachedRead.json,
                "ratio": .number((read.rate / healthz.rate * 1000).rounded() / 1000),
                "ratioUncached": .number((uncachedRead.rate / healthz.rate * 1000).rounded() / 1000),
            ])
        }
    }

    /// Reads cycle through this many handovers, so a cache cannot serve one hot row only.
    static let handoverCount = 100

    func run() async throws -> Figures {
        try await SQLHandoverStore.withStore(.sqlite(path: folder.appendingPathComponent("http.sqlite").path), measure)
    }

    func measure(_ store: SQLHandoverStore) async throws -> Figures {
        let admin = MemberService(store: store)
        let (_, ada) = try await admin.createOrganization(name: "Bench", adminEmail: "ada@bench.example", adminName: "Ada", password: nil)
        let bob = try await admin.createMember(
            organizationID: ada.organizationID, email: "bob@bench.example", name: "Bob", role: .member, managerID: nil, password: nil, by: .operator)
        let service = HandoverService(store: store)
        var paths: [String] = []
        for index in 0..<Self.handoverCount {
            let account = try await service.accounts.createAccount(name: "Bench account \(index)", kind: .customer, ownerID: ada.id, profile: AccountProfile(), by: ada)
            let handover = try await service.begin(
                accountID: account.id, recipientID: bob.id, templateKey: "customer-account", templateVersion: nil,
                content: DemoData.completeCustomerContent(renewal: "2027-01-31", due: "2026-12-31"), by: ada)
            paths.append("/api/v1/handovers/\(handover.id)")
        }
        let (_, token) = try await admin.createToken(for: ada, name: "bench", by: .operator)

        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        defer { Task { try? await http.shutdown() } }

        // The shipped configuration (read cache on), then the same server with the cache off.
        var configuration = ServerConfiguration()
        configuration.port = 0
        let (healthz, read) = try await serve(store, configuration) { base in
            _ = try await load(http, base: base, paths: ["/healthz"], token: nil, seconds: min(1, seconds))  // warm-up
            return (
                try await load(http, base: base, paths: ["/healthz"], token: nil, seconds: seconds),
                try await load(http, base: base, paths: paths, token: token, seconds: seconds)
            )
        }
        configuration.readCacheTTL = .zero
        let uncached = try await serve(store, configuration) { base in
            try await load(http, base: base, paths: paths, token: token, seconds: seconds)
        }
        return Figures(healthz: healthz, read: read, uncachedRead: uncached)
    }

    /// Runs a server on a free loopback port for the length of `body`.
    func serve<T: Sendable>(_ store: any HandoverStore, _ configuration: ServerConfiguration, _ body: (String) async throws -> T) async throws -> T {
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        var quiet = Logger(label: "handover.bench")
        quiet.logLevel = .critical  // cancelling the server at the end is expected, not an error
        let app = HandoverApplication.make(store: store, configuration: configuration, logger: quiet) { port in portContinuation.yield(port) }
        let server = Task { try await app.runService() }
        defer { server.cancel() }
        var iterator = portStream.makeAsyncIterator()
        guard let port = await iterator.next() else { throw BenchError("the server did not start") }
        return try await body("http://127.0.0.1:\(port)")
    }

    /// `connections` workers issue requests back to back until the time is up, each cycling through
    /// `paths` from its own starting point; every answer must be 200.
    func load(_ http: HTTPClient, base: String, paths: [String], token: String?, seconds: Double) async throws -> Load {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let latencies = try await withThrowingTaskGroup(of: [Double].self) { group in
            for worker in 0..<connections {
                group.addTask {
                    var mine: [Double] = []
                    var next = worker * paths.count / connections
                    while ContinuousClock.now < deadline {
                        let url = base + paths[next % paths.count]
                        next += 1
                        var request = HTTPClientRequest(url: url)
                        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
                        let began = ContinuousClock.now
                        let response = try await http.execute(request, timeout: .seconds(10))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        guard response.status == .ok else { throw BenchError("\(url) answered \(response.status.code)") }
                        mine.append((ContinuousClock.now - began).seconds * 1000)
                    }
                    return mine
                }
            }
            var all: [Double] = []
            for try await part in group { all += part }
            return all.sorted()
        }
        let elapsed = (ContinuousClock.now - start).seconds
        func percentile(_ p: Double) -> Double {
            guard !latencies.isEmpty else { return 0 }
            return (latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))] * 100).rounded() / 100
        }
        return Load(requests: latencies.count, rate: Double(latencies.count) / elapsed, p50: percentile(0.5), p99: percentile(0.99))
    }
}

/// The databases a benchmark measures: SQLite in `sqlite` always, and PostgreSQL when `postgres`
/// or HANDOVER_TEST_POSTGRES_URL names a throwaway database.
func benchEngines(sqlite: URL, postgres: String?) throws -> [(name: String, location: DatabaseLocation)] {
    var engines: [(name: String, location: DatabaseLocation)] = [("sqlite", .sqlite(path: sqlite.path))]
    if let url = postgres ?? ProcessInfo.processInfo.environment["HANDOVER_TEST_POSTGRES_URL"], !url.isEmpty {
        engines.append(("postgres", try DatabaseLocation(parsing: url)))
    }
    return engines
}

extension Duration {
    var seconds: Double {
        let (s, attoseconds) = components
        return Double(s) + Double(attoseconds) / 1e18
    }
}
