import ArgumentParser
import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import NIOCore

struct BenchWrites: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "writes",
        abstract: "Measure concurrent writes over HTTP beside the same transactions run back to back on one connection.",
        discussion: """
            N clients, each with its own account and its own draft handover, send PATCH /api/v1/accounts/{id}
            and PATCH /api/v1/handovers/{id} alternately, back to back, for the given time, to a server on
            loopback (in this process). Every answer must be 200; anything else is counted as an error.
            Meanwhile 4 more clients read accounts (GET), to show what a write storm does to reads.

            Raw: the same transactions (the store's UPDATE of the row and its audit entry, one transaction
            each) run in a loop by one caller on one connection, with no HTTP, no authentication and no
            queueing. For scale it also prints a bare single-statement UPDATE loop.

            Targets on SQLite, 2 cores: 64 clients, 0 errors, p99 < 250 ms, throughput >= 50% of raw.
            SQLite always (in a temporary file); PostgreSQL too when --postgres or HANDOVER_TEST_POSTGRES_URL
            names a throwaway database.
            """
    )

    @Option(help: "Concurrent HTTP clients.") var clients = 64
    @Option(help: "Seconds per measurement.") var seconds = 10.0
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @OptionGroup var output: OutputOptions

    func run() async throws {
        guard clients > 0, seconds > 0 else { throw ValidationError("--clients and --seconds must be positive") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        defer { try? FileManager.default.removeItem(at: folder) }
        let engines = try benchEngines(sqlite: folder.appendingPathComponent("writes.sqlite"), postgres: postgres)
        var results: [String: JSONValue] = [:]
        for (name, location) in engines {
            log("\(name): \(clients) clients writing for \(seconds) s, then the same transactions on one connection…")
            let figures = try await run(location, folder: folder)
            results[name] = figures.json
            log(
                String(
                    format: "  %@: %.0f writes/s over HTTP (%d writes, %d errors), p50 %.1f ms, p99 %.1f ms (target < 250 ms)",
                    name, figures.http.rate, figures.http.writes, figures.http.errors, figures.http.p50, figures.http.p99))
            log(
                String(
                    format: "  %@: writer queue depth %.1f on average; CPU %.1f s in %.0f s on %d cores",
                    name, figures.http.queueDepth, figures.http.cpuSeconds, seconds, ProcessInfo.processInfo.activeProcessorCount))
            log(
                String(
                    format: "  %@: meanwhile %d readers: %d account reads, p50 %.1f ms, p99 %.1f ms",
                    name, Self.readers, figures.http.reads, figures.http.readP50, figures.http.readP99))
            log(
                String(
                    format: "  %@: raw, the same transactions on one connection: %.0f/s; ratio %.0f%% (target >= 50%%)",
                    name, figures.rawRate, figures.http.rate / figures.rawRate * 100))
            log(String(format: "  %@: for scale, a bare one-statement UPDATE transaction loop: %.0f/s", name, figures.bareRate))
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Figures {
        var http: WriteLoad
        var rawRate: Double
        var bareRate: Double
        var json: JSONValue {
            .object([
                "http": http.json, "rawTransactionsPerSecond": .number(rawRate.rounded()), "bareUpdatesPerSecond": .number(bareRate.rounded()),
                "ratio": .number((http.rate / rawRate * 1000).rounded() / 1000),
            ])
        }
    }

    struct WriteLoad {
        var writes: Int
        var errors: Int
        var rate: Double
        var p50: Double
        var p99: Double
        /// Mean depth of the writer queue (SQLite; 0 on PostgreSQL) and the process's CPU time.
        var queueDepth = 0.0
        var cpuSeconds = 0.0
        /// Account reads by a few other clients during the storm.
        var reads: Int
        var readP50: Double
        var readP99: Double
        var json: JSONValue {
            .object([
                "queueDepth": .number((queueDepth * 10).rounded() / 10), "cpuSeconds": .number((cpuSeconds * 10).rounded() / 10),
                "writes": .number(Double(writes)), "errors": .number(Double(errors)), "writesPerSecond": .number(rate.rounded()),
                "p50ms": .number(p50), "p99ms": .number(p99), "reads": .number(Double(reads)), "readP50ms": .number(readP50), "readP99ms": .number(readP99),
            ])
        }
    }

    /// Clients reading (GET an account) while the writers write.
    static let readers = 4

    /// One client's rows.
    struct Rows: Sendable {
        var account: String
        var handover: String
    }

    func run(_ location: DatabaseLocation, folder: URL) async throws -> Figures {
        try await SQLHandoverStore.withStore(location) { try await measure($0, folder: folder) }
    }

    func measure(_ store: SQLHandoverStore, folder: URL) async throws -> Figures {
        let admin = MemberService(store: store)
        let tag = Secrets.newID()
        let (_, owner) = try await admin.createOrganization(name: "Bench writes", adminEmail: "owner-\(tag)@bench.example", adminName: "Owner", password: nil)
        let recipient = try await admin.createMember(
            organizationID: owner.organizationID, email: "recipient-\(tag)@bench.example", name: "Recipient",
            role: .member, managerID: nil, password: nil, by: .operator)
        let service = HandoverService(store: store)
        var rows: [Rows] = []
        for index in 0..<(clients + 1) {  // one more for the raw loop
            let account = try await service.accounts.createAccount(name: "Write bench \(index)", kind: .customer, ownerID: owner.id, profile: AccountProfile(), by: owner)
            let handover = try await service.begin(
                accountID: account.id, recipientID: recipient.id, templateKey: "customer-account", templateVersion: nil,
                content: DemoData.completeCustomerContent(renewal: "2027-01-31", due: "2026-12-31"), by: owner)
            rows.append(Rows(account: account.id, handover: handover.id))
        }
        let (_, token) = try await admin.createToken(for: owner, name: "bench", by: .operator)

        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: clients)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        var configuration = ServerConfiguration()
        configuration.port = 0
        let load: WriteLoad
        do {
            let clientRows = Array(rows.prefix(clients))
            load = try await HTTPBench(seconds: seconds, connections: clients, folder: folder).serve(store, configuration) { base in
                // Where the writers wait: the writer queue's depth, sampled every 10 ms, and the
                // CPU the whole process used (server and clients share the machine's cores).
                let cpuBefore = Self.cpuSeconds()
                let sampler = Task {
                    var samples: [Int] = []
                    while !Task.isCancelled {
                        samples.append(store.database.writeQueueDepth)
                        try? await Task.sleep(for: .milliseconds(10))
                    }
                    return samples
                }
                var load = try await writeLoad(http, base: base, token: token, rows: clientRows)
                sampler.cancel()
                let samples = await sampler.value
                load.queueDepth = samples.isEmpty ? 0 : Double(samples.reduce(0, +)) / Double(samples.count)
                load.cpuSeconds = Self.cpuSeconds() - cpuBefore
                return load
            }
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }

        // Raw: the store's own transactions for the same two changes, back to back, one caller.
        let raw = rows[clients]
        var account = try await store.account(id: raw.account, organizationID: owner.organizationID)!
        var handover = try await store.handover(id: raw.handover, organizationID: owner.organizationID)!
        let rawDeadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let rawStart = ContinuousClock.now
        var rawCount = 0
        while ContinuousClock.now < rawDeadline {
            if rawCount % 2 == 0 {
                account.name = "Raw \(rawCount)"
                account.version += 1
                try await store.updateAccount(account, expectedVersion: account.version - 1, by: .operator)
            } else {
                handover.content = handover.content.merging(HandoverContent(["usage": ["products": .string("Raw \(rawCount)")]]))
                handover.version += 1
                try await store.updateHandover(handover, expectedVersion: handover.version - 1, record: nil, by: .operator)
            }
            rawCount += 1
        }
        let rawRate = Double(rawCount) / (ContinuousClock.now - rawStart).seconds

        // For scale: one UPDATE statement per transaction, nothing else.
        let bareDeadline = ContinuousClock.now + .milliseconds(Int(min(seconds, 3) * 1000))
        let bareStart = ContinuousClock.now
        var bareCount = 0
        while ContinuousClock.now < bareDeadline {
            let name = "Bare \(bareCount)"
            try await store.database.transaction { db in
                try await db.raw("UPDATE accounts SET name = \(bind: name), version = version + 1 WHERE id = \(bind: raw.account)").run()
            }
            bareCount += 1
        }
        let bareRate = Double(bareCount) / (ContinuousClock.now - bareStart).seconds
        return Figures(http: load, rawRate: rawRate, bareRate: bareRate)
    }

    /// Each client alternates an account rename and a handover edit on its own rows.
    func writeLoad(_ http: HTTPClient, base: String, token: String, rows: [Rows]) async throws -> WriteLoad {
        let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
        let start = ContinuousClock.now
        let (latencies, errors, readLatencies) = try await withThrowingTaskGroup(of: (writes: [Double], errors: Int, reads: [Double]).self) { group in
            for reader in 0..<Self.readers {
                group.addTask {
                    var latencies: [Double] = [], errors = 0, step = reader
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: base + "/api/v1/accounts/\(rows[step % rows.count].account)")
                        step += 1
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        if let milliseconds = await Self.timed(http, request) { latencies.append(milliseconds) } else { errors += 1 }
                    }
                    return ([], errors, latencies)
                }
            }
            for (client, mine) in rows.enumerated() {
                group.addTask {
                    var latencies: [Double] = [], errors = 0, step = 0
                    while ContinuousClock.now < deadline {
                        var request: HTTPClientRequest
                        if step % 2 == 0 {
                            request = HTTPClientRequest(url: base + "/api/v1/accounts/\(mine.account)")
                            request.body = .bytes(ByteBuffer(string: #"{"name": "Client \#(client) write \#(step)"}"#))
                        } else {
                            request = HTTPClientRequest(url: base + "/api/v1/handovers/\(mine.handover)")
                            request.body = .bytes(ByteBuffer(string: #"{"content": {"usage": {"products": "Client \#(client) edit \#(step)"}}}"#))
                        }
                        step += 1
                        request.method = .PATCH
                        request.headers.add(name: "Authorization", value: "Bearer \(token)")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        if let milliseconds = await Self.timed(http, request) { latencies.append(milliseconds) } else { errors += 1 }
                    }
                    return (latencies, errors, [])
                }
            }
            var writes: [Double] = [], reads: [Double] = [], errors = 0
            for try await part in group {
                writes += part.writes
                reads += part.reads
                errors += part.errors
            }
            return (writes.sorted(), errors, reads.sorted())
        }
        let elapsed = (ContinuousClock.now - start).seconds
        func percentile(_ values: [Double], _ p: Double) -> Double {
            guard !values.isEmpty else { return 0 }
            return (values[min(values.count - 1, Int(Double(values.count) * p))] * 100).rounded() / 100
        }
        return WriteLoad(
            writes: latencies.count, errors: errors, rate: Double(latencies.count) / elapsed, p50: percentile(latencies, 0.5),
            p99: percentile(latencies, 0.99), reads: readLatencies.count, readP50: percentile(readLatencies, 0.5),
            readP99: percentile(readLatencies, 0.99))
    }

    /// How long `request` took to answer 200 and send its body, in milliseconds; nil for any
    /// other answer or a failure.
    static func timed(_ http: HTTPClient, _ request: HTTPClientRequest) async -> Double? {
        let began = ContinuousClock.now
        guard let response = try? await http.execute(request, timeout: .seconds(30)),
            (try? await response.body.collect(upTo: 1 << 20)) != nil, response.status == .ok
        else { return nil }
        return (ContinuousClock.now - began).seconds * 1000
    }

    /// User and system CPU time of this process so far.
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
