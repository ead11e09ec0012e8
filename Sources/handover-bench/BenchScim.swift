import ArgumentParser
import AsyncHTTPClient
import Foundation
import HandoverCore
import HandoverServer
import HandoverServices
import HandoverStore
import NIOCore
import SQLKit

struct BenchScim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scim",
        abstract: "N SCIM deprovisions at C concurrent requests over HTTP, beside the raw deactivation transactions.",
        discussion: """
            Seeds N members (each with a manager, an API token and --accounts accounts) and a SCIM \
            connection, starts a server on loopback in this process, and deprovisions every member \
            through /scim/v2 from C concurrent clients: half as Entra does it (PATCH \
            active "False"), half by DELETE. Each one deactivates the member (sessions and tokens \
            revoked) and applies a departure of their accounts to their manager. Every answer must be \
            200 or 204; anything else is an error. Afterwards it checks that every member is \
            inactive, every API token is refused, and every departure is applied.

            Raw: the same number of one-row deactivation transactions (UPDATE members, DELETE \
            sessions, UPDATE api_tokens) run back to back by one caller, with no HTTP, no audit \
            entry and no departure.

            Target: N = 1,000 at C = 50, 0 errors, p99 printed. SQLite always (in a temporary \
            file); PostgreSQL too when --postgres or HANDOVER_TEST_POSTGRES_URL names a throwaway database.
            """
    )

    @Option(help: "Members to deprovision.") var count = 1000
    @Option(help: "Concurrent SCIM requests.") var concurrency = 50
    @Option(help: "Accounts each member owns (each becomes a handover to their manager).") var accounts = 2
    @Option(help: "A throwaway PostgreSQL database to measure too (default: HANDOVER_TEST_POSTGRES_URL).") var postgres: String?
    @OptionGroup var output: OutputOptions

    func validate() throws {
        guard count > 0, concurrency > 0, accounts >= 0 else { throw ValidationError("--count and --concurrency must be positive, --accounts not negative") }
    }

    func run() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("handover-bench-\(Secrets.newID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        var results: [String: JSONValue] = [:]
        for (name, location) in try benchEngines(sqlite: folder.appendingPathComponent("scim.sqlite"), postgres: postgres) {
            log("\(name): seeding \(count) members with \(accounts) accounts each…")
            let f = try await SQLHandoverStore.withStore(location) { try await measure($0, folder: folder) }
            log(
                String(
                    format: "  %@: %d deprovisions at %d concurrent in %.2f s: %.0f/s, %d errors (target 0), p50 %.1f ms, p99 %.1f ms",
                    name, f.done, concurrency, f.seconds, Double(f.done) / f.seconds, f.errors, f.p50, f.p99))
            if let firstError = f.firstError { log("  \(name): first error: \(firstError)") }
            log(
                String(
                    format: "  %@: after: %d of %d inactive, %d API tokens still accepted, %d departures applied, %d handovers created",
                    name, f.inactive, count, f.tokensAccepted, f.departures, f.handovers))
            log(
                String(
                    format: "  %@: raw, %d one-row deactivation transactions back to back: %.2f s, %.0f/s", name, count, f.rawSeconds,
                    Double(count) / f.rawSeconds))
            results[name] = .object([
                "deprovisions": .number(Double(f.done)), "errors": .number(Double(f.errors)), "seconds": .number(f.seconds), "p50ms": .number(f.p50),
                "p99ms": .number(f.p99), "inactive": .number(Double(f.inactive)), "tokensAccepted": .number(Double(f.tokensAccepted)),
                "departuresApplied": .number(Double(f.departures)), "handovers": .number(Double(f.handovers)), "rawSeconds": .number(f.rawSeconds),
            ])
        }
        if output.format == .json { try output.printJSON(JSONValue.object(results)) }
    }

    struct Figures {
        var done: Int
        var errors: Int
        var firstError: String?
        var seconds: Double
        var p50: Double
        var p99: Double
        var inactive: Int
        var tokensAccepted: Int
        var departures: Int
        var handovers: Int
        var rawSeconds: Double
    }

    /// The next member to deprovision, handed out to the clients one at a time.
    actor Queue {
        var next = 0
        let count: Int
        init(count: Int) { self.count = count }
        func take() -> Int? {
            guard next < count else { return nil }
            defer { next += 1 }
            return next
        }
    }

    func measure(_ store: SQLHandoverStore, folder: URL) async throws -> Figures {
        let services = MemberService(store: store)
        let accountService = AccountService(store: store)
        let tag = Secrets.newID()
        let (organization, admin) = try await services.createOrganization(
            name: "Bench SCIM", adminEmail: "admin-\(tag)@bench.example", adminName: "Admin", password: nil)
        let manager = try await services.createMember(
            organizationID: organization.id, email: "manager-\(tag)@bench.example", name: "Manager", role: .manager, managerID: nil, password: nil,
            by: .operator)
        var leavers: [(member: Member, token: String)] = []
        for index in 0..<count {
            let member = try await services.createMember(
                organizationID: organization.id, email: "leaver\(index)-\(tag)@bench.example", name: "Leaver \(index)", role: .member,
                managerID: manager.id, password: nil, by: .operator)
            for number in 0..<accounts {
                _ = try await accountService.createAccount(
                    name: "Account \(index)-\(number)", kind: .customer, ownerID: member.id, profile: AccountProfile(overview: "Seeded"), by: admin)
            }
            leavers.append((member, try await services.createToken(for: member, name: "laptop", by: .operator).secret))
        }
        let scim = ScimService(store: store)
        let (_, secret) = try await scim.createToken(organizationID: organization.id, name: "bench", by: .operator)

        var httpConfiguration = HTTPClient.Configuration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(30), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)
        var configuration = ServerConfiguration()
        configuration.port = 0
        let ids = leavers.map(\.member.id), tokens = leavers.map(\.token)
        let result: (latencies: [Double], errors: [String], seconds: Double, tokensAccepted: Int)
        do {
            result = try await HTTPBench(seconds: 0, connections: concurrency, folder: folder).serve(store, configuration) { base in
                let queue = Queue(count: ids.count)
                let start = ContinuousClock.now
                let (latencies, errors) = await withTaskGroup(of: ([Double], [String]).self) { group in
                    for _ in 0..<concurrency {
                        group.addTask {
                            var latencies: [Double] = [], errors: [String] = []
                            while let index = await queue.take() {
                                var request = HTTPClientRequest(url: base + "/scim/v2/Users/\(ids[index])")
                                request.headers.add(name: "Authorization", value: "Bearer \(secret)")
                                if index % 2 == 0 {
                                    request.method = .PATCH
                                    request.headers.add(name: "Content-Type", value: "application/scim+json")
                                    request.body = .bytes(ByteBuffer(string: #"{"Operations":[{"op":"Replace","path":"active","value":"False"}]}"#))
                                } else {
                                    request.method = .DELETE
                                }
                                let began = ContinuousClock.now
                                do {
                                    let response = try await http.execute(request, timeout: .seconds(60))
                                    let body = try await response.body.collect(upTo: 1 << 20)
                                    if response.status == .ok || response.status == .noContent {
                                        latencies.append((ContinuousClock.now - began).seconds * 1000)
                                    } else {
                                        errors.append("\(response.status.code) \(String(buffer: body).prefix(200))")
                                    }
                                } catch {
                                    errors.append("\(error)")
                                }
                            }
                            return (latencies, errors)
                        }
                    }
                    var latencies: [Double] = [], errors: [String] = []
                    for await part in group {
                        latencies += part.0
                        errors += part.1
                    }
                    return (latencies.sorted(), errors)
                }
                let seconds = (ContinuousClock.now - start).seconds
                // Every leaver's API token must now be refused.
                var accepted = 0
                for token in tokens {
                    var request = HTTPClientRequest(url: base + "/api/v1/accounts")
                    request.headers.add(name: "Authorization", value: "Bearer \(token)")
                    let response = try await http.execute(request, timeout: .seconds(30))
                    _ = try await response.body.collect(upTo: 1 << 22)
                    if response.status == .ok { accepted += 1 }
                }
                return (latencies, errors, seconds, accepted)
            }
            try await http.shutdown()
        } catch {
            try? await http.shutdown()
            throw error
        }

        let members = try await store.members(organizationID: organization.id)
        let inactive = members.filter { ids.contains($0.id) && !$0.isActive }.count
        let departures = try await store.departures(organizationID: organization.id, limit: count + 10)
        let applied = departures.filter { $0.state == .applied }
        var handovers = 0
        for departure in applied { handovers += try await store.departureHandovers(departure, limit: accounts + 1).count }

        // Raw: the same number of deactivation transactions on fresh members, one caller, no HTTP.
        var rawIDs: [String] = []
        for index in 0..<count {
            rawIDs.append(
                try await services.createMember(
                    organizationID: organization.id, email: "raw\(index)-\(tag)@bench.example", name: "Raw \(index)", role: .member, managerID: nil,
                    password: nil, by: .operator
                ).id)
        }
        let rawStart = ContinuousClock.now
        let now = Date().millis
        for id in rawIDs {
            try await store.database.transaction { db in
                try await db.raw("UPDATE members SET deactivated_at = \(bind: now) WHERE id = \(bind: id)").run()
                try await db.raw("DELETE FROM sessions WHERE member_id = \(bind: id)").run()
                try await db.raw("UPDATE api_tokens SET revoked_at = \(bind: now) WHERE member_id = \(bind: id) AND revoked_at IS NULL").run()
            }
        }
        let rawSeconds = (ContinuousClock.now - rawStart).seconds

        func percentile(_ p: Double) -> Double { result.latencies.isEmpty ? 0 : BenchAudit.percentile(result.latencies, p) }
        return Figures(
            done: result.latencies.count, errors: result.errors.count, firstError: result.errors.first, seconds: result.seconds, p50: percentile(0.5),
            p99: percentile(0.99), inactive: inactive, tokensAccepted: result.tokensAccepted, departures: applied.count, handovers: handovers,
            rawSeconds: rawSeconds)
    }

    func log(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }
}
